"""Real manifests written by other people: no false alarms, and their known upstream mistakes found."""

from __future__ import annotations

import csv

import pytest

from kube_lsp.engine import Engine
from kube_lsp.inputs import read_path
from kube_lsp.model import Severity
from tests.conftest import CORPUS

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")


def manifest() -> list[dict[str, str]]:
    with open(CORPUS / "MANIFEST.tsv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def analyse(engine: Engine, rel: str) -> list[tuple[str, str]]:
    src = read_path(CORPUS / rel)
    if src.text is None:
        assert src.problem is not None
        return [(src.problem.code, src.problem.severity.label)]
    return [(f.code, f.severity.label) for f in engine.analyse(src.text, origin=rel).findings]


def test_clean_corpus_files_have_no_errors(engine: Engine) -> None:
    rows = [r for r in manifest() if r["baseline"] == "ok"]
    assert len(rows) > 200
    noisy = {}
    for r in rows:
        errors = [f for f in analyse(engine, r["corpus_path"]) if f[1] == Severity.ERROR.label]
        if errors:
            noisy[r["corpus_path"]] = errors
    assert noisy == {}


def test_upstream_mistakes_are_found(engine: Engine) -> None:
    rows = [r for r in manifest() if r["baseline"] != "ok" and "line breaks" not in r["baseline"]]
    missed = [r["corpus_path"] for r in rows
              if not any(sev in ("error", "warning") for _, sev in analyse(engine, r["corpus_path"]))]
    assert missed == []


def test_crlf_and_bom_files_parse_cleanly(engine: Engine) -> None:
    rows = [r for r in manifest() if "line breaks" in r["baseline"]]
    assert rows
    for r in rows:
        assert [c for c, sev in analyse(engine, r["corpus_path"]) if sev == "error"] == [], r["corpus_path"]
