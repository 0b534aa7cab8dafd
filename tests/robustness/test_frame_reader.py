"""FrameReader on its own: the same messages come out however the bytes are split."""

from __future__ import annotations

import json

import pytest

from kube_lsp.lsp.protocol import FrameReader, Message, Problem
from robustness.rawclient import frame


def msg(i: int) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "id": i, "method": "m", "params": {"text": "Content-Length: 5"}}).encode()


STREAM = b"".join([
    frame(msg(1)),
    frame(msg(2), length=len(msg(2)) - 7),       # too short: a parse error
    frame(msg(3)),
    msg(4) + b"\r\n",                             # no header: skipped
    frame(msg(5), sep=b"\n"),                     # LF-only
    frame(msg(6), length=len(msg(6)) + 30),       # too long: still read
    b"Content-Length: nope\r\n\r\n" + msg(7),     # not a number: skipped
    frame(msg(8), extra=b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n"),
    b"Content-Length: 999999999999\r\n\r\n" + msg(9),  # over the limit: skipped
    frame(msg(10)),
])


@pytest.mark.parametrize("chunk", [1, 3, 64, 4096, len(STREAM)])
def test_recovers_the_same_messages_whatever_the_chunks(chunk: int) -> None:
    reader = FrameReader()
    frames = []
    for i in range(0, len(STREAM), chunk):
        frames += reader.feed(STREAM[i:i + chunk])
    ids = [f.value["id"] for f in frames if isinstance(f, Message)]
    assert ids == [1, 3, 5, 6, 8, 10]
    assert sum(1 for f in frames if isinstance(f, Problem) and f.parse_error) == 1


def test_oversized_body_is_not_kept() -> None:
    reader = FrameReader(max_message=1000)
    assert [f.reason for f in reader.feed(b"Content-Length: 5000\r\n\r\n")] == [
        "a message of 5000 bytes is over the 1000 byte limit; it was skipped"]
    for _ in range(10):
        assert reader.feed(b"x" * 400) == []
        assert len(reader._buf) <= 64
    assert [f.value["id"] for f in reader.feed(frame(msg(1))) if isinstance(f, Message)] == [1]
