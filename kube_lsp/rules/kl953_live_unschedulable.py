"""The scheduler finds no node with enough cpu or memory for the pod's requests (FailedScheduling).

## What it does
A pod of this object is Pending because no node has room for its requests (`0/3 nodes are available: 3
Insufficient cpu`). The finding sits on each container's `resources.requests.cpu`/`memory` (or the limit the
request defaults to). Only reported when live state is on (`kubeLsp.cluster.live`, or `kube-lsp status`), with
source
`kube-lsp live`; it disappears as soon as the cluster no longer reports the problem.

## Why is this bad?
The pod never runs until the requests shrink or the cluster grows.

## References
The pod condition `PodScheduled=False` (reason `Unschedulable`) and the scheduler's `FailedScheduling` events.
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL953", name="live-unschedulable", severity=Severity.WARNING, module=__name__,
    summary="The scheduler finds no node with enough cpu or memory for the pod's requests (FailedScheduling)",
    emitted_by="live state (kube_lsp/cluster/live.py)",
)
