"""The API server double answers like a Kubernetes API server: for the official Python client, for kubectl
(server-side apply dry-run and diff), and with the documented Status shapes for errors."""

from __future__ import annotations

import json
import socket
import ssl
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from .apiserver import (
    ApiServerDouble,
    Conflict,
    DecodeError,
    Forbidden,
    Slow,
    Warn,
    WebhookDenied,
)
from .conftest import KubectlRunner

DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"
APPLY = "application/apply-patch+yaml"
DRY_APPLY = "?dryRun=All&fieldManager=kube-lsp&force=true"


def deployment(name: str = "web", image: str = "nginx:1.25", namespace: str = "default", **extra: Any) -> dict:
    container: dict[str, Any] = {"name": "web", "image": image, **extra}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": name}},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [container]}},
        },
    }


def deployment_yaml(name: str = "web", image: str = "nginx:1.26") -> str:
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels: {{app: {name}}}
spec:
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
      - name: web
        image: {image}
"""


def only_reads_and_dry_runs(api: ApiServerDouble) -> None:
    writes = [r for r in api.requests if r.is_write]
    assert writes, "expected at least one write"
    assert all(r.dry_run for r in writes), [(r.method, r.path, r.query) for r in writes]
    assert api.violations == []


# --- (a) the official Python client ----------------------------------------------------------------------------------


@pytest.fixture
def k8s(kubeconfig: Path) -> Any:
    kubernetes = pytest.importorskip("kubernetes")
    configuration = kubernetes.client.Configuration()
    kubernetes.config.load_kube_config(config_file=str(kubeconfig), client_configuration=configuration)
    with kubernetes.client.ApiClient(configuration) as api_client:
        yield kubernetes, api_client


def raw_get(api_client: Any, path: str, query: list[tuple[str, str]] | None = None) -> tuple[int, Any, Any]:
    params = api_client.param_serialize("GET", path, query_params=query or [], auth_settings=["BearerToken"],
                                        header_params={"Accept": "application/json"})
    resp = api_client.call_api(*params)
    return resp.status, resp.headers, json.loads(resp.read())


def test_python_client_reads_version_discovery_and_objects(apiserver: ApiServerDouble, k8s: Any) -> None:
    kubernetes, api_client = k8s
    client = kubernetes.client
    apiserver.seed(deployment())

    version = client.VersionApi(api_client).get_code()
    assert (version.git_version, version.major, version.minor) == ("v1.33.1", "1", "33")

    assert client.CoreApi(api_client).get_api_versions().versions == ["v1"]
    groups = {g.name: g for g in client.ApisApi(api_client).get_api_versions().groups}
    assert {"apps", "batch", "networking.k8s.io", "rbac.authorization.k8s.io", "apiextensions.k8s.io",
            "example.com"} <= set(groups)
    assert groups["example.com"].preferred_version.group_version == "example.com/v1"

    resources = {r.name: r for r in client.AppsV1Api(api_client).get_api_resources().resources}
    deploy = resources["deployments"]
    assert (deploy.kind, deploy.namespaced, deploy.singular_name, deploy.short_names) == (
        "Deployment", True, "deployment", ["deploy"])
    assert {"get", "patch", "create"} <= set(deploy.verbs)
    core = {r.name: r for r in client.CoreV1Api(api_client).get_api_resources().resources}
    assert core["namespaces"].namespaced is False and core["services"].short_names == ["svc"]

    live = client.AppsV1Api(api_client).read_namespaced_deployment("web", "default")
    assert live.spec.template.spec.containers[0].image == "nginx:1.25"
    assert live.spec.replicas == 1 and live.metadata.uid

    with pytest.raises(client.ApiException) as missing:
        client.AppsV1Api(api_client).read_namespaced_deployment("nope", "default")
    assert missing.value.status == 404
    assert json.loads(missing.value.body)["message"] == 'deployments.apps "nope" not found'


def test_python_client_reads_openapi_v3(apiserver: ApiServerDouble, k8s: Any) -> None:
    _kubernetes, api_client = k8s
    status, headers, index = raw_get(api_client, "/openapi/v3")
    assert status == 200
    for key in ("api/v1", "apis/apps/v1", "apis/batch/v1", "apis/networking.k8s.io/v1", "apis/example.com/v1"):
        assert index["paths"][key]["serverRelativeURL"].startswith(f"/openapi/v3/{key}?hash=")

    url = index["paths"]["apis/apps/v1"]["serverRelativeURL"]
    path, _, hash_query = url.partition("?")
    status, headers, doc = raw_get(api_client, path, [("hash", hash_query.removeprefix("hash="))])
    assert status == 200
    assert headers["Cache-Control"] == "public, immutable"
    schemas = doc["components"]["schemas"]
    spec = schemas["io.k8s.api.apps.v1.DeploymentSpec"]
    assert spec["properties"]["replicas"] == {**spec["properties"]["replicas"], "type": "integer", "format": "int32"}
    template_ref = "#/components/schemas/io.k8s.api.core.v1.PodTemplateSpec"
    assert spec["properties"]["template"]["allOf"] == [{"$ref": template_ref}]
    assert schemas["io.k8s.api.apps.v1.Deployment"]["x-kubernetes-group-version-kind"] == [
        {"group": "apps", "kind": "Deployment", "version": "v1"}]
    assert "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" in schemas
    assert '"additionalProperties":false' not in json.dumps(doc, separators=(",", ":"))
    patch = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    assert "fieldValidation" in {p["name"] for p in patch["parameters"]}

    status, headers, _doc = raw_get(api_client, path)
    assert headers["Cache-Control"].startswith("no-cache")

    _s, _h, crd_doc = raw_get(api_client, "/openapi/v3/apis/example.com/v1")
    widget = crd_doc["components"]["schemas"]["com.example.v1.Widget"]
    assert widget["properties"]["spec"]["required"] == ["size"]
    assert widget["properties"]["spec"]["properties"]["size"]["type"] == "integer"


def test_python_client_without_token_gets_401(apiserver: ApiServerDouble, kubeconfig: Path) -> None:
    kubernetes = pytest.importorskip("kubernetes")
    configuration = kubernetes.client.Configuration()
    kubernetes.config.load_kube_config(config_file=str(kubeconfig), client_configuration=configuration)
    configuration.api_key = {}
    with kubernetes.client.ApiClient(configuration) as api_client:
        with pytest.raises(kubernetes.client.ApiException) as err:
            kubernetes.client.VersionApi(api_client).get_code()
    assert err.value.status == 401
    assert json.loads(err.value.body) == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                          "message": "Unauthorized", "reason": "Unauthorized", "code": 401}
    assert "Authorization" not in apiserver.requests[-1].headers


def test_wrong_token_and_untrusted_tls_are_refused(apiserver: ApiServerDouble) -> None:
    assert apiserver.request("GET", "/api", token="wrong").status == 401
    with pytest.raises(urllib.error.URLError) as err:
        urllib.request.urlopen(apiserver.url + "/version", context=ssl.create_default_context(), timeout=5)
    assert "CERTIFICATE_VERIFY_FAILED" in str(err.value)


# --- (b) kubectl -----------------------------------------------------------------------------------------------------


def test_kubectl_server_side_apply_dry_run(apiserver: ApiServerDouble, kubectl: KubectlRunner, tmp_path: Path) -> None:
    apiserver.seed(deployment(image="nginx:1.25"))
    (tmp_path / "deploy.yaml").write_text(deployment_yaml("web", "nginx:1.26") + "---\n" + deployment_yaml("api"))

    result = kubectl("apply", "--server-side", "--dry-run=server", "-f", "deploy.yaml")

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["deployment.apps/web serverside-applied (server dry run)",
                                          "deployment.apps/api serverside-applied (server dry run)"]
    patches = [r for r in apiserver.requests if r.method == "PATCH"]
    assert [p.path for p in patches] == [f"{DEPLOYMENTS}/web", f"{DEPLOYMENTS}/api"]
    for p in patches:
        assert p.query["dryRun"] == "All" and p.query["fieldManager"] == "kubectl"
        assert p.headers["Content-Type"] == APPLY
    # kubectl found fieldValidation among the PATCH parameters of the OpenAPI v3 document, so it lets the server
    # validate (fieldValidation=Strict) and never falls back to /openapi/v2.
    assert patches[0].query["fieldValidation"] == "Strict"
    assert not any(r.path.startswith("/openapi/v2") for r in apiserver.requests)
    assert [p.status for p in patches] == [200, 201]
    # Nothing was stored: the live object is unchanged and the new one does not exist.
    live = apiserver.get("apps/v1", "Deployment", "web")
    assert live is not None and live["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.25"
    assert apiserver.get("apps/v1", "Deployment", "api") is None
    only_reads_and_dry_runs(apiserver)


def test_kubectl_diff_server_side_shows_the_image_change(apiserver: ApiServerDouble, kubectl: KubectlRunner,
                                                          tmp_path: Path) -> None:
    apiserver.seed(deployment(image="nginx:1.25"))
    (tmp_path / "deploy.yaml").write_text(deployment_yaml("web", "nginx:1.26"))

    result = kubectl("diff", "--server-side", "-f", "deploy.yaml")

    assert result.returncode == 1, result.stderr
    minus = [line for line in result.stdout.splitlines() if line.startswith("-") and not line.startswith("---")]
    plus = [line for line in result.stdout.splitlines() if line.startswith("+") and not line.startswith("+++")]
    assert "-      - image: nginx:1.25" in minus and "+      - image: nginx:1.26" in plus
    assert "-  generation: 1" in minus and "+  generation: 2" in plus
    only_reads_and_dry_runs(apiserver)


def test_kubectl_diff_server_side_without_change_is_clean(apiserver: ApiServerDouble, kubectl: KubectlRunner,
                                                          tmp_path: Path) -> None:
    apiserver.seed(deployment(image="nginx:1.26"))
    (tmp_path / "deploy.yaml").write_text(deployment_yaml("web", "nginx:1.26"))

    result = kubectl("diff", "--server-side", "-f", "deploy.yaml")

    assert (result.returncode, result.stdout) == (0, ""), result.stderr
    only_reads_and_dry_runs(apiserver)


def test_kubectl_diff_server_side_new_object(apiserver: ApiServerDouble, kubectl: KubectlRunner,
                                             tmp_path: Path) -> None:
    (tmp_path / "deploy.yaml").write_text(deployment_yaml("fresh", "nginx:1.26"))

    result = kubectl("diff", "--server-side", "-f", "deploy.yaml")

    assert result.returncode == 1, result.stderr
    added = [line[1:] for line in result.stdout.splitlines() if line.startswith("+") and not line.startswith("+++")]
    for expected in ("  name: fresh", "  replicas: 1", "      - image: nginx:1.26",
                     "        imagePullPolicy: IfNotPresent", "        terminationMessagePath: /dev/termination-log"):
        assert expected in added
    assert not any(line.startswith("-") and not line.startswith("---") for line in result.stdout.splitlines())
    assert apiserver.get("apps/v1", "Deployment", "fresh") is None
    only_reads_and_dry_runs(apiserver)


def test_kubectl_reports_server_errors(apiserver: ApiServerDouble, kubectl: KubectlRunner, tmp_path: Path) -> None:
    (tmp_path / "deploy.yaml").write_text(deployment_yaml("web", "nginx:1.26"))
    apiserver.seed(deployment(image="nginx:1.25"), manager="other-manager", operation="Update")

    conflict = kubectl("apply", "--server-side", "--dry-run=server", "-f", "deploy.yaml")
    assert conflict.returncode == 1
    assert 'Apply failed with 1 conflict: conflict with "other-manager" using apps/v1' in conflict.stderr
    assert '.spec.template.spec.containers[name="web"].image' in conflict.stderr

    forced = kubectl("apply", "--server-side", "--force-conflicts", "--dry-run=server", "-f", "deploy.yaml")
    assert forced.returncode == 0, forced.stderr

    apiserver.inject(Forbidden(user="dev"), kind="Deployment", name="web")
    denied = kubectl("diff", "--server-side", "--force-conflicts", "-f", "deploy.yaml")
    assert denied.returncode > 1
    assert ('Error from server (Forbidden): deployments.apps "web" is forbidden: User "dev" cannot get resource '
            '"deployments" in API group "apps" in the namespace "default"') in denied.stderr
    only_reads_and_dry_runs(apiserver)


def test_kubectl_custom_resource_and_deprecation_warning(apiserver: ApiServerDouble, kubectl: KubectlRunner,
                                                         tmp_path: Path) -> None:
    (tmp_path / "widget.yaml").write_text(
        "apiVersion: example.com/v1beta1\nkind: Widget\nmetadata:\n  name: w1\nspec:\n  size: 3\n  color: red\n")

    result = kubectl("apply", "--server-side", "--dry-run=server", "-f", "widget.yaml")

    assert result.returncode == 0, result.stderr
    assert "widget.example.com/w1 serverside-applied (server dry run)" in result.stdout
    assert "Warning: example.com/v1beta1 Widget is deprecated; use example.com/v1 Widget" in result.stderr

    (tmp_path / "widget.yaml").write_text("apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w1\n"
                                          "spec:\n  color: red\n")
    invalid = kubectl("apply", "--server-side", "--dry-run=server", "-f", "widget.yaml")
    assert invalid.returncode == 1
    # kubectl rewrites 422 Invalid errors as "The <Kind> <name> is invalid: <causes>".
    assert 'The Widget "w1" is invalid: spec.size: Required value' in invalid.stderr
    only_reads_and_dry_runs(apiserver)


# --- (c) Status shapes -----------------------------------------------------------------------------------------------


def apply(api: ApiServerDouble, obj: dict, query: str = DRY_APPLY, **kw: Any) -> Any:
    ns, name = obj["metadata"].get("namespace", "default"), obj["metadata"]["name"]
    return api.request("PATCH", f"/apis/apps/v1/namespaces/{ns}/deployments/{name}{query}", obj,
                       content_type=APPLY, **kw)


def test_apply_dry_run_returns_the_defaulted_object_and_stores_nothing(apiserver: ApiServerDouble) -> None:
    reply = apply(apiserver, deployment("web", "nginx"))
    assert reply.status == 201
    obj = reply.json()
    meta = obj["metadata"]
    assert meta["uid"] and meta["creationTimestamp"] and meta["generation"] == 1
    assert "resourceVersion" not in meta  # a dry-run create is never given one
    assert [(m["manager"], m["operation"]) for m in meta["managedFields"]] == [("kube-lsp", "Apply")]
    assert obj["spec"]["replicas"] == 1
    assert obj["spec"]["strategy"] == {"type": "RollingUpdate",
                                       "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}
    container = obj["spec"]["template"]["spec"]["containers"][0]
    assert container["imagePullPolicy"] == "Always"  # no tag means latest
    assert container["terminationMessagePath"] == "/dev/termination-log"
    assert apiserver.request("GET", f"{DEPLOYMENTS}/web").status == 404

    apiserver.seed(deployment("web", "nginx:1.25", env=[{"name": "A", "value": "1"}]), manager="kube-lsp")
    live_rv = apiserver.get("apps/v1", "Deployment", "web")["metadata"]["resourceVersion"]  # type: ignore[index]
    reply = apply(apiserver, deployment("web", "nginx:1.26"))
    assert reply.status == 200
    updated = reply.json()
    container = updated["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "nginx:1.26" and "env" not in container  # fields the manager dropped are removed
    assert updated["metadata"]["generation"] == 2 and updated["metadata"]["resourceVersion"] == live_rv
    stored = apiserver.get("apps/v1", "Deployment", "web")
    assert stored is not None and stored["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.25"


def test_create_dry_run_with_generate_name(apiserver: ApiServerDouble) -> None:
    obj = deployment("x")
    del obj["metadata"]["name"]
    obj["metadata"]["generateName"] = "web-"
    reply = apiserver.request("POST", f"{DEPLOYMENTS}?dryRun=All&fieldManager=kube-lsp", obj)
    assert reply.status == 201
    name = reply.json()["metadata"]["name"]
    assert name.startswith("web-") and len(name) == len("web-") + 5
    assert reply.json()["metadata"]["managedFields"][0]["operation"] == "Update"
    assert apiserver.get("apps/v1", "Deployment", name) is None


def test_422_invalid_deployment(apiserver: ApiServerDouble) -> None:
    reply = apply(apiserver, deployment("web", ""))
    assert reply.status == 422
    assert reply.json() == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": 'Deployment.apps "web" is invalid: spec.template.spec.containers[0].image: Required value',
        "reason": "Invalid",
        "details": {"name": "web", "group": "apps", "kind": "Deployment", "causes": [
            {"reason": "FieldValueRequired", "message": "Required value",
             "field": "spec.template.spec.containers[0].image"}]},
        "code": 422,
    }
    bad = deployment("web", "nginx")
    bad["spec"]["template"]["spec"]["containers"][0]["name"] = "Web_1"
    body = apply(apiserver, bad).json()
    (cause,) = body["details"]["causes"]
    assert cause["reason"] == "FieldValueInvalid"
    assert cause["field"] == "spec.template.spec.containers[0].name"
    assert cause["message"].startswith('Invalid value: "Web_1": a lowercase RFC 1123 label must consist of')
    assert body["message"] == f'Deployment.apps "web" is invalid: {cause["field"]}: {cause["message"]}'

    no_manager = apiserver.request("PATCH", f"{DEPLOYMENTS}/web?dryRun=All", deployment(), content_type=APPLY)
    assert no_manager.status == 422
    assert no_manager.json()["message"] == ('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: '
                                            "is required for apply patch")


def test_409_apply_conflicts(apiserver: ApiServerDouble) -> None:
    apiserver.inject(Conflict(), kind="Deployment", name="web")
    reply = apply(apiserver, deployment("web"), query="?dryRun=All&fieldManager=kube-lsp")
    assert reply.status == 409
    field = '.spec.template.spec.containers[name="web"].image'
    assert reply.json() == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": f'Apply failed with 1 conflict: conflict with "other-manager" using apps/v1: {field}',
        "reason": "Conflict",
        "details": {"causes": [{"reason": "FieldManagerConflict",
                                "message": 'conflict with "other-manager" using apps/v1', "field": field}]},
        "code": 409,
    }
    apiserver.rules.clear()

    # The same conflict arises from ownership: another manager set the image, kube-lsp applies a different one.
    apiserver.seed(deployment("web", "nginx:1.25", imagePullPolicy="Always"), manager="ci", operation="Apply")
    reply = apply(apiserver, deployment("web", "nginx:1.26", imagePullPolicy="IfNotPresent"),
                  query="?dryRun=All&fieldManager=kube-lsp&force=false")
    assert reply.status == 409
    body = reply.json()
    assert body["message"].startswith('Apply failed with 2 conflicts: conflicts with "ci":\n- .spec.template')
    assert [c["field"] for c in body["details"]["causes"]] == [
        '.spec.template.spec.containers[name="web"].image',
        '.spec.template.spec.containers[name="web"].imagePullPolicy']
    assert apply(apiserver, deployment("web", "nginx:1.26")).status == 200  # force=true takes the fields


def test_400_decode_errors(apiserver: ApiServerDouble) -> None:
    apiserver.inject(DecodeError(), kind="Deployment", name="web")
    reply = apply(apiserver, deployment("web"))
    assert reply.status == 400
    assert reply.json() == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": 'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string '
                   "into Go struct field DeploymentSpec.spec.replicas of type int32",
        "reason": "BadRequest", "code": 400,
    }
    apiserver.rules.clear()

    # The same from the body itself, on create (the Go JSON decoder's message, path only in the text)...
    obj = deployment("web")
    obj["spec"]["replicas"] = "3"
    created = apiserver.request("POST", f"{DEPLOYMENTS}?dryRun=All", obj)
    assert created.status == 400
    assert created.json()["message"] == reply.json()["message"]
    assert "details" not in created.json()
    # ...and on apply, where the typed patch fails (structured-merge-diff's message, 500 without a reason).
    applied = apply(apiserver, obj)
    assert applied.status == 500
    assert applied.json()["message"] == ("failed to create typed patch object (default/web; apps/v1, Kind=Deployment): "
                                         ".spec.replicas: expected numeric (int or float), got string")
    obj["spec"]["replicas"] = 3
    obj["spec"]["replicaz"] = 3
    strict = apiserver.request("POST", f"{DEPLOYMENTS}?dryRun=All&fieldValidation=Strict", obj)
    assert strict.json()["message"].endswith('strict decoding error: unknown field "spec.replicaz"')
    warned = apiserver.request("POST", f"{DEPLOYMENTS}?dryRun=All", obj)
    assert warned.status == 201 and warned.warnings == ['299 - "unknown field \\"spec.replicaz\\""']
    assert "replicaz" not in warned.json()["spec"]


def test_403_forbidden_and_webhook_denials(apiserver: ApiServerDouble) -> None:
    apiserver.inject(Forbidden(user="dev"), kind="Deployment", name="web", namespace="prod")
    reply = apply(apiserver, deployment("web", namespace="prod"))
    assert reply.status == 403
    assert reply.json() == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": 'deployments.apps "web" is forbidden: User "dev" cannot patch resource "deployments" in API group '
                   '"apps" in the namespace "prod"',
        "reason": "Forbidden", "details": {"name": "web", "group": "apps", "kind": "deployments"}, "code": 403,
    }
    apiserver.inject(WebhookDenied(message="image tag latest is not allowed"), kind="Deployment", name="api")
    denied = apply(apiserver, deployment("api")).json()
    assert (denied["code"], denied["message"]) == (
        400, 'admission webhook "policy.example.com" denied the request: image tag latest is not allowed')
    apiserver.inject(WebhookDenied(code=403, reason="Forbidden", message="no"), kind="Deployment", name="db")
    assert apply(apiserver, deployment("db")).json()["reason"] == "Forbidden"


def test_404_shapes(apiserver: ApiServerDouble) -> None:
    missing = apiserver.request("GET", f"{DEPLOYMENTS}/nope").json()
    assert missing == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                       "message": 'deployments.apps "nope" not found', "reason": "NotFound",
                       "details": {"name": "nope", "group": "apps", "kind": "deployments"}, "code": 404}
    unserved = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": "the server could not find the requested resource", "reason": "NotFound", "code": 404}
    for path in ("/apis/example.com/v1/namespaces/default/gadgets/g", "/apis/nope.io/v1/namespaces/default/x/y",
                 "/apis/apps/v2/namespaces/default/deployments/web"):
        reply = apiserver.request("PATCH", path + DRY_APPLY, {"apiVersion": "x"}, content_type=APPLY)
        assert (reply.status, reply.json()) == (404, unserved)
    no_ns = apply(apiserver, deployment("web", namespace="ghost")).json()
    assert no_ns["message"] == 'namespaces "ghost" not found'


def test_slow_responses_and_warnings(apiserver: ApiServerDouble) -> None:
    apiserver.inject(Slow(1.5), kind="Deployment", name="web", times=1)
    with pytest.raises((TimeoutError, socket.timeout)):
        apiserver.request("GET", f"{DEPLOYMENTS}/web", timeout=0.3)
    assert apiserver.request("GET", f"{DEPLOYMENTS}/web").status == 404  # the rule fired once only

    apiserver.inject(Warn(("spec.foo is deprecated",)), kind="deployments")
    assert apiserver.request("GET", f"{DEPLOYMENTS}/web").warnings == ['299 - "spec.foo is deprecated"']
    widget = apiserver.request("GET", "/apis/example.com/v1beta1/namespaces/default/widgets")
    assert widget.status == 200
    assert widget.warnings == ['299 - "example.com/v1beta1 Widget is deprecated; use example.com/v1 Widget"']
    endpoints = apiserver.request("GET", "/api/v1/namespaces/default/endpoints")
    assert endpoints.warnings == ['299 - "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"']


def test_openapi_caching_headers(apiserver: ApiServerDouble) -> None:
    url = apiserver.request("GET", "/openapi/v3").json()["paths"]["api/v1"]["serverRelativeURL"]
    first = apiserver.request("GET", url)
    assert first.status == 200 and first.headers["Cache-Control"] == "public, immutable"
    etag = first.headers["Etag"]
    assert apiserver.request("GET", url, headers={"If-None-Match": etag}).status == 304
    stale = apiserver.request("GET", "/openapi/v3/api/v1?hash=0000")
    assert (stale.status, stale.headers["Location"]) == (301, url)
    assert apiserver.request("GET", "/openapi/v3/api/v1").headers["Cache-Control"] == "no-cache, private"


def test_writes_without_dry_run_are_violations(apiserver: ApiServerDouble) -> None:
    reply = apply(apiserver, deployment("web"), query="?fieldManager=kube-lsp")
    assert reply.status == 201  # a real server would have written it, and so does the double
    assert apiserver.get("apps/v1", "Deployment", "web") is not None
    apiserver.request("DELETE", f"{DEPLOYMENTS}/web")
    assert [(v.method, v.path) for v in apiserver.violations] == [("PATCH", f"{DEPLOYMENTS}/web"),
                                                                  ("DELETE", f"{DEPLOYMENTS}/web")]
    apiserver.violations.clear()  # expected here; any other test with a violation fails at teardown


# --- LIST in pages (limit / continue / remainingItemCount / 410 for an expired token) --------------------------------

PODS = "/api/v1/namespaces/default/pods"


def _pod(name: str, app: str = "web") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": app}},
            "spec": {"containers": [{"name": "c", "image": "busybox"}]}}


def test_list_pages_follow_continue_from_one_snapshot(apiserver: ApiServerDouble) -> None:
    for i in range(5):
        apiserver.seed(_pod(f"p{i}"), manager=None)
    first = apiserver.request("GET", PODS + "?limit=2")
    assert first.status == 200
    names = [p["metadata"]["name"] for p in first.json()["items"]]
    meta = first.json()["metadata"]
    assert names == ["p0", "p1"] and meta["remainingItemCount"] == 3 and meta["continue"]
    apiserver.seed(_pod("p00"), manager=None)  # created after the first page: not in this list
    apiserver.remove("v1", "Pod", "p4")  # deleted after it: still in this list
    token, rv = meta["continue"], meta["resourceVersion"]
    while token:
        page = apiserver.request("GET", f"{PODS}?limit=2&continue={token}").json()
        assert page["metadata"]["resourceVersion"] == rv
        names += [p["metadata"]["name"] for p in page["items"]]
        token = page["metadata"].get("continue", "")
    assert names == ["p0", "p1", "p2", "p3", "p4"]
    selected = apiserver.request("GET", PODS + "?limit=2&labelSelector=app%3Dweb").json()["metadata"]
    assert "remainingItemCount" not in selected and selected["continue"]  # not counted under a selector


def test_expired_or_broken_continue_tokens(apiserver: ApiServerDouble) -> None:
    for i in range(3):
        apiserver.seed(_pod(f"p{i}"), manager=None)
    token = apiserver.request("GET", PODS + "?limit=1").json()["metadata"]["continue"]
    apiserver.seed(_pod("later"), manager=None)
    apiserver.compact()
    gone = apiserver.request("GET", f"{PODS}?limit=1&continue={token}")
    assert gone.status == 410 and gone.json()["reason"] == "Expired" and gone.json()["code"] == 410
    assert "too old to display a consistent list result" in gone.json()["message"]
    broken = apiserver.request("GET", f"{PODS}?limit=1&continue=not-a-token")
    assert broken.status == 400 and broken.json()["reason"] == "BadRequest"


def test_kubectl_get_reads_every_chunk(apiserver: ApiServerDouble, kubectl: KubectlRunner) -> None:
    for i in range(7):
        apiserver.seed(_pod(f"p{i}"), manager=None)
    result = kubectl("get", "pods", "--chunk-size=3", "-o", "name")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [f"pod/p{i}" for i in range(7)]
    pages = [r for r in apiserver.requests if r.path == PODS and r.method == "GET"]
    assert len(pages) == 3 and all(r.query.get("limit") == "3" for r in pages)
    assert [bool(r.query.get("continue")) for r in pages] == [False, True, True]


def test_python_client_lists_in_pages(apiserver: ApiServerDouble, k8s: Any) -> None:
    kubernetes, api_client = k8s
    for i in range(4):
        apiserver.seed(_pod(f"p{i}"), manager=None)
    core = kubernetes.client.CoreV1Api(api_client)
    page = core.list_namespaced_pod("default", limit=3)
    assert [p.metadata.name for p in page.items] == ["p0", "p1", "p2"] and page.metadata.remaining_item_count == 1
    rest = core.list_namespaced_pod("default", limit=3, _continue=page.metadata._continue)
    assert [p.metadata.name for p in rest.items] == ["p3"] and not rest.metadata._continue
