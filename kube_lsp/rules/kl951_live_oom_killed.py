"""A container was killed for running out of memory (OOMKilled).

## What it does
A container of this object's pods last terminated with reason `OOMKilled`. The finding sits on its
`resources.limits.memory`, or on the container when it has no limit, with the exit code and restart count.
Only reported when live state is on (`kubeLsp.cluster.live`, or `kube-lsp status`), with source
`kube-lsp live`; it disappears as soon as the cluster no longer reports the problem.

## Why is this bad?
The container is restarted over and over; the limit is too low for what it uses, or it leaks memory.

## References
The container status `lastState.terminated.reason: OOMKilled` (exit code 137).
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL951", name="live-oom-killed", severity=Severity.WARNING, module=__name__,
    summary='A container was killed for running out of memory (OOMKilled)',
    emitted_by="live state (kube_lsp/cluster/live.py)",
)
