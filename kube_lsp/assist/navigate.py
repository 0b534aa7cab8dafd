"""Navigation and refactoring over the workspace index (pure): what a position names, every place that
names an object, the edits of a rename, workspace symbols, reference counts and reference hovers.

A position names objects when it is on an object's `metadata.name` (the object itself, with every other
definition of it: a Kustomize patch of it, the same object in an overlay) or on a reference
(`configMapRef.name`, `roleRef.name`, ...: the objects it resolves to).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from kube_lsp.model import Span, TextEdit
from kube_lsp.workspace.index import Obj
from kube_lsp.workspace.model import Workspace
from kube_lsp.workspace.names import CLUSTER_SCOPED, quoted, where

_DNS_LABEL: Final = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS_SUBDOMAIN: Final = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
# Kinds whose names must be DNS labels (ValidateServiceName, ValidateNamespaceName, ...).
_LABEL_NAMES: Final = frozenset({"Service", "Namespace"})
_RBAC: Final = frozenset({"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"})
MAX_SYMBOLS: Final = 500


@dataclass(frozen=True, slots=True)
class Place:
    origin: str
    span: Span
    quote: str = ""


def definitions(ws: Workspace, o: Obj) -> list[Obj]:
    """Every definition of the object `o` (itself, copies, patches of it), full ones first."""
    ns = ws.namespace_of(o)
    out = [x for x in ws.named(o.kind, o.name) if x.group == o.group
           and (o.cluster_scoped or ws.same_namespace(ns, ws.namespace_of(x)))]
    out.sort(key=lambda x: (x.partial, x.origin != o.origin, x.origin, x.first_line))
    return out or [o]


def targets_at(ws: Workspace, origin: str, line: int, col: int) -> list[Obj]:
    """The objects the position names (see the module docstring)."""
    o = ws.find(origin, line, col)
    if o is not None:
        return definitions(ws, o)
    hit = ws.ref_at(origin, line, col)
    if hit is not None:
        return ws.resolve(*hit)
    return []


def references(ws: Workspace, targets: list[Obj], declarations: bool = True) -> list[Place]:
    """Every place naming the targets: their definitions' names (with `declarations`) and each reference."""
    seen: set[tuple[str, Span]] = set()
    out: list[Place] = []

    def add(p: Place) -> None:
        if (p.origin, p.span) not in seen:
            seen.add((p.origin, p.span))
            out.append(p)

    if declarations:
        for t in targets:
            add(Place(t.origin, t.name_span, t.name_quote))
    found = [p for t in targets[:1] for _, p in references_with_origin(ws, t)]
    for p in sorted(found, key=lambda p: (p.origin, p.span)):
        add(p)
    return out


def references_with_origin(ws: Workspace, target: Obj) -> Iterator[tuple[Obj, Place]]:
    for src, r in ws.references_to(target):
        yield src, Place(src.origin, r.span, r.quote)


def invalid_name(kind: str, name: str) -> str | None:
    """Why `name` cannot name an object of `kind` (the API server's name validation), or None."""
    if kind in _RBAC:
        if name in (".", "..") or "/" in name or "%" in name or not name:
            return f"`{name}` is not a valid {kind} name: it may not be '.' or '..' nor contain '/' or '%'"
        return None
    if kind in _LABEL_NAMES:
        if len(name) > 63 or not _DNS_LABEL.fullmatch(name):
            return (f"`{name}` is not a valid {kind} name: a DNS-1123 label must consist of lower case alphanumeric "
                    "characters or '-', start and end with an alphanumeric character, and be at most 63 characters")
        return None
    if len(name) > 253 or not _DNS_SUBDOMAIN.fullmatch(name):
        return (f"`{name}` is not a valid {kind} name: a lowercase RFC 1123 subdomain must consist of lower case "
                "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character")
    return None


def rename_edits(ws: Workspace, targets: list[Obj], new_name: str) -> dict[str, list[TextEdit]]:
    """The edits renaming the targets: every definition's `metadata.name` and every reference, by file."""
    out: dict[str, list[TextEdit]] = {}
    seen: set[tuple[str, Span]] = set()
    for t in targets:
        for p in [Place(t.origin, t.name_span, t.name_quote)] + [p for _, p in references_with_origin(ws, t)]:
            if (p.origin, p.span) in seen:
                continue
            seen.add((p.origin, p.span))
            out.setdefault(p.origin, []).append(TextEdit(p.span, quoted(new_name, p.quote)))
    for edits in out.values():
        edits.sort(key=lambda e: e.span)
    return out


def symbols(ws: Workspace, query: str, limit: int = MAX_SYMBOLS) -> list[Obj]:
    """Objects whose `Kind name` matches the query (every word a case-insensitive substring; an empty query
    matches everything), full definitions only, by kind and name."""
    words = query.lower().split()
    out = []
    for o in ws.objects():
        if o.partial:
            continue
        text = f"{o.kind} {o.name}".lower()
        if all(w in text for w in words):
            out.append(o)
    out.sort(key=lambda o: (o.name.lower() != query.lower(), o.kind, o.name, o.origin))
    return out[:limit]


def reference_count(ws: Workspace, o: Obj) -> int:
    return sum(1 for _ in ws.references_to(o))


def hover_reference(ws: Workspace, origin: str, line: int, col: int) -> tuple[str, Span] | None:
    """Markdown about the objects a reference at the position names (summary and file), and its span."""
    hit = ws.ref_at(origin, line, col)
    if hit is None:
        return None
    src, ref = hit
    found = ws.resolve(src, ref)
    kinds = " or ".join(ref.kinds)
    if not found:
        ns = ws.ref_namespace(src, ref)
        in_ns = f" in namespace `{ns}`" if ns and not any(k in CLUSTER_SCOPED for k in ref.kinds) else ""
        return f"**{kinds} `{ref.name}`**{in_ns}: not in the workspace", ref.span
    parts = []
    for t in found[:5]:
        ns = ws.shown_namespace(t)
        parts.append(f"**{t.summary}**" + (f" in namespace `{ns}`" if ns else "") + f"  \n`{where(ws, t)}`"
                     + (" (a patch)" if t.partial else ""))
    return "\n\n".join(parts), ref.span
