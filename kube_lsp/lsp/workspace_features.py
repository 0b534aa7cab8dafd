"""The language server's workspace features, over kube_lsp/assist/navigate.py: find references, rename (one
workspace edit, refused when the new name is invalid for the kind), workspace symbols, a code lens
"N references" on each object, and following `workspace/didChangeWatchedFiles`.

Positions of files that are not open are converted with the file's text as it is on disk.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidRequest
from pygls.uris import from_fs_path

from kube_lsp.assist.navigate import (
    invalid_name,
    reference_count,
    references,
    rename_edits,
    symbols,
    targets_at,
)
from kube_lsp.lsp.convert import Positions
from kube_lsp.model import Pos, Span

if TYPE_CHECKING:
    from kube_lsp.lsp.documents import OpenDocument
    from kube_lsp.lsp.server import KubeLanguageServer

log = logging.getLogger("kube_lsp.server")

# The "N references" lens's command: arguments [uri, position of the name]. Handled by the editor (the VS Code
# extension and the Neovim config ask textDocument/references there and show the list), not by the server.
SHOW_REFERENCES = "kube-lsp.showReferences"

_KINDS = {"Deployment": types.SymbolKind.Class, "StatefulSet": types.SymbolKind.Class,
          "DaemonSet": types.SymbolKind.Class, "Service": types.SymbolKind.Interface,
          "ConfigMap": types.SymbolKind.Object, "Secret": types.SymbolKind.Key,
          "Namespace": types.SymbolKind.Namespace}


def uri_of(origin: str) -> str:
    return from_fs_path(origin) or origin if not origin.startswith(("file:", "untitled:")) else origin


class _Lines:
    """Client positions for files: open documents as the editor has them, others as on disk."""

    def __init__(self, ls: KubeLanguageServer) -> None:
        self.ls = ls
        self.cache: dict[str, Positions] = {}

    def positions(self, uri: str) -> Positions:
        pos = self.cache.get(uri)
        if pos is None:
            from kube_lsp.lsp.server import _file_lines

            doc = self.ls.docs.get(uri)
            pos = doc.analysed_positions(self.ls.encoding) if doc is not None else Positions(
                _file_lines(uri), self.ls.encoding)
            self.cache[uri] = pos
        return pos

    def location(self, origin: str, span: Span) -> types.Location:
        uri = uri_of(origin)
        return types.Location(uri=uri, range=self.positions(uri).range_to_client(span))


def _at(ls: KubeLanguageServer, uri: str, position: types.Position) -> tuple[str, Pos] | None:
    doc = ls.docs.get(uri)
    if doc is None:
        return None
    return doc.origin, doc.analysed_positions(ls.encoding).from_client(position)


async def _current(ls: KubeLanguageServer, uri: str) -> None:
    doc = ls.docs.get(uri)
    if doc is not None:
        await ls.ensure_analysed(doc)


def register(server: KubeLanguageServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    async def find_references(ls: KubeLanguageServer, params: types.ReferenceParams) -> list[types.Location]:
        await _current(ls, params.text_document.uri)
        at = _at(ls, params.text_document.uri, params.position)
        if at is None:
            return []
        origin, pos = at
        targets = targets_at(ls.ws, origin, pos.line, pos.col)
        lines = _Lines(ls)
        return [lines.location(p.origin, p.span)
                for p in references(ls.ws, targets, params.context.include_declaration)]

    @server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
    async def prepare_rename(ls: KubeLanguageServer, params: types.PrepareRenameParams) -> types.Range | None:
        await _current(ls, params.text_document.uri)
        at = _at(ls, params.text_document.uri, params.position)
        if at is None:
            return None
        origin, pos = at
        if not targets_at(ls.ws, origin, pos.line, pos.col):
            return None
        hit = ls.ws.find(origin, pos.line, pos.col)
        span = hit.name_span if hit is not None else ls.ws.ref_at(origin, pos.line, pos.col)[1].span  # type: ignore[index]
        return _Lines(ls).positions(params.text_document.uri).range_to_client(span)

    @server.feature(types.TEXT_DOCUMENT_RENAME, types.RenameOptions(prepare_provider=True))
    async def rename(ls: KubeLanguageServer, params: types.RenameParams) -> types.WorkspaceEdit | None:
        await _current(ls, params.text_document.uri)
        at = _at(ls, params.text_document.uri, params.position)
        if at is None:
            return None
        origin, pos = at
        targets = targets_at(ls.ws, origin, pos.line, pos.col)
        if not targets:
            raise JsonRpcInvalidRequest("kube-lsp: nothing to rename here (put the cursor on an object's "
                                        "metadata.name or on a reference to one)")
        problem = invalid_name(targets[0].kind, params.new_name)
        if problem is not None:
            raise JsonRpcInvalidRequest(f"kube-lsp: {problem}")
        lines = _Lines(ls)
        changes: dict[str, list[types.TextEdit]] = {}
        for file, edits in rename_edits(ls.ws, targets, params.new_name).items():
            uri = uri_of(file)
            pos_of = lines.positions(uri)
            changes[uri] = [types.TextEdit(range=pos_of.range_to_client(e.span), new_text=e.new_text) for e in edits]
        return types.WorkspaceEdit(changes=changes)

    @server.feature(types.WORKSPACE_SYMBOL)
    async def workspace_symbol(ls: KubeLanguageServer,
                               params: types.WorkspaceSymbolParams) -> list[types.SymbolInformation]:
        lines = _Lines(ls)
        return [types.SymbolInformation(
                    name=o.name, kind=_KINDS.get(o.kind, types.SymbolKind.Struct),
                    location=lines.location(o.origin, o.name_span),
                    container_name=f"{o.kind}" + (f" ({ls.ws.shown_namespace(o)})" if ls.ws.shown_namespace(o)
                                                  else ""))
                for o in symbols(ls.ws, params.query)]

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    async def watched_files(ls: KubeLanguageServer, params: types.DidChangeWatchedFilesParams) -> None:
        uris = [c.uri for c in params.changes if c.uri.endswith((".yaml", ".yml")) and c.uri not in ls.docs]
        if uris:
            await ls.reindex(uris)


def reference_lenses(ls: KubeLanguageServer, doc: OpenDocument) -> list[types.CodeLens]:
    """"N references" on each object's name (of the analysed text). With references, clicking it runs
    SHOW_REFERENCES [uri, position] in the editor, which lists them (the locations are asked for then, not
    computed for every lens); "0 references" is only a title."""
    fi = ls.ws.files.get(doc.origin)
    if fi is None:
        return []
    pos = doc.analysed_positions(ls.encoding)
    out = []
    for o in fi.objects:
        n = reference_count(ls.ws, o)
        rng = pos.range_to_client(o.name_span)
        at = {"line": rng.start.line, "character": rng.start.character}
        out.append(types.CodeLens(range=rng, command=types.Command(
            title=f"{n} reference{'s' if n != 1 else ''}", command=SHOW_REFERENCES if n else "",
            arguments=[doc.uri, at] if n else None)))
    return out


def register_dynamically(ls: KubeLanguageServer) -> None:
    """Ask the client to tell about YAML files created, changed and deleted (when it can watch files)."""
    ws = ls.client_capabilities.workspace
    watched = ws.did_change_watched_files if ws is not None else None
    if watched is None or not watched.dynamic_registration:
        return
    options = types.DidChangeWatchedFilesRegistrationOptions(watchers=[
        types.FileSystemWatcher(glob_pattern="**/*.{yaml,yml}")])
    registration = types.Registration(id="kube-lsp-watch-yaml", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                                      register_options=options)

    async def send() -> None:
        try:
            await asyncio.wait_for(ls.client_register_capability_async(
                types.RegistrationParams(registrations=[registration])), 10)
        except Exception:  # noqa: BLE001 - a client that refuses still gets everything else
            log.info("the client did not register the file watcher", exc_info=True)

    ls.in_background(send())

