"""An in-process Kubernetes API server double for tests: TLS on 127.0.0.1, bearer-token auth, discovery,
OpenAPI v3, an in-memory object store, server-side apply / create / update / delete with dry-run, the API's
Status error shapes, and injectable faults (conflict, decode error, forbidden, webhook denial, slowness, warnings).

Safety: every request that is not a GET and lacks ``dryRun=All`` is recorded in ``violations``; the ``apiserver``
fixture of conftest.py fails the test that caused one.

    with ApiServerDouble() as api:
        api.seed({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {...}})
        api.inject(Forbidden(user="dev"), kind="Deployment", name="web")
        api.write_kubeconfig(tmp_path / "kubeconfig")
"""

from __future__ import annotations

import base64
import binascii
import copy
import http.client
import json
import random
import secrets
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import traceback
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from . import catalog
from .catalog import JSON, Resource, SchemaView
from .objects import (
    ApplyConflict,
    FieldError,
    apply_defaults,
    check_types,
    field_path,
    json_patch,
    merge_patch,
    prune,
    record_update,
    server_side_apply,
    strategic_merge,
    strip_nulls,
    validate,
)
from .objects import display as display_path
from .selectors import (
    FieldRequirement,
    LabelRequirement,
    SelectorError,
    fields_match,
    labels_match,
    parse_field_selector,
    parse_label_selector,
)

READ_METHODS = frozenset({"GET", "HEAD"})
GENERATION_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Ingress",
                              "NetworkPolicy", "IngressClass", "CustomResourceDefinition", catalog.CRD_KIND})
NAMESPACES = next(r for r in catalog.RESOURCES if r.kind == "Namespace")
DEFAULT_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
VERB_OF_METHOD = {"GET": "get", "HEAD": "get", "POST": "create", "PUT": "update", "PATCH": "patch",
                  "DELETE": "delete"}
APPLY_PATCH = "application/apply-patch+yaml"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"


def now_rfc3339() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


# --- records ---------------------------------------------------------------------------------------------------------


