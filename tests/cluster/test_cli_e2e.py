"""`kube-lsp dry-run` and `kube-lsp diff` end to end against the API server double (TLS, bearer token).

Every test runs the real command line (in-process, or as a subprocess where the process boundary matters) on
real YAML files, and the `apiserver` fixture fails the test if any request wrote without dryRun=All.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kube_lsp.cli import main

from .apiserver import ApiServerDouble, Conflict, DecodeError, Forbidden, Slow, StatusFault, Warn, WebhookDenied
from .conftest import KubectlRunner

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx:1.26
          ports:
            - containerPort: 8080
"""
NAME_LINE, REPLICAS_LINE, IMAGE_LINE, PORT_LINE = 4, 8, 19, 21  # 1-based, as the CLI prints them


def live_deployment(image: str = "nginx:1.25", replicas: int = 2) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                         "spec": {"containers": [{"name": "web", "image": image,
                                                  "ports": [{"containerPort": 8080}]}]}},
        },
    }


def run(*args: str) -> tuple[int, str, str]:
    """The CLI in-process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    real_err = sys.stderr
    sys.stderr = err
    try:
        code = main(list(args), stdout=out)
    finally:
        sys.stderr = real_err
    return code, out.getvalue(), err.getvalue()


def findings(stdout: str) -> list[tuple[int, str, str]]:
    """(line, rule, message) of each finding in --format json output."""
    data = json.loads(stdout)
    return [(f["line"], f["code"], f["message"]) for f in data["findings"]]


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    path = tmp_path / "web.yaml"
    path.write_text(DEPLOYMENT)
    return path


def dry_run_json(kubeconfig: Path, *paths: Path, extra: tuple[str, ...] = ()) -> tuple[int, list[Any], str]:
    code, out, err = run("dry-run", "--kubeconfig", str(kubeconfig), "--format", "json", *extra, *map(str, paths))
    return code, findings(out) if out.strip() else [], err


# --- dry-run ----------------------------------------------------------------------------------------------------------


def test_accepted_manifest_is_a_clean_server_side_apply_dry_run(apiserver: ApiServerDouble, kubeconfig: Path,
                                                                manifest: Path) -> None:
    code, found, err = dry_run_json(kubeconfig, manifest)

    assert (code, found) == (0, []), err
    writes = [r for r in apiserver.requests if r.is_write]
    assert [(r.method, r.path) for r in writes] == [("PATCH", "/apis/apps/v1/namespaces/default/deployments/web")]
    assert writes[0].query == {"dryRun": "All", "fieldManager": "kube-lsp", "force": "true"}
    assert writes[0].headers["Content-Type"] == "application/apply-patch+yaml"
    assert apiserver.get("apps/v1", "Deployment", "web") is None  # nothing was stored


def test_text_output_and_summary_name_the_cluster(apiserver: ApiServerDouble, kubeconfig: Path,
                                                  manifest: Path) -> None:
    manifest.write_text(DEPLOYMENT.replace("containerPort: 8080", "containerPort: 70000"))

    code, out, err = run("dry-run", "--kubeconfig", str(kubeconfig), str(manifest))

    assert code == 1
    assert (f"{manifest}:{PORT_LINE}:30: error KL900 Invalid value: 70000: must be between 1 and 65535, inclusive "
            "(rejected by the API server's dry-run)\n") in out
    assert f"dry-run on cluster double ({apiserver.url})" in err


def test_422_causes_are_pinned_to_their_values(apiserver: ApiServerDouble, kubeconfig: Path, manifest: Path) -> None:
    manifest.write_text(DEPLOYMENT.replace("containerPort: 8080", "containerPort: 70000")
                        .replace("image: nginx:1.26", "image: ' nginx:1.26'"))

    code, found, _ = dry_run_json(kubeconfig, manifest)

    assert code == 1
    assert [(line, rule) for line, rule, _ in found] == [(IMAGE_LINE, "KL900"), (PORT_LINE, "KL900")]
    assert "must not have leading or trailing whitespace" in found[0][2]
    assert "rejected by the API server's dry-run" in found[1][2]


def test_422_for_a_field_missing_from_the_file_goes_on_its_nearest_parent(apiserver: ApiServerDouble,
                                                                           kubeconfig: Path, manifest: Path) -> None:
    manifest.write_text(DEPLOYMENT.replace("          image: nginx:1.26\n", ""))

    code, found, _ = dry_run_json(kubeconfig, manifest)

    assert code == 1
    assert found == [(IMAGE_LINE - 1, "KL900", "spec.template.spec.containers[0].image: Required value "
                                               "(rejected by the API server's dry-run)")]


def test_422_for_a_path_the_file_cannot_have_goes_on_the_object(apiserver: ApiServerDouble, kubeconfig: Path,
                                                                manifest: Path) -> None:
    apiserver.inject(StatusFault(422, "Invalid", 'Deployment.apps "web" is invalid: status.replicas: Invalid value',
                                 {"name": "web", "group": "apps", "kind": "Deployment",
                                  "causes": [{"reason": "FieldValueInvalid", "message": "Invalid value",
                                              "field": "status.replicas"}]}), kind="Deployment")

    code, found, _ = dry_run_json(kubeconfig, manifest)

    assert code == 1
    assert found == [(NAME_LINE, "KL900", "status.replicas: Invalid value (rejected by the API server's dry-run)")]


def test_409_apply_conflict_is_pinned_to_the_conflicting_field(apiserver: ApiServerDouble, kubeconfig: Path,
                                                               manifest: Path) -> None:
    apiserver.inject(Conflict(fields=('.spec.template.spec.containers[name="web"].image', ".spec.replicas")),
                     kind="Deployment", name="web")

    code, found, _ = dry_run_json(kubeconfig, manifest)

    assert code == 1
    assert [(line, rule) for line, rule, _ in found] == [(REPLICAS_LINE, "KL900"), (IMAGE_LINE, "KL900")]
    assert found[1][2].startswith('apply conflict: conflict with "other-manager"')


def test_400_decode_error_is_pinned_from_the_message(apiserver: ApiServerDouble, kubeconfig: Path,
                                                     manifest: Path) -> None:
    apiserver.inject(DecodeError(), kind="Deployment")

    code, found, _ = dry_run_json(kubeconfig, manifest)

    assert code == 1
    assert [(line, rule) for line, rule, _ in found] == [(REPLICAS_LINE, "KL900")]
    assert "cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas" in found[0][2]


def test_403_says_which_verb_on_which_resource(apiserver: ApiServerDouble, kubeconfig: Path, manifest: Path) -> None:
    apiserver.inject(Forbidden(user="dev"), kind="Deployment", verbs=["patch"])

    code, found, _ = dry_run_json(kubeconfig, manifest)

    assert code == 1
    assert found == [(NAME_LINE, "KL903", "the cluster refused to patch deployments.apps in namespace default for "
                                          "user dev (RBAC): dry-run needs the same permission as a real apply")]


def test_webhook_denial_is_reported_on_the_object(apiserver: ApiServerDouble, kubeconfig: Path,
                                                  manifest: Path) -> None:
    apiserver.inject(WebhookDenied(message="images must come from registry.example.com"), kind="Deployment")

    code, found, _ = dry_run_json(kubeconfig, manifest)

    assert code == 1
    assert [(line, rule) for line, rule, _ in found] == [(NAME_LINE, "KL900")]
    assert 'admission webhook "policy.example.com" denied the request: images must come from ' in found[0][2]


def test_kind_the_cluster_does_not_serve(apiserver: ApiServerDouble, kubeconfig: Path, tmp_path: Path) -> None:
    path = tmp_path / "gadget.yaml"
    path.write_text("apiVersion: example.com/v1\nkind: Gadget\nmetadata:\n  name: g1\nspec: {}\n---\n"
                    "apiVersion: nothere.example.org/v1\nkind: Thing\nmetadata:\n  name: t1\n")

    code, found, _ = dry_run_json(kubeconfig, path)

    assert code == 1
    assert found == [
        (4, "KL902", "the cluster does not serve Gadget in `example.com/v1` (is its CustomResourceDefinition "
                     "installed?)"),
        (10, "KL902", "the cluster does not serve Thing in `nothere.example.org/v1` (is its CustomResourceDefinition "
                     "installed?)"),
    ]
    assert not any(r.is_write for r in apiserver.requests)  # nothing is sent for a kind it cannot place


def test_status_without_causes_goes_on_the_object(apiserver: ApiServerDouble, kubeconfig: Path,
                                                  manifest: Path) -> None:
    apiserver.inject(StatusFault(500, "InternalError", "etcdserver: request timed out"), kind="Deployment")

    code, found, _ = dry_run_json(kubeconfig, manifest)

    assert code == 1
    assert found == [(NAME_LINE, "KL900", "Deployment web was rejected: etcdserver: request timed out")]


def test_unknown_field_rejected_by_server_side_apply(apiserver: ApiServerDouble, kubeconfig: Path,
                                                     manifest: Path) -> None:
    typo = "image: nginx:1.26\n          imagePullPolicyy: Always\n"
    manifest.write_text(DEPLOYMENT.replace("image: nginx:1.26\n", typo))

    code, found, _ = dry_run_json(kubeconfig, manifest)

    assert code == 1
    assert [(line, rule) for line, rule, _ in found] == [(IMAGE_LINE + 1, "KL900")]
    assert found[0][2].endswith('.spec.template.spec.containers[name="web"].imagePullPolicyy: field not declared in '
                                "schema (rejected by the API server's dry-run)")


def test_warnings_are_warnings_and_do_not_fail(apiserver: ApiServerDouble, kubeconfig: Path, manifest: Path) -> None:
    apiserver.inject(Warn(('unknown field "spec.template.spec.containers[0].imagePullPolicyy"',
                           "autoscaling/v2beta2 HorizontalPodAutoscaler is deprecated")), kind="Deployment")

    code, out, _ = run("dry-run", "--kubeconfig", str(kubeconfig), "--format", "json", str(manifest))

    assert code == 0
    severities = [(f["line"], f["code"], f["severity"]) for f in json.loads(out)["findings"]]
    # the first names a field the file does not have: reported on its nearest parent, the container
    assert severities == [(1, "KL901", "warning"), (IMAGE_LINE - 1, "KL901", "warning")]


def test_documents_are_dry_run_concurrently_with_findings_in_order(apiserver: ApiServerDouble, kubeconfig: Path,
                                                                  tmp_path: Path) -> None:
    text = "---\n".join(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\ndata: {{a: b}}\n"
                         for i in range(8))
    path = tmp_path / "many.yaml"
    path.write_text(text)
    apiserver.inject(Slow(1), kind="ConfigMap")
    for i in (2, 5):
        apiserver.inject(WebhookDenied(message=f"no cm-{i}"), kind="ConfigMap", name=f"cm-{i}")

    started = time.monotonic()
    code, found, _ = dry_run_json(kubeconfig, path)
    elapsed = time.monotonic() - started

    assert elapsed < 5, elapsed  # one at a time would take 8 s
    lines = text.splitlines()
    assert code == 1
    assert [(line, msg.rsplit(": ", 1)[-1]) for line, _, msg in found] == [
        (lines.index("  name: cm-2") + 1, "no cm-2"), (lines.index("  name: cm-5") + 1, "no cm-5")]
    assert sum(r.is_write for r in apiserver.requests) == 8
    assert [r.path for r in apiserver.requests if not r.is_write].count("/api/v1") == 1  # discovery once


def test_namespaces_from_document_context_and_none_for_cluster_scoped(apiserver: ApiServerDouble,
                                                                      tmp_path: Path) -> None:
    for ns in ("team-a", "team-b"):
        apiserver.seed({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    config = apiserver.write_kubeconfig(tmp_path / "kubeconfig", namespace="team-a")
    path = tmp_path / "mixed.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: here\ndata: {a: b}\n---\n"
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: there\n  namespace: team-b\n---\n"
                    "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-c\n---\n"
                    "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: reader\n"
                    "rules: []\n")

    code, found, err = dry_run_json(config, path)

    assert (code, found) == (0, []), err
    assert sorted(r.path for r in apiserver.requests if r.is_write) == [  # sent concurrently
        "/api/v1/namespaces/team-a/configmaps/here",
        "/api/v1/namespaces/team-b/configmaps/there",
        "/api/v1/namespaces/team-c",
        "/apis/rbac.authorization.k8s.io/v1/clusterroles/reader",
    ]


def test_generate_name_is_a_create_dry_run(apiserver: ApiServerDouble, kubeconfig: Path, tmp_path: Path) -> None:
    path = tmp_path / "job.yaml"
    path.write_text("apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: migrate-\nspec:\n  template:\n"
                    "    spec:\n      restartPolicy: Never\n      containers:\n        - name: m\n"
                    "          image: busybox\n")

    code, found, err = dry_run_json(kubeconfig, path)

    assert (code, found) == (0, []), err
    writes = [r for r in apiserver.requests if r.is_write]
    assert [(r.method, r.path, r.query.get("dryRun")) for r in writes] == [
        ("POST", "/apis/batch/v1/namespaces/default/jobs", "All")]


def test_findings_in_later_documents_and_files_keep_their_lines(apiserver: ApiServerDouble, kubeconfig: Path,
                                                                tmp_path: Path) -> None:
    first = tmp_path / "a.yaml"
    first.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n---\n" + DEPLOYMENT.replace(
        "containerPort: 8080", "containerPort: 0"))
    second = tmp_path / "b.yaml"
    second.write_text("# a service\n" + "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\nspec:\n  ports:\n"
                      "    - port: 99999\n")

    code, out, _ = run("dry-run", "--kubeconfig", str(kubeconfig), "--format", "json", str(first), str(second))

    assert code == 1
    files = [(Path(f["path"]).name, f["line"], f["code"]) for f in json.loads(out)["findings"]]
    assert files == [("a.yaml", 5 + PORT_LINE, "KL900"), ("b.yaml", 8, "KL900")]


def test_syntax_errors_are_reported_and_that_document_is_not_sent(apiserver: ApiServerDouble, kubeconfig: Path,
                                                                  tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n   bad: [\n---\n"
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n")

    code, found, _ = dry_run_json(kubeconfig, path)

    assert code == 1
    assert [rule for _, rule, _ in found] == ["KL100"]
    assert [r.path for r in apiserver.requests if r.is_write] == ["/api/v1/namespaces/default/configmaps/b"]


def test_stdin(apiserver: ApiServerDouble, kubeconfig: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "kube_lsp", "dry-run", "--kubeconfig", str(kubeconfig),
                           "--stdin-filename", "deploy.yaml", "-"],
                          input=DEPLOYMENT.replace("replicas: 2", "replicas: -1"), capture_output=True, text=True,
                          timeout=60)

    assert proc.returncode == 1
    assert proc.stdout == (f"deploy.yaml:{REPLICAS_LINE}:13: error KL900 Invalid value: -1: must be greater than "
                           "or equal to 0 (rejected by the API server's dry-run)\n")


# --- connection faults: exit 2 with a clear message, quickly ----------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_cluster(apiserver: ApiServerDouble, kubeconfig: Path, manifest: Path) -> None:
    config = json.loads(kubeconfig.read_text())
    config["clusters"][0]["cluster"]["server"] = f"https://127.0.0.1:{_free_port()}"
    kubeconfig.write_text(json.dumps(config))

    started = time.monotonic()
    code, out, err = run("dry-run", "--kubeconfig", str(kubeconfig), str(manifest))

    assert (code, out) == (2, "")
    assert "kube-lsp: error: cannot reach the cluster at https://127.0.0.1:" in err
    assert "connection refused" in err
    assert "Traceback" not in err
    assert time.monotonic() - started < 10


def test_untrusted_certificate(apiserver: ApiServerDouble, kubeconfig: Path, manifest: Path, tmp_path: Path) -> None:
    other_ca = tmp_path / "other-ca.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(tmp_path / "k.pem"),
                    "-out", str(other_ca), "-days", "1", "-subj", "/CN=someone-else"], check=True, capture_output=True)
    config = json.loads(kubeconfig.read_text())
    config["clusters"][0]["cluster"]["certificate-authority"] = str(other_ca)
    kubeconfig.write_text(json.dumps(config))

    code, _, err = run("diff", "--kubeconfig", str(kubeconfig), str(manifest))

    assert code == 2
    assert "TLS failure (the server certificate is not trusted for this address)" in err
    assert "Traceback" not in err


def test_wrong_token_is_401_and_never_printed(apiserver: ApiServerDouble, tmp_path: Path, manifest: Path) -> None:
    token = "not-the-token-" + "x" * 20
    config = apiserver.write_kubeconfig(tmp_path / "kubeconfig", token=token)

    code, out, err = run("dry-run", "--kubeconfig", str(config), str(manifest))

    assert code == 2
    assert err.startswith("kube-lsp: error: the cluster rejected the credentials (401 Unauthorized) reading "
                          "/apis/apps/v1: the token or certificate is wrong or expired")
    assert token not in out + err and apiserver.token not in out + err


def test_exec_plugin_credentials(apiserver: ApiServerDouble, tmp_path: Path, manifest: Path) -> None:
    """Auth through an exec plugin (as EKS, GKE and OIDC helpers do): the client runs it for the token."""
    plugin = tmp_path / "get-token"
    credential = {"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
                  "status": {"token": apiserver.token}}
    plugin.write_text(f"#!/bin/sh\ncat <<'EOF'\n{json.dumps(credential)}\nEOF\n")
    plugin.chmod(0o755)
    config = json.loads(apiserver.write_kubeconfig(tmp_path / "kubeconfig").read_text())
    config["users"][0]["user"] = {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": str(plugin),
                                           "interactiveMode": "Never"}}
    (tmp_path / "kubeconfig").write_text(json.dumps(config))

    code, out, err = run("dry-run", "--kubeconfig", str(tmp_path / "kubeconfig"), str(manifest))

    assert (code, out) == (0, ""), err
    assert sum(r.is_write for r in apiserver.requests) == 1


def test_client_certificate_credentials(apiserver: ApiServerDouble, tmp_path: Path, manifest: Path) -> None:
    config = apiserver.write_kubeconfig(tmp_path / "kubeconfig", client_certificate=True)
    key = (apiserver.workdir / "client.key").read_text()

    code, out, err = run("dry-run", "--kubeconfig", str(config), str(manifest))

    assert (code, out) == (0, ""), err
    assert sum(r.is_write for r in apiserver.requests) == 1
    assert key.splitlines()[1] not in out + err


def test_missing_context_and_kubeconfig(apiserver: ApiServerDouble, kubeconfig: Path, manifest: Path,
                                        tmp_path: Path) -> None:
    code, _, err = run("dry-run", "--kubeconfig", str(kubeconfig), "--context", "prod", str(manifest))
    assert code == 2
    assert "no context named 'prod' in the kubeconfig (contexts: double)" in err

    code, _, err = run("diff", "--kubeconfig", str(tmp_path / "nope"), str(manifest))
    assert code == 2
    assert "kube-lsp: error: cannot load the kubeconfig" in err
    assert apiserver.requests == []


def test_read_timeout_is_configurable_and_short(apiserver: ApiServerDouble, kubeconfig: Path, manifest: Path) -> None:
    apiserver.inject(Slow(10), kind="Deployment")

    started = time.monotonic()
    code, _, err = run("dry-run", "--kubeconfig", str(kubeconfig), "--timeout", "1", str(manifest))
    elapsed = time.monotonic() - started

    assert code == 2
    assert "timed out" in err
    assert elapsed < 4, f"a 1 s read timeout took {elapsed:.1f} s (retried?)"
    assert sum(r.is_write for r in apiserver.requests) == 1  # a timed-out write is not retried


@contextlib.contextmanager
def silent_cluster(kubeconfig: Path) -> Iterator[None]:
    """Point the kubeconfig at a listening socket that never accepts: the TLS handshake never completes."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(0)
        config = json.loads(kubeconfig.read_text())
        config["clusters"][0]["cluster"]["server"] = f"https://127.0.0.1:{silent.getsockname()[1]}"
        kubeconfig.write_text(json.dumps(config))
        yield


