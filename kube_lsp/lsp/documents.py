"""Open documents: their text kept with the LSP's own line model, and their last analysis."""

from __future__ import annotations

import asyncio
import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, islice, repeat
from operator import add

from lsprotocol import types
from pygls.uris import to_fs_path

from kube_lsp.engine import ChunkCache, ChunkResult
from kube_lsp.lsp.convert import Positions
from kube_lsp.lsp.protocol import JsonText
from kube_lsp.model import Finding, Pos, Severity, Span
from kube_lsp.parsing.text import LINE_BREAK_RE, Chunk, split_lines
from kube_lsp.workspace.index import FileIndex

# A surrogate code point in a Python str from JSON is a lone one: json joins escaped pairs.
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_lines(text: str) -> list[str] | None:
    """The lines of a text without lone surrogates (`split_lines`, a piece at a time: for a worker thread);
    None for a text with some (`OpenDocument` replaces them)."""
    if not text.isascii() and _SURROGATE.search(text):
        return None
    return split_lines(text)


@dataclass(slots=True)
class OpenDocument:
    uri: str
    text: str
    version: int | None
    # Given: the lines of `text` by `split_lines`, which has no lone surrogate (`clean_lines`); else made here.
    lines: list[str] = field(default_factory=list)
    # The offset of each line in the text: made when first needed after a change (`starts`).
    line_starts: list[int] | None = None
    cache: ChunkCache = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    # Each document's chunk and its line-0 result, for the analysed version.
    chunks: list[Chunk] = field(default_factory=list)
    results: list[ChunkResult] = field(default_factory=list)
    # The outline of `results` as JSON, with the position encoding it is in, once asked for; dropped with them.
    outline: tuple[str | None, JsonText] | None = None
    analysed_version: int | None = None
    analysed_text: str | None = None
    published_version: int | None = None
    published_excluded: bool = False  # published with no findings: an `exclude` glob matches the file
    # Findings of the last dry-run, for cluster_version; dropped when the text changes.
    cluster_findings: list[Finding] = field(default_factory=list)
    cluster_version: int | None = None
    # Cross-resource findings of the analysed text against the workspace index, and each document's index
    # by its text (re-used while the document's text is unchanged).
    cross_findings: list[Finding] = field(default_factory=list)
    cross_lines: int = -1  # the line count of the text they were computed for
    index_cache: dict[tuple[str, int, int], FileIndex] = field(default_factory=dict)
    # Published diagnostics by (finding, its first and last line's text, encoding), for the next publication.
    diagnostic_cache: dict[tuple[Finding, str, str, str | None], types.Diagnostic] = field(default_factory=dict)
    pending: asyncio.Task[None] | None = None
    # Offsets of lone UTF-16 surrogates the client sent (JSON allows "\ud800"; UTF-8 cannot hold it). The
    # text holds U+FFFD there instead, one code point and one UTF-16 unit like the surrogate, so positions
    # agree with the client's; the offsets follow the edits, and KL104 says where they are.
    surrogates: list[int] = field(default_factory=list)
    # The lines of the analysed text (what `chunks` and `findings` refer to), and requests waiting for the
    # analysis of the current text.
    analysed_lines: list[str] = field(default_factory=list)
    waiters: list[asyncio.Future[None]] = field(default_factory=list)
    # The size-limit finding when the text is over kubeLsp.maxFileSize: then nothing else is analysed.
    too_big: Finding | None = None

    def __post_init__(self) -> None:
        if not self.lines:
            self.text = self._clean(self.text, 0)
            self._index()

    def _index(self) -> None:
        text = self.text
        self.lines = split_lines(text)
        self.line_starts = None

    @property
    def starts(self) -> list[int]:
        """The offset in `text` of each line."""
        if self.line_starts is None:
            lines = self.lines
            if "\r" not in self.text:  # the common case: each line ends with one character
                self.line_starts = list(accumulate(map(add, map(len, islice(lines, len(lines) - 1)), repeat(1)),
                                                   initial=0))
            else:
                self.line_starts = [0] + [m.end() for m in LINE_BREAK_RE.finditer(self.text)]
        return self.line_starts

    def _offset(self, line: int, col: int) -> int:
        """The offset of a (clamped) position; without `starts` when there is no CR (no index to rebuild)."""
        if self.line_starts is not None or "\r" in self.text:
            return self.starts[line] + col
        return sum(map(len, islice(self.lines, line))) + line + col

    def _clean(self, text: str, offset: int) -> str:
        if text.isascii() or not _SURROGATE.search(text):
            return text
        self.surrogates = sorted([*self.surrogates, *(offset + m.start() for m in _SURROGATE.finditer(text))])
        return _SURROGATE.sub("\ufffd", text)

    @property
    def problems(self) -> list[Finding]:
        """Findings about the text as sent rather than its content: a lone surrogate (KL104)."""
        if not self.surrogates:
            return []
        first = self.surrogates[0]
        line = bisect_right(self.starts, first) - 1
        col = first - self.starts[line]
        more = f" (and {len(self.surrogates) - 1} more)" if len(self.surrogates) > 1 else ""
        return [Finding(span=Span.of(line, col, line, col + 1), severity=Severity.ERROR, code="KL104",
                        message=f"the text contains a lone UTF-16 surrogate at line {line + 1}, character "
                                f"{col + 1}{more}, which no file can hold; it is read as U+FFFD")]

    @property
    def origin(self) -> str:
        """The document as the engine names files: its path, or its URI when it has none (`untitled:`)."""
        return to_fs_path(self.uri) or self.uri

    def _clamp(self, pos: Pos) -> tuple[int, int]:
        """A position in the text: a column past its line's end is the end, a line past the last the end of
        the text (as `Positions.offset` reads them)."""
        lines = self.lines
        if pos.line >= len(lines):
            return len(lines) - 1, len(lines[-1])
        return pos.line, min(max(pos.col, 0), len(lines[pos.line]))

    def positions(self, encoding: str | None) -> Positions:
        return Positions(self.lines, encoding)

    @property
    def current(self) -> bool:
        """Whether the last analysis is of the text as it is now."""
        return self.analysed_text is self.text or self.analysed_text == self.text

    def analysed_positions(self, encoding: str | None) -> Positions:
        """Positions in the analysed text (which `chunks` and `findings` refer to), current or not."""
        return Positions(self.analysed_lines if not self.current else self.lines, encoding)

    def apply(self, changes: Sequence[types.TextDocumentContentChangeEvent], version: int | None,
              encoding: str | None, prepared: Callable[[str], list[str] | None] = lambda text: None) -> None:
        """Apply full or incremental changes in order (each range is relative to the text before it). An
        incremental change re-splits only the lines it touches; `prepared` gives the lines of a full text
        when they were split beforehand (off the event loop)."""
        for change in changes:
            if isinstance(change, types.TextDocumentContentChangePartial):
                pos = self.positions(encoding)
                start = self._clamp(pos.from_client(change.range.start))
                end = self._clamp(pos.from_client(change.range.end))
                a, b = self._offset(*start), self._offset(*end)
                cr = "\r" in self.text
                if self.surrogates:
                    delta = len(change.text) - (b - a)
                    self.surrogates = [o if o < a else o + delta for o in self.surrogates if not a <= o < b]
                new = self._clean(change.text, a)
                self.text = self.text[:a] + new + self.text[b:]
                if a <= b and not cr and "\r" not in new:
                    # Only the lines from the start to the end of the range change.
                    (la, ca), (lb, cb) = start, end
                    lines = self.lines
                    self.lines = [*islice(lines, la), *(lines[la][:ca] + new + lines[lb][cb:]).split("\n"),
                                  *islice(lines, lb + 1, None)]
                    self.line_starts = None
                else:
                    self._index()
            else:
                self.surrogates = []
                split = prepared(change.text)
                if split is None:
                    self.text = self._clean(change.text, 0)
                    self._index()
                else:
                    self.text, self.lines, self.line_starts = change.text, split, None
        self.version = version
        self.cluster_findings = []
