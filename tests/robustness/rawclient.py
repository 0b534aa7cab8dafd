"""A raw-bytes LSP client for robustness tests: drives the real `kube-lsp serve` process over stdio.

It writes whatever bytes a test gives it (broken framing included) and reads stdout strictly: every byte
the server writes must be a `Content-Length` frame holding one JSON object, else `framing_errors` says
what was wrong. Nothing is written outside the test's temporary directory; no network.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ANSWER_SECONDS = 5.0


def frame(body: bytes | str | dict[str, Any], *, length: int | None = None, sep: bytes = b"\r\n",
          extra: bytes = b"") -> bytes:
    """One message: `body` (JSON-encoded if a dict), with a header that says `length` (default: the truth)."""
    data = body if isinstance(body, bytes) else (body if isinstance(body, str) else json.dumps(body)).encode()
    n = len(data) if length is None else length
    return b"Content-Length: %d" % n + sep + extra + sep + data


class RawServer:
    def __init__(self, cwd: Path, args: tuple[str, ...] = ()) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([sys.executable, "-m", "kube_lsp", "serve", *args], cwd=cwd, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.messages: list[dict[str, Any]] = []
        self.framing_errors: list[str] = []
        self.raw_stdout = bytearray()
        self.stderr = bytearray()
        self._cond = threading.Condition()
        self._next_id = 1000
        self._ended = False
        # Answers to the server's own requests, by method, instead of the usual ones: a message (sent as
        # JSON) or raw bytes (sent as they are), to play a client that answers garbage.
        self.replies: dict[str, dict[str, Any] | bytes] = {}
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    # ------------------------------------------------------------------------------------ reading

    def _read_stdout(self) -> None:
        try:
            self._read_frames()
        finally:
            with self._cond:
                self._ended = True
                self._cond.notify_all()

    def _read_frames(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            header = b""
            while not header.endswith(b"\r\n\r\n"):
                c = out.read(1)
                if not c:
                    self._eof(header)
                    return
                header += c
                self.raw_stdout += c
            lines = header[:-4].split(b"\r\n")
            length = None
            for line in lines:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length" and value.strip().isdigit():
                    length = int(value)
                elif name.strip().lower() != b"content-type":
                    self._error(f"unexpected header line {line!r}")
            if length is None:
                self._error(f"no Content-Length in {header!r}")
                return
            body = out.read(length)
            self.raw_stdout += body
            try:
                msg = json.loads(body)
            except ValueError:
                self._error(f"a body that is not JSON: {body[:200]!r}")
                return
            if not isinstance(msg, dict) or msg.get("jsonrpc") != "2.0":
                self._error(f"not a JSON-RPC message: {body[:200]!r}")
            with self._cond:
                self.messages.append(msg)
                self._cond.notify_all()
            reply = self.replies.get(msg.get("method", "")) if "id" in msg else None
            if reply is not None:
                self.write(reply if isinstance(reply, bytes) else frame({"jsonrpc": "2.0", "id": msg["id"], **reply}))
            elif msg.get("method") in ("workspace/configuration", "client/registerCapability",
                                     "window/workDoneProgress/create") and "id" in msg:
                result: Any = [None] * len(msg["params"]["items"]) if msg["method"] == "workspace/configuration" \
                    else None
                self.send({"jsonrpc": "2.0", "id": msg["id"], "result": result})

    def _eof(self, partial: bytes) -> None:
        if partial.strip():
            self._error(f"stdout ended inside a header: {partial!r}")

    def _error(self, text: str) -> None:
        with self._cond:
            self.framing_errors.append(text)
            self._cond.notify_all()

    def _read_stderr(self) -> None:
        err = self.proc.stderr
        assert err is not None
        for line in iter(err.readline, b""):
            self.stderr += line

    # ------------------------------------------------------------------------------------ writing

    def write(self, data: bytes) -> None:
        stdin = self.proc.stdin
        assert stdin is not None
        stdin.write(data)
        stdin.flush()

    def send(self, msg: dict[str, Any] | list[Any]) -> None:
        self.write(frame(json.dumps(msg)))

    def request(self, method: str, params: Any = None, *, with_params: bool = True) -> int:
        self._next_id += 1
        msg: dict[str, Any] = {"jsonrpc": "2.0", "id": self._next_id, "method": method}
        if with_params:
            msg["params"] = params
        self.send(msg)
        return self._next_id

    def notify(self, method: str, params: Any) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    # ------------------------------------------------------------------------------------ waiting

    def wait_for(self, pred: Callable[[dict[str, Any]], bool], timeout: float = ANSWER_SECONDS) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for m in self.messages:
                    if pred(m):
                        return m
                left = deadline - time.monotonic()
                if left <= 0 or self._ended:
                    raise AssertionError(f"no matching message within {timeout} s; server exit code "
                                         f"{self.proc.poll()}; got {self.messages[-5:]}; stderr "
                                         f"{self.stderr[-2000:].decode(errors='replace')}")
                self._cond.wait(min(left, 0.2))

    def response(self, msg_id: Any, timeout: float = ANSWER_SECONDS) -> dict[str, Any]:
        return self.wait_for(lambda m: "method" not in m and m.get("id") == msg_id
                             and ("result" in m or "error" in m), timeout)

    def responses(self, msg_id: Any) -> list[dict[str, Any]]:
        with self._cond:
            return [m for m in self.messages if "method" not in m and m.get("id") == msg_id]

    def call(self, method: str, params: Any = None) -> dict[str, Any]:
        return self.response(self.request(method, params))

    def initialize(self, root: Path | None = None) -> dict[str, Any]:
        answer = self.call("initialize", {"processId": None, "rootUri": root.as_uri() if root else None,
                                          "capabilities": {}, "initializationOptions": {"kubeVersion": "1.37"}})
        assert "result" in answer, answer
        self.notify("initialized", {})
        return answer

    def alive(self) -> None:
        """The server still answers a normal request within 5 s, and has written only valid frames."""
        answer = self.call("workspace/executeCommand", {"command": "kube-lsp.status", "arguments": []})
        assert "result" in answer and answer["result"]["kubeVersion"], answer
        self.check_output()

    def check_output(self) -> None:
        assert not self.framing_errors, self.framing_errors
        assert b"Traceback" not in self.raw_stdout
        shown = [m for m in self.messages if m.get("method") == "window/showMessage"]
        assert not shown, shown

    def errors(self) -> list[dict[str, Any]]:
        with self._cond:
            return [m for m in self.messages if "error" in m and "method" not in m]

    def close(self) -> int:
        if self.proc.poll() is None:
            try:
                self.call("shutdown")
                self.notify("exit", None)
            except (AssertionError, OSError):
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode
