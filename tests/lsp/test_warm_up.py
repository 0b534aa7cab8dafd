"""The converter is warmed up while the editor starts: the first hover, completion or outline of a session
does not wait for cattrs to make its functions (2–6 ms a method, each the first time)."""

from __future__ import annotations

import asyncio

from lsprotocol import types

from kube_lsp.lsp.protocol import KubeProtocol
from kube_lsp.lsp.server import create_server


def misses(protocol: KubeProtocol) -> tuple[int, int]:
    conv = protocol._converter
    return (conv._structure_func.dispatch.cache_info().misses,  # type: ignore[attr-defined]
            conv._unstructure_func.dispatch.cache_info().misses)  # type: ignore[attr-defined]


def test_after_the_warm_up_requests_and_answers_make_no_new_function() -> None:
    server = create_server()
    asyncio.run(server.protocol.warm_up())
    conv = server.protocol._converter
    before = misses(server.protocol)
    at = {"textDocument": {"uri": "file:///a.yaml"}, "position": {"line": 1, "character": 2}}
    conv.structure({"jsonrpc": "2.0", "id": 1, "method": types.TEXT_DOCUMENT_HOVER, "params": at},
                   types.HoverRequest)
    conv.structure({"jsonrpc": "2.0", "id": 2, "method": types.TEXT_DOCUMENT_COMPLETION, "params": at},
                   types.CompletionRequest)
    span = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=1))
    conv.unstructure(types.HoverResponse(id=1, result=types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="x"), range=span)))
    conv.unstructure(types.CompletionResponse(id=2, result=types.CompletionList(
        is_incomplete=False, items=[types.CompletionItem(label="image")])))
    conv.unstructure(types.PublishDiagnosticsNotification(params=types.PublishDiagnosticsParams(
        uri="file:///a.yaml", diagnostics=[types.Diagnostic(range=span, message="m")])))
    assert misses(server.protocol) == before


def test_the_warm_up_waits_while_the_server_is_busy() -> None:
    server = create_server()
    busy = [True]

    async def run() -> tuple[int, int]:
        task = asyncio.get_running_loop().create_task(server.protocol.warm_up(lambda: not busy[0]))
        await asyncio.sleep(0.2)
        waiting = misses(server.protocol)
        busy[0] = False
        await task
        return waiting

    start = misses(server.protocol)
    assert asyncio.run(run()) == start  # nothing made while busy
    assert misses(server.protocol) > start
