"""Analyse many texts at once, on every core: documents are independent, so big inputs are split at
document boundaries and the parts, and the files, are analysed in worker processes. Results equal a
sequential run, in the order of the inputs.

With a `CheckCache` (kube_lsp/cache.py) the findings of the files of one directory are one cache entry, and
those of a file bigger than one part another, per document (so an edit re-analyses one document); only what
changed is analysed.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from kube_lsp.cache import CheckCache, CrdDefs, Entry, text_hash
from kube_lsp.model import Finding
from kube_lsp.parsing.text import split_documents

if TYPE_CHECKING:  # imported when something is analysed: an unchanged re-run needs none of them
    from kube_lsp.config import Settings
    from kube_lsp.engine import Engine
    from kube_lsp.workspace.index import FileIndex
    from kube_lsp.workspace.model import Workspace

# Below this much text a worker pool costs more than it saves.
PARALLEL_MIN_CHARS = 400_000
_PART_CHARS = 50_000
# At most this many cross-file findings and places they name are cached for a run (with_workspace).
_CROSS_MAX = 2_000_000


@dataclass(frozen=True, slots=True)
class Job:
    text: str
    partial: bool
    origin: str


@dataclass(frozen=True, slots=True)
class Result:
    """A file's own findings, its document count and its workspace index (the cross-resource rules run over
    every file's index afterwards: kube_lsp/workspace/check.py)."""

    findings: list[Finding]
    documents: int
    index: FileIndex | None = None
    # With `lazy_indexes`, what reads the index from the cache on first need (file_index).
    lazy_index: Callable[[], FileIndex | None] | None = field(default=None, compare=False)
    # The SHA-256 of the file's text, when it was computed (with a cache).
    digest: str = field(default="", compare=False)

    def file_index(self) -> FileIndex | None:
        return self.index if self.lazy_index is None else self.lazy_index()


_WORKER_ENGINE: Engine | None = None


def _parts(job_index: int, job: Job) -> list[tuple[int, str, int, int]]:
    """(job index, text, first line, first document index) pieces of a job, cut between documents."""
    if len(job.text) <= _PART_CHARS:
        return [(job_index, job.text, 0, 0)]
    out: list[tuple[int, str, int, int]] = []
    buf: list[str] = []
    size = start_line = docs_before = docs_in_buf = 0
    for chunk in split_documents(job.text):
        if size >= _PART_CHARS:
            out.append((job_index, "".join(buf), start_line, docs_before))
            start_line, docs_before = chunk.start_line, docs_before + docs_in_buf
            buf, size, docs_in_buf = [], 0, 0
        buf.append(chunk.text)
        size += len(chunk.text)
        docs_in_buf += chunk.has_content
    if buf:
        out.append((job_index, "".join(buf), start_line, docs_before))
    return out


def _run_part(part: tuple[int, str, int, int, bool, str]) -> tuple[int, list[Finding], int, FileIndex | None]:
    index, text, line0, doc0, partial, origin = part
    assert _WORKER_ENGINE is not None
    analysis = _WORKER_ENGINE.analyse(text, partial=partial, origin=origin, workspace=False)
    fi = analysis.index.shifted(line0, doc0) if analysis.index is not None else None
    return index, [f.shifted(line0, doc0) for f in analysis.findings], len(analysis.documents), fi


