"""How the stdin thread reads: a big message's pieces are handed to the event loop together when the rest is
already there, also when the input is wrapped by the early answer to `initialize` (`Replay`: bytes already
read, then the stream), and a read is never attempted that would block while input waits to be handed over."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator

import pytest

from kube_lsp.lsp.early import Replay
from kube_lsp.lsp.protocol import BATCH_BYTES, CHUNK_BYTES, stdin_reader


@pytest.fixture
def pipe() -> Iterator[tuple[io.BufferedReader, int]]:
    r, w = os.pipe()
    os.set_blocking(w, False)
    try:  # Linux: a pipe that holds a whole batch (1 MB is what any user may ask for)
        import fcntl

        fcntl.fcntl(w, getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except (ImportError, OSError):
        pass
    reader = os.fdopen(r, "rb")
    yield reader, w
    reader.close()
    os.close(w)


def fill(w: int, n: int) -> int:
    """Write up to n bytes without blocking (a pipe holds 64 KB or more); how many were written."""
    written = 0
    while written < n:
        try:
            written += os.write(w, b"x" * min(65536, n - written))
        except BlockingIOError:
            break
    return written


@pytest.mark.parametrize("wrapped", [False, True], ids=["plain", "early-answer"])
def test_readable_says_whether_a_read_would_block(pipe: tuple[io.BufferedReader, int], wrapped: bool) -> None:
    reader, w = pipe
    source = Replay(b"Content-Length: 2\r\n\r\n{}", reader) if wrapped else reader
    read, readable = stdin_reader(source)  # type: ignore[arg-type]
    if wrapped:
        assert readable()  # the prefix is there
        assert read() == b"Content-Length: 2\r\n\r\n{}"
    assert not readable()  # nothing in the pipe: a read would block
    sent = fill(w, 3 * CHUNK_BYTES)
    assert sent >= CHUNK_BYTES
    got = b""
    while readable():
        got += read()
    assert got == b"x" * sent and not readable()


def test_a_wrapped_stdin_is_batched_like_a_plain_one(pipe: tuple[io.BufferedReader, int]) -> None:
    """The early answer wraps stdin for every normal session: before, its reader could never tell that more
    input was there, so a 20 MB message reached the event loop in 320 pieces of 64 KB, each a wake-up, and a
    hover sent after it waited 0.3–0.4 s (bench/loop_stall.py --only big)."""
    reader, w = pipe
    read, readable = stdin_reader(Replay(b"", reader))  # type: ignore[arg-type]
    sent = fill(w, BATCH_BYTES)
    assert sent > CHUNK_BYTES or os.uname().sysname != "Linux"
    pieces = [read()]
    while readable() and sum(map(len, pieces)) < sent:
        pieces.append(read())
    assert sum(map(len, pieces)) == sent  # all of what was there, without blocking
    assert len(pieces) >= sent // CHUNK_BYTES
