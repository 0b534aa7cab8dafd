"""The JSON-RPC layer of `kube-lsp serve`, hardened against buggy or hostile clients.

pygls 2.1's reader and dispatcher assume a well-behaved editor. This module replaces both:

* `FrameReader` (sans-IO) splits the byte stream into messages. A wrong `Content-Length`, a message
  with no header, LF-only header lines, a non-numeric length or stray bytes cost only that message: the
  reader resynchronises at the next `Content-Length: N` line (which cannot occur inside a JSON text: a
  JSON string cannot hold a raw line break). A body that is not JSON gets a Parse error (-32700, id
  null). A declared length over `MAX_MESSAGE_BYTES` is skipped without being held in memory; its first
  and last 4 KB tell its id (a request still gets an InvalidRequest answer) and the document it carried
  (which gets a KL104 diagnostic). A body over `BIG_BODY_BYTES` comes out undecoded (`BigBody`): the
  server decodes it in a worker thread, in pieces (`decode_big`), so that a 20 MB didOpen never holds the
  event loop; the messages behind it wait for it, in order.
* `KubeProtocol` gives every request exactly one response: InvalidParams (-32602) for params that do not
  validate, MethodNotFound (-32601), InvalidRequest (-32600) for a second `initialize`, odd ids, or any
  request after `shutdown`, ServerNotInitialized (-32002) before `initialize`. Notifications before
  `initialize` are dropped (except `exit`). Protocol noise is logged (stderr and window/logMessage), never
  shown to the user. `exit` and the end of input leave at once (0 after `shutdown`, else 1) even while an
  analysis runs in a thread. Finished handlers are removed from pygls' futures map, which otherwise keeps
  one entry per notification for as long as the server runs.
"""

from __future__ import annotations

import asyncio
import codecs
import inspect
import json
import json.decoder
import json.scanner
import logging
import os
import re
import select
import sys
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, BinaryIO, Final, NoReturn, TypeGuard, get_args

import attrs
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol

log = logging.getLogger("kube_lsp.protocol")

MAX_MESSAGE_BYTES: Final = 64 * 1024 * 1024
"""The largest message body read; a longer one is skipped (and logged), then the reader resynchronises."""
MAX_HEADER_BYTES: Final = 8192
CHUNK_BYTES: Final = 65536
QUEUED_CHUNKS: Final = 16  # read ahead at most 16 reads of input (1 MB, or 8 MB of a big message's batches)
BATCH_BYTES: Final = 512 * 1024  # what the stdin thread reads at most before handing it over, when it is there
BIG_BODY_BYTES: Final = 1 << 20
"""Bodies larger than this are decoded off the event loop (`BigBody`, `decode_big`)."""
DECODE_PIECE: Final = 1 << 19
"""Characters decoded per call in `decode_big`: each call holds the interpreter lock, briefly."""
MAX_QUEUED_OUTPUT: Final = 256 * 1024 * 1024
"""Output waiting for a client that does not read it, before the server waits for the client in turn."""
EXIT_GRACE: Final = 2.0
"""How long `exit` (or the end of input) waits for the answer to a `shutdown` still being handled."""

PARSE_ERROR: Final = -32700
INVALID_REQUEST: Final = -32600
METHOD_NOT_FOUND: Final = -32601
INVALID_PARAMS: Final = -32602
INTERNAL_ERROR: Final = -32603
SERVER_NOT_INITIALIZED: Final = -32002

# A header line `Content-Length: N`. It cannot occur in a JSON text (a JSON string cannot hold a raw line
# break), so wherever it appears, a message starts there.
_LENGTH_LINE = re.compile(rb"content-length[ \t]*:[ \t]*(\d{1,20})[ \t]*\r?\n", re.IGNORECASE)
_HEADER_LINE = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+[ \t]*:")
_TAIL = 64  # bytes kept while resynchronising, for a header split across reads
_GLIMPSE = 4096  # bytes kept of the start and the end of an oversized body
_ID = re.compile(rb'"id"\s*:\s*(-?\d{1,18}|"(?:[^"\\]|\\.){0,200}")')
_METHOD = re.compile(rb'"method"\s*:\s*"([^"\\]{1,200})"')
_URI = re.compile(rb'"uri"\s*:\s*"((?:[^"\\]|\\.){1,2000})"')
_JSON = json.JSONDecoder(parse_constant=lambda name: _reject_constant(name))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


@dataclass(frozen=True, slots=True)
class Message:
    """A decoded JSON value: an object (a message) or anything else (answered as an invalid request)."""

    value: Any


@dataclass(frozen=True, slots=True)
class Oversized:
    """What could be read of a message skipped for its size, from its first and last bytes: its id (when
    it is a request, it still gets an answer), method and document URI (the editor is told why the
    document has no diagnostics)."""

    length: int
    request_id: int | str | None = None
    method: str | None = None
    uri: str | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    """Input that is not a message; `parse_error` when it deserves a JSON-RPC Parse error."""

    reason: str
    parse_error: bool = False
    oversized: Oversized | None = None
    request_id: int | str | None = None  # of a request whose body is not JSON, when its id can be read


@dataclass(frozen=True, slots=True)
class BigBody:
    """A complete message body over `BIG_BODY_BYTES`, not decoded yet: `decode_big` makes it a frame."""

    body: bytes


Frame = Message | Problem


