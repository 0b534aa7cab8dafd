"""No running pod matches the workload's selector.

## What it does
The workload wants replicas, yet none of the pods its `spec.selector` matches is Running. The finding sits on
`selector:` with the phases of the pods found. Only reported when live state is on (`kubeLsp.cluster.live`, or
`kube-lsp status`), with source
`kube-lsp live`; it disappears as soon as the cluster no longer reports the problem.

## Why is this bad?
Nothing serves: the pods fail to start, cannot be scheduled, or the selector matches no pod at all.

## References
The pods listed with the workload's label selector (`kubectl get pods -l ...`).
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL956", name="live-selector-no-running-pod", severity=Severity.WARNING, module=__name__,
    summary="No running pod matches the workload's selector",
    emitted_by="live state (kube_lsp/cluster/live.py)",
)
