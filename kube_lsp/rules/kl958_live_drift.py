"""The live object differs from the file in a field the file sets.

## What it does
With live state on, the live object is compared with the server-side-apply dry-run of the file, only in the
fields the file sets (so defaults and other managers' fields are not drift). The finding sits on each
differing field and says the live value (Secret values are never shown). Only reported when live state is on
(`kubeLsp.cluster.live`, or `kube-lsp status`), with source
`kube-lsp live`; it disappears as soon as the cluster no longer reports the problem.

## Why is this bad?
Someone changed the object in the cluster (kubectl edit, an autoscaler, another pipeline), or the file was
never applied: applying it will change those fields.

## References
`kubectl diff --server-side`.
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL958", name="live-drift", severity=Severity.INFO, module=__name__,
    summary='The live object differs from the file in a field the file sets',
    emitted_by="live state (kube_lsp/cluster/drift.py)",
)
