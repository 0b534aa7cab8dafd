"""`kube-lsp serve`: diagnostics as you type, quick fixes, completion, hover, outline, folding and go to
definition, over the same engine as `kube-lsp check`.

Handlers stay thin: look the document up, call a pure function, convert, return or publish.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import sys
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, Final

import attrs
from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.protocol.language_server import lsp_method
from pygls.uris import from_fs_path, to_fs_path

from kube_lsp import __version__
from kube_lsp.assist.completion import Item, complete
from kube_lsp.assist.hover import HoverInfo, hover
from kube_lsp.assist.navigate import hover_reference
from kube_lsp.assist.references import Wanted, wanted_at
from kube_lsp.assist.resources import resource_hover
from kube_lsp.assist.symbols import MAX_SYMBOLS, MIN_SYMBOLS_PER_DOCUMENT
from kube_lsp.assist.symbols import document_symbol as outline_document
from kube_lsp.collector import NEVER
from kube_lsp.config import ConfigError, Settings, find_config, read_cluster_settings, read_config, read_settings
from kube_lsp.engine import ChunkCache, Engine, Incremental, Superseded
from kube_lsp.inputs import MAX_BYTES, read_path, text_size_problem
from kube_lsp.lsp.cluster_features import (
    cluster_actions,
    cluster_changed,
    kubeconfig_contexts,
    load_cluster_schemas,
    off_loop,
    schedule_cluster_reads,
)
from kube_lsp.lsp.cluster_features import register as register_cluster_features
from kube_lsp.lsp.convert import outline_json, to_diagnostic
from kube_lsp.lsp.documents import OpenDocument, clean_lines
from kube_lsp.lsp.live_features import LiveManager
from kube_lsp.lsp.live_features import register as register_live_features
from kube_lsp.lsp.protocol import MAX_MESSAGE_BYTES, HardenedLanguageServer, JsonText, KubeProtocol
from kube_lsp.lsp.release import Releaser
from kube_lsp.lsp.workspace_features import _Lines
from kube_lsp.lsp.workspace_features import register as register_workspace_features
from kube_lsp.lsp.workspace_features import register_dynamically as register_watcher
from kube_lsp.model import Finding, Pos, Span
from kube_lsp.parsing.free import BIG_TREE_CHARS
from kube_lsp.parsing.loader import Document, parse_chunk, parse_stream
from kube_lsp.parsing.text import Chunk, split_documents, split_lines
from kube_lsp.rules import BY_CODE
from kube_lsp.schema.catalog import Catalog, KindSchema
from kube_lsp.schema.crds import crds_in
from kube_lsp.textindex import NamespacePolicy, namespace_policies
from kube_lsp.workspace.check import file_findings
from kube_lsp.workspace.index import FileIndex, content_digest, index_file, merge
from kube_lsp.workspace.model import Workspace

log = logging.getLogger("kube_lsp.server")

DEBOUNCE_SECONDS = 0.01
# How long after the last edit that changed the workspace index the cross-resource findings are recomputed.
CROSS_DELAY = 0.2
LENS_REFRESH_DELAY = 0.25  # seconds: lens refreshes coalesce
# How long a request that needs the current analysis (outline, folding, code actions, code lenses) waits for
# it before answering from the last one.
REQUEST_WAIT_SECONDS = 1.0
# Texts larger than this (characters) are analysed without full garbage collections (see _pause_full_gc).
BIG_TEXT = 500_000
SWITCH_INTERVAL = 0.001  # while a big text is analysed: how long a thread keeps the GIL when another waits
# Workspace files indexed (the rest is left out, and the server says so); files bigger than
# MAX_WORKSPACE_FILE_BYTES are not indexed (they are analysed once opened).
MAX_WORKSPACE_FILES = 10_000
MAX_WORKSPACE_FILE_BYTES = 2_000_000
CONFIG_SECTION = "kubeLsp"
# Open files with more objects than this get no cross-resource findings of their own in the editor (checking
# them would hold the event loop too long); their objects are still indexed, and `kube-lsp check` checks them.
MAX_CROSS_OBJECTS = 2000
# Texts of big messages longer than this (characters) have their lines split in the decoding thread.
PREPARED_TEXT = 100_000


class ServerProtocol(KubeProtocol):
    """pygls keeps a copy of every open document in its workspace: splitting its lines on every edit (tens of
    milliseconds on the event loop per keystroke in a 100,000-line file). The server has its own copy
    (`OpenDocument`) and never reads pygls', so the document notifications only call the handlers."""

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams) -> Iterator[Any]:
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_OPEN, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Iterator[Any]:
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_CHANGE, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams) -> Iterator[Any]:
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_CLOSE, params)

    def _user_handler(self, method: str, params: Any) -> Iterator[Any]:
        if (handler := self.fm.features.get(method)) is not None:
            yield handler, (params,), None


