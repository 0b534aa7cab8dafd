"""On a terminal: the full format (source excerpts, carets, fix hints) in colour, a progress line on stderr;
elsewhere the concise one-line form, byte for byte. Terminals are real pseudo-terminals (pty)."""

from __future__ import annotations

import fcntl
import io
import os
import select
import struct
import subprocess
import sys
import termios
import threading
import time
import tty
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest

from kube_lsp.output.full import excerpt, visible
from kube_lsp.output.term import Progress, color_enabled
from tests.conftest import ROOT

FIXTURE = Path(__file__).parent / "fixtures" / "small.yaml"
REL = os.path.relpath(FIXTURE, ROOT)
B, RED, BLUE, CYAN, YELLOW, R = "\x1b[1m", "\x1b[1;31m", "\x1b[1;34m", "\x1b[1;36m", "\x1b[1;33m", "\x1b[0m"
SUMMARY = ("2 errors, 0 warnings, 0 infos in 1 file (1 document); schemas: bundled Kubernetes 1.37 schemas; "
           "exit code 1 (errors found)\n2 fixable with --fix (preview with --diff)\n")


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str


def run(*args: str, ttys: Sequence[str] = ("stdout", "stderr"), env: dict[str, str] | None = None,
        cwd: Path = ROOT, columns: int = 100, timeout: float = 60,
        slow_stdin: tuple[float, bytes] | None = None) -> Run:
    """Run the CLI with the streams named in `ttys` on pseudo-terminals (the others on pipes). With
    `slow_stdin` (delay, data), standard input delivers `data` `delay` seconds after the start."""
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES")}
    base.update(PYTHONPATH=str(ROOT), TERM="xterm-256color", HOME=str(cwd), **(env or {}))
    child: dict[str, int] = {}
    ours: dict[str, int] = {}
    for name in ("stdout", "stderr"):
        if name in ttys:
            ours[name], child[name] = os.openpty()
            fcntl.ioctl(child[name], termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
            tty.setraw(child[name])  # no \n → \r\n translation: compare bytes as written
        else:
            ours[name], child[name] = os.pipe()
    proc = subprocess.Popen([sys.executable, "-m", "kube_lsp", *args],
                            stdin=subprocess.DEVNULL if slow_stdin is None else subprocess.PIPE,
                            stdout=child["stdout"], stderr=child["stderr"], cwd=cwd, env=base)
    if slow_stdin is not None:
        assert proc.stdin is not None

        def feed(pipe: IO[bytes], delay: float, data: bytes) -> None:
            time.sleep(delay)
            with pipe:
                pipe.write(data)

        threading.Thread(target=feed, args=(proc.stdin, *slow_stdin), daemon=True).start()
    for fd in child.values():
        os.close(fd)
    got = {name: bytearray() for name in ours}
    pending = dict(ours)
    while pending:
        ready, _, _ = select.select(list(pending.values()), [], [], timeout)
        if not ready:
            proc.kill()
            raise TimeoutError(f"kube-lsp {' '.join(args)}")
        for name, fd in list(pending.items()):
            if fd not in ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the terminal's other side is closed
                chunk = b""
            if chunk:
                got[name] += chunk
            else:
                os.close(fd)
                del pending[name]
    return Run(proc.wait(timeout=timeout), got["stdout"].decode(), got["stderr"].decode())


def full_small(color: bool) -> str:
    def c(style: str, text: str) -> str:
        return f"{style}{text}{R}" if color else text

    kl202 = ('`type` must be one of ClusterIP, NodePort, LoadBalancer, ExternalName; got "clusterIP" — did you '
             "mean `ClusterIP`?")
    kl200 = "unknown field `protocl` in ServicePort (spec.ports[0]) — did you mean `protocol`?"
    return (
        f"{c(B, f'{REL}:6:9:')} {c(RED, 'error[KL202]')} {c(B, kl202)}\n"
        f"{c(BLUE, '  |')}\n"
        f"{c(BLUE, '6 |')}   type: clusterIP\n"
        f"{c(BLUE, '  |')}         {c(RED, '^^^^^^^^^')}\n"
        f"  {c(BLUE, '=')} {c(CYAN, 'help')}: Change to `ClusterIP` (safe fix, --fix)\n"
        "\n"
        f"{c(B, f'{REL}:9:7:')} {c(RED, 'error[KL200]')} {c(B, kl200)}\n"
        f"{c(BLUE, '  |')}\n"
        f"{c(BLUE, '9 |')}       protocl: TCP\n"
        f"{c(BLUE, '  |')}       {c(RED, '^^^^^^^')}\n"
        f"  {c(BLUE, '=')} {c(CYAN, 'help')}: Rename `protocl` to `protocol` (safe fix, --fix)\n"
        "\n"
    )


CONCISE = (
    f"{REL}:6:9: error KL202 `type` must be one of ClusterIP, NodePort, LoadBalancer, ExternalName; "
    'got "clusterIP" — did you mean `ClusterIP`?\n'
    f"{REL}:9:7: error KL200 unknown field `protocl` in ServicePort (spec.ports[0]) — did you mean `protocol`?\n"
)


# -------------------------------------------------------------------------------- format and colour

def test_a_terminal_gets_the_full_format_in_colour() -> None:
    r = run("check", REL)
    assert r.returncode == 1
    assert r.stdout == full_small(color=True)
    assert r.stderr == SUMMARY


def test_no_color_keeps_the_full_format_without_escapes() -> None:
    r = run("check", REL, env={"NO_COLOR": "1"})
    assert r.stdout == full_small(color=False)
    assert run("check", "--color", "never", REL).stdout == full_small(color=False)
    assert run("check", "--color", "always", REL, env={"NO_COLOR": "1"}).stdout == full_small(color=True)


def test_concise_on_a_terminal_and_the_default_in_a_pipe() -> None:
    assert run("check", "--output-format", "concise", "--color", "never", REL).stdout == CONCISE
    piped = run("check", REL, ttys=())  # what scripts and pre-commit see: unchanged, byte for byte
    assert (piped.stdout, piped.stderr) == (CONCISE, SUMMARY)
    assert run("check", "--format", "full", REL, ttys=()).stdout == full_small(color=False)


def test_force_color_colours_the_concise_form_in_a_pipe() -> None:
    r = run("check", REL, ttys=(), env={"FORCE_COLOR": "1"})
    assert r.stdout == (
        f"{B}{REL}:6:9:{R} {RED}error{R} {B}KL202{R} `type` must be one of ClusterIP, NodePort, LoadBalancer, "
        'ExternalName; got "clusterIP" — did you mean `ClusterIP`?\n'
        f"{B}{REL}:9:7:{R} {RED}error{R} {B}KL200{R} unknown field `protocl` in ServicePort (spec.ports[0]) — did "
        "you mean `protocol`?\n")
    assert run("check", "--color", "never", REL, ttys=(), env={"FORCE_COLOR": "1"}).stdout == CONCISE


def test_machine_formats_are_never_coloured() -> None:
    r = run("check", "--format", "json", REL)
    assert "\x1b" not in r.stdout and r.stdout.startswith('{\n  "version": 1,')


def test_full_format_of_the_readme_example() -> None:
    """Unsafe fixes and the fix of a document that does not parse say how (or that --fix will not) apply."""
    r = run("check", "--format", "full", "--color", "never", "docs/examples/web.yaml", ttys=())
    assert r.stdout.split("\n\n")[4:] == [
        "docs/examples/web.yaml:26:13: error[KL300] `extensions/v1beta1` Ingress was removed in Kubernetes 1.22 "
        "(target 1.37); use `networking.k8s.io/v1`\n"
        "   |\n"
        "26 | apiVersion: extensions/v1beta1\n"
        "   |             ^^^^^^^^^^^^^^^^^^\n"
        "   = help: Change apiVersion to `networking.k8s.io/v1` (unsafe fix, --fix --unsafe-fixes)",
        "docs/examples/web.yaml:43:5: error[KL100] `targetPort` lines up with the `- ` items of this list but does "
        "not start one: indent it by 6 spaces to belong to the item above (line 42), or start a new item with "
        "`- `\n"
        "   |\n"
        "43 |     targetPort: 8080\n"
        "   |     ^^^^^^^^^^^^^^^^\n"
        "   = help: Indent `targetPort` to line up with the item above (not applied by --fix: this document does "
        "not parse)",
        "",
    ]


def test_full_format_clips_long_lines_to_the_terminal(tmp_path: Path) -> None:
    long_value = "x" * 150
    (tmp_path / "cm.yaml").write_text(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c}}\n"
                                      f"data: {{a: {long_value}, typo: 1}}\n")
    r = run("check", "--color", "never", "cm.yaml", cwd=tmp_path, columns=60)
    shown, carets = r.stdout.splitlines()[2:4]
    assert shown == "4 | …" + "x" * 44 + ", typo: 1}"  # the end of the line, where the finding is
    assert carets == "  |" + " " * 54 + "^"  # under the `1`
    assert len(shown) == 59


