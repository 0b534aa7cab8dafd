"""Shared test helpers: analyse a text and look at its findings as (code, line, col) with 1-based positions."""

from __future__ import annotations

from pathlib import Path

import pytest
from cluster.conftest import apiserver, apiserver_session, kubeconfig  # noqa: F401 - fixtures for every directory
from distribution import Installation, build_and_install

from kube_lsp.engine import Engine
from kube_lsp.model import Finding

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
CASES_DEV = SHARED / "bench" / "cases-dev"


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine()


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installation:
    """The wheel built from a clean copy of the tree and installed into a fresh virtual environment, once per
    session (tests/distribution.py); the editor tests start their server from it."""
    return build_and_install(tmp_path_factory.mktemp("installed"))


def findings(text: str, engine: Engine | None = None, **kw: object) -> list[Finding]:
    return (engine or Engine()).analyse(text, **kw).findings  # type: ignore[arg-type]


def where(fs: list[Finding]) -> list[tuple[str, int, int]]:
    """(code, line, column), 1-based, of each finding."""
    return [(f.code, f.span.start.line + 1, f.span.start.col + 1) for f in fs]


def codes(fs: list[Finding]) -> list[str]:
    return [f.code for f in fs]
