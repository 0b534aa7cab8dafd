"""Server-side dry-run of each document, and the live object next to it (for diffs).

Discovery maps apiVersion + kind to the resource (plural, scope) as the cluster serves it — never by
guessing plurals. Every request goes through `ClusterTransport.send`, which refuses writes without
dryRun=All.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from kube_lsp.cluster.concurrency import bounded_map
from kube_lsp.cluster.status import object_anchor, status_findings, warning_findings
from kube_lsp.cluster.transport import ClusterTransport, ClusterUnreachableError
from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.loader import Document
from kube_lsp.parsing.nodes import YMap, to_python
from kube_lsp.schema.catalog import split_api_version

FIELD_MANAGER = "kube-lsp"


@dataclass(frozen=True, slots=True)
class Resource:
    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool

    def base(self) -> str:
        return f"/api/{self.version}" if not self.group else f"/apis/{self.group}/{self.version}"


@dataclass
class Discovery:
    """apiVersion → the resources the cluster serves for it (one request per group-version)."""

    transport: ClusterTransport
    _cache: dict[str, dict[str, Resource] | None] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _failed: Exception | None = None

    def resource(self, api_version: str, kind: str) -> Resource | None:
        with self._lock:  # documents are checked concurrently: one discovery request per group-version
            if self._failed is not None:  # an unreachable or refusing cluster is waited for once, not per document
                raise self._failed
            try:
                return self._resource(api_version, kind)
            except (ClusterUnreachableError, DiscoveryError) as exc:
                self._failed = exc
                raise

    def _resource(self, api_version: str, kind: str) -> Resource | None:
        if api_version not in self._cache:
            group, version = split_api_version(api_version)
            path = f"/api/{version}" if not group else f"/apis/{group}/{version}"
            resp = self.transport.send("GET", path)
            if resp.status == 404:
                self._cache[api_version] = None
            elif resp.status >= 400:
                raise DiscoveryError(resp.status, _message(resp.json()), path)
            else:
                kinds: dict[str, Resource] = {}
                for r in resp.json().get("resources") or []:
                    if "/" in r.get("name", ""):
                        continue  # subresources such as deployments/scale
                    kinds.setdefault(r["kind"], Resource(group, version, r["kind"], r["name"],
                                                         bool(r.get("namespaced"))))
                self._cache[api_version] = kinds
        served = self._cache[api_version]
        return None if served is None else served.get(kind)


class DiscoveryError(RuntimeError):
    """The cluster would not say which resources it serves (credentials, permissions, server trouble)."""

    def __init__(self, status: int, message: str, path: str) -> None:
        if status == 401:
            text = (f"the cluster rejected the credentials (401 Unauthorized) reading {path}: the token or "
                    "certificate is wrong or expired; log in again or check the kubeconfig user")
        elif status == 403:
            text = f"the cluster refused to list the resources of {path} (403 Forbidden): {message}"
        else:
            text = f"discovery of {path} failed ({status}): {message}"
        super().__init__(text)
        self.status = status


def _message(status: Any) -> str:
    return str(status.get("message")) if isinstance(status, dict) else str(status)


@dataclass(frozen=True, slots=True)
class Outcome:
    """The dry-run of one document: findings, and what the object would look like once stored."""

    findings: list[Finding]
    title: str  # e.g. apps.v1.Deployment.default.web
    result: dict[str, Any] | None
    path: str | None
    resource: Resource | None
    namespace: str | None
    name: str | None


def dry_run(transport: ClusterTransport, discovery: Discovery, doc: Document) -> Outcome | None:
    """Server-side apply with dryRun=All (create with dryRun=All for generateName); None if not an object."""
    root = doc.root
    if not isinstance(root, YMap):
        return None
    av, kind = root.get_str("apiVersion"), root.get_str("kind")
    if not av or not kind:
        return None
    obj = to_python(root)
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    name = meta.get("name")
    res = discovery.resource(av, kind)
    what = f"{kind} {name or meta.get('generateName') or ''}".strip()
    if res is None:
        f = Finding(span=object_anchor(root), severity=Severity.ERROR, code="KL902",
                    message=f"the cluster does not serve {kind} in `{av}` (is its CustomResourceDefinition installed?)",
                    doc=doc.index)
        return Outcome([f], what, None, None, None, None, name)
    namespace = None
    if res.namespaced:
        namespace = meta.get("namespace") or transport.info.namespace or "default"
    collection = res.base() + (f"/namespaces/{quote(str(namespace))}" if namespace else "") + f"/{res.plural}"
    title = ".".join(p for p in (res.group or "", res.version, kind, namespace or "", str(name or "")) if p)
    if name:
        path = f"{collection}/{quote(str(name))}"
        resp = transport.send("PATCH", path, query=[("dryRun", "All"), ("fieldManager", FIELD_MANAGER),
                                                    ("force", "true")],
                              body=obj, content_type="application/apply-patch+yaml")
    else:
        path = None
        resp = transport.send("POST", collection, query=[("dryRun", "All"), ("fieldManager", FIELD_MANAGER)],
                              body=obj, content_type="application/json")
    findings = warning_findings(resp.warnings, root, doc.index)
    if resp.status >= 300:
        findings += status_findings(_json_or_text(resp.body), root, doc.index, what)
        return Outcome(findings, title, None, path, res, namespace, name)
    result = resp.json()
    return Outcome(findings, title, result if isinstance(result, dict) else None, path, res, namespace, name)


def live_object(transport: ClusterTransport, path: str) -> dict[str, Any] | None:
    """The object as it is in the cluster now (None when it does not exist yet)."""
    resp = transport.send("GET", path)
    if resp.status == 404:
        return None
    if resp.status >= 300:
        raise LiveObjectError(_json_or_text(resp.body))
    data = resp.json()
    return data if isinstance(data, dict) else None


class LiveObjectError(RuntimeError):
    """Reading the live object failed (e.g. RBAC forbids get); carries the API server's Status."""

    def __init__(self, status: Any) -> None:
        super().__init__(_message(status))
        self.status = status


