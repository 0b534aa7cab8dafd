"""Live-state latency benchmark: hover and completion medians with live state off, and on with watches running.

Usage: python bench/live_latency.py [--requests 200] [--rounds 2] [--churn 0.05] [--unrelated]
                                   [--harness ../shared/bench/harness]

Starts the test suite's API server double on loopback with a Deployment, its ReplicaSet and pods, and a
Service (tests/cluster/livestate.py), and runs the language server twice on the same manifest: with
`kubeLsp.cluster.live` off, then on (the server watches pods, events, deployments, ... and refreshes the
document on every change). Meanwhile the double changes a pod's status every --churn seconds, so the watches
deliver a steady stream of events and the server keeps refreshing. Prints the median, p95 and maximum of
--requests hovers and completions in each run, the watch events and refreshes seen, and checks that no
request wrote without dryRun=All. With --unrelated the pod that changes is another workload's (in the same
namespace, so the same watches see it): those events concern no object of the file and refresh nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from _inputs import SHARED, require

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests"))

from cluster.apiserver import ApiServerDouble  # noqa: E402
from cluster.livestate import MANIFEST, Scenario, running, waiting  # noqa: E402

KUBE_LSP = [sys.executable, "-m", "kube_lsp"]


UNRELATED = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "db-0", "labels": {"app": "db"}},
             "spec": {"containers": [{"name": "db", "image": "postgres:16"}]}}


def churn(api: ApiServerDouble, scenario: Scenario, every: float, stop: threading.Event,
          unrelated: bool = False) -> None:
    """Flip a pod between ImagePullBackOff and Running, as a kubelet would report it (the file's, or with
    `unrelated` another workload's)."""
    n = 0
    while not stop.wait(every):
        n += 1
        if unrelated:
            api.set_status("v1", "Pod", "db-0", {"phase": "Running" if n % 2 else "Pending"})
        elif n % 2:
            scenario.set_pod("web-7d9f-a", "Pending", [waiting("ImagePullBackOff", f"Back-off {n}")])
        else:
            scenario.set_pod("web-7d9f-a", statuses=[running(restarts=n)])


def pct(values: list[float], p: float) -> float:
    return sorted(values)[min(len(values) - 1, int(len(values) * p))]


async def run(kubeconfig: Path, workdir: Path, live: bool, requests: int, api: ApiServerDouble) -> dict[str, Any]:
    from lspclient import LspClient, path_to_uri  # the shared harness, on sys.path once main() checked it

    file = workdir / "web.yaml"
    file.write_text(MANIFEST)
    settings = {"kubeLsp": {"kubeVersion": "", "cluster": {"kubeconfig": str(kubeconfig), "context": "double",
                                                           "schemas": False, "live": live}}}
    client = LspClient(request_timeout=60)
    env = {"XDG_CACHE_HOME": str(workdir / "cache"), "KUBECONFIG": str(workdir / "none")}
    await client.start([*KUBE_LSP, "serve"], path_to_uri(workdir), init_options=settings, settings=settings, env=env)
    watch_before = sum(1 for r in api.requests if r.query.get("watch") == "true")
    try:
        uri = await client.open(str(file))
        await client.wait_diagnostics(uri, timeout=60, settle_ms=300)
        if live:  # wait until the watches are up
            deadline = time.monotonic() + 20
            while api.watches_open < 7 and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
        for _ in range(20):  # warm-up, not counted
            await client.hover(uri, 16, 12)
            await client.completion(uri, 18, 12)
        hovers: list[float] = []
        completions: list[float] = []
        for _ in range(requests):
            _, ms = await client.hover(uri, 16, 12)  # the image: line
            hovers.append(ms)
            _, ms = await client.completion(uri, 18, 12)  # under resources:
            completions.append(ms)
            await asyncio.sleep(0.02)  # spread over seconds, so that refreshes run in between
        refreshes = None
        if live:
            result, _ = await client.request("workspace/executeCommand",
                                             {"command": "kube-lsp.liveRefresh", "arguments": [uri]})
            refreshes = (len(result.get("watches", [])), result.get("refreshes")) if isinstance(result, dict) else None
    finally:
        await client.shutdown()
    return {"hover": hovers, "completion": completions, "watches": refreshes,
            "watch_requests": sum(1 for r in api.requests if r.query.get("watch") == "true") - watch_before}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="hovers and completions per run (default 200)")
    parser.add_argument("--rounds", type=int, default=2, help="off/on runs, alternating (default 2)")
    parser.add_argument("--churn", type=float, default=0.05, help="seconds between pod status changes")
    parser.add_argument("--unrelated", action="store_true",
                        help="the pod that changes belongs to no object of the file")
    parser.add_argument("--harness", type=Path, default=SHARED / "bench" / "harness",
                        help="the shared LSP client harness (default ../shared/bench/harness)")
    args = parser.parse_args()
    require(parser, args.harness / "lspclient.py", "--harness", "the shared LSP client (lspclient.py)")
    sys.path.insert(0, str(args.harness))
    workdir = Path(tempfile.mkdtemp(prefix="kube-lsp-live-bench-"))
    (workdir / "api").mkdir()
    with ApiServerDouble(workdir=workdir / "api") as api:
        kubeconfig = api.write_kubeconfig(workdir / "kubeconfig")
        scenario = Scenario(api)
        scenario.healthy()
        if args.unrelated:
            api.seed(UNRELATED, manager=None, defaults=False)
        stop = threading.Event()
        mover = threading.Thread(target=churn, args=(api, scenario, args.churn, stop, args.unrelated), daemon=True)
        mover.start()
        results: dict[bool, dict[str, Any]] = {False: {"hover": [], "completion": []},
                                               True: {"hover": [], "completion": []}}
        try:
            for _ in range(args.rounds):  # alternate, so that machine load hits both alike
                for live in (False, True):
                    r = asyncio.run(run(kubeconfig, workdir, live, args.requests, api))
                    results[live]["hover"] += r["hover"]
                    results[live]["completion"] += r["completion"]
                    if live:
                        results[live]["watches"], results[live]["watch_requests"] = r["watches"], r["watch_requests"]
        finally:
            stop.set()
        writes = [r for r in api.violations]
        events = len(api._history)
    print(f"{'':26}{'median':>9}{'p95':>9}{'max':>9}   (ms, {args.requests * args.rounds} requests each; a pod status "
          f"changes every {args.churn * 1000:.0f} ms{', another workload' if args.unrelated else ''})")
    for live in (False, True):
        r = results[live]
        label = "live on, watches running" if live else "live off"
        for what in ("hover", "completion"):
            v = r[what]
            print(f"{what + ' (' + label + ')':<40}{statistics.median(v):9.2f}{pct(v, 0.95):9.2f}{max(v):9.2f}")
    watches, refreshes = results[True]["watches"] or (0, 0)
    print(f"live run: {watches} watches open, {refreshes} refreshes of the document driven by them, "
          f"{results[True]['watch_requests']} watch requests; "
          f"{events} changes in the double; writes without dryRun=All: {len(writes)}")
    return 1 if writes else 0


if __name__ == "__main__":
    raise SystemExit(main())
