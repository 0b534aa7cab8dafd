"""An apiVersion the version upgraded from does not serve yet.

## What it does
Reported by `kube-lsp upgrade`: the target serves the apiVersion but the version upgraded from does not
(with the release that introduced it): the object only applies once the upgrade is done.

## Why is this bad?
Applied before the upgrade (or to a cluster still on the older release) it fails with `no matches for kind`.
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL306", name="upgrade-api-not-served-yet", severity=Severity.WARNING, module=__name__,
    summary="An apiVersion the version upgraded from does not serve yet",
    emitted_by="`kube-lsp upgrade` (kube_lsp/upgrade/analyse.py)",
)
