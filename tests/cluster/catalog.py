"""What the API server double serves: its resources, discovery documents and OpenAPI v3 documents.

The OpenAPI v3 documents are built from the JSON schemas bundled in the ``kubernetes-validate`` package
(``_definitions.json``), converted to the shape the real ``/openapi/v3/<group-version>`` endpoint returns:
``components.schemas`` keyed by the Go-package-qualified name, ``$ref`` to ``#/components/schemas/...``
(wrapped in ``allOf`` when the reference sits beside other keys), plain ``type`` strings (no ``["x", "null"]``),
``x-kubernetes-group-version-kind`` on kinds, and ``paths`` whose PATCH operations list the ``fieldValidation``
query parameter (kubectl reads that to decide whether the server validates fields itself).
"""

from __future__ import annotations

import copy
import functools
import hashlib
import importlib.util
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

JSON = dict[str, Any]

GIT_VERSION = "v1.33.1"
SCHEMA_MINOR = 33

COMMON_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
STATUS_VERBS = ("get", "patch", "update")


@dataclass(frozen=True)
class Resource:
    """One served REST resource (a kind at a group-version)."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool = True
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = COMMON_VERBS
    has_status: bool = False
    # The key of the kind's schema in components.schemas.
    schema: str = ""
    # Text of the `Warning: 299 - "..."` header sent on every request for this resource, if deprecated.
    deprecation: str | None = None

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def api_prefix(self) -> str:
        """URL prefix of the group-version: /api/v1 or /apis/apps/v1."""
        return f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"

    @property
    def qualified(self) -> str:
        """The `resource.group` spelling used in NotFound/Forbidden messages: deployments.apps, pods."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def qualified_kind(self) -> str:
        """The `Kind.group` spelling used in Invalid messages: Deployment.apps, Pod."""
        return f"{self.kind}.{self.group}" if self.group else self.kind


_PKG = {
    "": "io.k8s.api.core.v1",
    "apps": "io.k8s.api.apps.v1",
    "batch": "io.k8s.api.batch.v1",
    "networking.k8s.io": "io.k8s.api.networking.v1",
    "rbac.authorization.k8s.io": "io.k8s.api.rbac.v1",
    "apiextensions.k8s.io": "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1",
    "discovery.k8s.io": "io.k8s.api.discovery.v1",
}


def _builtin(group: str, kind: str, plural: str, **kw: Any) -> Resource:
    return Resource(group=group, version="v1", kind=kind, plural=plural, schema=f"{_PKG[group]}.{kind}", **kw)


CRD_GROUP = "example.com"
CRD_KIND = "Widget"
CRD_PLURAL = "widgets"


def _crd_schema_name(version: str, kind: str = CRD_KIND) -> str:
    """CRD kinds are named by reversed group, version and kind: com.example.v1.Widget."""
    return ".".join([*reversed(CRD_GROUP.split(".")), version, kind])


