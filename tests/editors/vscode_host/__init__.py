"""A real VS Code (code-server) for the extension's end-to-end test: install.py installs it, workbench.py runs it.

``require_host()`` is how a test asks for it: it skips the test when the host cannot run here (saying how to install
it), but fails it when KUBE_LSP_REQUIRE_VSCODE_HOST=1 (as CI sets), so that CI never passes without running it.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

import pytest

from .install import REPO, SCRIPT, Host, host_dir, problem

REQUIRE_VAR = "KUBE_LSP_REQUIRE_VSCODE_HOST"
VSIX_VAR = "KUBE_LSP_VSIX"  # a prebuilt .vsix to test instead of building one
EXTENSION = REPO / "editors" / "vscode"

# Each phase's report of a test (setup, call, teardown), kept by tests/editors/conftest.py so that fixtures can
# tell at teardown whether the test failed (and then save a screenshot and the logs).
PHASE_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


def host_problem(env: Mapping[str, str] = os.environ) -> str | None:
    """Why the real-VS Code tests cannot run here (None: they can)."""
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is missing (pip install -e '.[test]')"
    if not env.get(VSIX_VAR) and (shutil.which("npm") is None or not (EXTENSION / "node_modules").is_dir()):
        return f"building the .vsix needs npm and `npm ci --prefix editors/vscode` (or set {VSIX_VAR})"
    return problem(Host(host_dir(env)))


def require_host(env: Mapping[str, str] = os.environ) -> None:
    """Skip the calling test (or fail it, with KUBE_LSP_REQUIRE_VSCODE_HOST=1) when the host cannot run."""
    reason = host_problem(env)
    if reason is None:
        return
    if env.get(REQUIRE_VAR) == "1":
        pytest.fail(f"{REQUIRE_VAR}=1 but the VS Code host cannot run: {reason} (install it with `python3 {SCRIPT}`)",
                    pytrace=False)
    pytest.skip(f"{reason}: install the real VS Code host with `python3 {SCRIPT}`")


def vsix_from_env(env: Mapping[str, str] = os.environ) -> Path | None:
    given = env.get(VSIX_VAR)
    return Path(given).resolve() if given else None
