"""Mistakes on the command line and hostile environments: one clear line and exit code 2, never a traceback;
output that degrades instead of crashing when the terminal cannot show a character."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

FIXTURE = Path(__file__).parent / "fixtures" / "small.yaml"
REL = os.path.relpath(FIXTURE, ROOT)


def run(*args: str, env: dict[str, str] | None = None, stdin: bytes = b"", cwd: Path = ROOT,
        timeout: float = 60) -> subprocess.CompletedProcess[bytes]:
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "PYTHONIOENCODING")}
    base.update(PYTHONPATH=str(ROOT), **(env or {}))
    return subprocess.run([sys.executable, "-m", "kube_lsp", *args], input=stdin, capture_output=True, cwd=cwd,
                          env=base, check=False, timeout=timeout)


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    return {"HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")}


# ------------------------------------------------------------------------------------------- serve

@pytest.mark.parametrize(("args", "message"), [
    (["--tcp", "nonsense"], "--tcp nonsense: expected HOST:PORT, such as 127.0.0.1:2087"),
    (["--tcp", "127.0.0.1:99999"], "--tcp 127.0.0.1:99999: the port must be between 1 and 65535"),
    (["--tcp", "127.0.0.1:0"], "--tcp 127.0.0.1:0: the port must be between 1 and 65535"),
    (["--tcp", "localhost:"], "--tcp localhost:: expected HOST:PORT, such as 127.0.0.1:2087"),
    (["--log-file", "/nonexistent/x.log"], "--log-file /nonexistent/x.log: cannot write there: No such file or "
                                           "directory"),
])
def test_serve_refuses_bad_arguments_in_one_line(args: list[str], message: str, home: dict[str, str]) -> None:
    r = run("serve", *args, env=home)
    assert (r.returncode, r.stdout, r.stderr.decode()) == (2, b"", f"kube-lsp: error: {message}\n")


def test_serve_on_a_port_in_use(home: dict[str, str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        r = run("serve", "--tcp", f"127.0.0.1:{port}", env=home)
    assert (r.returncode, r.stderr.decode()) == (
        2, f"kube-lsp: error: cannot listen on 127.0.0.1:{port}: the port is already in use\n")


# ------------------------------------------------------------------------------------ mistyped input

CHECK_USAGE = """\
usage: kube-lsp check [-h] [--kube-version X.Y] [--output-format FORMAT]
                      [--color {auto,always,never}] [--config FILE] [--fix]
                      [--unsafe-fixes] [--diff] [--stdin-filename NAME]
                      [--force-exclude] [--max-file-size MB] [-q] [--no-cache]
                      [--cluster] [--context NAME] [--kubeconfig FILE]
                      [PATH ...]
