"""Workspace benchmark: the language server indexing a 2,000-file workspace, and typing in a 10,000-line file
while it is indexed.

Usage: python bench/workspace.py [--corpus ../shared/corpus] [--files 2000] [--edits 20]

Builds the workspace in a temporary directory from the real manifests of ../shared/corpus: copies of every
file in numbered folders, each copy's objects renamed (`name: web` → `name: web-3`, references alike, so
each folder is a consistent application), until there are --files files. Then it starts `kube-lsp serve`
twice over stdio, as an editor would (initialize with the folder, work-done progress, a file watcher): once
with that workspace folder, once with an empty one (the server as it was before the index: nothing to
scan). For each it prints the time from `initialized` to the end of the indexing progress, the server's
resident memory (VmRSS) after indexing, and the median and worst time from a one-character didChange in the
middle of a 10,000-line file to its diagnostics (target: ≤ 50 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from _inputs import SHARED, require
from lsp_bench import big_file, corpus_texts

_NAME = re.compile(r"^(\s*-?\s*(?:name|claimName|secretName|serviceName|serviceAccountName): )([a-z0-9][-a-z0-9.]*)$",
                   re.M)


def make_workspace(corpus: Path, root: Path, files: int) -> int:
    texts = corpus_texts(corpus)
    n = copy = 0
    while n < files:
        folder = root / f"app-{copy:03d}"
        folder.mkdir(parents=True)
        for i, text in enumerate(texts):
            if n >= files:
                break
            renamed = _NAME.sub(lambda m: f"{m.group(1)}{m.group(2)}-{copy}", text) if copy else text
            (folder / f"f{i:03d}.yaml").write_text(renamed)
            n += 1
        copy += 1
    return n


class Client:
    """A minimal LSP client over a server's stdio: answers the server's requests (progress creation,
    registrations, configuration) and collects notifications."""

    def __init__(self, cmd: list[str]) -> None:
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.next_id = 0
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.responses: dict[int, Any] = {}
        self.notes: list[tuple[float, dict[str, Any]]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _send(self, msg: dict[str, Any]) -> None:
        body = json.dumps(msg).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = 0
            while True:
                line = out.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            msg = json.loads(out.read(length))
            now = time.perf_counter()
            if "method" in msg and "id" in msg:  # a request from the server
                result: Any = None
                if msg["method"] == "workspace/configuration":
                    result = [{"kubeVersion": "1.37"} for _ in msg["params"]["items"]]
                self._send({"jsonrpc": "2.0", "id": msg["id"], "result": result})
            elif "method" in msg:
                with self.cond:
                    self.notes.append((now, msg))
                    self.cond.notify_all()
            else:
                with self.cond:
                    self.responses[msg["id"]] = msg
                    self.cond.notify_all()

    def request(self, method: str, params: Any) -> Any:
        with self.lock:
            self.next_id += 1
            rid = self.next_id
        self._send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        with self.cond:
            self.cond.wait_for(lambda: rid in self.responses, timeout=120)
            return self.responses.pop(rid).get("result")

    def notify(self, method: str, params: Any) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait(self, pred: Any, timeout: float = 300) -> tuple[float, dict[str, Any]]:
        """The first notification (after those already seen) for which `pred` holds."""
        deadline = time.perf_counter() + timeout
        with self.cond:
            seen = 0
            while True:
                for t, m in self.notes[seen:]:
                    if pred(m):
                        return t, m
                seen = len(self.notes)
                if not self.cond.wait(timeout=max(0.0, deadline - time.perf_counter())):
                    raise TimeoutError("no such notification")

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def close(self) -> None:
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            self.proc.wait(10)
        except Exception:  # noqa: BLE001
            self.proc.kill()


def run(folder: Path, big: Path, edits: int) -> dict[str, float]:
    client = Client([sys.executable, "-m", "kube_lsp", "serve"])
    caps = {"window": {"workDoneProgress": True},
            "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": True}, "configuration": True},
            "textDocument": {"publishDiagnostics": {"versionSupport": True}}}
    client.request("initialize", {"processId": os.getpid(), "rootUri": folder.as_uri(), "capabilities": caps,
                                  "workspaceFolders": [{"uri": folder.as_uri(), "name": "ws"}]})
    started = time.perf_counter()
    client.notify("initialized", {})
    end, _ = client.wait(lambda m: m["method"] == "$/progress" and m["params"]["value"].get("kind") == "end")
    index_s = end - started
    rss = client.rss_mb()
    uri = big.as_uri()
    text = big.read_text()
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1,
                                                            "text": text}})
    client.wait(lambda m: m["method"] == "textDocument/publishDiagnostics" and m["params"].get("version") == 1)
    lines = text.split("\n")
    middle = len(lines) // 2
    while not lines[middle].strip().startswith(("name:", "- name:")):
        middle += 1
    col = len(lines[middle])
    latencies = []
    for i in range(edits):
        version = i + 2
        char = "x" if i % 2 == 0 else ""
        rng = {"start": {"line": middle, "character": col}, "end": {"line": middle, "character": col + (i % 2)}}
        sent = time.perf_counter()
        client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                 "contentChanges": [{"range": rng, "text": char}]})
        got, _ = client.wait(lambda m, v=version: m["method"] == "textDocument/publishDiagnostics"
                             and m["params"].get("version") == v)
        latencies.append(1000 * (got - sent))
        time.sleep(0.05)
    rss_after = client.rss_mb()
    client.close()
    return {"index_s": index_s, "rss_mb": rss, "rss_after_edits_mb": rss_after,
            "edit_median_ms": statistics.median(latencies), "edit_max_ms": max(latencies)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpus")
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--edits", type=int, default=20)
    args = ap.parse_args()
    require(ap, args.corpus, "--corpus", "the corpus of real manifests")
    tmp = Path(tempfile.mkdtemp(prefix="kube-lsp-workspace-bench-"))
    try:
        ws, empty, outside = tmp / "ws", tmp / "empty", tmp / "outside"
        empty.mkdir()
        outside.mkdir()
        n = make_workspace(args.corpus, ws, args.files)
        big = ws / "big.yaml"  # inside the workspace: its objects are indexed too
        big.write_text(big_file(args.corpus))
        alone = outside / "big.yaml"
        shutil.copy(big, alone)
        print(f"workspace: {n + 1} files ({sum(1 for _ in ws.rglob('*.yaml'))} YAML files), big file "
              f"{big.read_text().count(chr(10))} lines")
        rows = [("empty workspace (as before the index)", run(empty, alone, args.edits)),
                (f"{n + 1}-file workspace indexed", run(ws, big, args.edits))]
        print(f"{'':<40} {'index (s)':>10} {'RSS (MB)':>9} {'edit→diag median':>17} {'max':>8}")
        for label, r in rows:
            print(f"{label:<40} {r['index_s']:>10.2f} {r['rss_mb']:>9.0f} {r['edit_median_ms']:>14.1f} ms "
                  f"{r['edit_max_ms']:>5.0f} ms")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
