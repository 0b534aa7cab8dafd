"""Command line: `kube-lsp check`, `kube-lsp rules`. Argument handling and I/O only; no analysis here."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from kube_lsp import __version__
from kube_lsp.batch import Job, analyse_all
from kube_lsp.config import ConfigError, Settings, find_config, load_config, parse_kube_version
from kube_lsp.engine import Engine
from kube_lsp.fixes import apply_edits, select_safe_fixes, unified_diff
from kube_lsp.inputs import MAX_BYTES, InputError, Source, decode, expand, kustomize_patches, read_path
from kube_lsp.model import Finding, Severity
from kube_lsp.output import FORMATS, FileResult, RunInfo, render, summary_line
from kube_lsp.parsing.loader import parse_stream
from kube_lsp.rules import ALL_RULES, find_rule, markdown_docs, markdown_table
from kube_lsp.schema.catalog import Catalog, KindSchema, bundled_versions, format_version
from kube_lsp.schema.crds import crds_in

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    versions = bundled_versions()
    parser = _Parser(prog="kube-lsp", description="Kubernetes manifest checker and language server.")
    parser.add_argument("--version", action="version", version=f"kube-lsp {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    check = sub.add_parser("check", help="check manifests (files, directories, or - for stdin)")
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or directories; - reads stdin")
    check.add_argument("--kube-version", metavar="X.Y",
                       help=f"target Kubernetes version ({format_version(versions[0])}–"
                            f"{format_version(versions[-1])}; default {format_version(versions[-1])})")
    check.add_argument("--format", choices=FORMATS, default="text", help="output format (default text)")
    check.add_argument("--config", metavar="FILE", help="settings file (default: nearest .kube-lsp.yaml)")
    check.add_argument("--fix", action="store_true", help="apply safe fixes in place")
    check.add_argument("--diff", action="store_true", help="print safe fixes as a unified diff; change nothing")
    check.add_argument("--stdin-filename", metavar="NAME", default="<stdin>",
                       help="name to report for stdin (default <stdin>)")
    check.add_argument("--max-file-size", type=float, default=MAX_BYTES / 1e6, metavar="MB",
                       help=f"skip larger files with a finding (default {MAX_BYTES / 1e6:.0f})")
    check.add_argument("-q", "--quiet", action="store_true", help="no summary line on stderr")
    check.add_argument("--cluster", action="store_true",
                       help="validate against the schemas of your cluster (kubeconfig's current context)")
    check.add_argument("--context", metavar="NAME", help="like --cluster, with this kubeconfig context")
    check.add_argument("--kubeconfig", metavar="FILE", help="like --cluster, with this kubeconfig file")

    for name, help_text in (("dry-run", "server-side dry-run of each document against your cluster (never writes)"),
                            ("diff", "diff each document against the live cluster, like kubectl diff --server-side")):
        cmd = sub.add_parser(name, help=help_text)
        cmd.add_argument("paths", nargs="+", metavar="PATH", help="files or directories; - reads stdin")
        cmd.add_argument("--kubeconfig", metavar="FILE", help="kubeconfig (default: $KUBECONFIG or ~/.kube/config)")
        cmd.add_argument("--context", metavar="NAME", help="kubeconfig context (default: the current one)")
        cmd.add_argument("--connect-timeout", type=float, default=5.0, metavar="S", help="default 5 seconds")
        cmd.add_argument("--timeout", type=float, default=30.0, metavar="S", help="read timeout, default 30 s")
        cmd.add_argument("--stdin-filename", metavar="NAME", default="<stdin>")
        if name == "dry-run":
            cmd.add_argument("--format", choices=FORMATS, default="text", help="output format (default text)")
            cmd.add_argument("-q", "--quiet", action="store_true", help="no summary line on stderr")

    serve = sub.add_parser("serve", help="run the language server (stdio by default)")
    serve.add_argument("--stdio", action="store_true", help="talk JSON-RPC over stdin/stdout (the default)")
    serve.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP port instead (for debugging)")
    serve.add_argument("--log-file", metavar="FILE", help="write the server log here (default: stderr)")
    serve.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])

    rules = sub.add_parser("rules", help="list the rules, or explain one")
    rules.add_argument("rule", nargs="?", help="a rule code or name, e.g. KL200")
    rules.add_argument("--markdown", action="store_true", help="print the rule table as Markdown")
    rules.add_argument("--docs", action="store_true", help="print the full rule documentation as Markdown")
    return parser


def main(argv: Sequence[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    out = stdout or sys.stdout
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            return _check(args, stdin or sys.stdin, out)
        if args.command == "rules":
            return _rules(args, out)
        if args.command in ("dry-run", "diff"):
            from kube_lsp.cluster.cli import run_cluster_command

            return run_cluster_command(args, stdin or sys.stdin, out)
        if args.command == "serve":
            from kube_lsp.lsp.server import run

            return run(tcp=args.tcp, log_file=args.log_file, log_level=args.log_level)
    except (ConfigError, InputError, LookupError) as exc:
        print(f"kube-lsp: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    parser.print_help(out)
    return EXIT_USAGE


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings()
    config = Path(args.config) if args.config else find_config(Path.cwd())
    if config is not None:
        if args.config and not config.is_file():
            raise ConfigError(f"{config}: no such file")
        settings = load_config(config)
    if args.kube_version:
        version = parse_kube_version(args.kube_version)
        settings = Settings(version, settings.severities, settings.exclude, settings.warnings)
    for w in settings.warnings:
        print(f"kube-lsp: warning: {w}", file=sys.stderr)
    return settings


def _sources(args: argparse.Namespace, stdin: TextIO, settings: Settings) -> tuple[list[Source], set[Path]]:
    paths = args.paths or ["."]
    limit = int(args.max_file_size * 1e6)
    sources: list[Source] = []
    files: list[Path] = []
    for raw in paths:
        if raw == "-":
            data = stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read().encode("utf-8")
            sources.append(decode(args.stdin_filename, data, limit))
            continue
        explicit = not Path(raw).is_dir()
        for f in expand([raw]):
            if not explicit and settings.is_excluded(str(f)):
                continue
            files.append(f)
            sources.append(read_path(f, limit))
    return sources, kustomize_patches(files)


def _check(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    if args.fix and args.diff:
        raise ConfigError("--fix and --diff cannot be combined")
    settings = _settings(args)
    engine = Engine(settings, _cluster_catalog(args) if (args.cluster or args.context or args.kubeconfig) else None)
    sources, patches = _sources(args, stdin, settings)
    crds: list[KindSchema] = []
    for src in sources:
        if src.text is not None and "CustomResourceDefinition" in src.text:
            crds.extend(crds_in(parse_stream(src.text), src.path))
    if crds:
        engine = engine.with_crds(crds)
    readable = [src for src in sources if src.text is not None]
    jobs = [Job(src.text or "", Path(src.path).resolve() in patches, src.path) for src in readable]
    analysed = dict(zip((id(s) for s in readable), analyse_all(engine, jobs), strict=True))
    results: list[FileResult] = []
    for src in sources:
        if src.text is None:
            results.append(FileResult(src.path, [src.problem] if src.problem else []))
            continue
        res = analysed[id(src)]
        findings = res.findings
        if (args.fix or args.diff) and src.path != args.stdin_filename:
            partial = Path(src.path).resolve() in patches
            findings, _ = _apply_fixes(args, engine, src, findings, partial, out)
        results.append(FileResult(src.path, findings, res.documents))
    info = RunInfo(format_version(engine.catalog.version), engine.catalog.source)
    if not args.diff:
        out.write(render(args.format, results, info))
    if not args.quiet and args.format == "text" and not args.diff:
        print(f"{summary_line(results)}; schemas: {engine.catalog.source}", file=sys.stderr)
    has_errors = any(f.severity == Severity.ERROR for r in results for f in r.findings)
    return EXIT_FINDINGS if has_errors else EXIT_OK


def _cluster_catalog(args: argparse.Namespace) -> Catalog | None:
    """The cluster's own schemas, or None (bundled schemas) when it cannot be reached."""
    from kube_lsp.cluster.schemas import cluster_catalog
    from kube_lsp.cluster.transport import ClusterConfigError, ClusterUnreachableError, connect

    try:
        return cluster_catalog(connect(args.kubeconfig, args.context, connect_timeout=3, read_timeout=20))
    except (ClusterConfigError, ClusterUnreachableError, LookupError, ValueError) as exc:
        if not args.quiet:
            print(f"kube-lsp: note: using the bundled schemas ({exc})", file=sys.stderr)
        return None


