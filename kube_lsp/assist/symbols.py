"""Outline and folding: each document as `Kind/name` with its tree of keys."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from kube_lsp.model import Pos, Span
from kube_lsp.parsing.loader import Document
from kube_lsp.parsing.nodes import YMap, YNode, YScalar, YSeq

# Outlines beyond a few thousand symbols cost more to send than they help.
MAX_SYMBOLS = 2500
MIN_SYMBOLS_PER_DOCUMENT = 4


@dataclass(slots=True)
class Symbol:
    name: str
    kind: str  # document | object | array | field
    span: Span
    selection: Span
    detail: str = ""
    children: list[Symbol] = field(default_factory=list)


def document_span(doc: Document) -> Span:
    last = max(doc.chunk.start_line, doc.chunk.end_line - 1)
    lines = doc.chunk.text.splitlines()
    end_col = len(lines[-1]) if lines else 0
    return Span(Pos(doc.chunk.start_line, 0), Pos(last, end_col))


def title(doc: Document) -> str:
    root = doc.root
    if isinstance(root, YMap):
        kind = root.get_str("kind")
        meta = root.get("metadata")
        name = meta.get_str("name") if isinstance(meta, YMap) else None
        if name is None and isinstance(meta, YMap):
            gen = meta.get_str("generateName")
            name = f"{gen}*" if gen else None
        if kind:
            return f"{kind}/{name or '<unnamed>'}"
    return f"document {doc.index + 1}"


def document_symbol(doc: Document, limit: int) -> Symbol:
    """The outline of one document (in its own coordinates).

    At most `limit` key symbols, added breadth first: a huge document keeps its top levels (kind, name,
    spec, template, containers) rather than the full depth of its first branches.
    """
    span = document_span(doc)
    root = doc.root
    selection = Span(span.start, span.start)
    if isinstance(root, YMap):
        kind_node = root.get("kind")
        if isinstance(kind_node, YScalar):
            selection = kind_node.span
    sym = Symbol(title(doc), "document", span, selection,
                 detail=(root.get_str("apiVersion") or "") if isinstance(root, YMap) else "")
    queue: deque[tuple[Symbol, YNode]] = deque([(sym, root)] if root is not None else [])
    used = 0
    while queue and used < limit:
        parent, node = queue.popleft()
        for child, value in _direct_children(node):
            if used >= limit:
                break
            used += 1
            parent.children.append(child)
            if isinstance(value, YMap | YSeq):
                queue.append((child, value))
    return sym


def _direct_children(node: YNode) -> list[tuple[Symbol, YNode]]:
    out: list[tuple[Symbol, YNode]] = []
    if isinstance(node, YMap):
        for k, v in node.pairs:
            kind = "object" if isinstance(v, YMap) else "array" if isinstance(v, YSeq) else "field"
            detail = v.text if isinstance(v, YScalar) and len(v.text) <= 60 else ""
            span = Span(k.span.start, max(k.span.end, v.span.end))
            out.append((Symbol(k.text, kind, span, k.span, detail), v))
    elif isinstance(node, YSeq):
        for i, item in enumerate(node.items):
            name = f"[{i}]"
            if isinstance(item, YMap):
                label = item.get_str("name")
                if label:
                    name += f" {label}"
            kind = "object" if isinstance(item, YMap) else "array" if isinstance(item, YSeq) else "field"
            start = item.span.start
            out.append((Symbol(name, kind, item.span, Span(start, start), ""), item))
    return out