RESOURCES: tuple[Resource, ...] = (
    _builtin("", "Pod", "pods", short_names=("po",), categories=("all",), has_status=True),
    _builtin("", "Service", "services", short_names=("svc",), categories=("all",), has_status=True,
             verbs=("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")),
    _builtin("", "ConfigMap", "configmaps", short_names=("cm",)),
    _builtin("", "Secret", "secrets"),
    _builtin("", "ServiceAccount", "serviceaccounts", short_names=("sa",)),
    _builtin("", "PersistentVolumeClaim", "persistentvolumeclaims", short_names=("pvc",), has_status=True),
    _builtin("", "PersistentVolume", "persistentvolumes", short_names=("pv",), namespaced=False, has_status=True),
    _builtin("", "Namespace", "namespaces", short_names=("ns",), namespaced=False, has_status=True,
             verbs=("create", "delete", "get", "list", "patch", "update", "watch")),
    _builtin("", "Node", "nodes", short_names=("no",), namespaced=False, has_status=True),
    _builtin("", "Event", "events", short_names=("ev",)),
    _builtin("", "Endpoints", "endpoints", short_names=("ep",),
             deprecation="v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"),
    _builtin("apps", "Deployment", "deployments", short_names=("deploy",), categories=("all",), has_status=True),
    _builtin("apps", "StatefulSet", "statefulsets", short_names=("sts",), categories=("all",), has_status=True),
    _builtin("apps", "DaemonSet", "daemonsets", short_names=("ds",), categories=("all",), has_status=True),
    _builtin("apps", "ReplicaSet", "replicasets", short_names=("rs",), categories=("all",), has_status=True),
    _builtin("apps", "ControllerRevision", "controllerrevisions"),
    _builtin("batch", "Job", "jobs", categories=("all",), has_status=True),
    _builtin("batch", "CronJob", "cronjobs", short_names=("cj",), categories=("all",), has_status=True),
    _builtin("discovery.k8s.io", "EndpointSlice", "endpointslices"),
    _builtin("networking.k8s.io", "Ingress", "ingresses", short_names=("ing",), has_status=True),
    _builtin("networking.k8s.io", "NetworkPolicy", "networkpolicies", short_names=("netpol",)),
    _builtin("networking.k8s.io", "IngressClass", "ingressclasses", namespaced=False),
    _builtin("rbac.authorization.k8s.io", "Role", "roles"),
    _builtin("rbac.authorization.k8s.io", "RoleBinding", "rolebindings"),
    _builtin("rbac.authorization.k8s.io", "ClusterRole", "clusterroles", namespaced=False),
    _builtin("rbac.authorization.k8s.io", "ClusterRoleBinding", "clusterrolebindings", namespaced=False),
    _builtin("apiextensions.k8s.io", "CustomResourceDefinition", "customresourcedefinitions",
             short_names=("crd", "crds"), namespaced=False, has_status=True),
    Resource(group=CRD_GROUP, version="v1", kind=CRD_KIND, plural=CRD_PLURAL, short_names=("wg",),
             has_status=True, schema=_crd_schema_name("v1")),
    Resource(group=CRD_GROUP, version="v1beta1", kind=CRD_KIND, plural=CRD_PLURAL, short_names=("wg",),
             has_status=True, schema=_crd_schema_name("v1beta1"),
             deprecation=f"{CRD_GROUP}/v1beta1 {CRD_KIND} is deprecated; use {CRD_GROUP}/v1 {CRD_KIND}"),
)

# Preferred version first, as in the real APIGroupList.
GROUP_VERSIONS: dict[str, tuple[str, ...]] = {}
for _r in RESOURCES:
    GROUP_VERSIONS.setdefault(_r.group, ())
    if _r.version not in GROUP_VERSIONS[_r.group]:
        GROUP_VERSIONS[_r.group] = (*GROUP_VERSIONS[_r.group], _r.version)


def find_resource(group: str, version: str, plural: str) -> Resource | None:
    for r in RESOURCES:
        if (r.group, r.version, r.plural) == (group, version, plural):
            return r
    return None


def find_kind(api_version: str, kind: str) -> Resource | None:
    for r in RESOURCES:
        if r.group_version == api_version and r.kind == kind:
            return r
    return None


def serves_group_version(group: str, version: str) -> bool:
    return version in GROUP_VERSIONS.get(group, ())


# --- the CRD -------------------------------------------------------------------------------------------------------

WIDGET_OPENAPI_SCHEMA: JSON = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "required": ["size"],
            "properties": {
                "size": {"type": "integer", "description": "How many parts the widget has."},
                "color": {"type": "string", "description": "The widget's colour."},
            },
        },
        "status": {"type": "object", "properties": {"ready": {"type": "boolean"}}},
    },
}


def widget_crd() -> JSON:
    """The CustomResourceDefinition object for widgets.example.com, as a cluster would store it."""
    versions = []
    for name, storage in (("v1", True), ("v1beta1", False)):
        v: JSON = {
            "name": name,
            "served": True,
            "storage": storage,
            "schema": {"openAPIV3Schema": copy.deepcopy(WIDGET_OPENAPI_SCHEMA)},
            "subresources": {"status": {}},
        }
        if name == "v1beta1":
            v["deprecated"] = True
        versions.append(v)
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{CRD_PLURAL}.{CRD_GROUP}"},
        "spec": {
            "group": CRD_GROUP,
            "names": {"kind": CRD_KIND, "listKind": f"{CRD_KIND}List", "plural": CRD_PLURAL,
                      "singular": CRD_KIND.lower(), "shortNames": ["wg"]},
            "scope": "Namespaced",
            "versions": versions,
            "conversion": {"strategy": "None"},
        },
    }


