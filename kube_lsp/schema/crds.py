"""Custom resource schemas from CustomResourceDefinitions found in the checked files."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Final

from kube_lsp.model import Place, Span
from kube_lsp.parsing.loader import Document
from kube_lsp.parsing.nodes import YMap, YScalar, YSeq, to_python
from kube_lsp.schema.catalog import KindSchema

_CRD_VERSIONS = ("apiextensions.k8s.io/v1", "apiextensions.k8s.io/v1beta1")


def crds_in(docs: Iterable[Document], origin: str, label: str | None = None) -> Iterator[KindSchema]:
    """A KindSchema per version of every CRD among `docs`, which come from the file `origin` (a path or
    URI; `label` is how messages name it, by default `origin`). Each knows where the CRD defines it."""
    for doc in docs:
        root = doc.root
        if not isinstance(root, YMap):
            continue
        if root.get_str("kind") != "CustomResourceDefinition" or root.get_str("apiVersion") not in _CRD_VERSIONS:
            continue
        spec = root.get("spec")
        if not isinstance(spec, YMap):
            continue
        group = spec.get_str("group")
        names = spec.get("names")
        kind = names.get_str("kind") if isinstance(names, YMap) else None
        if not group or not kind:
            continue
        name = _name(root) or f"{kind} in {group}"
        where = f"CRD {name} ({label or origin}:{root.span.start.line + 1})"
        # Where the CRD starts: what messages name, and what an editor shows as related information.
        start = root.span.start
        place = Place(origin, Span(start, start), label or origin, f"the CustomResourceDefinition {name}")
        common = _schema_of(spec.get("validation"))
        versions = spec.get("versions")
        found: list[tuple[str, dict[str, Any], YMap | None]] = []
        if isinstance(versions, YSeq):
            for item in versions.items:
                if not isinstance(item, YMap):
                    continue
                version = item.get_str("name")
                if not version:
                    continue
                schema = _schema_of(item.get("schema")) or common
                if schema is not None:
                    found.append((version, schema, item))
        else:
            version = spec.get_str("version")
            if version and common is not None:
                found.append((version, common, None))
        all_versions = tuple(v for v, _, _ in found)
        for version, schema, vitem in found:
            yield KindSchema(f"{group}/{version}", kind, schema, None, where, is_crd=True, crd_name=name,
                             place=place, crd_versions=all_versions, served=_flag(vitem, "served", True),
                             deprecated=_flag(vitem, "deprecated", False),
                             deprecation_warning=(vitem.get_str("deprecationWarning") or "") if vitem else "",
                             status_subresource=_has_status(vitem) or _has_status(spec))


def _has_status(node: YMap | None) -> bool:
    sub = node.get("subresources") if node is not None else None
    return isinstance(sub, YMap) and isinstance(sub.get("status"), YMap)


def _flag(item: YMap | None, key: str, default: bool) -> bool:
    if item is None:
        return default
    node = item.get(key)
    if isinstance(node, YScalar) and isinstance(node.value, bool):
        return node.value
    return default


def _name(root: YMap) -> str | None:
    meta = root.get("metadata")
    return meta.get_str("name") if isinstance(meta, YMap) else None


def _schema_of(node: Any) -> dict[str, Any] | None:
    if not isinstance(node, YMap):
        return None
    inner = node.get("openAPIV3Schema")
    if not isinstance(inner, YMap):
        return None
    data = to_python(inner)
    return sanitized(data) if isinstance(data, dict) else None


_SUBSCHEMA_MAPS: Final = ("properties", "patternProperties", "definitions")
_SUBSCHEMA_LISTS: Final = ("allOf", "anyOf", "oneOf")
_NUMBERS: Final = ("minimum", "maximum", "multipleOf")
_COUNTS: Final = ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties")
_STRINGS: Final = ("pattern", "format", "x-kubernetes-list-type", "x-kubernetes-map-type")
_BOOLS: Final = ("nullable", "uniqueItems", "exclusiveMinimum", "exclusiveMaximum", "x-kubernetes-int-or-string",
                 "x-kubernetes-preserve-unknown-fields", "x-kubernetes-embedded-resource")


def sanitized(schema: dict[str, Any], depth: int = 0) -> dict[str, Any]:
    """The schema without keywords of the wrong JSON type (the API server rejects such a CRD, and the CRD's own
    findings say why), so that the walks over custom resources can trust the shapes."""
    if depth > 64:
        return {}
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _SUBSCHEMA_MAPS:
            if isinstance(value, dict):
                out[key] = {k: sanitized(v, depth + 1) for k, v in value.items() if isinstance(v, dict)}
        elif key in _SUBSCHEMA_LISTS:
            if isinstance(value, list):
                out[key] = [sanitized(v, depth + 1) for v in value if isinstance(v, dict)]
        elif key in ("items", "not"):
            if isinstance(value, dict):
                out[key] = sanitized(value, depth + 1)
        elif key == "additionalProperties":
            if isinstance(value, dict):
                out[key] = sanitized(value, depth + 1)
            elif isinstance(value, bool):
                out[key] = value
        elif key == "type":
            if isinstance(value, str) or (isinstance(value, list) and all(isinstance(t, str) for t in value)):
                out[key] = value
        elif key in ("required", "x-kubernetes-list-map-keys"):
            if isinstance(value, list) and all(isinstance(r, str) for r in value):
                out[key] = value
        elif key == "enum":
            if isinstance(value, list):
                out[key] = value
        elif key == "x-kubernetes-validations":
            if isinstance(value, list):
                out[key] = [v for v in value if isinstance(v, dict) and isinstance(v.get("rule"), str)]
        elif key in _NUMBERS:
            if isinstance(value, int | float) and not isinstance(value, bool):
                out[key] = value
        elif key in _COUNTS:
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                out[key] = value
        elif key in _STRINGS:
            if isinstance(value, str):
                out[key] = value
        elif key in _BOOLS:
            if isinstance(value, bool):
                out[key] = value
        else:
            out[key] = value
    return out
