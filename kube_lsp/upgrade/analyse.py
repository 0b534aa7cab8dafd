"""`kube-lsp upgrade`: the findings of one text for an upgrade from Kubernetes `old` to `new` (KL302–KL308).

Pure: documents in, findings out. The apiVersion facts come from `timeline`, the field facts from `fields`,
the migrations offered as fixes from `migrate`. Every finding says in `data["release"]` which release the
change belongs to ("1.22"; "" when it predates the oldest bundled version), for the Markdown report.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Final

from kube_lsp.model import Finding, Fix, Severity, TextEdit
from kube_lsp.parsing.loader import Document
from kube_lsp.parsing.nodes import YMap, YScalar, YSeq
from kube_lsp.parsing.text import split_lines
from kube_lsp.schema.apiversions import best_replacement, stability_key
from kube_lsp.schema.catalog import CLIENT_SIDE_GROUP_SUFFIXES, bundled_catalog, bundled_versions, format_version
from kube_lsp.upgrade.fields import FieldChange, field_changes
from kube_lsp.upgrade.migrate import migration_fix
from kube_lsp.upgrade.timeline import Timeline, Version, timeline

# What Kubernetes offers instead of a kind it removed without a successor (the deprecated API migration guide).
_NO_REPLACEMENT: Final = {
    "PodSecurityPolicy": ": use Pod Security Admission (namespace labels such as "
                         "`pod-security.kubernetes.io/enforce: baseline`) or a policy engine",
    "InitializerConfiguration": ": use admission webhooks (MutatingWebhookConfiguration)",
}


@dataclass(frozen=True, slots=True)
class CrdVersion:
    """What a CustomResourceDefinition says about one version of its kind."""

    crd: str
    served: bool
    deprecated: bool
    warning: str


def crd_versions(docs: Iterable[Document]) -> dict[tuple[str, str], CrdVersion]:
    """(apiVersion, kind) → how its CRD among `docs` serves that version."""
    out: dict[tuple[str, str], CrdVersion] = {}
    for doc in docs:
        root = doc.root
        if not isinstance(root, YMap) or root.get_str("kind") != "CustomResourceDefinition":
            continue
        if not str(root.get_str("apiVersion") or "").startswith("apiextensions.k8s.io/"):
            continue
        spec, meta = root.get("spec"), root.get("metadata")
        if not isinstance(spec, YMap):
            continue
        names = spec.get("names")
        group, kind = spec.get_str("group"), names.get_str("kind") if isinstance(names, YMap) else None
        versions = spec.get("versions")
        if not group or not kind or not isinstance(versions, YSeq):
            continue
        name = (meta.get_str("name") if isinstance(meta, YMap) else None) or f"{kind} in {group}"
        for item in versions.items:
            if not isinstance(item, YMap) or not item.get_str("name"):
                continue
            served, deprecated = item.get("served"), item.get("deprecated")
            out[(f"{group}/{item.get_str('name')}", kind)] = CrdVersion(
                name,
                not (isinstance(served, YScalar) and served.value is False),
                isinstance(deprecated, YScalar) and deprecated.value is True,
                item.get_str("deprecationWarning") or "")
    return out


def upgrade_findings(doc: Document, old: Version, new: Version,
                     crds: dict[tuple[str, str], CrdVersion] | None = None) -> list[Finding]:
    """The upgrade findings of one parsed document (absolute positions, like the parser's)."""
    root = doc.root
    if not isinstance(root, YMap):
        return []
    lines = split_lines(doc.chunk.text)
    return list(_object(root, doc.index, old, new, crds or {}, lines, doc.start_line))


def _object(root: YMap, index: int, old: Version, new: Version, crds: dict[tuple[str, str], CrdVersion],
            lines: list[str], first_line: int) -> Iterator[Finding]:
    av_node, kind_node = root.get("apiVersion"), root.get("kind")
    if not isinstance(av_node, YScalar) or not isinstance(kind_node, YScalar):
        return
    if not isinstance(av_node.value, str) or not isinstance(kind_node.value, str):
        return
    av, kind = av_node.value, kind_node.value
    if av == "v1" and kind == "List":
        items = root.get("items")
        for item in items.items if isinstance(items, YSeq) else ():
            if isinstance(item, YMap):
                yield from _object(item, index, old, new, crds, lines, first_line)
        return
    if av.split("/")[0].endswith(CLIENT_SIDE_GROUP_SUFFIXES):
        return
    crd = crds.get((av, kind))
    if crd is not None:
        yield from _crd_version(av_node, av, kind, crd, index)
        return
    tl = timeline(av, kind)
    if tl is None:
        return
    told, tnew = format_version(old), format_version(new)

    def finding(code: str, sev: Severity, message: str, release: Version | None, fixes: tuple[Fix, ...] = (),
                **data: object) -> Finding:
        return Finding(span=av_node.span, severity=sev, code=code, message=message, fixes=fixes, path="apiVersion",
                       doc=index, data={"release": format_version(release) if release else "", "object": kind,
                                        "apiVersion": av, **data})

    if tl.removed is not None and tl.removed <= new:
        replacement, fixes = _replacement(root, av_node, tl, old, new, lines, first_line)
        when = (f" (not served by {told}, the version upgraded from, either)"
                if tl.removed <= old else f" (upgrade {told} → {tnew})")
        yield finding("KL302", Severity.ERROR,
                      f"`{av}` {kind} is removed in Kubernetes {format_version(tl.removed)}{when}{replacement}",
                      tl.removed, fixes)
        return
    if not tl.serves(new):
        return  # not served at the target for another reason (never served, alpha gone): `check` says why
    if not tl.serves(old):
        since = next((v for v in tl.served if v > old), None)
        yield finding("KL306", Severity.WARNING,
                      f"`{av}` {kind} is not served by Kubernetes {told}"
                      + (f" (it is served from {format_version(since)})" if since else "")
                      + ": the object only applies once the upgrade is done", since)
    else:
        yield from _fields(root, av, kind, old, new, index)
    if tl.deprecated is not None and tl.deprecated <= new:
        replacement, fixes = _replacement(root, av_node, tl, old, new, lines, first_line)
        removal = f" and will be removed in {format_version(tl.removed)}" if tl.removed else ""
        yield finding("KL303", Severity.WARNING,
                      f"`{av}` {kind} is deprecated since Kubernetes {format_version(tl.deprecated)}{removal}"
                      f"{replacement}", tl.deprecated, fixes)


def _replacement(root: YMap, av_node: YScalar, tl: Timeline, old: Version, new: Version, lines: list[str],
                 first_line: int) -> tuple[str, tuple[Fix, ...]]:
    """`; use ...` for the message, and the migration to the replacement as a fix. The replacement is one
    that both ends of the upgrade serve when there is one (the object can be migrated before the upgrade),
    else the target's (and the message says from which release it is served)."""
    if tl.replacement is not None and " " in tl.replacement:  # the kind changes too
        return f"; use `{tl.replacement}`", ()
    catalog = bundled_catalog(new)
    target = best_replacement(tl.api_version, tl.kind, catalog) or tl.replacement
    if target is None:
        return f"; it has no replacement{_NO_REPLACEMENT.get(tl.kind, '')}", ()
    when = ""
    served = timeline(target, tl.kind)
    if served is not None and not served.serves(old):
        both = [av for av in catalog.served_kinds().get(tl.kind, []) if av != tl.api_version
                and (t := timeline(av, tl.kind)) is not None and t.serves(old)
                and not (t.removed is not None and t.removed <= new)]
        if both:
            target = max(both, key=lambda av: (stability_key(av), av))
        else:
            since = next((v for v in served.served if v > old), None)
            when = f", served from Kubernetes {format_version(since)}" if since else ""
    fix = migration_fix(root, av_node, tl.api_version, tl.kind, target, lines, first_line)
    note = f" ({fix.title.split(' (', 1)[1]}" if " (" in fix.title else ""
    return f"; use `{target}`{when}{note}", (fix,)


def _fields(root: YMap, av: str, kind: str, old: Version, new: Version, index: int) -> Iterator[Finding]:
    versions = bundled_versions()
    if old not in versions or new not in versions or old == new:
        return
    told, tnew = format_version(old), format_version(new)
    for ch in field_changes(root, av, kind, old, new):
        data = {"release": format_version(ch.release) if ch.release else "", "object": kind, "apiVersion": av}
        name = ch.path.rsplit(".", 1)[-1]
        if ch.kind == "removed":
            yield Finding(span=ch.key.span, severity=Severity.ERROR, code="KL304", path=ch.path, doc=index,
                          message=(f"`{name}` in {ch.parent} is removed in Kubernetes "
                                   f"{format_version(ch.release) if ch.release else tnew}: `kubectl apply` on "
                                   f"{tnew} reports `unknown field \"{ch.path}\"`"), data=data)
        elif ch.kind == "added":
            yield Finding(span=ch.key.span, severity=Severity.WARNING, code="KL307", path=ch.path, doc=index,
                          message=(f"`{name}` in {ch.parent} exists from Kubernetes "
                                   f"{format_version(ch.release) if ch.release else tnew}, not in {told}: "
                                   f"`kubectl apply` on {told} reports `unknown field \"{ch.path}\"`"), data=data)
        else:
            since = f"so documented from Kubernetes {format_version(ch.release)}" if ch.release else \
                f"so documented in Kubernetes {format_version(versions[0])} already"
            # "the in-tree glusterfs type is no longer supported": the API takes the object, the volume never
            # mounts; that breaks the upgrade.
            gone = "no longer supported" in ch.note
            yield Finding(span=ch.key.span, severity=Severity.ERROR if gone else Severity.WARNING, code="KL305",
                          path=ch.path, doc=index, fixes=_alias_fix(ch),
                          message=f"`{name}` in {ch.parent} is deprecated ({since}): {ch.note}", data=data)


def _alias_fix(ch: FieldChange) -> tuple[Fix, ...]:
    """PodSpec's `serviceAccount` is an alias of `serviceAccountName` (the API server copies it there when that is
    empty): renamed, the object means the same."""
    if ch.parent != "PodSpec" or ch.key.text != "serviceAccount" or ch.parent_node is None:
        return ()
    if ch.parent_node.get("serviceAccountName") is not None:
        return ()
    return (Fix("Rename to `serviceAccountName`", (TextEdit(ch.key.span, "serviceAccountName"),), safe=False),)


def _crd_version(av_node: YScalar, av: str, kind: str, crd: CrdVersion, index: int) -> Iterator[Finding]:
    data = {"release": "", "object": kind, "apiVersion": av}
    if not crd.served:
        yield Finding(span=av_node.span, severity=Severity.ERROR, code="KL308", path="apiVersion", doc=index,
                      message=f"the CustomResourceDefinition {crd.crd} no longer serves `{av}` (served: false)",
                      data=data)
    elif crd.deprecated:
        why = f": {crd.warning}" if crd.warning else ""
        yield Finding(span=av_node.span, severity=Severity.WARNING, code="KL308", path="apiVersion", doc=index,
                      message=f"the CustomResourceDefinition {crd.crd} deprecates `{av}`{why}", data=data)
