"""Apply fixes to a text: non-overlapping text edits, in one pass, leaving everything else untouched."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from kube_lsp.model import Finding, Fix, TextEdit
from kube_lsp.parsing.text import LINE_BREAK_RE


def _offsets(text: str) -> list[int]:
    """Start offset of every line, with lines broken as the LSP and the parser break them."""
    return [0] + [m.end() for m in LINE_BREAK_RE.finditer(text)]


def apply_edits(text: str, edits: Iterable[TextEdit]) -> str:
    starts = _offsets(text)

    def offset(line: int, col: int) -> int:
        if line >= len(starts):
            return len(text)
        return min(starts[line] + col, len(text))

    ordered = sorted(edits, key=lambda e: (e.span.start, e.span.end), reverse=True)
    out = text
    for e in ordered:
        a, b = offset(e.span.start.line, e.span.start.col), offset(e.span.end.line, e.span.end.col)
        out = out[:a] + e.new_text + out[b:]
    return out


def select_safe_fixes(findings: Iterable[Finding]) -> list[tuple[Finding, Fix]]:
    """The first safe fix of each finding, skipping any whose edits overlap an earlier choice."""
    chosen: list[tuple[Finding, Fix]] = []
    taken: list[tuple[tuple[int, int], tuple[int, int]]] = []
    for f in findings:
        fix = next((fx for fx in f.fixes if fx.safe), None)
        if fix is None:
            continue
        ranges = [((e.span.start.line, e.span.start.col), (e.span.end.line, e.span.end.col)) for e in fix.edits]
        if any(_overlap(r, t) for r in ranges for t in taken):
            continue
        taken.extend(ranges)
        chosen.append((f, fix))
    return chosen


def _overlap(a: tuple[tuple[int, int], tuple[int, int]], b: tuple[tuple[int, int], tuple[int, int]]) -> bool:
    return a[0] < b[1] and b[0] < a[1] or a == b


def unified_diff(path: str, before: str, after: str) -> str:
    return "".join(difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True),
        fromfile=f"a/{path}", tofile=f"b/{path}",
    ))
