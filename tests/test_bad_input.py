"""Hostile or broken input: a clear finding, bounded time and memory, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, findings, where


def check(path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kube_lsp", "check", *extra, str(path)], capture_output=True,
                          text=True, cwd=ROOT, check=False, timeout=60)


def assert_clean_failure(r: subprocess.CompletedProcess[str], needle: str) -> None:
    assert "Traceback" not in r.stderr
    assert needle in r.stdout, r.stdout + r.stderr


def test_binary_file(tmp_path: Path) -> None:
    p = tmp_path / "image.yaml"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    r = check(p)
    assert r.returncode == 1
    assert_clean_failure(r, "1:1: error KL104 binary file (contains NUL bytes); it is not analysed")


def test_invalid_utf8_names_the_line(tmp_path: Path) -> None:
    p = tmp_path / "latin1.yaml"
    p.write_bytes("apiVersion: v1\nkind: ConfigMap\ndata:\n  city: Zürich\n".encode("latin-1"))
    r = check(p)
    assert_clean_failure(r, "4:1: error KL104 not valid UTF-8: byte 0xfc at line 4, byte 10")


def test_empty_and_comment_only_files(tmp_path: Path) -> None:
    for text in ("", "\n\n", "# nothing here\n", "---\n", "---\n...\n"):
        p = tmp_path / "empty.yaml"
        p.write_text(text)
        r = check(p)
        assert (r.returncode, r.stdout) == (0, ""), text


def test_file_over_the_size_limit_is_skipped_quickly(tmp_path: Path) -> None:
    p = tmp_path / "huge.yaml"
    line = b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {k: v}\n---\n"
    with p.open("wb") as fh:
        for _ in range(50 * 1024 * 1024 // len(line) + 1):
            fh.write(line)
    start = time.perf_counter()
    r = check(p)
    assert time.perf_counter() - start < 10
    assert_clean_failure(r, "error KL104 this file is 52.4 MB; kube-lsp analyses files up to 16 MB "
                            "(--max-file-size / kubeLsp.maxFileSize)")


NOT_REGULAR = "it is not analysed (pipe it in instead: kube-lsp check - < FILE)"


@pytest.mark.parametrize("command", ["check", "dry-run", "diff"])
def test_a_named_pipe_given_as_a_file_never_blocks(tmp_path: Path, command: str) -> None:
    """A FIFO with no writer blocks whoever opens it; only regular files are read, also when named."""
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    r = subprocess.run([sys.executable, "-m", "kube_lsp", command, str(fifo), "--kubeconfig", str(tmp_path / "kc")]
                       if command != "check" else [sys.executable, "-m", "kube_lsp", "check", str(fifo)],
                       capture_output=True, text=True, cwd=ROOT, timeout=30)
    assert "Traceback" not in r.stderr
    if command == "check":
        assert r.returncode == 1
        assert f"pipe.yaml:1:1: error KL104 not a regular file (a named pipe); {NOT_REGULAR}" in r.stdout
    else:  # no cluster: the run stops at the kubeconfig, but it got there without blocking on the pipe
        assert r.returncode == 2


def test_a_device_is_not_read(tmp_path: Path) -> None:
    start = time.perf_counter()
    r = check(Path("/dev/zero"))
    assert time.perf_counter() - start < 10
    assert r.returncode == 1
    assert_clean_failure(r, f"/dev/zero:1:1: error KL104 not a regular file (a character device); {NOT_REGULAR}")


def test_an_endless_stdin_is_read_up_to_the_limit() -> None:
    start = time.perf_counter()
    with open("/dev/zero", "rb") as zero:
        r = subprocess.run([sys.executable, "-m", "kube_lsp", "check", "-"], stdin=zero, capture_output=True,
                           text=True, cwd=ROOT, timeout=60)
    assert time.perf_counter() - start < 20
    assert r.returncode == 1
    assert_clean_failure(r, "<stdin>:1:1: error KL104 this file is more than 16 MB; kube-lsp analyses files up "
                            "to 16 MB")


def test_deep_flow_nesting() -> None:
    fs = findings("a: " + "[" * 10_000 + "]" * 10_000 + "\n")
    assert where(fs) == [("KL104", 1, 204)]
    assert "nesting deeper than 200 levels" in fs[0].message


def test_deep_block_nesting() -> None:
    text = "a:\n" + "  " + "- " * 10_000 + "x\n"
    start = time.perf_counter()
    fs = findings(text)
    assert time.perf_counter() - start < 5
    assert [f.code for f in fs] == ["KL104"]


def test_billion_laughs() -> None:
    levels = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        levels.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n" + "".join(
        "  " + lv + "\n" for lv in levels)
    start = time.perf_counter()
    fs = findings(text)
    assert time.perf_counter() - start < 5
    assert [f.code for f in fs] == ["KL104"]
    assert "billion laughs" in fs[0].message


@pytest.mark.parametrize("text", [
    "\t\t\t", ":", "- - - -", "{{{{", "]]]", "&a *a", "*undefined", "? [a]\n: b", "!!binary ZZZ", "'unterminated",
    "a: |\n  ok\n b: x", "%YAML 1.1\n---\na: 1", "%FOO\n---\na: 1", "a: !!int x", "--- !!set {a, b}",
    "apiVersion: 1\nkind: [x]\n", "apiVersion: v1\nkind: Pod\nmetadata: []\nspec: 7\n", "\ufeff\ufeffa: 1",
    "a: \x00", "\x1b[31mred", "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - {name: a, image: b, <<: 1}\n",
])
def test_odd_yaml_never_crashes(text: str) -> None:
    fs = findings(text)
    assert all(f.code != "KL000" for f in fs), fs
