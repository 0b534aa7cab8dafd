"""A long editing session keeps memory flat: pygls' map of running handlers does not grow per edit."""

from __future__ import annotations

import asyncio
import io
from typing import Any

from pygls.io_ import StdoutWriter

from kube_lsp.lsp.server import create_server

EDITS = 5000
TEXT = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\ndata:\n  a: b\n"


def test_futures_map_stays_bounded_over_many_edits() -> None:
    async def session() -> list[int]:
        server = create_server()
        server.debounce = 0
        proto = server.protocol
        proto.set_writer(StdoutWriter(io.BytesIO()))  # type: ignore[arg-type]

        def send(msg: dict[str, Any]) -> None:
            proto.handle_message(proto.structure_message({"jsonrpc": "2.0", **msg}))

        send({"id": 1, "method": "initialize", "params": {"processId": None, "rootUri": None, "capabilities": {}}})
        send({"method": "initialized", "params": {}})
        uri = "untitled:memory.yaml"
        send({"method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri, "languageId": "yaml", "version": 1, "text": TEXT}}})
        sizes = []
        for version in range(2, EDITS + 2):
            col = version % 2
            send({"method": "textDocument/didChange", "params": {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"range": {"start": {"line": 5, "character": 5 + col},
                                              "end": {"line": 5, "character": 5 + col}},
                                    "text": "x" if col == 0 else ""}]}})
            if version % 500 == 0:
                await asyncio.sleep(0.01)
                sizes.append(len(proto._request_futures))
        send({"id": 2, "method": "shutdown"})
        return sizes

    sizes = asyncio.run(session())
    assert len(sizes) == EDITS // 500
    assert max(sizes) <= 5, sizes
