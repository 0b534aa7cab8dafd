"""Field-level facts of an upgrade, computed from the bundled schemas: a field of the object that the newer
version no longer has (removed), that the older version does not have yet (added), or whose description in
the newer version says it is deprecated (`Deprecated: ...`, `... is a deprecated alias for ...`).

The walk follows the object's own keys through the schemas of both versions; the release of a change is
found by looking at the versions in between along the same path.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from kube_lsp.parsing.nodes import YMap, YNode, YScalar, YSeq
from kube_lsp.schema.catalog import Catalog, Schema, bundled_catalog, bundled_versions

Version = tuple[int, int]
PathT = tuple[str | int, ...]

# A field's own deprecation, as Kubernetes' API documentation states it; not a deprecated *value* of the
# field ("Recycle (deprecated)"), nor an annotation it mentions ("the ... annotation is deprecated").
_DEPRECATED_RE: Final = re.compile(
    r"(?:^|[.:]\s+|\s)Deprecated[:.]|\bis a deprecated alias\b|^This field is deprecated\b|"
    r"[.]\s+This field is deprecated\b")
_ADVICE_RE: Final = re.compile(r"\b(?:[Uu]se|instead|redirected|[Cc]onsider|migrate|replaced)\b")
_SENTENCES_RE: Final = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")


def is_deprecated(description: str) -> bool:
    return bool(_DEPRECATED_RE.search(description))


def deprecation_note(description: str) -> str:
    """The sentences of a description that say the field is deprecated (and what to use instead)."""
    sentences = [s for s in _SENTENCES_RE.split(description.strip()) if not s.startswith("More info:")]
    first = next((i for i, s in enumerate(sentences) if "eprecated" in s), None)
    if first is None:
        return description
    picked = [s for s in sentences[first:first + 3] if "eprecated" in s or _ADVICE_RE.search(s)]
    return " ".join(picked[:3])


@dataclass(frozen=True, slots=True)
class FieldChange:
    kind: str  # "removed", "added" or "deprecated"
    key: YScalar
    path: str
    parent: str  # the definition holding the field, e.g. "PodSpec"
    release: Version | None  # the release of the change; None: before the oldest bundled version
    note: str = ""
    parent_node: YMap | None = None  # the mapping that holds the field


def _props(catalog: Catalog, schema: Schema) -> tuple[Schema, dict[str, Schema] | None, str | None]:
    resolved, name = catalog.resolve(schema)
    props = resolved.get("properties")
    return resolved, props if isinstance(props, dict) and props else None, name


def _step(catalog: Catalog, schema: Schema, part: str | int) -> Schema | None:
    resolved, _ = catalog.resolve(schema)
    if isinstance(part, int):
        items = resolved.get("items")
        return items if isinstance(items, dict) else None
    props = resolved.get("properties")
    if isinstance(props, dict) and part in props:
        sub: Schema = props[part]
        return sub
    extra = resolved.get("additionalProperties")
    return extra if isinstance(extra, dict) else None


@functools.cache
def _field_schema(version: Version, api_version: str, kind: str, path: PathT) -> Schema | None:
    """The schema of the field at `path` (keys and item indexes as 0) of (apiVersion, kind) in `version`."""
    catalog = bundled_catalog(version)
    ks = catalog.lookup(api_version, kind)
    if ks is None:
        return None
    schema: Schema | None = ks.schema
    for part in path:
        if schema is None:
            return None
        schema = _step(catalog, schema, part)
    return schema


def _has(version: Version, api_version: str, kind: str, path: PathT) -> bool:
    return _field_schema(version, api_version, kind, path) is not None


def _deprecated_at(version: Version, api_version: str, kind: str, path: PathT) -> bool:
    schema = _field_schema(version, api_version, kind, path)
    return schema is not None and is_deprecated(str(schema.get("description", "")))


def _first(versions: list[Version], test: object) -> Version | None:
    assert callable(test)
    return next((v for v in versions if test(v)), None)


def field_changes(root: YMap, api_version: str, kind: str, old: Version, new: Version) -> Iterator[FieldChange]:
    """The changes between Kubernetes `old` and `new` (both bundled) that concern fields `root` sets."""
    c_old, c_new = bundled_catalog(old), bundled_catalog(new)
    ks_old, ks_new = c_old.lookup(api_version, kind), c_new.lookup(api_version, kind)
    if ks_old is None or ks_new is None:
        return
    between = [v for v in bundled_versions() if old < v <= new]
    before = [v for v in reversed(bundled_versions()) if v <= old]
    yield from _walk(root, ks_old.schema, ks_new.schema, c_old, c_new, (), "", api_version, kind, between, before)


def _walk(node: YNode, s_old: Schema, s_new: Schema, c_old: Catalog, c_new: Catalog, path: PathT, shown: str,
          av: str, kind: str, between: list[Version], before: list[Version]) -> Iterator[FieldChange]:
    if isinstance(node, YSeq):
        i_old, i_new = _step(c_old, s_old, 0), _step(c_new, s_new, 0)
        if i_old is None or i_new is None:
            return
        for i, item in enumerate(node.items):
            yield from _walk(item, i_old, i_new, c_old, c_new, (*path, 0), f"{shown}[{i}]", av, kind, between,
                             before)
        return
    if not isinstance(node, YMap):
        return
    _, p_old, _ = _props(c_old, s_old)
    _, p_new, name = _props(c_new, s_new)
    if p_new is None or p_old is None:
        return  # a free-form map (labels, a CRD's schema) or a type that changed shape
    parent = (name or "").rsplit(".", 1)[-1] or kind
    for key, value in node.pairs:
        k = key.text
        if not path and k in ("apiVersion", "kind", "status"):
            continue
        here = f"{shown}.{k}" if shown else k
        sub = (*path, k)
        in_old, in_new = k in p_old, k in p_new
        if in_old and not in_new:
            release = _first(between, lambda v, sub=sub: not _has(v, av, kind, sub))
            yield FieldChange("removed", key, here, parent, release)
            continue
        if in_new and not in_old:
            release = _first(between, lambda v, sub=sub: _has(v, av, kind, sub))
            yield FieldChange("added", key, here, parent, release)
            continue
        if not in_new:
            continue  # unknown in both: the check reports it
        description = str(p_new[k].get("description", ""))
        if is_deprecated(description):
            if _deprecated_at(before[0], av, kind, sub) if before else False:
                since = next((v for v in reversed(before) if _deprecated_at(v, av, kind, sub)), None)
                release = None if since == bundled_versions()[0] else since
            else:
                release = _first(between, lambda v, sub=sub: _deprecated_at(v, av, kind, sub))
            yield FieldChange("deprecated", key, here, parent, release, deprecation_note(description), node)
        yield from _walk(value, p_old[k], p_new[k], c_old, c_new, sub, here, av, kind, between, before)