def _apply_fixes(args: argparse.Namespace, engine: Engine, src: Source, findings: list[Finding], partial: bool,
                 out: TextIO) -> tuple[list[Finding], bool]:
    assert src.text is not None
    broken = [f for f in findings if f.code in ("KL100", "KL104")]
    if broken:
        where = f"{src.path}:{broken[0].span.start.line + 1}"
        print(f"{where}: not fixed: the file has a syntax error that needs a manual fix first", file=sys.stderr)
        return findings, False
    chosen = select_safe_fixes(findings)
    if not chosen:
        return findings, False
    new_text = apply_edits(src.text, [e for _, fx in chosen for e in fx.edits])
    if new_text == src.text:
        return findings, False
    if args.diff:
        out.write(unified_diff(src.path, src.text, new_text))
        return findings, True
    data = (("\ufeff" if src.bom else "") + new_text).encode("utf-8")
    Path(src.path).write_bytes(data)
    for f, fx in chosen:
        print(f"{src.path}:{f.span.start.line + 1}:{f.span.start.col + 1}: fixed {f.code} {fx.title}",
              file=sys.stderr)
    return engine.analyse(new_text, partial=partial, origin=src.path).findings, True


def _rules(args: argparse.Namespace, out: TextIO) -> int:
    if args.markdown:
        out.write(markdown_table())
        return EXIT_OK
    if args.docs:
        out.write(markdown_docs())
        return EXIT_OK
    if args.rule:
        rule = find_rule(args.rule)
        if rule is None:
            raise ConfigError(f"unknown rule {args.rule!r}")
        out.write(f"{rule.code} {rule.name} ({rule.severity.label})\n\n{rule.summary}.\n\n{rule.explanation}\n")
        if rule.fix:
            out.write(f"\nFix: {rule.fix}\n")
        if rule.example:
            out.write(f"\nExample:\n\n{rule.example}\nUse instead:\n\n{rule.use_instead}")
        return EXIT_OK
    for r in ALL_RULES:
        out.write(f"{r.code}  {r.name:<26} {r.severity.label:<8} {r.summary}\n")
    return EXIT_OK