def test_connect_timeout(apiserver: ApiServerDouble, kubeconfig: Path, manifest: Path) -> None:
    with silent_cluster(kubeconfig):
        started = time.monotonic()
        code, _, err = run("dry-run", "--kubeconfig", str(kubeconfig), "--connect-timeout", "1", "--timeout", "1",
                           str(manifest))
        elapsed = time.monotonic() - started

    assert code == 2
    assert "timed out" in err
    assert elapsed < 2.5, f"a 1 s connect timeout took {elapsed:.1f} s (retried?)"


def test_a_silent_cluster_is_waited_for_once_however_many_documents(apiserver: ApiServerDouble, kubeconfig: Path,
                                                                      tmp_path: Path) -> None:
    path = tmp_path / "many.yaml"
    path.write_text("---\n".join(f"apiVersion: {av}\nkind: {kind}\nmetadata:\n  name: x{i}\n" for i, (av, kind) in
                                 enumerate([("v1", "ConfigMap"), ("apps/v1", "Deployment"), ("batch/v1", "Job"),
                                            ("v1", "Service"), ("networking.k8s.io/v1", "Ingress"),
                                            ("rbac.authorization.k8s.io/v1", "Role")])))
    with silent_cluster(kubeconfig):
        started = time.monotonic()
        code, _, err = run("dry-run", "--kubeconfig", str(kubeconfig), "--connect-timeout", "1", "--timeout", "1",
                           str(path))
        elapsed = time.monotonic() - started

    assert code == 2 and "timed out" in err
    assert elapsed < 3, f"{elapsed:.1f} s: the timeout was met once per document"


