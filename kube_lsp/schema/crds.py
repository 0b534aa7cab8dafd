"""Custom resource schemas from CustomResourceDefinitions found in the checked files."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from kube_lsp.parsing.loader import Document
from kube_lsp.parsing.nodes import YMap, YSeq, to_python
from kube_lsp.schema.catalog import KindSchema

_CRD_VERSIONS = ("apiextensions.k8s.io/v1", "apiextensions.k8s.io/v1beta1")


def crds_in(docs: Iterable[Document], origin: str) -> Iterator[KindSchema]:
    """A KindSchema per served version of every CRD among `docs`."""
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
        where = f"CRD {_name(root) or kind} ({origin}:{doc.start_line + 1})"
        common = _schema_of(spec.get("validation"))
        versions = spec.get("versions")
        if isinstance(versions, YSeq):
            for item in versions.items:
                if not isinstance(item, YMap):
                    continue
                version = item.get_str("name")
                if not version:
                    continue
                schema = _schema_of(item.get("schema")) or common
                if schema is not None:
                    yield KindSchema(f"{group}/{version}", kind, schema, None, where, is_crd=True)
        else:
            version = spec.get_str("version")
            if version and common is not None:
                yield KindSchema(f"{group}/{version}", kind, common, None, where, is_crd=True)


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
    return data if isinstance(data, dict) else None
