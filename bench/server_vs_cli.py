"""The language server and `kube-lsp check` must agree: same findings on the same lines, file by file.

Usage: python bench/server_vs_cli.py [--cases ../shared/bench/cases-dev/cases.jsonl] [--limit N]

Runs the shared harness's `run_diag.py` (one `kube-lsp serve` for all files, driven like an editor:
didOpen, wait for diagnostics to settle, didClose) and `kube-lsp check --format json` on the same
files, then compares (line, code, message) per file. Prints the number of files that agree and every
difference.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from _inputs import SHARED, require


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=Path, default=SHARED / "bench" / "cases-dev" / "cases.jsonl")
    ap.add_argument("--harness", type=Path, default=SHARED / "bench" / "harness")
    ap.add_argument("--limit", type=int, default=None)
    args = ap.parse_args()
    require(ap, args.cases, "--cases", "the fault cases (cases.jsonl)")
    require(ap, args.harness, "--harness", "the shared benchmark harness (run_diag.py)")
    cases = [json.loads(x) for x in args.cases.read_text().splitlines() if x.strip()][: args.limit]
    base = args.cases.parent
    with tempfile.TemporaryDirectory() as tmp:
        subset = Path(tmp) / "cases.jsonl"
        subset.write_text("".join(json.dumps({**c, "path": str(base / c["path"])}) + "\n" for c in cases))
        out = Path(tmp) / "server.jsonl"
        cmd = [sys.executable, str(args.harness / "run_diag.py"), "--server",
               f"cmd:{sys.executable} -m kube_lsp serve", "--cases", str(subset), "--out", str(out),
               "--settle-ms", "150", "--empty-grace-ms", "400", "--root", str(base / "files")]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            print(proc.stdout, proc.stderr, file=sys.stderr)
            return 2
        server = {json.loads(x)["path"]: json.loads(x) for x in out.read_text().splitlines() if x.strip()}
    paths = [str(base / c["path"]) for c in cases]
    check = subprocess.run([sys.executable, "-m", "kube_lsp", "check", "--format", "json", "-q", *paths],
                           capture_output=True, text=True, check=False)
    cli: dict[str, Counter[tuple[int, str, str]]] = {p: Counter() for p in paths}
    for f in json.loads(check.stdout)["findings"]:
        cli[f["path"]][(f["line"], f["code"], f["message"])] += 1
    agree = 0
    total_findings = 0
    for c, p in zip(cases, paths, strict=True):
        rec = server.get(p) or server.get(c["path"]) or {}
        got = Counter((d["line"], d.get("code"), d["message"]) for d in rec.get("diagnostics", []))
        total_findings += sum(cli[p].values())
        if got == cli[p]:
            agree += 1
        else:
            print(f"DIFF {c['id']}: server-only {sorted((got - cli[p]).elements())} "
                  f"cli-only {sorted((cli[p] - got).elements())}")
    print(f"server vs CLI on {args.cases}: {agree}/{len(cases)} files identical "
          f"({total_findings} findings compared by line, code and message)")
    return 0 if agree == len(cases) else 1


if __name__ == "__main__":
    sys.exit(main())
