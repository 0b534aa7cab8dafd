"""The outline (`kube_lsp.assist.symbols.document_symbol`) against a plain reference implementation.

`document_symbol` is tuned for big files (it stops building children once the symbol budget is spent);
this checks that it returns exactly what the straightforward breadth-first walk returns.
"""

from __future__ import annotations

from collections import deque

from hypothesis import example, given
from hypothesis import strategies as st

from kube_lsp.assist.symbols import Symbol, document_span, document_symbol, title
from kube_lsp.engine import Engine
from kube_lsp.model import Pos, Span
from kube_lsp.parsing.loader import Document
from kube_lsp.parsing.nodes import YMap, YNode, YScalar, YSeq
from kube_lsp.parsing.text import split_lines
from tests.robustness.test_engine_props import yaml_texts

ENGINE = Engine()


def reference(doc: Document, limit: int) -> Symbol:
    lines = split_lines(doc.chunk.text)
    last = max(doc.chunk.start_line, doc.chunk.end_line - 1)
    end_col = len(lines[last - doc.chunk.start_line]) if last - doc.chunk.start_line < len(lines) else 0
    span = Span(Pos(doc.chunk.start_line, 0), Pos(last, end_col))
    root = doc.root
    selection = Span(span.start, span.start)
    if isinstance(root, YMap) and isinstance(root.get("kind"), YScalar):
        node = root.get("kind")
        assert node is not None
        selection = node.span
    sym = Symbol(title(doc), "document", span, selection,
                 detail=(root.get_str("apiVersion") or "") if isinstance(root, YMap) else "")
    queue: deque[tuple[Symbol, YNode]] = deque([(sym, root)] if root is not None else [])
    used = 0
    while queue and used < limit:
        parent, node = queue.popleft()
        children: list[tuple[Symbol, YNode]] = []
        if isinstance(node, YMap):
            for k, v in node.pairs:
                kind = "object" if isinstance(v, YMap) else "array" if isinstance(v, YSeq) else "field"
                detail = v.text if isinstance(v, YScalar) and len(v.text) <= 60 else ""
                children.append((Symbol(k.text, kind, Span(k.span.start, max(k.span.end, v.span.end)), k.span,
                                        detail), v))
        elif isinstance(node, YSeq):
            for i, item in enumerate(node.items):
                name = f"[{i}]"
                if isinstance(item, YMap) and item.get_str("name"):
                    name += f" {item.get_str('name')}"
                kind = "object" if isinstance(item, YMap) else "array" if isinstance(item, YSeq) else "field"
                children.append((Symbol(name, kind, item.span, Span(item.span.start, item.span.start)), item))
        for child, value in children:
            if used >= limit:
                break
            used += 1
            parent.children.append(child)
            if isinstance(value, YMap | YSeq):
                queue.append((child, value))
    return sym


@given(yaml_texts(), st.integers(1, 40))
@example("kind: Pod\nmetadata:\n  name: a\u2028b\n", 10)
@example("a:\n  - x: 1\n  - name: web\n    y: [1, 2]\nb: {c: d}\n", 3)
def test_outline_matches_the_reference(text: str, limit: int) -> None:
    for doc in ENGINE.analyse(text).documents:
        assert document_symbol(doc, limit) == reference(doc, limit)


def test_document_range_ends_on_the_last_lsp_line() -> None:
    # U+2028 is no line break for the LSP: str.splitlines made the range end at column 1 ("b").
    (doc,) = ENGINE.analyse("kind: Pod\nmetadata:\n  name: a\u2028b\n").documents
    assert document_span(doc) == Span(Pos(0, 0), Pos(2, 11))
