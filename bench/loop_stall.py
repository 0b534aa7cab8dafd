"""Event-loop stall benchmark: does a big document's analysis block other requests?

Usage: python bench/loop_stall.py [--harness ../shared/bench/harness] [--corpus ../shared/corpus] [--edits 3]

Opens a 100,000-line single-document Deployment and a small ConfigMap, then types into the big document
(one-character incremental edits, a few apart) while hovering over the small document every 20 ms, and
prints the hover latencies (max, p50): the longest the server's event loop was blocked. Also prints
keystroke → diagnostics on a 10,000-line multi-document stream and on the 100,000-line document, and the
time to the KL104 finding for a 20 MB document.
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


async def run(harness: Path, corpus: Path, edits: int) -> None:
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
    finally:
        await client.shutdown()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--harness", type=Path, default=SHARED / "bench" / "harness")
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpus")
    ap.add_argument("--edits", type=int, default=3)
    args = ap.parse_args()
    require(ap, args.harness, "--harness", "the shared benchmark harness (lspclient.py)")
    require(ap, args.corpus, "--corpus", "the corpus of manifests")
    asyncio.run(run(args.harness, args.corpus, args.edits))
    return 0


if __name__ == "__main__":
    sys.exit(main())