class KubeLanguageServer(HardenedLanguageServer):
    """Server state: open documents, settings, the engine, and the workspace's objects and CRDs."""

    def __init__(self) -> None:
        super().__init__("kube-lsp", __version__, protocol_cls=ServerProtocol,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.docs: dict[str, OpenDocument] = {}
        self.client_settings: dict[str, Any] = {}
        self.repo_settings = Settings()
        self.settings = Settings()
        self.engine = Engine()
        self.debounce = DEBOUNCE_SECONDS
        self.roots: list[Path] = []
        self.workspace_crds: dict[str, list[KindSchema]] = {}
        # The Pod Security labels of the Namespaces of workspace files and open documents, by URI: they apply to
        # the pods of every document (a document's own Namespaces win).
        self.workspace_namespaces: dict[str, dict[str, NamespacePolicy]] = {}
        self.scanned_namespaces: dict[str, dict[str, NamespacePolicy]] = {}  # from the scanning thread
        # The workspace index: the files under the workspace folders (scanned in the background) and the
        # open documents (from their analysis); the cross-resource rules and navigation read it.
        self.ws = Workspace(label=self.label)
        self.scanned = asyncio.Event()
        self.cross_task: asyncio.Task[None] | None = None
        self.lens_refresh_due: asyncio.TimerHandle | None = None
        # kubeconfig, context and timeouts: from user-level settings and commands only, never from
        # files in the workspace.
        self.cluster_settings: dict[str, Any] = {}
        self.cluster_catalog: Catalog | None = None
        # The chosen cluster's /version (clamped to the bundled range): the target when no kubeVersion is set.
        self.cluster_version: tuple[int, int] | None = None
        self.cluster_version_source = ""
        self.cluster_version_for: tuple[Any, Any] | None = None  # the (kubeconfig, context) it was read for
        # The (kubeconfig, context) and its /version read, shared by the target version and the cluster's schemas.
        self.version_read: tuple[tuple[Any, Any], asyncio.Future[tuple[tuple[int, int], str]]] | None = None
        self.explicit_kube_version = False  # kubeVersion set in the settings or .kube-lsp.yaml
        self.kube_version_source = "default"
        # The Pod Security policies of the chosen cluster's Namespaces (the workspace's win over them).
        self.cluster_namespaces: dict[str, NamespacePolicy] = {}
        self.cluster_namespaces_for: tuple[Any, Any] | None = None
        self.namespaces_refused_for: tuple[Any, Any] | None = None  # a refused LIST is logged once per cluster
        self.background_tasks: set[asyncio.Task[Any]] = set()
        # Settings chosen by commands while a workspace/configuration answer was on its way.
        self.chosen_by_command: dict[tuple[str, ...], Any] = {}
        self.analysing: set[str] = set()  # URIs whose analysis is running in a worker thread
        self.max_file_bytes = MAX_BYTES
        self._gc_pauses = 0
        self._switch_interval = sys.getswitchinterval()
        self.releaser = Releaser()  # frees big replaced analyses a piece at a time, off the event loop
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
        self.explicit_kube_version = settings.kube_version is not None
        use_cluster = self.cluster_catalog is not None and not self.explicit_kube_version
        if self.explicit_kube_version:
            self.kube_version_source = "kubeVersion setting"
        elif use_cluster:
            self.kube_version_source = "cluster schemas"
        elif self.cluster_version is not None:
            settings = replace(settings, kube_version=self.cluster_version)
            self.kube_version_source = self.cluster_version_source
        else:
            self.kube_version_source = "default"
        try:
            engine = Engine(settings, self.cluster_catalog if use_cluster else None, self.namespace_policies())
        except LookupError as exc:
            problems.append(f"kube-lsp settings: {exc}. It was ignored.")
            settings = replace(settings, kube_version=None)
            self.kube_version_source = "default"
            engine = Engine(settings, self.cluster_catalog, self.namespace_policies())
        self.settings = settings
        if self.ws.namespace != settings.namespace:
            self.ws.namespace = settings.namespace
            self.ws.changed()
        crds = [ks for group in self.workspace_crds.values() for ks in group]
        self.engine = engine.with_crds(crds) if crds else engine
        for doc in self.docs.values():
            doc.cache = {}
        self.refresh_cross()  # severities, rules switched off, the namespace: an unchanged index would keep them
        return problems + list(settings.warnings)

    def prepare_message(self, message: Any) -> None:
        """In the thread that decoded a big message: split the lines of the text a didOpen or a full-text
        didChange carries (`OpenDocument` takes them from `prepared` instead of splitting on the loop)."""
        if not isinstance(message, dict) or not isinstance(params := message.get("params"), dict):
            return
        texts: list[Any] = []
        if message.get("method") == types.TEXT_DOCUMENT_DID_OPEN and isinstance(params.get("textDocument"), dict):
            texts = [params["textDocument"].get("text")]
        elif message.get("method") == types.TEXT_DOCUMENT_DID_CHANGE and isinstance(params.get("contentChanges"),
                                                                                      list):
            texts = [c.get("text") for c in params["contentChanges"] if isinstance(c, dict) and "range" not in c]
        for text in texts:
            if isinstance(text, str) and len(text) > PREPARED_TEXT:
                lines = clean_lines(text)
                if lines is not None:
                    self.prepared[id(text)] = (text, lines)

    def prepared_lines(self, text: str) -> list[str] | None:
        """The lines `prepare_message` split for this very text, if it did."""
        found = self.prepared.get(id(text))
        return found[1] if found is not None and found[0] is text else None

    @property
    def encoding(self) -> str | None:
        enc = self.workspace.position_encoding
        return str(enc.value if hasattr(enc, "value") else enc) if enc else None

    # ------------------------------------------------------------------------------------ analysis

    def in_background(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run `work` as a task of its own, kept until it ends (the event loop only holds tasks weakly)."""
        task = asyncio.get_running_loop().create_task(work)
        self.background_tasks.add(task)
        task.add_done_callback(self.background_tasks.discard)

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
            index_parts: list[tuple[FileIndex, dict[tuple[str, int, int], FileIndex]] | None] = [None]
            if too_big is not None:
                result = Incremental([too_big], {}, [], [])
            else:
                def stale(doc: OpenDocument = doc, text: str = text, engine: Engine = engine) -> bool:
                    return doc.text is not text or self.engine is not engine or self.docs.get(uri) is not doc

                def analyse(doc: OpenDocument = doc, text: str = text, cache: ChunkCache = cache,
                            engine: Engine = engine, index_parts: list[Any] = index_parts) -> Incremental | None:
                    try:
                        out = engine.analyse_cached(text, cache, origin=doc.origin, cancelled=stale)
                    except Superseded:  # returned, not raised: a traceback would keep the partial trees
                        return None
                    # The workspace index of the text, here too (off the event loop): only the documents
                    # whose text is new are walked.
                    index_parts[0] = file_index(doc.origin, text, out, doc.index_cache)
                    return out

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
            cross = current.cross_findings
            # The index first: the document's own cross-resource findings go out with the others, in one
            # publication (other open documents are published when theirs change).
            if index_parts[0] is not None:
                current.index_cache = index_parts[0][1]
                self._index_document(current, index_parts[0][0])
            if not unchanged or current.cross_findings != cross:  # e.g. a settings or CRD change: maybe not
                self.publish(current)
            log.debug("analysed %s v%s in %.1f ms (%d of %d documents re-analysed)", uri, version,
                      1000 * (time.perf_counter() - started), sum(1 for k in result.cache if k not in cache),
                      len(result.chunks))
            return

    def _pause_full_gc(self) -> None:
        """No full garbage collections while a big document is analysed: each one walks every object of the
        tree being built, holding the GIL (and so stopping the event loop) for up to a second. Young
        generations are still collected. And a shorter switch interval meanwhile (SWITCH_INTERVAL)."""
        if self._gc_pauses == 0:
            self._gc_thresholds = gc.get_threshold()
            gc.set_threshold(self._gc_thresholds[0], self._gc_thresholds[1], NEVER)
            # Each answer meanwhile needs the GIL several times (the reader thread hands the request over,
            # the loop, the writer thread), and the analysing thread keeps it for a switch interval each
            # time: 1 ms instead of 5, and a hover meanwhile takes 4 ms instead of 12 (p50).
            self._switch_interval = sys.getswitchinterval()
            sys.setswitchinterval(SWITCH_INTERVAL)
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
            sys.setswitchinterval(self._switch_interval)

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

    def _store(self, doc: OpenDocument, text: str, lines: list[str], result: Incremental) -> None:
        replaced = doc.results
        doc.cache, doc.findings = result.cache, result.findings
        doc.chunks, doc.results, doc.outline = result.chunks, result.results, None
        if len(text) > BIG_TREE_CHARS or len(doc.analysed_text or "") > BIG_TREE_CHARS:
            kept = {id(r) for r in result.results}
            self.releaser.release(r for r in replaced if id(r) not in kept)
        del replaced
        doc.analysed_version, doc.analysed_text, doc.analysed_lines = doc.version, text, lines
        waiters, doc.waiters = doc.waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def too_big(self, doc: OpenDocument) -> bool:
        """Whether the document is over kubeLsp.maxFileSize: then requests do not parse it either."""
        return text_size_problem(doc.text, self.max_file_bytes) is not None

    def document_too_large(self, uri: str, length: int) -> None:
        """The editor sent a document in a message too large to read (kube_lsp/lsp/protocol.py): its text
        is unknown from here on, so forget it and say why it has no diagnostics until it is reopened."""
        doc = self.docs.pop(uri, None)
        if doc is not None and doc.pending is not None:
            doc.pending.cancel()
        message = (f"this document came in a message of {length / 1e6:.1f} MB, over the "
                   f"{MAX_MESSAGE_BYTES / 1e6:.0f} MB limit of the connection; it is not analysed (reopen it "
                   "once it is smaller)")
        diagnostic = types.Diagnostic(
            range=types.Range(types.Position(0, 0), types.Position(0, 0)), message=message,
            severity=types.DiagnosticSeverity.Error, code="KL104", source="kube-lsp",
            code_description=types.CodeDescription(href=BY_CODE["KL104"].url))
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[diagnostic]))

    def excluded(self, doc: OpenDocument) -> bool:
        """Whether the settings' `exclude` globs leave this file out (as `kube-lsp check` would)."""
        return doc.origin != doc.uri and self.settings.is_excluded(doc.origin)

    def publish(self, doc: OpenDocument) -> None:
        pos = doc.positions(self.encoding)
        doc.published_excluded = self.excluded(doc)
        findings = [] if doc.published_excluded else [*doc.problems, *doc.findings, *doc.cross_findings]
        if doc.cluster_findings and doc.cluster_version == doc.version:
            findings += doc.cluster_findings
        if not doc.published_excluded:
            findings += self.live.findings(doc)
        # A finding whose lines did not change converts as it did last time (only the version is new): an
        # edit in a file with hundreds of findings converts the few near it.
        cache, fresh = doc.diagnostic_cache, {}
        lines = pos.lines
        diagnostics = []
        for f in findings:
            a, b = f.span.start.line, f.span.end.line
            key = (f, lines[a] if a < len(lines) else "", lines[b] if b < len(lines) else "", self.encoding)
            d = cache.get(key)
            if d is None:
                d = to_diagnostic(f, pos, doc.uri, doc.version)
            elif isinstance(d.data, dict):
                d = attrs.evolve(d, data={**d.data, "version": doc.version})
            fresh[key] = d
            diagnostics.append(d)
        doc.diagnostic_cache = fresh
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=doc.uri, diagnostics=diagnostics, version=doc.version))
        doc.published_version = doc.version

    def namespace_policies(self) -> dict[str, NamespacePolicy] | None:
        merged: dict[str, NamespacePolicy] = dict(self.cluster_namespaces)  # the files' own Namespaces win
        for _, found in sorted(self.workspace_namespaces.items()):
            merged.update(found)
        return merged or None

    def reanalyse_all(self) -> None:
        for doc in self.docs.values():
            self.schedule(doc)

    # ----------------------------------------------------------------------------------- workspace

    def _index_document(self, doc: OpenDocument, new: FileIndex) -> None:
        """Record the objects (`new`, made off the loop by `file_index`) and CRDs of an open document."""
        old = self.ws.files.get(doc.origin)
        # Nothing the cross-resource rules read changed (a typed image tag, a comment): the findings are kept,
        # their spans are the same. (A document just opened has none yet, even when the workspace scan indexed
        # the same objects.)
        kept = old is not None and doc.cross_lines >= 0 and old.objects == new.objects \
            and old.kustomizations == new.kustomizations and old.suppressions == new.suppressions
        self.ws.update(new)  # in any case: the lookups must hold the objects a later update takes out
        if kept:
            pass
        elif old is not None and doc.cross_lines == len(doc.analysed_lines):
            # Typing in a file already checked: its diagnostics go out now with the cross-resource findings it
            # had (no line moved, so their positions hold), recomputed once typing pauses.
            self.schedule_cross()
        else:
            self.refresh_cross(skip=doc)
        doc.cross_lines = len(doc.analysed_lines)
        if "CustomResourceDefinition" in doc.text:
            # Each result was parsed as if it started on line 0: its CRDs move down to where it is.
            found = [ks.shifted(chunk.start_line) for chunk, res in zip(doc.chunks, doc.results, strict=True)
                     if "CustomResourceDefinition" in chunk.text
                     for ks in crds_in([res.document], doc.origin, self.label(doc.origin))]
            if found != self.workspace_crds.get(doc.uri, []):
                self.workspace_crds[doc.uri] = found
                self.apply_settings()
                self.reanalyse_all()
        self._note_namespaces(doc.uri, [res.document.root for res in doc.results], doc.text)

    def _note_namespaces(self, uri: str, roots: list[Any], text: str) -> bool:
        """Record the Pod Security policies of the Namespaces in a file; when they changed, the pods of every
        document are checked again under them. True when they changed."""
        if "pod-security.kubernetes.io/" not in text and uri not in self.workspace_namespaces:
            return False
        policies = namespace_policies(roots)
        if policies == self.workspace_namespaces.get(uri, {}):
            return False
        if policies:
            self.workspace_namespaces[uri] = policies
        else:
            self.workspace_namespaces.pop(uri, None)
        self.apply_settings()
        self.reanalyse_all()
        return True

    def schedule_cross(self) -> None:
        """Recompute the cross-resource findings CROSS_DELAY seconds after the last edit that changed the
        index (a keystroke in a name of a 10,000-line file would otherwise cost tens of milliseconds)."""
        if self.cross_task is not None and not self.cross_task.done():
            self.cross_task.cancel()

        async def later() -> None:
            await asyncio.sleep(CROSS_DELAY)
            self.refresh_cross()

        self.cross_task = asyncio.get_running_loop().create_task(later())

    def refresh_cross(self, skip: OpenDocument | None = None) -> None:
        """Recompute the cross-resource findings of the open documents (cheap: lookups in the index) and
        publish those that changed (`skip`'s are recomputed, its caller publishes)."""
        for doc in list(self.docs.values()):
            fi = self.ws.files.get(doc.origin)
            if fi is None or not doc.current or doc.too_big is not None:
                continue
            # A huge file's objects are indexed, its own cross-resource checks are left to `kube-lsp check`.
            cross = file_findings(self.ws, fi, self.settings) if len(fi.objects) <= MAX_CROSS_OBJECTS else []
            if cross != doc.cross_findings:
                doc.cross_findings = cross
                if doc is not skip:
                    self.publish(doc)
        # The index changed: reference counts and other lenses of the open documents may have too.
        self.refresh_lenses()

    def refresh_lenses(self, delay: float = LENS_REFRESH_DELAY) -> None:
        """Ask the editor to ask for code lenses again (`workspace/codeLens/refresh`, when it supports it),
        at most once per `delay`: a burst of index or live-state changes costs one refresh."""
        try:
            caps = self.client_capabilities.workspace
        except AttributeError:  # not initialized yet: no client to ask
            return
        lens = caps.code_lens if caps is not None else None
        if lens is None or not lens.refresh_support or self.lens_refresh_due is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return

        def fire() -> None:
            self.lens_refresh_due = None
            try:
                self.workspace_code_lens_refresh(None)
            except Exception:  # noqa: BLE001 - a courtesy: the editor asks again on its own later
                log.debug("codeLens/refresh failed", exc_info=True)

        self.lens_refresh_due = loop.call_later(delay, fire)

    def index_path(self, path: Path) -> tuple[FileIndex | None, list[KindSchema]]:
        """A workspace file's index (and CRDs) from disk; None when it cannot be read or is too big."""
        try:
            # Regular files only, read bounded: a named pipe or a link to /dev/zero among them must not block
            # or fill the memory.
            text = None if self.settings.is_excluded(path) else read_path(path, MAX_WORKSPACE_FILE_BYTES).text
        except (OSError, ValueError):  # ValueError: a NUL in the path
            return None, []
        if text is None:
            return None, []
        docs = parse_stream(text)
        crds = list(crds_in(docs, str(path), self.label(str(path)))) if "CustomResourceDefinition" in text else []
        uri = from_fs_path(str(path)) or path.as_uri()
        if "pod-security.kubernetes.io/" in text or uri in self.workspace_namespaces:
            # Read on the loop by `absorb` (this runs in the scanning thread, which only writes here).
            self.scanned_namespaces[uri] = namespace_policies(d.root for d in docs)
        return index_file(str(path), docs, text), crds

    def workspace_files(self) -> list[Path]:
        """The YAML files under the workspace folders (at most MAX_WORKSPACE_FILES; hidden directories and
        node_modules left out)."""
        out: list[Path] = []
        for root in self.roots:
            for dirpath, dirs, files in os.walk(root):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "node_modules")
                for name in sorted(files):
                    if name.endswith((".yaml", ".yml")):
                        out.append(Path(dirpath) / name)
                        if len(out) >= MAX_WORKSPACE_FILES:
                            self.ws.truncated = True
                            return out
        return out

    def scan_workspace_files(self, report: Callable[[int, int], None] | None = None
                             ) -> list[tuple[str, FileIndex | None, list[KindSchema]]]:
        """Index every workspace file that is not open (in a worker thread: nothing here touches the server's
        state but reads)."""
        files = self.workspace_files()
        out = []
        for n, path in enumerate(files):
            uri = from_fs_path(str(path)) or path.as_uri()
            if uri not in self.docs:
                fi, crds = self.index_path(path)
                out.append((uri, fi, crds))
            if report is not None and (n % 50 == 0 or n + 1 == len(files)):
                report(n + 1, len(files))
        return out

    def absorb(self, scanned: list[tuple[str, FileIndex | None, list[KindSchema]]]) -> bool:
        """Put scanned files into the index (on the event loop); True when CRDs or the Pod Security labels of
        Namespaces changed (then every document is to be checked again)."""
        crds_changed = False
        policies, self.scanned_namespaces = self.scanned_namespaces, {}
        for uri, found in policies.items():
            if uri not in self.docs and found != self.workspace_namespaces.get(uri, {}):
                crds_changed = True
                if found:
                    self.workspace_namespaces[uri] = found
                else:
                    self.workspace_namespaces.pop(uri, None)
        for uri, fi, crds in scanned:
            if uri in self.docs:
                continue  # opened meanwhile: its analysis is the truth
            if fi is None:
                path = to_fs_path(uri)
                if path:
                    self.ws.remove(path)
                if self.workspace_namespaces.pop(uri, None):
                    crds_changed = True
            else:
                self.ws.update(fi)
            if crds or uri in self.workspace_crds:
                if crds != self.workspace_crds.get(uri, []):
                    crds_changed = True
                    if crds:
                        self.workspace_crds[uri] = crds
                    else:
                        self.workspace_crds.pop(uri, None)
        return crds_changed

    async def scan(self) -> None:
        """Index the workspace folders in a worker thread, with work-done progress when the client takes it;
        typing is never blocked (the thread only reads, the index is updated on the loop at the end)."""
        loop = asyncio.get_running_loop()
        token = f"kube-lsp-index-{uuid.uuid4()}"
        caps = self.client_capabilities
        progress = bool(caps.window and caps.window.work_done_progress) and bool(self.roots)
        if progress:
            try:
                await asyncio.wait_for(self.work_done_progress.create_async(token), 5)
                self.work_done_progress.begin(token, types.WorkDoneProgressBegin(
                    title="kube-lsp: indexing the workspace", percentage=0, cancellable=False))
            except Exception:  # noqa: BLE001 - progress is a courtesy
                progress = False

        def report(done: int, total: int) -> None:
            if progress:
                loop.call_soon_threadsafe(self.work_done_progress.report, token, types.WorkDoneProgressReport(
                    message=f"{done} of {total} files", percentage=int(100 * done / max(total, 1))))

        started = time.perf_counter()
        try:
            scanned = await asyncio.to_thread(self.scan_workspace_files, report)
            crds_changed = self.absorb(scanned)
        finally:
            if progress:
                n = len(self.ws.files)
                self.work_done_progress.end(token, types.WorkDoneProgressEnd(
                    message=f"{n} files indexed" + (" (limit reached)" if self.ws.truncated else "")))
            self.scanned.set()
        log.info("indexed %d files in %.2f s", len(self.ws.files), time.perf_counter() - started)
        if self.ws.truncated:
            self.window_log_message(types.LogMessageParams(
                type=types.MessageType.Warning,
                message=f"kube-lsp: the workspace has more than {MAX_WORKSPACE_FILES} YAML files; only the first "
                        f"{MAX_WORKSPACE_FILES} are indexed for cross-resource checks and navigation"))
        if crds_changed:
            self.apply_settings()
            self.reanalyse_all()
        self.refresh_cross()

    async def reindex(self, uris: list[str]) -> None:
        """Read changed workspace files again (didChangeWatchedFiles, a closed document), off the loop."""
        def read() -> list[tuple[str, FileIndex | None, list[KindSchema]]]:
            out = []
            for uri in uris:
                path = to_fs_path(uri)
                if path and uri not in self.docs:
                    # Not there any more, a directory, a pipe, a name too long: (None, []), never an exception.
                    out.append((uri, *self.index_path(Path(path))))
            return out

        if self.absorb(await asyncio.to_thread(read)):
            self.apply_settings()
            self.reanalyse_all()
        self.refresh_cross()

    def label(self, path: str) -> str:
        """How messages name a file: relative to the workspace folder it is in, else as it is."""
        for root in self.roots:
            try:
                return Path(path).relative_to(root).as_posix()
            except ValueError:
                continue
        return path