# --- discovery -------------------------------------------------------------------------------------------------------


def api_versions(server_address: str) -> JSON:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    }


def api_group(group: str) -> JSON:
    versions = [{"groupVersion": f"{group}/{v}", "version": v} for v in GROUP_VERSIONS[group]]
    return {"kind": "APIGroup", "apiVersion": "v1", "name": group, "versions": versions,
            "preferredVersion": versions[0]}


def api_group_list() -> JSON:
    groups = [api_group(g) for g in GROUP_VERSIONS if g]
    for g in groups:
        del g["kind"], g["apiVersion"]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_resource_list(group: str, version: str) -> JSON:
    resources: list[JSON] = []
    for r in RESOURCES:
        if (r.group, r.version) != (group, version):
            continue
        entry: JSON = {"name": r.plural, "singularName": r.singular, "namespaced": r.namespaced, "kind": r.kind,
                       "verbs": list(r.verbs)}
        if r.short_names:
            entry["shortNames"] = list(r.short_names)
        if r.categories:
            entry["categories"] = list(r.categories)
        entry["storageVersionHash"] = hashlib.sha256(r.schema.encode()).hexdigest()[:12]
        resources.append(entry)
        if r.has_status:
            resources.append({"name": f"{r.plural}/status", "singularName": "", "namespaced": r.namespaced,
                              "kind": r.kind, "verbs": list(STATUS_VERBS)})
    gv = f"{group}/{version}" if group else version
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}


def version_info() -> JSON:
    major, minor, _patch = GIT_VERSION.lstrip("v").split(".")
    return {
        "major": major,
        "minor": minor,
        "emulationMajor": major,
        "emulationMinor": minor,
        "minCompatibilityMajor": major,
        "minCompatibilityMinor": str(int(minor) - 1),
        "gitVersion": GIT_VERSION,
        "gitCommit": "8adc0f041b8e7ad1d30e29cc59c6ae7a15e19828",
        "gitTreeState": "clean",
        "buildDate": "2025-05-15T08:19:08Z",
        "goVersion": "go1.24.2",
        "compiler": "gc",
        "platform": "linux/amd64",
    }


# --- OpenAPI v3 ------------------------------------------------------------------------------------------------------


def _schema_dir() -> Path:
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or spec.origin is None:
        raise RuntimeError("the kubernetes-validate package is not installed")
    base = Path(spec.origin).parent / "kubernetes-json-schema"
    wanted = base / f"v1.{SCHEMA_MINOR}.0-local"
    if wanted.is_dir():
        return wanted
    # The package drops old minors over time: take the nearest one it has.
    dirs = sorted((p for p in base.glob("v1.*.0-local") if p.is_dir()),
                  key=lambda p: abs(int(p.name.split(".")[1]) - SCHEMA_MINOR))
    if not dirs:
        raise RuntimeError(f"no bundled schemas under {base}")
    return dirs[0]


_REF_PREFIX = "#/$defs/"
_COMPONENTS = "#/components/schemas/"
INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
META = "io.k8s.apimachinery.pkg.apis.meta.v1"


def _convert(node: Any, parent_is_kind: bool = False) -> Any:
    """Convert one JSON-schema node of _definitions.json to the OpenAPI 3.0 spelling the API server uses."""
    if isinstance(node, list):
        return [_convert(x) for x in node]
    if not isinstance(node, dict):
        return node
    out: JSON = {}
    for key, value in node.items():
        if key == "$ref":
            continue
        if key == "type" and isinstance(value, list):
            types = [t for t in value if t != "null"]
            out["type"] = types[0] if len(types) == 1 else types
        elif key == "properties":
            out["properties"] = {
                name: _convert(sub, parent_is_kind=False) for name, sub in value.items()
            }
            if parent_is_kind:
                # The JSON-schema generator pins apiVersion/kind with an enum; the API server's OpenAPI does not.
                for name in ("apiVersion", "kind"):
                    out["properties"].get(name, {}).pop("enum", None)
        elif key in ("items", "additionalProperties", "not"):
            out[key] = _convert(value)
        elif key in ("oneOf", "anyOf", "allOf"):
            out[key] = [_convert(x) for x in value]
        else:
            out[key] = copy.deepcopy(value)
    ref = node.get("$ref")
    if isinstance(ref, str):
        target = _COMPONENTS + ref.removeprefix(_REF_PREFIX)
        if out:
            out = {"allOf": [{"$ref": target}], **out}
        else:
            out = {"$ref": target}
    return out


