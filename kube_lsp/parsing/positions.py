"""`locate`: from a field path to the exact key or value in a document's tree.

Paths come from the API server and from rules, in any of the shapes Kubernetes uses:
`spec.template.spec.containers[0].image` (422 causes), `.spec.template.spec.containers[name="web"].image`
(server-side apply conflicts), `metadata.labels[app.kubernetes.io/name]` (map keys with dots), or a tuple
of keys and indexes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from kube_lsp.model import Span
from kube_lsp.parsing.nodes import YMap, YNode, YScalar, YSeq

PathPart = str | int | tuple[str, str]  # key, index, or (field, value) selector of a list item
_SEGMENT_RE: Final = re.compile(r"""\.?([^.\[\]]+)|\[([^\]]*)\]""")


def parse_path(path: str) -> list[PathPart]:
    """`a.b[0].c[name="x"]` → ["a", "b", 0, "c", ("name", "x")]."""
    parts: list[PathPart] = []
    for m in _SEGMENT_RE.finditer(path.strip()):
        key, bracket = m.group(1), m.group(2)
        if key is not None:
            parts.append(key)
            continue
        inner = bracket.strip()
        if inner.isdigit():
            parts.append(int(inner))
        elif "=" in inner:
            field, _, value = inner.partition("=")
            parts.append((field.strip(), value.strip().strip("'\"")))
        else:
            parts.append(inner.strip("'\""))
    return parts


@dataclass(frozen=True, slots=True)
class Located:
    """Where a path ends up: the span to report on, and how much of the path exists."""

    span: Span
    found: bool  # the whole path exists
    depth: int  # how many parts of the path were matched
    value: Span | None = None  # the scalar value at the end of a path that was found

    @property
    def value_or_key(self) -> Span:
        """The value when it is a scalar (what "Invalid value" is about), else the key or item."""
        return self.value if self.value is not None else self.span


def locate(root: YNode, path: str | list[PathPart] | tuple[PathPart, ...]) -> Located | None:
    """The key (for a mapping entry) or item of `path`, or the deepest existing ancestor."""
    parts = parse_path(path) if isinstance(path, str) else list(path)
    node: YNode = root
    span: Span | None = None
    for depth, part in enumerate(parts):
        nxt: YNode | None = None
        here: Span | None = None
        if isinstance(node, YMap) and isinstance(part, str):
            key = node.key_node(part)
            if key is not None:
                nxt, here = node.get(part), key.span
        elif isinstance(node, YSeq) and isinstance(part, int):
            if 0 <= part < len(node.items):
                nxt = node.items[part]
                here = _first_line(nxt)
        elif isinstance(node, YSeq) and isinstance(part, tuple):
            for item in node.items:
                if isinstance(item, YMap):
                    value = item.get(part[0])
                    if isinstance(value, YScalar) and str(value.value) == part[1]:
                        nxt, here = item, _first_line(item)
                        break
        if nxt is None or here is None:
            return Located(span, False, depth) if span is not None else None
        node, span = nxt, here
    if span is None:
        return None
    return Located(span, True, len(parts), node.span if isinstance(node, YScalar) else None)


def _first_line(node: YNode) -> Span:
    if isinstance(node, YMap) and node.pairs:
        return node.pairs[0][0].span
    s = node.span
    if s.end.line != s.start.line:
        return Span(s.start, s.start)
    return s