"""


@pytest.mark.parametrize(("args", "stderr"), [
    (["chek", "."], "usage: kube-lsp [-h] [--version] COMMAND ...\n"
                    "kube-lsp: error: unknown command `chek` — did you mean `check`?\n"),
    (["dryrun", "x.yaml"], "usage: kube-lsp [-h] [--version] COMMAND ...\n"
                           "kube-lsp: error: unknown command `dryrun` — did you mean `dry-run`?\n"),
    (["lint"], "usage: kube-lsp [-h] [--version] COMMAND ...\nkube-lsp: error: unknown command `lint`\n"),
    (["check", "--kube-versoin", "1.30", "."],
     CHECK_USAGE + "kube-lsp check: error: unknown option `--kube-versoin` — did you mean `--kube-version`?\n"),
    (["check", "--fomat=json", "."],
     CHECK_USAGE + "kube-lsp check: error: unknown option `--fomat` — did you mean `--format`?\n"),
    (["check", "--unsafe-fixs", "."],
     CHECK_USAGE + "kube-lsp check: error: unknown option `--unsafe-fixs` — did you mean `--unsafe-fixes`?\n"),
    # options are never abbreviated: a prefix is a typo, not a silent alias
    (["check", "--unsafe-fix", "."],
     CHECK_USAGE + "kube-lsp check: error: unknown option `--unsafe-fix` — did you mean `--unsafe-fixes`?\n"),
])
def test_mistyped_commands_and_options_get_a_suggestion(args: list[str], stderr: str) -> None:
    r = run(*args)
    assert (r.returncode, r.stdout, r.stderr.decode()) == (2, b"", stderr)


def test_each_command_has_its_own_help() -> None:
    r = run("check", "--help")
    out = r.stdout.decode()
    assert r.returncode == 0
    assert out.startswith(CHECK_USAGE + "\nCheck Kubernetes manifests offline")
    assert "--unsafe-fixes" in out and "exit codes:\n  0  no error-severity finding" in out
    assert "--tcp" not in out
    r = run("serve", "--help")
    assert r.stdout.decode().startswith("usage: kube-lsp serve [-h] [--stdio] [--tcp HOST:PORT]")


def test_unknown_rule_suggests_the_closest() -> None:
    r = run("rules", "KL2000")
    assert (r.returncode, r.stderr.decode()) == (
        2, "kube-lsp: error: unknown rule 'KL2000' — did you mean `KL000` or `KL200`?\n")


# ---------------------------------------------------------------------------------------- encodings

ASCII = {"PYTHONIOENCODING": "ascii"}


def test_ascii_terminal_text_degrades_to_look_alikes() -> None:
    r = run("check", REL, env=ASCII)
    assert r.returncode == 1
    assert r.stdout.decode("ascii") == (
        f"{REL}:6:9: error KL202 `type` must be one of ClusterIP, NodePort, LoadBalancer, ExternalName; "
        'got "clusterIP" -- did you mean `ClusterIP`?\n'
        f"{REL}:9:7: error KL200 unknown field `protocl` in ServicePort (spec.ports[0]) -- did you mean "
        "`protocol`?\n")
    # Source excerpts escape what the terminal cannot show, and the carets stay under their characters.
    r = run("check", "--output-format", "full", "-", env=ASCII,
            stdin="apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\ndata: {caf\u00e9: 1, \u2014x: 2}\n".encode())
    # KL214 too: neither key is a valid ConfigMap key (both are outside [-._a-zA-Z0-9]).
    kl214 = ("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or "
             "'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+') -- a key becomes a file "
             "name when mounted: use letters, digits, '-', '_' or '.' only")
    assert r.stdout.decode("ascii") == (
        f'<stdin>:4:8: error[KL214] data[caf\\xe9]: Invalid value: "caf\\xe9": {kl214}\n'
        "  |\n"
        "4 | data: {caf\\xe9: 1, \\u2014x: 2}\n"
        "  |        ^^^^^^^\n"
        "\n"
        "<stdin>:4:14: error[KL201] `caf\\xe9` must be a string, got the number 1; quote it\n"
        "  |\n"
        "4 | data: {caf\\xe9: 1, \\u2014x: 2}\n"
        "  |                 ^\n"
        '  = help: Quote the value: "1" (safe fix, --fix)\n'
        "\n"
        f'<stdin>:4:17: error[KL214] data[--x]: Invalid value: "--x": {kl214}\n'
        "  |\n"
        "4 | data: {caf\\xe9: 1, \\u2014x: 2}\n"
        "  |                    ^^^^^^^\n"
        "\n"
        "<stdin>:4:21: error[KL201] `--x` must be a string, got the number 2; quote it\n"
        "  |\n"
        "4 | data: {caf\\xe9: 1, \\u2014x: 2}\n"
        "  |                             ^\n"
        '  = help: Quote the value: "2" (safe fix, --fix)\n'
        "\n")


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_ascii_terminal_json_is_escaped_losslessly(fmt: str) -> None:
    utf8 = run("check", "--format", fmt, REL)
    ascii_ = run("check", "--format", fmt, REL, env=ASCII)
    assert ascii_.stdout.isascii() and b"\\u2014" in ascii_.stdout
    assert json.loads(ascii_.stdout) == json.loads(utf8.stdout)


@pytest.mark.parametrize("args", [
    ["check", "--format", "github", REL], ["check", "--format", "full", "docs/examples"], ["check", "--help"],
    ["rules"], ["rules", "KL200"], ["rules", "--docs"], ["chek"], ["check", "--kube-version", "9.9", REL],
    ["serve", "--tcp", "x"], ["dry-run", REL], ["diff", REL],
])
def test_ascii_terminal_never_crashes(args: list[str], home: dict[str, str], tmp_path: Path) -> None:
    r = run(*args, env={**ASCII, **home, "KUBECONFIG": str(tmp_path / "missing")})
    assert b"Traceback" not in r.stderr and b"UnicodeEncodeError" not in r.stderr, r.stderr.decode()
    assert r.returncode in (0, 1, 2)
    assert (r.stdout + r.stderr).isascii()


def test_fix_on_stdin_keeps_the_text_utf8_on_an_ascii_terminal() -> None:
    text = "apiVersion: v1\nkind: Service\nmetadata: {name: caf\u00e9}  # \u2014 note\nspec: {tpye: ClusterIP}\n"
    r = run("check", "--fix", "-", env=ASCII, stdin=text.encode())
    assert r.stdout.decode("utf-8") == text.replace("tpye", "type")
    r = run("check", "--diff", "-", env=ASCII, stdin=text.encode())
    assert "-spec: {tpye: ClusterIP}\n+spec: {type: ClusterIP}\n" in r.stdout.decode("utf-8")


def test_a_file_name_that_is_not_utf8(tmp_path: Path) -> None:
    name = os.fsdecode(b"caf\xe9.yaml")
    (tmp_path / name).write_bytes(FIXTURE.read_bytes())
    r = run("check", ".", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stdout.decode().splitlines()[0].startswith("caf\\udce9.yaml:6:9: error KL202")
