"""Speed benchmark: `kube-lsp check` against the `kubernetes-validate` CLI, end to end, side by side.

Usage: python bench/speed.py [--corpus ../shared/corpus] [--repeat 3] [--min-docs 2000]
       [--kube-lsp "python -m kube_lsp"] [--kubernetes-validate CMD] [--kv-repeat 1]
       [--skip-kubernetes-validate] [--no-bytecode-cache]

Cases, all timed as whole processes (interpreter start-up included):

  stream    ONE file of >= --min-docs documents: the corpus manifests (every *.yaml / *.yml file that
            `kube-lsp check DIR` would pick up) joined with `---` lines, cycled until the document
            count is reached. Written to a temporary directory; documents are counted by composing the
            stream with ruamel.yaml (empty documents do not count) and cross-checked against the
            count kube-lsp reports in its JSON summary.
  files     the corpus as separate files: kube-lsp gets the directory, kubernetes-validate the file list.
  start-up  `kube-lsp check` (text output) on a 21-line Deployment; median of max(5, --repeat) runs
            (kubernetes-validate: --kv-repeat runs on the same file).

kube-lsp runs `check --no-cache --format json -q` (analysis, not the cache of findings: bench/scale.py
measures that), --repeat times per case (median reported); kubernetes-validate
runs `--strict --quiet FILES`, --kv-repeat times (default once: it is slow). Non-zero exit codes from
findings are expected. Memory: "max RSS" is the largest resident set of any single process of the run
(os.wait4 rusage of the child, which folds in its reaped worker processes, same figure as
`/usr/bin/time -f %M`). kube-lsp analyses big inputs in forked worker processes, so one extra untimed
run per case samples the whole process tree every 10 ms and reports the peak of the summed PSS
("tree PSS", Linux only). The memory target is judged on the larger of the two.

Each tool first runs once unreported (warm page cache and bytecode). Children run without
PYTHONDONTWRITEBYTECODE and with PYTHONPYCACHEPREFIX in the temp dir, so an editable checkout is not
recompiled at every start (an installed wheel has its bytecode); --no-bytecode-cache keeps the
environment as it is.

Targets: >= 1,000 docs/s end to end on the stream; >= 20x kubernetes-validate in docs/s (stream and
files, judged separately); peak memory <= 300 MB; start-up <= 0.5 s.

This prints figures; it is not a test. The machine is shared, so the load average before and after is
printed: compare runs made under similar load. Exit status is 0 unless a tool crashed.
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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from _inputs import SHARED, require

DEFAULT_CORPUS = SHARED / "corpus"
YAML_SUFFIXES = (".yaml", ".yml")

TARGET_DOCS_PER_S = 1_000.0
TARGET_RATIO = 20.0
TARGET_MEMORY_MB = 300.0
TARGET_STARTUP_S = 0.5

SMALL_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports:
            - containerPort: 80
"""


# --------------------------------------------------------------------------- inputs


def corpus_files(root: Path) -> list[Path]:
    """The files `kube-lsp check ROOT` analyses: YAML files found recursively, hidden dirs skipped."""
    out: list[Path] = []
    for dirpath, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "node_modules")
        out.extend(Path(dirpath) / name for name in sorted(files) if name.endswith(YAML_SUFFIXES))
    return out


def _is_content(line: str) -> bool:
    s = line.strip()
    return bool(s) and not s.startswith("#")


def count_documents_text(text: str) -> int:
    """Stdlib fallback: non-empty chunks between `---` / `...` marker lines (directives ignored)."""
    count, has_content = 0, False
    for line in text.splitlines():
        if line.startswith("---") and (len(line) == 3 or line[3] in " \t"):
            count += has_content
            has_content = _is_content(line[3:])
        elif line.startswith("...") and (len(line) == 3 or line[3] in " \t"):
            count += has_content
            has_content = False
        elif not line.startswith("%"):
            has_content = has_content or _is_content(line)
    return count + has_content


def make_counter() -> tuple[str, Callable[[str], int]]:
    """(method name, text -> document count). Prefers a real YAML parse with ruamel.yaml."""
    try:
        from ruamel.yaml import YAML
        from ruamel.yaml.nodes import ScalarNode
    except ImportError:
        return "---/... chunks (ruamel.yaml not importable)", count_documents_text
    yaml = YAML(typ="safe", pure=False)

    def count(text: str) -> int:
        # compose (no construction): duplicate keys etc. do not matter, an empty document is a bare null.
        return sum(
            not (isinstance(n, ScalarNode) and str(n.tag).endswith(":null") and n.value == "")
            for n in yaml.compose_all(text)
        )

    return "ruamel.yaml compose_all", count


