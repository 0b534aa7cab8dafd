"""`kube-lsp serve`: diagnostics as you type, quick fixes, completion, hover, outline, folding and go to
definition, over the same engine as `kube-lsp check`.

Handlers stay thin: look the document up, call a pure function, convert, return or publish.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from kube_lsp import __version__
from kube_lsp.assist.completion import Item, complete
from kube_lsp.assist.hover import hover
from kube_lsp.assist.references import ObjectRef, index_objects, resolve, wanted_at
from kube_lsp.assist.symbols import MAX_SYMBOLS, MIN_SYMBOLS_PER_DOCUMENT, Symbol
from kube_lsp.assist.symbols import document_symbol as outline_document
from kube_lsp.config import ConfigError, Settings, find_config, read_cluster_settings, read_config, read_settings
from kube_lsp.engine import ChunkCache, Engine, Incremental, Superseded
from kube_lsp.inputs import MAX_BYTES, text_size_problem
from kube_lsp.lsp.cluster_features import (
    cluster_actions,
    cluster_changed,
    kubeconfig_contexts,
    load_cluster_schemas,
    off_loop,
)
from kube_lsp.lsp.cluster_features import register as register_cluster_features
from kube_lsp.lsp.convert import Positions, to_diagnostic
from kube_lsp.lsp.documents import OpenDocument
from kube_lsp.lsp.live_features import LiveManager
from kube_lsp.lsp.live_features import register as register_live_features
from kube_lsp.lsp.protocol import HardenedLanguageServer, KubeProtocol
from kube_lsp.model import Finding, Pos, Span
from kube_lsp.parsing.loader import Document, parse_chunk, parse_stream
from kube_lsp.parsing.text import split_documents, split_lines
from kube_lsp.schema.catalog import Catalog, KindSchema
from kube_lsp.schema.crds import crds_in

log = logging.getLogger("kube_lsp.server")

DEBOUNCE_SECONDS = 0.01
# How long a request that needs the current analysis (outline, folding, code actions, code lenses) waits for
# it before answering from the last one.
REQUEST_WAIT_SECONDS = 1.0
# Texts larger than this (characters) are analysed without full garbage collections (see _pause_full_gc).
BIG_TEXT = 500_000
MAX_WORKSPACE_FILES = 2000
MAX_WORKSPACE_FILE_BYTES = 2_000_000
CONFIG_SECTION = "kubeLsp"


class KubeLanguageServer(HardenedLanguageServer):
    """Server state: open documents, settings, the engine, and the workspace's objects and CRDs."""

    def __init__(self) -> None:
        super().__init__("kube-lsp", __version__, protocol_cls=KubeProtocol,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.docs: dict[str, OpenDocument] = {}
        self.client_settings: dict[str, Any] = {}
        self.repo_settings = Settings()
        self.settings = Settings()
        self.engine = Engine()
        self.debounce = DEBOUNCE_SECONDS
        self.roots: list[Path] = []
        self.workspace_crds: dict[str, list[KindSchema]] = {}
        self.workspace_objects: dict[str, list[ObjectRef]] = {}
        # kubeconfig, context and timeouts: from user-level settings and commands only, never from
        # files in the workspace.
        self.cluster_settings: dict[str, Any] = {}
        self.cluster_catalog: Catalog | None = None
        self.background_tasks: set[asyncio.Task[None]] = set()
        # Settings chosen by commands while a workspace/configuration answer was on its way.
        self.chosen_by_command: dict[tuple[str, ...], Any] = {}
        self.analysing: set[str] = set()  # URIs whose analysis is running in a worker thread
        self.max_file_bytes = MAX_BYTES
        self._gc_pauses = 0
        self._gc_thresholds = gc.get_threshold()
        self.running_commands: set[asyncio.Task[Any]] = set()
        self.live = LiveManager(self)  # live state of the open documents (kubeLsp.cluster.live)
        # Settings problems: those found while initializing (shown once `initialized` arrives), and those
        # shown last, so that each distinct problem is shown once rather than on every settings change.
        self.initial_problems: list[str] = []
        self.shown_problems: frozenset[str] = frozenset()

    # ------------------------------------------------------------------------------------ settings

    def apply_settings(self, client: Mapping[str, Any] | None = None) -> list[str]:
        """Recompute settings (defaults < .kube-lsp.yaml < client settings); return problems to show.

        An invalid entry costs only itself: an unknown rule name drops that rule's entry, not the target
        version or the other rules.
        """
        problems: list[str] = []
        if client is not None:
            self.client_settings = dict(client)
            # The client sends its whole section each time: a cluster setting it no longer has is cleared.
            self.cluster_settings, bad_cluster = read_cluster_settings(self.client_settings.pop("cluster", None),
                                                                       CONFIG_SECTION)
            problems += [f"kube-lsp settings: {p.ignored()}" for p in bad_cluster]
        repo = Settings()
        for root in self.roots:
            path = find_config(root)
            if path is not None:
                try:
                    repo, bad = read_config(path)
                    problems += [f"kube-lsp settings: {p.ignored()}" for p in bad]
                except ConfigError as exc:
                    problems.append(f"kube-lsp settings: {exc}")
                break
        self.max_file_bytes, bad_size = _max_file_bytes(self.client_settings.get("maxFileSize"))
        problems += [f"kube-lsp settings: {p}" for p in bad_size]
        settings, bad = read_settings(self.client_settings, base=repo, section=CONFIG_SECTION)
        problems += [f"kube-lsp settings: {p.ignored()}" for p in bad]
        if settings.exclude_root is None and self.roots:
            # `exclude` from the editor (no .kube-lsp.yaml) is relative to the workspace folder.
            settings = replace(settings, exclude_root=Path(self.roots[0]))
        try:
            use_cluster = self.cluster_catalog is not None and settings.kube_version is None
            engine = Engine(settings, self.cluster_catalog if use_cluster else None)
        except LookupError as exc:
            problems.append(f"kube-lsp settings: {exc}. It was ignored.")
            settings = replace(settings, kube_version=None)
            engine = Engine(settings, self.cluster_catalog)
        self.settings = settings
        crds = [ks for group in self.workspace_crds.values() for ks in group]
        self.engine = engine.with_crds(crds) if crds else engine
        for doc in self.docs.values():
            doc.cache = {}
        return problems + list(settings.warnings)

    @property
    def encoding(self) -> str | None:
        enc = self.workspace.position_encoding
        return str(enc.value if hasattr(enc, "value") else enc) if enc else None

    # ------------------------------------------------------------------------------------ analysis

    def schedule(self, doc: OpenDocument, delay: float | None = None) -> None:
        """Analyse the document soon, off the event loop. Edits coalesce: while an analysis runs, newer
        versions only wait for it to stop (at the next YAML document boundary) or finish; then the latest
        version is analysed, and stale results are never published."""
        if doc.pending is not None and not doc.pending.done():
            if doc.uri in self.analysing:
                return  # the running analysis sees the newer text and starts over with it
            doc.pending.cancel()
        doc.pending = asyncio.get_running_loop().create_task(
            self._analyse_later(doc.uri, self.debounce if delay is None else delay))

    async def _analyse_later(self, uri: str, delay: float) -> None:
        await asyncio.sleep(delay)
        while True:
            doc = self.docs.get(uri)
            if doc is None:
                return
            version, text, lines, cache, engine = doc.version, doc.text, doc.lines, doc.cache, self.engine
            started = time.perf_counter()
            too_big = text_size_problem(text, self.max_file_bytes)
            result: Incremental | None
            if too_big is not None:
                result = Incremental([too_big], {}, [], [])
            else:
                def stale(doc: OpenDocument = doc, text: str = text, engine: Engine = engine) -> bool:
                    return doc.text is not text or self.engine is not engine or self.docs.get(uri) is not doc

                def analyse(doc: OpenDocument = doc, text: str = text, cache: ChunkCache = cache,
                            engine: Engine = engine) -> Incremental | None:
                    try:
                        return engine.analyse_cached(text, cache, origin=doc.origin, cancelled=stale)
                    except Superseded:  # returned, not raised: a traceback would keep the partial trees
                        return None

                self.analysing.add(uri)
                big = len(text) > BIG_TEXT
                if big:
                    self._pause_full_gc()
                try:
                    result = await off_loop(analyse)
                except Exception:  # noqa: BLE001 - the server must outlive any bug in analysis
                    log.exception("analysis failed for %s", uri)
                    return
                finally:
                    self.analysing.discard(uri)
                    if big:
                        self._resume_full_gc()
            current = self.docs.get(uri)
            if current is not doc:
                return
            if result is None or current.text is not text or self.engine is not engine:
                # A newer version arrived meanwhile: never publish stale results; analyse the newest.
                log.debug("analysis of %s v%s superseded by v%s", uri, version, current.version)
                await asyncio.sleep(self.debounce)
                continue
            current.too_big = too_big
            unchanged = (current.published_version == version and current.findings == result.findings
                         and current.published_excluded == self.excluded(current))
            self._store(current, text, lines, result)
            if not unchanged:  # e.g. a settings or CRD change that does not affect this document
                self.publish(current)
            log.debug("analysed %s v%s in %.1f ms (%d of %d documents re-analysed)", uri, version,
                      1000 * (time.perf_counter() - started), sum(1 for k in result.cache if k not in cache),
                      len(result.chunks))
            self._index_document(current)
            return

    def _pause_full_gc(self) -> None:
        """No full garbage collections while a big document is analysed: each one walks every object of the
        tree being built, holding the GIL (and so stopping the event loop) for up to a second. Young
        generations are still collected."""
        if self._gc_pauses == 0:
            self._gc_thresholds = gc.get_threshold()
            gc.set_threshold(self._gc_thresholds[0], self._gc_thresholds[1], 1_000_000_000)
        self._gc_pauses += 1

    def _resume_full_gc(self) -> None:
        """After a big analysis: move its (long-lived, acyclic) trees out of the collector's sight, as the
        schemas are at startup, so later full collections stay cheap; trees replaced later are freed by
        reference counting."""
        self._gc_pauses -= 1
        if self._gc_pauses == 0:
            gc.collect(1)  # young cycles are not frozen with the trees
            gc.freeze()
            gc.set_threshold(*self._gc_thresholds)

    async def ensure_analysed(self, doc: OpenDocument, timeout: float = REQUEST_WAIT_SECONDS) -> bool:
        """Wait (at most `timeout` seconds, never blocking the loop) for the analysis of the document's
        current text; False when it is not done by then, and the last analysis is all there is."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not doc.current:
            if doc.pending is None or doc.pending.done():
                self.schedule(doc, delay=0)
            waiter: asyncio.Future[None] = loop.create_future()
            doc.waiters.append(waiter)
            try:
                await asyncio.wait_for(waiter, max(0.0, deadline - loop.time()))
            except TimeoutError:
                return doc.current
            if self.docs.get(doc.uri) is not doc:
                return False
        return True

    @staticmethod
    def _store(doc: OpenDocument, text: str, lines: list[str], result: Incremental) -> None:
        doc.cache, doc.findings = result.cache, result.findings
        doc.chunks, doc.results = result.chunks, result.results
        doc.analysed_version, doc.analysed_text, doc.analysed_lines = doc.version, text, lines
        waiters, doc.waiters = doc.waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def too_big(self, doc: OpenDocument) -> bool:
        """Whether the document is over kubeLsp.maxFileSize: then requests do not parse it either."""
        return text_size_problem(doc.text, self.max_file_bytes) is not None

    def excluded(self, doc: OpenDocument) -> bool:
        """Whether the settings' `exclude` globs leave this file out (as `kube-lsp check` would)."""
        return doc.origin != doc.uri and self.settings.is_excluded(doc.origin)

    def publish(self, doc: OpenDocument) -> None:
        pos = doc.positions(self.encoding)
        doc.published_excluded = self.excluded(doc)
        findings = [] if doc.published_excluded else [*doc.problems, *doc.findings]
        if doc.cluster_findings and doc.cluster_version == doc.version:
            findings += doc.cluster_findings
        if not doc.published_excluded:
            findings += self.live.findings(doc)
        diagnostics = [to_diagnostic(f, pos, doc.uri, doc.version) for f in findings]
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=doc.uri, diagnostics=diagnostics, version=doc.version))
        doc.published_version = doc.version

    def reanalyse_all(self) -> None:
        for doc in self.docs.values():
            self.schedule(doc)

    # ----------------------------------------------------------------------------------- workspace

    def _index_document(self, doc: OpenDocument) -> None:
        """Record the objects and CRDs of an open document (from its cached trees: no re-parse)."""
        objects = []
        for chunk, res in zip(doc.chunks, doc.results, strict=True):
            for obj in index_objects(doc.uri, [res.document]):
                objects.append(replace(obj, span=obj.span.shifted(chunk.start_line)))
        self.workspace_objects[doc.uri] = objects
        if "CustomResourceDefinition" in doc.text:
            # Each result was parsed as if it started on line 0: its CRDs move down to where it is.
            found = [ks.shifted(chunk.start_line) for chunk, res in zip(doc.chunks, doc.results, strict=True)
                     if "CustomResourceDefinition" in chunk.text
                     for ks in crds_in([res.document], doc.origin, self.label(doc.origin))]
            if found != self.workspace_crds.get(doc.uri, []):
                self.workspace_crds[doc.uri] = found
                self.apply_settings()
                self.reanalyse_all()

    def scan_workspace(self) -> None:
        """Find CRDs in the YAML files under the workspace roots (bounded), so custom resources validate.

        Only files that mention CustomResourceDefinition are parsed; cross-references resolve against
        open files, so nothing else is read.
        """
        seen = 0
        for root in self.roots:
            for dirpath, dirs, files in os.walk(root):
                dirs[:] = [d for d in dirs if not d.startswith(".") and d != "node_modules"]
                for name in files:
                    if not name.endswith((".yaml", ".yml")):
                        continue
                    seen += 1
                    if seen > MAX_WORKSPACE_FILES:
                        return
                    path = Path(dirpath) / name
                    uri = from_fs_path(str(path)) or path.as_uri()
                    if uri in self.docs or self.settings.is_excluded(path):
                        continue
                    try:
                        if path.stat().st_size > MAX_WORKSPACE_FILE_BYTES:
                            continue
                        text = path.read_text(encoding="utf-8-sig")
                    except (OSError, UnicodeDecodeError):
                        continue
                    if "CustomResourceDefinition" in text:
                        self.workspace_crds[uri] = list(crds_in(parse_stream(text), str(path), self.label(str(path))))

    def label(self, path: str) -> str:
        """How messages name a file: relative to the workspace folder it is in, else as it is."""
        for root in self.roots:
            try:
                return Path(path).relative_to(root).as_posix()
            except ValueError:
                continue
        return path


