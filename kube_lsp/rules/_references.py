"""What the "unknown X" cross-resource rules (KL501–KL509) share: resolve each reference of a file against
the workspace, and when nothing answers to its name, say so — as a warning naming the candidates when an
object of that kind has a close name (a likely typo, with a fix renaming the reference when one candidate is
clearly meant), else as information (the object may live in the cluster, or be made by a controller or
another tool). `optional: true` references are never reported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Final

from kube_lsp.model import Finding, Fix, Place, Severity, Span, TextEdit
from kube_lsp.rules.base import Rule, WorkspaceContext
from kube_lsp.suggest import typo_distance
from kube_lsp.workspace.names import CLUSTER_SCOPED, quoted, where

if TYPE_CHECKING:
    from kube_lsp.workspace.index import Obj, Ref

# Objects every cluster has, whatever the workspace holds.
BUILT_IN: Final[dict[str, frozenset[str]]] = {
    "ServiceAccount": frozenset({"default"}),
    "ClusterRole": frozenset({"cluster-admin", "admin", "edit", "view"}),
    "PriorityClass": frozenset({"system-cluster-critical", "system-node-critical"}),
    "Service": frozenset({"kubernetes"}),
    # kube-system's Role for reading the API server's client CA (every aggregated API server binds it).
    "Role": frozenset({"extension-apiserver-authentication-reader"}),
}


def built_in(kind: str, name: str) -> bool:
    return name in BUILT_IN.get(kind, ()) or (kind in ("ClusterRole", "Role", "ClusterRoleBinding")
                                              and name.startswith("system:"))


def rename_fix(span: Span, quote: str, old: str, new: str) -> Fix:
    """Replace a name (keeping its quotes): not safe to apply unreviewed, it guesses what was meant."""
    return Fix(f"Rename `{old}` to `{new}`", (TextEdit(span, quoted(new, quote)),), safe=False)


def clearly_meant(word: str, close: list[str]) -> str | None:
    """The one candidate a typo clearly meant: the only one, or strictly closer than the next."""
    if not close:
        return None
    if len(close) == 1:
        return close[0]
    a, b = typo_distance(word, close[0]), typo_distance(word, close[1])
    return close[0] if a < b else None


def check_references(ctx: WorkspaceContext, rule: Rule, wanted: Callable[[Obj, Ref], bool],
                     what: Callable[[Ref], str] | None = None) -> Iterator[Finding]:
    """Findings of `rule` for the references of the file that `wanted` picks."""
    ws = ctx.ws
    for o in ctx.file.objects:
        for r in o.refs:
            if r.optional or r.via.endswith(" items") or not wanted(o, r):  # items: a key of a named volume
                continue
            if any(built_in(k, r.name) for k in r.kinds) or "{{" in r.name or "$(" in r.name:
                continue
            if ws.resolve(o, r):
                continue
            yield _unknown(ctx, rule, o, r, what(r) if what is not None else " or ".join(r.kinds))


def _unknown(ctx: WorkspaceContext, rule: Rule, o: Obj, r: Ref, kind: str) -> Finding:
    ws = ctx.ws
    by_name = ws.candidates(o, r)
    ns = ws.ref_namespace(o, r)
    close = ws.close_names(r.kinds, ns, r.name, by_name)
    in_ns = f" in namespace `{ns}`" if ns and not any(k in CLUSTER_SCOPED for k in r.kinds) else ""
    if close:
        shown = ", ".join(f"`{c}` ({where(ws, by_name[c])})" for c in close[:3])
        meant = clearly_meant(r.name, close)
        fixes = (rename_fix(r.span, r.quote, r.name, meant),) if meant else ()
        return ctx.finding(
            rule, o, r.span,
            f"no {kind} `{r.name}`{in_ns} in the workspace — did you mean {shown}?",
            path=r.path, fixes=fixes, severity=Severity.WARNING,
            elsewhere=tuple(ctx.place(by_name[c], f"{by_name[c].kind} {c}") for c in close[:3]),
            data={"target": {"kind": kind, "name": r.name, "namespace": ns}, "candidates": close[:3]})
    elsewhere_ns = [x for k in r.kinds for x in ws.named(k, r.name) if not x.partial]
    if elsewhere_ns:
        other = elsewhere_ns[0]
        note = (f"no {kind} `{r.name}`{in_ns} in the workspace; there is one in namespace "
                f"`{ws.shown_namespace(other)}` ({where(ws, other)})")
        places: tuple[Place, ...] = (ctx.place(other, f"{other.kind} {other.name}"),)
    elif by_name:
        note = (f"no {kind} `{r.name}`{in_ns} in the workspace (it may be created in the cluster or by another "
                f"tool)")
        places = ()
    else:
        note = (f"no {kind} `{r.name}`: the workspace defines no {kind} (it may be created in the cluster or by "
                f"another tool)")
        places = ()
    return ctx.finding(rule, o, r.span, note, path=r.path, severity=Severity.INFO, elsewhere=places,
                       data={"target": {"kind": kind, "name": r.name, "namespace": ns}})
