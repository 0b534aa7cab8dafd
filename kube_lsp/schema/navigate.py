"""Walk a schema along a YAML path, and describe schema nodes for people (types, defaults, values)."""

from __future__ import annotations

import re
from typing import Final

from kube_lsp.schema.catalog import Catalog, KindSchema, Schema
from kube_lsp.schema.validate import schema_types

PathT = tuple[str | int, ...]
_DEFAULT_RE: Final = re.compile(r"\bDefaults? (?:to|is) ([\"'`]?[\w/:-]+[\"'`]?)(?:\.(?:\s|$)|$)")
# Kinds that describe API machinery rather than objects people write.
META_KINDS: Final = frozenset({"DeleteOptions", "WatchEvent", "Status", "APIGroup", "APIGroupList",
                               "APIResourceList", "APIVersions", "Eviction", "Scale"})
_OBJECT_META: Final = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"


def root_schema(catalog: Catalog, api_version: str | None, kind: str | None,
                origin: str | None = None) -> KindSchema | None:
    """The schema of an object of the file `origin` (of several CRDs, the one validation uses)."""
    if not api_version or not kind:
        return None
    return catalog.lookup(api_version, kind, origin)


def descend(catalog: Catalog, ks: KindSchema, path: PathT) -> tuple[Schema, str | None] | None:
    """The schema (and definition name) at `path` inside an object of kind `ks`, if the path exists."""
    schema, name = catalog.resolve(ks.schema)
    for i, part in enumerate(path):
        if ks.is_crd and i == 0 and part == "metadata" and _OBJECT_META in catalog.definitions:
            schema, name = catalog.definitions[_OBJECT_META], _OBJECT_META
            continue
        if isinstance(part, int):
            items = schema.get("items")
            if not isinstance(items, dict):
                return None
            schema, name = catalog.resolve(items)
            continue
        props = schema.get("properties") or {}
        sub = props.get(part)
        if sub is None:
            extra = schema.get("additionalProperties")
            if not isinstance(extra, dict):
                return None
            sub = extra
        description = sub.get("description")
        schema, name = catalog.resolve(sub)
        if description and "description" not in schema:
            schema = {**schema, "description": description}
        elif description:
            schema = {**schema, "description": description}
    return schema, name


def parent_enums(catalog: Catalog, ks: KindSchema, path: PathT) -> tuple[str, ...] | None:
    """Closed value set of the field at `path` (from the schema or the project overlays)."""
    if not path or not isinstance(path[-1], str) and len(path) < 2:
        return None
    field_path = path if isinstance(path[-1], str) else path[:-1]
    parent = descend(catalog, ks, field_path[:-1])
    if parent is not None:
        values = catalog.enums.get(parent[1] or "", {}).get(str(field_path[-1]))
        if values:
            return values
    here = descend(catalog, ks, path)
    if here is not None and here[0].get("enum"):
        return tuple(str(v) for v in here[0]["enum"])
    return None


def type_label(catalog: Catalog, schema: Schema, name: str | None) -> str:
    if name and name.endswith("IntOrString") or schema.get("x-kubernetes-int-or-string"):
        return "integer or string"
    if name and name.endswith("Quantity"):
        return "quantity (e.g. 500m, 1Gi)"
    types, _ = schema_types(schema)
    if "array" in types:
        items = schema.get("items")
        if isinstance(items, dict):
            inner, inner_name = catalog.resolve(items)
            return f"list of {type_label(catalog, inner, inner_name)}"
        return "list"
    if "object" in types or "properties" in schema:
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            inner, inner_name = catalog.resolve(extra)
            return f"map of {type_label(catalog, inner, inner_name)}"
        return name.rsplit(".", 1)[-1] if name else "object"
    if types:
        return " or ".join(sorted(types))
    return "any"


def default_of(schema: Schema) -> str | None:
    if "default" in schema:
        return str(schema["default"])
    m = _DEFAULT_RE.search(schema.get("description", ""))
    return m.group(1).strip("\"'`").rstrip(".") if m else None


def is_scalar(schema: Schema) -> bool:
    types, _ = schema_types(schema)
    return bool(types) and not types & {"object", "array"} and "properties" not in schema
