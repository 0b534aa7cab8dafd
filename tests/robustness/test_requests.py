"""Every request gets exactly one response, whatever its params or id; protocol noise never pops up."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from robustness.rawclient import RawServer

MANIFEST = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\ndata:\n  a: b\n"


def open_doc(server: RawServer, tmp_path: Path, text: str = MANIFEST) -> str:
    uri = (tmp_path / "demo.yaml").as_uri()
    server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1,
                                                            "text": text}})
    return uri


def position_params(uri: str, line: Any, character: Any) -> dict[str, Any]:
    return {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}


BAD_REQUESTS: list[tuple[str, str, Any, int]] = [
    ("negative-line", "textDocument/hover", position_params("URI", -1, 0), -32602),
    ("negative-character", "textDocument/completion", position_params("URI", 0, -3), -32602),
    ("line-over-int32", "textDocument/hover", position_params("URI", 2**31, 0), -32602),
    ("huge-line", "textDocument/definition", position_params("URI", 10**30, 0), -32602),
    ("character-a-string", "textDocument/hover", position_params("URI", 0, "x"), -32602),
    ("textDocument-a-number", "textDocument/documentSymbol", {"textDocument": 5}, -32602),
    ("params-a-list", "textDocument/hover", [1, 2], -32602),
    ("params-missing", "textDocument/hover", None, -32602),
    ("arguments-42", "workspace/executeCommand", {"command": "kube-lsp.status", "arguments": 42}, -32602),
    ("arguments-too-many", "workspace/executeCommand", {"command": "kube-lsp.status", "arguments": [1, 2]},
     -32602),
    ("command-unknown", "workspace/executeCommand", {"command": "nope"}, -32602),
    ("command-a-number", "workspace/executeCommand", {"command": 1}, -32602),
    ("unknown-method", "kube-lsp/nope", None, -32601),
    ("unknown-dollar-method", "$/nope", {}, -32601),
]


@pytest.mark.parametrize(("method", "params", "code"), [b[1:] for b in BAD_REQUESTS],
                         ids=[b[0] for b in BAD_REQUESTS])
def test_bad_request_gets_one_error_response(server: RawServer, tmp_path: Path, method: str, params: Any,
                                             code: int) -> None:
    uri = open_doc(server, tmp_path)
    if isinstance(params, dict) and params.get("textDocument") == {"uri": "URI"}:
        params = {**params, "textDocument": {"uri": uri}}
    msg_id = server.request(method, params, with_params=params is not None)
    answer = server.response(msg_id)
    assert answer["error"]["code"] == code, answer
    server.alive()
    time.sleep(0.2)
    assert len(server.responses(msg_id)) == 1


def test_unknown_request_without_params(server: RawServer) -> None:
    msg_id = server.request("custom/thing", with_params=False)
    assert server.response(msg_id)["error"]["code"] == -32601
    server.alive()


def test_bad_notifications_are_logged_not_shown(server: RawServer, tmp_path: Path) -> None:
    uri = open_doc(server, tmp_path)
    server.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": "x"}, "contentChanges": 5})
    server.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [
        {"range": {"start": {"line": -1, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "x"}]})
    server.notify("textDocument/didOpen", None)
    server.notify("custom/unknown", {})
    server.alive()
    logged = [m for m in server.messages if m.get("method") == "window/logMessage"]
    assert logged


@pytest.mark.parametrize("msg_id", [None, {"a": 1}, [1], 1.5, True], ids=["null", "object", "array", "float",
                                                                              "bool"])
def test_request_with_odd_id_gets_invalid_request(server: RawServer, msg_id: Any) -> None:
    server.send({"jsonrpc": "2.0", "id": msg_id, "method": "workspace/executeCommand",
                 "params": {"command": "kube-lsp.status"}})
    server.alive()
    invalid = [m for m in server.errors() if m["error"]["code"] == -32600]
    assert len(invalid) == 1 and invalid[0]["id"] is None


@pytest.mark.parametrize("value", [42, "text", None, {"jsonrpc": "1.0", "id": 3, "method": "shutdown"},
                                   {"jsonrpc": "2.0", "id": 3}])
def test_message_that_is_not_a_request_gets_invalid_request(server: RawServer, value: Any) -> None:
    server.send(value)
    server.alive()
    assert [m["error"]["code"] for m in server.errors()] == [-32600]


def test_batch_is_answered_message_by_message(server: RawServer) -> None:
    status = {"command": "kube-lsp.status", "arguments": []}
    server.send([{"jsonrpc": "2.0", "id": 1, "method": "workspace/executeCommand", "params": status},
                 {"jsonrpc": "2.0", "method": "custom/notification", "params": {}},
                 {"jsonrpc": "2.0", "id": 2, "method": "workspace/executeCommand", "params": status}])
    assert "result" in server.response(1) and "result" in server.response(2)
    server.send([])
    server.alive()
    assert [m["error"]["code"] for m in server.errors()] == [-32600]


def test_notification_with_an_id_is_applied_and_answered(server: RawServer, tmp_path: Path) -> None:
    uri = (tmp_path / "demo.yaml").as_uri()
    server.send({"jsonrpc": "2.0", "id": 5, "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri, "languageId": "yaml", "version": 1, "text": "kind: Nope\n"}}})
    assert server.response(5)["result"] is None
    server.wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri)
    server.alive()


def test_response_for_unknown_id_is_dropped(server: RawServer) -> None:
    server.send({"jsonrpc": "2.0", "id": "nobody-asked", "result": {"x": 1}})
    server.send({"jsonrpc": "2.0", "id": 99, "error": {"code": 1, "message": "no"}})
    server.send({"jsonrpc": "2.0", "id": 98, "error": "not an object"})
    server.alive()
    assert not server.errors()


def test_handler_bug_is_answered_and_not_shown(server: RawServer, tmp_path: Path) -> None:
    uri = open_doc(server, tmp_path)
    # A range far past the end of the document.
    answer = server.call("textDocument/codeAction", {
        "textDocument": {"uri": uri},
        "range": {"start": {"line": 99999, "character": 0}, "end": {"line": 99999, "character": 5}},
        "context": {"diagnostics": []}})
    assert "result" in answer or answer["error"]["code"] == -32603
    server.alive()
