"""The API server answered the dry-run with a warning.

## What it does
Warnings such as deprecated APIs or unknown fields that the cluster accepted but reported.

## Why is this bad?
Warnings announce a future failure (a removed API, a dropped field).
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL901", name="dry-run-warning", severity=Severity.WARNING, module=__name__,
    summary='The API server answered the dry-run with a warning',
    emitted_by='server-side dry-run (kube_lsp/cluster/dryrun.py)',
)
