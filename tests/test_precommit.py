"""The `kube-lsp` hook in .pre-commit-hooks.yaml works with the real `pre-commit` tool.

pre-commit installs a hook repository from a *commit* (`repo:` + `rev:`; `try-repo` on a clean tree), so
the current working tree of this project (tracked and untracked, non-ignored files) is copied into a
throw-away git repository and committed there. pre-commit then builds its own virtualenv from that commit with
`pip install .` (kube-lsp and its dependencies from the package index) exactly as a user's pre-commit would:
this is an end-to-end test of the packaging as well as of the hook definition.

The environment build takes ~15 s, so it happens once per module (shared PRE_COMMIT_HOME); the tests that
follow reuse it and take about a second each. (`pre-commit try-repo` is deliberately not used: it always
builds a fresh environment in a temporary store, ignoring PRE_COMMIT_HOME, which would add ~20 s per call.)
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HOOK_ID = "kube-lsp"

_PRE_COMMIT: list[str] | None
if importlib.util.find_spec("pre_commit") is not None:
    _PRE_COMMIT = [sys.executable, "-m", "pre_commit"]
elif shutil.which("pre-commit"):
    _PRE_COMMIT = [str(shutil.which("pre-commit"))]
else:
    _PRE_COMMIT = None

pytestmark = [
    pytest.mark.skipif(_PRE_COMMIT is None, reason="pre-commit is not installed"),
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
]

# Files the hook installation needs when the project is not a git work tree (e.g. an unpacked sdist).
_NEEDED = ["pyproject.toml", "README.md", "LICENSE", ".pre-commit-hooks.yaml", "kube_lsp", "schemas"]

GOOD = """\
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
          imagePullPolicy: IfNotPresent
          ports:
            - containerPort: 80
"""

BAD = """\
apiVersion: v1
kind: Pod
metadata:
  name: bad
spec:
  containers:
    - name: app
      image: nginx:1.27
      imagePullPolicyy: Always
"""
BAD_LINE = 9  # the line of `imagePullPolicyy`

# Not YAML by name: the hook's `files` pattern must keep it away from kube-lsp.
NOT_YAML = "apiVersion: v1\nkind: Pod\nspec:\n  contianers: []\n"


@dataclass(frozen=True)
class HookRepo:
    path: Path
    rev: str


def _env(home: Path, gitconfig: Path) -> dict[str, str]:
    """A clean environment: no inherited git/pre-commit state, pre-commit's cache under the test's tmp dir."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GIT_", "PRE_COMMIT")) and k not in {"SKIP", "VIRTUAL_ENV"}
    }
    settings = {
        "user.name": "kube-lsp test",
        "user.email": "kube-lsp-test@example.invalid",
        "commit.gpgsign": "false",
        "init.defaultBranch": "main",
        "advice.detachedHead": "false",
    }
    env.update(
        PRE_COMMIT_HOME=str(home),
        PRE_COMMIT_COLOR="never",
        # Ignore the user's ~/.gitconfig and /etc/gitconfig (core.hooksPath, signing, templates ...).
        GIT_CONFIG_GLOBAL=str(gitconfig),
        GIT_CONFIG_NOSYSTEM="1",
        # pre-commit passes GIT_CONFIG_COUNT/KEY/VALUE on to the git commands it runs itself.
        GIT_CONFIG_COUNT=str(len(settings)),
    )
    for i, (key, value) in enumerate(settings.items()):
        env[f"GIT_CONFIG_KEY_{i}"] = key
        env[f"GIT_CONFIG_VALUE_{i}"] = value
    return env


Result = subprocess.CompletedProcess[str]


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 120) -> Result:
    return subprocess.run(
        args, cwd=cwd, env=env, text=True, encoding="utf-8", stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        timeout=timeout, check=False,
    )


def _git(cwd: Path, env: dict[str, str], *args: str) -> str:
    proc = _run(["git", *args], cwd, env)
    assert proc.returncode == 0, f"git {' '.join(args)} failed:\n{proc.stdout}"
    return proc.stdout


def _pre_commit(cwd: Path, env: dict[str, str], *args: str, timeout: float = 120) -> Result:
    assert _PRE_COMMIT is not None
    return _run([*_PRE_COMMIT, *args], cwd, env, timeout=timeout)