class RawJson(list[Any]):
    """A result that is JSON already: sent as it is, without walking it through the protocol converter."""


def create_server() -> KubeLanguageServer:
    server = KubeLanguageServer()
    server.protocol._converter.register_unstructure_hook(RawJson, lambda value: value)

    @server.feature(types.INITIALIZE)
    def initialize(ls: KubeLanguageServer, params: types.InitializeParams) -> None:
        roots = [f.uri for f in params.workspace_folders or []] or ([params.root_uri] if params.root_uri else [])
        ls.roots = [Path(p) for p in (to_fs_path(u) for u in roots) if p]
        opts = params.initialization_options
        ls.initial_problems = ls.apply_settings(_settings_section(opts) if isinstance(opts, Mapping) else None)
        # The schemas are large and live as long as the server: keep the garbage collector off them.
        gc.collect()
        gc.freeze()

    @server.feature(types.INITIALIZED)
    async def initialized(ls: KubeLanguageServer, params: types.InitializedParams) -> None:
        _report(ls, ls.initial_problems)
        await _pull_configuration(ls)
        await asyncio.to_thread(ls.scan_workspace)
        if ls.workspace_crds:
            ls.apply_settings()
            ls.reanalyse_all()
        await load_cluster_schemas(ls)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: KubeLanguageServer, params: types.DidChangeConfigurationParams) -> None:
        settings = params.settings
        cluster_before = dict(ls.cluster_settings)
        if isinstance(settings, Mapping) and settings:
            _report(ls, ls.apply_settings(_settings_section(settings)))
        else:
            await _pull_configuration(ls)
        if ls.cluster_settings != cluster_before:
            cluster_changed(ls)
        ls.reanalyse_all()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: KubeLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        td = params.text_document
        doc = OpenDocument(td.uri, td.text, td.version)
        ls.docs[td.uri] = doc
        ls.schedule(doc)
        ls.live.opened(td.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: KubeLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        doc = ls.docs.get(params.text_document.uri)
        if doc is None:
            return
        doc.apply(params.content_changes, params.text_document.version, ls.encoding)
        ls.schedule(doc)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: KubeLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        doc = ls.docs.pop(params.text_document.uri, None)
        if doc is not None and doc.pending is not None:
            doc.pending.cancel()
        ls.live.closed(params.text_document.uri)
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: KubeLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.live.schedule(params.text_document.uri)  # the objects may have been renamed or added
        if params.text_document.uri.endswith((".kube-lsp.yaml", ".kube-lsp.yml")):
            _report(ls, ls.apply_settings())
            ls.reanalyse_all()

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, types.CodeActionKind.Source]),
    )
    async def code_action(ls: KubeLanguageServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        doc = ls.docs.get(params.text_document.uri)
        if doc is None or ls.too_big(doc):
            return []
        # Quick fixes edit the text as it is now: none from an older analysis.
        current = await ls.ensure_analysed(doc)
        actions = _code_actions(ls, doc, params) if current else []
        only = params.context.only
        if current and (not only or types.CodeActionKind.Source in only):
            actions += cluster_actions(doc, doc.positions(ls.encoding).from_client(params.range.start).line)
        if only:
            actions = [a for a in actions if a.kind in only]
        return actions

    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(trigger_characters=[":", " ", "-", "\n"]),
    )
    def completion(ls: KubeLanguageServer, params: types.CompletionParams) -> types.CompletionList:
        doc = ls.docs.get(params.text_document.uri)
        if doc is None or ls.too_big(doc):
            return types.CompletionList(is_incomplete=False, items=[])
        pos = doc.positions(ls.encoding)
        at = pos.from_client(params.position)
        items = complete(doc.text, at.line, at.col, ls.engine.catalog, (doc.lines, doc.starts), doc.origin)
        return types.CompletionList(is_incomplete=False, items=[_completion_item(i) for i in items])

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def on_hover(ls: KubeLanguageServer, params: types.HoverParams) -> types.Hover | None:
        doc = ls.docs.get(params.text_document.uri)
        if doc is None or ls.too_big(doc):
            return None
        pos = doc.positions(ls.encoding)
        at = pos.from_client(params.position)
        info = hover(doc.text, at.line, at.col, ls.engine.catalog, (doc.lines, doc.starts), doc.origin)
        live = ls.live.hover(doc, at.line) if doc.current else None
        if info is None and live is None:
            return None
        text = "\n\n---\n\n".join(t for t in (info.markdown if info else None, live) if t)
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text),
                           range=pos.range_to_client(info.span) if info is not None else None)

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    async def document_symbol(ls: KubeLanguageServer, params: types.DocumentSymbolParams) -> RawJson:
        doc = ls.docs.get(params.text_document.uri)
        if doc is None:
            return RawJson()
        await ls.ensure_analysed(doc)
        pos = doc.analysed_positions(ls.encoding)
        each = max(MIN_SYMBOLS_PER_DOCUMENT, MAX_SYMBOLS // max(len(doc.chunks), 1))
        out = []
        # Tens of thousands of small acyclic dicts: with the collector on, they trigger collections that
        # walk the whole parsed tree of a big file, several times the cost of building them.
        enabled = gc.isenabled()
        gc.disable()
        try:
            for i, (chunk, res) in enumerate(zip(doc.chunks, doc.results, strict=True)):
                sym = outline_document(Document(i, res.document.chunk, res.document.root), each)
                out.append(_symbol_json(sym, pos, chunk.start_line))
        finally:
            if enabled:
                gc.enable()
        return RawJson(out)

    @server.feature(types.TEXT_DOCUMENT_FOLDING_RANGE)
    async def folding_range(ls: KubeLanguageServer, params: types.FoldingRangeParams) -> list[types.FoldingRange]:
        doc = ls.docs.get(params.text_document.uri)
        if doc is None:
            return []
        await ls.ensure_analysed(doc)
        return [types.FoldingRange(start_line=c.start_line, end_line=c.end_line - 1,
                                   kind=types.FoldingRangeKind.Region)
                for c in doc.chunks if c.end_line - 1 > c.start_line]

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def definition(ls: KubeLanguageServer, params: types.DefinitionParams) -> list[types.Location]:
        doc = ls.docs.get(params.text_document.uri)
        if doc is None or ls.too_big(doc):
            return []
        pos = doc.positions(ls.encoding)
        at = pos.from_client(params.position)
        chunk = next((c for c in split_documents(doc.text) if c.start_line <= at.line < c.end_line), None)
        if chunk is None:
            return []
        parsed = parse_chunk(chunk, 0)
        wanted = wanted_at(parsed, at.line, at.col)
        if wanted is None:
            return []
        objects = [o for group in ls.workspace_objects.values() for o in group]
        locations = []
        for obj in resolve(wanted, objects):
            target = ls.docs.get(obj.uri)
            lines = target.lines if target else _file_lines(obj.uri)
            rng = Positions(lines, ls.encoding).range_to_client(obj.span)
            locations.append(types.Location(uri=obj.uri, range=rng))
        return locations

    register_cluster_features(server)
    register_live_features(server)

    @server.command("kube-lsp.setKubeVersion")
    def set_kube_version(ls: KubeLanguageServer, version: str) -> str:
        from kube_lsp.schema.catalog import format_version

        ls.client_settings["kubeVersion"] = version
        ls.chosen_by_command[("kubeVersion",)] = version
        _report(ls, ls.apply_settings())
        ls.reanalyse_all()
        return f"validating against Kubernetes {format_version(ls.engine.catalog.version)}"

    @server.command("kube-lsp.status")
    async def status(ls: KubeLanguageServer) -> dict[str, Any]:
        """What validation uses now, for an editor's status bar: version, schema source, cluster context."""
        from kube_lsp.cluster.transport import ClusterConfigError
        from kube_lsp.schema.catalog import bundled_versions, format_version

        context = ls.cluster_settings.get("context")
        if not context:
            try:
                context = (await kubeconfig_contexts(ls.cluster_settings.get("kubeconfig")))[1]
            except ClusterConfigError:
                context = None
        catalog = ls.engine.catalog  # after the wait: the cluster's schemas may have loaded meanwhile
        return {
            "kubeVersion": format_version(catalog.version),
            "schemaSource": catalog.source,
            "context": context,
            "clusterSchemas": ls.cluster_catalog is not None,
            "versions": [format_version(v) for v in bundled_versions()],
        }

    return server


# ------------------------------------------------------------------------------------------- helpers


def _max_file_bytes(raw: Any) -> tuple[int, list[str]]:
    """kubeLsp.maxFileSize (MB, as the CLI's --max-file-size) in bytes, and what was wrong with it."""
    if raw in (None, ""):
        return MAX_BYTES, []
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not raw > 0:
        return MAX_BYTES, [f"{CONFIG_SECTION}.maxFileSize must be a number of megabytes above 0, not "
                           f"{raw!r}. It was ignored."]
    return int(raw * 1e6), []


def _settings_section(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Accept {"kubeLsp": {...}}, {"settings": {"kubeLsp": {...}}} or the section itself."""
    if "settings" in raw and isinstance(raw["settings"], Mapping):
        raw = raw["settings"]
    if CONFIG_SECTION in raw and isinstance(raw[CONFIG_SECTION], Mapping):
        raw = raw[CONFIG_SECTION]
    return {k: v for k, v in raw.items() if v is not None}


async def _pull_configuration(ls: KubeLanguageServer) -> None:
    caps = ls.client_capabilities.workspace
    if caps is None or not caps.configuration:
        return
    try:
        result = await asyncio.wait_for(ls.workspace_configuration_async(types.ConfigurationParams(
            items=[types.ConfigurationItem(section=CONFIG_SECTION)])), timeout=5)
    except Exception:  # noqa: BLE001 - a client that cannot answer keeps the current settings
        log.warning("workspace/configuration failed", exc_info=True)
        return
    if result and isinstance(result[0], Mapping):
        section = _settings_section(result[0])
        # A command (kube-lsp.setKubeVersion, kube-lsp.selectContext) since the last answer may be newer than
        # this one (the client answered before it saw the command's result): keep its choice, this once.
        chosen, ls.chosen_by_command = ls.chosen_by_command, {}
        for path, value in chosen.items():
            node = section
            for key in path[:-1]:
                node = node[key] = dict(node[key]) if isinstance(node.get(key), Mapping) else {}
            node[path[-1]] = value
        cluster_before = dict(ls.cluster_settings)
        _report(ls, ls.apply_settings(section))
        if ls.cluster_settings != cluster_before:  # e.g. live state switched on: start it for the open files
            ls.live.reset()
            for doc in ls.docs.values():
                if doc.current and doc.analysed_version is not None:
                    ls.publish(doc)  # without the live findings of before
            ls.live.schedule_all()


def _report(ls: KubeLanguageServer, problems: list[str]) -> None:
    """Show each settings problem once (and log it): not again on every settings change while it stays."""
    for p in dict.fromkeys(problems):
        if p in ls.shown_problems:
            continue
        log.warning("%s", p)
        ls.window_log_message(types.LogMessageParams(type=types.MessageType.Warning, message=p))
        ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Warning, message=p))
    ls.shown_problems = frozenset(problems)


def _file_lines(uri: str) -> list[str]:
    path = to_fs_path(uri)
    try:
        return split_lines(Path(path).read_text(encoding="utf-8-sig")) if path else []
    except (OSError, UnicodeDecodeError):
        return []


_ITEM_KINDS = {
    "field": types.CompletionItemKind.Property,
    "value": types.CompletionItemKind.EnumMember,
    "kind": types.CompletionItemKind.Class,
    "api-version": types.CompletionItemKind.Module,
    "snippet": types.CompletionItemKind.Snippet,
}


def _completion_item(item: Item) -> types.CompletionItem:
    return types.CompletionItem(
        label=item.label,
        kind=_ITEM_KINDS.get(item.kind, types.CompletionItemKind.Text),
        detail=item.detail or None,
        documentation=types.MarkupContent(kind=types.MarkupKind.Markdown, value=item.documentation)
        if item.documentation else None,
        insert_text=item.insert_text or item.label,
        insert_text_format=types.InsertTextFormat.PlainText,
        sort_text=item.sort_text or None,
        filter_text=item.label.split(" ")[0] if item.kind == "kind" else None,
    )


_SYMBOL_KINDS = {
    "document": types.SymbolKind.Module.value,
    "object": types.SymbolKind.Object.value,
    "array": types.SymbolKind.Array.value,
    "field": types.SymbolKind.Field.value,
}


def _symbol_json(s: Symbol, pos: Positions, offset: int) -> dict[str, Any]:
    """A DocumentSymbol as JSON, built directly: outlines of big files have tens of thousands of nodes,
    and going through lsprotocol's classes would cost more than computing them."""
    span, selection = s.span, s.selection
    rng = _range_json(pos, span, offset)
    # Compared in code points: the mapping to client units keeps the order on a line.
    if selection.start < span.start or selection.end > span.end or selection.start == selection.end == span.start:
        sel = {"start": rng["start"], "end": rng["start"]}
    else:
        sel = _range_json(pos, selection, offset)
    out: dict[str, Any] = {"name": s.name or "<empty>", "kind": _SYMBOL_KINDS[s.kind], "range": rng,
                           "selectionRange": sel}
    if s.detail:
        out["detail"] = s.detail
    if s.children:
        out["children"] = [_symbol_json(c, pos, offset) for c in s.children]
    return out


def _range_json(pos: Positions, span: Span, offset: int) -> dict[str, Any]:
    sl, el = span.start.line + offset, span.end.line + offset
    return {"start": {"line": sl, "character": pos.column(sl, span.start.col)},
            "end": {"line": el, "character": pos.column(el, span.end.col)}}


def _code_actions(ls: KubeLanguageServer, doc: OpenDocument, params: types.CodeActionParams) -> list[types.CodeAction]:
    pos = doc.positions(ls.encoding)
    start, end = pos.from_client(params.range.start), pos.from_client(params.range.end)
    actions: list[types.CodeAction] = []
    relevant = [f for f in doc.findings if f.span.start.line <= end.line and f.span.end.line >= start.line]
    ident = types.OptionalVersionedTextDocumentIdentifier(uri=doc.uri, version=doc.version)
    for f in relevant:
        diag = to_diagnostic(f, pos, doc.uri, doc.version)
        for fx in f.fixes:
            edits = [types.TextEdit(range=pos.range_to_client(e.span), new_text=e.new_text) for e in fx.edits]
            actions.append(types.CodeAction(
                title=fx.title, kind=types.CodeActionKind.QuickFix, diagnostics=[diag],
                is_preferred=fx.safe or None,
                edit=types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(text_document=ident, edits=edits)]),
            ))
        actions.extend(_ignore_actions(doc, f, diag, pos, ident))
    for f in ls.live.findings(doc):  # drift: the diff view one click away
        if f.code == "KL958" and f.span.start.line <= end.line and f.span.end.line >= start.line:
            actions.append(types.CodeAction(
                title="Diff this document against the cluster", kind=types.CodeActionKind.QuickFix,
                diagnostics=[to_diagnostic(f, pos, doc.uri, doc.version)],
                command=types.Command(title="Diff against cluster", command="kube-lsp.diff",
                                      arguments=[doc.uri, f.doc])))
            break
    return actions


