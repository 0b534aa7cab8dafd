"""A hostile editor and a hostile CI input, attack by attack (issue #14).

Each server attack runs against a shared `kube-lsp serve` process (a fresh one after an attack that broke
it) and is judged as the attack suite judges: every request of the attack gets exactly one response, a
normal request right after it (the probe) is answered within 5 s, stdout holds only valid LSP frames (no
stray bytes, no traceback), nothing pops up (window/showMessage) for protocol noise, stderr has no
traceback, and the process is alive. The process-level attacks (a flood without reading, closed pipes,
garbage as the first message) get a process of their own. Each CLI attack runs `kube-lsp check` and is
judged by its exit code (0, 1 or 2), its time, and the validity of its output in the chosen format.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from robustness.rawclient import RawServer, frame

PROBE_SECONDS = 5.0
MANIFEST = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n"
            "    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n"
            "      containers:\n        - name: web\n          image: nginx\n")
CRASH_WORDS = ("Traceback", "Error in server", "Exception", "Error:", "object has no attribute")
COMMANDS = ("kube-lsp.dryRun", "kube-lsp.diff", "kube-lsp.diffAll", "kube-lsp.selectContext", "kube-lsp.resources",
            "kube-lsp.migrateApiVersion", "kube-lsp.liveRefresh", "kube-lsp.setKubeVersion", "kube-lsp.status")


# ------------------------------------------------------------------------------------------ the judge


@dataclass
class Ctx:
    server: RawServer
    root: Path
    name: str
    ids: list[Any]  # requests of the attack: each must get exactly one response
    popups_ok: bool = False  # settings and command problems may be shown (the user's, not protocol noise)

    def uri(self, suffix: str = ".yaml") -> str:
        return (self.root / f"{self.name}{suffix}").as_uri()

    def request(self, method: str, params: Any, *, key: str = "") -> Any:
        msg_id = f"{self.name}:{len(self.ids)}{key}"
        self.server.send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        self.ids.append(msg_id)
        return msg_id

    def expect(self, msg_id: Any) -> None:
        self.ids.append(msg_id)

    def open(self, text: str = MANIFEST, uri: str | None = None, language: Any = "yaml") -> str:
        uri = uri or self.uri()
        self.server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": language,
                                                                     "version": 1, "text": text}})
        return uri


def judge(server: RawServer, start: int, stderr_start: int, ctx: Ctx) -> None:
    """The attack suite's properties, for what happened since message `start`."""
    probe = server.request("workspace/executeCommand", {"command": "kube-lsp.status", "arguments": []})
    answer = server.response(probe, timeout=PROBE_SECONDS)
    assert "result" in answer and answer["result"]["kubeVersion"], answer
    for msg_id in ctx.ids:
        server.response(msg_id, timeout=PROBE_SECONDS)
    time.sleep(0.05)
    for msg_id in ctx.ids:
        assert len(server.responses(msg_id)) == 1, (msg_id, server.responses(msg_id))
    assert not server.framing_errors, server.framing_errors
    assert b"Traceback" not in server.raw_stdout
    new = server.messages[start:]
    shown = [m for m in new if m.get("method") == "window/showMessage"]
    if ctx.popups_ok:  # a user's settings or command problem may be shown; a crash never
        shown = [m for m in shown if any(w in m["params"]["message"] for w in CRASH_WORDS)]
    assert not shown, shown
    logs = [m["params"] for m in new if m.get("method") == "window/logMessage"]
    assert not [p for p in logs if "Traceback" in p["message"] or p["type"] == 1], logs  # 1: a handler failed
    err = bytes(server.stderr[stderr_start:])
    assert b"Traceback" not in err, err.decode(errors="replace")[-3000:]
    assert server.proc.poll() is None


