"""The Service has no ready endpoints.

## What it does
No endpoint of the Service's EndpointSlices (label `kubernetes.io/service-name`) is ready. The finding sits on
the Service's `selector:` and says whether any pod matches it. Only reported when live state is on
(`kubeLsp.cluster.live`, or `kube-lsp status`), with source
`kube-lsp live`; it disappears as soon as the cluster no longer reports the problem.

## Why is this bad?
Connections to the Service fail or hang: its selector matches no pod, or none of them is ready.

## References
`discovery.k8s.io/v1` EndpointSlice `endpoints[].conditions.ready` (nil means ready).
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL957", name="live-service-no-endpoints", severity=Severity.WARNING, module=__name__,
    summary='The Service has no ready endpoints',
    emitted_by="live state (kube_lsp/cluster/live.py)",
)
