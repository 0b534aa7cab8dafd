"""Line handling and the split of a YAML stream into independent document chunks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

# Line breaks as editors and the LSP count them.
LINE_BREAK_RE: Final = re.compile(r"\r\n|\r|\n")
_MARKER_RE: Final = re.compile(r"(---|\.\.\.)(?=[ \t]|$)")


def split_lines(text: str) -> list[str]:
    """Lines without their terminators, split on \\n, \\r\\n and \\r only (as the LSP does)."""
    return LINE_BREAK_RE.split(text)


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


def split_documents(text: str) -> list[Chunk]:
    """Split a stream on `---` / `...` markers at column 0, keeping absolute line numbers.

    Each chunk keeps its original line terminators so that composing it alone yields the same columns.
    Comment-only preambles stay with the document that follows them.
    """
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
