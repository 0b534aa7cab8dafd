"""The cluster's server-side dry-run rejected the object.

## What it does
The API server validated the object as it would for `kubectl apply --server-side` and refused it (invalid
value, apply conflict, admission webhook, ...). The finding sits on the field the server named, or on the
object's name when it named none. Only reported by `dry-run` runs.

## Why is this bad?
The real apply would fail the same way.
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL900", name="dry-run-rejected", severity=Severity.ERROR, module=__name__,
    summary="The cluster's server-side dry-run rejected the object",
    emitted_by='server-side dry-run (kube_lsp/cluster/dryrun.py)',
)