@functools.cache
def components() -> dict[str, JSON]:
    """All schemas, converted and keyed like the API server's components.schemas, plus the CRD kinds."""
    raw = json.loads((_schema_dir() / "_definitions.json").read_text())["$defs"]
    out: dict[str, JSON] = {}
    for name, node in raw.items():
        converted = _convert(node, parent_is_kind="x-kubernetes-group-version-kind" in node)
        out[name] = converted
    out[INT_OR_STRING] = {
        "description": "IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML "
        "marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for "
        "example, a JSON field that can accept a name or number.",
        "type": "string",
        "format": "int-or-string",
    }
    out[QUANTITY] = {
        "description": "Quantity is a fixed-point representation of a number. It provides convenient "
        "marshaling/unmarshaling in JSON and YAML, in addition to String() and AsInt64() accessors.",
        "type": "string",
    }
    out[f"{META}.Time"].pop("type", None)
    out[f"{META}.Time"].update({"type": "string", "format": "date-time"})
    for version in ("v1", "v1beta1"):
        out.update(_crd_components(version))
    return out


def _crd_components(version: str) -> dict[str, JSON]:
    gvk = [{"group": CRD_GROUP, "kind": CRD_KIND, "version": version}]
    schema = copy.deepcopy(WIDGET_OPENAPI_SCHEMA)
    schema["properties"] = {
        "apiVersion": {"description": "APIVersion defines the versioned schema of this representation of an object.",
                       "type": "string"},
        "kind": {"description": "Kind is a string value representing the REST resource this object represents.",
                 "type": "string"},
        "metadata": {"allOf": [{"$ref": f"{_COMPONENTS}{META}.ObjectMeta"}],
                     "description": "Standard object's metadata."},
        **schema["properties"],
    }
    schema["x-kubernetes-group-version-kind"] = gvk
    list_schema: JSON = {
        "description": f"{CRD_KIND}List is a list of {CRD_KIND}",
        "type": "object",
        "required": ["items"],
        "properties": {
            "apiVersion": {"type": "string"},
            "items": {"type": "array", "items": {"$ref": f"{_COMPONENTS}{_crd_schema_name(version)}"}},
            "kind": {"type": "string"},
            "metadata": {"allOf": [{"$ref": f"{_COMPONENTS}{META}.ListMeta"}]},
        },
        "x-kubernetes-group-version-kind": [{**gvk[0], "kind": f"{CRD_KIND}List"}],
    }
    return {_crd_schema_name(version): schema, _crd_schema_name(version, f"{CRD_KIND}List"): list_schema}


def _refs(node: Any, acc: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_COMPONENTS):
            acc.add(ref.removeprefix(_COMPONENTS))
        for v in node.values():
            _refs(v, acc)
    elif isinstance(node, list):
        for v in node:
            _refs(v, acc)


def _closure(roots: set[str], comps: dict[str, JSON]) -> set[str]:
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen or name not in comps:
            continue
        seen.add(name)
        found: set[str] = set()
        _refs(comps[name], found)
        todo.extend(found - seen)
    return seen


def _param(name: str, where: str, description: str, schema: JSON, required: bool = False) -> JSON:
    p: JSON = {"name": name, "in": where, "description": description, "schema": schema}
    if required:
        p["required"] = True
    return p


_DRY_RUN = _param("dryRun", "query", "When present, indicates that modifications should not be persisted. An invalid "
                  "or unrecognized dryRun directive will result in an error response and no further processing of "
                  "the request. Valid values are: - All: all dry run stages will be processed",
                  {"type": "string", "uniqueItems": True})
_FIELD_MANAGER = _param("fieldManager", "query", "fieldManager is a name associated with the actor or entity that "
                        "is making these changes.", {"type": "string", "uniqueItems": True})
