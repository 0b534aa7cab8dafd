"""A suppression (comment or `kube-lsp.io/ignore` annotation) that suppresses nothing.

## What it does
Reports a `# kube-lsp: ignore=...` comment, an `ignore-document=...` comment or a `kube-lsp.io/ignore`
annotation when a rule it names has no finding where it applies (the line, the document, the object), and
when it names something that is no rule. Rules that are switched off in this run and cluster findings
(KL9xx, reported only by dry-run) do not count as unused: another run may report them.

KL499 is the last code of the best-practice range: it is about the suppressions of every rule, so it sits
apart from them, at the end where it cannot collide with a rule added later.

## Why is this bad?
A suppression outlives its reason: after a fix it hides the next, real problem of the same kind on that line
or object. A misspelt code (`KL4O1`) suppresses nothing at all.

## Example
```yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings  # kube-lsp: ignore=KL200
data:
  mode: production
```

## Use instead
```yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: production
```

## Fix
Removes a comment whose codes are all unused.

## Options
A hint by default; `rules: {KL499: off}` in `.kube-lsp.yaml` switches it off.

## References
ruff's `unused-noqa` (RUF100).
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL499", name="unused-suppression", severity=Severity.HINT, module=__name__,
    summary="A suppression (comment or `kube-lsp.io/ignore` annotation) that suppresses nothing",
    emitted_by="the suppression pass (kube_lsp/suppress.py, kube_lsp/engine.py)",
)
