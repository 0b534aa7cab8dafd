"""`kube-lsp dry-run`, `kube-lsp diff` and `kube-lsp status`: the cluster commands of the CLI (I/O only).

Each takes `--context` several times: the contexts run one after the other and each gets its own section
(dry-run, diff) or column (status); a context that fails says why and never hides the others' results. Each
context's `/version` is read once: its section names it, and the apiVersion findings (KL300/KL301) are those
of the version that context runs.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TextIO

from kube_lsp.cluster.diff import object_diff
from kube_lsp.cluster.drift import drift_findings
from kube_lsp.cluster.dryrun import Discovery, DiscoveryError, check_documents, dry_run
from kube_lsp.cluster.interest import Interest
from kube_lsp.cluster.live import LiveState, Masker, Observation, assess, configured, secret_values
from kube_lsp.cluster.observe import Target, observe_all
from kube_lsp.cluster.transport import ClusterConfigError, ClusterTransport, ClusterUnreachableError, connect
from kube_lsp.cluster.versions import api_version_findings, read_server_version
from kube_lsp.cluster.watch import Watcher, WatchKey
from kube_lsp.config import ConfigError, Settings, find_config, load_config
from kube_lsp.inputs import Source, entries, read_entry, read_stream
from kube_lsp.model import Finding, Severity
from kube_lsp.output import FileResult, RunInfo, render, summary_line
from kube_lsp.parsing.loader import Document, parse_stream
from kube_lsp.parsing.nodes import YMap, to_python
from kube_lsp.schema.catalog import format_version

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _sources(args: argparse.Namespace, stdin: TextIO, settings: Settings | None = None) -> list[Source]:
    """The files named (and the YAML files under the directories named, less those the configuration's
    `exclude` matches, as `check` reads them)."""
    out = []
    for raw in args.paths:
        if raw == "-":
            out.append(read_stream(args.stdin_filename, stdin))
            continue
        for entry in entries(raw):
            if settings is not None and not entry.explicit and settings.is_excluded(entry.path):
                continue
            out.append(read_entry(entry))
    return out


def _settings(args: argparse.Namespace) -> Settings:
    """The `.kube-lsp.yaml` nearest the current directory (or `--config`), as `check` reads it: rule
    severities, rules and packs switched off, `exclude`."""
    config = Path(args.config) if getattr(args, "config", None) else find_config(Path.cwd())
    if config is None:
        return Settings()
    if getattr(args, "config", None) and not config.is_file():
        raise ConfigError(f"{config}: no such file")
    settings = load_config(config)
    for w in settings.warnings:
        print(f"kube-lsp: warning: {w}", file=sys.stderr)
    return settings


def _contexts(args: argparse.Namespace) -> list[str | None]:
    """The contexts named on the command line, in order and once each; [None] for the current one."""
    names: list[str | None] = []
    for c in args.context or [None]:
        if c not in names:
            names.append(c)
    return names


def run_cluster_command(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    sources = _sources(args, stdin)
    parsed = [parse_stream(src.text) if src.text is not None else [] for src in sources]
    contexts = _contexts(args)
    codes = []
    for context in contexts:
        codes.append(_run_one(args, context, sources, parsed, out, several=len(contexts) > 1))
    return max(codes)


def _run_one(args: argparse.Namespace, context: str | None, sources: list[Source], parsed: list[list[Document]],
             out: TextIO, several: bool = False) -> int:
    label = f" (context {context})" if several else ""

    def failed(exc: Exception) -> int:
        print(f"kube-lsp: error{label}: {exc}", file=sys.stderr)
        if several:
            out.write(f"=== context {context}\nerror: {exc}\n")
        return EXIT_ERROR

    try:
        transport = connect(args.kubeconfig, context, connect_timeout=args.connect_timeout, read_timeout=args.timeout)
        server = read_server_version(transport)  # once per context: its checks are for what it runs
    except (ClusterConfigError, ClusterUnreachableError) as exc:
        return failed(exc)
    if several:
        out.write(f"=== context {transport.info.context} ({server.label})\n")
    discovery = Discovery(transport)
    info = RunInfo(format_version(server.version) if server.version else "cluster",
                   f"cluster {transport.info.context} ({transport.info.server}) running {server.label}")
    results: list[FileResult] = []
    diffs: list[str] = []
    docs = [d for file_docs in parsed for d in file_docs if d.root is not None and not d.templated]
    try:  # every document of every file, a few at a time
        checks = check_documents(transport, discovery, docs, read_live=args.command == "diff")
    except (ClusterUnreachableError, DiscoveryError) as exc:
        return failed(exc)
    versions: dict[int, list[Finding]] = {}
    if server.version is not None:
        for f_docs in parsed:
            for f in api_version_findings(f_docs, server.version, transport.info.context, server.git):
                versions.setdefault(id(f_docs), []).append(f)
    checked_of = {id(d): c for d, c in zip(docs, checks, strict=True)}
    for src, file_docs in zip(sources, parsed, strict=True):
        if src.text is None:
            results.append(FileResult(src.path, [src.problem] if src.problem else []))
            continue
        findings: list[Finding] = list(versions.get(id(file_docs), []))
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
    notes = [FileResult(src.path, versions[id(file_docs)], len(file_docs))
             for src, file_docs in zip(sources, parsed, strict=True) if versions.get(id(file_docs))]
    if several and notes and not errors:  # the section says what its version makes of the file
        out.write("".join(f"# {line}\n" for line in render("text", notes, info).splitlines() if line))
    out.write(text)
    if errors:
        sys.stderr.write(render("text", results, info))
        return EXIT_ERROR
    if notes and not several:
        sys.stderr.write(render("text", notes, info))
    return EXIT_FINDINGS if text else EXIT_OK


# --- status ----------------------------------------------------------------------------------------------------------

@dataclass
class _Object:
    path: str
    doc: Document
    root: YMap
    target: Target


@dataclass
class _Context:
    name: str | None
    transport: ClusterTransport | None = None
    discovery: Discovery | None = None
    error: str = ""
    states: list[LiveState | None] = field(default_factory=list)
    interest: Interest | None = None  # which watch events concern the objects (None: all do)

    def concerns(self, key: WatchKey, obj: dict[str, Any] | None) -> bool:
        return obj is None or self.interest is None or self.interest.concerns(key.resource.kind, key.namespace, obj)

    @property
    def label(self) -> str:
        if self.transport is not None:
            return self.transport.info.context
        return self.name or "(current)"


def _objects(sources: list[Source]) -> tuple[list[_Object], Masker]:
    objects: list[_Object] = []
    mask = Masker()
    for src in sources:
        if src.text is None:
            continue
        for doc in parse_stream(src.text):
            if not isinstance(doc.root, YMap) or doc.templated:
                continue
            if doc.root.get_str("kind") == "Secret":
                mask.add(secret_values(to_python(doc.root)))
            target = Target.of(doc.root)
            if target is not None:
                objects.append(_Object(src.path, doc, doc.root, target))
    return objects, mask


def _observe(ctx: _Context, objects: list[_Object], mask: Masker, drift: bool = False,
             settings: Settings | None = None) -> None:
    if ctx.transport is None or ctx.discovery is None:
        return
    try:
        observations = observe_all(ctx.transport, ctx.discovery, [o.target for o in objects], mask)
        ctx.error = ""
    except (ClusterUnreachableError, DiscoveryError) as exc:
        ctx.error = str(exc)
        ctx.states = [None] * len(objects)
        return
    now = time.time()
    ctx.interest = Interest()
    for o, obs in zip(objects, observations, strict=True):
        if obs is not None:
            ctx.interest.add_observation(obs, o.target.claim_names)
    ctx.states = [assess(o.root, o.doc.index, obs, now, mask) if obs is not None else None
                  for o, obs in zip(objects, observations, strict=True)]
    if drift:
        _drift(ctx, objects, observations, mask)
    severity_for = settings.severity_for if settings is not None else None
    for o, state in zip(objects, ctx.states, strict=True):  # `# kube-lsp: ignore=…` comments and the settings
        if state is not None and state.findings:
            state.findings = configured(state.findings, o.doc.chunk.text.split("\n"), o.doc.start_line,
                                        severity_for)


def _drift(ctx: _Context, objects: list[_Object], observations: list[Observation | None], mask: Masker) -> None:
    assert ctx.transport is not None and ctx.discovery is not None
    for o, obs, state in zip(objects, observations, ctx.states, strict=True):
        if obs is None or state is None or obs.live is None or obs.error or o.target.kind == "Secret":
            continue
        try:
            outcome = dry_run(ctx.transport, ctx.discovery, o.doc)
        except (ClusterUnreachableError, DiscoveryError) as exc:
            state.notes.append(f"drift not checked: {exc}")
            continue
        if outcome is not None and outcome.result is not None:
            state.findings = sorted([*state.findings, *drift_findings(o.root, o.doc.index, obs.live, outcome.result,
                                                                       mask, obs.context)], key=lambda f: f.sort_key)


def _where(o: _Object) -> str:
    return f"{o.path}:{o.root.span.start.line + 1}"


def _finding_json(f: Finding) -> dict[str, Any]:
    return {"line": f.span.start.line + 1, "column": f.span.start.col + 1, "endLine": f.span.end.line + 1,
            "endColumn": f.span.end.col + 1, "code": f.code, "severity": f.severity.label, "message": f.message,
            "path": f.path, "source": "kube-lsp live"}


def _render_json(objects: list[_Object], contexts: list[_Context]) -> str:
    data = {
        "contexts": [{"context": c.label, "server": c.transport.info.server if c.transport else "",
                      "error": c.error} for c in contexts],
        "objects": [
            {"file": o.path, "line": o.root.span.start.line + 1, "document": o.doc.index, "apiVersion":
             o.target.api_version, "kind": o.target.kind, "name": o.target.name, "namespace": o.target.namespace,
             "live": {c.label: ({**s.to_json(), "findings": [_finding_json(f) for f in s.findings]}
                                if (s := (c.states[i] if i < len(c.states) else None)) is not None
                                else {"summary": "unavailable", "error": c.error})
                      for c in contexts}}
            for i, o in enumerate(objects)],
    }
    return json.dumps(data, indent=2) + "\n"


def _render_text(objects: list[_Object], contexts: list[_Context]) -> str:
    several = len(contexts) > 1
    header = ["OBJECT", "FILE", *([c.label for c in contexts] if several else ["STATE"])]
    rows: list[list[str]] = [header]
    notes: list[list[str]] = [[]]
    for i, o in enumerate(objects):
        ns = f"{o.target.namespace}/" if o.target.namespace else ""
        row = [f"{o.target.kind} {ns}{o.target.name}", _where(o)]
        lines: list[str] = []
        for c in contexts:
            state = c.states[i] if i < len(c.states) else None
            row.append(state.summary if state is not None else ("unreachable" if c.error else "unavailable"))
            if state is None:
                continue
            prefix = f"[{c.label}] " if several else ""
            if state.error:
                lines.append(f"  {prefix}{state.error}")
            for f in state.findings:
                lines.append(f"  {prefix}{o.path}:{f.span.start.line + 1}:{f.span.start.col + 1}: "
                             f"{f.severity.label} {f.code} {f.message}")
        rows.append(row)
        notes.append(lines)
    widths = [max(len(r[k]) for r in rows) for k in range(len(header))]
    out: list[str] = []
    for c in contexts:
        if c.error:
            out.append(f"context {c.label}: error: {c.error}")
    for row, lines in zip(rows, notes, strict=True):
        out.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        out.extend(lines)
    return "\n".join(out) + "\n"


def _status_code(contexts: list[_Context]) -> int:
    if any(c.error for c in contexts):
        return EXIT_ERROR
    warnings = any(f.severity <= Severity.WARNING for c in contexts for s in c.states if s is not None
                   for f in s.findings)
    return EXIT_FINDINGS if warnings else EXIT_OK


def _watch_keys(ctx: _Context, objects: list[_Object]) -> set[WatchKey]:
    """The collections whose changes can change the states: the objects' kinds and the pods, events,
    ReplicaSets, Jobs, EndpointSlices and claims of their namespaces."""
    assert ctx.discovery is not None and ctx.transport is not None
    keys: set[WatchKey] = set()
    namespaces: set[str] = set()
    for o in objects:
        try:
            res = ctx.discovery.resource(o.target.api_version, o.target.kind)
        except (ClusterUnreachableError, DiscoveryError):
            return keys
        if res is None:
            continue
        ns = (o.target.namespace or ctx.transport.info.namespace or "default") if res.namespaced else None
        keys.add(WatchKey(ns, res))
        if ns:
            namespaces.add(ns)
    for av, kind in (("v1", "Pod"), ("v1", "Event"), ("apps/v1", "ReplicaSet"), ("batch/v1", "Job"),
                     ("discovery.k8s.io/v1", "EndpointSlice"), ("v1", "PersistentVolumeClaim")):
        try:
            res = ctx.discovery.resource(av, kind)
        except (ClusterUnreachableError, DiscoveryError):
            continue
        if res is not None:
            keys.update(WatchKey(ns, res) for ns in namespaces)
    return keys


def run_status(args: argparse.Namespace, stdin: TextIO, out: TextIO,
               sleep: Callable[[float], None] = time.sleep) -> int:
    settings = _settings(args)
    objects, mask = _objects(_sources(args, stdin, settings))
    contexts: list[_Context] = []
    for name in _contexts(args):
        ctx = _Context(name)
        try:
            ctx.transport = connect(args.kubeconfig, name, connect_timeout=args.connect_timeout,
                                    read_timeout=args.timeout)
            ctx.discovery = Discovery(ctx.transport)
        except ClusterConfigError as exc:
            ctx.error = str(exc)
        contexts.append(ctx)
    render_fn = _render_json if args.format == "json" else _render_text

    def snapshot() -> str:
        for c in contexts:
            if c.discovery is not None:
                c.discovery = Discovery(c.discovery.transport)  # a fresh view each time (a CRD may appear)
            _observe(c, objects, mask, args.drift, settings)
        return render_fn(objects, contexts)

    text = snapshot()
    out.write(text)
    out.flush()
    if not args.watch:
        return _status_code(contexts)
    changed = threading.Event()

    def on_change(c: _Context, key: WatchKey, obj: dict[str, Any] | None) -> None:
        if c.concerns(key, obj):  # an event about another object of the namespace changes nothing shown
            changed.set()

    watchers = [Watcher(c.transport, partial(on_change, c)) for c in contexts if c.transport is not None]
    try:
        for c, w in zip([c for c in contexts if c.transport is not None], watchers, strict=True):
            w.ensure(_watch_keys(c, objects))
        deadline = time.monotonic() + args.watch_for if args.watch_for else None
        while deadline is None or time.monotonic() < deadline:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not changed.wait(timeout=min(left, 1.0) if left is not None else 1.0):
                continue
            sleep(args.debounce)  # let a burst of changes settle
            changed.clear()
            new = snapshot()
            if new != text:
                text = new
                if args.format == "text":
                    out.write(f"--- {time.strftime('%H:%M:%S')}\n")
                out.write(text)
                out.flush()
    except KeyboardInterrupt:
        pass
    finally:
        for w in watchers:
            w.stop()
    return _status_code(contexts)


__all__ = ["run_cluster_command", "run_status"]