class FrameReader:
    """Bytes in, messages out: `feed(data)` returns the frames completed by `data`."""

    def __init__(self, max_message: int = MAX_MESSAGE_BYTES, big_body: int | None = None) -> None:
        self.max_message = max_message
        self.big_body = big_body  # bodies longer than this come out as `BigBody` (None: all are decoded)
        self._buf = bytearray()
        self._length: int | None = None  # the body being read
        self._scanned = 0  # body bytes already searched for a header
        self._pending: list[Frame | BigBody] = []  # the frames of the current `feed`
        self._discard = 0  # bytes of an oversized body still to drop
        self._oversized = 0  # its declared length
        self._head = bytearray()  # its first and last bytes
        self._last = bytearray()
        self._skipped = 0  # stray bytes dropped since the last message
        self._charset: str | None = None  # a charset other than UTF-8 declared by the body's Content-Type

    def feed(self, data: bytes) -> list[Frame | BigBody]:
        self._buf += data
        out: list[Frame | BigBody] = []
        self._pending = out
        while self._step(out):
            pass
        return out

    def _step(self, out: list[Frame | BigBody]) -> bool:
        """Make progress on the buffer; False when more input is needed."""
        if self._discard:
            return self._drop_oversized()
        if self._length is None:
            return self._header(out)
        return self._body(out)

    def _header(self, out: list[Frame | BigBody]) -> bool:
        buf = self._buf
        m = _LENGTH_LINE.search(buf)
        if m is None:
            # No complete `Content-Length` line yet: a header in pieces, or stray bytes (kept bounded).
            if len(buf) > MAX_HEADER_BYTES:
                self._drop(len(buf) - _TAIL)
            return False
        if m.start():
            prefix = bytes(buf[:m.start()])
            self._drop(m.start(), counted=not all(_HEADER_LINE.match(x) for x in prefix.split(b"\n") if x.strip()))
            m = _LENGTH_LINE.match(buf)
            assert m is not None
        if self._skipped:
            out.append(Problem(f"{self._skipped} bytes that were not an LSP message were skipped"))
            self._skipped = 0
        # The rest of the header: other `Name: value` lines up to an empty line. A body straight after the
        # length line (no empty line) is taken as the body.
        length, pos = int(m.group(1)), m.end()  # read now: `m` sees the buffer as it changes
        self._charset = None
        while True:
            if bytes(buf[pos:pos + 1]) in (b"{", b"["):
                break  # no empty line: the body starts here
            nl = buf.find(b"\n", pos)
            if nl < 0:
                if len(buf) - pos > MAX_HEADER_BYTES:
                    out.append(Problem("a message header over 8 KB was skipped"))
                    self._drop(pos, counted=False)
                    return True
                return False
            line = bytes(buf[pos:nl]).strip()
            if not line:
                pos = nl + 1
                break
            if not _HEADER_LINE.match(line) or _LENGTH_LINE.match(buf, pos):
                break  # no empty line: the body (or the next message) starts here
            self._charset = _check_content_type(line) or self._charset
            pos = nl + 1
        del buf[:pos]
        if length > self.max_message:
            self._discard = self._oversized = length
            self._head.clear()
            self._last.clear()
            return True
        self._length, self._scanned = length, 0
        return True

    def _body(self, out: list[Frame | BigBody]) -> bool:
        assert self._length is not None
        buf, length = self._buf, self._length
        # A `Content-Length` line inside the body: the declared length was too long, and the next message
        # starts there.
        m = _LENGTH_LINE.search(buf, max(0, self._scanned - _TAIL), min(len(buf), length + _TAIL))
        end = min(m.start(), length) if m is not None else length
        if m is None and len(buf) < length:
            self._scanned = len(buf)
            return False
        with memoryview(buf) as view:  # one copy (a slice of the bytearray would be a second)
            body = bytes(view[:end])
        self._length = None
        if m is not None and end < length and not body.strip():
            out.append(Problem("a message header with no body was skipped"))
            del buf[:end]
            return True
        if self.big_body is not None and len(body) > self.big_body:
            # Decoded by the caller, off the event loop; what follows the JSON value is known then (an
            # over-long length whose surplus holds no header: stray bytes, reported as such).
            del buf[:end]
            out.append(BigBody(body))
            return True
        try:
            text = _decode(body, self._charset)
            start = len(text) - len(text.lstrip())
            value, stop = _JSON.raw_decode(text, start)
        except (ValueError, RecursionError) as exc:
            del buf[:end]
            # A request whose id can still be read (its body is deeply nested, or not UTF-8) gets its one
            # answer under that id; a response or a notification gets one with id null, as JSON-RPC says.
            what = _salvage(len(body), body[:_GLIMPSE], body[-_GLIMPSE:])
            out.append(Problem(f"a message body of {len(body)} bytes is not JSON: {_short(exc)}", parse_error=True,
                               request_id=what.request_id if what.method is not None else None))
            return True
        # Anything after the JSON value (a length that was too long) goes back to header parsing.
        rest = text[stop:]
        used = end if not rest.strip() else len(text[:stop].encode("utf-8"))
        del buf[:used]
        out.append(Message(value))
        return True

    def _drop_oversized(self) -> bool:
        buf = self._buf
        m = _LENGTH_LINE.search(buf, 0, min(len(buf), self._discard + _TAIL))
        if m is not None and m.start() <= self._discard:  # the next message: resynchronise
            self._glimpse(buf[:m.start()])
            del buf[:m.start()]
            self._discard = 0
            return self._oversized_done()
        if len(buf) >= self._discard:  # the rest of the oversized body is here
            self._glimpse(buf[:self._discard])
            del buf[:self._discard]
            self._discard = 0
            return self._oversized_done()
        n = len(buf) - min(_TAIL, len(buf))  # keep a tail: a header may be split across reads
        self._glimpse(buf[:n])
        del buf[:n]
        self._discard -= n
        return False

    def _glimpse(self, dropped: bytearray) -> None:
        if len(self._head) < _GLIMPSE:
            self._head += dropped[:_GLIMPSE - len(self._head)]
        self._last += dropped[-_GLIMPSE:]
        del self._last[:-_GLIMPSE]

    def _oversized_done(self) -> bool:
        self._pending.append(Problem(
            f"a message of {self._oversized} bytes is over the {self.max_message} byte limit; it was skipped",
            oversized=_salvage(self._oversized, bytes(self._head), bytes(self._last))))
        self._head.clear()
        self._last.clear()
        return True

    def _drop(self, n: int, counted: bool = True) -> None:
        if counted:
            self._skipped += len(bytes(self._buf[:n]).strip())
        del self._buf[:n]


