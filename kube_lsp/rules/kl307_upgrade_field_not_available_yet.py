"""A field the version upgraded from does not have yet.

## What it does
Reported by `kube-lsp upgrade`: the object sets a field that the target has and the version upgraded from
does not (computed from the bundled schemas), e.g. `resources` in PodSpec exists from 1.34.

## Why is this bad?
On the older release `kubectl apply` fails with `unknown field`, or the field is silently dropped.
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL307", name="upgrade-field-not-available-yet", severity=Severity.WARNING, module=__name__,
    summary="A field the version upgraded from does not have yet",
    emitted_by="`kube-lsp upgrade` (kube_lsp/upgrade/analyse.py)",
)
