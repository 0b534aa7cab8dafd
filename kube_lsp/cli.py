"""Command line: `kube-lsp check`, `rules`, `serve`, `dry-run`, `diff`, `status`. Argument handling and I/O only;
no analysis here.
"""

from __future__ import annotations

import argparse
import errno
import hashlib
import json
import os
import sys
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NoReturn, TextIO

from kube_lsp import __version__
from kube_lsp.collector import young_only
from kube_lsp.config import MAX_TARGETS, ConfigError, Settings, find_config, load_config, parse_kube_version
from kube_lsp.inputs import (
    MAX_BYTES,
    YAML_SUFFIXES,
    InputError,
    Source,
    entries,
    kustomize_patches,
    read_entry,
    read_stream,
    resolved,
)
from kube_lsp.model import Finding, Severity
from kube_lsp.output import CHECK_FORMATS, FileResult, RunInfo, render, summary_line
from kube_lsp.output.term import Progress, can_encode, color_enabled, isatty, prepare_streams, terminal_width
from kube_lsp.schema.bundled import bundled_identity, bundled_version, bundled_versions, format_version
from kube_lsp.suggest import did_you_mean

# The rest is imported where it is needed: an unchanged re-run served from the cache (kube_lsp/cache.py) reads
# no schema, parses no YAML and imports no rule.
if TYPE_CHECKING:
    from kube_lsp.cache import CheckCache, CrdDefs
    from kube_lsp.engine import Engine
    from kube_lsp.fixes import FixPlan
    from kube_lsp.output import RuleInfo
    from kube_lsp.parsing.loader import Document
    from kube_lsp.schema.catalog import Catalog, KindSchema
    from kube_lsp.textindex import NamespacePolicy
    from kube_lsp.workspace.model import Workspace

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
TEXT_FORMATS: Final = ("text", "full", "concise")

CHECK_EPILOG: Final = """\
output:
  text (the default) is `full` when stdout is a terminal (each finding with its source line, the
  range underlined, and its fix) and `concise` otherwise (one `path:line:col: severity KLnnn message`
  line per finding, for scripts and pre-commit). Colour: --color, or FORCE_COLOR / NO_COLOR.
  A summary goes to stderr (not with -q).

fixes:
  --fix applies the fixes marked safe in place; --unsafe-fixes adds the others (review them).
  --diff shows what --fix would change and writes nothing (its exit code is the check's). A YAML
  document with a syntax error is never changed; the other documents of its file are.
  With `-` (stdin), --fix prints the fixed text on stdout (the whole text, also when nothing
  changed) and the findings that remain on stderr; --diff prints the diff on stdout.

cache:
  Findings are cached by content: an unchanged file (in a big file, an unchanged document) is not
  analysed again while kube-lsp's version, the settings, the schemas, the Namespace labels of the run
  and the CustomResourceDefinitions it used stay the same (a CRD change re-checks its resources only);
  with nothing changed, the last report is printed again (not with --fix, --diff or stdin).
  The cache is in $XDG_CACHE_HOME/kube-lsp/check, by default ~/.cache/kube-lsp/check (macOS
  ~/Library/Caches/kube-lsp/check, Windows %LOCALAPPDATA%\\kube-lsp\\cache\\check); concurrent runs
  share it safely. It is kept under $KUBE_LSP_CACHE_MAX_MB megabytes (default 256): the least
  recently used entries go first. Deleting it is always safe. --no-cache neither reads nor writes it.
  --fix and --diff use it as well (the fixes are part of the cached findings); the check after a fix
  is always fresh.

exit codes:
  0  no error-severity finding (also when no YAML file was found: a warning says so)
  1  at least one error-severity finding (a file that cannot be read is one: KL104)
  2  usage error, a path that does not exist, a bad configuration
"""


UPGRADE_EPILOG: Final = """\
what is reported (each finding names its release):
  KL302 an apiVersion removed by a release up to --to (error; also one removed before --from)
  KL303 an apiVersion deprecated at --to          KL304 a field removed by a release up to --to (error)
  KL305 a field documented as deprecated at --to  KL306 an apiVersion --from does not serve yet
  KL307 a field --from does not have yet          KL308 a custom resource version its CRD deprecates
  The facts come from schemas/api-versions.yaml and the bundled schemas of every version in between.

fixes:
  KL302/KL303 carry the migration to the replacement (apiVersion and structure) as an unsafe fix:
  --diff shows them, --fix applies them (review the result). The replacement is one both versions
  serve when there is one; `check --fix --unsafe-fixes` applies the same migrations (KL300/KL301).

exit codes:
  0  nothing that breaks the upgrade   1  at least one error-severity finding   2  usage error
"""


def _columns() -> int:
    """shutil.get_terminal_size().columns, without importing shutil (it imports the compression modules, which
    every `add_argument` would pay for through argparse's HelpFormatter)."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns if sys.__stdout__ else 0
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _Help(argparse.HelpFormatter):
    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position, _columns() - 2 if width is None else width)


class _RawHelp(_Help, argparse.RawDescriptionHelpFormatter):
    pass


class _Parser(argparse.ArgumentParser):
    """Usage errors exit 2; options are never abbreviated (`--unsafe-fix` is a typo with a did-you-mean, not a
    silent prefix of `--unsafe-fixes`), so the flags stay a stable interface for scripts."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        kwargs.setdefault("formatter_class", _Help)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


MAX_FILE_SIZE_MB: Final = 4096