def stream_part(text: str) -> str:
    """A file's text made safe to follow a `---` line: newline-terminated, no leading bare `---`."""
    if not text.endswith("\n"):
        text += "\n"
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.strip() == "---":
            del lines[i]  # the joining `---` already starts this document
            break
        if _is_content(line):
            if line.startswith("%"):
                lines.insert(0, "...\n")  # directives need the previous document closed
            break
    return "".join(lines)


def build_stream(files: list[Path], counts: dict[Path, int], min_docs: int) -> tuple[str, int, int]:
    """(stream text, expected documents, files used): the corpus cycled file by file up to min_docs."""
    usable = [p for p in files if counts[p] > 0]
    if not usable:
        raise SystemExit("corpus has no documents")
    parts: list[str] = []
    docs = 0
    while docs < min_docs:
        for p in usable:
            parts.append(stream_part(p.read_text(encoding="utf-8")))
            docs += counts[p]
            if docs >= min_docs:
                break
    return "---\n".join(parts), docs, len(parts)


# --------------------------------------------------------------------------- running


@dataclass
class Run:
    wall: float
    cpu: float
    max_rss_mb: float
    rc: int
    stdout: str
    stderr: str


def run(cmd: list[str], workdir: Path) -> Run:
    """Run cmd to completion: wall time from spawn to reap, and the child's max RSS via os.wait4."""
    out_path, err_path = workdir / "stdout.txt", workdir / "stderr.txt"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    # ru_maxrss: KiB on Linux, bytes on macOS.
    rss_mb = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    stdout, stderr = out_path.read_text(errors="replace"), err_path.read_text(errors="replace")
    return Run(wall, usage.ru_utime + usage.ru_stime, rss_mb, proc.returncode, stdout, stderr)


def _ppid_map() -> dict[int, int]:
    out: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as f:
                stat = f.read()
        except OSError:
            continue
        out[int(entry.name)] = int(stat.rpartition(")")[2].split()[1])
    return out


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def tree_memory_supported() -> bool:
    return Path("/proc/self/smaps_rollup").exists()


def peak_tree_pss(cmd: list[str], workdir: Path, interval: float = 0.01) -> float:
    """Untimed run of cmd; peak over 10 ms samples of the summed PSS (MB) of the process and descendants."""
    peak_kb = 0
    with open(os.devnull, "wb") as null:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=null, stderr=null)
        while proc.poll() is None:
            ppids = _ppid_map()
            tree, frontier = set(), [proc.pid]
            while frontier:
                pid = frontier.pop()
                tree.add(pid)
                frontier.extend(c for c, pp in ppids.items() if pp == pid and c not in tree)
            peak_kb = max(peak_kb, sum(_pss_kb(pid) for pid in tree))
            time.sleep(interval)
    return peak_kb / 1024


@dataclass
class Case:
    name: str
    tool: str
    docs: int
    runs: list[Run] = field(default_factory=list)
    tree_pss_mb: float | None = None

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    @property
    def docs_per_s(self) -> float:
        return self.docs / self.wall

    @property
    def max_rss_mb(self) -> float:
        return max(r.max_rss_mb for r in self.runs)


def check_kube_lsp_run(r: Run, case: str, expected_docs: int, warnings: list[str]) -> None:
    if r.rc not in (0, 1):
        sys.stderr.write(r.stderr)
        raise SystemExit(f"kube-lsp failed on {case}: exit code {r.rc}")
    try:
        summary = json.loads(r.stdout)["summary"]
    except (ValueError, KeyError, TypeError):
        warnings.append(f"{case}: kube-lsp JSON output has no summary; document count not cross-checked")
        return
    if summary.get("documents") != expected_docs:
        warnings.append(
            f"{case}: kube-lsp reports {summary.get('documents')} documents, "
            f"the benchmark counted {expected_docs}"
        )


def check_kv_run(r: Run, case: str) -> None:
    if "Traceback (most recent call last)" in r.stderr or r.rc not in (0, 1):
        sys.stderr.write(r.stderr[-3000:])
        raise SystemExit(f"kubernetes-validate failed on {case}: exit code {r.rc}")


def find_kubernetes_validate() -> list[str] | None:
    beside = Path(sys.executable).parent / "kubernetes-validate"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("kubernetes-validate")
    return [found] if found else None


# --------------------------------------------------------------------------- report


def fmt_int(x: float) -> str:
    return f"{x:,.0f}"