# --- diff ------------------------------------------------------------------------------------------------------------


def changed_lines(diff: str) -> list[str]:
    return [line for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def test_diff_shows_the_change_with_kubectl_headers(apiserver: ApiServerDouble, kubeconfig: Path,
                                                    manifest: Path) -> None:
    apiserver.seed(live_deployment(image="nginx:1.25"))

    code, out, err = run("diff", "--kubeconfig", str(kubeconfig), str(manifest))

    assert code == 1, err
    assert out.startswith("--- live/apps.v1.Deployment.default.web\n+++ merged/apps.v1.Deployment.default.web\n")
    changes = changed_lines(out)
    assert "-      - image: nginx:1.25" in changes and "+      - image: nginx:1.26" in changes
    assert "-  generation: 1" in changes and "+  generation: 2" in changes
    assert "managedFields" not in out
    assert apiserver.get("apps/v1", "Deployment", "web")["spec"]["template"]["spec"]["containers"][0]["image"] == (
        "nginx:1.25")


def test_diff_without_changes_exits_0(apiserver: ApiServerDouble, kubeconfig: Path, manifest: Path) -> None:
    apiserver.seed(live_deployment(image="nginx:1.26"))

    assert run("diff", "--kubeconfig", str(kubeconfig), str(manifest)) == (0, "", "")


def test_diff_of_a_new_object_is_all_additions(apiserver: ApiServerDouble, kubeconfig: Path, manifest: Path) -> None:
    code, out, _ = run("diff", "--kubeconfig", str(kubeconfig), str(manifest))

    assert code == 1
    changes = changed_lines(out)
    assert changes and all(line.startswith("+") for line in changes)
    assert "+  name: web" in changes and "+        imagePullPolicy: IfNotPresent" in changes


def test_diff_error_exits_2_with_the_finding(apiserver: ApiServerDouble, kubeconfig: Path, manifest: Path) -> None:
    apiserver.seed(live_deployment())
    manifest.write_text(DEPLOYMENT.replace("containerPort: 8080", "containerPort: 70000"))

    code, out, err = run("diff", "--kubeconfig", str(kubeconfig), str(manifest))

    # The live object's port (owned by kubectl) stays in the merged list, so the server names ports[1]: a
    # path the file does not have, reported on the nearest parent that exists, with the path spelled out.
    assert (code, out) == (2, "")
    assert (f"{manifest}:{PORT_LINE - 1}:11: error KL900 spec.template.spec.containers[0].ports[1].containerPort: "
            "Invalid value: 70000") in err


def test_diff_when_rbac_forbids_reading_the_live_object(apiserver: ApiServerDouble, kubeconfig: Path,
                                                        manifest: Path) -> None:
    apiserver.seed(live_deployment())
    apiserver.inject(Forbidden(user="dev"), kind="Deployment", verbs=["get"])

    code, out, err = run("diff", "--kubeconfig", str(kubeconfig), str(manifest))

    assert (code, out) == (2, "")
    assert (f"{manifest}:{NAME_LINE}:9: error KL903 the cluster refused to get deployments.apps in namespace default "
            "for user dev (RBAC)") in err


def test_namespace_that_does_not_exist_is_pinned_to_metadata_namespace(apiserver: ApiServerDouble, kubeconfig: Path,
                                                                       tmp_path: Path) -> None:
    path = tmp_path / "cm.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: nowhere\n")

    code, found, _ = dry_run_json(kubeconfig, path)

    assert code == 1
    assert found == [(5, "KL902", 'namespaces "nowhere" not found (404 Not Found)')]


