"""A container keeps crashing (CrashLoopBackOff).

## What it does
A container of this object's pods waits in `CrashLoopBackOff`. The finding sits on the container's name and
quotes the last termination message and exit code. Only reported when live state is on
(`kubeLsp.cluster.live`, or `kube-lsp status`), with source
`kube-lsp live`; it disappears as soon as the cluster no longer reports the problem.

## Why is this bad?
The application exits soon after it starts; the kubelet waits longer and longer before restarting it.

## References
The container status `state.waiting.reason: CrashLoopBackOff` and `lastState.terminated`.
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL952", name="live-crash-loop", severity=Severity.WARNING, module=__name__,
    summary='A container keeps crashing (CrashLoopBackOff)',
    emitted_by="live state (kube_lsp/cluster/live.py)",
)
