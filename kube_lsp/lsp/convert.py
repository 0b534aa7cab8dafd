"""Positions and findings ↔ LSP types.

Server positions are (0-based line, column in code points) over lines split on \\n, \\r\\n and \\r, as
the LSP defines lines. Client columns are in the negotiated position encoding: UTF-16 code units by
default, or UTF-8 / UTF-32. This module is the only place that converts between the two.
"""

from __future__ import annotations

from collections.abc import Sequence
from json.encoder import encode_basestring_ascii as _quote
from typing import Any

from lsprotocol import types
from pygls.uris import from_fs_path

from kube_lsp.assist.symbols import Symbol
from kube_lsp.model import Finding, Pos, Severity, Span
from kube_lsp.rules import BY_CODE


class Positions:
    """Converts columns of one text version between code points and client units."""

    def __init__(self, lines: Sequence[str], encoding: str | None) -> None:
        self.lines = lines
        self.encoding = str(encoding or types.PositionEncodingKind.Utf16.value)

    def _units(self, text: str) -> int:
        if text.isascii() or self.encoding == "utf-32":
            return len(text)
        if self.encoding == "utf-8":
            return len(text.encode("utf-8"))
        return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)

    def column(self, line: int, col: int) -> int:
        """A code point column of `line` in client units."""
        if line >= len(self.lines):
            return self._units(self.lines[-1]) if self.lines else 0
        text = self.lines[line]
        if text.isascii():
            return min(col, len(text))
        return self._units(text[: max(col, 0)])

    def to_client(self, pos: Pos) -> types.Position:
        line = min(max(pos.line, 0), max(len(self.lines) - 1, 0))
        if pos.line >= len(self.lines):
            text = self.lines[line] if self.lines else ""
            return types.Position(line=line, character=self._units(text))
        text = self.lines[line]
        return types.Position(line=line, character=self._units(text[: max(pos.col, 0)]))

    def range_to_client(self, span: Span) -> types.Range:
        return types.Range(start=self.to_client(span.start), end=self.to_client(span.end))

    def from_client(self, pos: types.Position) -> Pos:
        if pos.line >= len(self.lines):
            return Pos(len(self.lines), 0)
        text = self.lines[pos.line]
        if text.isascii() or self.encoding == "utf-32":
            return Pos(pos.line, min(pos.character, len(text)))
        units = 0
        for i, ch in enumerate(text):
            if units >= pos.character:
                return Pos(pos.line, i)
            units += len(ch.encode("utf-8")) if self.encoding == "utf-8" else (2 if ord(ch) > 0xFFFF else 1)
        return Pos(pos.line, len(text))

    def offset(self, pos: Pos, starts: Sequence[int]) -> int:
        if pos.line >= len(starts):
            return starts[-1] + len(self.lines[-1]) if self.lines else 0
        return starts[pos.line] + min(pos.col, len(self.lines[pos.line]))


_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
    Severity.HINT: types.DiagnosticSeverity.Hint,
}


def to_diagnostic(f: Finding, pos: Positions, uri: str, version: int | None) -> types.Diagnostic:
    rule = BY_CODE.get(f.code)
    data: dict[str, Any] = {"rule": rule.name if rule else f.code, "version": version,
                            "fixes": [fx.to_json() for fx in f.fixes]}
    related = [
        types.DiagnosticRelatedInformation(
            location=types.Location(uri=uri, range=pos.range_to_client(r)),
            message="referred to here",
        )
        for r in f.related
    ]
    # Places in other files: their text is not at hand, so columns go as code points (the same as UTF-16
    # units on the ASCII lines where CRDs start).
    related += [
        types.DiagnosticRelatedInformation(
            location=types.Location(uri=_uri(p.origin), range=types.Range(
                start=types.Position(line=p.span.start.line, character=p.span.start.col),
                end=types.Position(line=p.span.end.line, character=p.span.end.col))),
            message=p.note or "referred to here",
        )
        for p in f.elsewhere
    ]
    return types.Diagnostic(
        range=pos.range_to_client(f.span),
        severity=_SEVERITY[f.severity],
        code=f.code,
        code_description=types.CodeDescription(href=rule.url) if rule else None,
        source="kube-lsp live" if f.data.get("live") else "kube-lsp",
        message=f.message,
        data=data,
        related_information=related or None,
    )


def _uri(origin: str) -> str:
    """A file the engine named by path (or already by URI) as a URI."""
    if "://" in origin or origin.startswith("untitled:"):
        return origin
    return from_fs_path(origin) or origin


_SYMBOL_KINDS = {
    "document": types.SymbolKind.Module.value,
    "object": types.SymbolKind.Object.value,
    "array": types.SymbolKind.Array.value,
    "field": types.SymbolKind.Field.value,
}


def outline_json(documents: Sequence[tuple[Symbol, int]], pos: Positions) -> str:
    """A `DocumentSymbol[]` result as JSON text: each document's outline with the line its document starts on.

    Written straight to text: an outline of a big file has thousands of symbols, and building objects for
    them to encode would cost more than computing them. The selection range lies inside the range (LSP):
    one that does not, or that is empty at the start, becomes the empty range at the start."""
    out: list[str] = ["["]
    column = pos.column

    def symbol(s: Symbol, offset: int) -> None:
        span, selection = s.span, s.selection
        sl, el = span.start.line + offset, span.end.line + offset
        sc, ec = column(sl, span.start.col), column(el, span.end.col)
        rng = f'{{"start":{{"line":{sl},"character":{sc}}},"end":{{"line":{el},"character":{ec}}}}}'
        # Compared in code points: the mapping to client units keeps the order on a line.
        if selection.start < span.start or selection.end > span.end or selection.start == selection.end == span.start:
            sel = f'{{"start":{{"line":{sl},"character":{sc}}},"end":{{"line":{sl},"character":{sc}}}}}'
        else:
            a, b = selection.start.line + offset, selection.end.line + offset
            sel = (f'{{"start":{{"line":{a},"character":{column(a, selection.start.col)}}},'
                   f'"end":{{"line":{b},"character":{column(b, selection.end.col)}}}}}')
        out.append(f'{{"name":{_quote(s.name or "<empty>")},"kind":{_SYMBOL_KINDS[s.kind]},"range":{rng},'
                   f'"selectionRange":{sel}')
        if s.detail:
            out.append(f',"detail":{_quote(s.detail)}')
        if s.children:
            out.append(',"children":[')
            for i, child in enumerate(s.children):
                if i:
                    out.append(",")
                symbol(child, offset)
            out.append("]")
        out.append("}")

    for i, (sym, offset) in enumerate(documents):
        if i:
            out.append(",")
        symbol(sym, offset)
    out.append("]")
    return "".join(out)