def test_a_manifest_cannot_drive_the_terminal(tmp_path: Path) -> None:
    """A key with an escape sequence is shown, not obeyed, on a terminal; a pipe still gets the text as is."""
    (tmp_path / "svc.yaml").write_text('apiVersion: v1\nkind: Service\nmetadata: {name: web}\n'
                                       'spec: {"typ\\e[2J": x, ports: [{port: 80}]}\n')
    message = "unknown field `typ{}[2J` in ServiceSpec (spec); the API server rejects unknown fields"
    r = run("check", "--output-format", "concise", "--color", "never", "svc.yaml", cwd=tmp_path)
    assert r.stdout == "svc.yaml:4:8: error KL200 " + message.format("\u241b") + "\n"
    r = run("check", "--color", "never", "svc.yaml", cwd=tmp_path)
    assert r.stdout.splitlines()[0] == "svc.yaml:4:8: error[KL200] " + message.format("\u241b")
    assert "\x1b" not in r.stdout
    r = run("check", "svc.yaml", cwd=tmp_path, ttys=())
    assert r.stdout == "svc.yaml:4:8: error KL200 " + message.format("\x1b") + "\n"


def test_color_choice() -> None:
    pipe = io.StringIO()
    assert color_enabled("auto", pipe, {}) is False
    assert color_enabled("auto", pipe, {"FORCE_COLOR": "1"}) is True
    assert color_enabled("always", pipe, {"NO_COLOR": "1"}) is True
    assert color_enabled("never", pipe, {"FORCE_COLOR": "1"}) is False
    assert color_enabled("auto", pipe, {"NO_COLOR": ""}) is False  # empty values count as unset