def _salvage(length: int, head: bytes, last: bytes) -> Oversized:
    """The top-level id, method and document URI of a message of which only `head` and `last` were kept.

    Editors write `id` and `method` before `params` (vscode-jsonrpc) or after them (Neovim's encoder has
    no fixed order): before the first `"params"` in the head, or after the last closing bracket of the
    tail (the end of `params`), a key can only be a top-level one."""
    cut = head.find(b'"params"')
    before = head[:cut] if cut >= 0 else b""
    end = last.rstrip()
    if end.endswith(b"}"):
        end = end[:-1]
    after = end[max(end.rfind(b"}"), end.rfind(b"]")) + 1:] if cut >= 0 else b""
    request_id: int | str | None = None
    method = None
    for part in (before, after):
        if (m := _ID.search(part)) is not None and request_id is None:
            raw = m.group(1)
            try:
                value = json.loads(raw)
            except ValueError:
                value = None
            request_id = value if _valid_id(value) else None
        if (m := _METHOD.search(part)) is not None and method is None:
            method = m.group(1).decode("utf-8", "replace")
    uri = None
    if (m := _URI.search(head)) is not None and method in (types.TEXT_DOCUMENT_DID_OPEN,
                                                              types.TEXT_DOCUMENT_DID_CHANGE):
        try:
            uri = json.loads(b'"' + m.group(1) + b'"')
        except ValueError:
            uri = None
    return Oversized(length, request_id, method, uri if isinstance(uri, str) else None)


def decode_big(big: BigBody) -> list[Frame]:
    """The frames of a big body, as `FrameReader` would make them, decoded in pieces of `DECODE_PIECE`
    characters (for a worker thread: no single step holds the interpreter lock for more than a few
    milliseconds, where one `json.loads` of 20 MB would hold it for tens)."""
    body = big.body
    try:
        decoder = codecs.getincrementaldecoder("utf-8")()
        text = "".join([decoder.decode(body[i:i + DECODE_PIECE]) for i in range(0, len(body), DECODE_PIECE)]
                       + [decoder.decode(b"", final=True)])
        start = len(text) - len(text.lstrip())
        value, stop = _BIG_SCANNER(text, start)
    except StopIteration as exc:
        return [Problem(f"a message body of {len(body)} bytes is not JSON: Expecting value: char {exc.value}",
                        parse_error=True)]
    except (ValueError, RecursionError) as exc:
        return [Problem(f"a message body of {len(body)} bytes is not JSON: {_short(exc)}", parse_error=True)]
    out: list[Frame] = [Message(value)]
    rest = len(text[stop:].strip().encode("utf-8"))
    if rest:
        out.append(Problem(f"{rest} bytes that were not an LSP message were skipped"))
    return out


# The C string scanner (json.decoder.scanstring, which typeshed does not declare) and pure-Python JSON scanner.
_scanstring: Final[Callable[[str, int, bool], tuple[str, int]]] = json.decoder.scanstring  # type: ignore[attr-defined]
_make_scanner: Final[Callable[[json.JSONDecoder], Callable[[str, int], tuple[Any, int]]]] = \
    json.scanner.py_make_scanner  # type: ignore[attr-defined]
_HEX_OR_ESCAPE: Final = frozenset("\\u0123456789abcdefABCDEF")


def _scan_big_string(s: str, end: int, strict: bool = True) -> tuple[str, int]:
    """`json.decoder.scanstring` in pieces: a piece never ends inside an escape (a backslash, `\\u` and its
    hex digits: so never between the halves of an escaped surrogate pair), and a `"` after it stops the C
    scanner at the piece's end when the string goes on."""
    parts = []
    pos = end
    while True:
        cut = min(pos + DECODE_PIECE, len(s))
        if cut < len(s):
            back = cut
            while back > pos and s[back - 1] in _HEX_OR_ESCAPE and cut - back < 4096:
                back -= 1
            cut = back if back > pos and s[back - 1] not in _HEX_OR_ESCAPE else len(s)
        piece = s[pos:cut]
        if cut >= len(s):
            value, stop = _scanstring(s, pos, strict)
            parts.append(value)
            return "".join(parts), stop
        value, stop = _scanstring(piece + '"', 0, strict)
        if stop <= len(piece):  # the string's own closing quote is in this piece
            parts.append(value)
            return "".join(parts), pos + stop
        parts.append(value)
        pos = cut


class _BigDecoder(json.JSONDecoder):
    """The decoder of `FrameReader` (no NaN or Infinity), with strings scanned in pieces."""

    def __init__(self) -> None:
        super().__init__(parse_constant=lambda name: _reject_constant(name))
        self.parse_string = _scan_big_string
        self.scan_once = _make_scanner(self)


_BIG_SCANNER: Final = _BigDecoder().scan_once


def _check_content_type(line: bytes) -> str | None:
    """The charset of a Content-Type header line when it is a text encoding other than UTF-8, else None."""
    name, _, value = line.partition(b":")
    if name.strip().lower() == b"content-type":
        charset = re.search(rb"charset\s*=\s*\"?([\w-]+)", value, re.IGNORECASE)
        if charset and charset.group(1).lower().replace(b"-", b"") != b"utf8":
            log.warning("Content-Type %r: LSP messages are UTF-8; the body is read as UTF-8 (as the declared "
                        "charset only when it is not UTF-8)", value.strip())
            codec = charset.group(1).decode("ascii")
            try:
                return codec if codecs.lookup(codec)._is_text_encoding else None
            except LookupError:
                return None
    return None


def _decode(body: bytes, charset: str | None) -> str:
    """The body as text: UTF-8 (LSP's only encoding); a body that is not UTF-8 in the charset its header
    declared, when there was one."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        if charset is None:
            raise
        try:
            return body.decode(charset)
        except Exception:  # noqa: BLE001 - any codec's failure: the UTF-8 one is the reason to give
            pass
        raise


def _short(exc: BaseException) -> str:
    return str(exc)[:200] or type(exc).__name__


def _valid_id(value: Any) -> TypeGuard[int | str]:
    return isinstance(value, str | int) and not isinstance(value, bool)


class JsonText(str):
    """A handler's result already encoded as JSON text: it goes into the response as it is.
    Big results built as text (outlines of big files) skip both the converter and `json.dumps`."""


class KubeProtocol(LanguageServerProtocol):
    """Message dispatch that answers every request once, whatever the client sends."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initialize_received = False
        self._finished: deque[tuple[Any, Future[Any] | asyncio.Future[Any]]] = deque()
        # The id of a `shutdown` request not answered yet: `exit` (or the end of input) right behind it waits
        # for that answer, briefly, so a client that does not wait for it still sees it and exit code 0.
        self._shutdown_id: int | str | None = None
        self._exiting = False

    # --------------------------------------------------------------------------------- receiving

    def receive(self, frame: Frame) -> None:
        """Handle one frame of `FrameReader`'s output."""
        self._forget_finished()
        if isinstance(frame, Problem):
            self._log_noise(frame.reason)
            if frame.parse_error:
                self._send_error(frame.request_id if not self._exiting else None, PARSE_ERROR,
                                 f"Parse error: {frame.reason}")
            elif frame.oversized is not None:
                self._oversized(frame.oversized)
            return
        value = frame.value
        if isinstance(value, list):
            # LSP has no batches; JSON-RPC's are taken apart and each message is answered on its own.
            if not value:
                self._send_error(None, INVALID_REQUEST, "an empty batch")
            for item in value:
                self._receive_one(item)
            return
        self._receive_one(value)

    def _oversized(self, what: Oversized) -> None:
        """A message too large to read: a request still gets its one answer; a document that came in it is
        marked so (the server says why it has no diagnostics, and forgets a text it no longer has)."""
        limit = f"{what.length} bytes, over the {MAX_MESSAGE_BYTES // (1024 * 1024)} MB message limit"
        if what.request_id is not None and not self._exiting:
            self._send_error(what.request_id, INVALID_REQUEST, f"the request was not read: {limit}")
        if what.uri is not None and self.initialize_received and not self._shutdown:
            handler = getattr(self._server, "document_too_large", None)
            if handler is not None:
                handler(what.uri, what.length)

    def _receive_one(self, msg: Any) -> None:
        if not isinstance(msg, dict):
            self._send_error(None, INVALID_REQUEST, f"a message must be a JSON object, not {type(msg).__name__}")
            return
        has_id = "id" in msg
        msg_id = msg.get("id")
        if "method" not in msg:
            if has_id and ("result" in msg or "error" in msg):
                self._receive_response(msg)
            else:
                self._send_error(msg_id if _valid_id(msg_id) else None, INVALID_REQUEST,
                                 "a message needs a method (request, notification) or a result or error (response)")
            return
        method = msg["method"]
        if msg.get("jsonrpc") != "2.0" or not isinstance(method, str):
            if has_id:
                self._send_error(msg_id if _valid_id(msg_id) else None, INVALID_REQUEST,
                                 'a request needs "jsonrpc": "2.0" and a string method')
            else:
                self._log_noise(f"a notification without jsonrpc 2.0 or a string method was dropped: {method!r}")
            return
        if not has_id:
            self._receive_notification(method, msg)
        elif not _valid_id(msg_id):
            self._send_error(None, INVALID_REQUEST, f"a request id must be an integer or a string, not {msg_id!r}")
        else:
            self._receive_request(msg_id, method, msg)

    def _receive_request(self, msg_id: int | str, method: str, msg: dict[str, Any]) -> None:
        if self._exiting:
            return
        if method == types.EXIT:
            self._send_response(msg_id, None)
            self.request_exit()
            return
        if self._shutdown:
            self._send_error(msg_id, INVALID_REQUEST, "the server is shutting down")
            return
        if method == types.INITIALIZE:
            if self.initialize_received:
                self._send_error(msg_id, INVALID_REQUEST, "initialize was already received: the server keeps "
                                                          "its state")
                return
        elif not self.initialize_received:
            self._send_error(msg_id, SERVER_NOT_INITIALIZED, f"{method} before initialize")
            return
        entry = types.METHOD_TO_TYPES.get(method)
        if not self._handles(method):
            self._send_error(msg_id, METHOD_NOT_FOUND, f"unknown method {method!r}")
            return
        if entry is not None and "id" not in attrs.fields_dict(entry[0]):
            # A notification sent with an id: do what it says and answer it, so the sender does not wait.
            msg = {k: v for k, v in msg.items() if k != "id"}
            self._receive_notification(method, msg)
            self._send_response(msg_id, None)
            return
        try:
            message = self._structure(msg, entry[0] if entry else None)
        except Exception as exc:  # noqa: BLE001 - cattrs raises many kinds, all mean "bad params"
            message = self._lenient_initialize(msg, exc) if method == types.INITIALIZE else None
            if message is None:
                self._log_noise(f"invalid params for {method} (id {msg_id!r}): {_describe(exc)}")
                self._send_error(msg_id, INVALID_PARAMS, f"invalid params for {method}: {_describe(exc)}")
                return
        if method == types.INITIALIZE:
            self.initialize_received = True
        elif method == types.SHUTDOWN:
            self._shutdown_id = msg_id
        super().handle_message(message)

    def _receive_notification(self, method: str, msg: dict[str, Any]) -> None:
        if self._exiting:
            return
        if method == types.EXIT:
            self.request_exit()
            return
        if not self.initialize_received or self._shutdown:
            log.debug("dropped %s: %s", method, "before initialize" if not self.initialize_received else "shut down")
            return
        if not self._handles(method) and method != types.CANCEL_REQUEST:
            if not method.startswith("$/"):
                self._log_noise(f"ignored the notification {method!r}: the server does not handle it")
            return
        entry = types.METHOD_TO_TYPES.get(method)
        try:
            message = self._structure(msg, entry[0] if entry else None)
        except Exception as exc:  # noqa: BLE001 - as for requests
            self._log_noise(f"dropped {method}: invalid params: {_describe(exc)}")
            return
        super().handle_message(message)

    def _receive_response(self, msg: dict[str, Any]) -> None:
        msg_id = msg.get("id")
        future = self._request_futures.get(msg_id) if _valid_id(msg_id) else None
        if future is None or not _valid_id(msg_id):
            self._log_noise(f"a response for an unknown request id {msg_id!r} was dropped")
            return
        message: Any
        try:
            if "error" in msg:
                message = self._converter.structure({**msg, "jsonrpc": "2.0"}, types.ResponseErrorMessage)
            else:
                result_type = self._result_types.pop(msg_id, None)
                message = self.structure_message({**msg, "jsonrpc": "2.0"}) if result_type is None else \
                    self._converter.structure({**msg, "jsonrpc": "2.0"}, result_type)
        except Exception as exc:  # noqa: BLE001 - a malformed answer fails the request, not the server
            self._request_futures.pop(msg_id, None)
            if not future.done():
                future.set_exception(JsonRpcException(f"malformed response: {_describe(exc)}"))
            self._log_noise(f"a malformed response to {msg_id!r}: {_describe(exc)}")
            return
        super().handle_message(message)

    def _lenient_initialize(self, msg: dict[str, Any], exc: Exception) -> Any | None:
        """An `initialize` that kube_lsp/lsp/early.py answered already (it looks like a plain one) must be
        taken whatever the parts it did not check hold (`"hover": 5` among the capabilities, a bogus `trace`):
        the client believes the server initialized. The parts that do not fit are left out (logged); None
        when the request was not answered early (it gets InvalidParams)."""
        from kube_lsp.lsp.early import _plain_initialize

        if not _plain_initialize(msg):
            return None
        cls = types.InitializeRequest
        dropped: list[str] = []

        def fits(params: Any) -> bool:
            try:
                self._converter.structure({**msg, "params": params}, cls)
            except Exception:  # noqa: BLE001 - as in _receive_request
                return False
            return True

        def keep(value: Any, place: Callable[[Any], Any], path: str, start: Any) -> Any:
            """`value`, or as much of it as fits where `place` puts it (`start` and the keys or items that fit)."""
            if fits(place(value)):
                return value
            if isinstance(value, dict):
                kept = dict(start)
                for key, item in value.items():
                    if key in kept and item == kept[key]:
                        continue
                    def inner(x: Any, key: Any = key, kept: dict[Any, Any] = kept) -> Any:
                        return place({**kept, key: x})

                    sub = keep(item, inner, f"{path}.{key}", {})
                    if sub is not _DROPPED:
                        kept[key] = sub
                if fits(place(kept)):
                    return kept
            dropped.append(path)
            return _DROPPED

        def whole(p: Any) -> Any:
            return p

        params = keep(msg["params"], whole, "params", {"processId": None, "capabilities": {}})
        if params is _DROPPED:
            return None
        log.warning("initialize: left out what does not fit the protocol (%s): %s", ", ".join(dropped[:20]),
                    _describe(exc))
        return self._converter.structure({**msg, "params": params}, cls)

    def _handles(self, method: str) -> bool:
        return method in self.fm.builtin_features or method in self.fm.features

    def _structure(self, msg: dict[str, Any], cls: type[Any] | None) -> Any:
        if cls is None:
            # A custom method: pygls' generic message classes need `params`.
            msg = {"params": None, **msg}
            return self.structure_message(msg)
        if "params" in msg and msg["params"] is None:
            msg = {k: v for k, v in msg.items() if k != "params"}
        return self._converter.structure(msg, cls)

    def handle_message(self, message: Any) -> None:
        """pygls' entry point, for messages structured elsewhere (kept for in-process callers)."""
        self._forget_finished()
        if self._shutdown and hasattr(message, "id") and getattr(message, "method", types.EXIT) != types.EXIT:
            self._send_error(message.id, INVALID_REQUEST, "the server is shutting down")
            return
        super().handle_message(message)

    # ----------------------------------------------------------------------------------- sending

    def _send_response(self, msg_id: Any, result: Any | None = None, error: Any | None = None) -> None:
        if error is None and isinstance(result, JsonText):
            self._result_types.pop(msg_id, None)
            self._write_body(f'{{"id":{json.dumps(msg_id)},"jsonrpc":"2.0","result":{result}}}')
        else:
            super()._send_response(msg_id, result, error)
        if msg_id is not None and msg_id == self._shutdown_id:
            self._shutdown_id = None

    def _send_data(self, data: Any) -> None:
        """pygls' sender, with JSON written without blanks (a big outline or diagnostics list is a sixth
        smaller)."""
        if not data:
            return
        try:
            body = json.dumps(data, default=self._serialize_message, separators=(",", ":"), allow_nan=False)
        except Exception:  # noqa: BLE001 - a message that cannot be encoded must not end the server
            log.exception("could not encode a message")
            msg_id = getattr(data, "id", None)
            if msg_id is not None and hasattr(data, "result"):  # a request's answer: still one answer
                self._send_error(msg_id, INTERNAL_ERROR, "the answer could not be encoded")
            return
        self._write_body(body)

    def _write_body(self, body: str) -> None:
        if self.writer is None:
            log.error("no output to send a message to")
            return
        data = body.encode()
        if self._include_headers:
            data = f"Content-Length: {len(data)}\r\nContent-Type: {self.CONTENT_TYPE}; charset={self.CHARSET}" \
                   f"\r\n\r\n".encode() + data
        try:
            res = self.writer.write(data)
            if inspect.isawaitable(res):
                asyncio.ensure_future(res)
        except Exception:  # noqa: BLE001 - as pygls: a closed output is logged, the server goes on
            log.exception("could not send a message")

    def request_exit(self) -> None:
        """`exit`: leave now, unless a `shutdown` just before it is still being answered; then leave as soon as
        it is (at most EXIT_GRACE seconds later). Nothing received after `exit` is handled."""
        self._exiting = True
        if self._shutdown_id is None and not self._shutdown:
            self.exit_now()
        asyncio.get_running_loop().create_task(self.exit_after_shutdown())

    async def exit_after_shutdown(self) -> NoReturn:
        """Leave once a pending `shutdown` is answered and the requests it cancelled have sent their
        RequestCancelled answers (every request gets one), or after EXIT_GRACE seconds."""
        deadline = time.monotonic() + EXIT_GRACE
        while time.monotonic() < deadline and (
                self._shutdown_id is not None
                or (self._shutdown and any(not f.done() for f in self._request_futures.values()))):
            await asyncio.sleep(0.005)
        await asyncio.sleep(0)  # the done-callbacks that send those answers
        self.exit_now()

    def _send_error(self, msg_id: int | str | None, code: int, message: str) -> None:
        self._send_data({"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": message}})

    def _log_noise(self, text: str) -> None:
        """Protocol noise: to stderr and the client's log, never in the user's face."""
        log.warning("%s", text)
        if self.writer is not None and self.initialize_received:
            self.notify(types.WINDOW_LOG_MESSAGE,
                        types.LogMessageParams(type=types.MessageType.Warning, message=f"kube-lsp: {text}"))

    def _send_handler_result(self, future: Future[Any], *, msg_id: Any) -> None:
        """A handler that refuses a request on purpose (a JsonRpcException: nothing to rename here, invalid
        command arguments) is answered with its error and logged in one line: pygls would log a traceback and
        send an Error log message, as for a bug."""
        exc = None if future.cancelled() or not future.done() else future.exception()
        if isinstance(exc, JsonRpcException):
            self._request_futures.pop(msg_id, None)
            log.info("request %r refused: %s", msg_id, exc)
            self._send_response(msg_id, error=exc.to_response_error())
            return
        super()._send_handler_result(future, msg_id=msg_id)

    # -------------------------------------------------------------------------------- bookkeeping

    def _execute_handler(self, msg_id: Any, handler: Any, callback: Any, args: Any = None,
                         kwargs: Any = None) -> None:
        """pygls files each running handler under its id and removes only requests' entries: notifications
        and generator steps would stay for ever (about 2 MB per 1,000 edits). Note each entry once its
        handler is done, and remove it before the next message (not at once: callbacks run in worker threads,
        or while pygls walks the map to cancel everything on `shutdown`)."""
        super()._execute_handler(msg_id, handler, callback, args, kwargs)
        future = self._request_futures.get(msg_id)
        if future is not None:
            future.add_done_callback(lambda f: self._finished.append((msg_id, f)))

    def _forget_finished(self) -> None:
        while self._finished:
            msg_id, future = self._finished.popleft()
            if self._request_futures.get(msg_id) is future:
                del self._request_futures[msg_id]

    async def warm_up(self, idle: Callable[[], bool] = lambda: True) -> None:
        """Have the converter make its functions for the messages this server handles or sends, a method at
        a time while `idle()` says nothing else is going on. cattrs makes them on first use, 2–6 ms a method,
        which the user's first hover, completion or outline would otherwise wait for."""
        # `initialize` comes once, and its classes are the biggest. Twice: making the function for a new list
        # type empties the converter's cache (cattrs registers it), and a second pass, which adds no new
        # type, leaves every function in it.
        methods = [m for m in [*self.fm.features, *SENT_METHODS] if m != types.INITIALIZE]
        for method in methods * 2:
            while not idle():
                await asyncio.sleep(0.05)
            kinds = types.METHOD_TO_TYPES.get(method)
            if kinds is None:
                continue
            try:
                self._converter.get_structure_hook(kinds[0])
                for sent in kinds[:2]:
                    _make_unstructure_hooks(self._converter, sent, set())
            except Exception:  # noqa: BLE001 - only an optimisation: the first message makes them then
                log.debug("could not prepare the converter for %s", method, exc_info=True)
            await asyncio.sleep(0.005)

    def exit_now(self, code: int | None = None) -> NoReturn:
        """Leave now: 0 after `shutdown`, else 1 (LSP). Threads still analysing are not waited for."""
        code = (0 if self._shutdown else 1) if code is None else code
        log.info("exiting with %d", code)
        if isinstance(self.writer, QueuedWriter) and not self.writer.drain(EXIT_GRACE):
            log.warning("exiting with answers the client did not read")
        for stream in (getattr(self.writer, "_stdout", None), sys.stdout, sys.stderr):
            try:
                if stream is not None:
                    stream.flush()
            except (OSError, ValueError):
                pass
        logging.shutdown()
        os._exit(code)


_DROPPED: Final = object()

SENT_METHODS: Final = (types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, types.WINDOW_LOG_MESSAGE,
                       types.WINDOW_WORK_DONE_PROGRESS_CREATE, types.PROGRESS, types.WORKSPACE_CONFIGURATION,
                       types.WORKSPACE_CODE_LENS_REFRESH, types.CLIENT_REGISTER_CAPABILITY)
"""Methods the server sends to the client: their messages are warmed up too."""


def _make_unstructure_hooks(converter: Any, tp: Any, seen: set[Any]) -> None:
    """The converter's unstructure functions for `tp` and every attrs class inside it."""
    if tp in seen:
        return
    seen.add(tp)
    if attrs.has(tp):
        converter.get_unstructure_hook(tp)
        for f in attrs.fields(tp):
            _make_unstructure_hooks(converter, f.type, seen)
    else:
        for arg in get_args(tp):
            _make_unstructure_hooks(converter, arg, seen)


def _describe(exc: BaseException) -> str:
    """The innermost reason of a (cattrs) validation error, short."""
    while True:
        inner = getattr(exc, "exceptions", None)
        if inner:
            exc = inner[0]
            continue
        if exc.__cause__ is not None and not str(exc):
            exc = exc.__cause__
            continue
        return _short(exc)


