"""Soak benchmark: memory and latency of `kube-lsp serve` over a long editing session.

Against a real server process over stdio: open a 300-line manifest, send 50,000 single-character
incremental edits (insert a character, delete it, moving over the lines), then a flood of 1,000 changes a
second for ~10 s. Prints the server's RSS (VmRSS from /proc/PID/status) at the start, every 10,000 edits
and at the end, and the latency from the last edit to the diagnostics of its version. Flat memory is the
target.

    python bench/soak.py                                  # this checkout's server
    python bench/soak.py --server-cmd "env PYTHONPATH=/path/to/other/checkout python -m kube_lsp serve"

The server runs with HOME and the XDG directories in a temporary directory; it talks only over pipes.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any


def manifest(lines: int) -> str:
    head = ["apiVersion: v1", "kind: ConfigMap", "metadata:", "  name: soak", "data:"]
    return "\n".join(head + [f"  key-{i:04d}: value-{i:04d}" for i in range(lines - len(head))]) + "\n"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Client:
    def __init__(self, cmd: list[str], env: dict[str, str], cwd: str) -> None:
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, env=env, cwd=cwd)
        self.cond = threading.Condition()
        self.responses: dict[int, dict[str, Any]] = {}
        self.published: dict[int, float] = {}  # version -> time of the first publish for it
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            assert length is not None
            msg = json.loads(out.read(length))
            now = time.perf_counter()
            with self.cond:
                if msg.get("method") == "textDocument/publishDiagnostics":
                    v = msg["params"].get("version")
                    if isinstance(v, int):
                        self.published.setdefault(v, now)
                elif "id" in msg and "method" not in msg:
                    self.responses[msg["id"]] = msg
                elif "id" in msg:  # a server->client request: answer it
                    result: Any = None
                    if msg["method"] == "workspace/configuration":
                        result = [None] * len(msg["params"]["items"])
                    self.send({"jsonrpc": "2.0", "id": msg["id"], "result": result})
                self.cond.notify_all()

    def send(self, msg: dict[str, Any]) -> None:
        body = json.dumps(msg).encode()
        stdin = self.proc.stdin
        assert stdin is not None
        with self.lock:
            stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            stdin.flush()

    def request(self, msg_id: int, method: str, params: Any, timeout: float = 60) -> dict[str, Any]:
        self.send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        deadline = time.monotonic() + timeout
        with self.cond:
            while msg_id not in self.responses:
                if not self.cond.wait(max(0.0, deadline - time.monotonic())):
                    raise TimeoutError(method)
            return self.responses[msg_id]

    def wait_version(self, version: int, timeout: float = 120) -> float:
        deadline = time.monotonic() + timeout
        with self.cond:
            while version not in self.published:
                if not self.cond.wait(max(0.0, deadline - time.monotonic())):
                    raise TimeoutError(f"no diagnostics for version {version}")
            return self.published[version]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--server-cmd", default=f"{shlex.quote(sys.executable)} -m kube_lsp serve")
    ap.add_argument("--edits", type=int, default=50_000)
    ap.add_argument("--every", type=int, default=10_000, help="print RSS every N edits")
    ap.add_argument("--lines", type=int, default=300)
    ap.add_argument("--flood-seconds", type=float, default=10.0)
    ap.add_argument("--flood-rate", type=int, default=1000, help="changes a second in the flood")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="kube-lsp-soak-") as tmp:
        env = {**os.environ, "HOME": tmp, "XDG_CACHE_HOME": f"{tmp}/cache", "XDG_CONFIG_HOME": f"{tmp}/config",
               "KUBECONFIG": f"{tmp}/kubeconfig"}
        client = Client(shlex.split(args.server_cmd), env, tmp)
        pid = client.proc.pid
        client.request(1, "initialize", {"processId": os.getpid(), "rootUri": None, "capabilities": {},
                                         "initializationOptions": {"kubeVersion": "1.37"}})
        client.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        uri = Path(tmp, "soak.yaml").as_uri()
        text = manifest(args.lines)
        lines = text.splitlines()
        client.send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri, "languageId": "yaml", "version": 1, "text": text}}})
        client.wait_version(1)
        time.sleep(1)
        print(f"start: RSS {rss_mb(pid):.1f} MB ({args.lines}-line manifest open)", flush=True)

        version = 1
        first_data = 5

        def edit() -> None:
            # Insert a character at the end of a data line, then delete it: the text stays the same size.
            nonlocal version
            pair, second = divmod(version - 1, 2)  # version 2 inserts, 3 deletes, ...
            insert = not second
            version += 1
            line = first_data + pair % (len(lines) - first_data)
            col = len(lines[line])
            if insert:
                change = {"range": {"start": {"line": line, "character": col}, "end": {"line": line, "character": col}},
                          "text": "x"}
            else:
                change = {"range": {"start": {"line": line, "character": col},
                                    "end": {"line": line, "character": col + 1}}, "text": ""}
            client.send({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
                "textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}})

        started = time.perf_counter()
        for i in range(1, args.edits + 1):
            edit()
            if i % args.every == 0:
                print(f"{i:>6} edits: RSS {rss_mb(pid):.1f} MB ({i / (time.perf_counter() - started):.0f} "
                      "edits/s sent)", flush=True)
        sent = time.perf_counter()
        latency = client.wait_version(version) - sent
        print(f"after {args.edits} edits: diagnostics of the last version {1000 * latency:.0f} ms after the "
              f"last edit; RSS {rss_mb(pid):.1f} MB", flush=True)

        flood = int(args.flood_seconds * args.flood_rate)
        step = max(1, args.flood_rate // 100)  # send in bursts every 10 ms
        t0 = time.perf_counter()
        for i in range(flood):
            edit()
            if i % step == step - 1:
                pause = t0 + (i + 1) / args.flood_rate - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
        sent = time.perf_counter()
        rate = flood / (sent - t0)
        latency = client.wait_version(version) - sent
        time.sleep(1)
        print(f"flood: {flood} changes in {sent - t0:.1f} s ({rate:.0f}/s); diagnostics of the last version "
              f"{1000 * latency:.0f} ms after the last change", flush=True)
        print(f"end: RSS {rss_mb(pid):.1f} MB after {version - 1} edits", flush=True)
        client.request(2, "shutdown", None)
        t_exit = time.perf_counter()
        client.send({"jsonrpc": "2.0", "method": "exit", "params": None})
        code = client.proc.wait(timeout=60)
        print(f"exit: code {code} after {1000 * (time.perf_counter() - t_exit):.0f} ms", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
