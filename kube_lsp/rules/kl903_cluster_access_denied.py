"""The cluster refused the request (credentials or RBAC).

## What it does
401 or 403: the finding names the verb and resource that RBAC refused; a dry-run needs the same permissions as
a real apply.

## Why is this bad?
Without access, nothing about the object can be checked against the cluster.
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL903", name="cluster-access-denied", severity=Severity.ERROR, module=__name__,
    summary='The cluster refused the request (credentials or RBAC)',
    emitted_by='server-side dry-run (kube_lsp/cluster/dryrun.py)',
)
