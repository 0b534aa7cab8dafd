"""Broken framing costs only the broken message: the server resynchronises at the next header."""

from __future__ import annotations

import json
from typing import Any

import pytest

from robustness.rawclient import RawServer, frame


def status(msg_id: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": msg_id, "method": "workspace/executeCommand",
            "params": {"command": "kube-lsp.status", "arguments": []}}


def parse_errors(server: RawServer) -> list[dict[str, Any]]:
    return [m for m in server.errors() if m["error"]["code"] == -32700]


def test_content_length_too_short_answers_parse_error_and_recovers(server: RawServer) -> None:
    """The cut body is not JSON, but the request's id can be read: its one answer is the Parse error."""
    body = json.dumps(status(7)).encode()
    server.write(frame(body, length=len(body) - 10))
    server.alive()
    errors = parse_errors(server)
    assert len(errors) == 1 and errors[0]["id"] == 7
    assert server.responses(7) == errors


def test_content_length_too_long_still_answers_both(server: RawServer) -> None:
    body = json.dumps(status(7)).encode()
    server.write(frame(body, length=len(body) + 40))
    server.alive()
    assert "result" in server.response(7)
    assert not parse_errors(server)


def test_content_length_too_long_by_less_than_a_header(server: RawServer) -> None:
    body = json.dumps(status(7)).encode()
    server.write(frame(body, length=len(body) + 5))  # swallows "Conte" of the next header
    server.alive()
    assert "result" in server.response(7)


def test_message_without_header_is_skipped(server: RawServer) -> None:
    server.write(json.dumps(status(7)).encode() + b"\r\n")
    server.alive()
    assert not server.responses(7)


def test_message_without_header_glued_to_the_next(server: RawServer) -> None:
    server.write(json.dumps(status(7)).encode())
    server.alive()


def test_lf_only_header_lines(server: RawServer) -> None:
    server.write(frame(status(7), sep=b"\n"))
    assert "result" in server.response(7)
    server.alive()


def test_no_empty_line_after_the_header(server: RawServer) -> None:
    body = json.dumps(status(7)).encode()
    server.write(b"Content-Length: %d\r\n" % len(body) + body)
    assert "result" in server.response(7)
    server.alive()


@pytest.mark.parametrize("body", [b"{not json", b"", b"[" * 100_000, b"\xff\xfe{}", b'{"a": NaN}'],
                         ids=["garbage", "empty", "deep", "not-utf8", "nan"])
def test_invalid_json_body_gets_parse_error(server: RawServer, body: bytes) -> None:
    server.write(frame(body))
    server.alive()
    errors = parse_errors(server)
    assert len(errors) == 1 and errors[0]["id"] is None


def test_huge_content_length_is_bounded(server: RawServer) -> None:
    server.write(b"Content-Length: 1000000000000\r\n\r\n" + json.dumps(status(7)).encode())
    server.alive()
    # The request inside the bogus length is not handled; its id was seen, so it gets an error, not silence.
    assert [r["error"]["code"] for r in server.responses(7)] == [-32600]
    rss_kb = int(next(line.split()[1] for line in open(f"/proc/{server.proc.pid}/status")
                      if line.startswith("VmRSS:")))
    assert rss_kb < 1_000_000


def test_oversized_body_is_skipped_without_holding_it(server: RawServer) -> None:
    from kube_lsp.lsp.protocol import MAX_MESSAGE_BYTES

    server.write(b"Content-Length: %d\r\n\r\n" % (MAX_MESSAGE_BYTES + 1) + b" " * 4_000_000)
    server.alive()


def test_oversized_request_is_answered_and_oversized_document_explained(server: RawServer) -> None:
    """A message over the limit is not read, but a request in it still gets its one answer, and a document
    sent in it gets a KL104 diagnostic saying why it is not analysed."""
    from kube_lsp.lsp.protocol import MAX_MESSAGE_BYTES

    pad = b" " * (MAX_MESSAGE_BYTES + 10)
    server.write(frame(b'{"jsonrpc": "2.0", "id": 41, "method": "textDocument/hover", "params": {"x": "' + pad
                       + b'"}}'))
    answer = server.response(41, timeout=60)
    assert answer["error"]["code"] == -32600 and "over the 64 MB message limit" in answer["error"]["message"]
    uri = "file:///w/huge.yaml"
    server.write(frame(b'{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": '
                       b'{"uri": "' + uri.encode() + b'", "languageId": "yaml", "version": 1, "text": "' + pad
                       + b'"}}}'))
    published = server.wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                                and m["params"]["uri"] == uri, timeout=60)
    [diagnostic] = published["params"]["diagnostics"]
    assert diagnostic["code"] == "KL104" and "it is not analysed" in diagnostic["message"]
    server.alive()


@pytest.mark.parametrize("header", [b"Content-Length: abc", b"Content-Length: -5", b"Content-Length:",
                                    b"Content-Length: 1e3", b"Content-Lenght: 52"])
def test_bad_content_length_is_skipped(server: RawServer, header: bytes) -> None:
    server.write(header + b"\r\n\r\n" + json.dumps(status(7)).encode())
    server.alive()
    assert not server.responses(7)


@pytest.mark.parametrize("extra", [
    b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n",
    b"Content-Type: application/vscode-jsonrpc; charset=utf8\r\n",
    b"content-type: application/json\r\n",
    b"X-Trace: 1\r\nContent-Type: application/vscode-jsonrpc; charset=\"UTF-8\"\r\n",
])
def test_extra_headers_and_content_types(server: RawServer, extra: bytes) -> None:
    body = json.dumps(status(7)).encode()
    server.write(b"Content-Length: %d\r\n" % len(body) + extra + b"\r\n" + body)
    assert "result" in server.response(7)
    server.write(extra + b"content-length:%d\r\n\r\n" % len(body) + json.dumps(status(8)).encode())
    assert "result" in server.response(8)
    server.alive()


def test_message_split_into_single_bytes(server: RawServer) -> None:
    for byte in frame(status(7)):
        server.write(bytes([byte]))
    assert "result" in server.response(7)
