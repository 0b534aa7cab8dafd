"""Event-loop stall benchmark: does a big document's analysis block other requests?

Usage: python bench/loop_stall.py [--harness ../shared/bench/harness] [--corpus ../shared/corpus] [--edits 3]

Opens a 100,000-line single-document Deployment and a small ConfigMap, then types into the big document
(one-character incremental edits, a few apart) while hovering over the small document every 20 ms, and
prints the hover latencies (max, p50): the longest the server's event loop was blocked. Also prints
keystroke → diagnostics on a 10,000-line multi-document stream and on the 100,000-line document, and the
time to the KL104 finding for a 20 MB document.

Then the cost of big messages and of requests on the big document, each as the longest a hover on the small
document (sent every 10 ms meanwhile) waited: a 20 MB didOpen and a full-text didChange of 10 MB (sent as
pre-encoded bytes: the client's own JSON encoding must not count), 50 incremental edits 10 ms apart into the
100,000-line document, and each request (definition, references, hover, documentSymbol, foldingRange,
codeLens, codeAction, prepareRename, rename, completion) on it. `--only big` runs just that part.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _inputs import SHARED, require
from lsp_bench import big_file

SMALL = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: small\ndata:\n  a: b\n"


def deployment(lines: int) -> str:
    """One Deployment of about `lines` lines (many containers): one YAML document, analysed as a whole."""
    head = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: big\nspec:\n  selector:\n"
            "    matchLabels: {app: big}\n  template:\n    metadata:\n      labels: {app: big}\n    spec:\n"
            "      containers:\n")
    container = ("        - name: c{i}\n          image: registry.example.com/c{i}:1.0\n          ports:\n"
                 "            - containerPort: 8080\n          env:\n            - name: A\n              value: b\n"
                 "          resources:\n            limits: {{cpu: 100m, memory: 64Mi}}\n")
    per = container.count("\n")
    return head + "".join(container.format(i=i) for i in range((lines - head.count("\n")) // per))


async def edit(client: Any, uri: str, version: int, line: int, text: str) -> float:
    """One incremental change inserting `text` at the start of `line`; returns when it was sent."""
    t: float = await client.notify("textDocument/didChange", {
        "textDocument": {"uri": uri, "version": version},
        "contentChanges": [{"range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}},
                            "text": text}]})
    client.docs[uri]["version"] = version
    client.docs[uri]["sent_at"] = t
    return t


async def edit_latency(client: Any, uri: str, lines: int, edits: int) -> list[float]:
    out = []
    for i in range(edits):
        await edit(client, uri, 2 + i, lines // 2, "#")
        res = await client.wait_diagnostics(uri, timeout=120, settle_ms=200)
        if res.first_ms is not None:
            out.append(res.first_ms)
    return out


async def stall(client: Any, big: str, small: str, lines: int, edits: int, seconds: float) -> list[float]:
    """Hover on the small document every 20 ms while the big one is edited; the hover latencies."""
    latencies: list[float] = []
    stop = time.perf_counter() + seconds

    async def hovers() -> None:
        while time.perf_counter() < stop:
            _, ms = await client.hover(small, 1, 2, timeout=60)
            latencies.append(ms)
            await asyncio.sleep(0.02)

    async def typing() -> None:
        version = client.docs[big]["version"]
        for _ in range(edits):
            version += 1
            await edit(client, big, version, lines // 2, "#")
            await asyncio.sleep(seconds / (edits + 1))

    await asyncio.gather(hovers(), typing())
    return latencies


async def send_raw(client: Any, msg: dict[str, Any]) -> None:
    """Send a message encoded beforehand, so that encoding it does not stall the client's own loop."""
    import json

    body = await asyncio.to_thread(lambda: json.dumps(msg, ensure_ascii=False, separators=(",", ":")).encode())
    async with client._write_lock:
        client.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        await client.proc.stdin.drain()


