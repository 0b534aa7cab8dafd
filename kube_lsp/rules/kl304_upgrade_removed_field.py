"""A field that a release of the upgrade removes.

## What it does
Reported by `kube-lsp upgrade`: the field exists in the schema of the version upgraded from and not in the
target's (computed from the bundled schemas), with the release that dropped it.

## Why is this bad?
The target's API server rejects the unknown field (`kubectl apply` validates strictly) or drops it.
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL304", name="upgrade-removed-field", severity=Severity.ERROR, module=__name__,
    summary="A field that a release of the upgrade removes",
    emitted_by="`kube-lsp upgrade` (kube_lsp/upgrade/analyse.py)",
)
