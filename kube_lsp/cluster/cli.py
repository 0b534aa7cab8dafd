"""`kube-lsp dry-run` and `kube-lsp diff`: the cluster commands of the CLI (I/O only)."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from kube_lsp.cluster.diff import object_diff
from kube_lsp.cluster.dryrun import Discovery, DiscoveryError, check_documents
from kube_lsp.cluster.transport import ClusterConfigError, ClusterUnreachableError, connect
from kube_lsp.inputs import Source, expand, read_path, read_stream
from kube_lsp.model import Finding, Severity
from kube_lsp.output import FileResult, RunInfo, render, summary_line
from kube_lsp.parsing.loader import parse_stream

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _sources(args: argparse.Namespace, stdin: TextIO) -> list[Source]:
    out = []
    for raw in args.paths:
        if raw == "-":
            out.append(read_stream(args.stdin_filename, stdin))
        else:
            out.extend(read_path(p) for p in expand([raw]))
    return out


def run_cluster_command(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    sources = _sources(args, stdin)
    try:
        transport = connect(args.kubeconfig, args.context, connect_timeout=args.connect_timeout,
                            read_timeout=args.timeout)
    except ClusterConfigError as exc:
        print(f"kube-lsp: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    discovery = Discovery(transport)
    info = RunInfo("cluster", f"cluster {transport.info.context} ({transport.info.server})")
    results: list[FileResult] = []
    diffs: list[str] = []
    parsed = [parse_stream(src.text) if src.text is not None else [] for src in sources]
    docs = [d for file_docs in parsed for d in file_docs if d.root is not None and not d.templated]
    try:  # every document of every file, a few at a time
        checks = check_documents(transport, discovery, docs, read_live=args.command == "diff")
    except (ClusterUnreachableError, DiscoveryError) as exc:
        print(f"kube-lsp: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    checked_of = {id(d): c for d, c in zip(docs, checks, strict=True)}
    for src, file_docs in zip(sources, parsed, strict=True):
        if src.text is None:
            results.append(FileResult(src.path, [src.problem] if src.problem else []))
            continue
        findings: list[Finding] = []
        for doc in file_docs:
            findings.extend(f for f in doc.findings if f.severity == Severity.ERROR)
            checked = checked_of.get(id(doc))
            if checked is None:
                continue
            findings.extend(checked.findings)
            if checked.merged is not None:
                diffs.append(object_diff(checked.title, checked.live, checked.merged))
        findings.sort(key=lambda f: f.sort_key)
        results.append(FileResult(src.path, findings, len(file_docs)))
    errors = any(f.severity == Severity.ERROR for r in results for f in r.findings)
    if args.command == "dry-run":
        out.write(render(args.format, results, info))
        if not args.quiet and args.format == "text":
            print(summary_line(results) + f" — dry-run on {info.schema_source}", file=sys.stderr)
        return EXIT_FINDINGS if errors else EXIT_OK
    text = "".join(diffs)
    out.write(text)
    if errors:
        sys.stderr.write(render("text", results, info))
        return EXIT_ERROR
    return EXIT_FINDINGS if text else EXIT_OK


__all__ = ["run_cluster_command"]