async def hovering(client: Any, small: str, work: Any) -> tuple[list[float], float]:
    """Hover on the small document every 10 ms while `work` runs: the hover latencies and `work`'s time."""
    latencies: list[float] = []
    done = asyncio.Event()

    async def hovers() -> None:
        while not done.is_set():
            _, ms = await client.hover(small, 1, 2, timeout=120)
            latencies.append(ms)
            await asyncio.sleep(0.01)

    task = asyncio.ensure_future(hovers())
    await asyncio.sleep(0.05)
    started = time.perf_counter()
    try:
        await work
    finally:
        took = 1000 * (time.perf_counter() - started)
        await asyncio.sleep(0.05)
        done.set()
        await task
    return latencies, took


def _show(label: str, latencies: list[float], took: float) -> None:
    print(f"  {label:<38} took {took:7.0f} ms; hovers meanwhile: max {max(latencies, default=0):6.0f} ms, "
          f"p50 {statistics.median(latencies) if latencies else 0:5.1f} ms ({len(latencies)})")


async def big_messages(client: Any, work: Path, small: str) -> None:
    """The longest a hover on the small document waits behind big messages and requests on a big document."""
    print("big messages (hover on the small document every 10 ms meanwhile):")
    text = deployment(100_000)
    big = (work / "big-messages.yaml").as_uri()
    huge_text = deployment(int(100_000 * 20.1e6 / len(text)))
    ten_mb = deployment(int(100_000 * 10e6 / len(text)))

    async def open_huge() -> None:
        await send_raw(client, {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": big, "languageId": "yaml", "version": 1, "text": huge_text}}})
        client.docs[big] = {"version": 1, "text": "", "sent_at": time.perf_counter()}
        await client.wait_diagnostics(big, timeout=300, settle_ms=100)

    _show("didOpen of 20 MB (→ KL104)", *await hovering(client, small, open_huge()))

    async def full_change() -> None:
        await send_raw(client, {"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": big, "version": 2}, "contentChanges": [{"text": ten_mb}]}})
        client.docs[big].update(version=2, sent_at=time.perf_counter())
        await client.wait_diagnostics(big, timeout=300, settle_ms=100)

    _show("full-text didChange of 10 MB", *await hovering(client, small, full_change()))

    async def to_100k() -> None:
        await send_raw(client, {"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": big, "version": 3}, "contentChanges": [{"text": text}]}})
        client.docs[big].update(version=3, sent_at=time.perf_counter())
        await client.wait_diagnostics(big, timeout=300, settle_ms=300)

    _show("full-text didChange to 100k lines", *await hovering(client, small, to_100k()))
    lines = text.count("\n")

    async def typing() -> None:
        for i in range(50):
            await edit(client, big, 4 + i, lines // 2 + (i % 7), "#")
            await asyncio.sleep(0.01)
        await client.wait_diagnostics(big, timeout=300, settle_ms=300)

    _show("50 incremental edits, 10 ms apart", *await hovering(client, small, typing()))
    # Requests on the 100k-line document: its current text (undo the edits) and its analysis first.
    await to_100k()
    doc = {"textDocument": {"uri": big}}
    mid = lines // 2
    while not text.split("\n")[mid].lstrip().startswith("image:"):
        mid += 1
    at = {**doc, "position": {"line": mid, "character": 12}}
    name_at = {**doc, "position": {"line": 3, "character": 9}}
    whole = {"start": {"line": 0, "character": 0}, "end": {"line": lines, "character": 0}}
    requests: list[tuple[str, str, dict[str, Any]]] = [
        ("definition", "textDocument/definition", at),
        ("references", "textDocument/references", {**name_at, "context": {"includeDeclaration": True}}),
        ("hover", "textDocument/hover", at),
        ("documentSymbol", "textDocument/documentSymbol", doc),
        ("foldingRange", "textDocument/foldingRange", doc),
        ("codeLens", "textDocument/codeLens", doc),
        ("codeAction (line)", "textDocument/codeAction", {**doc, "range": {"start": at["position"],
                                                                            "end": at["position"]},
                                                          "context": {"diagnostics": []}}),
        ("codeAction (whole file)", "textDocument/codeAction", {**doc, "range": whole,
                                                                "context": {"diagnostics": []}}),
        ("prepareRename", "textDocument/prepareRename", name_at),
        ("rename", "textDocument/rename", {**name_at, "newName": "bigger"}),
        ("completion", "textDocument/completion", {**doc, "position": {"line": mid, "character": 10}}),
    ]
    for label, method, params in requests:
        async def call(method: str = method, params: dict[str, Any] = params) -> None:
            try:
                await client.request(method, params, timeout=120)
            except Exception as exc:  # noqa: BLE001 - an error answer still ends the request
                print(f"    ({method}: {type(exc).__name__}: {str(exc)[:80]})")

        _show(f"{label} on 100k lines", *await hovering(client, small, call()))


async def run(harness: Path, corpus: Path, edits: int, only: str | None = None) -> None:
    sys.path.insert(0, str(harness))
    from lspclient import LspClient  # the shared harness's client

    work = Path(tempfile.mkdtemp(prefix="kube-lsp-stall-"))
    files = {"10k": work / "stream-10k.yaml", "100k": work / "deployment-100k.yaml", "small": work / "small.yaml",
             "20mb": work / "huge-20mb.yaml"}
    files["10k"].write_text(big_file(corpus, 10_000))
    files["100k"].write_text(deployment(100_000))
    files["small"].write_text(SMALL)
    files["20mb"].write_text(deployment(int(100_000 * 20.1e6 / files["100k"].stat().st_size)))
    client = LspClient()
    await client.start([sys.executable, "-m", "kube_lsp", "serve"], work.as_uri(), settings={"kubeLsp": {}})
    try:
        small = await client.open(str(files["small"]))
        await client.wait_diagnostics(small, timeout=30, settle_ms=100)
        if only == "big":
            await big_messages(client, work, small)
            return
        for key in ("10k", "100k"):
            uri = await client.open(str(files[key]))
            opened = await client.wait_diagnostics(uri, timeout=300, settle_ms=200)
            lines = files[key].read_text().count("\n")
            ms = await edit_latency(client, uri, lines, edits)
            print(f"{key:>5}-line file: didOpen → diagnostics {opened.first_ms:8.0f} ms; keystroke → diagnostics "
                  f"median {statistics.median(ms) if ms else float('nan'):7.0f} ms over {len(ms)} edits")
        big = next(u for u in client.docs if u.endswith("deployment-100k.yaml"))
        lat = await stall(client, big, small, files["100k"].read_text().count("\n"), edits, 6.0)
        print(f"hover on a small document every 20 ms while typing into the 100k-line one: max {max(lat):.0f} ms, "
              f"p50 {statistics.median(lat):.1f} ms, {len(lat)} hovers")
        final = await client.wait_diagnostics(big, timeout=120, settle_ms=500)
        versions = [p.version for p in client.publishes.get(big, [])]
        print(f"  publishes for the big document: versions {versions} (last edit v{client.docs[big]['version']}, "
              f"settled {final.settled_ms} ms after it)")
        started = time.perf_counter()
        huge = await client.open(str(files["20mb"]))
        res = await client.wait_diagnostics(huge, timeout=300, settle_ms=100)
        codes = sorted({str(d.get("code")) for d in res.diagnostics})
        print(f"20 MB document: first diagnostics after {1000 * (time.perf_counter() - started):.0f} ms "
              f"(codes {codes[:5]}); server peak RSS {client.memory_kb()['VmHWM_kb'] // 1024} MB")
        await client.close(huge)
        await big_messages(client, work, small)
    finally:
        await client.shutdown()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--harness", type=Path, default=SHARED / "bench" / "harness")
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpus")
    ap.add_argument("--edits", type=int, default=3)
    ap.add_argument("--only", choices=["big"], help="run only the big-messages and requests part")
    args = ap.parse_args()
    require(ap, args.harness, "--harness", "the shared benchmark harness (lspclient.py)")
    require(ap, args.corpus, "--corpus", "the corpus of manifests")
    asyncio.run(run(args.harness, args.corpus, args.edits, args.only))
    return 0


if __name__ == "__main__":
    sys.exit(main())