class Pool:
    """One server shared by the attacks; replaced when an attack broke it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.server: RawServer | None = None

    def get(self) -> RawServer:
        s = self.server
        if s is None or s.proc.poll() is not None or s.framing_errors:
            if s is not None:
                self.drop()
            s = self.server = RawServer(self.root)
            s.initialize(self.root)
            # The early answer to initialize comes before the server is loaded: its start-up (seconds on a
            # loaded machine) is not the next attack's probe's business.
            s.response(s.request("workspace/executeCommand", {"command": "kube-lsp.status"}), timeout=30)
        return s

    def drop(self) -> None:
        if self.server is not None:
            if self.server.proc.poll() is None:
                self.server.proc.kill()
            self.server.proc.wait()
            self.server = None


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pool]:
    root = tmp_path_factory.mktemp("attacks")
    (root / "ws.yaml").write_text(MANIFEST.replace("name: web\n", "name: ws\n", 1))
    p = Pool(root)
    try:
        yield p
    finally:
        p.drop()


Attack = Callable[[Ctx], None]
SERVER_ATTACKS: dict[str, Attack] = {}


def attack(name: str, popups_ok: bool = False) -> Callable[[Attack], Attack]:
    def register(fn: Attack) -> Attack:
        assert name not in SERVER_ATTACKS
        SERVER_ATTACKS[name] = fn
        fn.popups_ok = popups_ok  # type: ignore[attr-defined]
        return fn
    return register


def status(msg_id: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": msg_id, "method": "workspace/executeCommand",
            "params": {"command": "kube-lsp.status", "arguments": []}}


def status_bytes(msg_id: Any) -> bytes:
    return json.dumps(status(msg_id)).encode()


# ---------------------------------------------------------------------------------------- framing

@attack("framing/length-2**63")
def _(c: Ctx) -> None:
    c.server.write(b"Content-Length: 9223372036854775808\r\n\r\n" + status_bytes(c.name))


@attack("framing/length-2**64-digits-overflow")
def _(c: Ctx) -> None:
    c.server.write(b"Content-Length: 999999999999999999999999999\r\n\r\n" + status_bytes(c.name))


@attack("framing/length-plus-sign")
def _(c: Ctx) -> None:
    body = status_bytes(c.name)
    c.server.write(b"Content-Length: +%d\r\n\r\n" % len(body) + body)


@attack("framing/length-spaces-around")
def _(c: Ctx) -> None:
    body = status_bytes(c.name)
    c.server.write(b"Content-Length:    %d   \r\n\r\n" % len(body) + body)
    c.expect(c.name)


@attack("framing/length-zero")
def _(c: Ctx) -> None:
    c.server.write(b"Content-Length: 0\r\n\r\n")


@attack("framing/length-duplicated-disagreeing")
def _(c: Ctx) -> None:
    body = status_bytes(c.name)
    c.server.write(b"Content-Length: %d\r\nContent-Length: %d\r\n\r\n" % (len(body) + 7, len(body)) + body)


@attack("framing/length-hex")
def _(c: Ctx) -> None:
    c.server.write(b"Content-Length: 0x40\r\n\r\n" + status_bytes(c.name))


@attack("framing/header-line-1mb-no-crlf")
def _(c: Ctx) -> None:
    c.server.write(b"X-Junk: " + b"a" * 1_000_000)
    c.server.write(frame(status(c.name)))


@attack("framing/header-1mb-after-length")
def _(c: Ctx) -> None:
    body = status_bytes(c.name + "-lost")
    c.server.write(b"Content-Length: %d\r\nX-Junk: " % len(body) + b"a" * 1_000_000 + b"\r\n\r\n" + body)


@attack("framing/unknown-headers")
def _(c: Ctx) -> None:
    body = status_bytes(c.name)
    c.server.write(b"X-Foo: bar\r\nContent-Length: %d\r\nX-Request-Id: 7\r\nAccept: */*\r\n\r\n" % len(body) + body)
    c.expect(c.name)


@attack("framing/content-type-latin1")
def _(c: Ctx) -> None:
    body = status_bytes(c.name)
    c.server.write(b"Content-Length: %d\r\nContent-Type: application/vscode-jsonrpc; charset=latin-1\r\n\r\n"
                   % len(body) + body)
    c.expect(c.name)


@attack("framing/content-type-utf16-body")
def _(c: Ctx) -> None:
    body = json.dumps(status(c.name)).encode("utf-16")
    c.server.write(b"Content-Length: %d\r\nContent-Type: application/json; charset=utf-16\r\n\r\n" % len(body) + body)
    c.expect(c.name)  # a request whose id can be read is answered (here: a parse error)


@attack("framing/body-invalid-utf8-in-string")
def _(c: Ctx) -> None:
    body = b'{"jsonrpc": "2.0", "id": "%s", "method": "workspace/executeCommand", "params": {"command": ' \
           b'"kube-lsp.status\xff\xfe", "arguments": []}}' % c.name.encode()
    c.server.write(frame(body))
    c.expect(c.name)


@attack("framing/body-json-then-garbage")
def _(c: Ctx) -> None:
    c.server.write(frame(status_bytes(c.name) + b" trailing garbage }}}"))
    c.expect(c.name)


@attack("framing/cr-only-header")
def _(c: Ctx) -> None:
    body = status_bytes(c.name)
    c.server.write(b"Content-Length: %d\r\r" % len(body) + body)


@attack("framing/nul-bytes-between-messages")
def _(c: Ctx) -> None:
    c.server.write(b"\x00" * 5000 + frame(status(c.name)) + b"\x00\x00")
    c.expect(c.name)


@attack("framing/many-tiny-frames")
def _(c: Ctx) -> None:
    c.server.write(b"".join(frame(status(f"{c.name}:{i}")) for i in range(300)))
    for i in range(300):
        c.expect(f"{c.name}:{i}")


# ------------------------------------------------------------------------------------- JSON values

@attack("json/array-of-numbers")
def _(c: Ctx) -> None:
    c.server.write(frame(b"[1, 2, 3]"))


@attack("json/number-huge-exponent")
def _(c: Ctx) -> None:
    c.server.write(frame(b"1e99999"))


@attack("json/true")
def _(c: Ctx) -> None:
    c.server.write(frame(b"true"))


@attack("json/batch-of-batches")
def _(c: Ctx) -> None:
    c.server.write(frame(json.dumps([[status(c.name + "-inner")], [], {}])))


@attack("json/batch-of-10k-nulls")
def _(c: Ctx) -> None:
    c.server.write(frame(json.dumps([None] * 10_000)))


@attack("json/deep-objects-100k")
def _(c: Ctx) -> None:
    c.server.write(frame(b'{"a":' * 100_000 + b"1" + b"}" * 100_000))


@attack("json/deep-params-of-a-request")
def _(c: Ctx) -> None:
    body = (b'{"jsonrpc": "2.0", "id": "%s", "method": "workspace/executeCommand", "params": {"command": '
            b'"kube-lsp.status", "arguments": [' % c.name.encode() + b"[" * 100_000 + b"]" * 100_000 + b"]}}")
    c.server.write(frame(body))
    c.expect(c.name)  # its id is readable: it gets its one answer


@attack("json/deep-but-parseable-settings", popups_ok=True)
def _(c: Ctx) -> None:
    deep: Any = 1
    for _ in range(900):
        deep = [deep]
    c.server.notify("workspace/didChangeConfiguration", {"settings": {"kubeLsp": {"rules": deep}}})
    c.request("workspace/executeCommand", {"command": "kube-lsp.status", "arguments": [deep]})


@attack("json/int-too-many-digits")
def _(c: Ctx) -> None:
    body = b'{"jsonrpc": "2.0", "id": "%s", "method": "textDocument/hover", "params": {"textDocument": ' \
           b'{"uri": "file:///x.yaml"}, "position": {"line": %s, "character": 0}}}' % (c.name.encode(), b"9" * 5000)
    c.server.write(frame(body))
    c.expect(c.name)


@attack("json/duplicate-keys")
def _(c: Ctx) -> None:
    body = b'{"jsonrpc": "2.0", "id": "%s", "method": "nope", "method": "workspace/executeCommand", ' \
           b'"params": {"command": "kube-lsp.status", "arguments": []}}' % c.name.encode()
    c.server.write(frame(body))
    c.expect(c.name)


# ----------------------------------------------------------------------------------------- ids

for _label, _value in [("huge-int", 10**30), ("negative", -7), ("zero", 0), ("empty-string", ""),
                       ("string-1mb", "x" * 1_000_000), ("unicode", "ïd-\u2028-\U0001f600")]:
    def _make(value: Any) -> Attack:
        def run(c: Ctx) -> None:
            if isinstance(value, int):
                value_ = value + (abs(hash(c.name)) % 1000) * (1 if value >= 0 else -1)
            else:
                value_ = f"{value}{c.name}" if value else value
            c.server.send(status(value_))
            c.expect(value_)
        return run
    attack(f"ids/{_label}")(_make(_value))


@attack("ids/float-integral")
def _(c: Ctx) -> None:
    c.server.send(status(3.0))


@attack("ids/same-id-twice")
def _(c: Ctx) -> None:
    c.server.write(frame(status(c.name)) + frame(status(c.name + "-2")))
    c.expect(c.name)
    c.expect(c.name + "-2")


@attack("ids/id-on-a-response-with-both-result-and-error")
def _(c: Ctx) -> None:
    c.server.send({"jsonrpc": "2.0", "id": 12345, "result": 1, "error": {"code": 1, "message": "x"}})


@attack("ids/response-with-null-id")
def _(c: Ctx) -> None:
    c.server.send({"jsonrpc": "2.0", "id": None, "result": [1]})


# ----------------------------------------------------------------------------------- requests' shape

@attack("shape/jsonrpc-missing")
def _(c: Ctx) -> None:
    msg = status(c.name)
    del msg["jsonrpc"]
    c.server.send(msg)
    c.expect(c.name)


@attack("shape/jsonrpc-number")
def _(c: Ctx) -> None:
    c.server.send({**status(c.name), "jsonrpc": 2.0})
    c.expect(c.name)


@attack("shape/method-not-a-string")
def _(c: Ctx) -> None:
    for i, method in enumerate([42, None, ["a"], {"a": 1}, True]):
        c.server.send({"jsonrpc": "2.0", "id": f"{c.name}:{i}", "method": method, "params": {}})
        c.expect(f"{c.name}:{i}")


@attack("shape/method-empty-and-odd")
def _(c: Ctx) -> None:
    for method in ["", " ", "textDocument/hover\x00", "$/", "textdocument/HOVER", "x" * 100_000]:
        c.request(method, {})


@attack("shape/params-scalar-for-by-name-methods")
def _(c: Ctx) -> None:
    for method in ["textDocument/hover", "textDocument/completion", "workspace/executeCommand",
                   "textDocument/documentSymbol", "workspace/symbol", "textDocument/codeAction"]:
        for params in ([1, 2], "x", 5, True):
            c.request(method, params)


@attack("shape/params-extra-fields")
def _(c: Ctx) -> None:
    c.request("workspace/executeCommand", {"command": "kube-lsp.status", "arguments": [], "zzz": {"deep": [1]}})


@attack("shape/cancel-request-garbage")
def _(c: Ctx) -> None:
    for params in [{"id": "nobody"}, {"id": 10**40}, {"id": None}, {"id": {"a": 1}}, {}, [1], None, "x"]:
        c.server.notify("$/cancelRequest", params)
    c.server.send({"jsonrpc": "2.0", "method": "$/cancelRequest"})


@attack("shape/cancel-a-running-request")
def _(c: Ctx) -> None:
    uri = c.open()
    msg_id = c.request("textDocument/documentSymbol", {"textDocument": {"uri": uri}})
    c.server.notify("$/cancelRequest", {"id": msg_id})
    c.server.notify("$/cancelRequest", {"id": msg_id})


@attack("shape/set-trace-garbage")
def _(c: Ctx) -> None:
    for params in [{"value": "bogus"}, {"value": 5}, {}, None, [1], {"value": "verbose"}, {"value": "off"}]:
        c.server.notify("$/setTrace", params)


@attack("shape/progress-and-dollar-noise")
def _(c: Ctx) -> None:
    c.server.notify("$/progress", {"token": {"x": 1}, "value": "garbage"})
    c.server.notify("$/logTrace", {"message": 5})
    c.request("$/cancelRequest", {"id": "x"})


@attack("shape/notifications-with-an-id")
def _(c: Ctx) -> None:
    uri = c.uri()
    for method, params in [("initialized", {}), ("$/setTrace", {"value": "off"}),
                           ("textDocument/didClose", {"textDocument": {"uri": uri}}),
                           ("workspace/didChangeWatchedFiles", {"changes": []}),
                           ("textDocument/didSave", {"textDocument": {"uri": uri}})]:
        c.request(method, params)


@attack("shape/client-responses-to-nothing")
def _(c: Ctx) -> None:
    for msg in [{"jsonrpc": "2.0", "id": 1, "result": None}, {"jsonrpc": "2.0", "id": "x" * 10_000, "result": {}},
                {"jsonrpc": "2.0", "id": [1], "result": 1}, {"jsonrpc": "2.0", "id": 2, "error": None},
                {"jsonrpc": "2.0", "id": 3, "error": {"code": "x"}}, {"id": 4, "result": 1}]:
        c.server.send(msg)


@attack("shape/second-initialize-with-garbage")
def _(c: Ctx) -> None:
    c.request("initialize", {"processId": "x", "capabilities": 5})
    c.request("initialize", None)


@attack("shape/initialized-twice")
def _(c: Ctx) -> None:
    c.server.notify("initialized", {})
    c.server.notify("initialized", {"x": 1})


# ------------------------------------------------------------------------------------- documents

@attack("docs/change-never-opened")
def _(c: Ctx) -> None:
    c.server.notify("textDocument/didChange", {"textDocument": {"uri": c.uri(), "version": 2},
                                               "contentChanges": [{"text": "kind: Pod\n"}]})
    c.request("textDocument/hover", {"textDocument": {"uri": c.uri()}, "position": {"line": 0, "character": 0}})


def _change(c: Ctx, uri: str, version: int, changes: list[dict[str, Any]]) -> None:
    c.server.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                               "contentChanges": changes})


def _rng(sl: int, sc: int, el: int, ec: int) -> dict[str, Any]:
    return {"start": {"line": sl, "character": sc}, "end": {"line": el, "character": ec}}


@attack("docs/change-odd-ranges")
def _(c: Ctx) -> None:
    uri = c.open("a: 😀😀\nb: c\n")
    _change(c, uri, 5, [{"range": _rng(0, 3, 0, 3), "text": "x"}])
    _change(c, uri, 3, [{"range": _rng(0, 0, 0, 1), "text": "y"}])  # version backwards
    _change(c, uri, 6, [{"range": _rng(500, 0, 900, 4), "text": "past: end\n"}])
    _change(c, uri, 7, [{"range": _rng(1, 3, 0, 1), "text": "end-before-start"}])
    _change(c, uri, 8, [{"range": _rng(0, 4, 0, 5), "text": "mid-surrogate"}])
    _change(c, uri, 9, [{"range": _rng(2**31 - 1, 2**31 - 1, 2**31 - 1, 2**31 - 1), "text": "z"}])
    _change(c, uri, 10, [{"range": _rng(0, 0, 0, 0), "rangeLength": -5, "text": ""}])
    _change(c, uri, 11, [{"range": _rng(0, 0, 0, 0), "text": "x" * 100_000 + "\n"}] * 20)
    _change(c, uri, 12, [])
    _change(c, uri, 2**31 - 1, [{"text": "kind: Pod\n"}])
    c.request("textDocument/documentSymbol", {"textDocument": {"uri": uri}})
    c.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 4}})


@attack("docs/close-twice-and-never-opened")
def _(c: Ctx) -> None:
    uri = c.open()
    for _ in range(3):
        c.server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    c.server.notify("textDocument/didClose", {"textDocument": {"uri": c.uri(".other.yaml")}})
    c.request("textDocument/documentSymbol", {"textDocument": {"uri": uri}})


@attack("docs/open-twice")
def _(c: Ctx) -> None:
    uri = c.open()
    c.open("kind: Pod\n", uri)
    c.request("textDocument/documentSymbol", {"textDocument": {"uri": uri}})


@attack("docs/language-id-garbage")
def _(c: Ctx) -> None:
    for i, lang in enumerate(["", "python", "x" * 100_000, "\u0000", 42, None]):
        c.open(MANIFEST, c.uri(f".{i}.yaml"), lang)


def _every_request(c: Ctx, uri: str, lines: int = 3) -> None:
    """Every request the server offers, at a few positions of the document."""
    td = {"uri": uri}
    for line, char in [(0, 0), (lines // 2, 3), (lines + 5, 0), (0, 10**6)]:
        pos = {"textDocument": td, "position": {"line": line, "character": char}}
        for method in ("textDocument/hover", "textDocument/completion", "textDocument/definition",
                       "textDocument/prepareRename"):
            c.request(method, pos)
        c.request("textDocument/references", {**pos, "context": {"includeDeclaration": True}})
        c.request("textDocument/rename", {**pos, "newName": "Not A Valid/Name\n"})
        c.request("textDocument/codeAction", {"textDocument": td, "range": _rng(line, 0, line, char),
                                              "context": {"diagnostics": []}})
    for method in ("textDocument/documentSymbol", "textDocument/foldingRange", "textDocument/codeLens"):
        c.request(method, {"textDocument": td})


WEIRD_DOCUMENTS: dict[str, tuple[str, str]] = {
    "nul-bytes": ("", "apiVersion: v1\x00\nkind: Config\x00Map\nmetadata: {name: \x00}\n"),
    "cr-only": ("", MANIFEST.replace("\n", "\r")),
    "bom": ("", "\ufeff" + MANIFEST),
    "one-line-1m": ("", "data: " + "x" * 1_000_000 + "\n"),
    "lone-surrogates": ("", "kind: \ud800Pod\nx: \udfff\n"),
    "controls-and-bidi": ("", "kind: Pod\u202e\u0085\u2028\x1b[31m\nmetadata: {name: \x7f}\n"),
    "tabs": ("", "kind: Pod\nmetadata:\n\tname: x\n"),
    "alias-bomb": ("", "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join('*' + chr(97 + i) for _ in range(9))}]\n" for i in range(8))),
    "deep-flow": ("", "kind: Pod\nspec: " + "[" * 20_000 + "]" * 20_000 + "\n"),
    "untitled-uri": ("untitled:Untitled-1", MANIFEST),
    "http-uri": ("http://example.com/a.yaml?x=1#f", MANIFEST),
    "percent-escapes-uri": ("file:///tmp/%00%2F%ZZ%e9%20a.yaml", MANIFEST),
    "long-uri": ("file:///tmp/" + "a" * 10_000 + ".yaml", MANIFEST),
    "nul-in-uri": ("file:///tmp/a\u0000b.yaml", MANIFEST),
    "not-a-uri": ("just some words", MANIFEST),
    "root-dir-uri": ("file:///", MANIFEST),
    "dev-zero-uri": ("file:///dev/zero", MANIFEST),
}


for _doc, (_uri, _text) in WEIRD_DOCUMENTS.items():
    def _make_doc(uri: str, text: str) -> Attack:
        def run(c: Ctx) -> None:
            used = c.open(text, uri or None)
            _every_request(c, used, text.count("\n"))
            c.server.notify("textDocument/didClose", {"textDocument": {"uri": used}})
        return run
    attack(f"requests/{_doc}")(_make_doc(_uri, _text))


@attack("requests/unopened-document")
def _(c: Ctx) -> None:
    _every_request(c, c.uri(".never.yaml"))


@attack("requests/code-action-bogus-context")
def _(c: Ctx) -> None:
    uri = c.open()
    td = {"uri": uri}
    for context in [{"diagnostics": [{"range": _rng(0, 0, 0, 1), "message": "x", "data": {"fixes": [[[1]]]},
                                      "code": "KL999"}]},
                    {"diagnostics": [], "only": ["bogus", ""], "triggerKind": 1},
                    {"diagnostics": [{"range": _rng(10**6, 0, 0, 0), "message": "", "code": 5}]},
                    {"diagnostics": 5}, {}]:
        c.request("textDocument/codeAction", {"textDocument": td, "range": _rng(0, 0, 2, 0), "context": context})


@attack("requests/code-lens-resolve-garbage")
def _(c: Ctx) -> None:
    for data in [None, 42, {"uri": 5}, "x" * 100_000]:
        c.request("codeLens/resolve", {"range": _rng(0, 0, 0, 0), "data": data})
    c.request("codeLens/resolve", {"range": "nope"})


@attack("requests/unoffered-methods")
def _(c: Ctx) -> None:
    uri = c.open()
    for method in ("textDocument/formatting", "textDocument/semanticTokens/full", "textDocument/inlayHint",
                   "textDocument/signatureHelp", "completionItem/resolve", "workspace/willRenameFiles"):
        c.request(method, {"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": True}})


@attack("requests/workspace-symbol-queries")
def _(c: Ctx) -> None:
    for query in ["x" * 1_000_000, "(((", ".*", "\\", "[", "*?+{}", "\x00", "\ud800", ""]:
        c.request("workspace/symbol", {"query": query})


@attack("requests/rename-invalid-names")
def _(c: Ctx) -> None:
    uri = c.open()
    pos = {"textDocument": {"uri": uri}, "position": {"line": 3, "character": 9}}
    for name in ["", "a b", "\n", "UPPER", "x" * 1_000_000, "../etc", "\ud800"]:
        c.request("textDocument/rename", {**pos, "newName": name})


for _command in COMMANDS:
    def _make_cmd(command: str) -> Attack:
        def run(c: Ctx) -> None:
            uri = c.open()
            for args in ([], [42], [None], [{"a": 1}], ["x" * 1_000_000], [uri, "x"], [uri, 10**30],
                         [uri, -1, -1], [[[[]]]], [uri, 0, 2**31], [{"uri": uri, "document": True}],
                         ["file:///dev/zero", 0], [1.5, 2.5]):
                c.request("workspace/executeCommand", {"command": command, "arguments": args})
            c.request("workspace/executeCommand", {"command": command})
        return run
    attack(f"commands/{_command}", popups_ok=True)(_make_cmd(_command))


@attack("commands/unknown-and-odd-names")
def _(c: Ctx) -> None:
    for name in ["", "kube-lsp.", "kube-lsp.STATUS", "x" * 100_000, "kube-lsp.status\n"]:
        c.request("workspace/executeCommand", {"command": name, "arguments": []})


# ------------------------------------------------------------------------------------ settings

WRONG_SETTINGS: list[Any] = [
    {"kubeVersion": 42}, {"kubeVersion": []}, {"kubeVersion": {"a": 1}}, {"kubeVersion": "abc"},
    {"kubeVersion": "1.99999999999999999999"}, {"kubeVersion": ["1.29"] * 10_000}, {"kubeVersion": True},
    {"rules": "x"}, {"rules": [1]}, {"rules": {"KL100": 42}}, {"rules": {"x" * 10_000: "off"}},
    {"exclude": 42}, {"exclude": ["[", "**/***", "\x00"]}, {"exclude": "x"},
    {"maxFileSize": -1}, {"maxFileSize": "x"}, {"maxFileSize": 1e308}, {"maxFileSize": 1e-300},
    {"maxFileSize": True}, {"maxFileSize": 10**400},
    {"cluster": "x"}, {"cluster": {"kubeconfig": 42}}, {"cluster": {"kubeconfig": "/dev/zero"}},
    {"cluster": {"context": ["a"]}, "x": None}, {"cluster": {"contexts": "abc"}}, {"cluster": {"live": "yes"}},
    {"cluster": {"timeout": -5}}, {"cluster": {"timeout": 1e308}},
    {"podSecurity": 42}, {"podSecurity": "ultra"}, {"packs": "x"}, {"packs": [None]}, {"namespace": 42},
    {"severity": {"KL100": "fatal"}}, {"kubeLsp": 5}, {"settings": []}, 42, [], "x", None,
]


@attack("settings/every-setting-wrong-type", popups_ok=True)
def _(c: Ctx) -> None:
    for settings in WRONG_SETTINGS:
        c.server.notify("workspace/didChangeConfiguration",
                        {"settings": {"kubeLsp": settings} if isinstance(settings, dict) else settings})
    c.server.notify("workspace/didChangeConfiguration", {"settings": {"kubeLsp": {}}})
    c.server.notify("workspace/didChangeConfiguration", {"settings": {"kubeLsp": {"kubeVersion": "1.37"}}})


@attack("settings/initialization-options-via-set-kube-version", popups_ok=True)
def _(c: Ctx) -> None:
    for version in ["", "1.", "v1.37", "1.37.0", "x" * 100_000, "1.2", "1.99"]:
        c.request("workspace/executeCommand", {"command": "kube-lsp.setKubeVersion", "arguments": [version]})
    c.request("workspace/executeCommand", {"command": "kube-lsp.setKubeVersion", "arguments": ["1.37"]})


# ------------------------------------------------------------------------------- watched files

@attack("watched/bogus-uris")
def _(c: Ctx) -> None:
    fifo = c.root / f"{c.name.replace('/', '-')}.fifo.yaml"
    os.mkfifo(fifo)
    d = c.root / f"{c.name.replace('/', '-')}.dir.yaml"
    d.mkdir()
    zero = c.root / f"{c.name.replace('/', '-')}.zero.yaml"
    zero.symlink_to("/dev/zero")
    changes = [{"uri": u, "type": t} for u in ["not a uri.yaml", "http://x/a.yaml", "file:///dev/zero.yaml",
                                               fifo.as_uri(), d.as_uri(), zero.as_uri(),
                                               (c.root / "deleted.yaml").as_uri(), "file:///%00.yaml",
                                               "file:///" + "a" * 5000 + ".yaml"] for t in (1, 2, 3)]
    c.server.notify("workspace/didChangeWatchedFiles", {"changes": changes})
    c.server.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": "file:///a.yaml", "type": 99}]})
    c.server.notify("workspace/didChangeWatchedFiles", {"changes": 5})
    c.request("workspace/symbol", {"query": ""})


@attack("watched/flood-of-changes")
def _(c: Ctx) -> None:
    changes = [{"uri": (c.root / f"gone-{i}.yaml").as_uri(), "type": 3} for i in range(10_000)]
    c.server.notify("workspace/didChangeWatchedFiles", {"changes": changes})


@attack("watched/indexed-file-replaced-by-fifo")
def _(c: Ctx) -> None:
    """A workspace file that became a named pipe (or /dev/zero) after it was indexed: locations in it
    are computed without reading it."""
    ws = c.root / "ws.yaml"
    saved = ws.read_text()
    ws.unlink()
    os.mkfifo(ws)
    try:
        c.server.response(c.request("workspace/symbol", {"query": "ws"}), timeout=PROBE_SECONDS)
    finally:
        ws.unlink()
        ws.symlink_to("/dev/zero")
    try:
        c.server.response(c.request("workspace/symbol", {"query": "ws"}), timeout=PROBE_SECONDS)
    finally:
        ws.unlink()
        ws.write_text(saved)


# ------------------------------------------------------------------------------------ the driver


@pytest.mark.parametrize("name", list(SERVER_ATTACKS))
def test_server_attack(pool: Pool, name: str) -> None:
    server = pool.get()
    fn = SERVER_ATTACKS[name]
    ctx = Ctx(server, pool.root, name.replace("/", "-"), [], getattr(fn, "popups_ok", False))
    start, err = len(server.messages), len(server.stderr)
    try:
        fn(ctx)
        judge(server, start, err, ctx)
    except BaseException:
        pool.drop()
        raise


# ------------------------------------------------------------------------- process-level attacks


def _serve(cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "kube_lsp", "serve"], cwd=cwd, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _init_bytes(root: Path) -> bytes:
    return frame({"jsonrpc": "2.0", "id": 0, "method": "initialize",
                  "params": {"processId": None, "rootUri": root.as_uri(), "capabilities": {}}}) \
        + frame({"jsonrpc": "2.0", "method": "initialized", "params": {}})


def test_flood_without_reading_does_not_deadlock(tmp_path: Path) -> None:
    """10,000 requests written by a client that reads nothing until it has written them all: the server
    keeps reading while its output waits, so the client's writes complete, then every answer arrives."""
    proc = _serve(tmp_path)
    assert proc.stdin is not None and proc.stdout is not None
    n = 10_000
    data = _init_bytes(tmp_path) + b"".join(frame(status(i)) for i in range(1, n + 1))
    done = threading.Event()

    def write() -> None:
        assert proc.stdin is not None
        try:
            proc.stdin.write(data)
            proc.stdin.flush()
        finally:
            done.set()

    threading.Thread(target=write, daemon=True).start()
    try:
        assert done.wait(60), "the server stopped reading its input while its output was not read"
        server = _Adopted(proc)
        server.response(n, timeout=60)
        ids = [m.get("id") for m in server.messages if "method" not in m]
        assert sorted(i for i in ids if isinstance(i, int) and i > 0) == list(range(1, n + 1))
        server.alive()
    finally:
        proc.kill()
        proc.wait()


