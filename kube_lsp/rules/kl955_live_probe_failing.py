"""A liveness, readiness or startup probe is failing.

## What it does
The kubelet reports `Unhealthy` events for a probe of a container (`Liveness probe failed: HTTP probe failed
with statuscode: 500`). The finding sits on that probe (`livenessProbe:` ...) of the container. Only reported
when live state is on (`kubeLsp.cluster.live`, or `kube-lsp status`), with source
`kube-lsp live`; it disappears as soon as the cluster no longer reports the problem.

## Why is this bad?
A failing liveness probe restarts the container; a failing readiness probe keeps it out of its Services.

## References
The kubelet's `Unhealthy` events (involvedObject.fieldPath `spec.containers{name}`).
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL955", name="live-probe-failing", severity=Severity.WARNING, module=__name__,
    summary='A liveness, readiness or startup probe is failing',
    emitted_by="live state (kube_lsp/cluster/live.py)",
)
