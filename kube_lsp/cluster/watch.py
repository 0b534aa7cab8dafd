"""Watches: one per (namespace, resource), in daemon threads, that say when something changed.

Each watch LISTs once for the collection's resourceVersion, then WATCHes from it (`watch=true`,
`allowWatchBookmarks=true`, a server-side `timeoutSeconds`) and reconnects from the last version it saw
(BOOKMARKs move it on without changes), also after an error; a `410 Expired` starts again from a fresh
LIST, which counts as a change of everything (some may have been missed). Each change is reported with the
event's object (`on_change(key, obj)`), so that only what it concerns is refreshed; after a fresh LIST
the object is None. Errors back off
exponentially (up to `max_backoff`); a 403 is reported once as `forbidden` and retried at the longest
backoff. Every request is a GET through `ClusterTransport.send`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import quote

from kube_lsp.cluster.dryrun import Resource
from kube_lsp.cluster.transport import ClusterTransport

log = logging.getLogger(__name__)

WATCH_SECONDS: Final = 290  # the server ends each watch after this; the client reconnects
BASE_BACKOFF: Final = 1.0
MAX_BACKOFF: Final = 60.0
MIN_WATCH: Final = 1.0  # a watch that ends sooner with no event waits (backs off) before the next one


@dataclass(frozen=True, slots=True)
class WatchKey:
    namespace: str | None
    resource: Resource

    def path(self) -> str:
        r = self.resource
        ns = f"/namespaces/{quote(self.namespace)}" if self.namespace and r.namespaced else ""
        return f"{r.base()}{ns}/{r.plural}"

    def __str__(self) -> str:
        return f"{self.resource.plural}{'.' + self.resource.group if self.resource.group else ''}" + (
            f" in {self.namespace}" if self.namespace else "")


@dataclass
class WatchState:
    """What a watch is doing, for the editor to show (ok, backing off after an error, forbidden)."""

    state: str = "starting"  # starting | watching | backoff | forbidden | stopped
    error: str = ""
    events: int = 0
    reconnects: int = 0


@dataclass
class _Watch:
    key: WatchKey
    stop: threading.Event = field(default_factory=threading.Event)
    status: WatchState = field(default_factory=WatchState)
    stream: object | None = None
    thread: threading.Thread | None = None


class Watcher:
    """Keeps exactly the watches asked for with `ensure`, calling `on_change(key, obj)` after each change (obj:
    the event's object; None after a fresh LIST, when anything may have changed)."""

    def __init__(self, transport: ClusterTransport, on_change: Callable[[WatchKey, dict[str, Any] | None], None], *,
                 on_state: Callable[[WatchKey, WatchState], None] | None = None,
                 base_backoff: float = BASE_BACKOFF, max_backoff: float = MAX_BACKOFF,
                 watch_seconds: int = WATCH_SECONDS) -> None:
        self.transport = transport
        self.on_change = on_change
        self.on_state = on_state
        self.base_backoff = base_backoff
        self.max_backoff = max_backoff
        self.watch_seconds = watch_seconds
        self._watches: dict[WatchKey, _Watch] = {}
        self._lock = threading.Lock()

    @property
    def keys(self) -> set[WatchKey]:
        with self._lock:
            return set(self._watches)

    def states(self) -> dict[WatchKey, WatchState]:
        with self._lock:
            return {k: w.status for k, w in self._watches.items()}

    def ensure(self, keys: Iterable[WatchKey]) -> None:
        """Watch exactly `keys`: start the missing watches, stop those no longer wanted."""
        wanted = set(keys)
        with self._lock:
            for key in [k for k in self._watches if k not in wanted]:
                self._stop(self._watches.pop(key))
            for key in wanted - set(self._watches):
                w = _Watch(key)
                w.thread = threading.Thread(target=self._run, args=(w,), name=f"kube-lsp-watch-{key}", daemon=True)
                self._watches[key] = w
                w.thread.start()

    def stop(self) -> None:
        self.ensure(())

    @staticmethod
    def _stop(w: _Watch) -> None:
        w.stop.set()
        w.status.state = "stopped"
        stream = w.stream
        close = getattr(stream, "close", None)
        if close is not None:
            close()

    def _set(self, w: _Watch, state: str, error: str = "") -> None:
        changed = (w.status.state, w.status.error) != (state, error)
        w.status.state, w.status.error = state, error
        if changed and self.on_state is not None and not w.stop.is_set():
            self.on_state(w.key, w.status)

    def _run(self, w: _Watch) -> None:
        backoff = self.base_backoff
        rv: str | None = None
        listed_before = False
        while not w.stop.is_set():
            try:
                if rv is None:
                    rv = self._list_version(w)
                    if listed_before:  # listing again: changes may have been missed meanwhile
                        self.on_change(w.key, None)
                    listed_before = True
                began, events_before = time.monotonic(), w.status.events
                rv = self._stream(w, rv)
                w.status.reconnects += 1
                if time.monotonic() - began >= MIN_WATCH or w.status.events > events_before:
                    backoff = self.base_backoff  # a watch that worked resets the backoff
                    continue
                # Ended at once with nothing in it (a server that does not stream watches, say): never spin.
                delay = backoff
                backoff = min(backoff * 2, self.max_backoff)
            except _Forbidden as exc:
                self._set(w, "forbidden", str(exc))
                delay = self.max_backoff
            except _Expired:
                rv = None  # list again (which reports a change)
                continue
            except Exception as exc:  # noqa: BLE001 - unreachable, broken stream, 5xx: back off and retry
                if w.stop.is_set():
                    return
                self._set(w, "backoff", str(exc))
                delay = backoff
                backoff = min(backoff * 2, self.max_backoff)
                # The watch resumes from the last version it saw (as client-go's reflector does); a version
                # the server no longer has is answered 410, and then the collection is listed again.
            log.debug("watch %s: retrying in %.1fs", w.key, delay)
            if w.stop.wait(delay):
                return

    def _list_version(self, w: _Watch) -> str:
        resp = self.transport.send("GET", w.key.path(), query=[("limit", "1")])
        if resp.status in (401, 403):
            raise _Forbidden(_text(resp.body, resp.status, f"list {w.key}"))
        if resp.status >= 300:
            raise RuntimeError(_text(resp.body, resp.status, f"list {w.key}"))
        data = resp.json()
        return str(((data or {}).get("metadata") or {}).get("resourceVersion") or "")

    def _stream(self, w: _Watch, rv: str) -> str:
        query = [("watch", "true"), ("allowWatchBookmarks", "true"), ("timeoutSeconds", str(self.watch_seconds))]
        if rv:
            query.append(("resourceVersion", rv))
        resp = self.transport.send("GET", w.key.path(), query=query, stream=True,
                                   read_timeout=self.watch_seconds + 30)
        if resp.status in (401, 403):
            raise _Forbidden(_text(resp.body, resp.status, f"watch {w.key}"))
        if resp.status == 410:
            raise _Expired()
        if resp.status >= 300 or resp.stream is None:
            raise RuntimeError(_text(resp.body, resp.status, f"watch {w.key}"))
        w.stream = resp.stream
        if w.stop.is_set():
            resp.stream.close()
            return rv
        self._set(w, "watching")
        for line in resp.stream:
            if w.stop.is_set():
                break
            try:
                event = json.loads(line)
            except ValueError:
                continue
            kind = event.get("type")
            obj = event.get("object") if isinstance(event.get("object"), dict) else {}
            if kind == "ERROR":
                if obj.get("code") == 410:
                    raise _Expired()
                raise RuntimeError(f"watch {w.key}: {obj.get('message') or obj}")
            rv = str((obj.get("metadata") or {}).get("resourceVersion") or rv)
            if kind in ("ADDED", "MODIFIED", "DELETED"):
                w.status.events += 1
                self.on_change(w.key, obj)
        resp.stream.close()
        return rv


class _Forbidden(RuntimeError):
    pass


class _Expired(RuntimeError):
    pass


def _text(body: bytes, status: int, what: str) -> str:
    try:
        data = json.loads(body)
        message = str(data.get("message") or data) if isinstance(data, dict) else str(data)
    except ValueError:
        message = body.decode("utf-8", "replace")[:200]
    label = {401: "401 Unauthorized", 403: "403 Forbidden, RBAC"}.get(status, str(status))
    return f"cannot {what} ({label}): {message}"