@dataclass(frozen=True, slots=True)
class Checked:
    """One document checked against the cluster: findings, and for a diff the live and dry-run objects."""

    findings: list[Finding]
    title: str
    merged: dict[str, Any] | None  # the dry-run result; None when rejected
    live: dict[str, Any] | None  # the object in the cluster now; None when new (or not read)


def check_document(transport: ClusterTransport, discovery: Discovery, doc: Document, *,
                   read_live: bool = False) -> Checked | None:
    """Dry-run one document and, for a diff, read its live object. None when the document is no object."""
    outcome = dry_run(transport, discovery, doc)
    if outcome is None:
        return None
    findings, live = list(outcome.findings), None
    if read_live and outcome.result is not None and outcome.path is not None and isinstance(doc.root, YMap):
        try:
            live = live_object(transport, outcome.path)
        except LiveObjectError as exc:
            what = f"{outcome.resource.kind if outcome.resource else ''} {outcome.name or ''}".strip()
            findings += status_findings(exc.status, doc.root, doc.index, what)
            return Checked(findings, outcome.title, None, None)
    return Checked(findings, outcome.title, outcome.result, live)


def check_documents(transport: ClusterTransport, discovery: Discovery, docs: Sequence[Document], *,
                    read_live: bool = False, progress: Callable[[int, int], None] | None = None,
                    stop: threading.Event | None = None) -> list[Checked | None]:
    """`check_document` for each document, a few at a time (they are independent: a dry-run stores
    nothing); results in the documents' order. The first error (unreachable cluster, discovery refused)
    stops the rest and is raised; `stop` leaves the documents not yet sent out."""
    return bounded_map(lambda doc: check_document(transport, discovery, doc, read_live=read_live), docs,
                       progress=progress, stop=stop)


def _json_or_text(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return {"message": body.decode("utf-8", "replace")[:500]}
