"""Open documents: their text kept with the LSP's own line model, and their last analysis."""

from __future__ import annotations

import asyncio
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate

from lsprotocol import types
from pygls.uris import to_fs_path

from kube_lsp.engine import ChunkCache, ChunkResult
from kube_lsp.lsp.convert import Positions
from kube_lsp.model import Finding, Severity, Span
from kube_lsp.parsing.text import LINE_BREAK_RE, Chunk, split_lines
from kube_lsp.workspace.index import FileIndex

# A surrogate code point in a Python str from JSON is a lone one: json joins escaped pairs.
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(slots=True)
class OpenDocument:
    uri: str
    text: str
    version: int | None
    lines: list[str] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    cache: ChunkCache = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    # Each document's chunk and its line-0 result, for the analysed version.
    chunks: list[Chunk] = field(default_factory=list)
    results: list[ChunkResult] = field(default_factory=list)
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
        self.text = self._clean(self.text, 0)
        self._index()

    def _index(self) -> None:
        text = self.text
        if "\r" not in text:  # the common case, ~5x faster than the general one
            self.lines = text.split("\n")
            self.starts = [0, *accumulate(len(line) + 1 for line in self.lines[:-1])]
            return
        self.lines = split_lines(text)
        self.starts = [0] + [m.end() for m in LINE_BREAK_RE.finditer(text)]

    def _clean(self, text: str, offset: int) -> str:
        if not _SURROGATE.search(text):
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
              encoding: str | None) -> None:
        """Apply full or incremental changes in order (each range is relative to the text before it)."""
        for change in changes:
            if isinstance(change, types.TextDocumentContentChangePartial):
                pos = self.positions(encoding)
                a = pos.offset(pos.from_client(change.range.start), self.starts)
                b = pos.offset(pos.from_client(change.range.end), self.starts)
                if self.surrogates:
                    delta = len(change.text) - (b - a)
                    self.surrogates = [o if o < a else o + delta for o in self.surrogates if not a <= o < b]
                self.text = self.text[:a] + self._clean(change.text, a) + self.text[b:]
            else:
                self.surrogates = []
                self.text = self._clean(change.text, 0)
            self._index()
        self.version = version
        self.cluster_findings = []