def create_server() -> KubeLanguageServer:
    server = KubeLanguageServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: KubeLanguageServer, params: types.InitializeParams) -> None:
        roots = [f.uri for f in params.workspace_folders or []] or ([params.root_uri] if params.root_uri else [])
        ls.roots = [Path(p) for p in (to_fs_path(u) for u in roots) if p]
        opts = params.initialization_options
        try:
            ls.initial_problems = ls.apply_settings(_settings_section(opts) if isinstance(opts, Mapping) else None)
        except Exception:  # noqa: BLE001 - the client may have its (early) answer already: start with defaults
            log.exception("the initialization options could not be applied; the defaults are used")
            ls.initial_problems = ["kube-lsp settings: the initialization options could not be applied (see the "
                                   "log); the defaults are used"]
        # The schemas are large and live as long as the server: keep the garbage collector off them.
        gc.collect()
        gc.freeze()

    @server.feature(types.INITIALIZED)
    async def initialized(ls: KubeLanguageServer, params: types.InitializedParams) -> None:
        ls.in_background(ls.protocol.warm_up(
            lambda: all(d.pending is None or d.pending.done() for d in ls.docs.values())))
        _report(ls, ls.initial_problems)
        await _pull_configuration(ls)
        register_watcher(ls)
        ls.in_background(ls.scan())
        schedule_cluster_reads(ls)
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
        else:
            schedule_cluster_reads(ls)  # e.g. kubeVersion removed: the cluster's /version is the target now
        ls.reanalyse_all()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: KubeLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        td = params.text_document
        doc = OpenDocument(td.uri, td.text, td.version, ls.prepared_lines(td.text) or [])
        ls.docs[td.uri] = doc
        ls.schedule(doc)
        ls.live.opened(td.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: KubeLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        doc = ls.docs.get(params.text_document.uri)
        if doc is None:
            return
        doc.apply(params.content_changes, params.text_document.version, ls.encoding, ls.prepared_lines)
        ls.schedule(doc)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: KubeLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        doc = ls.docs.pop(params.text_document.uri, None)
        if doc is not None and doc.pending is not None:
            doc.pending.cancel()
        if doc is not None and len(doc.analysed_text or "") > BIG_TREE_CHARS:
            results, doc.results, doc.cache, doc.outline = doc.results, [], {}, None
            ls.releaser.release(results)
            del results
        ls.live.closed(params.text_document.uri)
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))
        if doc is not None:  # the file on disk is the truth again (or the object is gone: an untitled buffer)
            if to_fs_path(doc.uri) is None:
                ls.ws.remove(doc.origin)
            ls.in_background(ls.reindex([doc.uri]))

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
    async def completion(ls: KubeLanguageServer, params: types.CompletionParams) -> types.CompletionList:
        doc = ls.docs.get(params.text_document.uri)
        if doc is None or ls.too_big(doc):
            return types.CompletionList(is_incomplete=False, items=[])
        pos = doc.positions(ls.encoding)
        at = pos.from_client(params.position)
        args = (doc.text, at.line, at.col, ls.engine.catalog, (doc.lines, doc.starts), doc.origin)
        # Completion parses the document at the cursor: in a 100,000-line document that takes a second, which
        # must not stall the other requests (the text is an immutable snapshot, safe in a thread).
        items = await asyncio.to_thread(complete, *args) if len(doc.text) > _THREAD_BYTES else complete(*args)
        return types.CompletionList(is_incomplete=False, items=[_completion_item(i) for i in items])

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def on_hover(ls: KubeLanguageServer, params: types.HoverParams) -> types.Hover | None:
        doc = ls.docs.get(params.text_document.uri)
        if doc is None or ls.too_big(doc):
            return None
        pos = doc.positions(ls.encoding)
        at = pos.from_client(params.position)
        ref = hover_reference(ls.ws, doc.origin, at.line, at.col) if doc.current else None
        live = ls.live.hover(doc, at.line) if doc.current else None
        args = (doc.text, at.line, at.col, ls.engine.catalog, (doc.lines, doc.starts), doc.origin)
        summary_of = _resource_hover_of(doc, at.line, at.col)

        def compute() -> tuple[HoverInfo | None, tuple[str, Span] | None]:
            return hover(*args), summary_of()

        # The field's context (its path, from the lines above) and the resource summary of a workload walk
        # the cursor's whole YAML document: a second in a 100,000-line one, in a thread (on a snapshot).
        info, summary = await asyncio.to_thread(compute) if _big_at(doc, at.line) else compute()
        if info is None and ref is None and summary is None and live is None:
            return None
        parts = [t for t in (ref[0] if ref else "", info.markdown if info else "", summary[0] if summary else "",
                             live or "") if t]
        span = ref[1] if ref is not None else info.span if info is not None else summary[1] if summary else None
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown,
                                                        value="\n\n---\n\n".join(parts)),
                           range=pos.range_to_client(span) if span is not None else None)

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    async def document_symbol(ls: KubeLanguageServer, params: types.DocumentSymbolParams) -> JsonText:
        doc = ls.docs.get(params.text_document.uri)
        if doc is None:
            return JsonText("[]")
        await ls.ensure_analysed(doc)
        # Editors ask again for the same analysis (outline view, breadcrumbs, sticky scroll): built once.
        if doc.outline is not None and doc.outline[0] == ls.encoding:
            return doc.outline[1]
        pos = doc.analysed_positions(ls.encoding)
        chunks, results = doc.chunks, doc.results
        each = max(MIN_SYMBOLS_PER_DOCUMENT, MAX_SYMBOLS // max(len(chunks), 1))

        def outline() -> JsonText:
            # Tens of thousands of small acyclic objects: with the collector on, they trigger collections that
            # walk the whole parsed tree of a big file, several times the cost of building them.
            enabled = gc.isenabled()
            gc.disable()
            try:
                return JsonText(outline_json([
                    (outline_document(Document(i, res.document.chunk, res.document.root), each), chunk.start_line)
                    for i, (chunk, res) in enumerate(zip(chunks, results, strict=True))], pos))
            finally:
                if enabled:
                    gc.enable()

        # The analysed trees are never changed once made: a big outline is built in a thread.
        text = await asyncio.to_thread(outline) if len(doc.analysed_lines) > _THREAD_LINES else outline()
        if doc.results is results:  # not analysed again meanwhile (that drops the outline)
            doc.outline = (ls.encoding, text)
        return text

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
    async def definition(ls: KubeLanguageServer, params: types.DefinitionParams) -> list[types.Location]:
        doc = ls.docs.get(params.text_document.uri)
        if doc is None or ls.too_big(doc):
            return []
        pos = doc.positions(ls.encoding)
        at = pos.from_client(params.position)
        lines = _Lines(ls)
        if doc.current:  # a reference of the index (every kind the cross-resource rules know)
            hit = ls.ws.ref_at(doc.origin, at.line, at.col)
            if hit is not None:
                return [lines.location(o.origin, o.name_span) for o in ls.ws.resolve(*hit)]
        text = doc.text
        big = len(text) > _THREAD_BYTES
        if big and not doc.current:
            await ls.ensure_analysed(doc)  # its parse is the analysis' (below)
        # The analysis parsed each YAML document already: its tree is the one parsed here, but for tab
        # indentation (the analysis picks the tab width that fits the schema best).
        parsed = next(((c, r.document) for c, r in zip(doc.chunks, doc.results, strict=True)
                       if c.start_line <= at.line < c.end_line), None) if doc.current and doc.text is text else None

        def wanted() -> Wanted | None:
            if parsed is not None and "\t" not in parsed[0].text:
                return wanted_at(parsed[1], at.line - parsed[0].start_line, at.col)
            chunk = next((c for c in split_documents(text) if c.start_line <= at.line < c.end_line), None)
            return wanted_at(parse_chunk(chunk, 0), at.line, at.col) if chunk is not None else None

        # Parsing the cursor's YAML document takes seconds when it has 100,000 lines: in a thread.
        found_wanted = await asyncio.to_thread(wanted) if big else wanted()
        if found_wanted is None:
            return []
        if found_wanted.selector:  # a Service selector: the workloads whose pods it selects
            want = set(found_wanted.selector)
            found = [o for o in ls.ws.pods() if want <= set(o.pod_labels or ())
                     and (not found_wanted.namespace or not o.namespace or o.namespace == found_wanted.namespace)]
        else:
            found = [o for k in found_wanted.kinds for o in ls.ws.named(k, found_wanted.name or "")]
        return [lines.location(o.origin, o.name_span) for o in found]

    register_cluster_features(server)
    register_workspace_features(server)
    register_live_features(server)

    @server.command("kube-lsp.setKubeVersion")
    def set_kube_version(ls: KubeLanguageServer, *arguments: Any) -> str:
        from kube_lsp.schema.catalog import format_version

        if len(arguments) != 1 or not isinstance(arguments[0], str):
            raise JsonRpcInvalidParams("kube-lsp.setKubeVersion takes one argument, the version (\"1.31\")")
        version = arguments[0]
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
            # Several targets (`kubeVersion: ["1.29", "1.31"]`): all of them; `kubeVersion` is the oldest.
            "kubeVersions": [format_version(v) for v in ls.settings.kube_versions] or [format_version(catalog.version)],
            "schemaSource": catalog.source,
            # Where the target came from: "kubeVersion setting", "cluster schemas", "cluster <context> /version
            # (Kubernetes v1.29.4)" or "default" (the newest bundled schemas).
            "kubeVersionSource": ls.kube_version_source,
            "context": context,
            "clusterSchemas": ls.cluster_catalog is not None,
            "versions": [format_version(v) for v in bundled_versions()],
        }

    return server


