"""Parallel analysis of big inputs equals the sequential result, finding for finding."""

from __future__ import annotations

from kube_lsp.batch import Job, analyse_all
from kube_lsp.engine import Engine
from tests.test_rules import DEPLOY


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
