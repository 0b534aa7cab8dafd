"""Live state in the editor (read-only): a code lens per object with its live state, a hover with its
conditions, age, running images and last events, and live diagnostics (source "kube-lsp live") merged into
each document's published diagnostics, kept while static analysis re-runs.

On when the user enabled it (`kubeLsp.cluster.live: true`) and a cluster is chosen (a context or a
kubeconfig); off otherwise. The cluster is read in daemon threads, never on the event loop: on open, on the
`kube-lsp.liveRefresh` command, and when a watch reports a change that concerns one of the document's objects
(`Interest`: the object, what it owns or selects, their events, its Services' EndpointSlices, its claims; a
fresh list after a 410 concerns everything). Watches are bounded: one per (namespace, resource) that an open
document needs, stopped when no open document needs it, backing off exponentially on errors; a 403 shows as
"forbidden (RBAC)". Every request is a GET or a dryRun=All through `ClusterTransport.send`.

The other contexts of `kubeLsp.cluster.contexts` are read side by side (each in its own thread: a slow or
failing one never holds up or hides the others), watched with the same bounds, and their live problems are
diagnostics too, each message starting with its context ("[prod] …"; the chosen context's as well once
there are several).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING, Any, Final

from kube_lsp.cluster.drift import drift_findings
from kube_lsp.cluster.dryrun import Discovery, DiscoveryError, dry_run
from kube_lsp.cluster.interest import Interest
from kube_lsp.cluster.live import LiveState, Masker, Observation, assess, configured, secret_values
from kube_lsp.cluster.observe import Target, observe_all
from kube_lsp.cluster.transport import ClusterConfigError, ClusterTransport, ClusterUnreachableError, connect
from kube_lsp.cluster.versions import ServerVersion
from kube_lsp.cluster.watch import Watcher, WatchKey
from kube_lsp.model import Finding
from kube_lsp.parsing.loader import parse_stream
from kube_lsp.parsing.nodes import YMap, to_python

if TYPE_CHECKING:
    from kube_lsp.lsp.documents import OpenDocument
    from kube_lsp.lsp.server import KubeLanguageServer

log = logging.getLogger("kube_lsp.live")

REFRESH = "kube-lsp.liveRefresh"
DEBOUNCE: Final = 0.3  # seconds: a burst of watch events costs one refresh
MIN_INTERVAL: Final = 1.0  # seconds between watch-driven refreshes of one document
MAX_RETRY: Final = 60.0
_RELATED: Final = (("v1", "Pod"), ("v1", "Event"), ("apps/v1", "ReplicaSet"), ("batch/v1", "Job"),
                   ("discovery.k8s.io/v1", "EndpointSlice"), ("v1", "PersistentVolumeClaim"))

ObjectKey = tuple[str, str, str, str]  # apiVersion, kind, namespace ("" = the context's), name


def object_key(t: Target) -> ObjectKey:
    return t.api_version, t.kind, t.namespace or "", t.name


@dataclass
class DocLive:
    """What the cluster reported for one open document."""

    observations: dict[ObjectKey, Observation] = field(default_factory=dict)
    # The dry-run of each existing object, for drift: (the document's text when it ran, live, merged).
    applied: dict[ObjectKey, tuple[str, dict[str, Any] | None, dict[str, Any] | None]] = field(default_factory=dict)
    error: str = ""  # the cluster could not be read at all (unreachable, no such context)
    keys: set[WatchKey] = field(default_factory=set)
    namespaces: set[str] = field(default_factory=set)
    fetched_at: float = 0.0
    retry: float = 1.0
    # assess() results per (document index, chunk text, observation): publish and hover reuse them.
    states: dict[tuple[int, str, int], LiveState] = field(default_factory=dict)
    # Which watch events concern the document (None: every event does).
    interest: Interest | None = None
    # The other contexts of kubeLsp.cluster.contexts, side by side: their observations, or why they failed;
    # the collections to watch in each, and which of their events concern the document.
    others: dict[str, dict[ObjectKey, Observation] | str] = field(default_factory=dict)
    other_keys: dict[str, set[WatchKey]] = field(default_factory=dict)
    other_interest: dict[str, Interest] = field(default_factory=dict)


class LiveManager:
    """The live state of the open documents, for one server."""

    def __init__(self, ls: KubeLanguageServer) -> None:
        self.ls = ls
        self.docs: dict[str, DocLive] = {}
        self.mask = Masker()
        self._transport: ClusterTransport | None = None
        self._other_transports: dict[str, ClusterTransport] = {}
        self._transport_lock = threading.Lock()
        self.watcher: Watcher | None = None
        self.other_watchers: dict[str, Watcher] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.generation = 0  # bumped by reset(): refreshes started before are dropped
        self.refreshes = 0  # how many refreshes ran (for tests and the status command)
        self.skipped = 0  # watch events that concerned no open document (no refresh)
        self._loop: asyncio.AbstractEventLoop | None = None
        self.watch_forbidden: dict[str, str] = {}
        self.versions: dict[str, ServerVersion] = {}  # each context's /version, read once (diffAll)

    # --- settings

    @property
    def enabled(self) -> bool:
        c = self.ls.cluster_settings
        return bool(c.get("live")) and bool(c.get("context") or c.get("kubeconfig"))

    def reset(self) -> None:
        """Another cluster or live switched off: forget everything, stop the watches."""
        self.generation += 1
        if self.watcher is not None:
            self.watcher.stop()
        self.watcher = None
        for watcher in self.other_watchers.values():
            watcher.stop()
        self.other_watchers.clear()
        with self._transport_lock:
            self._transport = None
            self._other_transports.clear()
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        self.docs.clear()
        self.watch_forbidden.clear()
        self.versions.clear()

    # --- scheduling (event loop)

    def opened(self, uri: str) -> None:
        if self.enabled:
            self.schedule(uri, 0.0)

    def closed(self, uri: str) -> None:
        self.docs.pop(uri, None)
        self._locks.pop(uri, None)
        timer = self._timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        self._ensure_watches()

    def schedule(self, uri: str, delay: float = DEBOUNCE) -> None:
        if not self.enabled or uri not in self.ls.docs:
            return
        if uri in self._timers:
            return  # one refresh is already due: changes coalesce
        loop = asyncio.get_running_loop()

        def fire() -> None:
            self._timers.pop(uri, None)
            self.ls.in_background(self.refresh(uri))

        self._timers[uri] = loop.call_later(delay, fire)

    def schedule_all(self) -> None:
        for uri in self.ls.docs:
            self.schedule(uri, 0.0)

    def _changed(self, key: WatchKey, obj: dict[str, Any] | None, context: str = "") -> None:
        """A watch (of the chosen context, or of `context`) saw a change to `obj` (None: it listed again) —
        called in its thread: refresh the open documents it concerns."""
        loop = self._loop
        if loop is None:
            return
        try:
            loop.call_soon_threadsafe(self._changed_on_loop, context, key, obj)
        except RuntimeError:  # the loop has closed
            pass

    def _changed_on_loop(self, context: str, key: WatchKey, obj: dict[str, Any] | None) -> None:
        now = time.time()
        for uri, state in self.docs.items():
            keys = state.other_keys.get(context, set()) if context else state.keys
            if key not in keys:
                continue
            interest = state.other_interest.get(context) if context else state.interest
            if obj is not None and interest is not None and not interest.concerns(key.resource.kind,
                                                                                  key.namespace, obj):
                self.skipped += 1
                continue
            # A busy namespace changes all the time: at most one refresh per MIN_INTERVAL per document.
            self.schedule(uri, max(DEBOUNCE, state.fetched_at + MIN_INTERVAL - now))

    def _watch_state(self, key: WatchKey, state: Any, context: str = "") -> None:
        name = f"[{context}] {key}" if context else str(key)
        if state.state == "forbidden":
            self.watch_forbidden[name] = state.error
        else:
            self.watch_forbidden.pop(name, None)

    # --- refreshing

    async def refresh(self, uri: str) -> dict[str, Any]:
        """Read the live state of the document's objects (in a thread) and publish it."""
        from kube_lsp.lsp.cluster_features import off_loop

        doc = self.ls.docs.get(uri)
        if doc is None or not self.enabled:
            return {"error": "live state is off" if doc is not None else f"{uri} is not open"}
        self._loop = asyncio.get_running_loop()
        lock = self._locks.setdefault(uri, asyncio.Lock())
        generation = self.generation
        async with lock:  # one refresh of a document at a time; a second one waits and reads afresh
            doc = self.ls.docs.get(uri)
            if doc is None:
                return {"error": f"{uri} is not open"}
            texts = [d.text for d in self.ls.docs.values()]
            try:
                before = self.docs.get(uri)
                result = await off_loop(self._fetch, doc.text, texts, before.applied if before else None)
            except Exception as exc:  # noqa: BLE001 - any failure is a state to show, never a crash
                result = DocLive(error=str(exc))
            current = self.ls.docs.get(uri)
            if current is None or not self.enabled or generation != self.generation:
                return {"error": "closed or superseded"}
            previous = self.docs.get(uri)
            if result.error:
                result.retry = min((previous.retry * 2) if previous and previous.error else 1.0, MAX_RETRY)
                if previous is not None and not previous.error:
                    result.observations, result.applied, result.keys = previous.observations, previous.applied, \
                        previous.keys
                    result.interest = previous.interest
                self._retry_later(uri, result.retry)
            self.docs[uri] = result
            self.refreshes += 1
            self._ensure_watches()
            if current.current:  # otherwise the analysis under way publishes, with these
                self.ls.publish(current)
            self.ls.refresh_lenses(0.0)
            return self.describe(current)

    def _retry_later(self, uri: str, delay: float) -> None:
        loop = asyncio.get_running_loop()
        if uri not in self._timers:
            def fire() -> None:
                self._timers.pop(uri, None)
                self.ls.in_background(self.refresh(uri))

            self._timers[uri] = loop.call_later(delay, fire)

    def _transport_now(self) -> ClusterTransport:
        with self._transport_lock:
            if self._transport is None:
                c = self.ls.cluster_settings
                self._transport = connect(c.get("kubeconfig"), c.get("context"),
                                          connect_timeout=float(c.get("connectTimeout", 5)),
                                          read_timeout=float(c.get("timeout", 30)))
            return self._transport

    def _fetch(self, text: str, open_texts: list[str],
               previous: dict[ObjectKey, tuple[str, dict[str, Any] | None, dict[str, Any] | None]] | None = None,
               ) -> DocLive:
        """Blocking (a worker thread): observe every object of the text, and dry-run the existing ones (again
        only when the text or the live object changed since the last dry-run)."""
        for other in open_texts:  # Secret values of every open document are masked
            if "Secret" in other:
                for d in parse_stream(other):
                    if isinstance(d.root, YMap) and d.root.get_str("kind") == "Secret":
                        self.mask.add(secret_values(to_python(d.root)))
        docs = [d for d in parse_stream(text) if isinstance(d.root, YMap) and not d.templated]
        targets = [(d, t) for d in docs if isinstance(d.root, YMap) and (t := Target.of(d.root)) is not None]
        try:
            transport: ClusterTransport | None = self._transport_now()
            primary = transport.info.context if transport is not None else ""
            failed = ""
        except ClusterConfigError as exc:
            transport, primary, failed = None, str(self.ls.cluster_settings.get("context") or ""), str(exc)
        # The other contexts are read meanwhile, each in its own thread: none waits for another.
        others = _OthersRead(self, primary, [t for _, t in targets])
        out = DocLive(error=failed) if transport is None else self._fetch_primary(transport, targets, previous)
        out.others, out.other_keys, out.other_interest = others.wait()
        return out

    def _fetch_primary(self, transport: ClusterTransport, targets: list[tuple[Any, Target]],
                       previous: dict[ObjectKey, tuple[str, dict[str, Any] | None, dict[str, Any] | None]] | None,
                       ) -> DocLive:
        discovery = Discovery(transport)
        try:
            observations = observe_all(transport, discovery, [t for _, t in targets], self.mask)
        except (ClusterUnreachableError, DiscoveryError) as exc:
            return DocLive(error=str(exc))
        out = DocLive(fetched_at=time.time(), interest=Interest())
        for (d, t), obs in zip(targets, observations, strict=True):
            if obs is None:
                continue
            out.observations[object_key(t)] = obs
            out.interest.add_observation(obs, t.claim_names)  # type: ignore[union-attr]
            if obs.live is not None and not obs.error and t.kind != "Secret":
                rv = (obs.live.get("metadata") or {}).get("resourceVersion")
                before = previous.get(object_key(t)) if previous else None
                if before is not None and before[0] == d.chunk.text and before[1] is not None \
                        and (before[1].get("metadata") or {}).get("resourceVersion") == rv:
                    out.applied[object_key(t)] = (before[0], obs.live, before[2])  # same text, same object
                    continue
                try:
                    outcome = dry_run(transport, discovery, d)
                except (ClusterUnreachableError, DiscoveryError):
                    outcome = None
                if outcome is not None and outcome.result is not None:
                    out.applied[object_key(t)] = (d.chunk.text, obs.live, outcome.result)
        out.keys, out.namespaces = self._keys(transport, discovery, [t for _, t in targets])
        return out

    def other_contexts(self, primary: str) -> list[str]:
        names = self.ls.cluster_settings.get("contexts") or []
        return [str(n) for n in names if n != primary]

    def observe_other(self, name: str, targets: list[Target],
                      ) -> tuple[dict[ObjectKey, Observation] | str, set[WatchKey], Interest | None]:
        """The objects in another context (blocking): its observations (or why it failed), the collections
        to watch there, and which of their events concern the document."""
        c = self.ls.cluster_settings
        try:
            with self._transport_lock:
                transport = self._other_transports.get(name)
                if transport is None:
                    transport = connect(c.get("kubeconfig"), name,
                                        connect_timeout=float(c.get("connectTimeout", 5)),
                                        read_timeout=float(c.get("timeout", 30)))
                    self._other_transports[name] = transport
            discovery = Discovery(transport)
            found = observe_all(transport, discovery, targets, self.mask)
        except (ClusterConfigError, ClusterUnreachableError, DiscoveryError) as exc:
            return str(exc), set(), None
        interest = Interest()
        observations: dict[ObjectKey, Observation] = {}
        for t, o in zip(targets, found, strict=True):
            if o is not None:
                observations[object_key(t)] = o
                interest.add_observation(o, t.claim_names)
        keys, _ = self._keys(transport, discovery, targets)
        return observations, keys, interest

    def others_of(self, doc: OpenDocument, index: int) -> list[tuple[str, LiveState]]:
        """The object's state in each other context (a failed context: its error as the state)."""
        live = self.docs.get(doc.uri)
        if live is None or not live.others or index >= len(doc.results):
            return []
        root = doc.results[index].document.root
        target = Target.of(root) if isinstance(root, YMap) else None
        if target is None or not isinstance(root, YMap):
            return []
        out = []
        for name, found in live.others.items():
            if isinstance(found, str):
                out.append((name, LiveState("unreachable", False, name, error=self.mask(found))))
                continue
            obs = found.get(object_key(target))
            if obs is not None:
                key = (index, doc.chunks[index].text, id(obs))
                state = live.states.get(key)
                if state is None:
                    state = assess(root, index, obs, time.time(), self.mask)
                    live.states[key] = state
                out.append((name, state))
        return out

    @staticmethod
    def _keys(transport: ClusterTransport, discovery: Discovery,
              targets: list[Target]) -> tuple[set[WatchKey], set[str]]:
        keys: set[WatchKey] = set()
        namespaces: set[str] = set()
        try:
            for t in targets:
                res = discovery.resource(t.api_version, t.kind)
                if res is None:
                    continue
                ns = (t.namespace or transport.info.namespace or "default") if res.namespaced else None
                keys.add(WatchKey(ns, res))
                if ns:
                    namespaces.add(ns)
            for av, kind in _RELATED:
                res = discovery.resource(av, kind)
                if res is not None:
                    keys.update(WatchKey(ns, res) for ns in namespaces)
        except (ClusterUnreachableError, DiscoveryError):
            pass
        return keys, namespaces

    def _ensure_watches(self) -> None:
        open_docs = [d for uri, d in self.docs.items() if uri in self.ls.docs]
        wanted: set[WatchKey] = set().union(*(d.keys for d in open_docs))
        if self.watcher is None and wanted and self._transport is not None:
            self.watcher = Watcher(self._transport, self._changed, on_state=self._watch_state)
        if self.watcher is not None:
            self.watcher.ensure(wanted)
        # The other contexts: the same bounds, a watcher each (its own transport, its own backoff).
        per_context: dict[str, set[WatchKey]] = {}
        for d in open_docs:
            for name, keys in d.other_keys.items():
                per_context.setdefault(name, set()).update(keys)
        for name in list(self.other_watchers):
            if not per_context.get(name):
                self.other_watchers.pop(name).stop()
        for name, keys in per_context.items():
            watcher = self.other_watchers.get(name)
            if watcher is None:
                with self._transport_lock:
                    transport = self._other_transports.get(name)
                if transport is None or not keys:
                    continue
                watcher = Watcher(transport, partial(self._changed, context=name),
                                  on_state=partial(self._watch_state, context=name))
                self.other_watchers[name] = watcher
            watcher.ensure(keys)

    # --- what the editor shows (event loop; cheap, from the stored observations)

    def state_of(self, doc: OpenDocument, index: int) -> LiveState | None:
        live = self.docs.get(doc.uri)
        if live is None or index >= len(doc.results):
            return None
        chunk, res = doc.chunks[index], doc.results[index]
        root = res.document.root
        if not isinstance(root, YMap):
            return None
        target = Target.of(root)
        if target is None:
            return None
        obs = live.observations.get(object_key(target))
        if obs is None:
            if live.error:
                return LiveState("unavailable", False, error=live.error)
            return None
        key = (index, chunk.text, id(obs))
        state = live.states.get(key)
        if state is None:
            state = assess(root, index, obs, time.time(), self.mask)
            applied = live.applied.get(object_key(target))
            if applied is not None and applied[0] == chunk.text:
                state.findings = [*state.findings, *drift_findings(root, index, applied[1], applied[2], self.mask,
                                                                   obs.context)]
            if len(live.states) > 4 * max(len(doc.results), 8):
                live.states.clear()
            live.states[key] = state
        return state

    def findings(self, doc: OpenDocument) -> list[Finding]:
        """The live findings of the analysed text, positioned in it (static analysis may re-run: these stay):
        of the chosen context and of each other one, named "[context] …" when there are several."""
        live = self.docs.get(doc.uri)
        if not self.enabled or live is None or not doc.current:
            return []
        out: list[Finding] = []
        several = bool(live.others)
        for i, chunk in enumerate(doc.chunks):
            states = [(s.context, s) for s in [self.state_of(doc, i)] if s is not None]
            states += self.others_of(doc, i)
            for name, state in states:
                if not state.findings:
                    continue
                lines = doc.analysed_lines[chunk.start_line:chunk.end_line] if doc.analysed_lines else []
                found = configured((f.shifted(chunk.start_line, 0) for f in state.findings), lines,
                                   chunk.start_line, self.ls.settings.severity_for)
                if several and name:
                    found = [replace(f, message=f"[{name}] {f.message}") for f in found]
                out.extend(found)
        return out

    def lens_title(self, doc: OpenDocument, index: int) -> str | None:
        if not self.enabled:
            return None
        state = self.state_of(doc, index)
        if state is None:
            return "live: loading…" if doc.uri not in self.docs else None
        problems = sum(1 for f in state.findings if f.code != "KL958")
        drift = sum(1 for f in state.findings if f.code == "KL958")
        extra = (f" · {problems} problem{'s' if problems != 1 else ''}" if problems else "") + (
            f" · {drift} drifted field{'s' if drift != 1 else ''}" if drift else "")
        others = "".join(f" | {name}: {s.summary}" for name, s in self.others_of(doc, index))
        context = f" ({state.context})" if others and state.context else ""
        return f"live{context}: {state.summary}{extra}{others}"

    def hover(self, doc: OpenDocument, line: int) -> str | None:
        """The live state's Markdown when `line` is an object's apiVersion, kind or metadata.name line."""
        if not self.enabled or doc.uri not in self.docs:
            return None
        for i, (chunk, res) in enumerate(zip(doc.chunks, doc.results, strict=True)):
            if not chunk.start_line <= line < chunk.end_line:
                continue
            root = res.document.root
            if not isinstance(root, YMap):
                return None
            rel = line - chunk.start_line
            meta = root.get("metadata")
            name = meta.key_node("name") if isinstance(meta, YMap) else None
            header = {k.span.start.line for k, _ in root.pairs if k.text in ("apiVersion", "kind")}
            if name is not None:
                header.add(name.span.start.line)
            if rel not in header:
                return None
            state = self.state_of(doc, i)
            if state is None:
                return None
            return "\n\n".join([state.markdown(), *(s.markdown() for _, s in self.others_of(doc, i))])
        return None

    def describe(self, doc: OpenDocument) -> dict[str, Any]:
        live = self.docs.get(doc.uri)
        objects = []
        for i in range(len(doc.results)):
            state = self.state_of(doc, i)
            if state is not None:
                objects.append({"document": i, **state.to_json(),
                                "findings": [{"code": f.code, "line": f.span.start.line, "message": f.message}
                                             for f in state.findings],
                                "contexts": {name: s.to_json() for name, s in self.others_of(doc, i)}})
        return {"context": self.ls.cluster_settings.get("context") or "", "error": live.error if live else "",
                "objects": objects, "watches": sorted(str(k) for k in (self.watcher.keys if self.watcher else ())),
                "contextWatches": {name: sorted(str(k) for k in w.keys) for name, w in self.other_watchers.items()},
                "watchesForbidden": dict(self.watch_forbidden), "refreshes": self.refreshes,
                "watchEventsSkipped": self.skipped}