class _Adopted(RawServer):
    """A RawServer around a process already started (and fed) by the test."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc = proc
        self.messages = []
        self.framing_errors = []
        self.raw_stdout = bytearray()
        self.stderr = bytearray()
        self._cond = threading.Condition()
        self._next_id = 10**6
        self._ended = False
        self.replies = {}
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()


def test_stdin_closed_mid_message_exits_promptly(tmp_path: Path) -> None:
    server = _Adopted(_serve(tmp_path))
    server.initialize(tmp_path)
    server.response(server.request("workspace/executeCommand", {"command": "kube-lsp.status"}), timeout=30)
    server.write(b"Content-Length: 500\r\n\r\n{\"jsonrpc\": \"2.0\", \"id\": 7, \"me")
    time.sleep(0.2)
    started = time.monotonic()
    assert server.proc.stdin is not None
    server.proc.stdin.close()
    assert server.proc.wait(timeout=10) == 1
    assert time.monotonic() - started < 2
    server.check_output()
    assert b"Traceback" not in server.stderr


def test_stdin_closed_inside_a_header_exits_promptly(tmp_path: Path) -> None:
    proc = _serve(tmp_path)
    assert proc.stdin is not None
    proc.stdin.write(_init_bytes(tmp_path) + b"Content-Len")
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 1 and b"Traceback" not in out + err
    _valid_frames(out)


def test_client_closes_its_reader(tmp_path: Path) -> None:
    """The client stops reading (closes the server's stdout): the server ends quietly, at once or when its
    input ends, with no traceback."""
    proc = _serve(tmp_path)
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    proc.stdin.write(_init_bytes(tmp_path))
    proc.stdin.flush()
    time.sleep(0.5)
    proc.stdout.close()
    try:
        for i in range(200):
            proc.stdin.write(frame(status(i)))
        proc.stdin.flush()
        time.sleep(0.5)
        proc.stdin.close()
    except BrokenPipeError:
        pass  # it ended already
    proc.wait(timeout=10)
    assert proc.returncode in (0, 1)
    assert b"Traceback" not in proc.stderr.read()


def _valid_frames(out: bytes) -> list[dict[str, Any]]:
    msgs = []
    while out:
        head, sep, rest = out.partition(b"\r\n\r\n")
        assert sep, out[:200]
        assert head.startswith(b"Content-Length: "), head
        n = int(head.split(b":")[1])
        msgs.append(json.loads(rest[:n]))
        out = rest[n:]
    return msgs


FIRST_MESSAGES: dict[str, bytes] = {
    "deep-initialize": b'{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}, '
                       b'"initializationOptions": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}",
    "capabilities-wrong-shape": json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "processId": None, "capabilities": {"textDocument": {"hover": 5, "synchronization": "x"},
                                            "general": {"positionEncodings": 42}}}}).encode(),
    "trace-bogus": json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "processId": None, "capabilities": {}, "trace": "loud", "clientInfo": {"name": 5}}}).encode(),
    "workspace-folders-garbage": json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "processId": None, "capabilities": {}, "rootUri": "http://x/",
        "workspaceFolders": [{"uri": "", "name": "a"}, {"uri": "file:///dev/zero", "name": "b"},
                             {"uri": "not a uri", "name": 5}]}}).encode(),
    "initialization-options-wrong": json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "processId": None, "capabilities": {},
        "initializationOptions": {"kubeVersion": {"x": 1}, "rules": 5, "maxFileSize": 1e308, "cluster": 7}}}
    ).encode(),
    "process-id-bogus": json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "processId": -1, "capabilities": {}, "locale": 5}}).encode(),
    "invalid-utf8": b'{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}, '
                    b'"rootPath": "\xff\xfe"}}',
    "length-too-long": b"",  # see below
}


@pytest.mark.parametrize("name", list(FIRST_MESSAGES))
def test_garbage_first_message(tmp_path: Path, name: str) -> None:
    """The first message is read by the early `initialize` path (kube_lsp/lsp/early.py): whatever it is, the
    client gets one answer to it and the server then works (after a second initialize when the first failed)."""
    proc = _serve(tmp_path)
    assert proc.stdin is not None
    server = _Adopted(proc)
    body = FIRST_MESSAGES[name]
    try:
        if name == "length-too-long":
            body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                               "params": {"processId": None, "capabilities": {}}}).encode()
            server.write(frame(body, length=len(body) + 30))
            time.sleep(0.3)
            server.write(frame({"jsonrpc": "2.0", "id": 2, "method": "initialize",
                                "params": {"processId": None, "capabilities": {}}}))
            first = server.response(1)  # found again at the next header; the second one is refused
            assert server.response(2)["error"]["code"] == -32600
        else:
            server.write(frame(body))
            first = server.response(1)
        if "error" in first:
            server.initialize(tmp_path)
        else:
            server.notify("initialized", {})
        # The early answer comes before the server is loaded: the first answer of the server may take longer.
        answer = server.response(server.request("workspace/executeCommand", {"command": "kube-lsp.status"}),
                                 timeout=30)
        assert "result" in answer, answer
        assert not server.framing_errors and b"Traceback" not in server.raw_stdout
        shown = [m for m in server.messages if m.get("method") == "window/showMessage"
                 and not m["params"]["message"].startswith("kube-lsp settings:")]
        assert not shown, shown
        err = bytes(server.stderr)
        assert b"Traceback" not in err, err.decode(errors="replace")[-3000:]
    finally:
        server.close()


# -------------------------------------------------------------------------------------------- CLI

FULL = os.environ.get("KUBE_LSP_ATTACKS") == "full"
SCALE = 5 if FULL else 1
"""KUBE_LSP_ATTACKS=full: the big inputs five times bigger, and the 5,000-file directory; the default keeps the
module under 90 s."""


@dataclass(frozen=True)
class CliRun:
    code: int
    out: str
    err: str
    seconds: float


def cli(args: list[str], cwd: Path, *, stdin: bytes | None = None, env: dict[str, str] | None = None,
        timeout: float = 60) -> CliRun:
    started = time.monotonic()
    try:
        r = subprocess.run([sys.executable, "-m", "kube_lsp", *args], cwd=cwd, input=stdin if stdin is not None
                           else b"", capture_output=True, timeout=timeout, env={**os.environ, **(env or {})},
                           check=False)
    except subprocess.TimeoutExpired:
        return CliRun(-999, "", f"timed out after {timeout} s", time.monotonic() - started)
    return CliRun(r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace"),
                  time.monotonic() - started)


def valid_output(fmt: str | None, out: str) -> int:
    """Check that `out` is valid in format `fmt`; the number of findings it holds (lines for text)."""
    if fmt == "json":
        data = json.loads(out)
        assert isinstance(data["findings"], list) and isinstance(data["summary"], dict)
        return len(data["findings"])
    if fmt == "sarif":
        data = json.loads(out)
        assert data["version"] == "2.1.0" and isinstance(data["runs"][0]["results"], list)
        return len(data["runs"][0]["results"])
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in out.splitlines() if line]  # FORCE_COLOR's colours
    if fmt == "github":
        for line in lines:
            assert line.startswith(("::error ", "::warning ", "::notice ")), line
            props = line.split("::")[1].split(" ", 1)[1]
            assert all("=" in part for part in props.split(",")), line
    elif fmt in ("concise", "text"):  # not a terminal: text is concise
        for line in lines:
            assert any(f": {level} KL" in line for level in ("error", "warning", "info", "hint")), line
    return len(lines)


@dataclass
class CliCase:
    args: list[str]
    fmt: str | None  # the output format to validate (None: not one of the formats)
    cwd: Path
    stdin: bytes = b""
    env: dict[str, str] | None = None
    codes: tuple[int, ...] = (0, 1, 2)
    bound: float = 30.0
    check: Callable[[CliRun], None] | None = None


def _write(path: Path, data: bytes | str) -> Path:
    path.write_bytes(data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data)
    return path


FORMATS = ("text", "full", "concise", "json", "sarif", "github")

ODD_NAMES = ["a\nb.yaml", "a,b::c%0A.yaml", "ünï cødé ✓.yaml", "quote\"'`.yaml", "-dash.yaml",
             "esc\x1b[31m.yaml", "tab\t.yaml", "back\\slash.yaml", "%25%.yaml", "\u202eevil.yaml"]
ODD_TEXT = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"A,B::C%\\n\\u001b[31m\"\n"
            "  \"weird\\nkey::,%0A\\u202e\": 1\ndata: {k: v}\nzzz%0A\\n: \"\\u0000\"\n")


CLI_FILES: dict[str, Callable[[], bytes | str]] = {
    "deep-flow-100k": lambda: "a: " + "[" * 100_000 + "]" * 100_000 + "\n",
    "deep-flow-maps-100k": lambda: "a: " + "{a: " * 100_000 + "1" + "}" * 100_000 + "\n",
    "deep-block-seq-100k": lambda: "- " * 100_000 + "x\n",
    "deep-block-map-3k": lambda: "".join(" " * i + f"k{i}:\n" for i in range(3000)) + " " * 3000 + "v: 1\n",
    "many-keys": lambda: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n" + "".join(
        f"  k{i}: v\n" for i in range(SCALE * 10_000)),
    "many-separators": lambda: "---\n" * (SCALE * 50_000),
    "tabs": lambda: "apiVersion: v1\nkind: Pod\nmetadata:\n\tname: x\nspec:\t{}\n",
    "nul-late": lambda: MANIFEST + "# " + "x" * 10_000 + "\x00\n",
    "utf16-bom": lambda: b"\xff\xfe" + MANIFEST.encode("utf-16-le"),
    "utf16-be-bom": lambda: b"\xfe\xff" + MANIFEST.encode("utf-16-be"),
    "utf32-bom": lambda: b"\xff\xfe\x00\x00" + MANIFEST.encode("utf-32-le"),
    "latin1": lambda: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {k: Zürich}\n".encode("latin-1"),
    "alias-bomb": lambda: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"
    + "a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
    + "".join(f"a{i}: &a{i} [{', '.join(f'*a{i - 1}' for _ in range(9))}]\n" for i in range(1, 12))
    + "data:\n  k: *a11\n",
    "python-tags": lambda: "apiVersion: !!python/object/apply:os.system ['echo pwned > /tmp/pwned']\n"
    "kind: !!python/name:os.system\nmetadata: !!python/object:__main__.X {name: x}\nx: !!binary 'AAAA'\n"
    "y: !custom {a: 1}\nz: !!set {a, b}\nw: !!omap [a: 1]\n",
    "huge-numbers": lambda: "apiVersion: v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  replicas: "
    + "9" * 10_000 + "\n  minReadySeconds: 1e99999\n  x: 0x" + "f" * 5000 + "\n  y: -.inf\n  z: .nan\n"
    "  w: 0o" + "7" * 5000 + "\n  v: 1_000_000_000_000_000_000\n",
    "merge-key-loops": lambda: "base: &b {x: 1}\nloop: &l\n  <<: *b\n  <<: [*b, *b]\nself: &s {<<: *s}\n"
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {<<: *b, name: x}\n",
    "merge-key-garbage": lambda: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  <<: 5\n  name: x\ndata:\n"
    "  <<: [1, [2]]\n  <<: \"s\"\n",
    "duplicate-keys": lambda: "apiVersion: v1\napiVersion: v2\nkind: ConfigMap\nkind: Pod\nmetadata: {name: a, "
    "name: b}\n" * 50,
    "undefined-alias": lambda: "apiVersion: v1\nkind: *nope\nmetadata: *also\n",
    "anchors-everywhere": lambda: "".join(f"&a{i} k{i}: &b{i} v\n" for i in range(SCALE * 5_000)),
    "long-line": lambda: "data: " + "x" * (SCALE * 2_000_000) + "\n",
    "control-chars": lambda: "kind: Pod\x07\x08\x0b\x0c\x1b\x7f\x85\nmetadata: {name: \"\\x1b[2J\"}\n",
    "only-bom": lambda: b"\xef\xbb\xbf",
    "double-bom": lambda: b"\xef\xbb\xbf\xef\xbb\xbf" + MANIFEST.encode(),
    "cr-only": lambda: MANIFEST.replace("\n", "\r"),
    "directives": lambda: "%YAML 1.1\n%TAG ! tag:evil,2000:\n%YAML 9.9\n--- !foo\nkind: Pod\n" * 3,
    "lone-surrogate-bytes": lambda: b"kind: \xed\xa0\x80Pod\n",
    "overlong-utf8": lambda: b"kind: \xc0\xafPod\n",
    "complex-keys": lambda: "? [a, b]\n: 1\n? {x: y}\n: 2\napiVersion: v1\nkind: ConfigMap\n? - x\n: 3\n",
}


CONFIGS: dict[str, Callable[[Path], list[str]]] = {
    "config-is-a-directory": lambda d: ["--config", str(d)],
    "config-dev-zero": lambda d: ["--config", "/dev/zero"],
    "config-fifo": lambda d: (os.mkfifo(d / "fifo.yaml"), ["--config", str(d / "fifo.yaml")])[1],
    "config-dev-null": lambda d: ["--config", "/dev/null"],
    "config-alias-bomb": lambda d: ["--config", str(_write(d / "bomb.yaml", "a0: &a0 [x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"a{i}: &a{i} [{','.join(f'*a{i - 1}' for _ in range(9))}]\n" for i in range(1, 12)) + "rules: *a11\n"))],
    "config-deep": lambda d: ["--config", str(_write(d / "deep.yaml", "rules: " + "[" * 100_000 + "]" * 100_000))],
    "config-python-tag": lambda d: ["--config", str(_write(d / "py.yaml",
                                                           "rules: !!python/object/apply:os.system ['true']\n"))],
    "config-utf16": lambda d: ["--config", str(_write(d / "u16.yaml",
                                                      b"\xff\xfe" + "rules: {}\n".encode("utf-16-le")))],
    "config-huge-numbers": lambda d: ["--config", str(_write(d / "n.yaml", "kubeVersion: 1." + "9" * 5000 + "\n"
                                                                           "maxFileSize: 1e999\n"))],
    "config-nonexistent": lambda d: ["--config", str(d / "nope.yaml")],
    "max-file-size-nan": lambda d: ["--max-file-size", "nan"],
    "max-file-size-inf": lambda d: ["--max-file-size", "inf"],
    "max-file-size-negative": lambda d: ["--max-file-size", "-1"],
    "max-file-size-1e999": lambda d: ["--max-file-size", "1e999"],
    "kube-version-garbage": lambda d: ["--kube-version", "1." + "9" * 5000],
    "stdin-filename-odd": lambda d: ["--stdin-filename", "a\nb::c,d%\x1b[31m" + "x" * 100_000, "-"],
    "path-component-too-long": lambda d: [str(d / ("a" * 300 + ".yaml"))],
    "path-100kb": lambda d: ["/".join(["x"] * 50_000) + ".yaml"],
    "path-with-newline-missing": lambda d: ["no\nsuch.yaml"],
    "many-argv-paths": lambda d: [str(_write(d / "m.yaml", MANIFEST))] * 300,
    "path-is-dev-zero": lambda d: ["/dev/zero"],
    "path-is-proc-file": lambda d: ["/proc/self/status"],
}


ENVS: dict[str, dict[str, str]] = {
    "no-color-empty": {"NO_COLOR": ""},
    "no-color-garbage": {"NO_COLOR": "\x1b[31m"},
    "force-color-garbage": {"FORCE_COLOR": "banana"},
    "force-color-and-no-color": {"FORCE_COLOR": "1", "NO_COLOR": "1"},
    "columns-negative": {"COLUMNS": "-5"},
    "columns-garbage": {"COLUMNS": "abc"},
    "columns-huge": {"COLUMNS": "9" * 40},
    "term-dumb": {"TERM": "dumb", "FORCE_COLOR": "3"},
    "cache-max-garbage": {"KUBE_LSP_CACHE_MAX_MB": "abc"},
    "cache-max-negative": {"KUBE_LSP_CACHE_MAX_MB": "-1"},
    "cache-max-inf": {"KUBE_LSP_CACHE_MAX_MB": "1e999"},
    "cache-max-nan": {"KUBE_LSP_CACHE_MAX_MB": "nan"},
    "cache-home-a-file": {"XDG_CACHE_HOME": "/dev/null"},
    "cache-home-unwritable": {"XDG_CACHE_HOME": "/proc/self"},
    "cache-home-relative": {"XDG_CACHE_HOME": "relative/dir"},
    "lang-c": {"LANG": "C", "LC_ALL": "C", "PYTHONIOENCODING": "ascii"},
    "pythonioencoding-latin1": {"PYTHONIOENCODING": "latin-1:strict"},
    "kubeconfig-dev-zero": {"KUBECONFIG": "/dev/zero"},
}


def _no_escape(r: CliRun) -> None:
    """No terminal escape from the files reaches the output."""
    assert "\x1b" not in r.out  # (concise to a pipe passes them on as they are: tests/test_cli_terminal.py)


def _diff_or_nothing(r: CliRun) -> None:
    assert not r.out or r.out.startswith("--- "), r.out[:300]


def _cli_cases(root: Path) -> dict[str, CliCase]:
    cases: dict[str, CliCase] = {}
    odd = root / "odd"
    odd.mkdir()
    for name in ODD_NAMES:
        (odd / name).write_text(ODD_TEXT)
    for fmt in FORMATS:
        cases[f"odd-names/{fmt}"] = CliCase(["check", "--no-cache", "--output-format", fmt, "."], fmt, odd, codes=(1,),
                                            check=_no_escape if fmt in ("full", "github") else None)
    files = root / "files"
    files.mkdir()
    for i, (name, make) in enumerate(CLI_FILES.items()):
        path = _write(files / f"{name}.yaml", make())
        fmt = ("json", "sarif", "github", "concise")[i % 4]
        cases[f"file/{name}"] = CliCase(["check", "--no-cache", "--output-format", fmt, str(path)], fmt, files)
    for name in ("deep-flow-100k", "python-tags"):
        data = CLI_FILES[name]()
        cases[f"stdin/{name}"] = CliCase(["check", "--no-cache", "--output-format", "github", "-"], "github", files,
                                         stdin=data.encode() if isinstance(data, str) else data)
    for i, (name, make) in enumerate(CONFIGS.items()):
        d = root / f"opt-{i}"
        d.mkdir()
        (d / "ok.yaml").write_text(MANIFEST)
        args = make(d)
        if "-" not in args and not any(a.endswith(".yaml") for a in args if a != "--config"):
            args = [*args, "ok.yaml"]
        fmt = ("json", "github")[i % 2]
        cases[f"option/{name}"] = CliCase(["check", "--no-cache", "--output-format", fmt, *args], fmt, d,
                                          stdin=MANIFEST.encode())
    for i, (name, env) in enumerate(ENVS.items()):
        fmt = ("text", "json")[i % 2]
        cache = [] if name.startswith("cache") else ["--no-cache"]
        cases[f"env/{name}"] = CliCase(["check", *cache, "--output-format", fmt, "."], fmt, odd, env=env, codes=(1,))
    for mode in ("--fix", "--diff"):
        d = root / f"fix{mode}"
        d.mkdir()
        for name in ("alias-bomb", "merge-key-loops", "duplicate-keys", "huge-numbers", "cr-only", "complex-keys",
                     "python-tags"):
            _write(d / f"{name}.yaml", CLI_FILES[name]())
        cases[f"fix/{mode}"] = CliCase(["check", "--no-cache", mode, "--unsafe-fixes", "--output-format", "json", "."],
                                       "json" if mode == "--fix" else None, d,
                                       check=_diff_or_nothing if mode == "--diff" else None)
    if FULL:
        d = root / "5000"
        d.mkdir()
        for i in range(5000):
            (d / f"f{i}.yaml").write_text(f"kind: ConfigMap\napiVersion: v1\nmetadata: {{name: c{i}}}\n")
        cases["dir/5000-tiny-files"] = CliCase(["check", "--no-cache", "--output-format", "sarif", "."], "sarif", d,
                                               bound=120)
    return cases


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[CliCase, CliRun]]:
    """Every CLI attack, run three at a time (each is mostly the start-up of a process)."""
    from concurrent.futures import ThreadPoolExecutor

    cases = _cli_cases(tmp_path_factory.mktemp("cli"))

    def run(c: CliCase) -> CliRun:
        return cli(c.args, c.cwd, stdin=c.stdin, env=c.env, timeout=max(60.0, 2 * c.bound))

    with ThreadPoolExecutor(3) as pool:
        runs = list(pool.map(run, cases.values()))
    return dict(zip(cases, zip(cases.values(), runs, strict=True), strict=True))


CLI_CASE_NAMES = [*(f"odd-names/{f}" for f in FORMATS), *(f"file/{n}" for n in CLI_FILES),
                  "stdin/deep-flow-100k", "stdin/python-tags", *(f"option/{n}" for n in CONFIGS),
                  *(f"env/{n}" for n in ENVS), "fix/--fix", "fix/--diff", *(["dir/5000-tiny-files"] if FULL else [])]


@pytest.mark.parametrize("name", CLI_CASE_NAMES)
def test_cli_attack(cli_runs: dict[str, tuple[CliCase, CliRun]], name: str) -> None:
    """Exit 0, 1 or 2, no traceback, within its bound (with room for a loaded machine), valid output."""
    case, r = cli_runs[name]
    assert r.code in case.codes, (r.code, r.err[-3000:])
    assert "Traceback" not in r.err and "Traceback" not in r.out, r.err[-3000:]
    assert r.seconds < case.bound, r.seconds
    if case.fmt is not None and r.code != 2:
        valid_output(case.fmt, r.out)
    if case.check is not None:
        case.check(r)
    if name == "odd-names/concise":  # one line per finding, whatever the names and values hold
        assert valid_output("concise", r.out) == valid_output("sarif", cli_runs["odd-names/sarif"][1].out)
    assert not Path("/tmp/pwned").exists()


# ------------------------------------------------------------------------- the fixes, one by one
# (fast, in-process: what the attacks above found, pinned where it was fixed)


def test_unreadable_request_keeps_its_id() -> None:
    """A request whose body is not JSON (nested too deep, not UTF-8, a 5,000-digit number) is answered under
    its id; a broken response or notification gets id null (its id is not a request's)."""
    from kube_lsp.lsp.protocol import FrameReader, Problem

    deep = b'{"jsonrpc": "2.0", "id": 7, "method": "m", "params": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    utf8 = b'{"jsonrpc": "2.0", "id": "x", "method": "m", "params": {"a": "\xff"}}'
    response = b'{"jsonrpc": "2.0", "id": 8, "result": "\xff"}'
    frames = FrameReader().feed(frame(deep) + frame(utf8) + frame(response))
    assert [(f.parse_error, f.request_id) for f in frames if isinstance(f, Problem)] == [
        (True, 7), (True, "x"), (True, None)]


def test_body_in_its_declared_charset() -> None:
    """A body that is not UTF-8 is read in the charset its Content-Type declares (UTF-8 stays the rule)."""
    from kube_lsp.lsp.protocol import FrameReader, Message

    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "m", "params": {"s": "é"}}).encode("utf-16")
    latin = '{"jsonrpc": "2.0", "id": 2, "method": "m", "params": {"s": "é"}}'.encode("latin-1")
    [a, b] = FrameReader().feed(
        frame(body, extra=b"Content-Type: application/vscode-jsonrpc; charset=utf-16\r\n")
        + frame(latin, extra=b"Content-Type: application/vscode-jsonrpc; charset=latin-1\r\n"))
    assert isinstance(a, Message) and a.value["params"]["s"] == "é"
    assert isinstance(b, Message) and b.value["params"]["s"] == "é"


