"""The cluster does not serve this apiVersion and kind.

## What it does
The cluster has no such resource: a CustomResourceDefinition is not installed, or the API was removed from the
cluster's version.

## Why is this bad?
The real apply would fail with `no matches for kind`.
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL902", name="not-served-by-cluster", severity=Severity.ERROR, module=__name__,
    summary='The cluster does not serve this apiVersion and kind',
    emitted_by='server-side dry-run (kube_lsp/cluster/dryrun.py)',
)
