"""Suppression comments: `# kube-lsp: ignore=KL200` on a line, `# kube-lsp: ignore-document=KL200`."""

from __future__ import annotations

import re
from typing import Final

from kube_lsp.model import Finding
from kube_lsp.rules import find_rule

_DIRECTIVE_RE: Final = re.compile(r"#\s*kube-lsp:\s*(ignore-document|ignore)\b(?:\s*=\s*([\w\-, ]+))?")
ALL: Final = "*"


def _codes(raw: str | None) -> set[str]:
    if not raw:
        return {ALL}
    out = set()
    for part in raw.split(","):
        rule = find_rule(part.strip())
        if rule is not None:
            out.add(rule.code)
    return out


def directives(lines: list[str], first_line: int) -> tuple[dict[int, set[str]], set[str]]:
    """Per-line suppressions (absolute line → codes) and document-wide ones, from a document's lines."""
    per_line: dict[int, set[str]] = {}
    whole: set[str] = set()
    for i, text in enumerate(lines):
        if "kube-lsp:" not in text:
            continue
        for m in _DIRECTIVE_RE.finditer(text):
            codes = _codes(m.group(2))
            if m.group(1) == "ignore":
                per_line.setdefault(first_line + i, set()).update(codes)
            else:
                whole.update(codes)
    return per_line, whole


def is_suppressed(f: Finding, per_line: dict[int, set[str]], whole: set[str]) -> bool:
    if f.code in whole or ALL in whole:
        return True
    codes = per_line.get(f.span.start.line)
    return codes is not None and (f.code in codes or ALL in codes)