def _ignore_actions(doc: OpenDocument, f: Finding, diag: types.Diagnostic, pos: Any,
                    ident: types.OptionalVersionedTextDocumentIdentifier) -> list[types.CodeAction]:
    line = f.span.start.line
    if line >= len(doc.lines):
        return []
    text = doc.lines[line]
    marker = "# kube-lsp: ignore="
    if marker in text:
        at = text.index(marker) + len(marker)
        end = at + len(text[at:].split()[0]) if text[at:].split() else at
        line_edit = types.TextEdit(range=pos.range_to_client(Span(Pos(line, end), Pos(line, end))),
                                   new_text=f",{f.code}")
    else:
        eol = len(text)
        line_edit = types.TextEdit(range=pos.range_to_client(Span(Pos(line, eol), Pos(line, eol))),
                                   new_text=f"  # kube-lsp: ignore={f.code}")
    chunk = next((c for c in split_documents(doc.text) if c.start_line <= line < c.end_line), None)
    actions = [types.CodeAction(
        title=f"Ignore {f.code} on this line", kind=types.CodeActionKind.QuickFix, diagnostics=[diag],
        edit=types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(text_document=ident, edits=[line_edit])]),
    )]
    if chunk is not None:
        first = chunk.start_line + (1 if doc.lines[chunk.start_line].startswith("---") else 0)
        doc_edit = types.TextEdit(range=pos.range_to_client(Span.point(first, 0)),
                                  new_text=f"# kube-lsp: ignore-document={f.code}\n")
        actions.append(types.CodeAction(
            title=f"Ignore {f.code} in this document", kind=types.CodeActionKind.QuickFix, diagnostics=[diag],
            edit=types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(text_document=ident,
                                                                              edits=[doc_edit])]),
        ))
    return actions


def run(tcp: str | None = None, log_file: str | None = None, log_level: str = "INFO") -> int:
    handler: logging.Handler = logging.FileHandler(log_file) if log_file else logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers = [handler]  # never stdout: it carries JSON-RPC
    root.setLevel(log_level.upper())
    if log_level.upper() != "DEBUG":
        # pygls logs every message body at INFO: megabytes per request on big files.
        logging.getLogger("pygls").setLevel(logging.WARNING)
    server = create_server()
    if tcp:
        host, _, port = tcp.rpartition(":")
        server.start_tcp(host or "127.0.0.1", int(port))
    else:
        from kube_lsp.lsp.early import take_streams

        server.start_io(*take_streams())  # after an early answer to `initialize` (kube_lsp/launch.py)
    return 0
