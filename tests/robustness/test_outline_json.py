"""The outline as JSON text (`kube_lsp.lsp.convert.outline_json`) against lsprotocol's own encoding.

The server writes outlines straight to JSON text (big files have thousands of symbols). Whatever the
names hold (quotes, backslashes, control characters, astral characters, lone-surrogate replacements) and
whatever the position encoding, the text must decode to what lsprotocol's `DocumentSymbol` objects encode
to, with the selection inside the range.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st
from lsprotocol import types
from pygls.protocol import default_converter

from kube_lsp.assist.symbols import Symbol, document_symbol
from kube_lsp.engine import Engine
from kube_lsp.lsp.convert import Positions, outline_json
from kube_lsp.model import Pos, Span
from kube_lsp.parsing.text import split_lines
from tests.robustness.test_engine_props import yaml_texts

ENGINE = Engine()
CONVERTER = default_converter()
KINDS = {"document": types.SymbolKind.Module, "object": types.SymbolKind.Object,
         "array": types.SymbolKind.Array, "field": types.SymbolKind.Field}


def expected(s: Symbol, pos: Positions, offset: int) -> types.DocumentSymbol:
    def shifted(span: Span) -> types.Range:
        a, b = span.start, span.end
        return types.Range(
            start=types.Position(line=a.line + offset, character=pos.column(a.line + offset, a.col)),
            end=types.Position(line=b.line + offset, character=pos.column(b.line + offset, b.col)))

    rng = shifted(s.span)
    sel = s.selection
    inside = not (sel.start < s.span.start or sel.end > s.span.end or sel.start == sel.end == s.span.start)
    return types.DocumentSymbol(
        name=s.name or "<empty>", kind=KINDS[s.kind], range=rng,
        selection_range=shifted(sel) if inside else types.Range(start=rng.start, end=rng.start),
        detail=s.detail or None,
        children=[expected(c, pos, offset) for c in s.children] or None)


def both(text: str, encoding: str, limit: int = 200) -> tuple[Any, Any]:
    pos = Positions(split_lines(text), encoding)
    docs = [(document_symbol(d, limit), d.chunk.start_line) for d in ENGINE.analyse(text).documents]
    ours = outline_json(docs, pos)
    assert ours.isascii()
    return json.loads(ours), CONVERTER.unstructure([expected(s, pos, off) for s, off in docs])


@given(yaml_texts(), st.sampled_from(["utf-16", "utf-8", "utf-32"]))
@example('"q\\"uo\\\\te": {"t\\tab": "\\u0001", "😀é": [x, {name: "n\\u2028"}]}\n---\nkind: Pod\n', "utf-16")
@example("kind: ConfigMap\nmetadata: {name: cfg}\ndata:\n  \"\": v\n  \ufffd: \"\ufffd\"\n", "utf-8")
def test_outline_text_is_what_lsprotocol_encodes(text: str, encoding: str) -> None:
    ours, theirs = both(text, encoding)
    assert ours == theirs
    # And it is a valid DocumentSymbol[] for a client.
    CONVERTER.structure(ours, list[types.DocumentSymbol])


def test_columns_are_in_the_client_encoding() -> None:
    text = "kind: Pod\nmetadata:\n  name: 😀😀\n  labels: {é: x}\n"
    ours, _ = both(text, "utf-16")
    name = ours[0]["children"][1]["children"][0]
    assert name["name"] == "name" and name["detail"] == "😀😀"
    assert name["range"] == {"start": {"line": 2, "character": 2}, "end": {"line": 2, "character": 12}}
    ours8, _ = both(text, "utf-8")
    assert ours8[0]["children"][1]["children"][0]["range"]["end"]["character"] == 16


def test_an_empty_selection_at_the_start_becomes_the_start() -> None:
    pos = Positions(["a"], "utf-16")
    at = Span(Pos(0, 0), Pos(0, 0))
    [sym] = json.loads(outline_json([(Symbol("", "field", Span(Pos(0, 0), Pos(0, 1)), at), 0)], pos))
    assert sym["name"] == "<empty>"
    assert sym["selectionRange"] == {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}
    assert "detail" not in sym and "children" not in sym
