"""Line handling and the split of a YAML stream into independent document chunks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

# Line breaks as editors and the LSP count them.
LINE_BREAK_RE: Final = re.compile(r"\r\n|\r|\n")
_MARKER_RE: Final = re.compile(r"(---|\.\.\.)(?=[ \t\r\n]|$)")


SPLIT_PIECE: Final = 1 << 18
"""Characters split at a time by `split_lines`: each step holds the interpreter lock, so a big text split in
a worker thread (an analysis, a request) lets the event loop run between pieces."""


def split_lines(text: str) -> list[str]:
    """Lines without their terminators, split on \\n, \\r\\n and \\r only (as the LSP does).

    A piece of `SPLIT_PIECE` characters (up to the next \\n) at a time: one split of 20 MB would hold the
    interpreter lock for a quarter of a second. Without \\r, `str.split` (several times faster)."""
    cr = "\r" in text
    if len(text) <= SPLIT_PIECE:
        return LINE_BREAK_RE.split(text) if cr else text.split("\n")
    out: list[str] = []
    start, n = 0, len(text)
    while start < n:
        end = text.find("\n", start + SPLIT_PIECE)
        piece = text[start:] if end < 0 else text[start:end]
        if cr:
            if end >= 0 and piece.endswith("\r"):  # the first half of the \r\n that ends the piece
                piece = piece[:-1]
            out.extend(LINE_BREAK_RE.split(piece))
        else:
            out.extend(piece.split("\n"))
        if end < 0:
            return out
        start = end + 1
    out.append("")  # the text ends with a line break
    return out


@dataclass(frozen=True, slots=True)
class Chunk:
    """The text of one YAML document: lines [start_line, end_line) of the stream."""

    start_line: int
    end_line: int
    text: str
    # False when the chunk holds only comments, blank lines, directives and markers.
    has_content: bool


def _is_content(line: str) -> bool:
    s = line.strip()
    return bool(s) and not s.startswith("#") and not line.startswith("%") and _MARKER_RE.match(line) is None


_MARKER_LINE_RE: Final = re.compile(r"^(---|\.\.\.)(?=[ \t\r\n]|$)", re.M)
_CONTENT_LINE_RE: Final = re.compile(r"^(?!(?:---|\.\.\.)(?:[ \t\r\n]|$))[ \t]*[^\s#%]|^%", re.M)


def split_documents(text: str) -> list[Chunk]:
    """Split a stream on `---` / `...` markers at column 0, keeping absolute line numbers.

    Each chunk keeps its original line terminators so that composing it alone yields the same columns.
    Comment-only preambles stay with the document that follows them.
    """
    if "\r" not in text or text.count("\r") == text.count("\r\n"):
        if _has_only_yaml_breaks(text):
            return _split_fast(text)
    return _split_slow(text)


def _split_fast(text: str) -> list[Chunk]:
    """split_documents for texts whose lines all end in \n or \r\n: regular expressions over the whole
    text instead of a loop over lines (a 10,000-line file splits in about a millisecond)."""
    chunks: list[Chunk] = []
    start_off = start_line = 0
    content = marked = False
    pending_from = 0  # where to look for content lines not yet seen

    def has_content(a: int, b: int) -> bool:
        for m in _CONTENT_LINE_RE.finditer(text, a, b):
            if m.group(0) != "%":
                return True
        return False

    for m in _MARKER_LINE_RE.finditer(text):
        at = m.start()
        content = content or has_content(pending_from, at)
        pending_from = at
        line_end = text.find("\n", at)
        line_end = len(text) if line_end < 0 else line_end + 1
        if m.group(1) == "---":
            if content or marked:
                line = start_line + text.count("\n", start_off, at)
                chunks.append(Chunk(start_line, line, text[start_off:at], content))
                start_off, start_line, content = at, line, False
            marked = True
            rest = text[at + 3:line_end].split(" #", 1)[0].strip()
            if rest:
                content = True
            pending_from = line_end
        else:
            content = content or has_content(pending_from, at)
            line = start_line + text.count("\n", start_off, line_end)
            if line_end == len(text) and not text.endswith("\n"):
                line += 1  # the `...` is the last line and has no line break
            chunks.append(Chunk(start_line, line, text[start_off:line_end], content))
            start_off, start_line, content, marked = line_end, line, False, False
            pending_from = line_end
    content = content or has_content(pending_from, len(text))
    if start_off < len(text):
        end_line = start_line + text.count("\n", start_off) + (0 if text.endswith("\n") else 1)
        chunks.append(Chunk(start_line, end_line, text[start_off:], content))
    return chunks


def _split_slow(text: str) -> list[Chunk]:
    pieces = text.splitlines(keepends=True) if _has_only_yaml_breaks(text) else _split_keep(text)
    chunks: list[Chunk] = []
    start = 0
    buf: list[str] = []
    content = False
    marked = False  # the buffer already holds a `---`

    def flush(end: int) -> None:
        nonlocal buf, content, start, marked
        if buf:
            chunks.append(Chunk(start, end, "".join(buf), content))
        buf, content, start, marked = [], False, end, False

    for i, line in enumerate(pieces):
        m = _MARKER_RE.match(line)
        if m is not None and m.group(1) == "---" and (content or marked):
            flush(i)
        buf.append(line)
        if m is not None:
            marked = marked or m.group(1) == "---"
            rest = line[3:].split(" #", 1)[0].strip()
            if m.group(1) == "---" and rest:
                content = True
            if m.group(1) == "...":
                flush(i + 1)
                continue
        elif _is_content(line):
            content = True
    flush(len(pieces))
    return chunks


def _has_only_yaml_breaks(text: str) -> bool:
    # str.splitlines also splits on \v \f \x1c-\x1e \x85 \u2028 \u2029, which neither YAML 1.2 nor the
    # LSP treat as line breaks.
    return not any(c in text for c in "\v\f\x1c\x1d\x1e\x85\u2028\u2029")


def _split_keep(text: str) -> list[str]:
    out: list[str] = []
    pos = 0
    for m in LINE_BREAK_RE.finditer(text):
        out.append(text[pos : m.end()])
        pos = m.end()
    if pos < len(text):
        out.append(text[pos:])
    return out


def indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def chunk_around(text: str, lines: list[str], starts: list[int], line: int) -> Chunk:
    """The document chunk holding `line`, found by scanning only the nearby lines (for big files).

    `lines` and `starts` are the text's lines and the offsets where they start.
    """
    line = min(max(line, 0), max(len(lines) - 1, 0))
    start = 0
    for i in range(line, -1, -1):
        m = _MARKER_RE.match(lines[i])
        if m is not None:
            start = i if m.group(1) == "---" else i + 1
            if i < line or m.group(1) == "---":
                break
    end = len(lines)
    for j in range(line + 1, len(lines)):
        if _MARKER_RE.match(lines[j]) is not None:
            end = j
            break
    a = starts[start] if start < len(starts) else len(text)
    b = starts[end] if end < len(starts) else len(text)
    body = text[a:b]
    return Chunk(start, end, body, any(_is_content(ln) for ln in lines[start:end]))
