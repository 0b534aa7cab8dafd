"""Semantic detection benchmark: `kube-lsp check --format json` over ../shared/bench/cases-dev-semantic.

Usage: python bench/semantic.py [--cases .../cases.jsonl] [--family server_validation|cross_resource]
                                [--show-misses] [--show-clean]

Scored as that folder's README says: a fault counts when an error or warning starts on its `line` (or an
`accept_lines` line) of its file. Single files are checked in one run; each folder case is checked in a run
of its own (a folder is one workspace: objects of other cases must not be seen). "named" counts the
faults whose finding on the line names the intended value (`original`) in its message or in a fix; "target"
also counts a finding that points at the case's `referent` (the other definition of a duplicate object, the
first setting of a repeated env var: there the original name is gone from the folder, the other end is the
target).
Clean files and folders report the error findings on them (false alarms) and, with --show-clean, every
finding.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from _inputs import SHARED, require

DEFAULT_CASES = SHARED / "bench" / "cases-dev-semantic" / "cases.jsonl"


def check(paths: list[str], kube_version: str | None) -> list[dict[str, Any]]:
    cmd = [sys.executable, "-m", "kube_lsp", "check", "--format", "json", "-q", "--no-cache", *paths]
    if kube_version:
        cmd[4:4] = ["--kube-version", kube_version]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 1):
        sys.exit(f"kube-lsp check failed ({proc.returncode}): {proc.stderr}")
    findings: list[dict[str, Any]] = json.loads(proc.stdout)["findings"]
    return findings


def names_it(f: dict[str, Any], original: str) -> bool:
    if not original:
        return False
    if original in f["message"]:
        return True
    return any(original in e.get("newText", "") for fx in f.get("fixes", []) for e in fx.get("edits", []))


def points_at(f: dict[str, Any], referent: dict[str, Any] | None) -> bool:
    """Whether the finding names the place of the case's `referent` (the other definition of a duplicate, the
    first of a repeated env var): in its related places or as a line in its message."""
    if not referent:
        return False
    line = referent.get("line") or referent.get("first_line")
    if not isinstance(line, int):
        return False
    file = str(referent.get("file") or "")
    if any(r.get("line") == line and str(r.get("path", "")).endswith(file) for r in f.get("related", [])):
        return True
    return f"{file}:{line}" in f["message"] if file else f"line {line}" in f["message"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    ap.add_argument("--family", choices=("server_validation", "cross_resource"))
    ap.add_argument("--kube-version")
    ap.add_argument("--show-misses", action="store_true")
    ap.add_argument("--show-clean", action="store_true", help="print every finding on clean cases")
    args = ap.parse_args()
    require(ap, args.cases, "--cases", "the semantic fault cases (cases.jsonl)")
    base = args.cases.parent
    cases = [json.loads(line) for line in args.cases.read_text().splitlines() if line.strip()]
    if args.family:
        cases = [c for c in cases if c["category"] in (args.family, "clean")]

    def file_of(c: dict[str, Any]) -> str:
        return str(base / c["path"] / c["file"]) if c.get("file") else str(base / c["path"])

    by_file: dict[str, list[dict[str, Any]]] = defaultdict(list)
    single = [str(base / c["path"]) for c in cases if not (base / c["path"]).is_dir()]
    for f in check(single, args.kube_version) if single else []:
        by_file[f["path"]].append(f)
    for c in cases:
        if (base / c["path"]).is_dir():
            for f in check([str(base / c["path"])], args.kube_version):
                by_file[f["path"]].append(f)

    hit: Counter[str] = Counter()
    named: Counter[str] = Counter()
    target: Counter[str] = Counter()
    total: Counter[str] = Counter()
    clean_errors: Counter[str] = Counter()
    misses: list[Any] = []
    for c in cases:
        if c["category"] == "clean":
            kind = "folder" if (base / c["path"]).is_dir() else "file"
            total[f"clean/{kind}"] += 1
            prefix = str(base / c["path"])
            fs = [f for p, ff in by_file.items() if p == prefix or p.startswith(prefix + "/") for f in ff]
            errs = [f for f in fs if f["severity"] == "error"]
            clean_errors[kind] += len(errs)
            if errs or (args.show_clean and fs):
                misses.append(("CLEAN", c["id"], [(Path(f["path"]).name, f["line"], f["severity"], f["code"],
                                                    f["message"][:110]) for f in (fs if args.show_clean else errs)]))
            continue
        key = f"{c['category']}/{c['subtype']}"
        total[key] += 1
        lines = set(c.get("accept_lines") or [c["line"]])
        fs = by_file.get(file_of(c), [])
        on_line = [f for f in fs if f["line"] in lines and f["severity"] in ("error", "warning")]
        if on_line:
            hit[key] += 1
            if any(names_it(f, str(c.get("original") or "")) for f in on_line):
                named[key] += 1
            if any(names_it(f, str(c.get("original") or "")) or points_at(f, c.get("referent")) for f in on_line):
                target[key] += 1
        elif args.show_misses:
            misses.append(("MISS", c["id"], c.get("note"), [(f["line"], f["code"], f["message"][:90]) for f in fs]))

    print(f"kube-lsp semantic detection on {args.cases}")
    print(f"{'family/subtype':<46} {'on line':>9} {'%':>6} {'named':>9} {'target':>9}")
    for fam in ("server_validation", "cross_resource"):
        keys = sorted(k for k in total if k.startswith(fam + "/"))
        if not keys:
            continue
        for k in keys:
            print(f"{k:<46} {hit[k]:>4}/{total[k]:<4} {100 * hit[k] / total[k]:6.1f} {named[k]:>5}/{total[k]:<3} "
                  f"{target[k]:>5}/{total[k]:<3}")
        n, h, m = sum(total[k] for k in keys), sum(hit[k] for k in keys), sum(named[k] for k in keys)
        t = sum(target[k] for k in keys)
        print(f"{fam + ' (all)':<46} {h:>4}/{n:<4} {100 * h / n:6.1f} {m:>5}/{n:<3} {t:>5}/{n:<3} "
              f"({100 * m / n:.1f}% / {100 * t / n:.1f}%)")
    print(f"clean: {total['clean/file']} files, {total['clean/folder']} folders; error findings on them: "
          f"{clean_errors['file']} in files, {clean_errors['folder']} in folders")
    for m in misses:
        print(*m)
    return 0


if __name__ == "__main__":
    sys.exit(main())
