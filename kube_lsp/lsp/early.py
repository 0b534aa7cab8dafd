"""Answer `initialize` before the language server's libraries are loaded.

Importing lsprotocol (and pygls with it) costs ~0.3 s of CPU, two thirds of a cold start, and pygls needs
it before it can read the first message. Over stdio, `kube-lsp serve` therefore reads the client's
`initialize` request itself (the standard library only), answers it with the capabilities the server
registers (`CAPABILITIES`, kept equal to what pygls computes by tests/lsp/test_early.py), and only then
loads the server. The server is handed the same bytes again, so it sees `initialize` as it always has
and sets itself up from it; its own answer to that request is dropped (and compared with the early one:
a difference is logged). Anything other than a plain `initialize` request first goes to the server
untouched. This module must not import anything outside the standard library at module level.
"""

from __future__ import annotations

import json
import logging
from typing import Any, BinaryIO, Final

from kube_lsp import __version__

log = logging.getLogger("kube_lsp.server")

MAX_HEADER_BYTES: Final = 8192
MAX_BODY_BYTES: Final = 1 << 20
ENCODINGS: Final = ("utf-8", "utf-16", "utf-32")

# What pygls answers for the features kube_lsp/lsp/server.py registers, without `positionEncoding`
# (chosen per client). tests/lsp/test_early.py fails, with the new value, when they differ.
CAPABILITIES: Final[dict[str, Any]] = {
    "textDocumentSync": {"openClose": True, "change": 2, "save": True},
    "completionProvider": {"triggerCharacters": [":", " ", "-", "\n"]},
    "hoverProvider": True,
    "definitionProvider": True,
    "referencesProvider": True,
    "documentSymbolProvider": True,
    "codeActionProvider": {"codeActionKinds": ["quickfix", "source"]},
    "codeLensProvider": {"resolveProvider": False},
    "workspaceSymbolProvider": {"resolveProvider": False},
    "renameProvider": {"prepareProvider": True},
    "foldingRangeProvider": True,
    "executeCommandProvider": {"commands": ["kube-lsp.dryRun", "kube-lsp.diff", "kube-lsp.diffAll",
                                            "kube-lsp.selectContext", "kube-lsp.resources",
                                            "kube-lsp.migrateApiVersion", "kube-lsp.liveRefresh",
                                            "kube-lsp.setKubeVersion", "kube-lsp.status"]},
    "workspace": {"workspaceFolders": {"supported": True, "changeNotifications": True}, "fileOperations": {}},
}


def position_encoding(params: dict[str, Any]) -> str:
    """The client's first supported preference, else UTF-16 (as pygls chooses)."""
    general = (params.get("capabilities") or {}).get("general")
    encodings = general.get("positionEncodings") if isinstance(general, dict) else None
    for enc in encodings if isinstance(encodings, list) else ():
        if enc in ENCODINGS:
            return str(enc)
    return "utf-16"


def initialize_result(params: dict[str, Any]) -> dict[str, Any]:
    caps: dict[str, Any] = {"positionEncoding": position_encoding(params), **CAPABILITIES}
    text_document = (params.get("capabilities") or {}).get("textDocument")
    rename = text_document.get("rename") if isinstance(text_document, dict) else None
    if not (isinstance(rename, dict) and rename.get("prepareSupport")):
        caps["renameProvider"] = True  # pygls: RenameOptions only for clients with prepareSupport
    sync = text_document.get("synchronization") if isinstance(text_document, dict) else None
    if isinstance(sync, dict):
        # pygls says `false` for will-save notifications the client mentions (the server has no handler).
        extra = {k: False for k in ("willSave", "willSaveWaitUntil") if sync.get(k) is not None}
        if extra:
            caps["textDocumentSync"] = {**caps["textDocumentSync"], **extra}
    return {"capabilities": caps, "serverInfo": {"name": "kube-lsp", "version": __version__}}


def _read_frame(stream: BinaryIO) -> tuple[bytes, dict[str, Any] | None]:
    """The bytes of the first message and the message, or (what was read, None) when it is not a plain
    JSON-RPC frame."""
    raw = b""
    length = None
    while True:
        line = stream.readline(MAX_HEADER_BYTES)
        raw += line
        if not line or len(raw) > MAX_HEADER_BYTES or not line.endswith(b"\n"):
            return raw, None
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode("ascii", "replace").partition(":")
        if name.strip().lower() == "content-length":
            try:
                length = int(value.strip())
            except ValueError:
                return raw, None
    if length is None or not 0 <= length <= MAX_BODY_BYTES:
        return raw, None
    body = stream.read(length)
    raw += body
    if len(body) != length:
        return raw, None
    try:
        message = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nested too deep (the server says Parse error)
        return raw, None
    return raw, message if isinstance(message, dict) else None


def _plain_initialize(message: dict[str, Any] | None) -> bool:
    """A well-formed `initialize` request: anything doubtful is left for the server to answer."""
    if message is None or message.get("method") != "initialize" or message.get("jsonrpc") != "2.0":
        return False
    if not isinstance(message.get("id"), int | str) or isinstance(message.get("id"), bool):
        return False
    params = message.get("params")
    if not isinstance(params, dict) or not isinstance(params.get("capabilities"), dict):
        return False
    pid = params.get("processId")
    folders = params.get("workspaceFolders")
    return ((pid is None or (isinstance(pid, int) and not isinstance(pid, bool)))
            and (folders is None or (isinstance(folders, list)
                                     and all(isinstance(f, dict) and isinstance(f.get("uri"), str)
                                             for f in folders)))
            and all(params.get(k) is None or isinstance(params[k], str) for k in ("rootUri", "rootPath")))


def _frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class Replay:
    """A binary input stream that gives `prefix` first, then the rest of `stream`."""

    def __init__(self, prefix: bytes, stream: BinaryIO) -> None:
        self._prefix = prefix
        self._stream = stream

    def _take(self, n: int) -> bytes:
        if n < 0 or n >= len(self._prefix):
            out, self._prefix = self._prefix, b""
        else:
            out, self._prefix = self._prefix[:n], self._prefix[n:]
        return out

    def readline(self, limit: int = -1) -> bytes:
        if not self._prefix:
            return self._stream.readline(limit)
        end = self._prefix.find(b"\n")
        if end >= 0 and (limit < 0 or end < limit):
            return self._take(end + 1)
        if limit >= 0 and len(self._prefix) >= limit:
            return self._take(limit)
        head = self._take(-1)
        return head + self._stream.readline(-1 if limit < 0 else limit - len(head))

    def read(self, n: int = -1) -> bytes:
        if not self._prefix:
            return self._stream.read(n)
        head = self._take(n)
        if n < 0:
            return head + self._stream.read()
        return head if len(head) == n else head + self._stream.read(n - len(head))

    def read1(self, n: int = -1) -> bytes:
        if self._prefix:
            return self._take(n)
        read1 = getattr(self._stream, "read1", None)
        return bytes(read1(n)) if read1 is not None else self._stream.read(n)

    def holding(self) -> bool:
        """Whether bytes of the prefix are still to be read."""
        return bool(self._prefix)

    def poll_fileno(self) -> int:
        """The descriptor beneath, to poll (never to read from: the stream may have buffered input)."""
        return self._stream.fileno()

    def close(self) -> None:
        self._stream.close()


class DropAnswer:
    """An output stream that drops the server's own answer to the request answered early (frames are
    written whole, one per call, by pygls' writer)."""

    def __init__(self, stream: BinaryIO, request_id: int | str, sent: dict[str, Any]) -> None:
        self._stream = stream
        self._id: int | str | None = request_id
        self._sent = sent

    def write(self, data: bytes) -> int:
        if self._id is not None and (b'"result"' in data or b'"error"' in data):
            head, sep, body = bytes(data).partition(b"\r\n\r\n")
            try:
                message = json.loads(body) if sep else None
            except ValueError:
                message = None
            if isinstance(message, dict) and message.get("id") == self._id and "method" not in message:
                self._id = None
                if message.get("result") != self._sent:
                    log.error("the early answer to initialize differs from the server's: sent %s, the server "
                              "has %s", json.dumps(self._sent), json.dumps(message.get("result", message)))
                return len(data)
        return self._stream.write(data)

    def flush(self) -> None:
        self._stream.flush()

    def close(self) -> None:
        self._stream.close()


_STREAMS: list[tuple[BinaryIO, BinaryIO]] = []


def take_streams() -> tuple[BinaryIO | None, BinaryIO | None]:
    """The streams `answer_initialize` prepared for the server in this process, or (None, None)."""
    return _STREAMS.pop() if _STREAMS else (None, None)


def serve_early(argv: list[str], stdin: BinaryIO, stdout: BinaryIO) -> None:
    """For `serve` over stdio with nothing but valid logging options, answer `initialize` now and keep
    the streams for the server (`take_streams`); any other command line is left to the CLI."""
    if not argv or argv[0] != "serve":
        return
    rest = argv[1:]
    while rest:
        opt = rest.pop(0)
        if opt == "--stdio":
            continue
        if opt == "--log-level" and rest and rest[0] in ("DEBUG", "INFO", "WARNING", "ERROR"):
            rest.pop(0)
            continue
        if opt == "--log-file" and rest:
            try:
                with open(rest.pop(0), "a", encoding="utf-8"):
                    pass
            except OSError:
                return  # the CLI reports it
            continue
        return
    _STREAMS.append(answer_initialize(stdin, stdout))


def answer_initialize(stdin: BinaryIO, stdout: BinaryIO) -> tuple[BinaryIO, BinaryIO]:
    """Read the first message; when it is `initialize`, answer it. Returns the streams the server is to
    use: the input again from the first message, and the output without the server's own answer."""
    raw, message = _read_frame(stdin)
    replay: Any = Replay(raw, stdin)
    if message is None or not _plain_initialize(message):
        return replay, stdout
    result = initialize_result(message["params"])
    stdout.write(_frame({"jsonrpc": "2.0", "id": message["id"], "result": result}))
    stdout.flush()
    drop: Any = DropAnswer(stdout, message["id"], result)
    return replay, drop