class QueuedWriter:
    """pygls' writer for stdio: frames are queued and written by a thread of its own, in order, so that the
    event loop never blocks on a client that does not read its input (one that writes 10,000 requests before
    it reads any answer would otherwise deadlock with the server: its stdout pipe full, the server stops
    reading, the client's writes block). Up to MAX_QUEUED_OUTPUT bytes wait; past that `write` waits for the
    client too. A closed or broken output (the client stopped reading) drops what follows, logged once."""

    def __init__(self, stream: BinaryIO, max_queued: int = MAX_QUEUED_OUTPUT) -> None:
        self._stream = stream
        self._max = max_queued
        self._queue: deque[bytes] = deque()
        self._queued = 0  # bytes in the queue and being written
        self._broken = False
        self._cond = threading.Condition()
        threading.Thread(target=self._run, name="kube-lsp-stdout", daemon=True).start()

    def write(self, data: bytes) -> None:
        with self._cond:
            while self._queued > self._max and not self._broken:
                self._cond.wait(0.1)
            if self._broken:
                return
            self._queue.append(bytes(data))
            self._queued += len(data)
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue:
                    self._cond.wait()
                data = b"".join(self._queue)  # what piled up goes out in one write
                self._queue.clear()
            try:
                self._stream.write(data)
                self._stream.flush()
            except (OSError, ValueError) as exc:
                log.warning("the client's end of stdout is closed (%s): nothing more is sent", _short(exc))
                with self._cond:
                    self._broken = True
                    self._queue.clear()
                    self._queued = 0
                    self._cond.notify_all()
                return
            with self._cond:
                self._queued -= len(data)
                self._cond.notify_all()

    def drain(self, timeout: float) -> bool:
        """Wait (at most `timeout` seconds) until everything queued is written; False if it is not."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._queued and not self._broken:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def close(self) -> None:
        self.drain(EXIT_GRACE)
        try:
            self._stream.close()
        except (OSError, ValueError):
            pass


class HardenedLanguageServer(LanguageServer):
    """A LanguageServer that reads with `FrameReader`, dispatches with `KubeProtocol` and reports errors
    to the log only."""

    protocol: KubeProtocol
    prepared: dict[int, Any]
    """What `prepare_message` computed for the message being handled, by the id of what it is about."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.prepared = {}

    def report_server_error(self, error: Exception, source: Any) -> None:
        """pygls pops up "Error in server" (window/showMessage) for any error outside a request; a bug in a
        handler or a bad message is the log's business, not the user's."""
        log.error("%s: %s", getattr(source, "__name__", source), error)
        try:
            self.window_log_message(types.LogMessageParams(type=types.MessageType.Error,
                                                           message=f"kube-lsp: {error}"))
        except Exception:  # noqa: BLE001 - reporting must never fail the server
            log.debug("could not send the error to the client", exc_info=True)

    def start_io(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
        source = stdin or sys.stdin.buffer
        self.protocol.set_writer(QueuedWriter(stdout or sys.stdout.buffer))
        # A stray print() must not corrupt the framing, also when the streams come from the early answer to
        # `initialize` (kube_lsp/lsp/early.py), which writes to the process's stdout too.
        sys.stdout = sys.stderr
        self._stop_event = threading.Event()
        asyncio.run(self._serve_stdio(source))

    def start_tcp(self, host: str, port: int) -> None:
        async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.protocol.set_writer(writer)
            await self._consume(lambda: reader.read(CHUNK_BYTES))

        async def serve() -> None:
            server = await asyncio.start_server(connection, host, port)
            async with server:
                await server.serve_forever()

        self._stop_event = threading.Event()
        asyncio.run(serve())

    async def _serve_stdio(self, source: BinaryIO) -> None:
        loop = asyncio.get_running_loop()
        chunks: asyncio.Queue[bytes] = asyncio.Queue(maxsize=QUEUED_CHUNKS)
        read, readable = stdin_reader(source)

        def pump() -> None:
            # A daemon thread: a blocked read never keeps the process alive.
            while True:
                try:
                    data = read()
                except OSError:
                    data = b""
                ended = False
                if len(data) >= CHUNK_BYTES:
                    # A big message on its way: the pipe's reads come in 64 KB; handing them to the event loop
                    # one by one would cost it a wake-up each (a fifth of a second for 20 MB).
                    parts, size = [data], len(data)
                    while size < BATCH_BYTES and readable():
                        try:
                            more = read()
                        except OSError:
                            more = b""
                        if not more:
                            ended = True
                            break
                        parts.append(more)
                        size += len(more)
                    data = b"".join(parts)
                asyncio.run_coroutine_threadsafe(chunks.put(data), loop).result()
                if ended:
                    asyncio.run_coroutine_threadsafe(chunks.put(b""), loop).result()
                    return
                if not data:
                    return

        threading.Thread(target=pump, name="kube-lsp-stdin", daemon=True).start()
        await self._consume(chunks.get)

    def prepare_message(self, message: Any) -> None:
        """Called in the worker thread that decoded a big message, before it is handled: work on its content
        that would otherwise hold the event loop (the server splits a document's lines here) goes into
        `self.prepared`, which is emptied once the message is handled."""

    def _decode_big(self, big: BigBody) -> list[Frame]:
        frames = decode_big(big)
        for frame in frames:
            if isinstance(frame, Message):
                try:
                    self.prepare_message(frame.value)
                except Exception:  # noqa: BLE001 - preparing is an optimisation: the handler does it then
                    log.exception("failed to prepare a message")
        return frames

    async def _consume(self, read: Callable[[], Awaitable[bytes]]) -> None:
        reader = FrameReader(big_body=BIG_BODY_BYTES)
        while True:
            data = await read()
            if not data:
                break
            for item in reader.feed(data):
                # A big body is decoded in a worker thread while the loop goes on (answers, diagnostics,
                # timers); the messages after it wait for it, so their order is kept.
                frames = await asyncio.to_thread(self._decode_big, item) if isinstance(item, BigBody) else [item]
                for frame in frames:
                    try:
                        self.protocol.receive(frame)
                    except Exception:  # noqa: BLE001 - one message must not end the server
                        log.exception("failed to handle a message")
                    finally:
                        self.prepared.clear()
                    # As pygls' reader did: a handler started by this message runs up to its first await
                    # before the next message is handled, and analysis and timers run even in a flood.
                    await asyncio.sleep(0)
        log.info("end of input")
        await self.protocol.exit_after_shutdown()


def stdin_reader(source: BinaryIO) -> tuple[Callable[[], bytes], Callable[[], bool]]:
    """How the stdin thread reads `source`: `read()`, at most CHUNK_BYTES (blocking until some input is
    there), and `readable()`, whether a read would not block now (so that the pieces of a big message are
    handed to the event loop together). A plain stream is read through its file descriptor; a wrapped one
    (the early answer's `Replay`, kube_lsp/lsp/early.py, which may hold bytes already read) through `read1`,
    and it is readable when it holds bytes or the descriptor beneath it has some."""
    try:
        fd = source.fileno()
    except (AttributeError, OSError, ValueError):
        read1 = getattr(source, "read1", source.read)
        holding = getattr(source, "holding", lambda: False)
        try:
            below: int | None = source.poll_fileno()  # type: ignore[attr-defined]
        except (AttributeError, OSError, ValueError):
            below = None

        def read_wrapped() -> bytes:
            return bytes(read1(CHUNK_BYTES))

        def wrapped_readable() -> bool:
            return bool(holding()) or (below is not None and _ready(below))
        return read_wrapped, wrapped_readable

    def read() -> bytes:
        return os.read(fd, CHUNK_BYTES)
    return read, lambda: _ready(fd)


def _ready(fd: int) -> bool:
    try:
        return bool(select.select([fd], [], [], 0)[0])
    except (OSError, ValueError):
        return False
