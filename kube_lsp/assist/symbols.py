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
    text = doc.chunk.text
    # The length of the chunk's last line (as the LSP breaks lines), without splitting the whole chunk.
    end = len(text) - (2 if text.endswith("\r\n") else 1 if text.endswith(("\n", "\r")) else 0)
    start = max(text.rfind("\n", 0, end), text.rfind("\r", 0, end)) + 1
    return Span(Pos(doc.chunk.start_line, 0), Pos(last, end - start))


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
    left = limit
    while queue and left > 0:
        parent, node = queue.popleft()
        added = _direct_children(node, parent.children, left)
        left -= added
        for child, value in zip(parent.children[-added:] if added else (), _values(node, added), strict=True):
            if isinstance(value, YMap | YSeq):
                queue.append((child, value))
    return sym


def _values(node: YNode, n: int) -> list[YNode]:
    if isinstance(node, YMap):
        return [v for _, v in node.pairs[:n]]
    if isinstance(node, YSeq):
        return node.items[:n]
    return []


def _direct_children(node: YNode, out: list[Symbol], limit: int) -> int:
    """Append the symbols of the first `limit` children of `node` to `out`; return how many."""
    if isinstance(node, YMap):
        pairs = node.pairs[:limit]
        for k, v in pairs:
            if isinstance(v, YScalar):
                kind = "field"
                detail = v.text if len(v.text) <= 60 else ""
            else:
                kind = "object" if isinstance(v, YMap) else "array"
                detail = ""
            ks, ve = k.span, v.span.end
            out.append(Symbol(k.text, kind, Span(ks.start, ve if ve > ks.end else ks.end), ks, detail))
        return len(pairs)
    if isinstance(node, YSeq):
        items = node.items[:limit]
        for i, item in enumerate(items):
            name = f"[{i}]"
            if isinstance(item, YMap):
                label = item.get_str("name")
                if label:
                    name += f" {label}"
                kind = "object"
            else:
                kind = "array" if isinstance(item, YSeq) else "field"
            start = item.span.start
            out.append(Symbol(name, kind, item.span, Span(start, start), ""))
        return len(items)
    return 0
