"""What the server writes: every message framed with its length in bytes, JSON without blanks, results that
are JSON text already spliced in as they are, and an answer even when a result cannot be encoded."""

from __future__ import annotations

import json
from typing import Any

from kube_lsp.lsp.protocol import INTERNAL_ERROR, JsonText
from kube_lsp.lsp.server import KubeLanguageServer, create_server


class Sink:
    def __init__(self) -> None:
        self.data = b""

    def write(self, data: bytes) -> None:
        self.data += data


def sent(server: KubeLanguageServer, sink: Sink) -> list[Any]:
    out, data = [], sink.data
    while data:
        head, rest = data.split(b"\r\n\r\n", 1)
        size = int(head.split(b"\r\n")[0].removeprefix(b"Content-Length: "))
        assert head.split(b"\r\n")[1] == b"Content-Type: application/vscode-jsonrpc; charset=utf-8"
        out.append(rest[:size])
        data = rest[size:]
    return out


def server_and_sink() -> tuple[KubeLanguageServer, Sink]:
    server, sink = create_server(), Sink()
    server.protocol.set_writer(sink)  # type: ignore[arg-type]
    return server, sink


def test_a_json_text_result_goes_out_as_it_is() -> None:
    server, sink = server_and_sink()
    server.protocol._send_response("r1", JsonText('[{"name": "caf\\u00e9"}]'))
    [body] = sent(server, sink)
    assert json.loads(body) == {"id": "r1", "jsonrpc": "2.0", "result": [{"name": "café"}]}


def test_messages_are_json_without_blanks_and_framed_by_their_bytes() -> None:
    server, sink = server_and_sink()
    server.protocol._send_response(7, {"message": "née: 😀", "list": [1, 2]})
    [body] = sent(server, sink)
    assert body == b'{"id":7,"jsonrpc":"2.0","result":{"message":"n\\u00e9e: \\ud83d\\ude00","list":[1,2]}}'


def test_an_answer_that_cannot_be_encoded_is_still_an_answer() -> None:
    """Never invalid JSON (`NaN` is not JSON), never no answer."""
    server, sink = server_and_sink()
    server.protocol._send_response(8, {"bad": float("nan")})
    server.protocol._send_response(9, {"worse": {1j}})
    server.protocol.notify("window/logMessage", {"type": 3, "message": float("inf")})
    answers = [json.loads(body) for body in sent(server, sink)]
    assert [(a["id"], a["error"]["code"]) for a in answers] == [(8, INTERNAL_ERROR), (9, INTERNAL_ERROR)]