def _chunksize(tasks: int, cpus: int) -> int:
    """Tasks per hand-over to a worker: a few per worker and round, so that thousands of small files do not
    cost a round trip each, while the load stays balanced."""
    return max(1, min(32, tasks // (cpus * 16)))


def _resolve(engine: Engine | Callable[[], Engine]) -> Engine:
    if hasattr(engine, "analyse"):
        return cast("Engine", engine)
    return engine()


def analyse_all(engine: Engine | Callable[[], Engine], jobs: Sequence[Job], workers: int | None = None,
                progress: Callable[[int, int], None] | None = None,
                cache: CheckCache | None = None, crds: CrdDefs | None = None,
                lazy_indexes: bool = False) -> list[Result]:
    """Findings and document counts for every job, in order; `progress(done, total)` is called as jobs
    finish. `engine` may be a function that makes one: it is called only when something is analysed (with a
    cache, an unchanged re-run needs no schemas). With a cache, `crds` are the run's CRDs (none by default),
    and `lazy_indexes` leaves the indexes read back from it unread until Result.file_index asks."""
    if cache is not None:
        return _analyse_cached(engine, jobs, workers, progress or (lambda done, total: None), cache,
                               crds if crds is not None else CrdDefs(cache, [], lambda path, text: []),
                               lazy_indexes)
    from kube_lsp.workspace.index import content_digest, merge

    global _WORKER_ENGINE
    engine = _resolve(engine)
    total = sum(len(j.text) for j in jobs)
    cpus = workers if workers is not None else (os.cpu_count() or 1)
    report = progress or (lambda done, total: None)
    if cpus < 2 or total < PARALLEL_MIN_CHARS or not sys.platform.startswith("linux"):
        out = []
        for i, j in enumerate(jobs):
            a = engine.analyse(j.text, partial=j.partial, origin=j.origin, workspace=False)
            out.append(Result(a.findings, len(a.documents), a.index))
            report(i + 1, len(jobs))
        return out
    parts = [(i, text, line0, doc0, jobs[i].partial, jobs[i].origin)
             for i, job in enumerate(jobs) for (_, text, line0, doc0) in _parts(i, job)]
    import multiprocessing  # only here: importing it costs start-up time every run

    _WORKER_ENGINE = engine  # inherited by the forked workers
    findings: list[list[Finding]] = [[] for _ in jobs]
    indexes: list[list[FileIndex]] = [[] for _ in jobs]
    docs = [0] * len(jobs)
    pending = [0] * len(jobs)
    for part in parts:
        pending[part[0]] += 1
    finished = sum(n == 0 for n in pending)
    try:
        with multiprocessing.get_context("fork").Pool(cpus) as pool:
            for index, fs, n, fi in pool.imap_unordered(_run_part, parts, chunksize=_chunksize(len(parts), cpus)):
                findings[index].extend(fs)
                if fi is not None:
                    indexes[index].append(fi)
                docs[index] += n
                pending[index] -= 1
                if not pending[index]:
                    finished += 1
                    report(finished, len(jobs))
    finally:
        _WORKER_ENGINE = None
    results = []
    for job, fs, n, fis in zip(jobs, findings, docs, indexes, strict=True):
        fs.sort(key=lambda f: f.sort_key)
        fis.sort(key=lambda fi: fi.objects[0].first_line if fi.objects else 0)
        results.append(Result(fs, n, merge(job.origin, content_digest(job.text), fis, job.partial)))
    return results


@dataclass(frozen=True, slots=True)
class _Unit:
    """What is analysed alone with a cache: a whole file, or one document of a big file (with the comment-only
    chunks before it) that starts `line0` lines and `doc0` documents into its file (`sub` names it in the
    file's per-document entries)."""

    job: int
    text: str
    line0: int
    doc0: int
    sub: str = ""


def _units(index: int, job: Job) -> list[_Unit]:
    if len(job.text) <= _PART_CHARS:
        return [_Unit(index, job.text, 0, 0)]
    pieces: list[tuple[str, int, int]] = []  # (text, first line, documents before)
    buf: list[str] = []
    start_line = docs = 0
    for chunk in split_documents(job.text):
        if not buf:
            start_line = chunk.start_line
        buf.append(chunk.text)
        if chunk.has_content:
            pieces.append(("".join(buf), start_line, docs))
            docs += 1
            buf = []
    if buf:  # trailing comments and markers stay with the last document
        if pieces:
            text, line0, doc0 = pieces.pop()
            pieces.append((text + "".join(buf), line0, doc0))
        else:
            pieces.append(("".join(buf), start_line, 0))
    return [_Unit(index, text, line0, doc0, text_hash(text)) for text, line0, doc0 in pieces]


def _run_unit(task: tuple[int, str, bool, str]) -> tuple[int, list[Finding], int, FileIndex | None,
                                                       tuple[tuple[str, str], ...]]:
    """Analyse one unit: its findings and index as if it started the file, and the CRD table entries read."""
    from kube_lsp.schema.catalog import crd_reads, record_crd_reads

    index, text, partial, origin = task
    assert _WORKER_ENGINE is not None
    record_crd_reads()
    try:
        analysis = _WORKER_ENGINE.analyse(text, partial=partial, origin=origin, workspace=False)
    finally:
        reads = tuple(sorted(crd_reads()))
    return index, analysis.findings, len(analysis.documents), analysis.index, reads


def _analyse_cached(make: Engine | Callable[[], Engine], jobs: Sequence[Job], workers: int | None,
                    report: Callable[[int, int], None], cache: CheckCache, crds: CrdDefs,
                    lazy_indexes: bool) -> list[Result]:
    global _WORKER_ENGINE
    units: list[_Unit] = []
    names: list[tuple[str, str, str]] = []  # per unit: (cache key, name in that entry, content hash)
    found: list[Entry | None] = []
    stored: dict[str, dict[str, tuple[str, Entry]]] = {}
    per_document: set[str] = set()  # the keys of big files' entries, rewritten with their current documents
    pending = [0] * len(jobs)
    tasks: list[tuple[int, str, bool, str]] = []
    digests = [""] * len(jobs)
    for i, job in enumerate(jobs):
        pieces = _units(i, job)
        if pieces[0].sub:
            key = cache.key("documents", job.origin, job.partial, "")
            per_document.add(key)
        else:
            key = cache.key("directory", os.path.dirname(job.origin), False, "")
        if key not in stored:
            stored[key] = cache.get(key)
        for unit in pieces:
            name, digest = (unit.sub, unit.sub) if unit.sub else (f"{int(job.partial)}:{job.origin}",
                                                                   text_hash(job.text))
            if not unit.sub:
                digests[i] = digest
            hit = stored[key].get(name)
            entry = hit[1] if hit is not None and hit[0] == digest else None
            if entry is not None and crds.digest(entry.crds) != entry.crd_digest:
                entry = None  # a CRD it read is another now
            if entry is None:
                tasks.append((len(units), unit.text, job.partial, job.origin))
                pending[i] += 1
            units.append(unit)
            names.append((key, name, digest))
            found.append(entry)
    finished = sum(p == 0 for p in pending)
    if finished:
        report(finished, len(jobs))

    def done(n: int, fs: list[Finding], docs: int, fi: FileIndex | None, reads: tuple[tuple[str, str], ...]) -> None:
        nonlocal finished
        found[n] = Entry(docs, fs, fi, reads, crds.digest(reads))
        job = units[n].job
        pending[job] -= 1
        if not pending[job]:
            finished += 1
            report(finished, len(jobs))

    if tasks:
        _WORKER_ENGINE = _resolve(make)  # inherited by forked workers
        cpus = workers if workers is not None else (os.cpu_count() or 1)
        try:
            if cpus < 2 or sum(len(t[1]) for t in tasks) < PARALLEL_MIN_CHARS or not sys.platform.startswith("linux"):
                for task in tasks:
                    done(*_run_unit(task))
            else:
                import multiprocessing

                with multiprocessing.get_context("fork").Pool(cpus) as pool:
                    for result in pool.imap_unordered(_run_unit, tasks, chunksize=_chunksize(len(tasks), cpus)):
                        done(*result)
        finally:
            _WORKER_ENGINE = None
    _store(cache, {names[t[0]][0] for t in tasks}, per_document, stored, names, found)
    findings: list[list[Finding]] = [[] for _ in jobs]
    parts: list[list[tuple[_Unit, Entry]]] = [[] for _ in jobs]
    documents = [0] * len(jobs)
    split = [False] * len(jobs)
    for unit, entry in zip(units, found, strict=True):
        assert entry is not None
        findings[unit.job].extend(f.shifted(unit.line0, unit.doc0) for f in entry.findings)
        parts[unit.job].append((unit, entry))
        documents[unit.job] += entry.documents
        split[unit.job] |= bool(unit.sub)
    for fs, was_split in zip(findings, split, strict=True):
        if was_split:
            fs.sort(key=lambda f: f.sort_key)
    out = []
    for i, (fs, n) in enumerate(zip(findings, documents, strict=True)):
        loader = functools.cache(functools.partial(_file_index, jobs[i], parts[i], split[i]))
        out.append(Result(fs, n, lazy_index=loader, digest=digests[i]) if lazy_indexes
                   else Result(fs, n, loader(), digest=digests[i]))
    return out


def _file_index(job: Job, parts: list[tuple[_Unit, Entry]], split: bool) -> FileIndex | None:
    """A file's index from its units' (each read from the cache or just made)."""
    indexes = []
    for unit, entry in parts:
        fi = entry.file_index()
        if fi is not None:
            indexes.append(fi.shifted(unit.line0, unit.doc0))
    if len(indexes) == 1 and not split:
        return indexes[0]
    from kube_lsp.workspace.index import content_digest, merge

    return merge(job.origin, content_digest(job.text), indexes, job.partial)


def _store(cache: CheckCache, changed: set[str], per_document: set[str],
           stored: dict[str, dict[str, tuple[str, Entry]]], names: list[tuple[str, str, str]],
           found: Sequence[Entry | None]) -> None:
    """Write the entries that changed: a directory's keeps its other files (a run may check only some of
    them) and replaces the changed ones; a big file's holds exactly its current documents."""
    new: dict[str, dict[str, tuple[str, Entry]]] = {
        key: ({} if key in per_document else dict(stored[key])) for key in changed}
    for (key, name, digest), entry in zip(names, found, strict=True):
        if key in new and entry is not None:
            new[key][name] = (digest, entry)
    for key, entries in new.items():
        cache.put(key, entries)


def with_workspace(results: list[Result], settings: Settings, ws: Workspace | None = None,
                   cache: CheckCache | None = None, jobs: Sequence[Job] = (), fill: bool = True) -> list[Result]:
    """The results with the cross-resource findings of each file added: every file of the run is one
    workspace (`ws`, kube_lsp/workspace), so `kube-lsp check dir/` sees all files of `dir/` together.

    With a cache, the cross-resource findings of a run of the same `jobs` (the files, in order, with the same
    text: then every index is the same) from the same directory are read back; `fill=False` then leaves `ws`
    empty and the indexes unread."""
    key = None
    if cache is not None and len(jobs) == len(results):
        key = cache.key("workspace", os.getcwd(), False, "\0".join(
            f"{int(j.partial)}:{len(j.origin)}:{j.origin}:{r.digest or text_hash(j.text)}"
            for j, r in zip(jobs, results, strict=True)))
        value = cache.get_value(key)
        if (isinstance(value, list) and len(value) == len(results)
                and all(isinstance(c, list) and all(isinstance(f, Finding) for f in c) for c in value)):
            if fill:
                ws = _filled(results, settings, ws)
            return [_plus(r, cross) for r, cross in zip(results, value, strict=True)]
    ws = _filled(results, settings, ws)
    from kube_lsp.workspace.check import file_findings

    out = []
    crosses: list[list[Finding]] = []
    for r in results:
        fi = r.file_index()
        if fi is None or ws.files.get(fi.origin) is not fi:
            out.append(r)
            crosses.append([])
            continue
        cross = file_findings(ws, fi, settings)
        crosses.append(cross)
        out.append(_plus(r, cross))
    # Not kept when huge (thousands of copies of one object name each other): reading it back would cost about
    # what computing it does, and it would push everything else out of the cache.
    if cache is not None and key is not None and sum(1 + len(f.elsewhere) for c in crosses for f in c) <= _CROSS_MAX:
        cache.put_value(key, crosses)
    return out


def _filled(results: list[Result], settings: Settings, ws: Workspace | None) -> Workspace:
    ws = ws if ws is not None else run_workspace(settings)
    for r in results:
        fi = r.file_index()
        if fi is not None:
            ws.update(fi)
    return ws


def _plus(r: Result, cross: list[Finding]) -> Result:
    if not cross:
        return r
    return Result(sorted([*r.findings, *cross], key=lambda f: f.sort_key), r.documents, r.index, r.lazy_index,
                  r.digest)


def run_workspace(settings: Settings) -> Workspace:
    """An empty workspace for a run: files named as given, or relative to the current directory."""
    from kube_lsp.workspace.model import Workspace

    return Workspace(settings.namespace, _label)


def _label(path: str) -> str:
    """How messages name another file: relative to the current directory when it is below it."""
    if not os.path.isabs(path):
        return path
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel
