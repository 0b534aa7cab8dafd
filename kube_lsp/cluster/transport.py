"""The one way a request leaves kube-lsp for a cluster — and it never mutates one.

`ClusterTransport.send` is the only function that sends requests to an API server. It refuses any
request other than GET unless it carries `dryRun=All`, so nothing kube-lsp does can change a cluster.
This is also the only module that imports the official `kubernetes` client (a test checks both).
Tokens and client keys stay inside the client's configuration: they are never logged or returned.
"""

from __future__ import annotations

import json
import logging
import os
import re
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

log = logging.getLogger(__name__)

READ_ONLY_METHODS: Final = frozenset({"GET"})
DEFAULT_CONNECT_TIMEOUT: Final = 5.0
DEFAULT_READ_TIMEOUT: Final = 30.0


class UnsafeRequestError(RuntimeError):
    """A request that could change the cluster (not GET, no dryRun=All): refused, never sent."""


class ClusterUnreachableError(RuntimeError):
    """The API server could not be reached (DNS, refused connection, TLS failure, timeout)."""


class ClusterConfigError(RuntimeError):
    """No usable kubeconfig or context."""


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    warnings: tuple[str, ...] = ()
    # A watch (send(..., stream=True) answered 200): its lines as they arrive; the body is then empty.
    stream: LineStream | None = None

    def json(self) -> Any:
        return json.loads(self.body or b"null")


class LineStream:
    """The lines of a streamed answer (a watch: one JSON object per line), read as they arrive.

    `close()` may be called from another thread: it ends a read that is waiting for the next line.
    """

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self.closed = False

    def _chunks(self) -> Iterator[bytes]:
        """The bytes as they arrive: `read1` returns whatever is there (chunked or not; a server may also
        stream without chunked encoding until it closes); older urllib3 streams chunk by chunk."""
        read1 = getattr(type(self._raw), "read1", None)
        if read1 is None:
            yield from self._raw.stream(None, decode_content=True)
            return
        while True:
            data = self._raw.read1(65536)
            if not data:
                return
            yield data

    def __iter__(self) -> Iterator[bytes]:
        buffer = b""
        try:
            for chunk in self._chunks():
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    if line.strip():
                        yield line
        except Exception as exc:  # noqa: BLE001 - urllib3 read errors, or close() from another thread
            if not self.closed:
                raise ClusterUnreachableError(f"the watch stream broke: {type(exc).__name__}: {exc}") from None
        if buffer.strip() and not self.closed:
            yield buffer

    def close(self) -> None:
        self.closed = True
        try:
            self._raw.shutdown()  # urllib3 >= 2.3: unblocks a read in another thread
        except Exception:  # noqa: BLE001
            pass
        try:
            self._raw.close()
        except Exception:  # noqa: BLE001
            pass


@dataclass(frozen=True, slots=True)
class ClusterInfo:
    """What the user sees of the chosen cluster (no credentials)."""

    context: str
    server: str
    namespace: str
    user: str = ""


def is_dry_run(method: str, query: Sequence[tuple[str, str]]) -> bool:
    return method.upper() in READ_ONLY_METHODS or ("dryRun", "All") in query


# RFC 7234 warning-value: code SP agent SP quoted-text [SP quoted-date]; several may share one header.
_WARNING_RE: Final = re.compile(r'\s*(\d{3})\s+\S+\s+"((?:[^"\\]|\\.)*)"(?:\s+"[^"]*")?\s*(?:,|$)')


def parse_warnings(values: Sequence[str]) -> tuple[str, ...]:
    """`Warning: 299 - "text"` header values (each may hold several) → the texts, unescaped."""
    out = []
    for value in values:
        pos = 0
        while pos < len(value):
            m = _WARNING_RE.match(value, pos)
            if m is None:
                out.append(value[pos:].strip())  # not RFC 7234: keep the text as it is
                break
            out.append(re.sub(r"\\(.)", r"\1", m.group(2)))
            pos = m.end()
    return tuple(t for t in out if t)