def _megabytes(raw: str) -> float:
    """--max-file-size: a number of megabytes from 0 to MAX_FILE_SIZE_MB; anything else (nan, inf, a negative
    number) is a usage error, not a traceback, and `- < /dev/zero` always ends."""
    try:
        value = float(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of megabytes: {raw!r}") from None
    if not 0 <= value <= MAX_FILE_SIZE_MB:  # also nan and inf
        raise argparse.ArgumentTypeError(f"the size must be 0 to {MAX_FILE_SIZE_MB} megabytes, not {raw!r}")
    return value


def _seconds(raw: str) -> float:
    """A duration: a finite number of seconds, 0 or more."""
    try:
        value = float(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {raw!r}") from None
    if not 0 <= value < 1e9:  # also nan and inf
        raise argparse.ArgumentTypeError(f"a duration must be a finite number of seconds, 0 or more, not {raw!r}")
    return value


@dataclass(frozen=True, slots=True)
class Cli:
    parser: argparse.ArgumentParser
    commands: dict[str, argparse.ArgumentParser]


def build_parser() -> argparse.ArgumentParser:
    return _build().parser


def _build() -> Cli:
    versions = bundled_versions()
    parser = _Parser(prog="kube-lsp", description="Kubernetes manifest checker and language server.")
    parser.add_argument("--version", action="version", version=f"kube-lsp {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    check = sub.add_parser("check", help="check manifests (files, directories, or - for stdin)",
                           description="Check Kubernetes manifests offline against the schemas of a "
                                       "Kubernetes version.",
                           epilog=CHECK_EPILOG, formatter_class=_RawHelp)
    check.add_argument("paths", nargs="*", metavar="PATH",
                       help="files or directories (searched for *.yaml, *.yml); - reads stdin; default .")
    check.add_argument("--kube-version", metavar="X.Y",
                       help=f"target Kubernetes version ({format_version(versions[0])}–"
                            f"{format_version(versions[-1])}; default {format_version(versions[-1])})")
    check.add_argument("--output-format", "--format", dest="format", choices=CHECK_FORMATS, default="text",
                       metavar="FORMAT", help=f"{', '.join(CHECK_FORMATS)} (default text: full on a terminal, "
                                              "concise otherwise)")
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                       help="colour the findings (default auto: on a terminal, unless NO_COLOR is set)")
    check.add_argument("--config", metavar="FILE", help="settings file (default: nearest .kube-lsp.yaml)")
    check.add_argument("--fix", action="store_true", help="apply safe fixes in place (stdin: print the fixed text)")
    check.add_argument("--unsafe-fixes", action="store_true",
                       help="with --fix or --diff, also the fixes not marked safe")
    check.add_argument("--diff", action="store_true", help="print the fixes as a unified diff; change nothing")
    check.add_argument("--stdin-filename", metavar="NAME", default="<stdin>",
                       help="name to report for stdin (default <stdin>)")
    check.add_argument("--force-exclude", action="store_true",
                       help="apply the configuration's `exclude` globs (relative to its directory) to files "
                            "named on the command line too, as pre-commit names them")
    check.add_argument("--max-file-size", type=_megabytes, default=MAX_BYTES / 1e6, metavar="MB",
                       help=f"skip larger files with a finding (default {MAX_BYTES / 1e6:.0f})")
    check.add_argument("-q", "--quiet", action="store_true", help="no summary or progress on stderr")
    check.add_argument("--no-cache", action="store_true",
                       help="analyse everything again; do not read or write the cache (see `cache` below)")
    check.add_argument("--cluster", action="store_true",
                       help="validate against the schemas of your cluster (kubeconfig's current context)")
    check.add_argument("--context", metavar="NAME", help="like --cluster, with this kubeconfig context")
    check.add_argument("--kubeconfig", metavar="FILE", help="like --cluster, with this kubeconfig file")

    commands: dict[str, argparse.ArgumentParser] = {"check": check}
    upgrade = sub.add_parser("upgrade", help="what an upgrade between two Kubernetes versions breaks or changes",
                             description="List, per file and line, what changes meaning or breaks when the "
                                         "cluster is upgraded from one Kubernetes version to another: removed "
                                         "and deprecated apiVersions and fields, apiVersions and fields the "
                                         "older version does not have yet, deprecated custom resource versions.",
                             epilog=UPGRADE_EPILOG, formatter_class=_RawHelp)
    upgrade.add_argument("paths", nargs="*", metavar="PATH",
                         help="files or directories (searched for *.yaml, *.yml); - reads stdin; default .")
    upgrade.add_argument("--from", dest="from_version", metavar="X.Y",
                         help="the version upgraded from (default: the oldest `kubeVersion` of the configuration, "
                              "else the cluster's with --cluster/--context, else "
                              f"{format_version(versions[0])})")
    upgrade.add_argument("--to", dest="to_version", metavar="X.Y",
                         help=f"the version upgraded to (default {format_version(versions[-1])}, the newest bundled)")
    upgrade.add_argument("--output-format", "--format", dest="format", choices=(*CHECK_FORMATS, "markdown"),
                         default="text", metavar="FORMAT",
                         help=f"{', '.join(CHECK_FORMATS)}, markdown (a report for an upgrade pull request)")
    upgrade.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    upgrade.add_argument("--fix", action="store_true",
                         help="apply the migrations in place (they are unsafe fixes: review the result)")
    upgrade.add_argument("--diff", action="store_true", help="print the migrations as a unified diff; change nothing")
    upgrade.add_argument("--config", metavar="FILE", help="settings file (default: nearest .kube-lsp.yaml)")
    upgrade.add_argument("--stdin-filename", metavar="NAME", default="<stdin>")
    upgrade.add_argument("--force-exclude", action="store_true",
                         help="apply the configuration's `exclude` globs to files named on the command line too")
    upgrade.add_argument("--max-file-size", type=_megabytes, default=MAX_BYTES / 1e6, metavar="MB")
    upgrade.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
    upgrade.add_argument("--cluster", action="store_true",
                         help="upgrade from the version of your cluster (kubeconfig's current context)")
    upgrade.add_argument("--context", metavar="NAME", help="like --cluster, with this kubeconfig context")
    upgrade.add_argument("--kubeconfig", metavar="FILE", help="like --cluster, with this kubeconfig file")
    commands["upgrade"] = upgrade
    for name, help_text in (("dry-run", "server-side dry-run of each document against your cluster (never writes)"),
                            ("diff", "diff each document against the live cluster, like kubectl diff --server-side"),
                            ("status", "the live state of each object in the cluster, and its live problems "
                                       "(read-only)")):
        cmd = sub.add_parser(name, help=help_text, description=help_text[0].upper() + help_text[1:] + ".")
        cmd.add_argument("paths", nargs="+", metavar="PATH", help="files or directories; - reads stdin")
        cmd.add_argument("--kubeconfig", metavar="FILE", help="kubeconfig (default: $KUBECONFIG or ~/.kube/config)")
        cmd.add_argument("--context", metavar="NAME", action="append",
                         help="kubeconfig context (default: the current one); repeat for several, side by side")
        cmd.add_argument("--connect-timeout", type=_seconds, default=5.0, metavar="S", help="default 5 seconds")
        cmd.add_argument("--timeout", type=_seconds, default=30.0, metavar="S", help="read timeout, default 30 s")
        cmd.add_argument("--stdin-filename", metavar="NAME", default="<stdin>")
        if name == "dry-run":
            cmd.add_argument("--format", choices=("text", "json", "sarif", "github"), default="text",
                             help="output format (default text)")
            cmd.add_argument("-q", "--quiet", action="store_true", help="no summary line on stderr")
        if name == "status":
            cmd.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
            cmd.add_argument("--drift", action="store_true",
                             help="also compare each live object with a server-side dry-run of the file (KL958 on "
                                  "each field the file sets that differs)")
            cmd.add_argument("--watch", action="store_true",
                             help="keep watching the cluster and print the states again when they change")
            cmd.add_argument("--watch-for", type=_seconds, default=0.0, metavar="S",
                             help="with --watch: stop after S seconds (default: until interrupted)")
            cmd.add_argument("--debounce", type=_seconds, default=0.3, metavar="S", help=argparse.SUPPRESS)
            cmd.add_argument("--config", metavar="FILE",
                             help="settings file (default: nearest .kube-lsp.yaml): rule severities, rules "
                                  "switched off, exclude")
        commands[name] = cmd

    serve = sub.add_parser("serve", help="run the language server (stdio by default)",
                           description="Run the language server: JSON-RPC over stdio (or --tcp).")
    serve.add_argument("--stdio", action="store_true", help="talk JSON-RPC over stdin/stdout (the default)")
    serve.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP port instead (for debugging), "
                                                          "e.g. 127.0.0.1:2087")
    serve.add_argument("--log-file", metavar="FILE", help="write the server log here (default: stderr)")
    serve.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    commands["serve"] = serve

    resources = sub.add_parser("resources", help="requests, limits, replicas and totals of the workloads",
                               description="Print what each workload requests and limits, per container, per pod "
                                           "and for all its replicas (and at its HorizontalPodAutoscaler's "
                                           "maxReplicas), with its QoS class: a table per namespace, or JSON.")
    resources.add_argument("paths", nargs="*", metavar="PATH", help="files or directories; - reads stdin; default .")
    resources.add_argument("--format", choices=("text", "json"), default="text", help="default text")
    resources.add_argument("--stdin-filename", metavar="NAME", default="<stdin>")
    commands["resources"] = resources

    rules = sub.add_parser("rules", help="list the rules, or explain one",
                           description="List the rules, or explain one with a failing and a passing example.")
    rules.add_argument("rule", nargs="?", help="a rule code or name, e.g. KL200")
    rules.add_argument("--markdown", action="store_true", help="print the rule table as Markdown")
    rules.add_argument("--docs", action="store_true", help="print the full rule documentation as Markdown")
    commands["rules"] = rules
    return Cli(parser, commands)