class _OthersRead:
    """The other contexts read side by side, one daemon thread each (a context that takes its full timeout holds
    up no other, and never the process's exit)."""

    def __init__(self, manager: LiveManager, primary: str, targets: list[Target]) -> None:
        self.results: dict[str, tuple[dict[ObjectKey, Observation] | str, set[WatchKey], Interest | None]] = {}
        self.names = manager.other_contexts(primary)
        self.threads = []
        for name in self.names:
            def run(name: str = name) -> None:
                try:
                    self.results[name] = manager.observe_other(name, targets)
                except Exception as exc:  # noqa: BLE001 - one context's failure is its state, never the others'
                    self.results[name] = (str(exc), set(), None)

            thread = threading.Thread(target=run, name=f"kube-lsp-live-{name}", daemon=True)
            thread.start()
            self.threads.append(thread)

    def wait(self) -> tuple[dict[str, dict[ObjectKey, Observation] | str], dict[str, set[WatchKey]],
                            dict[str, Interest]]:
        for thread in self.threads:
            thread.join()
        others: dict[str, dict[ObjectKey, Observation] | str] = {}
        keys: dict[str, set[WatchKey]] = {}
        interest: dict[str, Interest] = {}
        for name in self.names:  # in the settings' order
            found, watch, wants = self.results.get(name, ("not read", set(), None))
            others[name] = found
            if watch:
                keys[name] = watch
            if wants is not None:
                interest[name] = wants
        return others, keys, interest


def register(server: KubeLanguageServer) -> None:
    @server.command(REFRESH)
    async def live_refresh(ls: Any, *arguments: Any) -> dict[str, Any]:
        """Read the live state now: of the document given (its URI), or of every open document."""
        from kube_lsp.lsp.cluster_features import schedule_cluster_reads

        schedule_cluster_reads(ls, again=True)  # and the cluster's Namespaces (their Pod Security labels)
        uri = arguments[0] if arguments and isinstance(arguments[0], str) else None
        if uri is None and arguments and isinstance(arguments[0], dict):
            uri = arguments[0].get("uri")
        if not ls.live.enabled:
            return {"error": "live state is off: set kubeLsp.cluster.live to true and choose a cluster"}
        if uri is None:
            results = await asyncio.gather(*(ls.live.refresh(u) for u in list(ls.docs)))
            return {"documents": len(results)}
        doc = ls.docs.get(uri)
        if doc is not None:
            await ls.ensure_analysed(doc)
        result: dict[str, Any] = await ls.live.refresh(uri)
        return result
