"""`kube-lsp serve` answers `initialize` before it loads pygls (kube_lsp/lsp/early.py).

The early answer must be exactly what the server itself answers, for every shape of client capabilities
the capabilities depend on; the server must still see `initialize` (and only its own answer is dropped);
anything other than a plain `initialize` first goes to the server untouched.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from typing import Any

import pytest

from kube_lsp.lsp import early

CLIENTS: list[dict[str, Any]] = [
    {},
    {"general": {"positionEncodings": ["utf-8", "utf-16"]}},
    {"general": {"positionEncodings": ["utf-32"]}},
    {"general": {"positionEncodings": ["ebcdic"]}},
    {"textDocument": {"synchronization": {"willSave": True, "willSaveWaitUntil": False, "didSave": True}}},
    {"textDocument": {"synchronization": {"dynamicRegistration": True}}},
    {"workspace": {"fileOperations": {"didCreate": True, "willRename": True}}, "notebookDocument": {
        "synchronization": {"dynamicRegistration": False}}},
]


def frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_messages(data: bytes, partial: bool = False) -> list[dict[str, Any]]:
    """The messages in `data`; with `partial`, an incomplete last message is left out."""
    out = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if partial and (not sep or b"Content-Length:" not in head):
            break
        length = int(head.split(b"Content-Length:")[1].split(b"\r\n")[0])
        if partial and len(rest) < length:
            break
        out.append(json.loads(rest[:length]))
        data = rest[length:]
    return out


def initialize(caps: dict[str, Any], msg_id: int = 1) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": msg_id, "method": "initialize",
            "params": {"processId": None, "rootUri": None, "capabilities": caps}}


def converse(command: list[str], messages: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
    stdin = b"".join(frame(m) for m in messages)
    proc = subprocess.run(command, input=stdin, capture_output=True, timeout=60, check=False)
    return read_messages(proc.stdout), proc.stderr.decode()


def converse_waiting(command: list[str], first: list[dict[str, Any]], then: list[dict[str, Any]],
                     wait_for: int) -> tuple[list[dict[str, Any]], str]:
    """Send `first`, wait for the answer with id `wait_for` (as an editor waits before it quits), send `then`."""
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(b"".join(frame(m) for m in first))
    proc.stdin.flush()
    data = b""
    while not any(m.get("id") == wait_for and "method" not in m for m in read_messages(data, partial=True)):
        chunk = proc.stdout.read1(65536)
        assert chunk, "the server ended before it answered"
        data += chunk
    rest, stderr = proc.communicate(b"".join(frame(m) for m in then), timeout=60)
    return read_messages(data + rest), stderr.decode()


BYE = [{"jsonrpc": "2.0", "id": 99, "method": "shutdown"}, {"jsonrpc": "2.0", "method": "exit"}]
# The server as pygls runs it alone, without the early answer.
PLAIN = [sys.executable, "-c", "import sys; from kube_lsp.cli import main; sys.exit(main(['serve']))"]
EARLY = [sys.executable, "-m", "kube_lsp", "serve"]


def test_the_early_answer_is_the_servers_for_every_client_shape() -> None:
    messages = [initialize(c, i) for i, c in enumerate(CLIENTS)]
    for msg in messages:
        (answer, _), _ = converse(PLAIN, [msg, *BYE])
        assert answer["id"] == msg["id"]
        assert early.initialize_result(msg["params"]) == answer["result"], (
            f"update CAPABILITIES in kube_lsp/lsp/early.py: the server now answers {json.dumps(answer['result'])}")


def test_serve_answers_once_and_the_server_still_initializes() -> None:
    text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  contianers: []\n"
    opened = {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": "untitled:pod.yaml", "languageId": "yaml", "version": 1, "text": text}}}
    symbols = {"jsonrpc": "2.0", "id": 2, "method": "textDocument/documentSymbol",
               "params": {"textDocument": {"uri": "untitled:pod.yaml"}}}
    got, stderr = converse_waiting(EARLY, [initialize(CLIENTS[1]), {"jsonrpc": "2.0", "method": "initialized",
                                                                     "params": {}}, opened, symbols], BYE, wait_for=2)
    answers = [m for m in got if "id" in m and "method" not in m]
    assert [a["id"] for a in answers] == [1, 2, 99]
    assert answers[0]["result"]["capabilities"]["positionEncoding"] == "utf-8"
    assert answers[1]["result"][0]["name"] == "Pod/x"
    assert "differs" not in stderr


@pytest.mark.parametrize("first", [
    {"jsonrpc": "2.0", "id": 7, "method": "textDocument/hover", "params": {}},
    {"jsonrpc": "2.0", "id": 7, "method": "initialize", "params": {"capabilities": "none"}},
    {"jsonrpc": "2.0", "id": True, "method": "initialize", "params": {"capabilities": {}}},
])
def test_anything_but_a_plain_initialize_goes_to_the_server(first: dict[str, Any]) -> None:
    out = io.BytesIO()
    stdin, stdout = early.answer_initialize(io.BytesIO(frame(first) + b"rest"), out)
    assert out.getvalue() == b"" and stdout is out
    assert stdin.read() == frame(first) + b"rest"


def test_a_broken_frame_is_replayed_as_it_came() -> None:
    for data in (b"Content-Length: x\r\n\r\n{}", b"Content-Length: 5\r\n\r\n{}", b"no header\n{}", b""):
        out = io.BytesIO()
        stdin, _ = early.answer_initialize(io.BytesIO(data), out)
        assert out.getvalue() == b"" and stdin.read() == data


def test_replay_reads_like_the_stream() -> None:
    data = b"Content-Length: 2\r\n\r\n{}line one\nline two\n"
    for split in range(len(data) + 1):
        r = early.Replay(data[:split], io.BytesIO(data[split:]))
        assert r.readline() + r.read(3) + r.read1(4) + r.readline(2) + r.read() == data


def test_only_serve_over_stdio_answers_early() -> None:
    for argv in (["check", "x.yaml"], ["serve", "--tcp", "127.0.0.1:0"], ["serve", "--log-level", "LOUD"],
                 ["serve", "--help"], ["serve", "--log-file", "/nonexistent/dir/log"]):
        out = io.BytesIO()
        early.serve_early(argv, io.BytesIO(frame(initialize({}))), out)
        assert out.getvalue() == b"" and early.take_streams() == (None, None)
    out = io.BytesIO()
    early.serve_early(["serve", "--stdio", "--log-level", "DEBUG"], io.BytesIO(frame(initialize({}))), out)
    assert read_messages(out.getvalue())[0]["id"] == 1
    stdin, stdout = early.take_streams()
    assert stdin is not None and stdout is not None and early.take_streams() == (None, None)


def test_a_stray_print_in_the_server_goes_to_stderr_after_an_early_answer() -> None:
    """stdout carries only JSON-RPC frames, also on the early-answer path (the one editors take)."""
    noisy = [sys.executable, "-c",
             "import sys; import kube_lsp.lsp.protocol as p\n"
             "receive = p.KubeProtocol.receive\n"
             "def loud(self, frame):\n    print('stray output')\n    return receive(self, frame)\n"
             "p.KubeProtocol.receive = loud\n"
             "sys.argv = ['kube-lsp', 'serve']\n"
             "from kube_lsp.launch import main\nsys.exit(main())\n"]
    got, stderr = converse(noisy, [initialize(CLIENTS[0]), *BYE])
    assert [m.get("id") for m in got] == [1, 99]  # read_messages parses stdout as frames only
    assert "stray output" in stderr
