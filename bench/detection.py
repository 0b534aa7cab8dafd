"""Detection benchmark: run `kube-lsp check --format json` over injected-fault cases, score per category.

Usage: python bench/detection.py [--cases ../shared/bench/cases-dev/cases.jsonl] [--kube-version X.Y]

A case counts as detected when an error or warning starts on its fault line (`line` or `accept_lines`).
For key_typo the finding on that line must also suggest the case's `original` key, and for
indent_wrong_level name the parent path where the key belongs, to count as "named the target".
Clean files report the number of error findings (false alarms).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from _inputs import SHARED, require

DEFAULT_CASES = SHARED / "bench" / "cases-dev" / "cases.jsonl"


def parent_path(yaml_path: str, key: str) -> str:
    """`spec.template.spec.containers` → `spec.template.spec`; "" for a top-level key (keys may hold dots)."""
    if yaml_path == key:
        return ""
    if yaml_path.endswith("." + key):
        return yaml_path[: -len(key) - 1]
    return yaml_path.rsplit(".", 1)[0] if "." in yaml_path else ""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    ap.add_argument("--kube-version")
    ap.add_argument("--show-misses", action="store_true")
    args = ap.parse_args()
    require(ap, args.cases, "--cases", "the fault cases (cases.jsonl)")
    base = args.cases.parent
    cases = [json.loads(line) for line in args.cases.read_text().splitlines() if line.strip()]
    paths = [str(base / c["path"]) for c in cases]
    cmd = [sys.executable, "-m", "kube_lsp", "check", "--format", "json", "-q", *paths]
    if args.kube_version:
        cmd[4:4] = ["--kube-version", args.kube_version]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 1):
        print(proc.stderr, file=sys.stderr)
        return 2
    report = json.loads(proc.stdout)
    by_path: dict[str, list[dict]] = defaultdict(list)
    for f in report["findings"]:
        by_path[f["path"]].append(f)

    hit: dict[str, int] = defaultdict(int)
    named: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    clean_errors = clean_files_with_errors = 0
    misses = []
    for c, p in zip(cases, paths, strict=True):
        cat = c["category"]
        total[cat] += 1
        fs = by_path.get(p, [])
        if cat == "clean":
            errs = [f for f in fs if f["severity"] == "error"]
            clean_errors += len(errs)
            clean_files_with_errors += bool(errs)
            if errs and args.show_misses:
                misses.append((c["id"], [(f["line"], f["code"], f["message"]) for f in errs]))
            continue
        lines = set(c.get("accept_lines") or [c["line"]])
        on_line = [f for f in fs if f["line"] in lines and f["severity"] in ("error", "warning")]
        if on_line:
            hit[cat] += 1
        elif args.show_misses:
            misses.append((c["id"], c.get("note"), [(f["line"], f["code"], f["message"][:90]) for f in fs]))
        if cat == "key_typo" and any(f"`{c['original']}`" in f["message"] for f in on_line):
            named[cat] += 1
        if cat == "indent_wrong_level":
            target = parent_path(c["yaml_path"], c["key"])
            wanted = f"under `{target}`" if target else "top level"
            if any(wanted in f["message"] for f in on_line):
                named[cat] += 1

    print(f"kube-lsp detection on {args.cases} (kubernetes {report['summary']['kubernetesVersion']})")
    print(f"{'category':<20} {'on line':>9} {'%':>6}   {'named target':>12}")
    found = faults = 0
    for cat in sorted(total):
        if cat == "clean":
            continue
        n = total[cat]
        found += hit[cat]
        faults += n
        extra = ""
        if cat in ("key_typo", "indent_wrong_level"):
            extra = f"{named[cat]:>5}/{n:<3} {100 * named[cat] / n:5.1f}%"
        print(f"{cat:<20} {hit[cat]:>4}/{n:<4} {100 * hit[cat] / n:6.1f}   {extra}")
    print(f"{'all faults':<20} {found:>4}/{faults:<4} {100 * found / max(faults, 1):6.1f}")
    print(f"clean files: {total['clean']}, error findings on them: {clean_errors} "
          f"(files with any error: {clean_files_with_errors})")
    for m in misses:
        print("MISS", *m)
    return 0


if __name__ == "__main__":
    sys.exit(main())
