"""Workspace benchmark: the language server indexing a 2,000-file workspace, and typing in a 10,000-line file
while it is indexed.

Usage: python bench/workspace.py [--corpus ../shared/corpus] [--files 2000] [--edits 20] [--baseline REV]

Builds the workspace in a temporary directory from the real manifests of ../shared/corpus: copies of every
file in numbered folders, each copy's objects renamed (`name: web` → `name: web-3`, references alike, so
each folder is a consistent application), until there are --files files. Then it starts `kube-lsp serve`
over stdio, as an editor would (initialize with the folder, work-done progress, a file watcher): with that
workspace folder, with an empty one, and (with --baseline, e.g. `41e4f59`, the commit before the index) the
server of that revision (`git archive` into a temporary directory) with the workspace folder. For each it
prints the time from `initialized` to the end of the indexing progress (or to the first answer, for a
server without progress), the server's resident memory (VmRSS) then, and the median and worst time from a
one-character didChange in the middle of a 10,000-line file (the corpus's documents, renamed per repetition)
to its diagnostics (target: ≤ 50 ms), for an edit of an object's name (the index changes: cross-resource
findings are recomputed) and of an image (it does not).
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


def consistent_big_file(corpus: Path, lines: int = 10_000) -> str:
    """A 10,000-line file of the corpus's documents, each repetition's objects renamed (`web` → `web-b2`) so
    that, like a real file, it does not define one object many times (lsp_bench's big file does)."""
    texts = corpus_texts(corpus)
    out: list[str] = []
    n = rep = 0
    while n < lines:
        for text in texts:
            out.append(_NAME.sub(lambda m, k=rep: f"{m.group(1)}{m.group(2)}-b{k}", text))
            n += text.count("\n") + 1
            if n >= lines:
                break
        rep += 1
    return "---\n".join(out)


def make_workspace(corpus: Path, root: Path, files: int) -> int:
    texts = corpus_texts(corpus)
    n = copy = 0
    while n < files:
        folder = root / f"app-{copy:03d}"
        folder.mkdir(parents=True)
        for i, text in enumerate(texts):
            if n >= files:
                break
            renamed = _NAME.sub(lambda m, k=copy: f"{m.group(1)}{m.group(2)}-{k}", text) if copy else text
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


def run(folder: Path, big: Path, edits: int, src: Path | None = None) -> dict[str, float]:
    if src is not None:
        os.environ["PYTHONPATH"] = str(src)
    try:
        client = Client([sys.executable, "-m", "kube_lsp", "serve"])
    finally:
        os.environ.pop("PYTHONPATH", None)
    caps = {"window": {"workDoneProgress": True},
            "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": True}, "configuration": True},
            "textDocument": {"publishDiagnostics": {"versionSupport": True}}}
    client.request("initialize", {"processId": os.getpid(), "rootUri": folder.as_uri(), "capabilities": caps,
                                  "workspaceFolders": [{"uri": folder.as_uri(), "name": "ws"}]})
    started = time.perf_counter()
    client.notify("initialized", {})
    if src is None:
        end, _ = client.wait(lambda m: m["method"] == "$/progress" and m["params"]["value"].get("kind") == "end")
    else:  # no progress before the index: the first answer after the (blocking) CRD scan
        client.request("workspace/symbol", {"query": "x"})
        end = time.perf_counter()
    index_s = end - started
    rss = client.rss_mb()
    uri = big.as_uri()
    text = big.read_text()
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1,
                                                            "text": text}})
    client.wait(lambda m: m["method"] == "textDocument/publishDiagnostics" and m["params"].get("version") == 1)
    lines = text.split("\n")
    version = 1
    out: dict[str, float] = {"index_s": index_s, "rss_mb": rss}
    for what, prefix in (("name", "name:"), ("image", "image:")):
        middle = len(lines) // 2
        while not lines[middle].strip().removeprefix("- ").startswith(prefix):
            middle += 1
        col = len(lines[middle])
        latencies = []
        for i in range(edits):
            version += 1
            rng = {"start": {"line": middle, "character": col}, "end": {"line": middle, "character": col + (i % 2)}}
            sent = time.perf_counter()
            client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                     "contentChanges": [{"range": rng, "text": "" if i % 2 else "x"}]})
            got, _ = client.wait(lambda m, v=version: m["method"] == "textDocument/publishDiagnostics"
                                 and m["params"].get("version") == v)
            latencies.append(1000 * (got - sent))
            time.sleep(0.05)
        out[f"{what}_median_ms"] = statistics.median(latencies)
        out[f"{what}_max_ms"] = max(latencies)
    client.close()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpus")
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--edits", type=int, default=20)
    ap.add_argument("--lsp-bench-file", action="store_true",
                    help="type in bench/lsp_bench.py's 10,000-line file (the corpus repeated: every object is "
                         "defined several times, hundreds of KL520 findings) instead")
    ap.add_argument("--baseline", help="a git revision whose server to measure as well (e.g. 41e4f59)")
    args = ap.parse_args()
    require(ap, args.corpus, "--corpus", "the corpus of real manifests")
    tmp = Path(tempfile.mkdtemp(prefix="kube-lsp-workspace-bench-"))
    try:
        ws, empty, outside = tmp / "ws", tmp / "empty", tmp / "outside"
        empty.mkdir()
        outside.mkdir()
        n = make_workspace(args.corpus, ws, args.files)
        big = ws / "big.yaml"  # inside the workspace: its objects are indexed too
        big.write_text(consistent_big_file(args.corpus) if not args.lsp_bench_file else big_file(args.corpus))
        alone = outside / "big.yaml"
        shutil.copy(big, alone)
        print(f"workspace: {n + 1} files ({sum(1 for _ in ws.rglob('*.yaml'))} YAML files), big file "
              f"{big.read_text().count(chr(10))} lines")
        rows = []
        if args.baseline:
            src = tmp / "baseline"
            src.mkdir()
            archive = subprocess.run(["git", "archive", args.baseline, "kube_lsp", "schemas"], capture_output=True,
                                     check=True, cwd=Path(__file__).resolve().parent.parent).stdout
            subprocess.run(["tar", "-x", "-C", str(src)], input=archive, check=True)
            rows.append((f"{args.baseline} (before the index), workspace", run(ws, big, args.edits, src)))
        rows.append(("empty workspace folder", run(empty, alone, args.edits)))
        rows.append((f"{n + 1}-file workspace indexed", run(ws, big, args.edits)))
        print(f"{'':<42} {'index (s)':>9} {'RSS (MB)':>8}   edit→diagnostics: name (median/max)   image")
        for label, r in rows:
            print(f"{label:<42} {r['index_s']:>9.2f} {r['rss_mb']:>8.0f}   {r['name_median_ms']:>10.1f} / "
                  f"{r['name_max_ms']:>4.0f} ms {r['image_median_ms']:>14.1f} / {r['image_max_ms']:>4.0f} ms")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