def _project_files() -> list[Path]:
    """The working tree as git sees it: tracked plus untracked non-ignored files (no build/, *.egg-info)."""
    proc = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False,
    )
    if proc.returncode == 0:
        names = [n for n in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if n]
        return [Path(n) for n in names]
    files: list[Path] = []
    for name in _NEEDED:
        path = ROOT / name
        if path.is_dir():
            found = [p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
            files += [p.relative_to(ROOT) for p in found]
        elif path.is_file():
            files.append(Path(name))
    return files


def _make_work_repo(path: Path, hook: HookRepo, env: dict[str, str]) -> Path:
    """A user's repository: manifests and a committed .pre-commit-config.yaml using the hook at `hook.rev`."""
    path.mkdir(parents=True)
    _git(path, env, "init", "-q")
    (path / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook.path}\n    rev: {hook.rev}\n    hooks:\n      - id: {HOOK_ID}\n",
        encoding="utf-8",
    )
    _git(path, env, "add", ".pre-commit-config.yaml")
    _git(path, env, "commit", "-q", "-m", "pre-commit config")
    (path / "k8s").mkdir()
    (path / "k8s" / "good.yaml").write_text(GOOD, encoding="utf-8")
    (path / "k8s" / "bad.yaml").write_text(BAD, encoding="utf-8")
    (path / "notes.txt").write_text(NOT_YAML, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    base = tmp_path_factory.mktemp("pre-commit")
    (base / "gitconfig").write_text("", encoding="utf-8")
    return _env(base / "home", base / "gitconfig")


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> HookRepo:
    """A snapshot of the current working tree, committed in its own repository."""
    dest = tmp_path_factory.mktemp("hook-repo")
    for rel in _project_files():
        src = ROOT / rel
        if not src.is_file():  # deleted but still in the index, or a directory entry (submodule)
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest / rel)
    assert (dest / ".pre-commit-hooks.yaml").is_file(), "the hook definition is missing"
    if not (dest / "README.md").exists():  # pyproject's `readme`; only ever created in the copy
        (dest / "README.md").write_text("", encoding="utf-8")
    _git(dest, env, "init", "-q")
    _git(dest, env, "add", "-A")
    _git(dest, env, "commit", "-q", "--no-verify", "-m", "snapshot of the kube-lsp working tree")
    return HookRepo(dest, _git(dest, env, "rev-parse", "HEAD").strip())


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory, hook_repo: HookRepo, env: dict[str, str]) -> Path:
    """The user's repository, with the hook's environment built once (the slow part) for the whole module."""
    repo = _make_work_repo(tmp_path_factory.mktemp("work") / "repo", hook_repo, env)
    start = time.monotonic()
    proc = _pre_commit(repo, env, "install-hooks", timeout=900)
    elapsed = time.monotonic() - start
    assert proc.returncode == 0, f"building the hook environment failed after {elapsed:.0f}s:\n{proc.stdout}"
    return repo


def test_manifest_is_valid(env: dict[str, str]) -> None:
    proc = _pre_commit(ROOT, env, "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml"))
    assert proc.returncode == 0, proc.stdout


def test_good_manifest_passes(work: Path, env: dict[str, str]) -> None:
    proc = _pre_commit(work, env, "run", HOOK_ID, "--files", "k8s/good.yaml")
    assert proc.returncode == 0, proc.stdout
    assert "Passed" in proc.stdout


def test_bad_manifest_fails_with_location_and_code(work: Path, env: dict[str, str]) -> None:
    proc = _pre_commit(work, env, "run", HOOK_ID, "--files", "k8s/good.yaml", "k8s/bad.yaml")
    assert proc.returncode == 1, proc.stdout
    assert "Failed" in proc.stdout
    assert f"k8s/bad.yaml:{BAD_LINE}:" in proc.stdout
    assert "KL200" in proc.stdout
    assert "imagePullPolicyy" in proc.stdout
    assert "k8s/good.yaml:" not in proc.stdout  # no findings for the good file


def test_non_yaml_files_are_not_passed(work: Path, env: dict[str, str]) -> None:
    proc = _pre_commit(work, env, "run", HOOK_ID, "--files", "notes.txt")
    assert proc.returncode == 0, proc.stdout
    assert "Skipped" in proc.stdout
    assert "contianers" not in proc.stdout


def test_git_commit_runs_the_hook_on_staged_files(
    tmp_path: Path, work: Path, hook_repo: HookRepo, env: dict[str, str]
) -> None:
    """Installed as a git hook: a commit of the good file goes through, a commit of the bad one is refused.

    `work` is requested only so that the hook environment already exists in the shared PRE_COMMIT_HOME.
    """
    repo = _make_work_repo(tmp_path / "repo", hook_repo, env)
    installed = _pre_commit(repo, env, "install")
    assert installed.returncode == 0, installed.stdout

    _git(repo, env, "add", "k8s/good.yaml", "notes.txt")
    ok = _run(["git", "commit", "-m", "good manifest"], repo, env)
    assert ok.returncode == 0, ok.stdout
    assert "Passed" in ok.stdout

    head = _git(repo, env, "rev-parse", "HEAD")
    _git(repo, env, "add", "k8s/bad.yaml")
    refused = _run(["git", "commit", "-m", "bad manifest"], repo, env)
    assert refused.returncode != 0, refused.stdout
    assert f"k8s/bad.yaml:{BAD_LINE}:" in refused.stdout
    assert "KL200" in refused.stdout
    assert _git(repo, env, "rev-parse", "HEAD") == head  # nothing was committed