def test_diff_never_reveals_secret_values(apiserver: ApiServerDouble, kubeconfig: Path, tmp_path: Path) -> None:
    old, new, kept = "old-password-1234", "new-password-5678", "unchanged-api-key"
    apiserver.seed({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "default"},
                    "type": "Opaque", "data": {"password": base64.b64encode(old.encode()).decode(),
                                               "key": base64.b64encode(kept.encode()).decode()}})
    path = tmp_path / "secret.yaml"
    path.write_text(f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\nstringData:\n"
                    f"  password: {new}\n  key: {kept}\n")

    code, out, err = run("diff", "--kubeconfig", str(kubeconfig), str(path))

    assert code == 1, err
    for secret in (old, new, kept):
        for form in (secret, base64.b64encode(secret.encode()).decode()):
            assert form not in out + err
    assert sorted(changed_lines(out)) == ['+  password: "*** (after)"', '-  password: "*** (before)"']


def test_dry_run_sends_the_object_kubectl_sends(apiserver: ApiServerDouble, kubeconfig: Path, kubectl: KubectlRunner,
                                               tmp_path: Path) -> None:
    """YAML 1.1 as kubectl reads it: `on:` and `n:` keys are booleans turned into "true" / "false", `0755:` is
    octal, quoted values stay strings; anchors and merge keys are expanded."""
    path = tmp_path / "yaml11.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: odd-keys\n  labels: &l {app: web}\n"
                    "  annotations:\n    <<: *l\n    note: 'yes'\ndata:\n  on: a\n  0755: b\n  n: c\n  1.0: d\n"
                    "  'off': e\n  port: \"8080\"\n")

    assert run("dry-run", "--kubeconfig", str(kubeconfig), "-q", str(path))[0] == 0
    theirs = kubectl("apply", "--server-side", "--dry-run=server", "--field-manager=kube-lsp", "-f", str(path))
    assert theirs.returncode == 0, theirs.stderr

    ours_body, kubectl_body = (json.loads(r.body) for r in apiserver.requests if r.method == "PATCH")
    assert kubectl_body["metadata"].pop("namespace") == "default"  # kubectl repeats the URL's namespace
    assert ours_body == kubectl_body
    assert ours_body["data"] == {"true": "a", "493": "b", "false": "c", "1": "d", "off": "e", "port": "8080"}


