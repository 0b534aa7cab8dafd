"""Reading what the cluster reports about a file's objects: GET and LIST only, through the transport.

For one object: the object; the pods it owns (Deployment → ReplicaSets → Pods, CronJob → Jobs → Pods, by
ownerReferences, among the pods its selector matches) and every pod its selector matches; the Events of the
object, of its newest pods and of its unbound claims (field selectors `involvedObject.kind`/`name`, as
`kubectl describe` reads them); a Service's EndpointSlices (label `kubernetes.io/service-name`); the
PersistentVolumeClaims its pods mount. Every LIST reads all its pages (`listing.list_all`: `limit` and
`metadata.continue`, bounded, a note when cut short). Secrets' data never leaves this module: it feeds the
`Masker` and is dropped.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Final
from urllib.parse import quote

from kube_lsp.cluster.dryrun import Discovery, DiscoveryError, Resource
from kube_lsp.cluster.listing import ListError, list_all
from kube_lsp.cluster.live import JSON, Masker, Observation, as_map, secret_values, selector_query
from kube_lsp.cluster.transport import ClusterTransport, ClusterUnreachableError, Response
from kube_lsp.parsing.nodes import YMap
from kube_lsp.workloads import TEMPLATE_PATHS

MAX_PODS: Final = 10  # pods whose events are read (the most troubled first)
MAX_JOBS: Final = 3  # a CronJob's newest jobs whose pods are read

_APPS: Final = "/apis/apps/v1"
_BATCH: Final = "/apis/batch/v1"


class ReadError(RuntimeError):
    def __init__(self, status: int, message: str, what: str) -> None:
        verb = "list" if "?" in what or what.endswith("s") else "get"
        if status == 403:
            text = f"the cluster refused to read {what} (403 Forbidden, RBAC): {message}"
        elif status == 401:
            text = f"the cluster rejected the credentials (401 Unauthorized) reading {what}"
        else:
            text = f"reading {what} failed ({status}): {message}"
        super().__init__(text)
        self.status = status
        self.verb = verb


@dataclass(frozen=True, slots=True)
class Target:
    """An object of a file to observe: its identity and what of its spec the observation needs."""

    api_version: str
    kind: str
    name: str
    namespace: str | None  # None: the context's namespace (namespaced kinds) / cluster-scoped
    claim_names: tuple[str, ...] = ()

    @staticmethod
    def of(root: YMap) -> Target | None:
        av, kind = root.get_str("apiVersion"), root.get_str("kind")
        meta = root.get("metadata")
        name = meta.get_str("name") if isinstance(meta, YMap) else None
        if not av or not kind or not name:
            return None
        ns = meta.get_str("namespace") if isinstance(meta, YMap) else None
        claims: list[str] = []
        if kind in TEMPLATE_PATHS:
            node: Any = root
            for k in TEMPLATE_PATHS[kind]:
                node = node.get(k) if isinstance(node, YMap) else None
            spec = node.get("spec") if isinstance(node, YMap) else None
            vols = spec.get("volumes") if isinstance(spec, YMap) else None
            for v in getattr(vols, "items", []):
                pvc = v.get("persistentVolumeClaim") if isinstance(v, YMap) else None
                claim = pvc.get_str("claimName") if isinstance(pvc, YMap) else None
                if claim and claim not in claims:
                    claims.append(claim)
        return Target(av, kind, name, ns or None, tuple(claims))


def _message(resp: Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return resp.body.decode("utf-8", "replace")[:300]
    return str(body.get("message") or body.get("reason") or resp.status) if isinstance(body, dict) else str(body)


def _get(transport: ClusterTransport, path: str, query: Sequence[tuple[str, str]] = ()) -> JSON | None:
    resp = transport.send("GET", path, query=query)
    if resp.status == 404:
        return None
    if resp.status >= 300:
        what = path + ("?" + "&".join(f"{k}={v}" for k, v in query) if query else "")
        raise ReadError(resp.status, _message(resp), what)
    try:
        data = resp.json()
    except ValueError:
        raise ReadError(resp.status, "the answer is not JSON", path) from None
    return data if isinstance(data, dict) else None


def _list(transport: ClusterTransport, path: str, notes: list[str] | None = None, **params: str) -> list[JSON]:
    """Every item of the collection (all its pages, bounded: a list cut short adds a note to `notes`)."""
    query = [(k, v) for k, v in params.items() if v]
    try:
        listing = list_all(transport, path, query)
    except ListError as exc:
        what = path + ("?" + "&".join(f"{k}={v}" for k, v in query) if query else "")
        raise ReadError(exc.status, exc.message, what) from None
    if listing is None:
        return []
    if listing.truncated and notes is not None:
        note = listing.note(path.rsplit("/", 1)[-1])
        if note not in notes:
            notes.append(note)
    return listing.items


def _owned(items: list[JSON], uids: set[str]) -> list[JSON]:
    return [i for i in items if any(isinstance(r, dict) and r.get("uid") in uids
                                    for r in (i.get("metadata") or {}).get("ownerReferences") or [])]


def _uid(obj: JSON) -> str:
    return str((obj.get("metadata") or {}).get("uid") or "")


def _trouble(pod: JSON) -> tuple[int, str]:
    """Sort key: pods with problems first, then the newest."""
    st = pod.get("status") or {}
    ready = all(cs.get("ready") for cs in st.get("containerStatuses") or [] if isinstance(cs, dict))
    bad = 0 if (st.get("phase") != "Running" or not ready) else 1
    return bad, "~" + str((pod.get("metadata") or {}).get("creationTimestamp") or "")


def _events(transport: ClusterTransport, namespace: str | None, kind: str, name: str,
            notes: list[str] | None = None) -> list[JSON]:
    base = f"/api/v1/namespaces/{quote(namespace)}/events" if namespace else "/api/v1/events"
    return _list(transport, base, notes, fieldSelector=f"involvedObject.kind={kind},involvedObject.name={name}")


def observe(transport: ClusterTransport, discovery: Discovery, target: Target, mask: Masker | None = None,
            now: Callable[[], float] = time.time) -> Observation:
    """Everything the cluster reports about `target` (GET/LIST only). Errors reading the object itself —
    RBAC, a kind the cluster does not serve — come back in `error`; an unreachable cluster raises."""
    try:
        res = discovery.resource(target.api_version, target.kind)
    except DiscoveryError as exc:
        return Observation(target.kind, target.name, target.namespace, now(), transport.info.context,
                           error=str(exc), forbidden=exc.status in (401, 403))
    if res is None:
        return Observation(target.kind, target.name, target.namespace, now(), transport.info.context,
                           error=f"the cluster does not serve {target.kind} in {target.api_version}")
    ns = (target.namespace or transport.info.namespace or "default") if res.namespaced else None
    try:
        return _observe(transport, res, target, ns, mask or Masker(), now)
    except ReadError as exc:
        return Observation(target.kind, target.name, ns, now(), transport.info.context, error=str(exc),
                           forbidden=exc.status in (401, 403))


def _ns_path(prefix: str, ns: str | None, plural: str) -> str:
    return f"{prefix}/namespaces/{quote(ns)}/{plural}" if ns else f"{prefix}/{plural}"


def _observe(transport: ClusterTransport, res: Resource, target: Target, ns: str | None, mask: Masker,
             now: Callable[[], float]) -> Observation:
    live = _get(transport, _ns_path(res.base(), ns, res.plural) + f"/{quote(target.name)}")
    ctx = transport.info.context
    if live is None:
        return Observation(target.kind, target.name, ns, now(), ctx)
    if target.kind == "Secret":  # never keep a Secret's values: only mask them
        mask.add(secret_values(live))
        keys = sorted({*(live.get("data") or {}), *(live.get("stringData") or {})})
        live = {k: v for k, v in live.items() if k not in ("data", "stringData")}
        live["_keys"] = keys
    kind, spec = target.kind, as_map(live.get("spec"))
    notes: list[str] = []

    def read(fn: Callable[[], list[JSON]]) -> list[JSON] | None:
        """A read about the object (its pods, events, ...): refused or failing, it becomes a note (None) and
        the object's own state stays."""
        try:
            return fn()
        except ReadError as exc:
            if str(exc) not in notes:
                notes.append(str(exc))
            return None

    pods: list[JSON] = []
    selected: list[JSON] | None = None
    slices: list[JSON] | None = None
    pods_path = _ns_path("/api/v1", ns, "pods")
    selector = selector_query(spec.get("selector"))
    if kind == "Pod":
        pods = [live]
    elif kind in TEMPLATE_PATHS and kind != "PodTemplate" and kind != "CronJob" and selector:
        selected = read(partial(_list, transport, pods_path, notes, labelSelector=selector))
        owners = {_uid(live)}
        if kind == "Deployment":
            sets = read(partial(_list, transport, _ns_path(_APPS, ns, "replicasets"), notes, labelSelector=selector))
            owners = {_uid(rs) for rs in _owned(sets or [], owners)}
        pods = _owned(selected or [], owners | {_uid(live)})
        if not pods:  # pods that name no owner at all (made by hand or by a simple controller) still count
            pods = [p for p in selected or [] if not (p.get("metadata") or {}).get("ownerReferences")]
    elif kind == "CronJob":
        jobs = _owned(read(partial(_list, transport, _ns_path(_BATCH, ns, "jobs"), notes)) or [], {_uid(live)})
        jobs.sort(key=lambda j: str((j.get("metadata") or {}).get("creationTimestamp") or ""), reverse=True)
        for job in jobs[:MAX_JOBS]:
            sel = selector_query((job.get("spec") or {}).get("selector"))
            if sel:
                pods += _owned(read(partial(_list, transport, pods_path, notes, labelSelector=sel)) or [], {_uid(job)})
    elif kind == "Service":
        slices = read(partial(_list, transport, _ns_path("/apis/discovery.k8s.io/v1", ns, "endpointslices"),
                              notes, labelSelector=f"kubernetes.io/service-name={target.name}"))
        if selector:
            selected = read(partial(_list, transport, pods_path, notes, labelSelector=selector))
    events = [e for e in read(partial(_events, transport, ns, kind, target.name, notes)) or []
              if not _uid(live) or not (e.get("involvedObject") or {}).get("uid")
              or (e.get("involvedObject") or {}).get("uid") == _uid(live)]
    if kind != "Pod":
        for pod in sorted(pods, key=_trouble)[:MAX_PODS]:
            name = str((pod.get("metadata") or {}).get("name"))
            events += read(partial(_events, transport, ns, "Pod", name, notes)) or []
    claims: list[tuple[str, JSON | None]] = []
    for claim in target.claim_names if ns else ():
        path = _ns_path("/api/v1", ns, "persistentvolumeclaims") + f"/{quote(claim)}"
        try:
            pvc = _get(transport, path)
        except ReadError as exc:
            notes.append(str(exc))
            continue
        claims.append((claim, pvc))
        if pvc is not None and (pvc.get("status") or {}).get("phase") != "Bound":
            events += read(partial(_events, transport, ns, "PersistentVolumeClaim", claim, notes)) or []
    return Observation(kind, target.name, ns, now(), ctx, live, tuple(pods),
                       tuple(selected) if selected is not None else None, tuple(events),
                       tuple(slices) if slices is not None else None, tuple(claims), notes=tuple(notes))


def observe_all(transport: ClusterTransport, discovery: Discovery, targets: Sequence[Target],
                mask: Masker | None = None, stop: threading.Event | None = None) -> list[Observation | None]:
    """`observe` for each target, a few at a time; an unreachable cluster raises (ClusterUnreachableError)."""
    from kube_lsp.cluster.concurrency import bounded_map

    shared = mask or Masker()
    return bounded_map(lambda t: observe(transport, discovery, t, shared), targets, stop=stop)


__all__ = ["ClusterUnreachableError", "ReadError", "Target", "observe", "observe_all"]
