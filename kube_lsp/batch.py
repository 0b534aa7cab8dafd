"""Analyse many texts at once, on every core: documents are independent, so big inputs are split at
document boundaries and the parts analysed in worker processes. Results equal a sequential run.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kube_lsp.engine import Engine
from kube_lsp.model import Finding
from kube_lsp.parsing.text import split_documents

# Below this much text a worker pool costs more than it saves.
PARALLEL_MIN_CHARS = 400_000
_PART_CHARS = 50_000


@dataclass(frozen=True, slots=True)
class Job:
    text: str
    partial: bool
    origin: str


@dataclass(frozen=True, slots=True)
class Result:
    findings: list[Finding]
    documents: int


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


def _run_part(part: tuple[int, str, int, int, bool, str]) -> tuple[int, list[Finding], int]:
    index, text, line0, doc0, partial, origin = part
    assert _WORKER_ENGINE is not None
    analysis = _WORKER_ENGINE.analyse(text, partial=partial, origin=origin)
    return index, [f.shifted(line0, doc0) for f in analysis.findings], len(analysis.documents)


def analyse_all(engine: Engine, jobs: Sequence[Job], workers: int | None = None,
                progress: Callable[[int, int], None] | None = None) -> list[Result]:
    """Findings and document counts for every job, in order; `progress(done, total)` is called as jobs
    finish."""
    global _WORKER_ENGINE
    total = sum(len(j.text) for j in jobs)
    cpus = workers if workers is not None else (os.cpu_count() or 1)
    report = progress or (lambda done, total: None)
    if cpus < 2 or total < PARALLEL_MIN_CHARS or not sys.platform.startswith("linux"):
        out = []
        for i, j in enumerate(jobs):
            a = engine.analyse(j.text, partial=j.partial, origin=j.origin)
            out.append(Result(a.findings, len(a.documents)))
            report(i + 1, len(jobs))
        return out
    parts = [(i, text, line0, doc0, jobs[i].partial, jobs[i].origin)
             for i, job in enumerate(jobs) for (_, text, line0, doc0) in _parts(i, job)]
    import multiprocessing  # only here: importing it costs start-up time every run

    _WORKER_ENGINE = engine  # inherited by the forked workers
    findings: list[list[Finding]] = [[] for _ in jobs]
    docs = [0] * len(jobs)
    pending = [0] * len(jobs)
    for part in parts:
        pending[part[0]] += 1
    finished = sum(n == 0 for n in pending)
    try:
        with multiprocessing.get_context("fork").Pool(cpus) as pool:
            for index, fs, n in pool.imap_unordered(_run_part, parts, chunksize=1):
                findings[index].extend(fs)
                docs[index] += n
                pending[index] -= 1
                if not pending[index]:
                    finished += 1
                    report(finished, len(jobs))
    finally:
        _WORKER_ENGINE = None
    results = []
    for fs, n in zip(findings, docs, strict=True):
        fs.sort(key=lambda f: f.sort_key)
        results.append(Result(fs, n))
    return results