def print_table(cases: list[Case]) -> None:
    header = (
        f"{'case':<10} {'tool':<20} {'docs':>6} {'runs':>4} {'wall s':>7} {'min-max s':>12} "
        f"{'cpu s':>7} {'docs/s':>8} {'max RSS MB':>10} {'tree PSS MB':>11}"
    )
    print(header)
    print("-" * len(header))
    for c in cases:
        walls = [r.wall for r in c.runs]
        spread = f"{min(walls):.2f}-{max(walls):.2f}" if len(walls) > 1 else "-"
        pss = f"{c.tree_pss_mb:.1f}" if c.tree_pss_mb is not None else "-"
        print(
            f"{c.name:<10} {c.tool:<20} {c.docs:>6} {len(c.runs):>4} {c.wall:>7.3f} {spread:>12} "
            f"{c.cpu:>7.2f} {fmt_int(c.docs_per_s):>8} {c.max_rss_mb:>10.1f} {pss:>11}"
        )


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--repeat", type=int, default=3, help="kube-lsp runs per case (median reported)")
    ap.add_argument("--min-docs", type=int, default=2000, help="documents in the stream file")
    ap.add_argument("--kube-lsp", default=None, help="kube-lsp command (default: this Python -m kube_lsp)")
    ap.add_argument(
        "--kubernetes-validate",
        default=None,
        help="kubernetes-validate command (default: the one beside this Python, else on PATH)",
    )
    ap.add_argument("--kv-repeat", type=int, default=1, help="kubernetes-validate runs per case")
    ap.add_argument("--skip-kubernetes-validate", action="store_true")
    ap.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="run the tools with the environment as is (default: cache bytecode in the temp dir)",
    )
    args = ap.parse_args()
    require(ap, args.corpus, "--corpus", "the corpus of manifests")
    if args.repeat < 1 or args.kv_repeat < 1 or args.min_docs < 1:
        ap.error("--repeat, --kv-repeat and --min-docs must be >= 1")

    kube_lsp = shlex.split(args.kube_lsp) if args.kube_lsp else [sys.executable, "-m", "kube_lsp"]
    kv: list[str] | None = None
    if not args.skip_kubernetes_validate:
        kv = shlex.split(args.kubernetes_validate) if args.kubernetes_validate else find_kubernetes_validate()
        if kv is None:
            ap.error("kubernetes-validate not found (see --kubernetes-validate, --skip-kubernetes-validate)")

    corpus = args.corpus.resolve()
    files = corpus_files(corpus)
    if not files:
        raise SystemExit(f"{corpus}: no YAML files")
    method, count = make_counter()
    counts = {p: count(p.read_text(encoding="utf-8")) for p in files}
    corpus_docs = sum(counts.values())
    load_before = os.getloadavg()
    warnings: list[str] = []
    cases: list[Case] = []
    with tempfile.TemporaryDirectory(prefix="kube-lsp-speed-") as tmp:
        work = Path(tmp)
        bytecode_note = ""
        if not args.no_bytecode_cache:
            # Installed packages ship compiled bytecode; an editable checkout under PYTHONDONTWRITEBYTECODE
            # would recompile every kube_lsp module at each start. Cache bytecode in the temp dir instead.
            if os.environ.pop("PYTHONDONTWRITEBYTECODE", None) is not None:
                bytecode_note = "children: PYTHONDONTWRITEBYTECODE unset, "
            os.environ["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
            bytecode_note = (bytecode_note or "children: ") + "bytecode cached under the temp dir"
        stream_text, expected, nparts = build_stream(files, counts, args.min_docs)
        stream = work / "stream.yaml"
        stream.write_text(stream_text, encoding="utf-8")
        stream_docs = count(stream_text)
        if stream_docs != expected:
            warnings.append(f"stream: parsed {stream_docs} documents, per-file counts add up to {expected}")
        small = work / "deployment.yaml"
        small.write_text(SMALL_DEPLOYMENT, encoding="utf-8")

        print(
            f"kube-lsp speed benchmark: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
            f"load average {load_before[0]:.2f} (1 min) at start"
        )
        print(f"kube-lsp: {shlex.join(kube_lsp)}")
        print(f"kubernetes-validate: {shlex.join(kv) if kv else 'skipped'}")
        if bytecode_note:
            print(bytecode_note)
        print(f"corpus: {corpus}: {len(files)} files, {corpus_docs} documents (counted by {method})")
        print(
            f"stream: {stream_docs} documents, {len(stream_text) / 1e6:.2f} MB, {nparts} files joined "
            f"({nparts / len(files):.1f}x the corpus)"
        )
        print()

        # Warm-up (bytecode cache, page cache), not reported: every code path once, the pool included.
        run([*kube_lsp, "check", "--no-cache", "--format", "json", "-q", str(stream)], work)
        run([*kube_lsp, "check", "--no-cache", str(small)], work)
        if kv:
            run([*kv, "--strict", "--quiet", str(small)], work)

        json_args = ["check", "--no-cache", "--format", "json", "-q"]
        inputs = [
            ("stream", [str(stream)], [str(stream)], stream_docs),
            ("files", [str(corpus)], [str(p) for p in files], corpus_docs),
        ]
        for name, kl_paths, kv_paths, docs in inputs:
            c = Case(name, "kube-lsp", docs)
            for _ in range(args.repeat):
                r = run([*kube_lsp, *json_args, *kl_paths], work)
                check_kube_lsp_run(r, name, docs, warnings)
                c.runs.append(r)
            if tree_memory_supported():
                c.tree_pss_mb = peak_tree_pss([*kube_lsp, *json_args, *kl_paths], work)
            cases.append(c)
            if kv:
                c = Case(name, "kubernetes-validate", docs)
                for _ in range(args.kv_repeat):
                    r = run([*kv, "--strict", "--quiet", *kv_paths], work)
                    check_kv_run(r, name)
                    c.runs.append(r)
                cases.append(c)

        c = Case("start-up", "kube-lsp", 1)
        for _ in range(max(5, args.repeat)):
            r = run([*kube_lsp, "check", "--no-cache", str(small)], work)
            check_kube_lsp_run(r, "start-up", 1, [])
            c.runs.append(r)
        if tree_memory_supported():
            c.tree_pss_mb = peak_tree_pss([*kube_lsp, "check", "--no-cache", str(small)], work)
        cases.append(c)
        if kv:
            c = Case("start-up", "kubernetes-validate", 1)
            for _ in range(args.kv_repeat):
                r = run([*kv, "--strict", "--quiet", str(small)], work)
                check_kv_run(r, "start-up")
                c.runs.append(r)
            cases.append(c)

    load_after = os.getloadavg()
    print_table(cases)
    print(
        f"(load average {load_before[0]:.2f} -> {load_after[0]:.2f}; wall, cpu (user+sys, "
        f"workers included) = median;\n max RSS = largest single process; "
        f"tree PSS = peak sum over the process tree, one extra untimed run)"
    )

    by = {(c.name, c.tool): c for c in cases}
    kl_stream, kl_files = by["stream", "kube-lsp"], by["files", "kube-lsp"]
    kl_start = by["start-up", "kube-lsp"]
    print()
    print("targets")
    rows: list[tuple[bool | None, str, str]] = [
        (
            kl_stream.docs_per_s >= TARGET_DOCS_PER_S,
            f"end-to-end throughput, stream >= {fmt_int(TARGET_DOCS_PER_S)} docs/s",
            f"{fmt_int(kl_stream.docs_per_s)} docs/s",
        ),
        (None, "  (files, for information)", f"{fmt_int(kl_files.docs_per_s)} docs/s"),
    ]
    for name in ("stream", "files"):
        kvc = by.get((name, "kubernetes-validate"))
        kl = by[name, "kube-lsp"]
        if kvc is None:
            rows.append((None, f"vs kubernetes-validate, {name} >= {TARGET_RATIO:.0f}x", "skipped"))
        else:
            ratio = kl.docs_per_s / kvc.docs_per_s
            rows.append(
                (
                    ratio >= TARGET_RATIO,
                    f"vs kubernetes-validate, {name} >= {TARGET_RATIO:.0f}x",
                    f"{ratio:.1f}x ({fmt_int(kl.docs_per_s)} vs {fmt_int(kvc.docs_per_s)} docs/s)",
                )
            )
    kl_cases = [kl_stream, kl_files, kl_start]
    rss = max(c.max_rss_mb for c in kl_cases)
    pss = max((c.tree_pss_mb for c in kl_cases if c.tree_pss_mb is not None), default=None)
    peak = max(rss, pss or 0.0)
    pss_text = f", tree PSS {pss:.1f} MB" if pss is not None else ""
    rows.append(
        (
            peak <= TARGET_MEMORY_MB,
            f"peak memory <= {TARGET_MEMORY_MB:.0f} MB",
            f"max RSS {rss:.1f} MB{pss_text}",
        )
    )
    rows.append(
        (
            kl_start.wall <= TARGET_STARTUP_S,
            f"start-up <= {TARGET_STARTUP_S} s",
            f"{kl_start.wall:.3f} s (median of {len(kl_start.runs)})",
        )
    )
    for ok, label, value in rows:
        mark = "    " if ok is None else verdict(ok)
        print(f"  {mark}  {label:<48} {value}")
    for w in warnings:
        print(f"warning: {w}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
