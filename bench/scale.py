"""How `kube-lsp check` scales: many files (1k / 10k / 100k documents, 5 per file) and single big files
(1k / 10k / 100k lines), each checked cold (empty cache) and warm (unchanged re-run), with wall time, peak
RSS and throughput per size; yaml-language-server's figures for the same single files next to them.

    python bench/scale.py [--corpus DIR] [--sizes docs:1k,docs:10k,lines:10k] [--yamlls] [--kube-lsp CMD]

Inputs are generated from the real manifests of the corpus (default ../shared/corpus): its documents,
copied round-robin, each copy made distinct by a comment line, so the mix of kinds, CRLF files and real
mistakes is the corpus's own. Peak RSS: `max` is the largest single process (getrusage RUSAGE_CHILDREN of a
wrapper that runs one check: the main process or any worker it reaped); `tree` is the largest sum of RSS over
the process tree sampled from /proc every 20 ms (forked workers share pages, so the sum overcounts).
CPU is user + system seconds of the check and all its workers (less sensitive than wall time to other load on
the machine). Figures on a shared machine are noisy: `--repeat` gives medians.

Bytecode: an installed kube-lsp has its modules compiled (pip does it), so every run here does too: the runs
write bytecode under the bench's temporary directory (PYTHONPYCACHEPREFIX, also when PYTHONDONTWRITEBYTECODE
is set in the environment) and one uncached check of a small file compiles everything before the first
measurement. `--no-bytecode` compiles every module on every run instead (as with PYTHONDONTWRITEBYTECODE).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _inputs import SHARED, require  # noqa: E402

DEFAULT_SIZES = "docs:1k,docs:10k,lines:1k,lines:10k,lines:100k"
ALL_SIZES = "docs:1k,docs:10k,docs:100k,lines:1k,lines:10k,lines:100k"
DOCS_PER_FILE = 5
HARNESS = SHARED / "bench" / "harness"

_WRAPPER = r"""
import resource, subprocess, sys, json, time
t = time.perf_counter()
proc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
wall = time.perf_counter() - t
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": proc.returncode, "wall": wall, "stderr": proc.stderr[-2000:],
                  "maxrss_kb": usage.ru_maxrss, "cpu": usage.ru_utime + usage.ru_stime}))
"""


def corpus_documents(corpus: Path) -> list[str]:
    """Every non-empty document of the corpus, with its own line terminators, ending in a newline."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from kube_lsp.parsing.text import split_documents

    docs = []
    for path in sorted(corpus.rglob("*")):
        if path.suffix not in (".yaml", ".yml") or not path.is_file():
            continue
        text = path.read_bytes().decode("utf-8", "replace").removeprefix("\ufeff")
        for chunk in split_documents(text):
            if not chunk.has_content:
                continue
            body = chunk.text
            if body.startswith("---"):
                body = body.split("\n", 1)[1] if "\n" in body else ""
            if body.strip() and "CustomResourceDefinition" not in body:  # thousands of copies of one CRD
                docs.append(body if body.endswith("\n") else body + "\n")
    return docs