_FIELD_VALIDATION = _param("fieldValidation", "query", "fieldValidation instructs the server on how to handle objects "
                           "in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: "
                           "- Ignore - Warn - Strict", {"type": "string", "uniqueItems": True})
_FORCE = _param("force", "query", "Force is going to \"force\" Apply requests. It means user will re-acquire "
                "conflicting fields owned by other people.", {"type": "boolean", "uniqueItems": True})
_PRETTY = _param("pretty", "query", "If 'true', then the output is pretty printed.",
                 {"type": "string", "uniqueItems": True})


def _content(ref: str) -> JSON:
    schema = {"$ref": _COMPONENTS + ref}
    types = ("application/json", "application/yaml", "application/vnd.kubernetes.protobuf")
    return {ct: {"schema": schema} for ct in types}


def _group_word(r: Resource) -> str:
    """core, apps, rbacAuthorization, apiextensions, exampleCom: the group as it appears in operation ids."""
    parts = re.split(r"[.-]", r.group.removesuffix(".k8s.io")) if r.group else ["core"]
    return parts[0] + "".join(p.capitalize() for p in parts[1:])


def _tag(r: Resource) -> str:
    return f"{_group_word(r)}_{r.version}"


def _op_word(r: Resource) -> str:
    """CoreV1, AppsV1: the middle of operation ids such as patchAppsV1NamespacedDeployment."""
    word = _group_word(r)
    return word[:1].upper() + word[1:] + r.version.capitalize()


def _operation(r: Resource, action: str, verb_word: str, op_id: str, params: list[JSON], ok: str,
               body: str | None = None, created: bool = False) -> JSON:
    gvk = {"group": r.group, "kind": r.kind, "version": r.version}
    op: JSON = {
        "tags": [_tag(r)],
        "description": f"{verb_word} {r.kind}",
        "operationId": op_id,
        "parameters": params,
        "responses": {"200": {"description": "OK", "content": _content(ok)}, "401": {"description": "Unauthorized"}},
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": gvk,
    }
    if created:
        op["responses"]["201"] = {"description": "Created", "content": _content(ok)}
    if body == "patch":
        patch_schema = {"schema": {"$ref": f"{_COMPONENTS}{META}.Patch"}}
        op["requestBody"] = {"content": {ct: patch_schema for ct in (
            "application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json",
            "application/strategic-merge-patch+json")}, "required": True}
    elif body:
        op["requestBody"] = {"content": {"*/*": {"schema": {"$ref": _COMPONENTS + body}}}, "required": True}
    return op


def _paths(r: Resource) -> dict[str, JSON]:
    base = r.api_prefix
    scope = "Namespaced" if r.namespaced else ""
    op_suffix = f"{_op_word(r)}{scope}{r.kind}"
    list_kind = f"{r.schema}List"
    collection = f"{base}/namespaces/{{namespace}}/{r.plural}" if r.namespaced else f"{base}/{r.plural}"
    item = f"{collection}/{{name}}"
    ns_param = [_param("namespace", "path", "object name and auth scope, such as for teams and projects",
                       {"type": "string", "uniqueItems": True}, required=True)] if r.namespaced else []
    name_param = [_param("name", "path", f"name of the {r.kind}", {"type": "string", "uniqueItems": True},
                         required=True)]
    paths: dict[str, JSON] = {
        collection: {
            "get": _operation(r, "list", "list or watch objects of kind", f"list{op_suffix}", [], list_kind),
            "post": _operation(r, "post", "create a", f"create{op_suffix}",
                               [_DRY_RUN, _FIELD_MANAGER, _FIELD_VALIDATION], r.schema, body=r.schema, created=True),
            "parameters": [*ns_param, _PRETTY],
        },
        item: {
            "get": _operation(r, "get", "read the specified", f"read{op_suffix}", [], r.schema),
            "put": _operation(r, "put", "replace the specified", f"replace{op_suffix}",
                              [_DRY_RUN, _FIELD_MANAGER, _FIELD_VALIDATION], r.schema, body=r.schema, created=True),
            "patch": _operation(r, "patch", "partially update the specified", f"patch{op_suffix}",
                                [_DRY_RUN, _FIELD_MANAGER, _FIELD_VALIDATION, _FORCE], r.schema, body="patch",
                                created=True),
            "delete": _operation(r, "delete", "delete a", f"delete{op_suffix}", [_DRY_RUN], f"{META}.Status",
                                 body=f"{META}.DeleteOptions"),
            "parameters": [*name_param, *ns_param, _PRETTY],
        },
    }
    if r.namespaced:
        paths[f"{base}/{r.plural}"] = {
            "get": _operation(r, "list", "list or watch objects of kind", f"list{op_suffix}ForAllNamespaces", [],
                              list_kind),
            "parameters": [_PRETTY],
        }
    if r.has_status:
        paths[f"{item}/status"] = {
            "get": _operation(r, "get", "read status of the specified", f"read{op_suffix}Status", [], r.schema),
            "patch": _operation(r, "patch", "partially update status of the specified", f"patch{op_suffix}Status",
                                [_DRY_RUN, _FIELD_MANAGER, _FIELD_VALIDATION, _FORCE], r.schema, body="patch"),
            "parameters": [*name_param, *ns_param, _PRETTY],
        }
    return paths


