"""A lone UTF-16 surrogate ("\\ud800" in the JSON) is bad input: KL104 where it is, and normal answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from robustness.rawclient import RawServer

TEXT = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\ndata:\n  a: \"x\ud800y\"\n"


def published(server: RawServer, uri: str, version: int) -> list[dict[str, Any]]:
    msg = server.wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                          and m["params"]["uri"] == uri and m["params"].get("version") == version)
    diags: list[dict[str, Any]] = msg["params"]["diagnostics"]
    return diags


def test_lone_surrogate_in_did_open_is_reported_and_requests_answered(server: RawServer, tmp_path: Path) -> None:
    uri = (tmp_path / "s.yaml").as_uri()
    server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1,
                                                            "text": TEXT}})
    diags = published(server, uri, 1)
    kl104 = [d for d in diags if d["code"] == "KL104"]
    assert len(kl104) == 1 and "lone UTF-16 surrogate at line 6" in kl104[0]["message"]
    assert kl104[0]["range"]["start"] == {"line": 5, "character": 7}
    symbols = server.call("textDocument/documentSymbol", {"textDocument": {"uri": uri}})
    assert isinstance(symbols.get("result"), list), symbols
    for method, extra in (("textDocument/hover", {}), ("textDocument/completion", {}),
                          ("textDocument/definition", {})):
        answer = server.call(method, {"textDocument": {"uri": uri}, "position": {"line": 5, "character": 7},
                                      **extra})
        assert "result" in answer, answer
    actions = server.call("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": {
        "start": {"line": 5, "character": 0}, "end": {"line": 5, "character": 9}}, "context": {"diagnostics": []}})
    assert "result" in actions, actions
    server.alive()


def test_lone_surrogate_in_did_change_follows_the_edits(server: RawServer, tmp_path: Path) -> None:
    uri = (tmp_path / "s.yaml").as_uri()
    clean = TEXT.replace("\ud800", "")
    server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1,
                                                            "text": clean}})
    assert not [d for d in published(server, uri, 1) if d["code"] == "KL104"]

    def change(version: int, line: int, start: int, end: int, text: str) -> None:
        server.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": [
            {"range": {"start": {"line": line, "character": start}, "end": {"line": line, "character": end}},
             "text": text}]})

    change(2, 5, 7, 7, "\udc00")
    assert [d["range"]["start"] for d in published(server, uri, 2) if d["code"] == "KL104"] == [
        {"line": 5, "character": 7}]
    change(3, 0, 0, 0, "# a comment\n")  # the surrogate moves down a line
    assert [d["range"]["start"] for d in published(server, uri, 3) if d["code"] == "KL104"] == [
        {"line": 6, "character": 7}]
    change(4, 6, 7, 8, "")  # and is deleted
    assert not [d for d in published(server, uri, 4) if d["code"] == "KL104"]
    server.alive()