def make_tree(root: Path, docs: list[str], n_docs: int) -> int:
    """n_docs documents in n_docs / 5 files under root (100 files per directory); returns the line count."""
    lines = 0
    for f in range(n_docs // DOCS_PER_FILE):
        d = root / f"team-{f // 100:04d}"
        d.mkdir(parents=True, exist_ok=True)
        parts = [f"# generated copy {f}\n"]
        for j in range(DOCS_PER_FILE):
            parts.append(("---\n" if j else "") + docs[(f * DOCS_PER_FILE + j) % len(docs)])
        text = "".join(parts)
        lines += text.count("\n")
        (d / f"app-{f:05d}.yaml").write_text(text, encoding="utf-8", newline="")
    return lines


def make_file(path: Path, docs: list[str], n_lines: int) -> int:
    """One file of about n_lines lines (whole documents); returns its document count."""
    parts, lines, i = [], 0, 0
    while lines < n_lines:
        doc = docs[i % len(docs)].replace("\r\n", "\n")
        parts.append(("---\n" if i else "") + f"# copy {i}\n" + doc)
        lines += doc.count("\n") + 1 + bool(i)
        i += 1
    path.write_text("".join(parts), encoding="utf-8")
    return i


def measure(cmd: list[str], env: dict[str, str]) -> dict[str, float]:
    """One run: wall seconds, peak RSS of the largest process and of the sampled tree (MB)."""
    proc = subprocess.Popen([sys.executable, "-c", _WRAPPER, *cmd], stdout=subprocess.PIPE, env=env, text=True)
    tree_peak = 0
    while proc.poll() is None:
        tree_peak = max(tree_peak, _tree_rss_kb(proc.pid))
        time.sleep(0.02)
    out = json.loads(proc.communicate()[0])
    if out["rc"] not in (0, 1) or "Traceback" in out["stderr"]:
        raise SystemExit(f"{shlex.join(cmd)} exited {out['rc']}: {out['stderr']}")
    return {"wall": out["wall"], "cpu": out["cpu"], "max_mb": out["maxrss_kb"] / 1024, "tree_mb": tree_peak / 1024}


def _tree_rss_kb(pid: int) -> int:
    """Sum of VmRSS over the process `pid` and its descendants (0 off Linux)."""
    try:
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                except OSError:
                    continue
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
    except OSError:
        return 0
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def bytecode_env(work: Path, base_cmd: list[str], docs: list[str], extra: list[str]) -> None:
    """Let the runs keep bytecode under `work` and compile it now (see the module docstring)."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ.setdefault("PYTHONPYCACHEPREFIX", str(work / "pycache"))
    sample = work / "warm-up" / "sample.yaml"
    sample.parent.mkdir(parents=True)
    make_file(sample, docs, 300)
    env = {**os.environ, "XDG_CACHE_HOME": str(work / "warm-up" / "cache")}
    subprocess.run([*base_cmd, "check", "--output-format", "json", "-q", *extra, str(sample)], env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def run_size(kind: str, n: int, docs: list[str], work: Path, base_cmd: list[str], repeat: int,
             cache: bool, extra: list[str]) -> dict[str, object]:
    target = work / f"{kind}-{n}"
    if kind == "docs":
        lines = make_tree(target, docs, n)
        units, unit = n, "docs"
        path = target
    else:
        target.mkdir(parents=True)
        path = target / "big.yaml"
        n_docs = make_file(path, docs, n)
        lines, units, unit = n, n, "lines"
        _ = n_docs
    env = dict(os.environ)
    cache_home = work / f"cache-{kind}-{n}"
    env["XDG_CACHE_HOME"] = str(cache_home)
    cmd = [*base_cmd, "check", "--output-format", "json", "-q", *extra, str(path)]
    colds, warms = [], []
    for _ in range(repeat):
        shutil.rmtree(cache_home, ignore_errors=True)
        colds.append(measure(cmd, env))
        if cache:
            warms.append(measure(cmd, env))
    row: dict[str, object] = {"size": f"{kind}:{_short(n)}", "unit": unit, "units": units, "lines": lines,
                              "path": str(path)}
    for name, runs in (("cold", colds), ("warm", warms)):
        if runs:
            wall = statistics.median(r["wall"] for r in runs)
            row[name] = {"wall": wall, "rate": units / wall, "cpu": statistics.median(r["cpu"] for r in runs),
                         "max_mb": statistics.median(r["max_mb"] for r in runs),
                         "tree_mb": statistics.median(r["tree_mb"] for r in runs)}
    return row


def yamlls(path: Path, repeat: int) -> dict[str, float] | str:
    """yaml-language-server: didOpen → first publishDiagnostics (cold server) and its peak RSS."""
    deps = Path(os.environ.get("KUBE_EVAL_DEPS", Path.home() / ".cache" / "kube-lsp-bench-deps"))
    if not (deps / "node_modules" / ".bin" / "yaml-language-server").exists():
        return f"yaml-language-server not installed in {deps} (see {HARNESS / '..' / 'README.md'})"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "lat.json"
        proc = subprocess.run([sys.executable, str(HARNESS / "latency.py"), "--server", "yamlls", "--file",
                               str(path), "--repeat", str(repeat), "--out", str(out), "--timeout", "600"],
                              capture_output=True, text=True)
        if proc.returncode or not out.exists():
            return f"latency.py failed: {proc.stderr.strip()[-300:]}"
        return json.loads(out.read_text())  # type: ignore[no-any-return]


def _short(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def _parse_size(text: str) -> tuple[str, int]:
    kind, _, num = text.partition(":")
    if kind not in ("docs", "lines") or not num:
        raise argparse.ArgumentTypeError(f"bad size {text!r}: use docs:N or lines:N (N may end in k)")
    return kind, int(float(num[:-1]) * 1000) if num.endswith("k") else int(num)


def _yamlls_cells(res: dict[str, object] | str, lines: int) -> str:
    if isinstance(res, str):
        return res
    summary = res.get("summary")
    if not isinstance(summary, dict):
        return f"unexpected latency.py output: {json.dumps(res)[:300]}"

    def med(key: str) -> float:
        v = summary.get(key)
        return float(v["median"]) if isinstance(v, dict) and v.get("median") is not None else float("nan")

    init, first = med("initialize_ms") / 1000, med("open_cold_first_ms") / 1000
    return (f"initialize {init:.2f} s + didOpen→first publishDiagnostics {first:.2f} s = {init + first:.2f} s "
            f"({lines / (init + first):.0f} lines/s), peak RSS {med('rss_peak_kb') / 1024:.0f} MB")


def main() -> int:
    parser = argparse.ArgumentParser(prog="scale.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=SHARED / "corpus")
    parser.add_argument("--sizes", default=DEFAULT_SIZES,
                        help=f"comma-separated docs:N / lines:N (default {DEFAULT_SIZES}; all: {ALL_SIZES})")
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement (medians)")
    parser.add_argument("--kube-lsp", default=f"{shlex.quote(sys.executable)} -m kube_lsp",
                        help="command that runs kube-lsp (default: this Python's kube_lsp)")
    parser.add_argument("--baseline", action="store_true",
                        help="cold runs only, without --no-cache (for a kube-lsp that has no cache)")
    parser.add_argument("--check-args", default="", metavar="ARGS",
                        help="more arguments for kube-lsp check, e.g. '--no-cache' (then use --baseline too)")
    parser.add_argument("--yamlls", action="store_true",
                        help="also yaml-language-server on the single files (harness/latency.py)")
    parser.add_argument("--json", type=Path, help="write the rows here")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="compile every module on every run (see the module docstring)")
    args = parser.parse_args()
    require(parser, args.corpus, "--corpus", "the corpus of manifests")
    sizes = [_parse_size(s) for s in (ALL_SIZES if args.sizes == "all" else args.sizes).split(",")]
    docs = corpus_documents(args.corpus)
    print(f"corpus: {args.corpus}: {len(docs)} documents; {os.cpu_count()} cores; kube-lsp: {args.kube_lsp}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="kube-lsp-scale-") as tmp:
        if args.no_bytecode:
            os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
        else:
            bytecode_env(Path(tmp), shlex.split(args.kube_lsp), docs, shlex.split(args.check_args))
        for kind, n in sizes:
            row = run_size(kind, n, docs, Path(tmp), shlex.split(args.kube_lsp), args.repeat, not args.baseline,
                           shlex.split(args.check_args))
            if kind == "lines" and args.yamlls:
                row["yamlls"] = yamlls(Path(str(row["path"])), args.repeat)
            rows.append(row)
            _print_row(row)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


def _print_row(row: dict[str, object]) -> None:
    cells = [f"{row['size']:>11}"]
    for name in ("cold", "warm"):
        r = row.get(name)
        if isinstance(r, dict):
            cells.append(f"{name} {r['wall']:7.2f} s (CPU {r['cpu']:6.2f} s) {r['rate']:8.0f} {row['unit']}/s "
                         f"RSS max {r['max_mb']:5.0f} MB tree {r['tree_mb']:5.0f} MB")
    if isinstance(row.get("cold"), dict) and isinstance(row.get("warm"), dict):
        cold, warm = row["cold"], row["warm"]
        assert isinstance(cold, dict) and isinstance(warm, dict)
        cells.append(f"warm {cold['wall'] / warm['wall']:.1f}x faster")
    print(" | ".join(cells), flush=True)
    if "yamlls" in row:
        print(f"{'':>11}   yaml-language-server: {_yamlls_cells(row['yamlls'], int(str(row['lines'])))}",  # type: ignore[arg-type]
              flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
