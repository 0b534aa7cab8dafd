"""Language-server benchmark: kube-lsp next to yaml-language-server, driven like an editor, in one run.

Usage: python bench/lsp_bench.py [--repeat 3] [--harness ../shared/bench/harness] [--skip-yamlls]

Builds two inputs from the real manifests of ../shared/corpus: a 10,000-line multi-document file and a
200-line Deployment. For each server and file it runs the shared harness's `latency.py` (fresh server per
repetition: initialize, didOpen → settled diagnostics cold and warm, a one-character didChange in the
middle → diagnostics, completion, hover, document symbols, peak RSS) and prints the medians side by side
with the ratio and the targets: every latency at most half of yaml-language-server's, keystroke to
diagnostics on the big file ≤ 50 ms, peak RSS ≤ 300 MB.

yaml-language-server must be installed where the harness expects it (see the harness README:
`npm install --prefix ~/.cache/kube-lsp-bench-deps yaml-language-server` and `build_k8s_schema.py`).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from _inputs import SHARED, require

METRICS = [
    ("open_cold_settled_ms", "didOpen → diagnostics (cold)"),
    ("open_warm_settled_ms", "didOpen → diagnostics (warm)"),
    ("edit_settled_ms", "didChange → diagnostics"),
    ("completion_ms", "completion"),
    ("hover_ms", "hover"),
    ("symbols_ms", "document symbols"),
    ("initialize_ms", "initialize (process start)"),
    ("rss_peak_kb", "peak RSS (MB)"),
]


def corpus_texts(corpus: Path) -> list[str]:
    texts = []
    for path in sorted(corpus.rglob("*.yaml")):
        text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
        if "{{" not in text and text.strip():
            texts.append(text if text.endswith("\n") else text + "\n")
    return texts


def big_file(corpus: Path, lines: int = 10_000) -> str:
    out: list[str] = []
    n = 0
    texts = corpus_texts(corpus)
    while n < lines:
        for text in texts:
            out.append(text)
            n += text.count("\n") + 1
            if n >= lines:
                break
    return "---\n".join(out)


def deployment_file(lines: int = 200) -> str:
    head = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop\n  labels:\n    app: shop\nspec:\n"
            "  replicas: 3\n  selector:\n    matchLabels:\n      app: shop\n  template:\n    metadata:\n"
            "      labels:\n        app: shop\n    spec:\n      containers:\n")
    container = ("        - name: svc-{i}\n          image: registry.example.com/shop/svc-{i}:1.4.{i}\n"
                 "          imagePullPolicy: IfNotPresent\n          ports:\n            - containerPort: 80{i:02d}\n"
                 "              name: http\n          env:\n            - name: LOG_LEVEL\n              value: info\n"
                 "          resources:\n            requests: {{cpu: 100m, memory: 128Mi}}\n"
                 "            limits: {{cpu: 500m, memory: 256Mi}}\n          readinessProbe:\n"
                 "            httpGet: {{path: /healthz, port: http}}\n")
    text, i = head, 0
    while text.count("\n") + container.count("\n") <= lines:
        text += container.format(i=i)
        i += 1
    return text


def run_latency(harness: Path, server: str, path: Path, repeat: int) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        out_path = Path(out.name)
    cmd = [sys.executable, str(harness / "latency.py"), "--server", server, "--file", str(path), "--repeat",
           str(repeat), "--out", str(out_path), "--settle-ms", "500"]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"latency.py failed for {server}:\n{proc.stdout}\n{proc.stderr}")
    return json.loads(out_path.read_text())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--harness", type=Path, default=SHARED / "bench" / "harness")
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpus")
    ap.add_argument("--skip-yamlls", action="store_true")
    args = ap.parse_args()
    require(ap, args.harness, "--harness", "the shared benchmark harness (latency.py)")
    require(ap, args.corpus, "--corpus", "the corpus of manifests")
    work = Path(tempfile.mkdtemp(prefix="kube-lsp-bench-"))
    files = {"10k-line stream": work / "big.yaml", "200-line Deployment": work / "deployment.yaml"}
    files["10k-line stream"].write_text(big_file(args.corpus))
    files["200-line Deployment"].write_text(deployment_file())
    servers = {"kube-lsp": f"cmd:{sys.executable} -m kube_lsp serve"}
    if not args.skip_yamlls:
        servers["yaml-language-server"] = "yamlls"
    results: dict[tuple[str, str], dict] = {}
    for label, path in files.items():
        for name, server in servers.items():
            results[(label, name)] = run_latency(args.harness, server, path, args.repeat)
    for label, path in files.items():
        lines = path.read_text().count("\n")
        print(f"\n{label} ({lines} lines), median of {args.repeat} fresh servers")
        print(f"  {'metric':<30} {'kube-lsp':>10} {'yaml-ls':>10} {'ratio':>7}  target")
        for key, title in METRICS:
            ours = results[(label, "kube-lsp")]["summary"].get(key, {}).get("median")
            theirs = results.get((label, "yaml-language-server"), {}).get("summary", {}).get(key, {}).get("median")
            if ours is None:
                continue
            scale = 1024 if key == "rss_peak_kb" else 1
            ratio = f"{ours / theirs:6.2f}x" if theirs else "      -"
            target = ""
            if key == "rss_peak_kb":
                target = "PASS ≤300 MB" if ours / 1024 <= 300 else "FAIL >300 MB"
            elif theirs and key != "initialize_ms":
                target = "PASS ≤½" if ours <= theirs / 2 else "FAIL >½"
            if key == "edit_settled_ms" and label.startswith("10k"):
                target += " | PASS ≤50 ms" if ours <= 50 else " | FAIL >50 ms"
            theirs_s = f"{theirs / scale:10.1f}" if theirs else f"{'-':>10}"
            print(f"  {title:<30} {ours / scale:10.1f} {theirs_s} {ratio}  {target}")
        checks = results[(label, "kube-lsp")].get("checks", {})
        print(f"  kube-lsp checks: {json.dumps(checks)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
