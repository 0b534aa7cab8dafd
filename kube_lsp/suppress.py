"""Suppressions: the comments `# kube-lsp: ignore=KL200` (on a line) and `# kube-lsp: ignore-document=KL200`,
and the object annotation `kube-lsp.io/ignore: "KL401,KL402 # why"` (the whole object, like kube-linter's and
Polaris' annotations). Each knows whether it suppressed anything, so that an unused one can be reported
(KL499).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from kube_lsp.model import Finding, Span
from kube_lsp.parsing.nodes import YMap, YNode, YScalar
from kube_lsp.rules import find_rule
from kube_lsp.textindex import objects

_DIRECTIVE_RE: Final = re.compile(r"#\s*kube-lsp:\s*(ignore-document|ignore)\b(?:\s*=\s*([\w\-, ]+))?")
ALL: Final = "*"
ANNOTATION: Final = "kube-lsp.io/ignore"


@dataclass(slots=True)
class Suppression:
    """One suppression: what it covers (`line`: a line; `document`; `object`: lines first..last), the codes it
    names (ALL for every code), the names it gave that are no rule, where it is written, and what it used."""

    kind: str
    codes: set[str]
    span: Span
    first: int = 0
    last: int = 0
    unknown: list[str] = field(default_factory=list)
    used: set[str] = field(default_factory=set)
    # The span of the whole comment (from the blank before `#`), for a fix that removes it; None for annotations.
    comment: Span | None = None

    def covers(self, f: Finding) -> bool:
        line = f.span.start.line
        if self.kind == "line" and line != self.first:
            return False
        if self.kind == "object" and not self.first <= line <= self.last:
            return False
        return f.code in self.codes or ALL in self.codes


def _codes(raw: str | None) -> tuple[set[str], list[str]]:
    if not raw or not raw.strip():
        return {ALL}, []
    out: set[str] = set()
    unknown: list[str] = []
    for part in raw.split(","):
        name = part.strip()
        if not name:
            continue
        rule = find_rule(name)
        if rule is not None:
            out.add(rule.code)
        else:
            unknown.append(name)
    return out, unknown


def comment_suppressions(lines: list[str], first_line: int) -> list[Suppression]:
    """The suppression comments of a document's lines (absolute line numbers)."""
    out: list[Suppression] = []
    for i, text in enumerate(lines):
        if "kube-lsp:" not in text:
            continue
        for m in _DIRECTIVE_RE.finditer(text):
            codes, unknown = _codes(m.group(2))
            line = first_line + i
            span = Span.of(line, m.start(), line, m.end())
            start = len(text[:m.start()].rstrip())
            comment = Span.of(line, 0, line + 1, 0) if start == 0 else Span.of(line, start, line, m.end())
            kind = "line" if m.group(1) == "ignore" else "document"
            out.append(Suppression(kind, codes, span, line, line, unknown, comment=comment))
    return out


def annotation_suppressions(root: YNode | None) -> list[Suppression]:
    """The `kube-lsp.io/ignore` annotations of a document's objects (a List's items each have their own)."""
    out: list[Suppression] = []
    for obj in objects([root]):
        md = obj.get("metadata")
        ann = md.get("annotations") if isinstance(md, YMap) else None
        value = ann.get(ANNOTATION) if isinstance(ann, YMap) else None
        if not isinstance(value, YScalar) or not isinstance(value.value, str):
            continue
        codes, unknown = _codes(value.value.split("#", 1)[0])
        if ALL in codes and not unknown:
            continue  # an empty annotation suppresses nothing; it is not a request to suppress everything
        out.append(Suppression("object", codes - {ALL}, value.span, obj.span.start.line, obj.span.end.line, unknown))
    return out


def suppressed(f: Finding, suppressions: Iterable[Suppression]) -> bool:
    """Whether a suppression covers `f` (every one that does records it as used)."""
    hit = False
    for s in suppressions:
        if s.covers(f):
            s.used.add(f.code)
            hit = True
    return hit


# The old interface: per-line codes and document codes.
def directives(lines: list[str], first_line: int) -> tuple[dict[int, set[str]], set[str]]:
    """Per-line suppressions (absolute line → codes) and document-wide ones, from a document's lines."""
    per_line: dict[int, set[str]] = {}
    whole: set[str] = set()
    for s in comment_suppressions(lines, first_line):
        if s.kind == "line":
            per_line.setdefault(s.first, set()).update(s.codes)
        else:
            whole.update(s.codes)
    return per_line, whole


def is_suppressed(f: Finding, per_line: dict[int, set[str]], whole: set[str]) -> bool:
    if f.code in whole or ALL in whole:
        return True
    codes = per_line.get(f.span.start.line)
    return codes is not None and (f.code in codes or ALL in codes)