# ------------------------------------------------------------------------------------------- helpers


def _resource_hover_of(doc: OpenDocument, line: int, col: int) -> Callable[[], tuple[str, Span] | None]:
    """The resource summary of the workload whose kind or name is under the cursor, from the last analysis
    when it is of the current text (hover does not wait for one): a function of the analysis as it is now,
    safe to call in a thread."""
    if not doc.current or not doc.chunks:
        return lambda: None
    chunks, results = doc.chunks, doc.results

    def summary() -> tuple[str, Span] | None:
        which = next((i for i, c in enumerate(chunks) if c.start_line <= line < c.end_line), None)
        if which is None:
            return None
        start = chunks[which].start_line
        found = resource_hover([r.document.root for r in results], [c.text for c in chunks], which,
                               line - start, col)
        if found is None:
            return None
        return found[0], found[1].shifted(start)

    return summary


def _big_at(doc: OpenDocument, line: int) -> bool:
    """Whether the YAML document at `line` is over _THREAD_BYTES (the whole text's size when the analysis, which
    knows the documents, is not of the current text): a request that walks it runs in a thread."""
    if not doc.current or not doc.chunks:
        return len(doc.text) > _THREAD_BYTES
    chunk = next((c for c in doc.chunks if c.start_line <= line < c.end_line), doc.chunks[-1])
    return len(chunk.text) > _THREAD_BYTES


