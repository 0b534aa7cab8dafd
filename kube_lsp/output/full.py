"""The `full` text format (the default on a terminal), after ruff and rustc: a header line per finding,
the source line with its number in a gutter and the finding's range underlined, and the fix if any.

Columns in findings are code points; here they become terminal cells: tabs expand to the next multiple
of 4, wide (East Asian) characters take two cells, combining marks none, and control or invisible
formatting characters are shown as visible placeholders (a manifest must not drive the terminal). The
carets are computed from the same cells, so they stay under the right characters.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from kube_lsp.fixes import broken_documents
from kube_lsp.model import Finding, Fix, Severity
from kube_lsp.parsing.text import split_lines

if TYPE_CHECKING:
    from kube_lsp.output import FileResult

TAB: Final = 4
RESET: Final = "\x1b[0m"
BOLD: Final = "\x1b[1m"
GUTTER: Final = "\x1b[1;34m"
HELP: Final = "\x1b[1;36m"
SEVERITY_COLOR: Final = {Severity.ERROR: "\x1b[1;31m", Severity.WARNING: "\x1b[1;33m",
                         Severity.INFO: "\x1b[1;36m", Severity.HINT: "\x1b[1;32m"}


class _Paint:
    def __init__(self, on: bool) -> None:
        self.on = on

    def __call__(self, style: str, text: str) -> str:
        return f"{style}{text}{RESET}" if self.on and text else text


def _cell(c: str, ascii_only: bool) -> tuple[str, int]:
    """How one code point is shown and how many terminal cells it takes (tabs are handled by the caller)."""
    cp = ord(c)
    if cp < 0x20:
        shown = chr(0x2400 + cp)  # the Control Pictures block: ␛ for ESC
    elif cp == 0x7F:
        shown = "\u2421"
    elif 0x80 <= cp < 0xA0 or unicodedata.category(c) == "Cf":  # C1 controls, bidi overrides, zero widths
        shown = "\ufffd"
    elif unicodedata.combining(c):
        return (c, 0) if not ascii_only else (_escape(c), len(_escape(c)))
    else:
        shown = c
    if ascii_only and not shown.isascii():
        text = _escape(c)
        return text, len(text)
    return shown, 2 if unicodedata.east_asian_width(shown) in ("W", "F") else 1


def _escape(c: str) -> str:
    return c.encode("ascii", "backslashreplace").decode("ascii")


def visible(text: str, ascii_only: bool = False) -> str:
    """`text` with control and invisible formatting characters replaced by visible placeholders."""
    if text.isprintable() and (text.isascii() or not ascii_only):
        return text
    out = []
    for c in text:
        if c == "\t":
            out.append(" ")
        elif c.isprintable() and not unicodedata.category(c) == "Cf":
            out.append(c)
        else:
            out.append(_cell(c, ascii_only)[0])
    return "".join(out)


def _cells(line: str, ascii_only: bool) -> tuple[list[tuple[str, int]], list[int]]:
    """The cells of a source line, and the display column at which each code point starts (one more
    entry than code points: the column after the line)."""
    cells: list[tuple[str, int]] = []
    starts: list[int] = []
    col = 0
    for c in line:
        starts.append(col)
        if c == "\t":
            width = TAB - col % TAB
            cells.append((" " * width, width))
        else:
            cells.append(_cell(c, ascii_only))
        col += cells[-1][1]
    starts.append(col)
    return cells, starts


def excerpt(line: str, start: int, end: int | None, *, width: int, ascii_only: bool = False) -> tuple[str, str]:
    """The shown source line and the caret line under code points [start, end) of it (`end` None: to
    the end of the line; an empty range gets one caret), clipped to `width` cells around the range."""
    cells, starts = _cells(line, ascii_only)
    start = min(start, len(line))
    stop = len(line) if end is None else min(max(end, start), len(line))
    c0, c1 = starts[start], starts[stop]
    c1 = max(c1, c0 + 1)
    total = starts[-1]
    dots = "..." if ascii_only else "\u2026"
    if total <= width:
        left, right = 0, total
    else:
        room = max(width - 2 * len(dots), 10)
        if c1 <= room or (c1 - c0 >= room and c0 <= room // 2):  # the range's start shows from the line's
            left = 0
        elif c1 - c0 >= room:  # a long range: its start, with a little context
            left = c0 - min(10, room // 4)
        else:  # centre the range
            left = c0 - (room - (c1 - c0)) // 2
        right = min(total, max(left, 0) + room)
        left = max(0, right - room)
    shown = []
    first = None
    for (text, w), s in zip(cells, starts[:-1], strict=True):
        if s >= left and s + w <= right:
            first = s if first is None else first
            shown.append(text)
    first = left if first is None else first
    prefix = dots if first > 0 else ""
    suffix = dots if right < total else ""
    a = max(c0, first) - first + len(prefix)
    b = min(c1, right) - first + len(prefix)
    carets = " " * a + "^" * max(1, b - a)
    return (prefix + "".join(shown) + suffix).rstrip(), carets


def fix_hint(f: Finding, document_broken: bool) -> tuple[Fix, str] | None:
    """The fix `--fix` would apply for this finding, and how to get it."""
    fix = next((fx for fx in f.fixes if fx.safe), None) or next(iter(f.fixes), None)
    if fix is None:
        return None
    if document_broken:
        return fix, "not applied by --fix: this document does not parse"
    return fix, "safe fix, --fix" if fix.safe else "unsafe fix, --fix --unsafe-fixes"


def render_full(results: Sequence[FileResult], *, color: bool = False, width: int = 100,
                ascii_only: bool = False) -> str:
    paint = _Paint(color)
    out: list[str] = []
    for r in results:
        lines = split_lines(r.text) if r.text is not None else []
        broken = broken_documents(r.findings)
        for f in r.findings:
            s, e = f.span
            header = (f"{paint(BOLD, f'{visible(r.path, ascii_only)}:{s.line + 1}:{s.col + 1}:')} "
                      f"{paint(SEVERITY_COLOR[f.severity], f'{f.severity.label}[{f.code}]')} "
                      f"{paint(BOLD, visible(f.message, ascii_only))}")
            out.append(header)
            number = str(s.line + 1)
            pad = " " * len(number)
            bar = paint(GUTTER, f"{pad} |")
            if s.line < len(lines):
                room = width - len(number) - 3
                shown, carets = excerpt(lines[s.line], s.col, e.col if e.line == s.line else None,
                                        width=room, ascii_only=ascii_only)
                out.append(bar)
                out.append(f"{paint(GUTTER, f'{number} |')} {shown}".rstrip())
                lead = carets.index("^")
                out.append(f"{bar} {carets[:lead]}{paint(SEVERITY_COLOR[f.severity], carets[lead:])}")
            hint = fix_hint(f, f.doc in broken or -1 in broken)
            if hint is not None:
                fix, how = hint
                out.append(f"{pad} {paint(GUTTER, '=')} {paint(HELP, 'help')}: {visible(fix.title, ascii_only)} "
                           f"({how})")
            out.append("")
    return "".join(line + "\n" for line in out)


def render_concise_terminal(results: Sequence[FileResult], *, color: bool) -> str:
    """The concise one-line form for a terminal: coloured if asked, control characters made visible."""
    paint = _Paint(color)
    lines = []
    for r in results:
        for f in r.findings:
            s = f.span.start
            lines.append(f"{paint(BOLD, f'{visible(r.path)}:{s.line + 1}:{s.col + 1}:')} "
                         f"{paint(SEVERITY_COLOR[f.severity], f.severity.label)} {paint(BOLD, f.code)} "
                         f"{visible(f.message)}")
    return "".join(line + "\n" for line in lines)
