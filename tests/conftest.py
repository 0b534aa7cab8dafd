"""Shared test helpers: analyse a text and look at its findings as (code, line, col) with 1-based positions.

Also keeps every test out of the user's home: before anything is collected, HOME, the XDG directories and
KUBECONFIG point into a directory made for the session, for this process and every subprocess it starts
(the language server, the CLI, Neovim, npm, pre-commit). The opt-in live tests (`-m cluster`) get the user's
real home and kubeconfig back (tests/live/conftest.py).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_lsp.client as pytest_lsp_client
from cluster.conftest import apiserver, apiserver_session, kubeconfig  # noqa: F401 - fixtures for every directory
from distribution import Installation, build_and_install
from lsprotocol import types

from kube_lsp.engine import Engine
from kube_lsp.model import Finding

ROOT = Path(__file__).resolve().parent.parent


@pytest_lsp_client.default_feature(types.WORKSPACE_CODE_LENS_REFRESH)
def _code_lens_refresh(client: pytest_lsp_client.LanguageClient, params: None) -> None:
    """The test client answers `workspace/codeLens/refresh` as editors do (the server sends it when lenses
    changed), noting when in `client.lens_refreshes`."""
    if not hasattr(client, "lens_refreshes"):
        client.lens_refreshes = []  # type: ignore[attr-defined]
    client.lens_refreshes.append(time.monotonic())  # type: ignore[attr-defined]

SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
CASES_DEV = SHARED / "bench" / "cases-dev"

# The user's real home and kubeconfig, for the opt-in live tests (tests/live/conftest.py), as the environment
# had them before the session moved HOME: environment variables, because this module is imported twice
# (as the conftest plugin and as `tests.conftest`), the second time with HOME already moved.
REAL_HOME_VAR = "KUBE_LSP_TEST_REAL_HOME"
REAL_KUBECONFIG_VAR = "KUBE_LSP_TEST_REAL_KUBECONFIG"
_REDIRECTED = ("HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "KUBECONFIG",
               "PIP_CONFIG_FILE", "NPM_CONFIG_USERCONFIG", REAL_HOME_VAR, REAL_KUBECONFIG_VAR)


@dataclass(frozen=True, slots=True)
class IsolatedHome:
    """Where the session's home and XDG directories are, and what the environment held before."""

    root: Path
    saved: dict[str, str | None]

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def cache(self) -> Path:
        return self.root / "cache"


_ISOLATED: list[IsolatedHome] = []


def pytest_configure(config: pytest.Config) -> None:
    """Move HOME, the XDG directories and KUBECONFIG into a directory of this session, before collection (so
    that module-level code sees them too), for this process and every subprocess."""
    if _ISOLATED or REAL_HOME_VAR in os.environ:
        return
    saved = {k: os.environ.get(k) for k in _REDIRECTED}
    real_home = Path.home()
    isolated = IsolatedHome(Path(tempfile.mkdtemp(prefix="kube-lsp-test-home-")), saved)
    os.environ[REAL_HOME_VAR] = str(real_home)
    os.environ[REAL_KUBECONFIG_VAR] = saved["KUBECONFIG"] or str(real_home / ".kube" / "config")
    for name, sub in (("HOME", "home"), ("XDG_CACHE_HOME", "cache"), ("XDG_CONFIG_HOME", "config"),
                      ("XDG_DATA_HOME", "data"), ("XDG_STATE_HOME", "state")):
        (isolated.root / sub).mkdir()
        os.environ[name] = str(isolated.root / sub)
    os.environ["KUBECONFIG"] = str(isolated.root / "no-kubeconfig")
    # Package managers keep reading the user's configuration (index URLs, proxies, certificates), which the
    # tests that install packages (pre-commit's hook environment) need; their caches and logs move with HOME.
    xdg_config = Path(saved["XDG_CONFIG_HOME"] or real_home / ".config")
    for name, candidates in (("PIP_CONFIG_FILE", (xdg_config / "pip" / "pip.conf", real_home / ".pip" / "pip.conf")),
                             ("NPM_CONFIG_USERCONFIG", (real_home / ".npmrc",))):
        found = next((c for c in candidates if c.is_file()), None)
        if saved[name] is None and found is not None:
            os.environ[name] = str(found)
    _ISOLATED.append(isolated)


def pytest_unconfigure(config: pytest.Config) -> None:
    if not _ISOLATED:
        return
    isolated = _ISOLATED.pop()
    for name, value in isolated.saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    shutil.rmtree(isolated.root, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def isolated_home() -> IsolatedHome:
    """The session's home and XDG directories, already in the environment of every test."""
    assert _ISOLATED and os.environ["HOME"] == str(_ISOLATED[0].home), "the test home was undone"
    return _ISOLATED[0]


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine()


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installation:
    """The wheel built from a clean copy of the tree and installed into a fresh virtual environment, once per
    session (tests/distribution.py); the editor tests start their server from it."""
    return build_and_install(tmp_path_factory.mktemp("installed"))


def _accept_registrations() -> None:
    """Every pytest-lsp client answers `client/registerCapability` (the server asks to watch YAML files) as
    editors do, keeping what was asked in `client.registrations`."""
    from lsprotocol import types
    from pytest_lsp.client import default_feature

    @default_feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(ls: object, params: types.RegistrationParams) -> None:  # `ls`: pygls injects the client
        if not hasattr(ls, "registrations"):
            ls.registrations = []  # type: ignore[attr-defined]
        ls.registrations.extend(params.registrations)  # type: ignore[attr-defined]


_accept_registrations()


def findings(text: str, engine: Engine | None = None, **kw: object) -> list[Finding]:
    return (engine or Engine()).analyse(text, **kw).findings  # type: ignore[arg-type]


def where(fs: list[Finding]) -> list[tuple[str, int, int]]:
    """(code, line, column), 1-based, of each finding."""
    return [(f.code, f.span.start.line + 1, f.span.start.col + 1) for f in fs]


def codes(fs: list[Finding]) -> list[str]:
    return [f.code for f in fs]