_THREAD_BYTES: Final = 200_000  # requests in larger documents run in a thread, off the event loop
_THREAD_LINES: Final = 50_000  # outlines of analyses with more lines are built in a thread


def _max_file_bytes(raw: Any) -> tuple[int, list[str]]:
    """kubeLsp.maxFileSize (MB, as the CLI's --max-file-size) in bytes, and what was wrong with it."""
    if raw in (None, ""):
        return MAX_BYTES, []
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not raw > 0:
        return MAX_BYTES, [f"{CONFIG_SECTION}.maxFileSize must be a number of megabytes above 0, not "
                           f"{raw!r}. It was ignored."]
    try:
        return int(min(raw * 1e6, _NO_LIMIT)), []
    except OverflowError:  # 1e308 MB, 10**400 MB: no limit
        return _NO_LIMIT, []


_NO_LIMIT: Final = 2**62


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
    """The lines of a workspace file as on disk (for the positions of locations in it), or [] when it is not
    a readable regular file (it may have become a named pipe since it was indexed) or is too large."""
    path = to_fs_path(uri)
    try:
        text = read_path(Path(path), MAX_BYTES).text if path else None
    except (OSError, ValueError):  # a path with a NUL, one too long
        return []
    return split_lines(text) if text is not None else []


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


def _code_actions(ls: KubeLanguageServer, doc: OpenDocument, params: types.CodeActionParams) -> list[types.CodeAction]:
    pos = doc.positions(ls.encoding)
    start, end = pos.from_client(params.range.start), pos.from_client(params.range.end)
    actions: list[types.CodeAction] = []
    relevant = [f for f in doc.findings if f.span.start.line <= end.line and f.span.end.line >= start.line]
    chunks: list[Chunk] | None = None  # the text's YAML documents (those of its analysis, when current)
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
        if chunks is None:
            chunks = doc.chunks if doc.current else split_documents(doc.text)
        actions.extend(_ignore_actions(doc, chunks, f, diag, pos, ident))
    for f in ls.live.findings(doc):  # drift: the diff view one click away
        if f.code == "KL958" and f.span.start.line <= end.line and f.span.end.line >= start.line:
            actions.append(types.CodeAction(
                title="Diff this document against the cluster", kind=types.CodeActionKind.QuickFix,
                diagnostics=[to_diagnostic(f, pos, doc.uri, doc.version)],
                command=types.Command(title="Diff against cluster", command="kube-lsp.diff",
                                      arguments=[doc.uri, f.doc])))
            break
    return actions