def test_queued_writer_never_blocks_the_caller() -> None:
    """Output for a client that does not read waits in the writer's queue, in order; the caller goes on."""
    from kube_lsp.lsp.protocol import QueuedWriter

    r, w = os.pipe()
    out = os.fdopen(w, "wb", buffering=0)
    writer = QueuedWriter(out)  # type: ignore[arg-type]
    started = time.monotonic()
    for i in range(2000):  # 2 MB: far more than a pipe holds
        writer.write(b"%04d" % i + b"x" * 1020)
    assert time.monotonic() - started < 2
    assert not writer.drain(0.2)  # nobody reads yet
    got = bytearray()
    while len(got) < 2000 * 1024:
        got += os.read(r, 1 << 16)
    assert writer.drain(2)
    assert [bytes(got[i:i + 4]) for i in range(0, len(got), 1024)] == [b"%04d" % i for i in range(2000)]
    os.close(r)
    writer.write(b"after the reader left")  # dropped, logged, no exception
    assert writer.drain(2)


def test_initialize_answered_early_is_taken_whatever_its_capabilities() -> None:
    """The parts of an initialize answered early that do not fit the protocol are left out, the rest kept."""
    from kube_lsp.lsp.server import create_server

    proto = create_server().protocol
    msg = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "processId": None, "rootUri": "file:///w", "trace": "loud",
        "capabilities": {"general": {"positionEncodings": ["utf-8"], "markdown": 5},
                         "textDocument": {"hover": 5, "rename": {"prepareSupport": True}}}}}
    message = proto._lenient_initialize(msg, ValueError("x"))
    params = message.params
    assert params.root_uri == "file:///w" and params.trace is None
    assert list(params.capabilities.general.position_encodings) == ["utf-8"]
    assert params.capabilities.text_document.hover is None
    assert params.capabilities.text_document.rename.prepare_support is True
    assert proto._lenient_initialize({**msg, "params": {"capabilities": 5}}, ValueError("x")) is None