def parse_args(cli: Cli, argv: Sequence[str]) -> argparse.Namespace:
    """argparse, with a did-you-mean for a mistyped command or option (exit code 2)."""
    command = next((a for a in argv if not a.startswith("-")), None)
    if command is not None and command not in cli.commands:
        cli.parser.error(f"unknown command `{command}`{did_you_mean(command, cli.commands, ties=True)}")
    args, extras = cli.parser.parse_known_args(argv)
    if extras:
        parser = cli.commands.get(args.command or "", cli.parser)
        bad = extras[0]
        if bad.startswith("-") and bad != "-":
            flag = bad.split("=", 1)[0]
            options = [o for action in parser._actions for o in action.option_strings if o.startswith("--")]
            parser.error(f"unknown option `{flag}`{did_you_mean(flag, options, ties=True)}")
        parser.error(f"unexpected argument `{bad}`")
    return args


def main(argv: Sequence[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    if stdout is None:  # the real streams: never fail on a character they cannot encode
        prepare_streams(sys.stdout, sys.stderr)
    out = stdout or sys.stdout
    cli = _build()
    args = parse_args(cli, sys.argv[1:] if argv is None else argv)
    try:
        if args.command == "check":
            return _check(args, stdin or sys.stdin, out)
        if args.command == "upgrade":
            return _upgrade(args, stdin or sys.stdin, out)
        if args.command == "rules":
            return _rules(args, out)
        if args.command == "resources":
            return _resources(args, stdin or sys.stdin, out)
        if args.command in ("dry-run", "diff"):
            from kube_lsp.cluster.cli import run_cluster_command

            return run_cluster_command(args, stdin or sys.stdin, out)
        if args.command == "status":
            from kube_lsp.cluster.cli import run_status

            return run_status(args, stdin or sys.stdin, out)
        if args.command == "serve":
            return _serve(args)
    except (ConfigError, InputError, LookupError) as exc:
        print(f"kube-lsp: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    cli.parser.print_help(out)
    return EXIT_USAGE


# ------------------------------------------------------------------------------------------- serve

def parse_tcp(text: str) -> tuple[str, int]:
    """`HOST:PORT`, `[IPv6]:PORT` or `PORT` (on 127.0.0.1) → (host, port); ConfigError otherwise."""
    host, sep, port = text.strip().rpartition(":")
    host = host.strip("[]") if sep else ""
    if not port.isdigit():
        raise ConfigError(f"--tcp {text}: expected HOST:PORT, such as 127.0.0.1:2087")
    number = int(port)
    if not 1 <= number <= 65535:
        raise ConfigError(f"--tcp {text}: the port must be between 1 and 65535")
    return host or "127.0.0.1", number


_LISTEN_ERRORS: Final = {
    errno.EADDRINUSE: "the port is already in use",
    errno.EADDRNOTAVAIL: "that address is not one of this machine's",
    errno.EACCES: "permission denied (ports below 1024 need privileges)",
}


def _serve(args: argparse.Namespace) -> int:
    where = parse_tcp(args.tcp) if args.tcp else None
    if args.log_file:
        try:
            with open(args.log_file, "a", encoding="utf-8"):
                pass
        except OSError as exc:
            raise ConfigError(f"--log-file {args.log_file}: cannot write there: {exc.strerror or exc}") from None
    from kube_lsp.lsp.server import run

    try:
        return run(tcp=f"{where[0]}:{where[1]}" if where else None, log_file=args.log_file,
                   log_level=args.log_level)
    except OSError as exc:
        if where is None:
            raise
        if type(exc).__name__ == "gaierror":  # socket.gaierror; only cluster/transport.py may import socket
            reason = f"unknown host ({exc.strerror})"
        else:
            reason = _LISTEN_ERRORS.get(exc.errno or 0) or (exc.strerror or str(exc))
        raise ConfigError(f"cannot listen on {where[0]}:{where[1]}: {reason}") from None


# ------------------------------------------------------------------------------------------- check

def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings()
    config = Path(args.config) if args.config else find_config(Path.cwd())
    if config is not None:
        if args.config and not config.is_file():
            raise ConfigError(f"{config}: no such file")
        settings = load_config(config)
    if args.kube_version:
        versions = tuple(sorted({parse_kube_version(v) for v in str(args.kube_version).split(",") if v.strip()}))
        if len(versions) > MAX_TARGETS:
            raise ConfigError(f"--kube-version: at most {MAX_TARGETS} versions")
        if not versions:
            raise ConfigError(f"--kube-version {args.kube_version}: use MAJOR.MINOR such as 1.30, or several "
                              "separated by commas")
        settings = replace(settings, kube_version=versions[0], kube_versions=versions if len(versions) > 1 else ())
    for w in settings.warnings:
        print(f"kube-lsp: warning: {w}", file=sys.stderr)
    return settings


@dataclass(frozen=True, slots=True)
class _Input:
    source: Source
    stdin: bool = False


def _inputs(args: argparse.Namespace, stdin: TextIO, settings: Settings) -> tuple[list[_Input], set[Path]]:
    paths = args.paths or ["."]
    limit = int(args.max_file_size * 1e6)
    inputs: list[_Input] = []
    files: list[Path] = []
    seen: set[str] = set()  # a file named twice (`k8s k8s/app.yaml`, `a.yaml ./a.yaml`) is checked once
    for raw in paths:
        if raw == "-":
            inputs.append(_Input(read_stream(args.stdin_filename, stdin, limit), stdin=True))
            continue
        found = excluded = 0
        for entry in entries(raw):
            if (args.force_exclude or not entry.explicit) and settings.is_excluded(entry.path):
                excluded += 1
                continue
            found += 1
            key = os.path.normpath(entry.path)
            if key in seen:
                continue
            seen.add(key)
            files.append(entry.path)
            inputs.append(_Input(read_entry(entry, limit)))
        if not found and Path(raw).is_dir():
            looked = ", ".join(f"*{s}" for s in YAML_SUFFIXES)
            why = f"; {excluded} excluded by the configuration's `exclude`" if excluded else ""
            print(f"kube-lsp: warning: no YAML files found under {raw} (looked for {looked}{why})", file=sys.stderr)
    return inputs, kustomize_patches(files)


@dataclass(frozen=True, slots=True)
class _Stream:
    """Where a report goes and how it looks there."""

    file: TextIO
    form: str  # the resolved format: full, concise, json, sarif or github
    color: bool
    ascii_only: bool
    terminal: bool

    @classmethod
    def of(cls, file: TextIO, fmt: str, color: str) -> _Stream:
        terminal = isatty(file)
        form = ("full" if terminal else "concise") if fmt == "text" else fmt
        return cls(file, form, color_enabled(color, file) and form in TEXT_FORMATS,
                   not can_encode(file, "\u2014\u2400\U0001f600"), terminal)


@young_only()  # a run keeps nearly all it makes: kube_lsp/collector.py
def _check(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    if args.fix and args.diff:
        raise ConfigError("--fix and --diff cannot be combined")
    settings = _settings(args)
    cluster = _cluster_catalog(args) if (args.cluster or args.context or args.kubeconfig) else None
    version, source = (cluster.version, cluster.source) if cluster is not None else bundled_version(
        settings.kube_version)
    # Shown once reading and checking together have taken a second.
    progress = Progress(sys.stderr, isatty(sys.stderr) and not args.quiet)
    inputs, patches = _inputs(args, stdin, settings)
    crd_inputs = [(item.source.path, item.source.text) for item in inputs
                  if item.source.text is not None and "CustomResourceDefinition" in item.source.text]
    # Namespaces with Pod Security labels apply to the objects of every checked file, not only their own.
    ns_inputs = [(item.source.path, item.source.text) for item in inputs
                 if item.source.text is not None and "pod-security.kubernetes.io/" in item.source.text]
    engine = _LazyEngine(settings, cluster, crd_inputs, ns_inputs)
    readable = [item for item in inputs if item.source.text is not None]
    partial = {id(item): bool(patches) and not item.stdin and resolved(Path(item.source.path)) in patches
               for item in readable}
    cache = None if args.no_cache else _cache(settings, cluster, ns_inputs)
    # --fix on stdin: stdout carries the fixed text, so every report goes to stderr.
    fixing_stdin = args.fix and any(item.stdin for item in inputs)
    report = _Stream.of(sys.stderr if fixing_stdin else out, args.format, args.color)
    if cluster is None and settings.kube_versions:  # several targets
        label = ", ".join(format_version(v) for v in settings.kube_versions)
        info = RunInfo(label, f"bundled Kubernetes {label} schemas")
        source = info.schema_source
    else:
        info = RunInfo(format_version(version), source)
    replay = _replay_key(args, cache, inputs, partial, report, info)
    if replay is not None and cache is not None:
        stored = cache.get_value(replay)
        if (isinstance(stored, tuple) and len(stored) == 3 and isinstance(stored[0], bytes)
                and isinstance(stored[1], list) and all(isinstance(x, str) for x in stored[1])
                and stored[2] in (EXIT_OK, EXIT_FINDINGS)):
            if _replay(stored[0], report.file):
                for line in stored[1]:
                    print(line, file=sys.stderr)
                return int(stored[2])
    from kube_lsp.batch import Job, analyse_all, run_workspace, with_workspace
    from kube_lsp.fixes import plan_fixes

    jobs = [Job(item.source.text or "", partial[id(item)], item.source.path) for item in readable]

    crds: CrdDefs | None = None
    if cache is not None:
        from kube_lsp.cache import CrdDefs

        crds = CrdDefs(cache, crd_inputs, engine.crd_definitions)
    try:
        fixing = args.fix or args.diff
        ws = run_workspace(settings) if fixing or cache is None else None  # a warm run may need none
        own = analyse_all(engine.get, jobs, progress=progress.update, cache=cache, crds=crds, lazy_indexes=True)
        analysed = iter(with_workspace(own, settings, ws, cache, jobs, fill=fixing))
    finally:
        progress.done()
    if cache is not None:
        cache.prune()
    tally = _Tally()
    results: list[FileResult] = []
    for item in inputs:
        src = item.source
        if src.text is None:
            results.append(FileResult(src.path, [src.problem] if src.problem else []))
            continue
        res = next(analysed)
        findings, text = res.findings, src.text
        plan = plan_fixes(text, findings, unsafe=args.unsafe_fixes)
        if args.fix or args.diff:
            assert ws is not None
            findings, text = _fix(args, engine, item, findings, plan, partial[id(item)], out, ws)
        tally.count(plan)
        results.append(FileResult(src.path, findings, res.documents, text))
    if report.form in ("json", "sarif") and not args.diff:
        info = replace(info, rules=_rule_table(cache))
    text = "" if args.diff else render(report.form, results, info, color=report.color, width=terminal_width(),
                                        ascii_only=report.ascii_only, terminal=report.terminal)
    report.file.write(text)
    has_errors = any(f.severity == Severity.ERROR for r in results for f in r.findings)
    notes = []
    if not args.quiet and report.form in TEXT_FORMATS:
        if not args.diff:
            exit_note = "; exit code 1 (errors found)" if has_errors else ""
            notes.append(f"{summary_line(results)}; schemas: {source}{exit_note}")
        hint = tally.hint(args)
        if hint:
            notes.append(hint)
    for line in notes:
        print(line, file=sys.stderr)
    code = EXIT_FINDINGS if has_errors else EXIT_OK
    if replay is not None and cache is not None and len(text) <= _REPLAY_MAX_CHARS:
        cache.put_value(replay, (zlib.compress(text.encode("utf-8", "surrogatepass"), 3), notes, code))
    return code


# A run's whole report is kept for replay, compressed (zlib, level 3: about 13 times smaller), when it has up to
# this many characters and is then up to a quarter of the cache; bigger ones are rendered again from the cached
# findings. The JSON report of 100,000 documents of the corpus is 111 MB, 8 MB compressed: compressed in 0.4 s,
# replayed in 0.3 s instead of rendered again in 11 s.
_REPLAY_MAX_CHARS: Final = 512_000_000
_REPLAY_PIECE: Final = 1 << 20  # bytes of text inflated at a time


def _replay(packed: bytes, out: TextIO) -> bool:
    """Write a kept report; False, having written nothing, when it is damaged. It is checked whole before a
    character is written, then inflated again as it is written (a report of a hundred megabytes costs no
    more memory than its compressed form and a piece)."""
    try:
        for _ in _inflated(packed):
            pass
    except (zlib.error, UnicodeDecodeError):
        return False
    for piece in _inflated(packed):
        out.write(piece)
    return True


def _inflated(packed: bytes) -> Iterator[str]:
    """The text of a kept report (zlib-compressed UTF-8), a piece of at most _REPLAY_PIECE bytes at a time;
    zlib.error or UnicodeDecodeError when it is damaged."""
    import codecs

    inflate = zlib.decompressobj()
    decoder = codecs.getincrementaldecoder("utf-8")("surrogatepass")
    for start in range(0, len(packed), _REPLAY_PIECE // 16):
        data = packed[start:start + _REPLAY_PIECE // 16]
        while data:
            yield decoder.decode(inflate.decompress(data, _REPLAY_PIECE))
            data = inflate.unconsumed_tail
    yield decoder.decode(inflate.flush(), final=True)
    if not inflate.eof or inflate.unused_data:
        raise zlib.error("the kept report is incomplete")


def _replay_key(args: argparse.Namespace, cache: CheckCache | None, inputs: list[_Input],
                partial: dict[int, bool], report: _Stream, info: RunInfo) -> str | None:
    """The key of this run's report, as an unchanged re-run replays it (as monorepo tools replay a task's
    output): everything the report depends on besides the run's context (kube-lsp, settings, schemas,
    Namespace labels) — the current directory, every input in order (path, kustomize patch or not, text hash;
    or why it cannot be read, hence every CRD too), the format and how the output stream shows it. None when
    there is no replay: without a cache, with --fix or --diff (they write), with stdin."""
    if cache is None or args.fix or args.diff or any(item.stdin for item in inputs):
        return None
    from kube_lsp.cache import text_hash

    parts: list[object] = [os.getcwd(), report.form, report.color, report.ascii_only, report.terminal,
                           terminal_width() if report.form == "full" else 0, info.kube_version, info.schema_source,
                           args.quiet, args.unsafe_fixes]
    for item in inputs:
        src = item.source
        parts.append([src.path, partial[id(item)], text_hash(src.text)] if src.text is not None
                     else [src.path, repr(src.problem)])
    return cache.key("report", "", False, json.dumps(parts))


class _LazyEngine:
    """The run's engine, made on first use: an unchanged re-run served from the cache loads no schemas and
    parses no CustomResourceDefinition."""

    def __init__(self, settings: Settings, cluster: Catalog | None, crd_inputs: list[tuple[str, str]],
                 ns_inputs: list[tuple[str, str]] | None = None) -> None:
        self._settings, self._cluster, self._crd_inputs = settings, cluster, crd_inputs
        self._ns_inputs = ns_inputs or []
        self._engine: Engine | None = None
        self._crds: dict[int, list[KindSchema]] = {}  # per input (its index): the CRD schemas it defines

    def _crds_of(self, i: int) -> list[KindSchema]:
        if i not in self._crds:
            from kube_lsp.parsing.loader import parse_stream
            from kube_lsp.schema.crds import crds_in

            path, text = self._crd_inputs[i]
            self._crds[i] = list(crds_in(parse_stream(text), path))
        return self._crds[i]

    def get(self) -> Engine:
        if self._engine is None:
            from kube_lsp.engine import Engine

            engine = Engine(self._settings, self._cluster, namespaces=_namespace_policies(self._ns_inputs))
            crds = [ks for i in range(len(self._crd_inputs)) for ks in self._crds_of(i)]
            self._engine = engine.with_crds(crds) if crds else engine
        return self._engine

    def crd_definitions(self, path: str, text: str) -> list[tuple[str, str, int]]:
        """(apiVersion, kind, line) of each CRD schema the input (path, text) defines, as the engine reads it."""
        i = next(i for i, item in enumerate(self._crd_inputs) if item[0] == path and item[1] == text)
        return [(ks.api_version, ks.kind, ks.place.span.start.line if ks.place is not None else -1)
                for ks in self._crds_of(i)]


def _namespace_policies(inputs: list[tuple[str, str]]) -> dict[str, NamespacePolicy]:
    """The Pod Security labels of the Namespaces in these (path, text) inputs, by name (the last one wins)."""
    from kube_lsp.parsing.loader import parse_chunk
    from kube_lsp.parsing.text import split_documents
    from kube_lsp.textindex import namespace_policy, objects

    out: dict[str, NamespacePolicy] = {}
    for _, text in inputs:
        # Only the documents that carry such a label are parsed (a big stream is parsed by the workers).
        docs = [parse_chunk(c, i) for i, c in enumerate(split_documents(text))
                if c.has_content and "pod-security.kubernetes.io/" in c.text]
        for obj in objects(d.root for d in docs):
            if obj.get_str("kind") == "Namespace":
                policy = namespace_policy(obj)
                if policy is not None:
                    out[policy.name] = policy
    return out


def _cache(settings: Settings, cluster: Catalog | None, ns_inputs: list[tuple[str, str]]) -> CheckCache | None:
    """The run's cache, or None when there is no place for one (no home directory)."""
    from kube_lsp.cache import CheckCache, cache_dir, run_context

    try:
        root = cache_dir()
    except (RuntimeError, KeyError, OSError):  # Path.home() without HOME or a password entry
        return None

    if cluster is None:
        schemas = bundled_identity()
    else:  # the cluster's schemas themselves: another cluster, or an upgrade, is another context
        blob = json.dumps([cluster.version, cluster.source, cluster.definitions, cluster.enums], sort_keys=True,
                          default=repr)
        schemas = "cluster:" + hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()
    return CheckCache(root, run_context(settings, schemas, ns_inputs))



def _rule_table(cache: CheckCache | None) -> tuple[RuleInfo, ...] | None:
    """What JSON and SARIF say about the rules, from the cache (its context names kube-lsp's code), else None:
    the formatters read the rules themselves."""
    if cache is None:
        return None
    from kube_lsp.output import RuleInfo, rule_table

    key = cache.key("rules", "", False, "")
    value = cache.get_value(key)
    if isinstance(value, tuple) and value and all(isinstance(r, RuleInfo) for r in value):
        return value
    table = rule_table()
    cache.put_value(key, table)
    return table


class _Tally:
    """Fix counts across files, for the hint after the summary."""

    def __init__(self) -> None:
        self.applicable = self.unsafe_left = self.files = 0

    def count(self, plan: FixPlan) -> None:
        self.applicable += len(plan.chosen)
        self.files += bool(plan.chosen)
        self.unsafe_left += plan.unsafe_left

    def hint(self, args: argparse.Namespace) -> str:
        n, left = self.applicable, self.unsafe_left
        files = _plural(self.files, "file")
        parts = []
        if args.fix:
            parts += [f"fixed {_plural(n, 'finding')} in {files}"] if n else []
        elif args.diff:
            parts.append(f"would fix {_plural(n, 'finding')} in {files}" if n else "nothing to fix")
        elif n:
            parts.append(f"{n} fixable with {'--fix --unsafe-fixes' if args.unsafe_fixes else '--fix'} "
                         "(preview with --diff)")
        if left:
            flag = "--unsafe-fixes" if args.fix or args.diff else "--fix --unsafe-fixes"
            parts.append(f"{left} more {'fix' if left == 1 else 'fixes'} available with --unsafe-fixes" if n
                         else f"{_plural(left, 'fix')} available with {flag}")
        return "; ".join(parts)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 'es' if word.endswith('x') else 's'}"


def _fix(args: argparse.Namespace, engine: _LazyEngine, item: _Input, findings: list[Finding], plan: FixPlan,
         partial: bool, out: TextIO, ws: Workspace) -> tuple[list[Finding], str]:
    """Apply (--fix) or show (--diff) one input's fixes: the findings and the text that remain."""
    src = item.source
    assert src.text is not None
    verb = "not fixed" if args.fix else "left out of the diff"
    for f in plan.broken:
        where = f"{src.path}:{f.span.start.line + 1}"
        if plan.whole_text_broken:
            print(f"{where}: {verb}: the file has a syntax error that needs a manual fix first", file=sys.stderr)
        else:
            print(f"{where}: document {f.doc + 1} {verb}: it has a syntax error that needs a manual fix first",
                  file=sys.stderr)
    from kube_lsp.fixes import apply_edits, unified_diff

    new_text = apply_edits(src.text, plan.edits) if plan.chosen else src.text
    data = (("\ufeff" if src.bom else "") + new_text).encode("utf-8")
    if args.diff:
        if new_text != src.text:
            _write_bytes(out, unified_diff(src.path, src.text, new_text).encode("utf-8"))
        return findings, src.text
    if item.stdin:
        _write_bytes(out, data)  # the whole text, fixed or not, as formatters do
    elif new_text != src.text:
        try:
            Path(src.path).write_bytes(data)
        except OSError as exc:
            print(f"{src.path}: not fixed: cannot write it: {exc.strerror or exc}", file=sys.stderr)
            return findings, src.text
    if new_text == src.text:
        return findings, src.text
    for f, fx in plan.chosen:
        print(f"{src.path}:{f.span.start.line + 1}:{f.span.start.col + 1}: fixed {f.code} {fx.title}",
              file=sys.stderr)
    again = engine.get().analyse(new_text, partial=partial, origin=src.path, workspace=False)
    if again.index is None:
        return again.findings, new_text
    from kube_lsp.workspace.check import file_findings

    ws.update(again.index)  # the fixed file's cross-resource findings, against the run's other files
    cross = file_findings(ws, again.index, engine.get().settings)
    return sorted([*again.findings, *cross], key=lambda f: f.sort_key), new_text


def _write_bytes(out: TextIO, data: bytes) -> None:
    """File content (a fixed text, a diff) goes out as the file's own UTF-8, whatever the stream's
    encoding."""
    buffer = getattr(out, "buffer", None)
    if buffer is None:
        out.write(data.decode("utf-8"))
        return
    out.flush()
    buffer.write(data)
    buffer.flush()


def _cluster_catalog(args: argparse.Namespace) -> Catalog | None:
    """The cluster's own schemas, or None (bundled schemas) when it cannot be reached."""
    from kube_lsp.cluster.schemas import cluster_catalog
    from kube_lsp.cluster.transport import ClusterConfigError, ClusterUnreachableError, check_kubeconfig, connect

    try:
        check_kubeconfig(args.kubeconfig)  # a FIFO would block forever: a usage error, not "offline"
    except ClusterConfigError as exc:
        raise ConfigError(str(exc)) from None
    try:
        return cluster_catalog(connect(args.kubeconfig, args.context, connect_timeout=3, read_timeout=20))
    except (ClusterConfigError, ClusterUnreachableError, LookupError, ValueError) as exc:
        if not args.quiet:
            print(f"kube-lsp: note: using the bundled schemas ({exc})", file=sys.stderr)
        return None


# ----------------------------------------------------------------------------------------- upgrade

def _upgrade_versions(args: argparse.Namespace, settings: Settings) -> tuple[tuple[int, int], tuple[int, int]]:
    versions = bundled_versions()
    new = parse_kube_version(args.to_version) if args.to_version else versions[-1]
    if args.from_version:
        old = parse_kube_version(args.from_version)
    elif settings.kube_version is not None:
        old = min(settings.kube_versions or (settings.kube_version,))
    elif args.cluster or args.context or args.kubeconfig:
        cluster = _cluster_catalog(args)
        old = cluster.version if cluster is not None else versions[0]
    else:
        old = versions[0]
    for flag, v in (("--to", new), ("--from", old)):
        if v not in versions:
            raise ConfigError(f"{flag} {format_version(v)}: no bundled schemas for that version; available: "
                              f"{format_version(versions[0])} to {format_version(versions[-1])}")
    if old > new:
        raise ConfigError(f"--from {format_version(old)} is newer than --to {format_version(new)}")
    return old, new


def _upgrade(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    from kube_lsp.engine import Engine
    from kube_lsp.fixes import apply_edits, plan_fixes, unified_diff
    from kube_lsp.parsing.loader import parse_stream
    from kube_lsp.schema.catalog import bundled_catalog
    from kube_lsp.upgrade.analyse import crd_versions, upgrade_findings
    from kube_lsp.upgrade.markdown import render_markdown

    if args.fix and args.diff:
        raise ConfigError("--fix and --diff cannot be combined")
    args.kube_version = None
    settings = _settings(args)
    old, new = _upgrade_versions(args, settings)
    inputs, _ = _inputs(args, stdin, settings)
    engine = Engine(settings, bundled_catalog(new))  # for severities and suppressions
    parsed = [(item, parse_stream(item.source.text)) for item in inputs if item.source.text is not None]
    crds = crd_versions(doc for _, docs in parsed for doc in docs)
    by_item = {id(item): docs for item, docs in parsed}
    results: list[FileResult] = []
    for item in inputs:
        src = item.source
        if src.text is None:
            results.append(FileResult(src.path, [src.problem] if src.problem else []))
            continue
        docs = by_item[id(item)]

        def found(docs: list[Document]) -> list[Finding]:
            out = [f for doc in docs for f in engine.finish(doc, upgrade_findings(doc, old, new, crds))]
            return sorted(out, key=lambda f: f.sort_key)

        findings, text = found(docs), src.text
        if args.fix or args.diff:
            plan = plan_fixes(text, findings, unsafe=True)
            fixed = apply_edits(text, plan.edits) if plan.chosen else text
            if args.diff and fixed != text:
                _write_bytes(out, unified_diff(src.path, text, fixed).encode("utf-8"))
            elif args.fix and fixed != text and not item.stdin:
                Path(src.path).write_bytes((("\ufeff" if src.bom else "") + fixed).encode("utf-8"))
                for f, fx in plan.chosen:
                    print(f"{src.path}:{f.span.start.line + 1}:{f.span.start.col + 1}: fixed {f.code} {fx.title}",
                          file=sys.stderr)
                docs, text = parse_stream(fixed), fixed
                findings = found(docs)
        results.append(FileResult(src.path, findings, len(docs), text))
    source = f"bundled Kubernetes {format_version(old)} and {format_version(new)} schemas"
    if args.diff:
        pass
    elif args.format == "markdown":
        out.write(render_markdown(results, format_version(old), format_version(new),
                                  format_version(bundled_versions()[0])))
    else:
        report = _Stream.of(out, args.format, args.color)
        out.write(render(report.form, results, RunInfo(format_version(new), source), color=report.color,
                         width=terminal_width(), ascii_only=report.ascii_only, terminal=report.terminal))
    has_errors = any(f.severity == Severity.ERROR for r in results for f in r.findings)
    if not args.quiet and args.format in (*TEXT_FORMATS, "markdown"):
        note = "; exit code 1 (the upgrade breaks something)" if has_errors else ""
        print(f"{summary_line(results)}; upgrade {format_version(old)} → {format_version(new)}{note}",
              file=sys.stderr)
    return EXIT_FINDINGS if has_errors else EXIT_OK


# ------------------------------------------------------------------------------------------- rules

def _resources(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    """`kube-lsp resources`: read every file, index them together (an HPA may live in another file), print."""
    from kube_lsp.capacity import workloads_in
    from kube_lsp.output.capacity import Located, render_json, render_text
    from kube_lsp.parsing.loader import parse_stream
    from kube_lsp.textindex import build_index

    sources = []
    status = EXIT_OK
    for raw in args.paths or ["."]:
        if raw == "-":
            sources.append(read_stream(args.stdin_filename, stdin))
        else:
            sources.extend(read_entry(e) for e in entries(raw))
    parsed = []
    for src in sources:
        if src.text is None:
            print(f"kube-lsp: {src.path}: {src.problem.message if src.problem else 'cannot be read'}",
                  file=sys.stderr)
            status = EXIT_FINDINGS
            continue
        parsed.append((src.path, parse_stream(src.text)))
    docs = [d for _, ds in parsed for d in ds]
    index = build_index((d.root for d in docs), (d.chunk.text for d in docs))
    items = [Located(path, w) for path, ds in parsed for w in workloads_in((d.root for d in ds), index)]
    out.write(render_json(items) if args.format == "json" else render_text(items))
    return status


def _rules(args: argparse.Namespace, out: TextIO) -> int:
    from kube_lsp.rules import ALL_RULES, find_rule, markdown_docs, markdown_table

    if args.markdown:
        out.write(markdown_table())
        return EXIT_OK
    if args.docs:
        out.write(markdown_docs())
        return EXIT_OK
    if args.rule:
        rule = find_rule(args.rule)
        if rule is None:
            hint = did_you_mean(args.rule, [r.code for r in ALL_RULES] + [r.name for r in ALL_RULES], ties=True)
            raise ConfigError(f"unknown rule {args.rule!r}{hint}")
        out.write(f"{rule.code} {rule.name} ({rule.severity.label})\n\n{rule.summary}.\n\n{rule.explanation}\n")
        if rule.fix:
            out.write(f"\nFix: {rule.fix}\n")
        if rule.example:
            out.write(f"\nExample:\n\n{rule.example}\nUse instead:\n\n{rule.use_instead}")
        return EXIT_OK
    for r in ALL_RULES:
        default = r.severity.label if r.enabled else "off"  # opt-in rules: `rules:` or `packs:` switch them on
        out.write(f"{r.code}  {r.name:<29} {default:<8} {r.summary}\n")
    return EXIT_OK
