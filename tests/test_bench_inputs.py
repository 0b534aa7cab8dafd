"""The benchmarks in a fresh clone, where the shared material (../shared) does not exist: a plain message that
names what is missing and the flag to pass, exit code 2, no traceback."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

MISSING = {
    "detection.py": ("the fault cases (cases.jsonl)", "shared/bench/cases-dev/cases.jsonl", "--cases"),
    "fix_roundtrip.py": ("the fault cases (cases.jsonl)", "shared/bench/cases-dev/cases.jsonl", "--cases"),
    "server_vs_cli.py": ("the fault cases (cases.jsonl)", "shared/bench/cases-dev/cases.jsonl", "--cases"),
    "semantic.py": ("the semantic fault cases (cases.jsonl)", "shared/bench/cases-dev-semantic/cases.jsonl",
                    "--cases"),
    "speed.py": ("the corpus of manifests", "shared/corpus", "--corpus"),
    "lsp_bench.py": ("the shared benchmark harness (latency.py)", "shared/bench/harness", "--harness"),
    "loop_stall.py": ("the shared benchmark harness (lspclient.py)", "shared/bench/harness", "--harness"),
    "cluster.py": ("the corpus of manifests", "shared/corpus", "--corpus"),
    "scale.py": ("the corpus of manifests", "shared/corpus", "--corpus"),
    "pack_counts.py": ("the shared material", "shared/corpus", "--shared"),
    "workspace.py": ("the corpus of real manifests", "shared/corpus", "--corpus"),
    "live_latency.py": ("the shared LSP client (lspclient.py)", "shared/bench/harness/lspclient.py", "--harness"),
}
SELF_CONTAINED = {"soak.py", "crd_speed.py"}  # need nothing from ../shared (crd_speed: the checkout's fixtures)


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The checkout's bench/ (and the API server double bench/cluster.py uses) with no ../shared beside it."""
    root = tmp_path_factory.mktemp("fresh") / "kube-lsp"
    shutil.copytree(ROOT / "bench", root / "bench", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "tests" / "cluster", root / "tests" / "cluster",
                    ignore=shutil.ignore_patterns("__pycache__"))
    assert not (root.parent / "shared").exists()
    return root


def test_every_bench_script_is_covered() -> None:
    assert sorted([*MISSING, *SELF_CONTAINED]) == sorted(p.name for p in (ROOT / "bench").glob("*.py")
                                                          if not p.name.startswith("_"))


def test_soak_runs_in_a_clone(clone: Path) -> None:
    r = subprocess.run([sys.executable, "bench/soak.py", "--edits", "400", "--every", "200", "--flood-seconds",
                        "0.5"], capture_output=True, text=True, cwd=clone, check=False, timeout=120)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("start: RSS ") and lines[-1].startswith("exit: code 0")
    assert sum(line.endswith("edits/s sent)") for line in lines) == 2


@pytest.mark.parametrize("script", sorted(MISSING))
def test_missing_shared_material_is_explained(script: str, clone: Path) -> None:
    what, default, flag = MISSING[script]
    r = subprocess.run([sys.executable, f"bench/{script}"], capture_output=True, text=True, cwd=clone,
                       check=False, timeout=60)
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == (f"{script}: {what} not found: {clone.parent / default}; the default is in ../shared, "
                        "next to this checkout, and there is none\n"
                        f"  pass {flag} PATH (see python bench/{script} --help)\n")


def test_a_wrong_path_given_on_the_command_line(clone: Path, tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "bench/detection.py", "--cases", str(tmp_path / "nope.jsonl")],
                       capture_output=True, text=True, cwd=clone, check=False, timeout=60)
    assert (r.returncode, r.stderr) == (2, f"detection.py: the fault cases (cases.jsonl) not found: "
                                           f"{tmp_path / 'nope.jsonl'}\n"
                                           "  pass --cases PATH (see python bench/detection.py --help)\n")
