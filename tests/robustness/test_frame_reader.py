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
    assert reader.feed(b"Content-Length: 5000\r\n\r\n") == []
    for _ in range(12):
        assert reader.feed(b"x" * 400) == []
        assert len(reader._buf) <= 64 and len(reader._head) <= 4096 and len(reader._last) <= 4096
    frames = reader.feed(b"x" * 200 + frame(msg(1)))
    assert [f.reason for f in frames if isinstance(f, Problem)] == [
        "a message of 5000 bytes is over the 1000 byte limit; it was skipped"]
    assert [f.value["id"] for f in frames if isinstance(f, Message)] == [1]


def _big(order: str, nested_id: bool = False) -> bytes:
    params: dict[str, object] = {"textDocument": {"uri": "file:///w/big.yaml", "languageId": "yaml", "version": 1,
                                                  "text": "a: b\n" * 2000}}
    if nested_id:
        params["id"] = 99
    head = {"jsonrpc": "2.0", "id": 7, "method": "textDocument/didOpen"}
    value = {**head, "params": params} if order == "params-last" else {"params": params, **head}
    return json.dumps(value).encode()


@pytest.mark.parametrize("order", ["params-last", "params-first"])
@pytest.mark.parametrize("nested_id", [False, True])
def test_oversized_message_keeps_its_id_method_and_uri(order: str, nested_id: bool) -> None:
    from kube_lsp.lsp.protocol import Oversized

    body = _big(order, nested_id)
    reader = FrameReader(max_message=1000)
    frames = []
    for i in range(0, len(body) + 200, 333):
        frames += reader.feed((frame(body) + frame(msg(1)))[i:i + 333])
    problems = [f for f in frames if isinstance(f, Problem)]
    assert [p.oversized for p in problems] == [Oversized(len(body), 7, "textDocument/didOpen", "file:///w/big.yaml")]
    assert [f.value["id"] for f in frames if isinstance(f, Message)] == [1]


def test_oversized_notification_has_no_id() -> None:
    body = json.dumps({"jsonrpc": "2.0", "method": "m", "params": {"x": "y" * 5000, "id": 3}}).encode()
    frames = FrameReader(max_message=1000).feed(frame(body))
    assert [f.oversized.request_id for f in frames if isinstance(f, Problem) and f.oversized] == [None]
