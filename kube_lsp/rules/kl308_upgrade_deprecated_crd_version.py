"""A custom resource version its CustomResourceDefinition deprecates or no longer serves.

## What it does
Reported by `kube-lsp upgrade` for custom resources whose CustomResourceDefinition (among the checked
files) marks their version `deprecated: true` (a warning, with its `deprecationWarning`) or `served: false`
(an error).

## Why is this bad?
A deprecated version is usually removed by the next release of the operator; an unserved one is refused.
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL308", name="upgrade-deprecated-crd-version", severity=Severity.WARNING, module=__name__,
    summary="A custom resource version its CustomResourceDefinition deprecates or no longer serves",
    emitted_by="`kube-lsp upgrade` (kube_lsp/upgrade/analyse.py)",
)
