"""The terminal: colour, output that never fails to encode, and a progress line. No analysis here."""

from __future__ import annotations

import codecs
import io
import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import Final, TextIO

# Characters the messages use, and what they become where the output encoding cannot show them.
_ASCII: Final = {
    "\u2014": "--", "\u2013": "-", "\u2026": "...", "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
    "\u2192": "->", "\u2190": "<-", "\u00a0": " ", "\u2022": "*", "\u00d7": "x", "\u2264": "<=", "\u2265": ">=",
}
FALLBACK: Final = "kube_lsp.fallback"


def _fallback(exc: UnicodeError) -> tuple[str, int]:
    """Encoding error handler: ASCII look-alikes for punctuation, backslash escapes for the rest."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    chunk = exc.object[exc.start:exc.end]
    out = "".join(_ASCII.get(c) or c.encode("ascii", "backslashreplace").decode("ascii") for c in chunk)
    return out, exc.end


codecs.register_error(FALLBACK, _fallback)


def prepare_streams(*streams: TextIO) -> None:
    """Make writing to these streams never raise UnicodeEncodeError (PYTHONIOENCODING=ascii, a C locale,
    a file name that is not UTF-8): characters they cannot encode degrade as `_fallback` says."""
    for stream in streams:
        if isinstance(stream, io.TextIOWrapper):
            try:
                stream.reconfigure(errors=FALLBACK)
            except (ValueError, OSError):  # closed or detached
                pass


def can_encode(stream: TextIO, text: str) -> bool:
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (ValueError, OSError, AttributeError):
        return False


def color_enabled(choice: str, stream: TextIO, env: Mapping[str, str] | None = None) -> bool:
    """`--color always|never|auto`; with auto: FORCE_COLOR (non-empty) forces colour, NO_COLOR
    (non-empty) switches it off, otherwise colour when `stream` is a terminal (and TERM is not dumb)."""
    env = os.environ if env is None else env
    if choice in ("always", "never"):
        return choice == "always"
    if env.get("FORCE_COLOR"):
        return True
    if env.get("NO_COLOR"):
        return False
    return isatty(stream) and env.get("TERM") != "dumb"


def terminal_width(default: int = 100) -> int:
    try:
        columns = os.get_terminal_size(sys.__stdout__.fileno()).columns if sys.__stdout__ else 0
    except (OSError, ValueError):
        columns = 0
    env = os.environ.get("COLUMNS", "")
    if env.isdigit() and int(env) > 0:
        columns = int(env)
    return max(40, columns or default)


class Progress:
    """`checking 1,234/5,000 files…` on stderr, redrawn in place: only on a terminal, only once the run
    has taken `delay` seconds, at most `rate` times a second, and erased by `done()`."""

    def __init__(self, stream: TextIO, enabled: bool, *, delay: float = 1.0, rate: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._stream, self._enabled, self._clock = stream, enabled, clock
        self._start = clock()
        self._delay, self._interval = delay, 1.0 / rate
        self._last = -1.0
        self._width = 0
        self._dots = "\u2026" if can_encode(stream, "\u2026") else "..."

    def update(self, done: int, total: int) -> None:
        if not self._enabled:
            return
        now = self._clock()
        if now - self._start < self._delay or (now - self._last < self._interval and done < total):
            return
        self._last = now
        text = f"checking {done:,}/{total:,} files{self._dots}"
        self._stream.write("\r" + text + " " * max(0, self._width - len(text)))
        self._stream.flush()
        self._width = len(text)

    def done(self) -> None:
        if self._width:
            self._stream.write("\r" + " " * self._width + "\r")
            self._stream.flush()
            self._width = 0

