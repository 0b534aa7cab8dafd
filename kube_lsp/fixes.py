"""Apply fixes to a text: non-overlapping text edits, in one pass, leaving everything else untouched.

A document with a syntax error is never edited (its findings cannot be trusted), but the other documents
of the same file are: documents are independent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Final

from kube_lsp.model import Finding, Fix, TextEdit
from kube_lsp.parsing.text import LINE_BREAK_RE, split_documents

_LONE_LF: Final = re.compile(r"(?<!\r)\n")
# Findings that mean a document did not parse (or was not analysed): its text is left alone.
BROKEN_CODES: Final = frozenset({"KL100", "KL104"})


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
    # New lines of an edit (a migration writes several) take the text's own line breaks.
    crlf = "\r\n" in text and "\n" not in text.replace("\r\n", "")
    out = text
    for e in ordered:
        a, b = offset(e.span.start.line, e.span.start.col), offset(e.span.end.line, e.span.end.col)
        new = _LONE_LF.sub("\r\n", e.new_text) if crlf else e.new_text
        out = out[:a] + new + out[b:]
    return out


def select_safe_fixes(findings: Iterable[Finding]) -> list[tuple[Finding, Fix]]:
    """The first safe fix of each finding, skipping any whose edits overlap an earlier choice."""
    return select_fixes(findings, unsafe=False)


def select_fixes(findings: Iterable[Finding], *, unsafe: bool) -> list[tuple[Finding, Fix]]:
    """The first safe fix of each finding (or, with `unsafe`, its first fix of any kind), skipping any
    whose edits overlap an earlier choice."""
    chosen: list[tuple[Finding, Fix]] = []
    taken: list[tuple[tuple[int, int], tuple[int, int]]] = []
    for f in findings:
        fix = next((fx for fx in f.fixes if fx.safe), None)
        if fix is None and unsafe:
            fix = next(iter(f.fixes), None)
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
    import difflib

    return "".join(difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True),
        fromfile=f"a/{path}", tofile=f"b/{path}",
    ))


@dataclass(frozen=True, slots=True)
class FixPlan:
    """What `--fix` does to one text: the fixes it applies, the syntax errors whose documents it leaves
    as they are, and how many findings have only unsafe fixes that were not asked for."""

    chosen: list[tuple[Finding, Fix]]
    broken: list[Finding]
    unsafe_left: int
    whole_text_broken: bool = False

    @property
    def edits(self) -> list[TextEdit]:
        return [e for _, fx in self.chosen for e in fx.edits]


def broken_documents(findings: Iterable[Finding]) -> dict[int, Finding]:
    """Document index → its first syntax-error finding; index -1 when the whole text is affected."""
    out: dict[int, Finding] = {}
    for f in findings:
        if f.code in BROKEN_CODES:
            out.setdefault(f.doc, f)
    return out


def _touches(edit: TextEdit, lines: range) -> bool:
    first, last = edit.span.start.line, edit.span.end.line
    if last > first and edit.span.end.col == 0:
        last -= 1  # an edit up to the start of a line does not change that line
    return first < lines.stop and lines.start <= last


def plan_fixes(text: str, findings: Sequence[Finding], *, unsafe: bool = False) -> FixPlan:
    """The fixes to apply to `text`: those of every document that parsed, none in a document with a
    syntax error (and none at all when the error concerns the whole text)."""
    broken = broken_documents(findings)
    if -1 in broken:
        return FixPlan([], list(broken.values()), 0, whole_text_broken=True)
    chunks = [c for c in split_documents(text) if c.has_content] if broken else []
    spans = [range(chunks[i].start_line, chunks[i].end_line) for i in broken if i < len(chunks)]
    usable: list[Finding] = []
    for f in findings:
        fixes = tuple(fx for fx in f.fixes if not any(_touches(e, r) for e in fx.edits for r in spans))
        if fixes and f.doc not in broken:
            usable.append(f if fixes == f.fixes else replace(f, fixes=fixes))
    unsafe_left = 0 if unsafe else sum(not any(fx.safe for fx in f.fixes) for f in usable)
    return FixPlan(select_fixes(usable, unsafe=unsafe), [broken[i] for i in sorted(broken)], unsafe_left)
