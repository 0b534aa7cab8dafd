"""Dry-run and diff logic against a scripted transport (the TLS API double covers the wire)."""

from __future__ import annotations

import json
import random
from typing import Any

from kube_lsp.cluster.diff import object_diff
from kube_lsp.cluster.dryrun import Discovery, dry_run
from kube_lsp.cluster.status import status_findings
from kube_lsp.cluster.transport import ClusterInfo, ClusterTransport, Response, UnsafeRequestError
from kube_lsp.parsing.loader import parse_stream
from kube_lsp.parsing.nodes import YMap

DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: ""
"""

APPS = {"kind": "APIResourceList", "groupVersion": "apps/v1", "resources": [
    {"name": "deployments", "kind": "Deployment", "namespaced": True, "verbs": ["get", "patch"]},
    {"name": "deployments/scale", "kind": "Scale", "namespaced": True, "verbs": ["get"]}]}


class Scripted(ClusterTransport):
    def __init__(self, answers: dict[tuple[str, str], Response]) -> None:
        super().__init__(None, ClusterInfo("ctx", "https://127.0.0.1:1", "team-a"))
        self.answers = answers
        self.log: list[tuple[str, str, list[tuple[str, str]]]] = []

    def send(self, method: str, path: str, *, query: Any = (), body: str | None = None,
             content_type: str | None = None, accept: str = "application/json") -> Response:
        if method != "GET" and ("dryRun", "All") not in list(query):
            raise UnsafeRequestError(method)
        self.log.append((method, path, list(query)))
        return self.answers[(method, path)]


def ok(obj: Any, status: int = 200, warnings: tuple[str, ...] = ()) -> Response:
    return Response(status, {}, json.dumps(obj).encode(), warnings)


def root(text: str = DEPLOY) -> YMap:
    r = parse_stream(text)[0].root
    assert isinstance(r, YMap)
    return r


def test_422_causes_are_pinned_to_the_field() -> None:
    status = {"kind": "Status", "code": 422, "reason": "Invalid", "message": "Deployment.apps \"web\" is invalid",
              "details": {"causes": [{"reason": "FieldValueRequired", "message": "Required value",
                                      "field": "spec.template.spec.containers[0].image"}]}}
    fs = status_findings(status, root(), 0, "Deployment web")
    assert [(f.code, f.span.start.line, f.message) for f in fs] == [
        ("KL900", 12, "Required value (rejected by the API server's dry-run)")]


def test_409_conflict_paths_and_400_paths_in_messages() -> None:
    conflict = {"code": 409, "reason": "Conflict", "message": "Apply failed with 1 conflict",
                "details": {"causes": [{"reason": "FieldManagerConflict", "message": "conflict with \"helm\"",
                                        "field": ".spec.template.spec.containers[name=\"web\"].image"}]}}
    assert [f.span.start.line for f in status_findings(conflict, root(), 0, "x")] == [12]
    decode = {"code": 400, "reason": "BadRequest", "message": "json: cannot unmarshal string into Go struct "
              "field DeploymentSpec.spec.replicas of type int32"}
    assert [f.span.start.line for f in status_findings(decode, root(), 0, "x")] == [5]


def test_403_names_the_verb_and_resource() -> None:
    forbidden = {"code": 403, "reason": "Forbidden", "message": 'deployments.apps "web" is forbidden: User "dev" '
                 'cannot patch resource "deployments" in API group "apps" in the namespace "prod"'}
    fs = status_findings(forbidden, root(), 0, "Deployment web")
    assert fs[0].code == "KL903" and fs[0].span.start.line == 3
    assert "refused to patch deployments.apps in namespace prod for user dev (RBAC)" in fs[0].message


def test_dry_run_uses_discovery_namespace_and_dry_run_all() -> None:
    result = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "team-a"}}
    t = Scripted({("GET", "/apis/apps/v1"): ok(APPS),
                  ("PATCH", "/apis/apps/v1/namespaces/team-a/deployments/web"): ok(result, warnings=("w1",))})
    out = dry_run(t, Discovery(t), parse_stream(DEPLOY)[0])
    assert out is not None and out.result == result and out.title == "apps.v1.Deployment.team-a.web"
    assert t.log[-1][2] == [("dryRun", "All"), ("fieldManager", "kube-lsp"), ("force", "true")]
    assert [f.code for f in out.findings] == ["KL901"]


def test_kind_not_served_is_a_finding_on_the_object() -> None:
    t = Scripted({("GET", "/apis/example.com/v1"): Response(404, {}, b"{}")})
    doc = parse_stream("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n")[0]
    out = dry_run(t, Discovery(t), doc)
    assert out is not None and [f.code for f in out.findings] == ["KL902"]


def test_diff_drops_managed_fields_and_masks_secrets() -> None:
    live = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "managedFields": [{"manager": "x"}]},
            "data": {"password": "b2xk", "user": "YWRtaW4="}}
    merged = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
              "data": {"password": "bmV3", "user": "YWRtaW4="}}
    text = object_diff("v1.Secret.default.s", live, merged)
    assert "b2xk" not in text and "bmV3" not in text and "YWRtaW4=" not in text
    assert '-  password: "*** (before)"' in text and '+  password: "*** (after)"' in text
    assert "managedFields" not in text
    assert text.startswith("--- live/v1.Secret.default.s\n+++ merged/v1.Secret.default.s\n")
    assert object_diff("x", merged, merged) == ""
    new = object_diff("v1.ConfigMap.default.c", None, {"kind": "ConfigMap", "data": {"a": "1"}})
    assert "+kind: ConfigMap" in new


def test_cluster_catalog_from_openapi_v3_with_disk_cache(tmp_path: Any) -> None:
    from kube_lsp.cluster.schemas import cluster_catalog
    from kube_lsp.engine import Engine

    ref = "#/components/schemas/"
    apps = {"components": {"schemas": {
        "io.k8s.api.apps.v1.Deployment": {
            "type": "object", "x-kubernetes-group-version-kind": [{"group": "apps", "version": "v1",
                                                                   "kind": "Deployment"}],
            "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"},
                           "metadata": {"allOf": [{"$ref": ref + "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}]},
                           "spec": {"allOf": [{"$ref": ref + "io.k8s.api.apps.v1.DeploymentSpec"}]}}},
        "io.k8s.api.apps.v1.DeploymentSpec": {"type": "object", "properties": {
            "replicas": {"type": "integer", "format": "int32"},
            "strategy": {"type": "object", "properties": {"type": {"type": "string", "enum": ["Recreate",
                                                                                              "RollingUpdate"]}}},
            "resources": {"type": "object", "additionalProperties": {
                "allOf": [{"$ref": ref + "io.k8s.apimachinery.pkg.api.resource.Quantity"}]}}}},
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta": {"type": "object",
                                                             "properties": {"name": {"type": "string"}}},
        "io.k8s.apimachinery.pkg.api.resource.Quantity": {"type": "string"},
    }}}
    body = json.dumps(apps).encode()
    answers = {
        ("GET", "/version"): ok({"major": "1", "minor": "33", "gitVersion": "v1.33.2"}),
        ("GET", "/openapi/v3"): ok({"paths": {
            "apis/apps/v1": {"serverRelativeURL": "/openapi/v3/apis/apps/v1?hash=AB12"},
            ".well-known/openid-configuration": {"serverRelativeURL": "/x"}}}),
        ("GET", "/openapi/v3/apis/apps/v1"): Response(200, {}, body),
    }
    t = Scripted(answers)
    catalog = cluster_catalog(t, cache=tmp_path)
    assert catalog.source == "cluster ctx (Kubernetes v1.33.2)" and catalog.version == (1, 33)
    text = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 2\n"
            "  flavour: 3\n  strategy: {type: Recreat}\n  resources: {cpu: 1}\n")
    fs = Engine(catalog=catalog).analyse(text).findings
    assert [(f.code, f.span.start.line) for f in fs] == [("KL200", 5), ("KL202", 6)]
    assert [m for m, p, q in t.log].count("GET") == 3
    t2 = Scripted({k: v for k, v in answers.items() if k[1] != "/openapi/v3/apis/apps/v1"})
    cluster_catalog(t2, cache=tmp_path)  # the unchanged document comes from the disk cache
    assert ("GET", "/openapi/v3/apis/apps/v1") not in {(m, p) for m, p, q in t2.log}


def test_cluster_schema_cache_refreshes_a_changed_document_and_drops_the_old_one(tmp_path: Any) -> None:
    from kube_lsp.cluster.schemas import fetch_documents

    def index(apps_hash: str) -> Response:
        return ok({"paths": {
            "apis/apps/v1": {"serverRelativeURL": f"/openapi/v3/apis/apps/v1?hash={apps_hash}"},
            "apis/cert-manager.io/v1": {"serverRelativeURL": "/openapi/v3/apis/cert-manager.io/v1?hash=CM1"}}})

    def answers(apps_hash: str, apps_doc: dict[str, Any]) -> dict[tuple[str, str], Response]:
        return {("GET", "/openapi/v3"): index(apps_hash),
                ("GET", "/openapi/v3/apis/apps/v1"): ok(apps_doc),
                ("GET", "/openapi/v3/apis/cert-manager.io/v1"): ok({"components": {"schemas": {"cm": {}}}})}

    first = Scripted(answers("AA1", {"components": {"schemas": {"old": {}}}}))
    assert fetch_documents(first, cache=tmp_path)["apis/apps/v1"] == {"components": {"schemas": {"old": {}}}}
    cached = sorted(p.name for p in tmp_path.rglob("*.json"))
    assert cached == ["apis_apps_v1-AA1.json", "apis_cert-manager.io_v1-CM1.json"]

    # The cluster was upgraded: apps/v1 has a new hash, cert-manager's is unchanged.
    second = Scripted(answers("BB2", {"components": {"schemas": {"new": {}}}}))
    docs = fetch_documents(second, cache=tmp_path)
    assert docs["apis/apps/v1"] == {"components": {"schemas": {"new": {}}}}
    assert [p for m, p, q in second.log] == ["/openapi/v3", "/openapi/v3/apis/apps/v1"]
    assert sorted(p.name for p in tmp_path.rglob("*.json")) == ["apis_apps_v1-BB2.json",
                                                                 "apis_cert-manager.io_v1-CM1.json"]


def test_diff_yaml_writes_strings_as_kubectl_does_and_reads_back_exactly() -> None:
    from ruamel.yaml import YAML

    from kube_lsp.cluster.diff import to_yaml

    text = to_yaml({"data": {"nginx.conf": "server {\n  listen 80;\n}\n", "flag": "true", "n": "1", "plain": "x",
                             "crlf": "a\r\nb"}})
    assert text == ('data:\n  crlf: "a\\r\\nb"\n  flag: "true"\n  n: "1"\n'
                    "  nginx.conf: |\n    server {\n      listen 80;\n    }\n  plain: x\n")
    # Whatever the string, the YAML reads back as the same value (keys too).
    rnd = random.Random(7)
    alphabet = "ab :#-\n\t '\"\\|>\r\x85é{}[],&*!%@`\u2028"
    yaml = YAML(typ="safe", pure=True)
    for _ in range(3000):
        s = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 12)))
        obj = {"k": s, s: 1} if s else {"k": s}
        assert yaml.load(to_yaml(obj)) == obj, repr(s)
