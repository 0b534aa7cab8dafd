"""Properties of the LSP position mapping (`kube_lsp.lsp.convert.Positions`, `OpenDocument`).

The LSP line model: lines end at \\n, \\r\\n or a lone \\r, nothing else (U+2028, U+0085, \\v, \\f are
ordinary characters inside a line). Columns are UTF-16 code units by default (an astral character is a
surrogate pair: two units), or UTF-8 bytes, or UTF-32 code points. Out-of-range positions clamp: a column
past the end of its line means the end of the line, a line past the last means the end of the text.
"""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st
from lsprotocol import types

from kube_lsp.lsp.convert import Positions
from kube_lsp.lsp.documents import OpenDocument
from kube_lsp.model import Pos
from kube_lsp.parsing.text import LINE_BREAK_RE, split_lines

ENCODINGS = ("utf-16", "utf-8", "utf-32")

# Characters that stress the mapping: ASCII, 2- and 3-byte UTF-8, astral (surrogate pairs in UTF-16), the
# characters Python's str.splitlines treats as line breaks but the LSP does not, and every real break.
chars = st.one_of(
    st.sampled_from(list("ab: -#\t") + ["é", "ß", "中", "€", "😀", "𝔘", "\U0010ffff", "\u2028", "\u2029",
                                        "\x85", "\v", "\f", "\x1c", "\ufeff", "\x00"]),
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.characters(codec="utf-8"),
)
texts = st.lists(chars, max_size=60).map("".join)


def units(s: str, encoding: str) -> int:
    if encoding == "utf-16":
        return len(s.encode("utf-16-le")) // 2
    if encoding == "utf-8":
        return len(s.encode("utf-8"))
    return len(s)


def lsp_lines(text: str) -> list[str]:
    return split_lines(text)


@given(texts)
@example("a\u2028b\rc\r\nd\x85e\n")
@example("😀x\r\r\n")
def test_lines_follow_the_lsp_model(text: str) -> None:
    lines = lsp_lines(text)
    assert "".join(lines) == LINE_BREAK_RE.sub("", text)
    assert len(lines) == 1 + text.count("\n") + text.count("\r") - text.count("\r\n")
    doc = OpenDocument("file:///t.yaml", text, 1)
    assert doc.lines == lines
    assert all(text[s:s + len(ln)] == ln for s, ln in zip(doc.starts, doc.lines, strict=True))


@given(texts, st.sampled_from(ENCODINGS))
@example("😀a\n𝔘", "utf-16")
@example("a\u2028😀\rb", "utf-8")
def test_round_trip_every_column(text: str, encoding: str) -> None:
    lines = lsp_lines(text)
    pos = Positions(lines, encoding)
    for line, s in enumerate(lines):
        for col in range(len(s) + 1):
            client = pos.to_client(Pos(line, col))
            assert client == types.Position(line=line, character=units(s[:col], encoding))
            assert pos.column(line, col) == client.character
            assert pos.from_client(client) == Pos(line, col)


@given(texts, st.sampled_from(ENCODINGS), st.integers(0, 200), st.integers(0, 10_000))
@example("ab\ncd", "utf-16", 0, 99)
@example("ab\ncd", "utf-16", 5, 0)
def test_out_of_range_positions_clamp(text: str, encoding: str, line: int, character: int) -> None:
    lines = lsp_lines(text)
    pos = Positions(lines, encoding)
    got = pos.from_client(types.Position(line=line, character=character))
    if line < len(lines):
        # Within the line, at a code point boundary, never past its end.
        assert got.line == line
        assert 0 <= got.col <= len(lines[line])
        if character >= units(lines[line], encoding):
            assert got.col == len(lines[line])
        else:
            assert units(lines[line][: got.col], encoding) >= character
    # Past the last line: the end of the text, whatever the representation.
    starts = [0] + [m.end() for m in LINE_BREAK_RE.finditer(text)]
    off = pos.offset(got, starts)
    assert 0 <= off <= len(text)
    if line >= len(lines):
        assert off == len(text)
    # Server → client clamps too: any position maps into the document.
    client = pos.to_client(Pos(line, character))
    assert 0 <= client.line < len(lines)
    assert 0 <= client.character <= units(lines[client.line], encoding)


@given(texts)
@example("a\r\nb")
@example("\r\r\n\n")
def test_offset_round_trip(text: str) -> None:
    lines = lsp_lines(text)
    starts = [0] + [m.end() for m in LINE_BREAK_RE.finditer(text)]
    pos = Positions(lines, "utf-16")
    for line, s in enumerate(lines):
        for col in range(len(s) + 1):
            off = pos.offset(Pos(line, col), starts)
            assert text[starts[line]:off] == s[:col]


@st.composite
def text_and_change(draw: st.DrawFn) -> tuple[str, types.Position, types.Position, str, str]:
    text = draw(texts)
    encoding = draw(st.sampled_from(ENCODINGS))
    lines = lsp_lines(text)
    positions = []
    for _ in range(2):
        line = draw(st.integers(0, len(lines) - 1))
        col = draw(st.integers(0, len(lines[line])))
        positions.append((line, col))
    a, b = sorted(positions)
    new = draw(texts)
    return text, types.Position(a[0], units(lines[a[0]][: a[1]], encoding)), \
        types.Position(b[0], units(lines[b[0]][: b[1]], encoding)), new, encoding


@given(text_and_change())
@example(("😀😀\r\nx", types.Position(0, 2), types.Position(1, 1), "€\r", "utf-16"))
@example(("a\u2028b\nc", types.Position(0, 1), types.Position(0, 4), "Z", "utf-8"))
def test_incremental_change_splices_at_the_right_offsets(
        case: tuple[str, types.Position, types.Position, str, str]) -> None:
    text, start, end, new, encoding = case
    lines = lsp_lines(text)
    starts = [0] + [m.end() for m in LINE_BREAK_RE.finditer(text)]

    def offset(p: types.Position) -> int:
        s = lines[p.line]
        col = next(i for i in range(len(s) + 1) if units(s[:i], encoding) == p.character)
        return starts[p.line] + col

    doc = OpenDocument("file:///t.yaml", text, 1)
    doc.apply([types.TextDocumentContentChangePartial(range=types.Range(start, end), text=new)], 2, encoding)
    assert doc.text == text[: offset(start)] + new + text[offset(end):]
    assert doc.lines == lsp_lines(doc.text)
