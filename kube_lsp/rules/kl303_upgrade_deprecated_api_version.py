"""An apiVersion deprecated at the target of the upgrade.

## What it does
Reported by `kube-lsp upgrade`: the target still serves the apiVersion but has deprecated it (the finding
names the release that deprecated it, and the one that removes it when known).

## Why is this bad?
The API server answers with a deprecation warning, and a later release removes the apiVersion.

## Upgrade example
`kube-lsp upgrade --from 1.25 --to 1.37` on `apiVersion: v1` `kind: Endpoints` reports
`deprecated in Kubernetes 1.33; use discovery.k8s.io/v1 EndpointSlice`.

## Fix
The same migration as KL302, when the replacement keeps the kind.
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL303", name="upgrade-deprecated-api-version", severity=Severity.WARNING, module=__name__,
    summary="An apiVersion deprecated at the target of the upgrade",
    emitted_by="`kube-lsp upgrade` (kube_lsp/upgrade/analyse.py)",
)
