"""A PersistentVolumeClaim the pods mount is not bound (or does not exist).

## What it does
A `persistentVolumeClaim.claimName` of the pod template names a claim that is missing or not `Bound`; the
finding sits on `claimName` with the claim's last event (e.g. ProvisioningFailed). Only reported when live
state is on (`kubeLsp.cluster.live`, or `kube-lsp status`), with source
`kube-lsp live`; it disappears as soon as the cluster no longer reports the problem.

## Why is this bad?
Pods that mount an unbound claim stay Pending.

## References
The PersistentVolumeClaim's `status.phase` and its events.
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL954", name="live-claim-unbound", severity=Severity.WARNING, module=__name__,
    summary='A PersistentVolumeClaim the pods mount is not bound (or does not exist)',
    emitted_by="live state (kube_lsp/cluster/live.py)",
)