@dataclass
class RecordedRequest:
    """A request as the double saw it. query keeps the last value of a repeated parameter."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # without Authorization
    body: str
    status: int = 0  # the response code, once answered

    @property
    def dry_run(self) -> bool:
        return self.query.get("dryRun") == "All"

    @property
    def is_write(self) -> bool:
        return self.method not in READ_METHODS


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: list[tuple[str, str]] = field(default_factory=list)
    # A watch: the lines to send, chunk by chunk (Transfer-Encoding: chunked) until the iterator ends.
    stream: Iterator[bytes] | None = None

    @staticmethod
    def of(status: int, obj: Any, headers: Iterable[tuple[str, str]] = ()) -> Response:
        return Response(status, json.dumps(obj, separators=(",", ":")).encode(), headers=list(headers))


# --- Status bodies (metav1.Status, as the API server serialises them) ------------------------------------------------


def status_body(code: int, reason: str, message: str, details: JSON | None = None) -> JSON:
    body: JSON = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message}
    if reason:
        body["reason"] = reason
    if details is not None:
        body["details"] = details
    body["code"] = code
    return body


def resource_details(r: Resource, name: str, kind: str | None = None) -> JSON:
    details: JSON = {}
    if name:
        details["name"] = name
    if r.group:
        details["group"] = r.group
    details["kind"] = kind or r.plural
    return details


def not_found(r: Resource, name: str) -> Response:
    return Response.of(404, status_body(404, "NotFound", f'{r.qualified} "{name}" not found',
                                        resource_details(r, name)))


def no_such_resource() -> Response:
    return Response.of(404, status_body(404, "NotFound", "the server could not find the requested resource"))


def already_exists(r: Resource, name: str) -> Response:
    return Response.of(409, status_body(409, "AlreadyExists", f'{r.qualified} "{name}" already exists',
                                        resource_details(r, name)))


def bad_request(message: str) -> Response:
    return Response.of(400, status_body(400, "BadRequest", message))


def invalid(kind_qualified: str, name: str, errors: list[FieldError], group: str, kind: str) -> Response:
    text = str(errors[0]) if len(errors) == 1 else "[" + ", ".join(str(e) for e in errors) + "]"
    details: JSON = {"name": name} if name else {}
    if group:
        details["group"] = group
    details["kind"] = kind
    details["causes"] = [{"reason": e.reason, "message": e.body, "field": e.field} for e in errors]
    return Response.of(422, status_body(422, "Invalid", f'{kind_qualified} "{name}" is invalid: {text}', details))


def invalid_object(r: Resource, name: str, errors: list[FieldError]) -> Response:
    return invalid(r.qualified_kind, name, errors, r.group, r.kind)


def invalid_options(options_kind: str, errors: list[FieldError]) -> Response:
    return invalid(f"{options_kind}.meta.k8s.io", "", errors, "meta.k8s.io", options_kind)


def forbidden(r: Resource, name: str, user: str, verb: str, namespace: str | None) -> Response:
    subject = f'{r.qualified} "{name}"' if name else r.qualified
    scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
    message = (f'{subject} is forbidden: User "{user}" cannot {verb} resource "{r.plural}" in API group '
               f'"{r.group}" {scope}')
    return Response.of(403, status_body(403, "Forbidden", message, resource_details(r, name)))


def print_manager(entry: JSON) -> str:
    """How the API server names a conflicting manager (printManager in the field manager)."""
    text = json.dumps(entry.get("manager", ""))
    if entry.get("subresource"):
        text += f' with subresource {json.dumps(entry["subresource"])}'
    if entry.get("operation") == "Update":
        text += f' using {entry.get("apiVersion", "")}'
        if entry.get("time"):
            text += f' at {entry["time"]}'
    return text


def apply_conflict(conflicts: list[tuple[JSON, str]]) -> Response:
    """409 for server-side apply conflicts; conflicts are (managedFields entry, field path) pairs."""
    causes = [{"reason": "FieldManagerConflict", "message": f"conflict with {print_manager(e)}", "field": p}
              for e, p in conflicts]
    if len(conflicts) == 1:
        e, p = conflicts[0]
        message = f"Apply failed with 1 conflict: conflict with {print_manager(e)}: {p}"
    else:
        by_manager: dict[str, list[str]] = {}
        for e, p in conflicts:
            by_manager.setdefault(print_manager(e), []).append(p)
        lines: list[str] = []
        for manager in sorted(by_manager):
            lines.append(f"conflicts with {manager}:")
            lines.extend(f"- {p}" for p in by_manager[manager])
        message = f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)
    return Response.of(409, status_body(409, "Conflict", message, {"causes": causes}))


def warning_header(text: str) -> tuple[str, str]:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return ("Warning", f'299 - "{escaped}"')


# --- faults ----------------------------------------------------------------------------------------------------------


@dataclass
class FaultContext:
    resource: Resource
    name: str
    namespace: str | None
    verb: str
    double: ApiServerDouble


class Fault:
    """Something injected for matching requests. respond() returns a response, or None to go on as usual."""

    def respond(self, ctx: FaultContext) -> Response | None:
        raise NotImplementedError


@dataclass
class Conflict(Fault):
    """409 apply conflict on the given field paths (structured-merge-diff spelling), owned by manager."""

    fields: tuple[str, ...] = ('.spec.template.spec.containers[name="web"].image',)
    manager: str = "other-manager"
    operation: str = "Update"  # Update managers are printed "using <apiVersion>"; Apply managers are not
    api_version: str | None = None

    def respond(self, ctx: FaultContext) -> Response | None:
        entry = {"manager": self.manager, "operation": self.operation,
                 "apiVersion": self.api_version or ctx.resource.group_version}
        return apply_conflict([(entry, f) for f in self.fields])


@dataclass
class DecodeError(Fault):
    """400 BadRequest from decoding the body into the Go type; the field path is only in the message."""

    message: str = "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"

    def respond(self, ctx: FaultContext) -> Response | None:
        r = ctx.resource
        return bad_request(f'{r.kind} in version "{r.version}" cannot be handled as a {r.kind}: {self.message}')


@dataclass
class Forbidden(Fault):
    """403 from RBAC for user (the verb is the request's: patch, create, get...)."""

    user: str = "dev"

    def respond(self, ctx: FaultContext) -> Response | None:
        return forbidden(ctx.resource, ctx.name, self.user, ctx.verb, ctx.namespace)


@dataclass
class WebhookDenied(Fault):
    """An admission webhook rejecting the request (code 400 unless the webhook says otherwise)."""

    webhook: str = "policy.example.com"
    message: str = "containers must not use the latest tag"
    code: int = 400
    reason: str = ""

    def respond(self, ctx: FaultContext) -> Response | None:
        text = f'admission webhook "{self.webhook}" denied the request'
        text = f"{text}: {self.message}" if self.message else f"{text} without explanation"
        return Response.of(self.code, status_body(self.code, self.reason, text))


@dataclass
class StatusFault(Fault):
    """Any Status the test wants."""

    code: int
    reason: str
    message: str
    details: JSON | None = None

    def respond(self, ctx: FaultContext) -> Response | None:
        return Response.of(self.code, status_body(self.code, self.reason, self.message, self.details))


@dataclass
class Slow(Fault):
    """Sleep before answering (as usual, or with the faults injected after this one)."""

    seconds: float = 5.0

    def respond(self, ctx: FaultContext) -> Response | None:
        ctx.double._stopping.wait(self.seconds)
        return None


@dataclass
class Warn(Fault):
    """Add `Warning: 299 - "..."` headers to the response."""

    messages: tuple[str, ...] = ("example warning",)

    def respond(self, ctx: FaultContext) -> Response | None:
        ctx.double._local.warnings.extend(self.messages)
        return None


@dataclass
class Rule:
    fault: Fault
    kind: str | None = None
    name: str | None = None
    namespace: str | None = None
    verbs: frozenset[str] | None = None
    times: int | None = None  # None: every time
    hits: int = 0

    def matches(self, ctx: FaultContext) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        return ((self.kind is None or self.kind in (ctx.resource.kind, ctx.resource.plural))
                and (self.name is None or self.name == ctx.name)
                and (self.namespace is None or self.namespace == ctx.namespace)
                and (self.verbs is None or ctx.verb in self.verbs))


# --- TLS -------------------------------------------------------------------------------------------------------------


def make_certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A self-signed CA and a server certificate for 127.0.0.1/localhost signed by it, made with the openssl CLI.

    Returns (ca_file, cert_file, key_file).
    """
    openssl = shutil.which("openssl")
    if openssl is None:
        raise RuntimeError("the openssl command is needed to make the test certificates")
    d = directory
    curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], cwd=d, check=True, capture_output=True, timeout=30)

    run("req", "-x509", *curve, "-keyout", "ca.key", "-out", "ca.crt", "-days", "3", "-subj",
        "/CN=kube-lsp test CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", *curve, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=kube-apiserver")
    (d / "server.ext").write_text(
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\n"
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
        "subjectKeyIdentifier=hash\n"
        "authorityKeyIdentifier=keyid\n"
    )
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.crt", "-days", "3", "-extfile", "server.ext")
    # A client certificate for user "cert-admin" in group system:masters, as kubeadm makes for admins.
    run("req", *curve, "-keyout", "client.key", "-out", "client.csr", "-subj", "/O=system:masters/CN=cert-admin")
    (d / "client.ext").write_text("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                                  "extendedKeyUsage=clientAuth\n")
    run("x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "client.crt", "-days", "3", "-extfile", "client.ext")
    return d / "ca.crt", d / "server.crt", d / "server.key"


# --- HTTP plumbing ---------------------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, double: ApiServerDouble, context: ssl.SSLContext) -> None:
        self.double = double
        self.context = context
        self.connections: set[ssl.SSLSocket] = set()
        self.conn_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        request.settimeout(30)
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return  # e.g. a client that does not trust the CA
        with self.conn_lock:
            self.connections.add(tls)
        subject = dict(item[0] for item in (tls.getpeercert() or {}).get("subject", ()))
        self.double._local.client_user = str(subject.get("commonName", ""))
        try:
            _Handler(tls, client_address, self)
        except (ssl.SSLError, OSError):
            pass
        finally:
            with self.conn_lock:
                self.connections.discard(tls)
            try:
                tls.close()
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass

    def close_connections(self) -> None:
        with self.conn_lock:
            conns = list(self.connections)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        body = self._body()
        resp = self.server.double._serve(self.command, self.path, dict(self.headers.items()), body)
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type)
        if resp.stream is not None:
            self._stream(resp)
            return
        self.send_header("Content-Length", str(len(resp.body)))
        self.send_header("Audit-Id", str(uuid.uuid4()))
        names = {k.lower() for k, _ in resp.headers}
        if "cache-control" not in names:
            self.send_header("Cache-Control", "no-cache, private")
        for k, v in resp.headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(resp.body)

    def _stream(self, resp: Response) -> None:
        assert resp.stream is not None
        chunked = self.server.double.watch_chunked
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:  # no framing: the body runs until the connection closes (HTTP/1.1 allows it)
            self.send_header("Connection", "close")
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Audit-Id", str(uuid.uuid4()))
        self.end_headers()
        self.close_connection = True
        try:
            for chunk in resp.stream:
                self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" if chunked else chunk)
                self.wfile.flush()
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
        except (OSError, ssl.SSLError):
            pass  # the client went away
        finally:
            close = getattr(resp.stream, "close", None)
            if close is not None:
                close()

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


@dataclass
class Reply:
    """What ApiServerDouble.request() got back."""

    status: int
    headers: http.client.HTTPMessage
    text: str

    def json(self) -> Any:
        return json.loads(self.text)

    @property
    def warnings(self) -> list[str]:
        return self.headers.get_all("Warning") or []


# --- the double ------------------------------------------------------------------------------------------------------


class _Local(threading.local):
    warnings: list[str]
    client_user: str  # the CN of a verified client certificate on this connection, or ""

    def __init__(self) -> None:
        self.warnings = []
        self.client_user = ""


StoreKey = tuple[str, str, str, str, str]  # (group, version, plural, namespace, name); namespace "" if cluster-scoped


class ApiServerDouble:
    """A Kubernetes API server double on https://127.0.0.1:<port> (see the module docstring)."""

    def __init__(self, token: str | None = None, workdir: Path | None = None) -> None:
        self.token = token or secrets.token_urlsafe(24)
        self._own_dir = workdir is None
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="kube-apiserver-double-"))
        self.requests: list[RecordedRequest] = []
        self.violations: list[RecordedRequest] = []
        self.internal_errors: list[str] = []  # tracebacks of bugs in the double (answered as 500 InternalError)
        self.rules: list[Rule] = []
        self._store: dict[StoreKey, JSON] = {}
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)  # notified on every change of the store
        self._rv = 1000
        # Every change of the store, in resourceVersion order, for watches: (rv, type, key, object, previous).
        self._history: list[tuple[int, str, StoreKey, JSON, JSON | None]] = []
        self._compacted_rv = 0  # watches from a resourceVersion at or below this get 410 Expired
        self._continue_epoch = 0  # bumped by compact() and reset(): older continue tokens get 410 Expired
        self.page_size: int | None = None  # when set, no LIST page holds more items (whatever the limit)
        self.lists_served = 0  # LIST pages answered
        self._epoch = 0  # bumped by reset() and stop(): open watches end
        self.bookmark_interval = 1.0  # seconds between BOOKMARK events (the real server: about a minute)
        self.watch_chunked = True  # False: watch bodies without chunked encoding, ended by closing
        self.watches_open = 0
        self._local = _Local()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._view = SchemaView()
        self.ca_file = Path()
        self.url = ""
        # The /version answer when set (tests/cluster/catalog.py version_info's fields), else the catalog's.
        self.version_info: JSON | None = None
        self.version_error: int | None = None  # when set, /version answers this status code
        self._seed_defaults()

    # lifecycle

    def start(self) -> ApiServerDouble:
        if self._server is not None:
            return self
        self.ca_file, cert, key = make_certificates(self.workdir)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(cert, key)
        context.load_verify_locations(self.ca_file)  # client certificates signed by the CA authenticate too
        context.verify_mode = ssl.CERT_OPTIONAL
        context.set_alpn_protocols(["http/1.1"])
        self._stopping.clear()
        self._server = _Server(self, context)
        port = self._server.server_address[1]
        self.url = f"https://127.0.0.1:{port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="kube-apiserver-double", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        with self._changed:
            self._epoch += 1
            self._changed.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.close_connections()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._own_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> ApiServerDouble:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # state

    def reset(self) -> None:
        """Forget objects, recorded requests, violations and injected faults; keep the address, CA and token."""
        with self._lock:
            self._epoch += 1
            self._changed.notify_all()
            self._store.clear()
            self._history.clear()
            self._compacted_rv = 0
            self._continue_epoch += 1
            self.page_size = None
            self.lists_served = 0
            self.bookmark_interval = 1.0
            self.watch_chunked = True
            self.requests.clear()
            self.violations.clear()
            self.internal_errors.clear()
            self.rules.clear()
            self.version_info = None
            self.version_error = None
            self._seed_defaults()

    def _seed_defaults(self) -> None:
        for ns in DEFAULT_NAMESPACES:
            self.seed({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}},
                      manager="kube-apiserver", operation="Update")
        self.seed(catalog.widget_crd(), manager="kubectl", operation="Apply")

    def _next_rv(self) -> str:
        self._rv += 1
        return str(self._rv)

    def _write_store(self, key: StoreKey, obj: JSON) -> None:
        """Store obj (its resourceVersion already set) and record the change for watches."""
        with self._changed:
            previous = self._store.get(key)
            self._store[key] = obj
            rv = int(obj.get("metadata", {}).get("resourceVersion") or self._next_rv())
            self._history.append((rv, "MODIFIED" if previous is not None else "ADDED", key, copy.deepcopy(obj),
                                  copy.deepcopy(previous) if previous is not None else None))
            self._changed.notify_all()

    def _delete_store(self, key: StoreKey) -> JSON | None:
        with self._changed:
            previous = self._store.pop(key, None)
            if previous is None:
                return None
            gone = copy.deepcopy(previous)
            gone.setdefault("metadata", {})["resourceVersion"] = self._next_rv()  # as the real DELETED event
            self._history.append((int(gone["metadata"]["resourceVersion"]), "DELETED", key, gone,
                                  copy.deepcopy(previous)))
            self._changed.notify_all()
            return gone

    def _key(self, r: Resource, namespace: str | None, name: str) -> StoreKey:
        # Every version of a group shares one store (the preferred version's key), as served versions do.
        version = catalog.GROUP_VERSIONS[r.group][0]
        return (r.group, version, r.plural, namespace or "" if r.namespaced else "", name)

    def seed(self, obj: JSON, *, manager: str | None = "kubectl", operation: str = "Apply",
             defaults: bool = True) -> JSON:
        """Store obj as if it had been written earlier (metadata filled in; defaults applied unless told not to).

        managedFields: kept if obj has them, else one entry for manager (Apply or Update) owning every field set
        in obj (none if manager is None). A namespace that does not exist yet is created. Returns the stored copy.
        """
        r = catalog.find_kind(str(obj.get("apiVersion")), str(obj.get("kind")))
        if r is None:
            raise ValueError(f"the double does not serve {obj.get('apiVersion')} {obj.get('kind')}")
        obj = strip_nulls(copy.deepcopy(obj))
        meta = obj.setdefault("metadata", {})
        name = meta.get("name")
        if not name:
            raise ValueError("seeded objects need metadata.name")
        ns = (meta.get("namespace") or "default") if r.namespaced else None
        with self._lock:
            if ns and self._store.get(self._key(NAMESPACES, None, ns)) is None:
                self.seed({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}},
                          manager="kube-apiserver", operation="Update")
            if ns:
                meta["namespace"] = ns
            now = now_rfc3339()
            if manager is not None and "managedFields" not in meta:
                if operation == "Apply":
                    applied = server_side_apply(self._view, r, None, obj, manager, True, now)
                    meta["managedFields"] = applied["metadata"]["managedFields"]
                else:
                    meta["managedFields"] = record_update(self._view, r, None, obj, manager, now)
            if defaults:
                apply_defaults(obj)
            meta.setdefault("uid", str(uuid.uuid4()))
            meta.setdefault("creationTimestamp", now)
            meta["resourceVersion"] = self._next_rv()
            if r.kind in GENERATION_KINDS:
                meta.setdefault("generation", 1)
            self._write_store(self._key(r, ns, name), obj)
            return copy.deepcopy(obj)

    def get(self, api_version: str, kind: str, name: str, namespace: str | None = "default") -> JSON | None:
        """A copy of a stored object, or None."""
        r = catalog.find_kind(api_version, kind)
        if r is None:
            return None
        with self._lock:
            obj = self._store.get(self._key(r, namespace, name))
            return copy.deepcopy(obj) if obj is not None else None

    @property
    def objects(self) -> list[JSON]:
        with self._lock:
            return [copy.deepcopy(o) for o in self._store.values()]

    def inject(self, fault: Fault, *, kind: str | None = None, name: str | None = None,
               namespace: str | None = None, verbs: Iterable[str] | None = None, times: int | None = None) -> Rule:
        """Make matching resource requests (kind or plural, name, namespace, verbs such as patch/create/get)
        meet fault, in the order injected; times limits how often the rule fires."""
        rule = Rule(fault, kind, name, namespace, frozenset(verbs) if verbs is not None else None, times)
        with self._lock:
            self.rules.append(rule)
        return rule

    def set_status(self, api_version: str, kind: str, name: str, status: JSON | None,
                   namespace: str | None = "default") -> JSON:
        """Replace a stored object's status as its controller would (a new resourceVersion, a MODIFIED event)."""
        r = catalog.find_kind(api_version, kind)
        if r is None:
            raise ValueError(f"the double does not serve {api_version} {kind}")
        with self._lock:
            key = self._key(r, namespace, name)
            obj = copy.deepcopy(self._store.get(key))
            if obj is None:
                raise KeyError(f"no {kind} {namespace}/{name}")
            if status is None:
                obj.pop("status", None)
            else:
                obj["status"] = copy.deepcopy(status)
            obj["metadata"]["resourceVersion"] = self._next_rv()
            self._write_store(key, obj)
            return copy.deepcopy(obj)

    def remove(self, api_version: str, kind: str, name: str, namespace: str | None = "default") -> bool:
        """Delete a stored object as a controller would (a DELETED event); False if there was none."""
        r = catalog.find_kind(api_version, kind)
        if r is None:
            raise ValueError(f"the double does not serve {api_version} {kind}")
        return self._delete_store(self._key(r, namespace if r.namespaced else None, name)) is not None

    def event(self, involved: JSON, reason: str, message: str, *, type: str = "Warning",  # noqa: A002
              count: int = 1, age: float = 0.0, first_age: float | None = None, field_path: str | None = None,
              component: str = "kubelet", name: str | None = None) -> JSON:
        """Store a core/v1 Event about a stored object (involvedObject from its kind, name, namespace and uid),
        last seen `age` seconds ago, as the kubelet or a controller records one."""
        meta = involved.get("metadata", {})
        ref: JSON = {"kind": involved.get("kind"), "namespace": meta.get("namespace", "default"),
                     "name": meta.get("name"), "uid": meta.get("uid", ""), "apiVersion": involved.get("apiVersion"),
                     "resourceVersion": meta.get("resourceVersion", "")}
        if field_path:
            ref["fieldPath"] = field_path
        last = time.time() - age
        first = time.time() - (first_age if first_age is not None else age)
        stamp = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))  # noqa: E731
        ev = {"apiVersion": "v1", "kind": "Event",
              "metadata": {"name": name or f"{meta.get('name')}.{secrets.token_hex(8)}",
                           "namespace": meta.get("namespace", "default")},
              "involvedObject": ref, "reason": reason, "message": message, "type": type, "count": count,
              "firstTimestamp": stamp(first), "lastTimestamp": stamp(last),
              "source": {"component": component}, "reportingComponent": component, "reportingInstance": ""}
        return self.seed(ev, manager=None, defaults=False)

    def compact(self) -> int:
        """Forget the change history up to now (as etcd compaction): older watch versions get 410 Expired."""
        with self._lock:
            self._compacted_rv = self._rv
            self._continue_epoch += 1
            self._history.clear()
            return self._rv

    @property
    def resource_version(self) -> str:
        with self._lock:
            return str(self._rv)

    def write_kubeconfig(self, path: Path, *, namespace: str = "default", token: str | None = None,
                         context: str = "double", client_certificate: bool = False) -> Path:
        """A kubeconfig for this server (JSON, which kubeconfig loaders read as YAML); with client_certificate,
        the user authenticates with the CA-signed client certificate instead of the token."""
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": context, "cluster": {"server": self.url,
                                                       "certificate-authority": str(self.ca_file)}}],
            "users": [{"name": "double-user", "user": (
                {"client-certificate": str(self.workdir / "client.crt"), "client-key": str(self.workdir / "client.key")}
                if client_certificate else {"token": token if token is not None else self.token})}],
            "contexts": [{"name": context, "context": {"cluster": context, "user": "double-user",
                                                       "namespace": namespace}}],
            "current-context": context,
            "preferences": {},
        }
        path.write_text(json.dumps(config, indent=2))
        return path

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file))

    def request(self, method: str, path: str, body: Any = None, *, content_type: str = "application/json",
                token: str | None | bool = True, headers: dict[str, str] | None = None,
                timeout: float = 10.0) -> Reply:
        """Send one request (token=True: the double's token; None/False: none; a string: that one)."""
        host = urlsplit(self.url)
        conn = http.client.HTTPSConnection(host.hostname or "127.0.0.1", host.port, context=self.ssl_context(),
                                           timeout=timeout)
        data: bytes | None
        if body is None:
            data = None
        elif isinstance(body, bytes):
            data = body
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = json.dumps(body).encode()
        hdrs = {"Accept": "application/json", "User-Agent": "kube-lsp-tests/0"}
        if data is not None:
            hdrs["Content-Type"] = content_type
        bearer = self.token if token is True else token or None
        if bearer:
            hdrs["Authorization"] = f"Bearer {bearer}"
        hdrs.update(headers or {})
        try:
            conn.request(method, path, body=data, headers=hdrs)
            resp = conn.getresponse()
            return Reply(resp.status, resp.headers, resp.read().decode())
        finally:
            conn.close()

    # serving

    def _serve(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> Response:
        parts = urlsplit(raw_path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        clean = {k: v for k, v in headers.items() if k.lower() != "authorization"}
        record = RecordedRequest(method, parts.path, query, clean, body.decode("utf-8", "replace"))
        with self._lock:
            self.requests.append(record)
            if record.is_write and not record.dry_run:
                self.violations.append(record)
        self._local.warnings = []
        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        if auth != f"Bearer {self.token}" and not (self._local.client_user and not auth):
            resp = Response.of(401, status_body(401, "Unauthorized", "Unauthorized"))
        else:
            try:
                resp = self._route(method, parts.path, query, headers, body)
            except Exception as e:  # a bug in the double: answer like the API server would, and keep serving
                self.internal_errors.append(traceback.format_exc())
                resp = Response.of(500, status_body(500, "InternalError", f"Internal error occurred: {e!r}"))
        resp.headers.extend(warning_header(w) for w in self._local.warnings)
        record.status = resp.status
        return resp

    def _route(self, method: str, path: str, query: dict[str, str], headers: dict[str, str],
               body: bytes) -> Response:
        segs = [s for s in path.split("/") if s]
        if method in READ_METHODS:
            if path == "/version" or path == "/version/":
                if self.version_error is not None:
                    message = "the server is currently unable to handle the request"
                    return Response.of(self.version_error,
                                       status_body(self.version_error, "ServiceUnavailable", message))
                return Response.of(200, self.version_info or catalog.version_info())
            if path in ("/healthz", "/livez", "/readyz"):
                return Response(200, b"ok", "text/plain; charset=utf-8")
            if segs == ["api"]:
                return Response.of(200, catalog.api_versions(urlsplit(self.url).netloc))
            if segs == ["apis"]:
                return Response.of(200, catalog.api_group_list())
            if len(segs) == 2 and segs[0] == "apis":
                if segs[1] in catalog.GROUP_VERSIONS and segs[1]:
                    return Response.of(200, catalog.api_group(segs[1]))
                return no_such_resource()
            if segs[:2] == ["openapi", "v3"]:
                return self._openapi(segs[2:], query, headers)
        gv = self._group_version(segs)
        if gv is None:
            return no_such_resource()
        group, version, rest = gv
        if not rest:
            if method in READ_METHODS:
                return Response.of(200, catalog.api_resource_list(group, version))
            return no_such_resource()
        return self._resource_request(method, group, version, rest, query, headers, body)

    @staticmethod
    def _group_version(segs: list[str]) -> tuple[str, str, list[str]] | None:
        if len(segs) >= 2 and segs[0] == "api" and catalog.serves_group_version("", segs[1]):
            return "", segs[1], segs[2:]
        if len(segs) >= 3 and segs[0] == "apis" and catalog.serves_group_version(segs[1], segs[2]):
            return segs[1], segs[2], segs[3:]
        return None

    def _openapi(self, rest: list[str], query: dict[str, str], headers: dict[str, str]) -> Response:
        if not rest:
            return Response.of(200, catalog.openapi_index())
        key = "/".join(rest)
        match = None
        for group, versions in catalog.GROUP_VERSIONS.items():
            for version in versions:
                if catalog.gv_key(group, version) == key:
                    match = (group, version)
        if match is None:
            return no_such_resource()
        etag = catalog.openapi_hash(*match)
        wanted = query.get("hash")
        if wanted and wanted != etag:
            return Response(301, b"", "text/html; charset=utf-8",
                            [("Location", f"/openapi/v3/{key}?hash={etag}")])
        extra = [("Etag", f'"{etag}"'), ("Vary", "Accept")]
        if wanted:
            expires = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 365 * 86400))
            extra += [("Cache-Control", "public, immutable"), ("Expires", expires)]
        else:
            extra += [("Cache-Control", "no-cache, private")]
        inm = next((v for k, v in headers.items() if k.lower() == "if-none-match"), None)
        if inm == f'"{etag}"':
            return Response(304, b"", "application/json", extra)
        return Response(200, catalog.openapi_document(*match), "application/json", extra)

    # resources

    def _resource_request(self, method: str, group: str, version: str, rest: list[str], query: dict[str, str],
                          headers: dict[str, str], body: bytes) -> Response:
        namespace: str | None = None
        if len(rest) >= 3 and rest[0] == "namespaces":
            namespace, rest = rest[1], rest[2:]
        plural, name, sub = rest[0], (rest[1] if len(rest) > 1 else ""), (rest[2] if len(rest) > 2 else "")
        r = catalog.find_resource(group, version, plural)
        if r is None or len(rest) > 3 or (namespace is not None and not r.namespaced):
            return no_such_resource()
        if r.namespaced and namespace is None and (name or method not in READ_METHODS):
            return no_such_resource()
        if sub and (sub != "status" or not r.has_status):
            return no_such_resource()
        if r.deprecation:
            self._local.warnings.append(r.deprecation)
        verb = VERB_OF_METHOD.get(method, method.lower())
        if method in READ_METHODS and not name:
            verb = "watch" if query.get("watch", "").lower() in ("true", "1") else "list"
        if method == "DELETE" and not name:
            verb = "deletecollection"
        fault_name = name or self._body_name(body, headers)
        ctx = FaultContext(r, fault_name, namespace, verb, self)
        with self._lock:
            rules = [rule for rule in self.rules if rule.matches(ctx)]
            for rule in rules:
                rule.hits += 1
        for rule in rules:
            resp = rule.fault.respond(ctx)
            if resp is not None:
                return resp
        if verb not in r.verbs and not sub:
            return Response.of(405, status_body(405, "MethodNotAllowed",
                                                "the server does not allow this method on the requested resource"))
        if method in READ_METHODS:
            return self._read(r, namespace, name, query)
        bad_dry_run = self._check_dry_run(method, query)
        if bad_dry_run is not None:
            return bad_dry_run
        dry_run = query.get("dryRun") == "All"
        if method == "POST" and not name:
            return self._create(r, namespace, query, headers, body, dry_run)
        if method == "PATCH" and name:
            return self._patch(r, namespace, name, sub, query, headers, body, dry_run)
        if method == "PUT" and name:
            return self._put(r, namespace, name, sub, query, headers, body, dry_run)
        if method == "DELETE" and name and not sub:
            return self._delete(r, namespace, name, dry_run)
        return Response.of(405, status_body(405, "MethodNotAllowed",
                                            "the server does not allow this method on the requested resource"))

    @staticmethod
    def _body_name(body: bytes, headers: dict[str, str]) -> str:
        try:
            obj = _decode(body, _content_type(headers))
        except ValueError:
            return ""
        meta = obj.get("metadata") if isinstance(obj, dict) else None
        return str(meta.get("name") or "") if isinstance(meta, dict) else ""

    @staticmethod
    def _check_dry_run(method: str, query: dict[str, str]) -> Response | None:
        value = query.get("dryRun")
        if value is None or value == "All":
            return None
        options = {"POST": "CreateOptions", "PUT": "UpdateOptions", "PATCH": "PatchOptions",
                   "DELETE": "DeleteOptions"}.get(method, "CreateOptions")
        return invalid_options(options, [FieldError.not_supported("dryRun", value, ("All",))])

    def _read(self, r: Resource, namespace: str | None, name: str, query: dict[str, str]) -> Response:
        if name:
            with self._lock:
                obj = self._store.get(self._key(r, namespace, name))
                if obj is None:
                    return not_found(r, name)
                return Response.of(200, self._present(r, obj))
        try:
            labels = parse_label_selector(query.get("labelSelector", ""))
            fields = parse_field_selector(query.get("fieldSelector", ""), r.kind)
        except SelectorError as e:
            what = f'"{r.group_version if r.group else "/" + r.version}, Resource={r.plural}"'
            return bad_request(f'Unable to find {what} that match label selector "{query.get("labelSelector", "")}",'
                               f' field selector "{query.get("fieldSelector", "")}": {e}')
        if query.get("watch", "").lower() in ("true", "1"):
            return self._watch(r, namespace, labels, fields, query)
        return self._list(r, namespace, labels, fields, query)

    def _list(self, r: Resource, namespace: str | None, labels: list[LabelRequirement],
              fields: list[FieldRequirement], query: dict[str, str]) -> Response:
        """A LIST, in pages as the API documents them: `limit` caps the items of a page (a page may hold fewer,
        `page_size` caps it further, as a server is allowed to); `metadata.continue` names the next page, which
        `continue=<token>` reads from the same resourceVersion as the first (a consistent snapshot);
        `remainingItemCount` when no selector filters. A token from before a compaction is 410 Expired."""
        try:
            limit = int(query.get("limit") or 0)
        except ValueError:
            return bad_request(f"invalid limit {query.get('limit')!r}")
        token = query.get("continue", "")
        with self._lock:
            if token:
                try:
                    decoded = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
                    rv, start, epoch = int(decoded["rv"]), str(decoded["start"]), int(decoded["epoch"])
                except (binascii.Error, ValueError, KeyError, TypeError):
                    return bad_request(f"continue key is not valid: {token!r}")
                if epoch != self._continue_epoch or rv < self._compacted_rv:
                    newer = self._token(self._rv, start)
                    status = status_body(410, "Expired", "The provided continue parameter is too old to display a "
                                         "consistent list result. You can start a new list without the continue "
                                         "parameter, or use the continue token in this response to retrieve the "
                                         "remainder of the results. Continuing with the provided token results in an "
                                         "inconsistent list - objects that were created, modified, or deleted "
                                         "between the time the first chunk was returned and now may show up in the "
                                         "list.")
                    status["metadata"] = {"continue": newer}
                    return Response.of(410, status)
                store = self._store_at(rv)
            else:
                rv, start, store = self._rv, "", dict(self._store)
            self.lists_served += 1
            matching = [(key, obj) for key, obj in sorted(store.items())
                        if "\x00".join(key) > start and self._selected(r, namespace, labels, fields, key, obj)]
        size = min(limit, self.page_size) if limit > 0 and self.page_size else (limit or self.page_size or 0)
        page, rest = (matching[:size], matching[size:]) if size > 0 else (matching, [])
        items = []
        for _key, obj in page:
            item = self._present(r, obj)
            if r.group != catalog.CRD_GROUP:
                item.pop("apiVersion", None)
                item.pop("kind", None)
            items.append(item)
        meta: JSON = {"resourceVersion": str(rv)}
        if rest:
            meta["continue"] = self._token(rv, "\x00".join(page[-1][0]) if page else start)
            if not labels and not fields:
                meta["remainingItemCount"] = len(rest)
        return Response.of(200, {"kind": f"{r.kind}List", "apiVersion": r.group_version, "metadata": meta,
                                 "items": items})

    def _token(self, rv: int, start: str) -> str:
        data = {"v": "meta.k8s.io/v1", "rv": rv, "start": start, "epoch": self._continue_epoch}
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")  # as RawURLEncoding

    def _store_at(self, rv: int) -> dict[StoreKey, JSON]:
        """The store as it was at resourceVersion `rv` (the history after it undone)."""
        store = dict(self._store)
        for h_rv, kind, key, _obj, previous in reversed(self._history):
            if h_rv <= rv:
                break
            if kind == "ADDED" or previous is None:
                store.pop(key, None)
            else:
                store[key] = previous
        return store

    def _selected(self, r: Resource, namespace: str | None, labels: list[LabelRequirement],
                  fields: list[FieldRequirement], key: StoreKey, obj: JSON | None) -> bool:
        if obj is None or key[0] != r.group or key[2] != r.plural or (namespace is not None and key[3] != namespace):
            return False
        return labels_match(labels, obj) and fields_match(fields, obj, r.kind)

    def _watch(self, r: Resource, namespace: str | None, labels: list[LabelRequirement],
               fields: list[FieldRequirement], query: dict[str, str]) -> Response:
        """`?watch=true`: a stream of JSON lines {"type", "object"} (ADDED, MODIFIED, DELETED, BOOKMARK, ERROR).

        From `resourceVersion` (exclusive) when given and not "0"; otherwise the current objects first as
        synthetic ADDED events ("Get State and Start at Most Recent"). `sendInitialEvents=true` also ends the
        initial events with a BOOKMARK annotated `k8s.io/initial-events-end: "true"`. `allowWatchBookmarks=true`
        sends BOOKMARKs (only metadata.resourceVersion) now and then; `timeoutSeconds` ends the stream.
        """
        rv_text = query.get("resourceVersion", "")
        bookmarks = query.get("allowWatchBookmarks", "").lower() in ("true", "1")
        initial_flag = query.get("sendInitialEvents", "").lower()
        if initial_flag == "true" and (query.get("resourceVersionMatch") != "NotOlderThan" or not bookmarks):
            return invalid_options("ListOptions", [FieldError(
                "FieldValueForbidden", "sendInitialEvents", "Forbidden: sendInitialEvents requires setting "
                "resourceVersionMatch to NotOlderThan and allowWatchBookmarks to true")])
        try:
            since = int(rv_text) if rv_text not in ("", "0") else None
        except ValueError:
            return Response.of(400, status_body(400, "BadRequest", f'invalid resource version "{rv_text}"'))
        try:
            timeout = float(query.get("timeoutSeconds") or 1800)
        except ValueError:
            return bad_request(f"invalid timeoutSeconds {query.get('timeoutSeconds')!r}")
        with self._lock:
            epoch = self._epoch
            expired = since is not None and since < self._compacted_rv
            initial: list[JSON] = []
            if since is None or initial_flag == "true":
                initial = [self._present(r, o) for k, o in sorted(self._store.items())
                           if self._selected(r, namespace, labels, fields, k, o)]
                start = self._rv
            else:
                start = since
            if since is not None and since > self._rv:
                start = self._rv  # a future version: the real server waits for it; the double starts now

        def line(kind: str, obj: JSON) -> bytes:
            return json.dumps({"type": kind, "object": obj}, separators=(",", ":")).encode() + b"\n"

        def bookmark(rv: int, initial_end: bool = False) -> bytes:
            meta: JSON = {"resourceVersion": str(rv)}
            if initial_end:
                meta["annotations"] = {"k8s.io/initial-events-end": "true"}
            return line("BOOKMARK", {"kind": r.kind, "apiVersion": r.group_version, "metadata": meta})

        def events() -> Iterator[bytes]:
            with self._lock:
                self.watches_open += 1
            try:
                if expired:
                    status = status_body(410, "Expired", f"too old resource version: {since} ({self._compacted_rv})")
                    yield line("ERROR", status)
                    return
                for obj in initial:
                    yield line("ADDED", obj)
                if initial_flag == "true":
                    yield bookmark(start, initial_end=True)
                deadline = time.monotonic() + timeout
                next_bookmark = time.monotonic() + self.bookmark_interval
                seen = start
                while not self._stopping.is_set():
                    out: list[bytes] = []
                    with self._changed:
                        if self._epoch != epoch:
                            return
                        pending = [h for h in self._history if h[0] > seen]
                        if not pending:
                            wait = min(deadline, next_bookmark if bookmarks else deadline) - time.monotonic()
                            self._changed.wait(max(0.0, min(wait, 0.2)))
                            pending = [h for h in self._history if h[0] > seen]
                        current_rv = self._rv
                    for rv, kind, key, obj, previous in pending:
                        seen = max(seen, rv)
                        now_in = self._selected(r, namespace, labels, fields, key, obj)
                        was_in = previous is not None and self._selected(r, namespace, labels, fields, key, previous)
                        if kind == "DELETED":
                            if was_in:
                                out.append(line("DELETED", self._present(r, obj)))
                        elif now_in and (was_in or kind == "MODIFIED" and previous is None):
                            out.append(line("MODIFIED", self._present(r, obj)))
                        elif now_in:
                            out.append(line("ADDED", self._present(r, obj)))
                        elif was_in:  # no longer selected: the watch sees it go away
                            out.append(line("DELETED", self._present(r, obj)))
                    yield from out
                    now = time.monotonic()
                    if now >= deadline:
                        return
                    if bookmarks and now >= next_bookmark:
                        yield bookmark(max(seen, current_rv))
                        next_bookmark = now + self.bookmark_interval
            finally:
                with self._lock:
                    self.watches_open -= 1

        return Response(200, b"", "application/json", stream=events())

    @staticmethod
    def _present(r: Resource, obj: JSON) -> JSON:
        out = copy.deepcopy(obj)
        out["apiVersion"] = r.group_version
        out["kind"] = r.kind
        return out

    def _manager(self, query: dict[str, str], headers: dict[str, str]) -> str:
        if query.get("fieldManager"):
            return query["fieldManager"]
        agent = next((v for k, v in headers.items() if k.lower() == "user-agent"), "unknown")
        return agent.split("/", 1)[0] or "unknown"

    def _decode_typed(self, r: Resource, obj: JSON, query: dict[str, str]) -> tuple[Response | None, JSON]:
        """Decode like the API server decodes a JSON/YAML body into the Go type (POST, PUT, non-apply patches):
        type errors are 400 (422 for custom resources), unknown fields follow fieldValidation."""
        schema = self._view.kind_schema(r)
        issues = check_types(self._view, obj, schema)
        type_issues = [i for i in issues if i.kind == "type"]
        prefix = f'{r.kind} in version "{r.version}" cannot be handled as a {r.kind}'
        if type_issues:
            if r.group == catalog.CRD_GROUP:
                errs = [FieldError("FieldValueTypeInvalid", field_path(i.segs),
                                   f"Invalid value: {json.dumps(_openapi_type(i.value))}: {field_path(i.segs)} in "
                                   f"body must be of type {i.schema.get('type')}: {json.dumps(_openapi_type(i.value))}")
                        for i in type_issues]
                return invalid_object(r, str(obj.get("metadata", {}).get("name", "")), errs), obj
            return bad_request(f"{prefix}: {type_issues[0].go_message()}"), obj
        unknown = [f'unknown field "{field_path(i.segs)}"' for i in issues if i.kind == "unknown"]
        directive = query.get("fieldValidation", "Warn")
        if unknown and directive == "Strict":
            return bad_request(f"{prefix}: strict decoding error: {', '.join(unknown)}"), obj
        if unknown and directive == "Warn":
            self._local.warnings.extend(unknown)
        return None, prune(self._view, obj, schema)

    def _finish(self, r: Resource, namespace: str | None, name: str, live: JSON | None, new: JSON,
                dry_run: bool, created_code: int = 201) -> Response:
        """Default, validate and (unless dry-run) store new; answer with the object as stored."""
        meta = new.setdefault("metadata", {})
        meta["name"] = name
        if r.namespaced:
            meta["namespace"] = namespace
        else:
            meta.pop("namespace", None)
        if live is None:
            new.pop("status", None)
        elif "status" in live:
            new["status"] = copy.deepcopy(live["status"])
        else:
            new.pop("status", None)
        with self._lock:
            service_ip = f"10.96.{random.randint(1, 254)}.{random.randint(1, 254)}"
            apply_defaults(new, service_ip)
            errors = validate(self._view, r, new)
            if errors:
                return invalid_object(r, name, errors)
            now = now_rfc3339()
            if live is None:
                meta["uid"] = str(uuid.uuid4())
                meta["creationTimestamp"] = now
                if r.kind in GENERATION_KINDS:
                    meta["generation"] = 1
            else:
                lmeta = live.get("metadata", {})
                for k in ("uid", "creationTimestamp", "generation"):
                    if k in lmeta:
                        meta[k] = lmeta[k]
                    else:
                        meta.pop(k, None)
                if r.kind in GENERATION_KINDS and _spec_changed(r, live, new):
                    meta["generation"] = int(lmeta.get("generation", 1)) + 1
            for k in ("selfLink", "deletionTimestamp"):
                meta.pop(k, None)
            if dry_run:
                if live is None:
                    meta.pop("resourceVersion", None)
                else:
                    meta["resourceVersion"] = live["metadata"].get("resourceVersion", "")
            else:
                meta["resourceVersion"] = self._next_rv()
                self._write_store(self._key(r, namespace, name), copy.deepcopy(new))
        return Response.of(created_code if live is None else 200, self._present(r, new))

    def _namespace_missing(self, r: Resource, namespace: str | None) -> Response | None:
        if not r.namespaced or not namespace:
            return None
        with self._lock:
            if self._store.get(self._key(NAMESPACES, None, namespace)) is None:
                return not_found(NAMESPACES, namespace)
        return None

    def _create(self, r: Resource, namespace: str | None, query: dict[str, str], headers: dict[str, str],
                body: bytes, dry_run: bool) -> Response:
        try:
            obj = _decode(body, _content_type(headers))
        except ValueError as e:
            return bad_request(str(e))
        if not isinstance(obj, dict):
            return bad_request("Object 'Kind' is missing in the request body")
        obj = strip_nulls(obj)
        if obj.get("apiVersion", r.group_version) != r.group_version:
            return bad_request(f"the API version in the data ({obj.get('apiVersion')}) does not match the expected "
                               f"API version ({r.group_version})")
        obj["apiVersion"], obj["kind"] = r.group_version, r.kind
        error, obj = self._decode_typed(r, obj, query)
        if error:
            return error
        meta = obj.setdefault("metadata", {})
        if r.namespaced and meta.get("namespace") not in (None, "", namespace):
            return bad_request("the namespace of the provided object does not match the namespace sent on the request")
        name = meta.get("name") or ""
        if not name and meta.get("generateName"):
            name = str(meta["generateName"]) + "".join(random.choices("bcdfghjklmnpqrstvwxz2456789", k=5))
        if not name:
            return invalid_object(r, "", [FieldError.required("metadata.name", "name or generateName is required")])
        missing = self._namespace_missing(r, namespace)
        if missing:
            return missing
        with self._lock:
            if self._store.get(self._key(r, namespace, name)) is not None:
                return already_exists(r, name)
        manager = self._manager(query, headers)
        meta.pop("managedFields", None)
        obj["metadata"]["managedFields"] = record_update(self._view, r, None, obj, manager, now_rfc3339())
        return self._finish(r, namespace, name, None, obj, dry_run)

    def _patch(self, r: Resource, namespace: str | None, name: str, sub: str, query: dict[str, str],
               headers: dict[str, str], body: bytes, dry_run: bool) -> Response:
        ctype = _content_type(headers)
        with self._lock:
            live = copy.deepcopy(self._store.get(self._key(r, namespace, name)))
        if ctype == APPLY_PATCH:
            return self._apply(r, namespace, name, sub, query, body, live, dry_run)
        if ctype not in (MERGE_PATCH, STRATEGIC_PATCH, JSON_PATCH):
            return Response.of(415, status_body(415, "UnsupportedMediaType",
                                                f"the body of the request was in an unknown format - accepted media "
                                                f"types include: {JSON_PATCH}, {MERGE_PATCH}, {APPLY_PATCH}, "
                                                f"{STRATEGIC_PATCH}"))
        if live is None:
            return not_found(r, name)
        try:
            patch = json.loads(body or b"null")
        except ValueError as e:
            return bad_request(f"error decoding patch: {e}")
        current = self._present(r, live)
        try:
            if ctype == JSON_PATCH:
                if not isinstance(patch, list):
                    return bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
                new = json_patch(current, patch)
            elif ctype == MERGE_PATCH:
                new = merge_patch(current, patch)
            else:
                new = strategic_merge(self._view, current, patch, self._view.kind_schema(r))
        except (ValueError, KeyError, IndexError, TypeError) as e:
            return Response.of(422, status_body(422, "Invalid", str(e)))
        return self._write_update(r, namespace, name, sub, query, headers, live, new, dry_run)

    def _put(self, r: Resource, namespace: str | None, name: str, sub: str, query: dict[str, str],
             headers: dict[str, str], body: bytes, dry_run: bool) -> Response:
        try:
            new = _decode(body, _content_type(headers))
        except ValueError as e:
            return bad_request(str(e))
        if not isinstance(new, dict):
            return bad_request("Object 'Kind' is missing in the request body")
        with self._lock:
            live = copy.deepcopy(self._store.get(self._key(r, namespace, name)))
        if live is None:
            return not_found(r, name)
        want_rv = (new.get("metadata") or {}).get("resourceVersion")
        if want_rv and want_rv != live["metadata"].get("resourceVersion"):
            return Response.of(409, status_body(
                409, "Conflict", f'Operation cannot be fulfilled on {r.qualified} "{name}": the object has been '
                "modified; please apply your changes to the latest version and try again",
                resource_details(r, name)))
        return self._write_update(r, namespace, name, sub, query, headers, live, strip_nulls(new), dry_run)

    def _write_update(self, r: Resource, namespace: str | None, name: str, sub: str, query: dict[str, str],
                      headers: dict[str, str], live: JSON, new: JSON, dry_run: bool) -> Response:
        if (new.get("metadata") or {}).get("name", name) != name:
            return bad_request(f"the name of the object ({new['metadata']['name']}) does not match the name on the "
                               f"URL ({name})")
        new["apiVersion"], new["kind"] = r.group_version, r.kind
        error, new = self._decode_typed(r, new, query)
        if error:
            return error
        if sub == "status":
            merged = copy.deepcopy(live)
            merged["status"] = new.get("status", {})
            live_for_finish = copy.deepcopy(live)
            live_for_finish["status"] = merged["status"]
            new, live_effective = merged, live_for_finish
        else:
            live_effective = live
        new.setdefault("metadata", {})["managedFields"] = record_update(
            self._view, r, live, new, self._manager(query, headers), now_rfc3339(), subresource=sub)
        return self._finish(r, namespace, name, live_effective, new, dry_run)

    def _apply(self, r: Resource, namespace: str | None, name: str, sub: str, query: dict[str, str], body: bytes,
               live: JSON | None, dry_run: bool) -> Response:
        manager = query.get("fieldManager", "")
        if not manager:
            return invalid_options("PatchOptions", [FieldError.required("fieldManager", "is required for apply patch")])
        try:
            applied = _decode(body, "application/yaml")
        except ValueError as e:
            return bad_request(f"error decoding YAML: {e}")
        if not isinstance(applied, dict):
            return bad_request("error decoding YAML: the patch is not an object")
        applied = strip_nulls(applied)
        if applied.get("apiVersion") != r.group_version:
            return bad_request(f"Incorrect version specified in apply patch. Specified patch version: "
                               f"{applied.get('apiVersion', '')}, expected: {r.group_version}")
        if applied.get("kind") != r.kind:
            return bad_request(f"Incorrect kind specified in apply patch. Specified patch kind: "
                               f"{applied.get('kind', '')}, expected: {r.kind}")
        meta = applied.get("metadata") if isinstance(applied.get("metadata"), dict) else {}
        if meta.get("name", name) != name:
            return bad_request(f"the name of the object ({meta['name']}) does not match the name on the URL ({name})")
        if r.namespaced and meta.get("namespace") not in (None, "", namespace):
            return bad_request("the namespace of the provided object does not match the namespace sent on the request")
        schema = self._view.kind_schema(r)
        issues = [i for i in check_types(self._view, _without_status(applied), schema)
                  if not (i.segs and i.segs[0].name == "metadata" and len(i.segs) == 2
                          and i.segs[1].name in ("managedFields",))]
        if issues:
            where = f"{namespace or ''}/{name}; {r.group_version}, Kind={r.kind}"
            lines = [i.smd_message() for i in issues]
            text = lines[0] if len(lines) == 1 else "errors:\n" + "\n".join(f"  {line}" for line in lines)
            return Response.of(500, status_body(500, "", f"failed to create typed patch object ({where}): {text}"))
        if live is None:
            missing = self._namespace_missing(r, namespace)
            if missing:
                return missing
        if sub == "status":
            if live is None:
                return not_found(r, name)
        force = query.get("force", "false").lower() == "true"
        try:
            merged = server_side_apply(self._view, r, live, applied, manager, force, now_rfc3339())
        except ApplyConflict as c:
            return apply_conflict([(e, display_path(p)) for e, p in c.conflicts])
        if sub == "status" and live is not None:
            status = merged.get("status", live.get("status"))
            merged = copy.deepcopy(live)
            merged["status"] = status
        return self._finish(r, namespace, name, live, merged, dry_run)

    def _delete(self, r: Resource, namespace: str | None, name: str, dry_run: bool) -> Response:
        with self._lock:
            key = self._key(r, namespace, name)
            live = self._store.get(key)
            if live is None:
                return not_found(r, name)
            if not dry_run:
                self._delete_store(key)
        details = resource_details(r, name)
        details["uid"] = live["metadata"].get("uid", "")
        return Response.of(200, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                                 "details": details})


