"""`kube-lsp check --fix` on copies of fault cases: how often the fixed file has no error left.

Usage: python bench/fix_roundtrip.py [--cases ../shared/bench/cases-dev/cases.jsonl]
       [--categories key_typo,tab_indent,indent_wrong_level]

For each case the mutated file is copied to a temporary directory, fixed in place with one
`kube-lsp check --fix` run (all copies at once), then checked again. Prints per category the share of
files left with no error finding, and the share that became byte-identical to the corpus original.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from _inputs import SHARED, require

DEFAULT_CASES = SHARED / "bench" / "cases-dev" / "cases.jsonl"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    ap.add_argument("--categories", default="key_typo,tab_indent,indent_wrong_level")
    ap.add_argument("--corpus", type=Path, default=None, help="originals (default: the cases' ../corpus)")
    args = ap.parse_args()
    require(ap, args.cases, "--cases", "the fault cases (cases.jsonl)")
    base = args.cases.parent
    corpus = args.corpus or base.parent.parent / "corpus"
    require(ap, corpus, "--corpus", "the original manifests")
    wanted = set(args.categories.split(","))
    cases = [json.loads(x) for x in args.cases.read_text().splitlines() if x.strip()]
    cases = [c for c in cases if c["category"] in wanted]
    with tempfile.TemporaryDirectory() as tmp:
        copies = []
        for c in cases:
            dst = Path(tmp) / c["id"] / Path(c["path"]).name
            dst.parent.mkdir(parents=True)
            shutil.copy(base / c["path"], dst)
            copies.append(dst)
        kube = [sys.executable, "-m", "kube_lsp", "check", "-q"]
        subprocess.run([*kube, "--fix", *map(str, copies)], capture_output=True, check=False)
        proc = subprocess.run([*kube, "--format", "json", *map(str, copies)], capture_output=True, text=True,
                              check=False)
        errors: dict[str, int] = defaultdict(int)
        for f in json.loads(proc.stdout)["findings"]:
            if f["severity"] == "error":
                errors[f["path"]] += 1
        clean: dict[str, int] = defaultdict(int)
        same: dict[str, int] = defaultdict(int)
        total: dict[str, int] = defaultdict(int)
        leftovers = []
        for c, dst in zip(cases, copies, strict=True):
            cat = c["category"]
            total[cat] += 1
            if errors.get(str(dst), 0) == 0:
                clean[cat] += 1
            else:
                leftovers.append(c["id"])
            original = corpus / c["source"]
            if original.is_file() and dst.read_bytes() == original.read_bytes():
                same[cat] += 1
    print(f"kube-lsp --fix round trip on {args.cases}")
    print(f"{'category':<20} {'no error left':>15} {'identical to original':>24}")
    for cat in sorted(total):
        n = total[cat]
        print(f"{cat:<20} {clean[cat]:>6}/{n:<3} {100 * clean[cat] / n:5.1f}% "
              f"{same[cat]:>12}/{n:<3} {100 * same[cat] / n:5.1f}%")
    if leftovers:
        print("errors left in:", ", ".join(leftovers))
    return 0


if __name__ == "__main__":
    sys.exit(main())
