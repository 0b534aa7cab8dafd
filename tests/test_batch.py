"""Parallel analysis of big inputs equals the sequential result, finding for finding."""

from __future__ import annotations

from pathlib import Path

import pytest

from kube_lsp.batch import Job, _run_unit, analyse_all
from kube_lsp.engine import Engine
from tests.test_rules import DEPLOY

_RUN_UNIT = _run_unit  # before a test replaces it


def test_parallel_equals_sequential() -> None:
    docs = []
    for i in range(1500):
        text = DEPLOY.replace("name: web\nspec", f"name: web-{i}\nspec")
        if i % 7 == 0:
            text = text.replace("replicas: 2", "replicas: '2'")
        if i % 11 == 0:
            text = text.replace("  selector:", "  selectr:")
        docs.append(text)
    big = "---\n".join(docs)
    small = DEPLOY.replace("containers:", "contianers:")
    jobs = [Job(big, False, "big.yaml"), Job(small, False, "small.yaml"), Job("a: [", False, "broken.yaml")]
    engine = Engine()
    sequential = analyse_all(engine, jobs, workers=1)
    parallel = analyse_all(engine, jobs, workers=2)
    assert [r.documents for r in parallel] == [1500, 1, 1]
    assert parallel == sequential
    assert len(parallel[0].findings) == 1500 // 7 + 1 + 1500 // 11 + 1
    last = parallel[0].findings[-1]
    assert (last.doc, last.span.start.line) == (1498, 1498 * 20 + 5)  # absolute, as if never split


def _recording(task: tuple[int, str, bool, str]) -> object:
    """batch._run_unit, writing down the collector's thresholds in the process that runs it."""
    import gc
    import os

    (Path(os.environ["KUBE_LSP_TEST_THRESHOLDS"]) / f"{os.getpid()}-{task[0]}").write_text(repr(gc.get_threshold()))
    return _RUN_UNIT(task)


def test_a_check_run_makes_no_full_collections_in_its_workers_either_and_restores_the_collector(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """kube_lsp/collector.py: a run keeps nearly all it makes, so only young generations are collected while
    it runs, in the main process and in the forked workers (they inherit it), and afterwards the thresholds
    are what they were."""
    import gc
    import os

    from kube_lsp import batch
    from kube_lsp.cli import main
    from kube_lsp.collector import NEVER

    seen = tmp_path / "thresholds"
    seen.mkdir()
    monkeypatch.setenv("KUBE_LSP_TEST_THRESHOLDS", str(seen))
    monkeypatch.setattr(batch, "_run_unit", _recording)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    tree = tmp_path / "tree"
    tree.mkdir()
    for i in range(60):  # twice PARALLEL_MIN_CHARS in all: analysed by a pool of workers
        (tree / f"app-{i}.yaml").write_text("---\n".join(
            DEPLOY.replace("name: web\nspec", f"name: web-{i}-{j}\nspec") for j in range(50)))
    assert sum(p.stat().st_size for p in tree.iterdir()) > 2 * batch.PARALLEL_MIN_CHARS
    before = gc.get_threshold()
    assert main(["check", "-q", "--output-format", "json", str(tree)]) in (0, 1)
    assert gc.get_threshold() == before
    recorded = [eval(p.read_text()) for p in seen.iterdir()]
    assert len(recorded) == 60
    assert {t[2] for t in recorded} == {NEVER}
    assert {t[:2] for t in recorded} == {before[:2]}
    assert str(os.getpid()) not in {p.name.split("-")[0] for p in seen.iterdir()}  # all in workers