@dataclass
class ClusterTransport:
    """Sends requests through the official client's configured ApiClient (all its auth methods)."""

    api_client: Any
    info: ClusterInfo
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = DEFAULT_READ_TIMEOUT
    sent: list[tuple[str, str]] = field(default_factory=list)

    def send(
        self,
        method: str,
        path: str,
        *,
        query: Sequence[tuple[str, str]] = (),
        body: Any = None,
        content_type: str | None = None,
        accept: str = "application/json",
        stream: bool = False,
        read_timeout: float | None = None,
    ) -> Response:
        """Send one request. Anything but GET must carry dryRun=All, or it is refused here.

        `body` is a JSON-serialisable object, sent as JSON (which is also YAML, for apply patches).
        `stream=True` (GET only: a watch) returns as soon as the headers arrive; a 200 answer's lines are then
        read from `Response.stream`. `read_timeout` overrides the transport's for this request.
        """
        method = method.upper()
        query = list(query)
        if not is_dry_run(method, query):
            raise UnsafeRequestError(f"refusing {method} {path} without dryRun=All: kube-lsp never changes a cluster")
        if stream and method != "GET":
            raise UnsafeRequestError(f"refusing to stream {method} {path}: only watches (GET) are streamed")
        headers = {"Accept": accept, "User-Agent": "kube-lsp"}
        if content_type:
            headers["Content-Type"] = content_type
        from kubernetes.client.exceptions import ApiException  # only this module imports the client

        if body is not None and not (content_type or "application/json").endswith("json"):
            body = json.dumps(body)  # the client sends strings as they are, and JSON-encodes objects only for JSON
        try:
            serialized = self.api_client.param_serialize(
                method=method, resource_path=path, query_params=query, header_params=headers, body=body,
                auth_settings=["BearerToken"],
            )
            self.sent.append((method, path))
            log.debug("%s %s %s", method, path, "&".join(f"{k}={v}" for k, v in query))
            timeout = (self.connect_timeout, read_timeout if read_timeout is not None else self.read_timeout)
            raw = self.api_client.call_api(*serialized, _request_timeout=timeout)
            header_items = list((raw.getheaders() or {}).items())
            if stream and raw.status == 200:
                return Response(raw.status, dict(header_items), b"", stream=LineStream(raw.response))
            data = raw.read() or b""
        except ApiException as exc:  # TLS failures and unsendable requests arrive here with status 0
            raise ClusterUnreachableError(_describe_failure(self.info.server, str(exc.reason or exc))) from None
        except Exception as exc:  # noqa: BLE001 - urllib3 connection and timeout errors
            raise ClusterUnreachableError(_describe_failure(self.info.server, f"{type(exc).__name__}: {exc}")) from None
        warnings = [v for k, v in header_items if k.lower() == "warning"]
        return Response(raw.status, dict(header_items), data if isinstance(data, bytes) else str(data).encode(),
                        parse_warnings(warnings))


def _describe_failure(server: str, detail: str) -> str:
    low = detail.lower()
    if "ssl" in low or "certificate" in low:
        reason = "TLS failure (the server certificate is not trusted for this address)"
    elif "timed out" in low or "timeout" in low:
        reason = "timed out"
    elif "refused" in low or "newconnectionerror" in low or "name or service" in low:
        reason = "connection refused or host unknown"
    else:
        reason = "request failed"
    return f"cannot reach the cluster at {server}: {reason} ({detail.splitlines()[0][:200]})"


def check_kubeconfig(kubeconfig: str | None = None) -> None:
    """Refuse a kubeconfig that is not a regular file (a FIFO or a device would block the reader forever).

    Checks `kubeconfig`, else each file of $KUBECONFIG, else ~/.kube/config; a missing file is left to the
    client to report.
    """
    if kubeconfig:
        paths = [kubeconfig]
    elif os.environ.get("KUBECONFIG"):
        paths = [p for p in os.environ["KUBECONFIG"].split(os.pathsep) if p]
    else:
        paths = [os.path.join(os.path.expanduser("~"), ".kube", "config")]
    for path in paths:
        try:
            mode = os.stat(os.path.expanduser(path)).st_mode
        except OSError:
            continue
        if not stat.S_ISREG(mode):
            raise ClusterConfigError(f"kubeconfig {path} is not a regular file")


def connect(kubeconfig: str | None = None, context: str | None = None, *,
            connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
            read_timeout: float = DEFAULT_READ_TIMEOUT) -> ClusterTransport:
    """A transport for a kubeconfig context (default: $KUBECONFIG or ~/.kube/config, current context).

    Callers pass only user-level choices here (command-line flags, user settings); files inside a
    workspace can never choose the kubeconfig or the context.
    """
    from kubernetes import config
    from kubernetes.client import Configuration
    from kubernetes.config.config_exception import ConfigException
    from urllib3.util import Retry

    check_kubeconfig(kubeconfig)
    try:
        contexts, current = config.list_kube_config_contexts(config_file=kubeconfig)
        chosen = next((c for c in contexts if c["name"] == context), None) if context else current
        if chosen is None:
            names = ", ".join(sorted(c["name"] for c in contexts)) or "none"
            raise ClusterConfigError(f"no context named {context!r} in the kubeconfig (contexts: {names})")
        settings = Configuration()
        # The configured timeouts are the whole wait: urllib3 would otherwise retry a failed connection
        # three times, so an unreachable cluster took four connect timeouts to report.
        settings.retries = Retry(total=0, redirect=False)
        api_client = config.new_client_from_config(config_file=kubeconfig, context=chosen["name"],
                                                   persist_config=False, client_configuration=settings)
    except ConfigException as exc:
        raise ClusterConfigError(f"cannot load the kubeconfig: {exc}") from None
    except OSError as exc:
        raise ClusterConfigError(f"cannot read the kubeconfig: {exc}") from None
    ctx = chosen.get("context") or {}
    info = ClusterInfo(
        context=chosen["name"],
        server=str(api_client.configuration.host),
        namespace=str(ctx.get("namespace") or "default"),
        user=str(ctx.get("user") or ""),
    )
    return ClusterTransport(api_client, info, connect_timeout, read_timeout)


def list_contexts(kubeconfig: str | None = None) -> tuple[list[str], str | None]:
    """The kubeconfig's context names and the current one."""
    from kubernetes import config
    from kubernetes.config.config_exception import ConfigException

    check_kubeconfig(kubeconfig)
    try:
        contexts, current = config.list_kube_config_contexts(config_file=kubeconfig)
    except (ConfigException, OSError) as exc:
        raise ClusterConfigError(f"cannot load the kubeconfig: {exc}") from None
    return sorted(c["name"] for c in contexts), (current or {}).get("name")
