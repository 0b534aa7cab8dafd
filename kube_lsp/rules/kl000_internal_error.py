"""kube-lsp failed while analysing this document.

## What it does
An unexpected error inside kube-lsp. The rest of the file is still analysed. Please report it.

## Why is this bad?
Findings may be missing for this document until the bug is fixed; the other documents are unaffected.
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL000", name="internal-error", severity=Severity.ERROR, module=__name__,
    summary='kube-lsp failed while analysing this document',
    emitted_by='the engine, when a check raises',
)