# ------------------------------------------------------------------------------------ source excerpts

@pytest.mark.parametrize(("line", "start", "end", "shown", "carets"), [
    ("\tkey:\tvalue", 5, 10, "    key:    value", "        ^^^^^^^^"),  # tabs expand to the next multiple of 4
    ("name: 日本語x", 6, 9, "name: 日本語x", "      ^^^^^^"),  # wide characters take two cells
    ("name: 日本語x", 9, 10, "name: 日本語x", "            ^"),
    ("a: e\u0301b", 3, 5, "a: e\u0301b", "   ^"),  # a combining accent takes none
    ("a: \x1b[31mred", 3, 8, "a: \u241b[31mred", "   ^^^^^"),  # escapes are shown, never sent to the terminal
    ("a: b\u202ec", 4, 5, "a: b\ufffdc", "    ^"),  # so are bidi overrides (Trojan Source)
    ("abc", 3, 3, "abc", "   ^"),  # an empty range at the end of the line
    ("key: value", 5, None, "key: value", "     ^^^^^"),  # a multi-line range: to the end of its first line
    ("x" * 50 + "TARGET" + "y" * 200, 50, 56, "…" + "x" * 16 + "TARGET" + "y" * 16 + "…", " " * 17 + "^" * 6),
    ("z" * 300, 290, 300, "…" + "z" * 38, " " * 29 + "^" * 10),
    ("a" * 100, 10, None, "a" * 38 + "…", " " * 10 + "^" * 28),
])
def test_excerpt(line: str, start: int, end: int | None, shown: str, carets: str) -> None:
    assert excerpt(line, start, end, width=40) == (shown, carets)


def test_excerpt_on_an_ascii_terminal_escapes_and_keeps_the_carets_aligned() -> None:
    assert excerpt("k: café: x", 8, 10, width=80, ascii_only=True) == ("k: caf\\xe9: x", "           ^^")


def test_messages_cannot_drive_the_terminal() -> None:
    assert visible("unknown field `a\x1b]0;pwned\x07`") == "unknown field `a\u241b]0;pwned\u2407`"


# ------------------------------------------------------------------------------------------- progress

def test_progress_waits_a_second_redraws_in_place_and_clears() -> None:
    now = [0.0]
    stream = io.StringIO()
    p = Progress(stream, True, clock=lambda: now[0])
    p.update(1, 5000)
    assert stream.getvalue() == ""  # quick runs show nothing
    now[0] = 1.2
    p.update(1234, 5000)
    now[0] = 1.25
    p.update(1300, 5000)  # redrawn at most ten times a second
    now[0] = 1.4
    p.update(5000, 5000)
    p.done()
    assert stream.getvalue() == ("\rchecking 1,234/5,000 files…\rchecking 5,000/5,000 files…"
                                 "\r" + " " * len("checking 5,000/5,000 files…") + "\r")
    quiet = io.StringIO()
    off = Progress(quiet, False, clock=lambda: now[0] + 10)
    off.update(1, 2)
    off.done()
    assert quiet.getvalue() == ""


def test_progress_on_a_terminal_during_a_slow_run(tmp_path: Path) -> None:
    """Slow for sure: standard input delivers its text 2.5 s after the start (the progress line waits for one
    second)."""
    frame = "checking 2/2 files…"
    slow = (2.5, FIXTURE.read_bytes())
    r = run("check", "-", REL, ttys=("stderr",), slow_stdin=slow)
    assert r.stderr == ("\rchecking 1/2 files…\r" + frame + "\r" + " " * len(frame) + "\r"
                        "4 errors, 0 warnings, 0 infos in 2 files (2 documents); schemas: bundled Kubernetes 1.37 "
                        "schemas; exit code 1 (errors found)\n4 fixable with --fix (preview with --diff)\n")
    assert r.stdout.count("\n") == 4  # the findings themselves are untouched
    assert run("check", "-q", "-", REL, ttys=("stderr",), slow_stdin=slow).stderr == ""
    piped = run("check", "-", REL, ttys=(), slow_stdin=slow)  # not a terminal: no progress
    assert piped.stderr.startswith("4 errors")
