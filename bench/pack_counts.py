"""Per-rule finding counts of the KL4xx packs on the clean real-world files of ../shared: the data behind each
rule's default (README "Defaults from data").

Usage: python bench/pack_counts.py [--shared ../shared] [--markdown]

Corpora: `corpus/` (the files MANIFEST.tsv marks `ok`), `bench/cases-dev/files` (the `clean` cases) and
`bench/cases-dev-semantic` (the `clean` files and folders). Every KL4xx rule is switched on (all packs, and
`podSecurity: baseline` for KL400-KL411, `restricted` for KL412-KL417, `off` for KL429-KL430); a rule's row says on
how many files it fires and how many findings it makes, per corpus. The default-on threshold used for the packs: a
rule is on by default only when it fires on at most 5% of the clean files of every corpus (and never as an error).
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import Counter, defaultdict
from pathlib import Path

from _inputs import SHARED, require

from kube_lsp.config import Settings
from kube_lsp.engine import Engine
from kube_lsp.inputs import read_path
from kube_lsp.rules import ALL_RULES, pack_names

RESTRICTED_ONLY = frozenset({"KL412", "KL413", "KL414", "KL415", "KL416", "KL417"})
# The security pack's host rules speak only where no Pod Security level does: counted with podSecurity off.
PSS_OFF_ONLY = frozenset({"KL429", "KL430"})


def corpora(shared: Path) -> dict[str, list[Path]]:
    out: dict[str, list[Path]] = {}
    corpus = shared / "corpus"
    with open(corpus / "MANIFEST.tsv", encoding="utf-8") as fh:
        out["corpus"] = [corpus / r["corpus_path"] for r in csv.DictReader(fh, delimiter="\t") if r["baseline"] == "ok"]
    for name, folder in (("cases-dev", shared / "bench" / "cases-dev"),
                         ("cases-dev-semantic", shared / "bench" / "cases-dev-semantic")):
        files: list[Path] = []
        with open(folder / "cases.jsonl", encoding="utf-8") as fh:
            for line in fh:
                case = json.loads(line)
                if case["category"] != "clean":
                    continue
                p = folder / case["path"]
                files.extend(sorted(q for q in p.rglob("*") if q.suffix in (".yaml", ".yml")) if p.is_dir() else [p])
        out[name] = files
    return out


def count(files: list[Path], engine: Engine, codes: frozenset[str]) -> tuple[Counter[str], Counter[str]]:
    """(files with a finding, findings) per rule code, over `files`, for the codes in `codes`."""
    per_file: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for path in files:
        src = read_path(path)
        if src.text is None:
            continue
        seen = set()
        for f in engine.analyse(src.text, origin=str(path)).findings:
            if f.code in codes:
                total[f.code] += 1
                seen.add(f.code)
        per_file.update(seen)
    return per_file, total


def main() -> None:
    ap = argparse.ArgumentParser(prog="pack_counts.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table (for the README)")
    args = ap.parse_args()
    require(ap, args.shared / "corpus", "--shared", "the shared material")
    all_on = {p: True for p in pack_names()}
    kl4 = [r for r in ALL_RULES if r.code.startswith("KL4") and r.check is not None]
    baseline = Engine(Settings().merged({"podSecurity": "baseline", "packs": all_on}))
    restricted = Engine(Settings().merged({"podSecurity": "restricted", "packs": all_on}))
    pss_off = Engine(Settings().merged({"podSecurity": "off", "packs": all_on}))
    data: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
    sizes = {}
    for name, files in corpora(args.shared).items():
        sizes[name] = len(files)
        for engine, codes in ((baseline, frozenset(r.code for r in kl4) - RESTRICTED_ONLY - PSS_OFF_ONLY),
                              (restricted, RESTRICTED_ONLY), (pss_off, PSS_OFF_ONLY)):
            per_file, total = count(files, engine, codes)
            for code in codes:
                data[code][name] = (per_file[code], total[code])
    names = list(sizes)
    if args.markdown:
        head = " | ".join(f"{n} ({sizes[n]} files)" for n in names)
        print(f"| Rule | Pack | Default | {head} |")
        print("| --- | --- | --- |" + " --- |" * len(names))
    else:
        print(f"{'rule':<34} {'pack':<12} {'default':<8} " + " ".join(f"{n + f' ({sizes[n]})':>26}" for n in names))
        print(" " * 56 + " ".join(f"{'files  %  findings':>26}" for _ in names))
    for r in kl4:
        default = r.severity.label if r.enabled else "off"
        if r.pack == "pod-security" and r.severity.label != "error":
            default = "restricted level" if r.code in RESTRICTED_ONLY else "on (baseline level)"
        cells = []
        for n in names:
            files_hit, findings = data[r.code].get(n, (0, 0))
            pct = 100.0 * files_hit / sizes[n] if sizes[n] else 0.0
            cells.append((files_hit, pct, findings))
        if args.markdown:
            row = " | ".join(f"{f} ({p:.0f}%), {t}" for f, p, t in cells)
            print(f"| {r.code} `{r.name}` | {r.pack} | {default} | {row} |")
        else:
            print(f"{r.code + ' ' + r.name:<34} {r.pack:<12} {default:<8} "
                  + " ".join(f"{f:>9} {p:>5.1f}% {t:>8}" for f, p, t in cells))


    # The default set as shipped: how many clean files get a KL4xx warning or error at all.
    default = Engine()
    for n, files in corpora(args.shared).items():
        warned = errored = 0
        for path in files:
            src = read_path(path)
            fs = [f for f in default.analyse(src.text, origin=str(path)).findings if f.code.startswith("KL4")] \
                if src.text is not None else []
            warned += any(f.severity.label == "warning" for f in fs)
            errored += any(f.severity.label == "error" for f in fs)
        line = f"default settings, {n}: {warned} of {len(files)} clean files get a KL4xx warning, {errored} an error"
        print(("\n" if n == names[0] else "") + (f"- {line}" if args.markdown else line))


if __name__ == "__main__":
    main()