def _ignore_actions(doc: OpenDocument, chunks: list[Chunk], f: Finding, diag: types.Diagnostic, pos: Any,
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
    chunk = next((c for c in chunks if c.start_line <= line < c.end_line), None)
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



def file_index(origin: str, text: str, result: Incremental,
               old: dict[tuple[str, int, int], FileIndex]) -> tuple[FileIndex, dict[tuple[str, int, int], FileIndex]]:
    """An analysed text's workspace index from its documents' trees (no re-parse), re-using the indexes of
    documents whose text is unchanged (`old`, by text, first line and index; moved ones are shifted)."""
    parts = []
    fresh: dict[tuple[str, int, int], FileIndex] = {}
    by_text: dict[str, tuple[int, int, FileIndex]] | None = None
    for i, (chunk, res) in enumerate(zip(result.chunks, result.results, strict=True)):
        key = (chunk.text, chunk.start_line, i)
        part = old.get(key) or fresh.get(key)
        if part is None:  # a new document, or one that moved (lines added above it)
            if by_text is None:
                by_text = {t: (line, n, p) for (t, line, n), p in old.items()}
            moved = by_text.get(chunk.text)
            part = (moved[2].shifted(chunk.start_line - moved[0], i - moved[1]) if moved is not None
                    else index_file(origin, [res.document]).shifted(chunk.start_line, i))
        fresh[key] = part
        parts.append(part)
    return merge(origin, content_digest(text), parts), fresh