def test_kube_lsp_diff_shows_the_same_changes_as_kubectl_diff(apiserver: ApiServerDouble, kubeconfig: Path,
                                                              kubectl: KubectlRunner, tmp_path: Path) -> None:
    apiserver.seed(live_deployment(image="nginx:1.25", replicas=3))
    conf = "server {\n  listen 80;\n  root /srv;\n}\n"
    apiserver.seed({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "default"},
                    "data": {"mode": "slow", "level": "1", "nginx.conf": conf, "flag": "true"}})
    path = tmp_path / "app.yaml"
    path.write_text(DEPLOYMENT + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n"
                    "data:\n  mode: fast\n  level: \"1\"\n  flag: \"false\"\n  nginx.conf: |\n"
                    + "".join(f"    {line}\n" for line in conf.replace("80", "8080").splitlines())
                    + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: brand-new\ndata:\n  a: b\n"
                    "  script: |\n    #!/bin/sh\n    echo 'hi'\n")

    ours_code, ours, err = run("diff", "--kubeconfig", str(kubeconfig), str(path))
    theirs = kubectl("diff", "--server-side", "--force-conflicts", "-f", str(path))

    assert ours_code == theirs.returncode == 1, (err, theirs.stderr)

    def per_object(text: str) -> dict[str, list[str]]:
        objects: dict[str, list[str]] = {}
        current = ""
        for line in text.splitlines():
            if line.startswith("+++ "):
                current = re.split(r"[/\s]", line[4:].strip().split("/")[-1])[0]
                objects[current] = []
            elif line[:1] in "+-" and not line.startswith("---"):
                # Server-made values differ between two dry-runs.
                if not re.match(r"[+-]\s*(uid|creationTimestamp):", line):
                    objects[current].append(line)
        return {k: sorted(v) for k, v in objects.items()}

    assert per_object(ours) == per_object(theirs.stdout)  # the same lines, quoting and blocks included
    assert "-      listen 80;" in ours and "+      listen 8080;" in ours  # a config file changes line by line
    assert set(per_object(ours)) == {"apps.v1.Deployment.default.web", "v1.ConfigMap.default.settings",
                                     "v1.ConfigMap.default.brand-new"}


# --- the never-write guarantee, through the real binary ---------------------------------------------------------------


def test_the_installed_command_only_reads_and_dry_runs(apiserver: ApiServerDouble, kubeconfig: Path,
                                                       manifest: Path) -> None:
    apiserver.seed(live_deployment())
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    env["KUBECONFIG"] = str(kubeconfig)  # the default kubeconfig location, as users have it

    for command in ("dry-run", "diff"):
        proc = subprocess.run([sys.executable, "-m", "kube_lsp", command, str(manifest)], capture_output=True,
                              text=True, timeout=60, env=env)
        assert proc.returncode in (0, 1), proc.stderr
        assert apiserver.token not in proc.stdout + proc.stderr

    writes = [r for r in apiserver.requests if r.is_write]
    assert len(writes) == 2 and all(r.dry_run for r in writes)
    assert apiserver.violations == []
