"""initialize once, requests only after it, and `exit` (or the end of input) ends the process at once."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from robustness.rawclient import RawServer, frame

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-{i}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: web-{i}}}
  template:
    metadata:
      labels: {{app: web-{i}}}
    spec:
      containers:
        - name: web
          image: nginx:1.27
"""


def diagnostics(server: RawServer, uri: str, version: int) -> dict[str, Any]:
    return server.wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                           and m["params"]["uri"] == uri and m["params"].get("version") == version, timeout=15)


def test_second_initialize_is_refused_and_the_state_kept(server: RawServer, tmp_path: Path) -> None:
    uri = (tmp_path / "a.yaml").as_uri()
    server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1,
                                                            "text": "kind: Nope\n"}})
    diagnostics(server, uri, 1)
    answer = server.call("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
    assert answer["error"]["code"] == -32600
    server.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [
        {"range": {"start": {"line": 0, "character": 6}, "end": {"line": 0, "character": 10}}, "text": "Pod"}]})
    assert diagnostics(server, uri, 2)["params"]["uri"] == uri  # the change was applied and analysed
    server.alive()


def test_before_initialize_requests_fail_and_notifications_are_dropped(raw: RawServer, tmp_path: Path) -> None:
    uri = (tmp_path / "a.yaml").as_uri()
    msg_id = raw.request("textDocument/documentSymbol", {"textDocument": {"uri": uri}})
    assert raw.response(msg_id)["error"]["code"] == -32002
    assert raw.call("shutdown")["error"]["code"] == -32002
    raw.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1,
                                                         "text": "kind: Nope\n"}})
    raw.notify("initialized", {})
    raw.initialize(tmp_path)
    assert raw.call("textDocument/documentSymbol", {"textDocument": {"uri": uri}})["result"] == []
    raw.alive()
    assert not [m for m in raw.messages if m.get("method") == "textDocument/publishDiagnostics"]


def test_exit_without_shutdown_exits_1(server: RawServer) -> None:
    server.notify("exit", None)
    assert server.proc.wait(timeout=5) == 1
    server.check_output()


def test_exit_after_shutdown_exits_0_and_requests_in_between_fail(server: RawServer) -> None:
    assert server.call("shutdown")["result"] is None
    answer = server.call("workspace/executeCommand", {"command": "kube-lsp.status", "arguments": []})
    assert answer["error"]["code"] == -32600
    server.notify("exit", None)
    assert server.proc.wait(timeout=5) == 0
    server.check_output()


def test_shutdown_and_exit_sent_together_answer_shutdown_and_exit_0(server: RawServer) -> None:
    """A client that does not wait for the shutdown answer before `exit` (or that closes its end right after)
    still gets the answer and exit code 0: exit waits, briefly, for a shutdown still being handled."""
    server.write(frame({"jsonrpc": "2.0", "id": 41, "method": "shutdown"})
                 + frame({"jsonrpc": "2.0", "method": "exit"}))
    assert server.proc.wait(timeout=5) == 0
    assert server.response(41)["result"] is None
    server.check_output()


def test_requests_in_flight_at_shutdown_are_answered_before_exit(server: RawServer, tmp_path: Path) -> None:
    """A request still waiting for an analysis when shutdown and exit arrive gets its one answer (its result,
    or RequestCancelled) before the process ends."""
    _open_big(server, tmp_path)
    symbols = server.request("textDocument/documentSymbol", {"textDocument": {"uri": (tmp_path / "big.yaml").as_uri()}})
    server.write(frame({"jsonrpc": "2.0", "id": 42, "method": "shutdown"})
                 + frame({"jsonrpc": "2.0", "method": "exit"}))
    assert server.proc.wait(timeout=10) == 0
    answer = server.response(symbols)
    assert "result" in answer or answer["error"]["code"] == -32800
    assert server.response(42)["result"] is None
    server.check_output()


def test_exit_before_initialize_exits_1(raw: RawServer) -> None:
    raw.notify("exit", None)
    assert raw.proc.wait(timeout=5) == 1


def _open_big(server: RawServer, tmp_path: Path) -> None:
    text = "---\n".join(DEPLOYMENT.format(i=i) for i in range(6000))
    server.notify("textDocument/didOpen", {"textDocument": {"uri": (tmp_path / "big.yaml").as_uri(),
                                                            "languageId": "yaml", "version": 1, "text": text}})
    server.alive()  # the document has arrived; its analysis runs in a thread for seconds
    time.sleep(0.3)


def test_exit_does_not_wait_for_a_running_analysis(server: RawServer, tmp_path: Path) -> None:
    _open_big(server, tmp_path)
    assert server.call("shutdown")["result"] is None
    started = time.monotonic()
    server.notify("exit", None)
    assert server.proc.wait(timeout=30) == 0
    assert time.monotonic() - started < 1.0


def test_end_of_input_exits_promptly(server: RawServer, tmp_path: Path) -> None:
    _open_big(server, tmp_path)
    started = time.monotonic()
    assert server.proc.stdin is not None
    server.proc.stdin.close()
    server.proc.wait(timeout=30)
    assert time.monotonic() - started < 1.0
