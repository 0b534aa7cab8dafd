"""Object semantics of the API server double: typed decoding, server-side apply, defaulting and validation.

Everything here follows the documented Kubernetes behaviour closely enough for client tests, driven by the
OpenAPI schemas of catalog.py (list types and keys, atomic maps, scalar types). It is not the real
structured-merge-diff: see the notes on each function for what is approximated.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .catalog import INT_OR_STRING, JSON, QUANTITY, Resource, SchemaView

MISSING: Any = object()

# --- paths -----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seg:
    """One step into an object: a field name, or a list element with its index and (for list-maps) its key."""

    name: str | None = None
    index: int | None = None
    key: str | None = None  # smd spelling of the element: [name="web"], [="x"]


def field_path(segs: Iterable[Seg]) -> str:
    """The path of field.Error: spec.template.spec.containers[0].image."""
    out = ""
    for s in segs:
        out += f".{s.name}" if s.name is not None else f"[{s.index}]"
    return out.lstrip(".")


def smd_path(segs: Iterable[Seg]) -> str:
    """The structured-merge-diff spelling: .spec.template.spec.containers[name="web"].image."""
    out = ""
    for s in segs:
        out += f".{s.name}" if s.name is not None else (s.key or f"[{s.index}]")
    return out


def go_path(segs: Iterable[Seg]) -> str:
    """The encoding/json spelling of a struct field path: spec.template.spec.containers.image."""
    return ".".join(s.name for s in segs if s.name is not None)


# --- schema helpers --------------------------------------------------------------------------------------------------


def classify(s: JSON) -> str:
    """struct | map | list | scalar | any, for a resolved schema node."""
    ref = s.get("x-ref")
    if ref in (INT_OR_STRING, QUANTITY):
        return "scalar"
    if s.get("x-kubernetes-preserve-unknown-fields") or s.get("x-kubernetes-int-or-string"):
        return "any"
    if "properties" in s:
        return "struct"
    if isinstance(s.get("additionalProperties"), dict):
        return "map"
    t = s.get("type")
    if t == "array":
        return "list"
    if t in ("string", "integer", "number", "boolean"):
        return "scalar"
    return "any"


def short_type(s: JSON) -> str:
    ref = s.get("x-ref", "")
    return ref.rsplit(".", 1)[-1] if ref else ""


def go_type(s: JSON) -> str:
    """The Go type a schema node decodes into, as encoding/json names it in errors."""
    ref = s.get("x-ref", "")
    if ref:
        pkg_type = ref.rsplit(".", 2)
        return f"{pkg_type[-2]}.{pkg_type[-1]}" if len(pkg_type) == 3 else ref
    t = s.get("type")
    if t == "integer":
        return str(s.get("format") or "int64")
    if t == "number":
        return "float64"
    if t == "boolean":
        return "bool"
    if t == "array":
        return "[]" + go_type(s.get("items") or {})
    if t == "object" and isinstance(s.get("additionalProperties"), dict):
        return "map[string]" + go_type(s["additionalProperties"])
    return str(t or "interface {}")


def json_kind(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int | float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    if isinstance(v, dict):
        return "object"
    return "null"


def scalar_ok(v: Any, s: JSON) -> bool:
    ref = s.get("x-ref")
    if ref == INT_OR_STRING:
        return isinstance(v, str | int) and not isinstance(v, bool)
    if ref == QUANTITY:
        return isinstance(v, str | int | float) and not isinstance(v, bool)
    t = s.get("type")
    if t == "string":
        return isinstance(v, str)
    if t == "integer":
        return isinstance(v, int) and not isinstance(v, bool)
    if t == "number":
        return isinstance(v, int | float) and not isinstance(v, bool)
    if t == "boolean":
        return isinstance(v, bool)
    return True


def strip_nulls(v: Any) -> Any:
    """null means "unset" in a manifest: drop it, as decoding into Go pointers does."""
    if isinstance(v, dict):
        return {k: strip_nulls(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [strip_nulls(x) for x in v if x is not None]
    return v


def list_keys(s: JSON) -> list[str]:
    return list(s.get("x-kubernetes-list-map-keys") or [])


def element_key(item: Any, keys: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(item, dict):
        for k in keys:
            if k in item:
                out[k] = item[k]
            elif k == "protocol":  # ports: the key field the server defaults
                out[k] = "TCP"
    return out


def key_json(key: dict[str, Any]) -> str:
    return json.dumps(key, sort_keys=True, separators=(",", ":"))


def key_display(key: dict[str, Any]) -> str:
    return "[" + ",".join(f"{k}={json.dumps(v)}" for k, v in sorted(key.items())) + "]"


# --- typed decoding --------------------------------------------------------------------------------------------------


@dataclass
class TypeIssue:
    kind: str  # "unknown" | "type"
    segs: tuple[Seg, ...]
    schema: JSON = field(default_factory=dict)  # expected node (for "type")
    parent: JSON = field(default_factory=dict)  # struct holding the field
    value: Any = None

    def smd_message(self) -> str:
        if self.kind == "unknown":
            return f"{smd_path(self.segs)}: field not declared in schema"
        cat = classify(self.schema)
        got = {"bool": "bool", "number": "float64" if isinstance(self.value, float) else "int64",
               "string": "string", "array": "list", "object": "map"}.get(json_kind(self.value), "null")
        if cat in ("struct", "map"):
            expected = "map"
        elif cat == "list":
            expected = "list"
        elif self.schema.get("type") in ("integer", "number"):
            expected = "numeric (int or float)"
        else:
            expected = str(self.schema.get("type") or "scalar")
        return f"{smd_path(self.segs)}: expected {expected}, got {got}"

    def go_message(self) -> str:
        struct = short_type(self.parent) or "Object"
        return (f"json: cannot unmarshal {json_kind(self.value)} into Go struct field "
                f"{struct}.{go_path(self.segs)} of type {go_type(self.schema)}")


def check_types(view: SchemaView, obj: Any, schema: JSON, segs: tuple[Seg, ...] = (),
                parent: JSON | None = None) -> list[TypeIssue]:
    """Unknown fields and type mismatches of obj against schema (depth first, in document order)."""
    s = view.resolve(schema)
    cat = classify(s)
    issues: list[TypeIssue] = []
    if cat == "any" or obj is None:
        return issues
    if cat == "struct":
        if not isinstance(obj, dict):
            return [TypeIssue("type", segs, s, parent or {}, obj)]
        props = s["properties"]
        for k, v in obj.items():
            if k not in props:
                issues.append(TypeIssue("unknown", (*segs, Seg(name=k)), parent=s))
                continue
            issues += check_types(view, v, props[k], (*segs, Seg(name=k)), s)
    elif cat == "map":
        if not isinstance(obj, dict):
            return [TypeIssue("type", segs, s, parent or {}, obj)]
        for k, v in obj.items():
            issues += check_types(view, v, s["additionalProperties"], (*segs, Seg(name=k)), parent)
    elif cat == "list":
        if not isinstance(obj, list):
            return [TypeIssue("type", segs, s, parent or {}, obj)]
        keys = list_keys(s)
        for i, item in enumerate(obj):
            key = None
            if s.get("x-kubernetes-list-type") == "map" and keys:
                key = key_display(element_key(item, keys))
            elif s.get("x-kubernetes-list-type") == "set":
                key = f"[={json.dumps(item)}]"
            issues += check_types(view, item, s.get("items") or {}, (*segs, Seg(index=i, key=key)), parent)
    elif not scalar_ok(obj, s):
        issues.append(TypeIssue("type", segs, s, parent or {}, obj))
    return issues


def prune(view: SchemaView, obj: Any, schema: JSON) -> Any:
    """obj without the fields its schema does not declare (what decoding into Go types drops)."""
    s = view.resolve(schema)
    cat = classify(s)
    if cat == "struct" and isinstance(obj, dict):
        props = s["properties"]
        return {k: prune(view, v, props[k]) for k, v in obj.items() if k in props}
    if cat == "map" and isinstance(obj, dict):
        return {k: prune(view, v, s["additionalProperties"]) for k, v in obj.items()}
    if cat == "list" and isinstance(obj, list):
        return [prune(view, x, s.get("items") or {}) for x in obj]
    return copy.deepcopy(obj)


# --- field sets (managedFields) --------------------------------------------------------------------------------------

PathEl = tuple[str, str]  # ("f", name) | ("k", key-json) | ("v", value-json)
FieldPath = tuple[PathEl, ...]

# Fields that server-side apply never tracks (structured-merge-diff's "stripped" set) besides status.
STRIPPED_META = {"name", "namespace", "creationTimestamp", "selfLink", "uid", "generation", "managedFields",
                 "resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds"}


def trackable(obj: JSON) -> JSON:
    """The part of an object that field ownership covers."""
    out = {k: copy.deepcopy(v) for k, v in obj.items() if k not in ("apiVersion", "kind", "status")}
    meta = {k: v for k, v in (out.get("metadata") or {}).items() if k not in STRIPPED_META}
    if meta:
        out["metadata"] = meta
    else:
        out.pop("metadata", None)
    return out


def field_set(view: SchemaView, obj: Any, schema: JSON, prefix: FieldPath = ()) -> set[FieldPath]:
    """The set of leaf fields (and list-map elements) obj sets, as managedFields records them."""
    out: set[FieldPath] = set()
    s = view.resolve(schema)
    cat = classify(s)
    atomic = s.get("x-kubernetes-map-type") == "atomic"
    if cat in ("struct", "map") and isinstance(obj, dict) and not atomic:
        if not obj and prefix:
            out.add(prefix)
        for k, v in obj.items():
            sub = s["properties"].get(k, {}) if cat == "struct" else s["additionalProperties"]
            out |= field_set(view, v, sub, (*prefix, ("f", k)))
    elif cat == "list" and isinstance(obj, list) and s.get("x-kubernetes-list-type") in ("map", "set"):
        if s.get("x-kubernetes-list-type") == "map":
            keys = list_keys(s)
            for item in obj:
                p = (*prefix, ("k", key_json(element_key(item, keys))))
                out.add(p)
                out |= field_set(view, item, s.get("items") or {}, p)
        else:
            out |= {(*prefix, ("v", json.dumps(item))) for item in obj}
    elif prefix:
        out.add(prefix)
    return out


def to_fields_v1(paths: set[FieldPath]) -> JSON:
    root: JSON = {}
    for p in sorted(paths):
        node = root
        for kind, value in p:
            node = node.setdefault(f"{kind}:{value}", {})
        if p and p[-1][0] == "k":
            node["."] = {}
    return root


def from_fields_v1(tree: JSON, prefix: FieldPath = ()) -> set[FieldPath]:
    out: set[FieldPath] = set()
    children = [k for k in tree if k != "."]
    if prefix and (not children or "." in tree):
        out.add(prefix)
    for k in children:
        kind, _, value = k.partition(":")
        if kind == "k":
            value = key_json(json.loads(value))
        out |= from_fields_v1(tree[k] or {}, (*prefix, (kind, value)))
    return out


def display(p: FieldPath) -> str:
    out = ""
    for kind, value in p:
        if kind == "f":
            out += f".{value}"
        elif kind == "k":
            out += key_display(json.loads(value))
        else:
            out += f"[={value}]"
    return out


def _element_index(lst: list[Any], el: PathEl, s: JSON) -> int | None:
    kind, value = el
    if kind == "k":
        want = json.loads(value)
        keys = list_keys(s)
        for i, item in enumerate(lst):
            if element_key(item, keys) == want:
                return i
    elif kind == "v":
        want = json.loads(value)
        for i, item in enumerate(lst):
            if item == want:
                return i
    return None


def get_at(view: SchemaView, obj: Any, path: FieldPath, schema: JSON) -> Any:
    s = view.resolve(schema)
    for el in path:
        cat = classify(s)
        if el[0] == "f":
            if not isinstance(obj, dict) or el[1] not in obj:
                return MISSING
            obj = obj[el[1]]
            s = view.resolve(s["properties"].get(el[1], {}) if cat == "struct" else s.get("additionalProperties") or {})
        else:
            if not isinstance(obj, list):
                return MISSING
            i = _element_index(obj, el, s)
            if i is None:
                return MISSING
            obj = obj[i]
            s = view.resolve(s.get("items") or {})
    return obj


def delete_at(view: SchemaView, obj: Any, path: FieldPath, schema: JSON) -> None:
    if not path:
        return
    parent = get_at(view, obj, path[:-1], schema)
    el = path[-1]
    if el[0] == "f":
        if isinstance(parent, dict):
            parent.pop(el[1], None)
        return
    if isinstance(parent, list):
        # Resolve the list's own schema to find its keys.
        s = view.resolve(schema)
        for p_el in path[:-1]:
            s = view.resolve(s["properties"].get(p_el[1], {}) if classify(s) == "struct" and p_el[0] == "f"
                             else (s.get("additionalProperties") or {}) if p_el[0] == "f" else (s.get("items") or {}))
        i = _element_index(parent, el, s)
        if i is not None:
            del parent[i]


# --- merging ---------------------------------------------------------------------------------------------------------


def merge(view: SchemaView, live: Any, applied: Any, schema: JSON) -> Any:
    """applied merged onto live the way server-side apply merges (granular maps, list-maps by key, sets)."""
    s = view.resolve(schema)
    cat = classify(s)
    if cat in ("struct", "map") and isinstance(applied, dict) and s.get("x-kubernetes-map-type") != "atomic":
        out = copy.deepcopy(live) if isinstance(live, dict) else {}
        for k, v in applied.items():
            sub = s["properties"].get(k, {}) if cat == "struct" else s["additionalProperties"]
            out[k] = merge(view, out.get(k, MISSING), v, sub)
        return out
    if cat == "list" and isinstance(applied, list) and isinstance(live, list):
        lt = s.get("x-kubernetes-list-type")
        if lt == "map":
            keys = list_keys(s)
            out_list = copy.deepcopy(live)
            for item in applied:
                i = _element_index(out_list, ("k", key_json(element_key(item, keys))), s)
                if i is None:
                    out_list.append(copy.deepcopy(item))
                else:
                    out_list[i] = merge(view, out_list[i], item, s.get("items") or {})
            return out_list
        if lt == "set":
            return copy.deepcopy(live) + [copy.deepcopy(x) for x in applied if x not in live]
    return copy.deepcopy(applied)


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def json_patch(target: Any, ops: list[JSON]) -> Any:
    """RFC 6902 JSON patch (add, remove, replace, test)."""
    doc = copy.deepcopy(target)

    def split(p: str) -> list[str]:
        return [t.replace("~1", "/").replace("~0", "~") for t in p.split("/")[1:]]

    for op in ops:
        tokens = split(str(op.get("path", "")))
        if not tokens:
            doc = copy.deepcopy(op.get("value"))
            continue
        parent = doc
        for t in tokens[:-1]:
            parent = parent[int(t)] if isinstance(parent, list) else parent[t]
        last = tokens[-1]
        kind = op.get("op")
        if kind == "test":
            current = parent[int(last)] if isinstance(parent, list) else parent.get(last, MISSING)
            if current != op.get("value"):
                raise ValueError(f"testing value {op.get('path')} failed")
        elif kind == "remove":
            if isinstance(parent, list):
                del parent[int(last)]
            else:
                del parent[last]
        elif kind in ("add", "replace"):
            if isinstance(parent, list):
                if last == "-":
                    parent.append(copy.deepcopy(op.get("value")))
                elif kind == "add":
                    parent.insert(int(last), copy.deepcopy(op.get("value")))
                else:
                    parent[int(last)] = copy.deepcopy(op.get("value"))
            else:
                if kind == "replace" and last not in parent:
                    raise ValueError(f"replace operation does not apply: doc is missing key: {op.get('path')}")
                parent[last] = copy.deepcopy(op.get("value"))
        else:
            raise ValueError(f"Unexpected kind: {kind}")
    return doc


def strategic_merge(view: SchemaView, live: Any, patch: Any, schema: JSON) -> Any:
    """Strategic merge patch, approximated: merge patch whose list-maps merge by key and `$patch: delete` removes."""
    s = view.resolve(schema)
    cat = classify(s)
    if isinstance(patch, dict) and cat in ("struct", "map", "any"):
        if patch.get("$patch") == "replace":
            return {k: copy.deepcopy(v) for k, v in patch.items() if not k.startswith("$")}
        out = copy.deepcopy(live) if isinstance(live, dict) else {}
        for k, v in patch.items():
            if k.startswith("$"):
                continue  # $setElementOrder/..., $retainKeys, $deleteFromPrimitiveList/...: ordering hints, ignored
            if v is None or (isinstance(v, dict) and v.get("$patch") == "delete"):
                out.pop(k, None)
                continue
            sub = (s.get("properties") or {}).get(k, {}) if cat == "struct" else s.get("additionalProperties") or {}
            out[k] = strategic_merge(view, out.get(k), v, sub if isinstance(sub, dict) else {})
        return out
    if isinstance(patch, list) and isinstance(live, list) and s.get("x-kubernetes-patch-strategy", "").startswith(
            "merge") and s.get("x-kubernetes-patch-merge-key"):
        mk = s["x-kubernetes-patch-merge-key"]
        out_list = copy.deepcopy(live)
        for item in patch:
            idx = next((i for i, x in enumerate(out_list) if isinstance(x, dict) and isinstance(item, dict)
                        and x.get(mk) == item.get(mk)), None)
            if isinstance(item, dict) and item.get("$patch") == "delete":
                if idx is not None:
                    del out_list[idx]
            elif idx is None:
                out_list.append(copy.deepcopy(item))
            else:
                out_list[idx] = strategic_merge(view, out_list[idx], item, s.get("items") or {})
        return out_list
    return copy.deepcopy(patch)


@dataclass
class ApplyConflict(Exception):
    """Fields another manager owns with a different value; entries are (managedFields entry, path)."""

    conflicts: list[tuple[JSON, FieldPath]]


def server_side_apply(view: SchemaView, r: Resource, live: JSON | None, applied: JSON, manager: str, force: bool,
                      now: str) -> JSON:
    """The object server-side apply makes of live and the applied configuration (metadata not filled in)."""
    schema = view.kind_schema(r)
    applied_t = trackable(applied)
    new_set = field_set(view, applied_t, schema)
    entries: list[JSON] = copy.deepcopy((live or {}).get("metadata", {}).get("managedFields") or [])
    owned = [(e, from_fields_v1(e.get("fieldsV1") or {})) for e in entries]

    def mine(e: JSON) -> bool:
        return e.get("manager") == manager and e.get("operation") == "Apply" and not e.get("subresource")

    live_t = trackable(live or {})
    conflicts: list[tuple[JSON, FieldPath]] = []
    for e, paths in owned:
        if mine(e) or e.get("subresource"):
            continue
        for p in sorted(new_set & paths):
            if p[-1][0] == "k":
                continue
            if get_at(view, live_t, p, schema) != get_at(view, applied_t, p, schema):
                conflicts.append((e, p))
    if conflicts and not force:
        raise ApplyConflict(conflicts)
    lost = {p for _e, p in conflicts}
    mine_old: set[FieldPath] = set()
    others: list[tuple[JSON, set[FieldPath]]] = []
    for e, paths in owned:
        if mine(e):
            mine_old |= paths
        else:
            others.append((e, paths - lost if not e.get("subresource") else paths))
    others_union = set().union(*(p for _e, p in others)) if others else set()

    base = copy.deepcopy(live) if live else {}
    base.setdefault("metadata", {}).pop("managedFields", None)
    for p in sorted(mine_old - new_set - others_union, key=len):
        if p[-1][0] == "k" and any(q[: len(p)] == p for q in others_union):
            continue
        delete_at(view, base, p, schema)
        # Containers emptied by the removal go too, unless someone still owns them or something under them.
        kept = new_set | others_union
        for depth in range(len(p) - 1, 0, -1):
            parent = p[:depth]
            if get_at(view, base, parent, schema) not in ({}, []) or any(q[:depth] == parent for q in kept):
                break
            delete_at(view, base, parent, schema)
    merged = merge(view, base, {k: v for k, v in applied.items() if k != "status"}, schema)
    merged["apiVersion"], merged["kind"] = applied.get("apiVersion"), applied.get("kind")

    managed = [e for e, paths in others if paths]
    for e, paths in others:
        if paths:
            e["fieldsV1"] = to_fields_v1(paths)
    previous = next((e for e, _p in owned if mine(e)), None)
    keep_time = previous is not None and from_fields_v1(previous.get("fieldsV1") or {}) == new_set
    managed.append({
        "manager": manager,
        "operation": "Apply",
        "apiVersion": r.group_version,
        "time": previous["time"] if keep_time and previous and previous.get("time") else now,
        "fieldsType": "FieldsV1",
        "fieldsV1": to_fields_v1(new_set),
    })
    merged["metadata"]["managedFields"] = managed
    result: JSON = merged
    return result


def record_update(view: SchemaView, r: Resource, live: JSON | None, new: JSON, manager: str, now: str,
                  subresource: str = "") -> list[JSON]:
    """managedFields after a non-apply write by manager: it owns what it changed; others lose those fields."""
    schema = view.kind_schema(r)
    new_t, live_t = trackable(new), trackable(live or {})
    new_set = field_set(view, new_t, schema)
    changed = {p for p in new_set if get_at(view, live_t, p, schema) != get_at(view, new_t, p, schema)}
    entries: list[JSON] = copy.deepcopy((live or {}).get("metadata", {}).get("managedFields") or [])
    out: list[JSON] = []
    mine_paths: set[FieldPath] = set(changed)
    for e in entries:
        paths = from_fields_v1(e.get("fieldsV1") or {}) & new_set
        if e.get("manager") == manager and e.get("operation") == "Update" and e.get("subresource", "") == subresource:
            mine_paths |= paths
            continue
        paths -= changed
        if paths:
            e["fieldsV1"] = to_fields_v1(paths)
            out.append(e)
    if mine_paths:
        entry: JSON = {"manager": manager, "operation": "Update", "apiVersion": r.group_version, "time": now,
                       "fieldsType": "FieldsV1", "fieldsV1": to_fields_v1(mine_paths)}
        if subresource:
            entry["subresource"] = subresource
        out.append(entry)
    return out


# --- defaulting ------------------------------------------------------------------------------------------------------


def _image_pull_policy(image: str) -> str:
    name = image.split("@", 1)[0]
    tag = name.rsplit(":", 1)[1] if ":" in name.rsplit("/", 1)[-1] else ""
    return "Always" if "@" not in image and tag in ("", "latest") else "IfNotPresent"


def _default_probe(probe: Any) -> None:
    if not isinstance(probe, dict):
        return
    for k, v in (("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1), ("failureThreshold", 3)):
        probe.setdefault(k, v)
    if isinstance(probe.get("httpGet"), dict):
        probe["httpGet"].setdefault("scheme", "HTTP")


def default_pod_spec(spec: Any) -> None:
    if not isinstance(spec, dict):
        return
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    for key in ("initContainers", "containers"):
        for c in spec.get(key) or []:
            if not isinstance(c, dict):
                continue
            if isinstance(c.get("image"), str):
                c.setdefault("imagePullPolicy", _image_pull_policy(c["image"]))
            c.setdefault("terminationMessagePath", "/dev/termination-log")
            c.setdefault("terminationMessagePolicy", "File")
            c.setdefault("resources", {})
            for p in c.get("ports") or []:
                if isinstance(p, dict):
                    p.setdefault("protocol", "TCP")
            for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
                _default_probe(c.get(probe))


def _spec(obj: JSON) -> JSON:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        spec = obj["spec"] = {}
    return spec


def _template_spec(spec: JSON) -> Any:
    t = spec.get("template")
    return t.get("spec") if isinstance(t, dict) else None


def apply_defaults(obj: JSON, cluster_ip: str = "10.96.0.10") -> None:
    """The defaults the API server fills in (a representative subset of SetDefaults_* for the served kinds)."""
    kind = obj.get("kind")
    if kind == "Secret" and isinstance(obj.get("stringData"), dict):
        # stringData is write-only: the API server merges it into data (base64) and never returns it.
        data = obj["data"] = obj["data"] if isinstance(obj.get("data"), dict) else {}
        for key, value in obj.pop("stringData").items():
            data[key] = base64.b64encode(str(value).encode()).decode()
    if kind == "Secret":
        obj.setdefault("type", "Opaque")
    if kind == "Pod":
        spec = _spec(obj)
        default_pod_spec(spec)
        spec.setdefault("enableServiceLinks", True)
        spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
        spec.setdefault("priority", 0)
        obj.setdefault("status", {"phase": "Pending", "qosClass": "BestEffort"})
    elif kind == "Deployment":
        spec = _spec(obj)
        spec.setdefault("replicas", 1)
        spec.setdefault("revisionHistoryLimit", 10)
        spec.setdefault("progressDeadlineSeconds", 600)
        strategy = spec.setdefault("strategy", {})
        if isinstance(strategy, dict):
            strategy.setdefault("type", "RollingUpdate")
            if strategy["type"] == "RollingUpdate":
                ru = strategy.setdefault("rollingUpdate", {})
                ru.setdefault("maxUnavailable", "25%")
                ru.setdefault("maxSurge", "25%")
        default_pod_spec(_template_spec(spec))
        obj.setdefault("status", {})
    elif kind == "StatefulSet":
        spec = _spec(obj)
        spec.setdefault("replicas", 1)
        spec.setdefault("podManagementPolicy", "OrderedReady")
        spec.setdefault("revisionHistoryLimit", 10)
        us = spec.setdefault("updateStrategy", {"type": "RollingUpdate"})
        if isinstance(us, dict) and us.get("type") == "RollingUpdate":
            us.setdefault("rollingUpdate", {"partition": 0})
        spec.setdefault("persistentVolumeClaimRetentionPolicy", {"whenDeleted": "Retain", "whenScaled": "Retain"})
        default_pod_spec(_template_spec(spec))
        obj.setdefault("status", {"replicas": 0, "availableReplicas": 0})
    elif kind == "DaemonSet":
        spec = _spec(obj)
        spec.setdefault("revisionHistoryLimit", 10)
        us = spec.setdefault("updateStrategy", {"type": "RollingUpdate"})
        if isinstance(us, dict) and us.get("type") == "RollingUpdate":
            us.setdefault("rollingUpdate", {"maxUnavailable": 1, "maxSurge": 0})
        default_pod_spec(_template_spec(spec))
        obj.setdefault("status", {"currentNumberScheduled": 0, "numberMisscheduled": 0, "desiredNumberScheduled": 0,
                                  "numberReady": 0})
    elif kind == "ReplicaSet":
        spec = _spec(obj)
        spec.setdefault("replicas", 1)
        default_pod_spec(_template_spec(spec))
        obj.setdefault("status", {"replicas": 0})
    elif kind == "Job":
        spec = _spec(obj)
        for k, v in (("parallelism", 1), ("completions", 1), ("backoffLimit", 6), ("completionMode", "NonIndexed"),
                     ("suspend", False), ("podReplacementPolicy", "TerminatingOrFailed")):
            spec.setdefault(k, v)
        default_pod_spec(_template_spec(spec))
        obj.setdefault("status", {})
    elif kind == "CronJob":
        spec = _spec(obj)
        for k, v in (("concurrencyPolicy", "Allow"), ("suspend", False), ("successfulJobsHistoryLimit", 3),
                     ("failedJobsHistoryLimit", 1)):
            spec.setdefault(k, v)
        jt = spec.get("jobTemplate")
        if isinstance(jt, dict) and isinstance(jt.get("spec"), dict):
            default_pod_spec(_template_spec(jt["spec"]))
        obj.setdefault("status", {})
    elif kind == "Service":
        spec = _spec(obj)
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        if spec["type"] != "ExternalName":
            spec.setdefault("clusterIP", cluster_ip)
            spec.setdefault("clusterIPs", [spec["clusterIP"]])
            spec.setdefault("ipFamilies", ["IPv4"])
            spec.setdefault("ipFamilyPolicy", "SingleStack")
            spec.setdefault("internalTrafficPolicy", "Cluster")
        for p in spec.get("ports") or []:
            if isinstance(p, dict):
                p.setdefault("protocol", "TCP")
                if "port" in p:
                    p.setdefault("targetPort", p["port"])
        obj.setdefault("status", {"loadBalancer": {}})
    elif kind == "Secret":
        obj.setdefault("type", "Opaque")
    elif kind == "Namespace":
        meta = obj.setdefault("metadata", {})
        meta.setdefault("labels", {})["kubernetes.io/metadata.name"] = meta.get("name", "")
        _spec(obj).setdefault("finalizers", ["kubernetes"])
        obj.setdefault("status", {"phase": "Active"})


# --- validation ------------------------------------------------------------------------------------------------------


def go_value(v: Any) -> str:
    """A value as field.Invalid prints it."""
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dict):
        inner = ", ".join(f"{json.dumps(k)}:{json.dumps(x)}" for k, x in sorted(v.items()))
        return f"map[string]string{{{inner}}}"
    return str(v)


@dataclass
class FieldError:
    """One field.Error: its cause reason, field path and the message body after the path."""

    reason: str  # FieldValueRequired | FieldValueInvalid | FieldValueTypeInvalid | FieldValueDuplicate | ...
    field: str
    body: str

    def __str__(self) -> str:
        return f"{self.field}: {self.body}"

    @staticmethod
    def required(path: str, detail: str = "") -> FieldError:
        return FieldError("FieldValueRequired", path, "Required value" + (f": {detail}" if detail else ""))

    @staticmethod
    def invalid(path: str, value: Any, detail: str) -> FieldError:
        return FieldError("FieldValueInvalid", path, f"Invalid value: {go_value(value)}: {detail}")

    @staticmethod
    def duplicate(path: str, value: Any) -> FieldError:
        return FieldError("FieldValueDuplicate", path, f"Duplicate value: {go_value(value)}")

    @staticmethod
    def not_supported(path: str, value: Any, supported: Iterable[str]) -> FieldError:
        values = ", ".join(json.dumps(s) for s in supported)
        return FieldError("FieldValueNotSupported", path, f"Unsupported value: {go_value(value)}: supported values: "
                          f"{values}")


LABEL_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
SUBDOMAIN_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS1035_RE = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
             "and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
             "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and "
                 "must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation "
                 "is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
DNS1035_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
               "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for "
               "validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")


def _label_errors(path: str, value: str) -> list[FieldError]:
    errs = []
    if len(value) > 63:
        errs.append(FieldError.invalid(path, value, "must be no more than 63 characters"))
    if not LABEL_RE.match(value):
        errs.append(FieldError.invalid(path, value, LABEL_MSG))
    return errs


def validate_name(r: Resource, name: str) -> list[FieldError]:
    if r.kind in ("Service",):
        if len(name) > 63:
            return [FieldError.invalid("metadata.name", name, "must be no more than 63 characters")]
        return [] if DNS1035_RE.match(name) else [FieldError.invalid("metadata.name", name, DNS1035_MSG)]
    if r.kind in ("Namespace",):
        return _label_errors("metadata.name", name)
    if r.kind == "CustomResourceDefinition" or r.group.startswith("rbac."):
        return []  # validated elsewhere / path segment names
    errs = []
    if len(name) > 253:
        errs.append(FieldError.invalid("metadata.name", name, "must be no more than 253 characters"))
    if not SUBDOMAIN_RE.match(name):
        errs.append(FieldError.invalid("metadata.name", name, SUBDOMAIN_MSG))
    return errs


def validate_pod_spec(spec: Any, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    if not isinstance(spec, dict):
        return [FieldError.required(f"{path}.containers")]
    containers = spec.get("containers")
    if not containers:
        errs.append(FieldError.required(f"{path}.containers"))
    seen: set[str] = set()
    for key in ("initContainers", "containers"):
        for i, c in enumerate(spec.get(key) or []):
            if not isinstance(c, dict):
                continue
            cp = f"{path}.{key}[{i}]"
            name = c.get("name")
            if not name:
                errs.append(FieldError.required(f"{cp}.name"))
            elif isinstance(name, str):
                errs += _label_errors(f"{cp}.name", name)
                if name in seen:
                    errs.append(FieldError.duplicate(f"{cp}.name", name))
                seen.add(name)
            image = c.get("image")
            if not image:
                errs.append(FieldError.required(f"{cp}.image"))
            elif isinstance(image, str) and image != image.strip():
                errs.append(FieldError.invalid(f"{cp}.image", image, "must not have leading or trailing whitespace"))
            for j, p in enumerate(c.get("ports") or []):
                port = p.get("containerPort") if isinstance(p, dict) else None
                if isinstance(port, int) and not 1 <= port <= 65535:
                    errs.append(FieldError.invalid(f"{cp}.ports[{j}].containerPort", port,
                                                   "must be between 1 and 65535, inclusive"))
            policy = c.get("imagePullPolicy")
            if policy is not None and policy not in ("Always", "IfNotPresent", "Never"):
                errs.append(FieldError.not_supported(f"{cp}.imagePullPolicy", policy,
                                                     ("Always", "IfNotPresent", "Never")))
    return errs


def _selector_errors(spec: JSON, kind: str, required: bool = True) -> list[FieldError]:
    errs: list[FieldError] = []
    selector = spec.get("selector")
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    if selector is None:
        if required:
            errs.append(FieldError.required("spec.selector"))
        return errs
    match = (selector or {}).get("matchLabels") or {}
    if not match and not (selector or {}).get("matchExpressions"):
        errs.append(FieldError("FieldValueInvalid", "spec.selector",
                               "Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
                               f"MatchExpressions:[]v1.LabelSelectorRequirement(nil)}}: empty selector is invalid "
                               f"for {kind.lower()}"))
    elif any(labels.get(k) != v for k, v in match.items()):
        errs.append(FieldError.invalid("spec.template.metadata.labels", labels,
                                       "`selector` does not match template `labels`"))
    return errs


def validate(view: SchemaView, r: Resource, obj: JSON) -> list[FieldError]:
    """Validation errors (422 Invalid) of a defaulted object."""
    errs = validate_name(r, str((obj.get("metadata") or {}).get("name") or ""))
    raw_spec = obj.get("spec")
    spec: JSON = raw_spec if isinstance(raw_spec, dict) else {}
    kind = r.kind
    if kind == "Pod":
        errs += validate_pod_spec(spec, "spec")
    elif kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"):
        replicas = spec.get("replicas")
        if isinstance(replicas, int) and replicas < 0:
            errs.append(FieldError.invalid("spec.replicas", replicas, "must be greater than or equal to 0"))
        errs += _selector_errors(spec, kind)
        errs += validate_pod_spec(_template_spec(spec), "spec.template.spec")
    elif kind == "Job":
        tspec = _template_spec(spec)
        errs += validate_pod_spec(tspec, "spec.template.spec")
        policy = (tspec or {}).get("restartPolicy")
        if policy not in ("OnFailure", "Never"):
            errs.append(FieldError.not_supported("spec.template.spec.restartPolicy", policy, ("OnFailure", "Never")))
    elif kind == "CronJob":
        if not spec.get("schedule"):
            errs.append(FieldError.required("spec.schedule"))
        jt = spec.get("jobTemplate")
        job_spec = jt.get("spec") if isinstance(jt, dict) else None
        errs += validate_pod_spec(_template_spec(job_spec if isinstance(job_spec, dict) else {}),
                                  "spec.jobTemplate.spec.template.spec")
    elif kind == "Service":
        for i, p in enumerate(spec.get("ports") or []):
            port = p.get("port") if isinstance(p, dict) else None
            if port is None:
                errs.append(FieldError.required(f"spec.ports[{i}].port"))
            elif isinstance(port, int) and not 1 <= port <= 65535:
                errs.append(FieldError.invalid(f"spec.ports[{i}].port", port, "must be between 1 and 65535, inclusive"))
    elif kind == "ConfigMap":
        for key in list(obj.get("data") or {}) + list(obj.get("binaryData") or {}):
            if not re.match(r"^[-._a-zA-Z0-9]+$", key) or len(key) > 253:
                errs.append(FieldError.invalid(f"data[{key}]", key, "a valid config key must consist of alphanumeric "
                                               "characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or "
                                               "'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"))
    if r.group == "example.com":
        errs += validate_openapi(view, obj, view.kind_schema(r))
    return errs


def validate_openapi(view: SchemaView, obj: Any, schema: JSON, segs: tuple[Seg, ...] = ()) -> list[FieldError]:
    """CRD-style OpenAPI validation: required properties and types, with the apiextensions message shapes."""
    s = view.resolve(schema)
    errs: list[FieldError] = []
    path = field_path(segs)
    t = s.get("type")
    names = {"integer": "integer", "number": "number", "string": "string", "boolean": "boolean",
             "object": "object", "array": "array"}
    if t and not _openapi_type_ok(obj, t):
        got = {"bool": "boolean", "number": "integer" if isinstance(obj, int) else "number", "string": "string",
               "array": "array", "object": "object"}.get(json_kind(obj), "null")
        errs.append(FieldError("FieldValueTypeInvalid", path,
                               f"Invalid value: {json.dumps(got)}: {path} in body must be of type {names[t]}: "
                               f"{json.dumps(got)}"))
        return errs
    if isinstance(obj, dict) and "properties" in s:
        for req in s.get("required") or []:
            if req not in obj:
                errs.append(FieldError.required(field_path((*segs, Seg(name=req)))))
        for k, v in obj.items():
            if k in s["properties"] and k != "metadata":
                errs += validate_openapi(view, v, s["properties"][k], (*segs, Seg(name=k)))
    return errs


def _openapi_type_ok(v: Any, t: str) -> bool:
    if t == "object":
        return isinstance(v, dict)
    if t == "array":
        return isinstance(v, list)
    return scalar_ok(v, {"type": t})