def gv_key(group: str, version: str) -> str:
    """The key of a group-version in the /openapi/v3 index: api/v1, apis/apps/v1."""
    return f"apis/{group}/{version}" if group else f"api/{version}"


@functools.cache
def openapi_document(group: str, version: str) -> bytes:
    """The /openapi/v3/<gv> document, serialised (the hash is over these bytes)."""
    comps = components()
    served = [r for r in RESOURCES if (r.group, r.version) == (group, version)]
    paths: dict[str, JSON] = {}
    roots = {f"{META}.{n}" for n in ("Status", "Patch", "DeleteOptions", "APIResourceList", "WatchEvent")}
    for r in served:
        paths.update(_paths(r))
        roots.add(r.schema)
        roots.add(f"{r.schema}List")
    if served and served[0].group != CRD_GROUP:
        pkg = served[0].schema.rsplit(".", 1)[0] + "."
        roots.update(n for n in comps if n.startswith(pkg))
    base = served[0].api_prefix if served else ""
    paths[f"{base}/"] = {"get": {
        "tags": [_tag(served[0])] if served else [],
        "description": "get available resources",
        "operationId": f"get{_op_word(served[0])}APIResources" if served else "",
        "responses": {"200": {"description": "OK", "content": _content(f"{META}.APIResourceList")},
                      "401": {"description": "Unauthorized"}},
    }}
    names = sorted(_closure(roots, comps))
    doc = {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": GIT_VERSION},
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": {n: comps[n] for n in names},
            "securitySchemes": {"BearerToken": {"type": "apiKey", "description": "Bearer Token authentication",
                                                "name": "authorization", "in": "header"}},
        },
    }
    return json.dumps(doc, separators=(",", ":")).encode()


@functools.cache
def openapi_hash(group: str, version: str) -> str:
    return hashlib.sha512(openapi_document(group, version)).hexdigest().upper()


def openapi_index() -> JSON:
    paths: JSON = {}
    for group, versions in GROUP_VERSIONS.items():
        for version in versions:
            key = gv_key(group, version)
            paths[key] = {"serverRelativeURL": f"/openapi/v3/{key}?hash={openapi_hash(group, version)}"}
    return {"paths": dict(sorted(paths.items()))}


@dataclass
class SchemaView:
    """Resolves schema nodes of components() for walkers (SSA merge, validation, field sets)."""

    comps: dict[str, JSON] = field(default_factory=components)

    def resolve(self, node: JSON | None) -> JSON:
        """A node with its $ref / single allOf[$ref] inlined (the node's own keys win)."""
        if not node:
            return {}
        ref = node.get("$ref")
        if ref is None and isinstance(node.get("allOf"), list) and len(node["allOf"]) == 1:
            ref = node["allOf"][0].get("$ref")
        if not isinstance(ref, str):
            return node
        target = self.resolve(self.comps.get(ref.removeprefix(_COMPONENTS), {}))
        merged = {**target, **{k: v for k, v in node.items() if k not in ("$ref", "allOf")}}
        merged["x-ref"] = ref.removeprefix(_COMPONENTS)
        return merged

    def kind_schema(self, r: Resource) -> JSON:
        return self.resolve({"$ref": _COMPONENTS + r.schema})