# --- helpers ---------------------------------------------------------------------------------------------------------


def _content_type(headers: dict[str, str]) -> str:
    value = next((v for k, v in headers.items() if k.lower() == "content-type"), "application/json")
    return value.split(";", 1)[0].strip().lower()


def _decode(body: bytes, content_type: str) -> Any:
    if not body:
        raise ValueError("the request body is empty")
    if content_type in ("application/json", MERGE_PATCH, STRATEGIC_PATCH, JSON_PATCH):
        try:
            return json.loads(body)
        except ValueError as e:
            raise ValueError(f"couldn't get version/kind; json parse error: {e}") from e
    try:
        return YAML(typ="safe", pure=True).load(body.decode())  # one per request: a YAML is not thread-safe
    except (YAMLError, UnicodeDecodeError) as e:
        raise ValueError(str(e)) from e


def _without_status(obj: JSON) -> JSON:
    return {k: v for k, v in obj.items() if k != "status"}


def _openapi_type(v: Any) -> str:
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def _spec_changed(r: Resource, live: JSON, new: JSON) -> bool:
    if r.group == catalog.CRD_GROUP:
        skip = ("metadata", "status", "apiVersion", "kind")
        return {k: v for k, v in live.items() if k not in skip} != {k: v for k, v in new.items() if k not in skip}
    return live.get("spec") != new.get("spec")


__all__ = [
    "ApiServerDouble",
    "Conflict",
    "DecodeError",
    "Fault",
    "FaultContext",
    "Forbidden",
    "RecordedRequest",
    "Reply",
    "Response",
    "Rule",
    "Slow",
    "StatusFault",
    "Warn",
    "WebhookDenied",
    "make_certificates",
    "status_body",
]
