"""Completion at the cursor from the schema: fields not yet present, closed value sets, apiVersion/kind
pairs for the target version, and skeletons for new documents. Works on documents that do not parse."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from kube_lsp.assist.context import Cursor, cursor_at
from kube_lsp.schema.catalog import Catalog, Schema
from kube_lsp.schema.navigate import META_KINDS, descend, parent_enums, root_schema, type_label
from kube_lsp.schema.validate import schema_types


@dataclass(frozen=True, slots=True)
class Item:
    label: str
    kind: str  # field | value | kind | api-version | snippet
    detail: str = ""
    documentation: str = ""
    insert_text: str = ""
    sort_text: str = ""
    required: bool = False


# apiVersion, kind, and a minimal valid body for documents people start most often.
_SKELETONS: Final = {
    "Deployment": ("apps/v1", "spec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: {name}\n"
                   "  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n      containers:\n"
                   "        - name: {name}\n          image: nginx:1.27\n"),
    "Service": ("v1", "spec:\n  selector:\n    app: {name}\n  ports:\n    - port: 80\n      targetPort: 8080\n"),
    "ConfigMap": ("v1", "data:\n  key: value\n"),
    "Secret": ("v1", "type: Opaque\nstringData:\n  key: value\n"),
    "Ingress": ("networking.k8s.io/v1", "spec:\n  rules:\n    - host: {name}.example.com\n      http:\n"
                "        paths:\n          - path: /\n            pathType: Prefix\n            backend:\n"
                "              service:\n                name: {name}\n                port:\n"
                "                  number: 80\n"),
    "Job": ("batch/v1", "spec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n"
            "        - name: {name}\n          image: busybox:1.36\n"),
    "CronJob": ("batch/v1", "spec:\n  schedule: \"0 * * * *\"\n  jobTemplate:\n    spec:\n      template:\n"
                "        spec:\n          restartPolicy: OnFailure\n          containers:\n"
                "            - name: {name}\n              image: busybox:1.36\n"),
    "StatefulSet": ("apps/v1", "spec:\n  serviceName: {name}\n  selector:\n    matchLabels:\n      app: {name}\n"
                    "  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n"
                    "      containers:\n        - name: {name}\n          image: nginx:1.27\n"),
    "PersistentVolumeClaim": ("v1", "spec:\n  accessModes:\n    - ReadWriteOnce\n  resources:\n    requests:\n"
                              "      storage: 1Gi\n"),
    "ServiceAccount": ("v1", ""),
    "Namespace": ("v1", ""),
}


def complete(text: str, line: int, col: int, catalog: Catalog,
             index: tuple[list[str], list[int]] | None = None, origin: str | None = None) -> list[Item]:
    cur = cursor_at(text, line, col, index)
    if cur is None:
        return _new_document_items(catalog)
    if cur.path == () and cur.in_value and cur.key in ("apiVersion", "kind"):
        return _api_items(cur, catalog)
    ks = root_schema(catalog, cur.api_version, cur.kind, origin)
    if cur.path == () and not cur.in_value:
        items = []
        if not cur.api_version and not cur.kind:
            items.extend(_pair_items(catalog))
            items.extend(_new_document_items(catalog))
        if ks is None:
            return items
    if ks is None:
        return []
    if cur.in_value:
        return _value_items(cur, catalog, ks)
    if cur.item_start:
        scalar_values = _value_items(cur, catalog, ks, in_list=True)
        if scalar_values:
            return scalar_values
    found = descend(catalog, ks, cur.path)
    if found is None:
        return []
    schema, name = found
    if schema.get("items") and isinstance(schema["items"], dict):
        schema, name = catalog.resolve(schema["items"])
    return _field_items(cur, catalog, schema, name, skip_root=ks.is_crd)


def _field_items(cur: Cursor, catalog: Catalog, schema: Schema, name: str | None, skip_root: bool) -> list[Item]:
    props: dict[str, Schema] = schema.get("properties") or {}
    required = set(schema.get("required") or ())
    items = []
    indent = " " * (cur.column + 2)
    for key, sub in props.items():
        if key in cur.siblings or (cur.path == () and key in ("apiVersion", "kind") and cur.api_version):
            continue
        if key == "status" and cur.path == ():
            continue  # set by controllers, never written by hand
        resolved, rname = catalog.resolve(sub)
        label = type_label(catalog, resolved, rname)
        types, _ = schema_types(resolved)
        if "array" in types:
            insert = f"{key}:\n{indent}- "
        elif "object" in types or "properties" in resolved:
            insert = f"{key}:\n{indent}"
        else:
            insert = f"{key}: "
        req = key in required
        items.append(Item(
            label=key, kind="field", detail=f"{label}{' (required)' if req else ''}",
            documentation=sub.get("description") or resolved.get("description", ""), insert_text=insert,
            sort_text=("0" if req else "1") + key, required=req,
        ))
    return items


def _value_items(cur: Cursor, catalog: Catalog, ks: object, in_list: bool = False) -> list[Item]:
    from kube_lsp.schema.catalog import KindSchema

    assert isinstance(ks, KindSchema)
    path = cur.path if in_list else (*cur.path, cur.key or "")
    if in_list and path and isinstance(path[-1], int):
        path = path[:-1]
    values = parent_enums(catalog, ks, path)
    found = descend(catalog, ks, path)
    items: list[Item] = []
    if values:
        items = [Item(label=v or '""', kind="value", insert_text=v or '""', sort_text=f"{i:03d}")
                 for i, v in enumerate(values)]
    elif found is not None and not in_list:
        types, _ = schema_types(found[0])
        if types == {"boolean"}:
            items = [Item(label=v, kind="value", insert_text=v) for v in ("true", "false")]
    return items


def _api_items(cur: Cursor, catalog: Catalog) -> list[Item]:
    pairs = sorted(set(catalog.by_gvk) | set(catalog.crds))
    if cur.key == "apiVersion":
        versions = sorted({av for av, k in pairs if cur.kind is None or k == cur.kind})
        return [Item(label=av, kind="api-version", insert_text=av, detail="Kubernetes API group version",
                     sort_text=("0" if "/" not in av else "1") + av) for av in versions]
    kinds = sorted({k for av, k in pairs if cur.api_version is None or av == cur.api_version})
    return [
        Item(label=k, kind="kind", insert_text=k, detail=", ".join(sorted(av for av, kk in pairs if kk == k)),
             sort_text=k)
        for k in kinds if not k.endswith("List") and k not in META_KINDS
    ]


def _pair_items(catalog: Catalog) -> list[Item]:
    served = catalog.served_kinds()
    items = []
    for kind, versions in sorted(served.items()):
        if kind.endswith("List") or kind in META_KINDS:
            continue
        for av in sorted(versions):
            items.append(Item(label=f"{kind} ({av})", kind="kind", detail=f"apiVersion: {av}",
                              insert_text=f"apiVersion: {av}\nkind: {kind}\n", sort_text="2" + kind))
    return items


def _new_document_items(catalog: Catalog) -> list[Item]:
    items = []
    for kind, (av, body) in _SKELETONS.items():
        if catalog.lookup(av, kind) is None:
            continue
        text = f"apiVersion: {av}\nkind: {kind}\nmetadata:\n  name: my-app\n" + body.replace("{name}", "my-app")
        items.append(Item(label=f"new {kind}", kind="snippet", detail=f"{av} {kind} skeleton",
                          documentation=f"```yaml\n{text}```", insert_text=text, sort_text="3" + kind))
    return items
