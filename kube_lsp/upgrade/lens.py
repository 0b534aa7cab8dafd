"""Editor features of upgrades: the code lens on an apiVersion that some release removes or deprecates
("removed in Kubernetes 1.32 · migrate to flowcontrol.apiserver.k8s.io/v1"), with the migration it applies,
and the timeline shown on hover."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from kube_lsp.model import Fix, Span
from kube_lsp.parsing.nodes import YMap, YScalar, YSeq
from kube_lsp.schema.apiversions import best_replacement
from kube_lsp.schema.catalog import Catalog, bundled_catalog, format_version, split_api_version
from kube_lsp.schema.overlays import api_changes
from kube_lsp.upgrade.migrate import migration_fix
from kube_lsp.upgrade.timeline import timeline


@dataclass(frozen=True, slots=True)
class ApiLens:
    span: Span  # the apiVersion value
    title: str
    fix: Fix | None


def api_lenses(root: YMap, lines: list[str], first_line: int, catalog: Catalog) -> Iterator[ApiLens]:
    """A lens per object of `root` (and per item of a `v1 List`) whose apiVersion a release removes or
    deprecates; the migration goes to a version `catalog` serves, else to one the newest bundled serves."""
    av_node, kind_node = root.get("apiVersion"), root.get("kind")
    if not isinstance(av_node, YScalar) or not isinstance(kind_node, YScalar):
        return
    av, kind = av_node.value, kind_node.value
    if not isinstance(av, str) or not isinstance(kind, str):
        return
    if (av, kind) == ("v1", "List"):
        items = root.get("items")
        for item in items.items if isinstance(items, YSeq) else ():
            if isinstance(item, YMap):
                yield from api_lenses(item, lines, first_line, catalog)
        return
    if (av, kind) not in api_changes():
        newest = bundled_catalog()
        if newest.lookup(av, kind) is not None or not newest.is_builtin_group(split_api_version(av)[0]):
            return  # served by the newest release and never deprecated, or a custom resource: no lens
    tl = timeline(av, kind)
    if tl is None or (tl.removed is None and tl.deprecated is None):
        return
    what = (f"removed in Kubernetes {format_version(tl.removed)}" if tl.removed
            else f"deprecated since Kubernetes {format_version(tl.deprecated)}" if tl.deprecated else "")
    if tl.replacement is not None and " " in tl.replacement:
        yield ApiLens(av_node.span, f"{what} · use {tl.replacement}", None)
        return
    target = best_replacement(av, kind, catalog) or best_replacement(av, kind, bundled_catalog())
    if target is None:
        yield ApiLens(av_node.span, f"{what} · no replacement", None)
        return
    fix = migration_fix(root, av_node, av, kind, target, lines, first_line)
    yield ApiLens(av_node.span, f"{what} · migrate to {target}", fix)


def timeline_markdown(api_version: str, kind: str) -> str:
    """The hover's lines about the life of an apiVersion, or "" for one Kubernetes does not know."""
    tl = timeline(api_version, kind)
    if tl is None:
        return ""
    out = f"Timeline of `{api_version}` {kind}: {tl.describe()}"
    if tl.replacement:
        out += f"\n\nReplacement: `{tl.replacement}`"
    return out
