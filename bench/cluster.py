"""Cluster benchmark: dry-run, diff and cluster schemas against the API server double, with figures.

Usage: python bench/cluster.py [--docs 40] [--repeat 3] [--slow 3] [--corpus ../shared/corpus]
       [--harness ../shared/bench/harness]

Starts the test suite's API server double (tests/cluster/apiserver.py: TLS, bearer token, discovery,
/openapi/v3, server-side apply) on loopback, builds one multi-document file from the real manifests of
../shared/corpus whose kinds the double serves, and measures, as a user would meet them:

- `kube-lsp dry-run FILE` and `kube-lsp diff FILE` (a fresh process each time): wall time (median of
  --repeat runs), documents per second, and the requests sent per document, by kind of request;
- `kube-lsp check --kubeconfig K FILE` with the cluster's schemas: a cold schema cache (the whole
  /openapi/v3 of the cluster fetched) against a warm one (only the small /openapi/v3 index is fetched);
- the language server while a dry-run waits on a slow cluster (every apply answered after --slow
  seconds): hover latency (median and maximum of 20 hovers sent during the dry-run) and the time until the
  dry-run returns. The targets are the issue's: the editor never blocks (hover ≤ 100 ms meanwhile).

Every run also checks the safety rule: no request wrote without dryRun=All.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from _inputs import SHARED, require
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests"))

from cluster.apiserver import ApiServerDouble, RecordedRequest, Slow  # noqa: E402
from cluster.catalog import RESOURCES  # noqa: E402

KUBE_LSP = [sys.executable, "-m", "kube_lsp"]


def served_documents(corpus: Path, limit: int) -> list[str]:
    """Documents of the corpus whose apiVersion/kind the double serves, without templates or namespaces
    (the double has only the default ones), up to `limit`, in a stable order."""
    served = {(f"{r.group}/{r.version}" if r.group else r.version, r.kind) for r in RESOURCES}
    yaml = YAML(typ="safe")
    out: list[str] = []
    seen: set[tuple[str, str]] = set()
    for path in sorted(corpus.rglob("*.yaml")):
        text = path.read_text(encoding="utf-8-sig", errors="replace")
        if "{{" in text:
            continue
        for chunk in text.replace("\r\n", "\n").split("\n---"):
            try:
                obj = yaml.load(chunk)
            except YAMLError:
                continue
            if not isinstance(obj, dict) or (obj.get("apiVersion"), obj.get("kind")) not in served:
                continue
            meta = obj.get("metadata")
            if not isinstance(meta, dict) or not isinstance(meta.get("name"), str) or "namespace" in meta:
                continue
            key = (obj["kind"], meta["name"])
            if key in seen or obj["kind"] == "Namespace":
                continue
            seen.add(key)
            out.append(chunk.strip("\n-") + "\n")
            if len(out) >= limit:
                return out
    return out


def request_kinds(requests: list[RecordedRequest]) -> Counter[str]:
    kinds: Counter[str] = Counter()
    for r in requests:
        if r.path.startswith("/openapi"):
            kinds["openapi"] += 1
        elif r.method == "GET" and (r.path in ("/api", "/apis", "/version") or r.path.count("/") <= 3):
            kinds["discovery"] += 1
        else:
            kinds[f"{r.method} {'dryRun' if r.dry_run else 'object'}"] += 1
    return kinds


def timed(api: ApiServerDouble, cmd: list[str], env: dict[str, str]) -> tuple[float, int, list[RecordedRequest]]:
    before = len(api.requests)
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    elapsed = time.perf_counter() - start
    if proc.returncode > 2 or "Traceback" in proc.stderr:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return elapsed, proc.returncode, api.requests[before:]


def cli_figures(api: ApiServerDouble, name: str, cmd: list[str], env: dict[str, str], docs: int,
                repeat: int) -> None:
    runs = [timed(api, cmd, env) for _ in range(repeat)]
    wall = statistics.median(r[0] for r in runs)
    reqs = runs[-1][2]
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(request_kinds(reqs).items()))
    print(f"{name:<34} {wall * 1000:8.0f} ms  {docs / wall:6.1f} docs/s  exit {runs[-1][1]}  "
          f"{len(reqs) / docs:4.1f} requests/doc ({kinds})")


async def lsp_figures(api: ApiServerDouble, kubeconfig: Path, file: Path, env: dict[str, str],
                      slow: float) -> None:
    api.inject(Slow(slow), verbs=["patch"])
    from lspclient import LspClient, path_to_uri  # the shared harness, on sys.path once main() checked it

    client = LspClient(request_timeout=120)
    settings = {"kubeLsp": {"cluster": {"kubeconfig": str(kubeconfig), "timeout": slow * 4}}}
    await client.start([*KUBE_LSP, "serve"], path_to_uri(file.parent), init_options=settings, settings=settings,
                       env=env)
    try:
        uri = await client.open(str(file))
        await client.wait_diagnostics(uri, timeout=60, settle_ms=300)
        started = time.perf_counter()
        dry_run = asyncio.ensure_future(client.request(
            "workspace/executeCommand", {"command": "kube-lsp.dryRun", "arguments": [uri]}, timeout=600))
        await asyncio.sleep(0.2)
        hovers: list[float] = []
        for _ in range(20):
            _, ms = await client.hover(uri, 1, 2)
            hovers.append(ms)
            await asyncio.sleep(0.05)
        result, _ = await dry_run
        total = time.perf_counter() - started
    finally:
        await client.shutdown()
        api.rules.clear()
    n = result.get("documents", 0) if isinstance(result, dict) else 0
    print(f"hover during a dry-run ({slow:.0f} s/apply)   median {statistics.median(hovers):.1f} ms, "
          f"max {max(hovers):.1f} ms over {len(hovers)} hovers "
          f"({'OK' if max(hovers) <= 100 else 'MISSED'} ≤ 100 ms); dry-run of {n} documents returned "
          f"after {total:.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=40, help="documents in the manifest (default 40)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--slow", type=float, default=3.0, help="seconds the cluster takes per apply in the "
                                                                 "LSP measurement (default 3)")
    parser.add_argument("--corpus", type=Path, default=SHARED / "corpus", help="manifests (default ../shared/corpus)")
    parser.add_argument("--harness", type=Path, default=SHARED / "bench" / "harness",
                        help="the shared LSP client harness (default ../shared/bench/harness)")
    args = parser.parse_args()
    require(parser, args.corpus, "--corpus", "the corpus of manifests")
    require(parser, args.harness / "lspclient.py", "--harness", "the shared LSP client (lspclient.py)")
    sys.path.insert(0, str(args.harness))

    work = Path(tempfile.mkdtemp(prefix="kube-lsp-bench-cluster-"))
    docs = served_documents(args.corpus, args.docs)
    file = work / "manifests.yaml"
    file.write_text("---\n".join(docs))
    (work / "double").mkdir()
    with ApiServerDouble(workdir=work / "double") as api:
        kubeconfig = api.write_kubeconfig(work / "kubeconfig")
        env: dict[str, Any] = {**os.environ, "KUBECONFIG": str(kubeconfig), "XDG_CACHE_HOME": str(work / "cache")}
        print(f"{len(docs)} documents ({file.stat().st_size // 1024} KB) from {args.corpus}; API server double "
              f"at {api.url}; kube-lsp as `{' '.join(KUBE_LSP)}`\n")

        cli_figures(api, "kube-lsp dry-run (new objects)", [*KUBE_LSP, "dry-run", "-q", str(file)], env,
                    len(docs), args.repeat)
        kubectl = shutil.which("kubectl")
        if kubectl:  # the reference: what users run by hand today
            cli_figures(api, "kubectl apply --dry-run=server", [
                kubectl, "apply", "--server-side", "--dry-run=server", "--field-manager=kube-lsp", "-f", str(file),
                "--cache-dir", str(work / "kubectl-cache")], env, len(docs), args.repeat)
        cli_figures(api, "kube-lsp diff (new objects)", [*KUBE_LSP, "diff", str(file)], env, len(docs),
                    args.repeat)
        for doc in docs:  # now they exist: diff compares with live objects
            api.seed(YAML(typ="safe").load(doc))
        cli_figures(api, "kube-lsp diff (live objects)", [*KUBE_LSP, "diff", str(file)], env, len(docs),
                    args.repeat)
        if kubectl:
            cli_figures(api, "kubectl diff --server-side", [
                kubectl, "diff", "--server-side", "--field-manager=kube-lsp", "-f", str(file),
                "--cache-dir", str(work / "kubectl-cache")], env, len(docs), args.repeat)

        # --no-cache: the cache of findings would hide the schema loading measured here (bench/scale.py has it)
        check = [*KUBE_LSP, "check", "-q", "--no-cache", "--kubeconfig", str(kubeconfig), str(file)]
        cold = []
        for i in range(args.repeat):
            cold.append(timed(api, check, {**env, "XDG_CACHE_HOME": str(work / f"cold-{i}")}))
        warm = [timed(api, check, env) for _ in range(args.repeat)]
        for name, runs in (("check, cluster schemas (cold cache)", cold),
                           ("check, cluster schemas (warm cache)", warm)):
            reqs = runs[-1][2]
            print(f"{name:<34} {statistics.median(r[0] for r in runs) * 1000:8.0f} ms  {len(reqs)} requests "
                  f"({', '.join(sorted({r.path.split('?')[0] for r in reqs}))[:90]})")
        bundled = [timed(api, [*KUBE_LSP, "check", "-q", "--no-cache", str(file)], env) for _ in range(args.repeat)]
        print(f"{'check, bundled schemas':<34} {statistics.median(r[0] for r in bundled) * 1000:8.0f} ms")

        asyncio.run(lsp_figures(api, kubeconfig, file, env, args.slow))

        writes = [f"{r.method} {r.path}" for r in api.violations]
        print(f"\nrequests in all: {len(api.requests)}; writes without dryRun=All: {len(writes)}; "
              f"errors inside the double: {len(api.internal_errors)}")
        return 1 if writes or api.internal_errors else 0


if __name__ == "__main__":
    sys.exit(main())