@pytest.mark.parametrize(("raw", "expected"), [(1e308, 2**62), (10**400, 2**62), (1, 1_000_000), (-1, None),
                                               ("x", None)])
def test_max_file_size_setting_of_any_size(raw: Any, expected: int | None) -> None:
    from kube_lsp.inputs import MAX_BYTES
    from kube_lsp.lsp.server import _max_file_bytes

    value, problems = _max_file_bytes(raw)
    assert value == (expected if expected is not None else MAX_BYTES)
    assert bool(problems) == (expected is None)


def test_integer_literals_python_cannot_convert() -> None:
    """A 5,000-digit (or 5,000-hex-digit) integer resolves to an infinite float instead of raising."""
    from kube_lsp.parsing.nodes import resolve_plain

    assert resolve_plain("9" * 5000) == float("inf")
    assert resolve_plain("-" + "9" * 5000) == float("-inf")
    assert resolve_plain("0x" + "f" * 5000) == float("inf")
    assert resolve_plain("12345") == 12345


def test_concise_output_escapes_what_the_file_holds() -> None:
    """A line break in a path or message (quoted from the file) is made visible: one line per finding; the
    github format (a CI log) shows escape sequences too, concise to a pipe passes them on."""
    from kube_lsp.model import Finding, Severity, Span
    from kube_lsp.output import FileResult, render_github, render_text

    f = Finding(span=Span.point(0, 0), severity=Severity.ERROR, code="KL200", message="bad `a\nb\x1b[31m`")
    result = FileResult(path="x\ny.yaml", findings=[f])
    text = render_text([result])
    assert text.count("\n") == 1 and "\x1b" in text  # to a pipe as it is, but on one line
    github = render_github([result])
    assert github.count("\n") == 1 and "\x1b" not in github and "%0A" in github

