"""What `kube-lsp check` is asked to read: exclude globs relative to the configuration, paths that cannot be
read (broken links, link loops, pipes, permissions) reported as KL104 findings, and folders with no YAML."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kube_lsp.cli import main
from tests.conftest import ROOT

FIXTURE = Path(__file__).parent / "fixtures" / "small.yaml"
GOOD = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
SUMMARY_TAIL = "; schemas: bundled Kubernetes 1.37 schemas"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(HOME=str(cwd), XDG_CACHE_HOME=str(cwd / ".cache"), PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "kube_lsp", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, check=False, timeout=60)


def paths_of(stdout: str) -> list[str]:
    return [line.split(":", 1)[0] for line in stdout.splitlines()]


# ------------------------------------------------------------------------------------------ exclude

@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose .kube-lsp.yaml excludes Helm templates, directories named `vendor` at any level and
    files by name."""
    root = tmp_path / "repo"
    for rel in ("charts/web/templates/deploy.yaml", "apps/web.yaml", "vendor/lib/x.yaml", "apps/skip-me.yaml",
                "apps/vendor/y.yaml"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(FIXTURE, root / rel)
    (root / ".kube-lsp.yaml").write_text('exclude:\n  - "charts/*/templates/*"\n  - vendor\n  - "skip-*.yaml"\n')
    return root


def test_exclude_is_relative_to_the_configuration_from_the_repository_root(repo: Path) -> None:
    r = run("check", ".", cwd=repo)
    assert sorted(set(paths_of(r.stdout))) == ["apps/web.yaml"]


def test_exclude_works_from_a_subdirectory(repo: Path) -> None:
    r = run("check", ".", cwd=repo / "charts")
    assert r.stdout == ""
    assert r.returncode == 0
    assert r.stderr == (
        "kube-lsp: warning: no YAML files found under . (looked for *.yaml, *.yml; 1 excluded by the "
        "configuration's `exclude`)\n"
        f"0 errors, 0 warnings, 0 infos in 0 files (0 documents){SUMMARY_TAIL}\n")
    r = run("check", "..", cwd=repo / "apps")
    assert sorted(set(paths_of(r.stdout))) == ["../apps/web.yaml"]


def test_exclude_works_with_absolute_paths(repo: Path) -> None:
    r = run("check", str(repo), cwd=repo / "apps")
    assert sorted(set(paths_of(r.stdout))) == [str(repo / "apps" / "web.yaml")]


def test_exclude_of_a_config_given_with_config_is_relative_to_that_file(repo: Path, tmp_path: Path) -> None:
    config = tmp_path / "ci.kube-lsp.yaml"
    config.write_text('exclude: ["repo/apps/*"]\n')
    (repo / ".kube-lsp.yaml").unlink()
    expected = ["charts/web/templates/deploy.yaml", "vendor/lib/x.yaml"]
    r = run("check", "--config", str(config), "repo", cwd=tmp_path)
    assert sorted(set(paths_of(r.stdout))) == [f"repo/{p}" for p in expected]
    r = run("check", "--config", "../ci.kube-lsp.yaml", ".", cwd=repo)
    assert sorted(set(paths_of(r.stdout))) == expected
    r = run("check", "--config", str(config), ".", cwd=repo / "apps")  # relative to the config, not to the cwd
    assert r.stdout == ""


def test_files_outside_the_configuration_directory_match_by_name_only(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "other" / "vendor" / "skip-x.yaml"
    outside.parent.mkdir(parents=True)
    shutil.copy(FIXTURE, outside)
    shutil.copy(FIXTURE, outside.parent / "kept.yaml")
    r = run("check", "--config", str(repo / ".kube-lsp.yaml"), str(tmp_path / "other"), cwd=repo)
    assert sorted(set(paths_of(r.stdout))) == [str(outside.parent / "kept.yaml")]


def test_force_exclude_applies_to_files_named_on_the_command_line(repo: Path) -> None:
    named = ["charts/web/templates/deploy.yaml", "apps/web.yaml", "vendor/lib/x.yaml"]
    assert sorted(set(paths_of(run("check", *named, cwd=repo).stdout))) == sorted(named)
    r = run("check", "--force-exclude", *named, cwd=repo / "apps")  # pre-commit style, but from a subdirectory
    assert r.stdout == ""
    r = run("check", "--force-exclude", *named, cwd=repo)
    assert sorted(set(paths_of(r.stdout))) == ["apps/web.yaml"]


def test_the_pre_commit_hook_honours_exclude() -> None:
    hooks = (ROOT / ".pre-commit-hooks.yaml").read_text()
    assert "entry: kube-lsp check --force-exclude\n" in hooks


# ------------------------------------------------------------------------------------ unreadable paths

def test_a_broken_symlink_is_a_finding_and_the_other_files_are_checked(tmp_path: Path) -> None:
    d = tmp_path / "d"
    d.mkdir()
    shutil.copy(FIXTURE, d / "a.yaml")
    (d / "x.yaml").symlink_to("/nonexistent")
    r = run("check", "d", cwd=tmp_path)
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    assert r.stdout.splitlines() == [
        "d/a.yaml:6:9: error KL202 `type` must be one of ClusterIP, NodePort, LoadBalancer, ExternalName; got "
        '"clusterIP" — did you mean `ClusterIP`?',
        "d/a.yaml:9:7: error KL200 unknown field `protocl` in ServicePort (spec.ports[0]) — did you mean "
        "`protocol`?",
        "d/x.yaml:1:1: error KL104 broken symbolic link: its target /nonexistent does not exist; it is not "
        "analysed",
    ]
    r = run("check", "d/x.yaml", cwd=tmp_path)  # named on the command line: the same finding
    assert (r.returncode, r.stdout) == (1, "d/x.yaml:1:1: error KL104 broken symbolic link: its target "
                                           "/nonexistent does not exist; it is not analysed\n")
    r = run("check", "d/nothing.yaml", cwd=tmp_path)  # a path that does not exist is a usage error
    assert (r.returncode, r.stderr) == (2, "kube-lsp: error: d/nothing.yaml: no such file or directory\n")


def test_link_loops_pipes_and_linked_directories(tmp_path: Path) -> None:
    d = tmp_path / "d"
    d.mkdir()
    (d / "good.yaml").write_text(GOOD)
    (d / "self.yaml").symlink_to("self.yaml")
    (d / "up").symlink_to("..")  # a directory loop: links to directories are not followed
    os.mkfifo(d / "pipe.yaml")  # reading it would block forever
    r = run("check", "d", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stdout == (
        "d/pipe.yaml:1:1: error KL104 not a regular file (a named pipe); it is not analysed\n"
        "d/self.yaml:1:1: error KL104 symbolic link loop (it resolves to itself); it is not analysed\n")
    assert r.stderr.startswith("2 errors, 0 warnings, 0 infos in 3 files (1 document)")


def test_unreadable_files_and_directories_are_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """Permissions, simulated (the tests may run as root, which reads everything)."""
    d = tmp_path / "d"
    (d / "locked").mkdir(parents=True)
    (d / "good.yaml").write_text(GOOD)
    (d / "secret.yaml").write_text(GOOD)
    (d / "locked" / "inner.yaml").write_text(GOOD)
    real_open, real_scandir = Path.open, os.scandir

    def path_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == "secret.yaml":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    def scandir(path: str | os.PathLike[str] = ".") -> object:
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(Path, "open", path_open)
    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    assert main(["check", "d"], stdout=out) == 1
    assert out.getvalue() == (
        "d/secret.yaml:1:1: error KL104 cannot be read: Permission denied; it is not analysed\n"
        "d/locked:1:1: error KL104 directory cannot be read: Permission denied; its files are not analysed\n")
    assert capsys.readouterr().err.startswith("2 errors, 0 warnings, 0 infos in 3 files (1 document)")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs file permissions that apply")
def test_unreadable_files_for_real(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(GOOD)
    secret = tmp_path / "secret.yaml"
    secret.write_text(GOOD)
    secret.chmod(0)
    try:
        r = run("check", ".", cwd=tmp_path)
    finally:
        secret.chmod(0o644)
    assert r.stdout == "secret.yaml:1:1: error KL104 cannot be read: Permission denied; it is not analysed\n"


# ------------------------------------------------------------------------------------ nothing to check

def test_a_folder_without_yaml_says_so(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.py").write_text("print('hi')\n")
    r = run("check", "src", cwd=tmp_path)
    assert r.returncode == 0
    assert r.stdout == ""
    assert r.stderr == ("kube-lsp: warning: no YAML files found under src (looked for *.yaml, *.yml)\n"
                        f"0 errors, 0 warnings, 0 infos in 0 files (0 documents){SUMMARY_TAIL}\n")


def test_a_file_named_twice_is_checked_once(tmp_path: Path) -> None:
    """`kube-lsp check k8s k8s/bad.yaml ./k8s/bad.yaml` reports bad.yaml's finding once, not three times (and
    the copies are not taken for duplicate objects)."""
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "bad.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndat: {}\n")
    out = run("check", "--no-cache", "k8s", "k8s/bad.yaml", "./k8s/bad.yaml", cwd=tmp_path)
    assert out.returncode == 1, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("k8s/bad.yaml:4:1: error KL200"), out.stdout
    assert "in 1 file" in out.stderr
