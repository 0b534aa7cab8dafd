"""The cluster refused to show the object's live state (RBAC).

## What it does
Reading the object, its pods or events was refused (403 Forbidden) or the credentials were rejected (401). The
finding sits on the object's name and names what was refused. Only reported when live state is on
(`kubeLsp.cluster.live`, or `kube-lsp status`), with source
`kube-lsp live`; it disappears as soon as the cluster no longer reports the problem.

## Why is this bad?
Without read access, kube-lsp cannot show the live state or live problems; ask for `get`/`list`/`watch` on the
resource.

## References
Kubernetes RBAC: `kubectl auth can-i get deployments`.
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL959", name="live-read-denied", severity=Severity.INFO, module=__name__,
    summary="The cluster refused to show the object's live state (RBAC)",
    emitted_by="live state (kube_lsp/cluster/live.py)",
)
