"""KL210-KL227: the API server's own validation of object metadata and the non-pod kinds.

Each test pins the finding's code, 1-based line and column, the API server's wording, and every fix
(applied, then the rule is silent)."""

from __future__ import annotations

import pytest

from kube_lsp.config import Settings
from kube_lsp.engine import Engine
from kube_lsp.fixes import apply_edits
from kube_lsp.model import Finding, Severity
from kube_lsp.rules import _apimachinery as am
from kube_lsp.rules._cron import CronError, parse_standard
from tests.conftest import findings as _all_findings


def findings(text: str, engine: Engine | None = None, **kw: object) -> list[Finding]:
    """The findings of `text` as one object's rules see it (the cross-resource rules have their own tests)."""
    return _all_findings(text, engine, **({"workspace": False} | kw))

SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                 "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
                 "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
LABEL_VALUE_MSG = ("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
                   "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
                   "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")
NAME_PART_MSG = ("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
                 "an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
                 "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")


def of(text: str, code: str) -> list[Finding]:
    return [f for f in findings(text) if f.code == code]


def at(fs: list[Finding]) -> list[tuple[str, int, int]]:
    return [(f.code, f.span.start.line + 1, f.span.start.col + 1) for f in fs]


def fixed(text: str, f: Finding) -> str:
    return apply_edits(text, f.fixes[0].edits)


def cm(meta: str, rest: str = "data:\n  a: b\n") -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n{meta}{rest}"


def svc(spec: str, name: str = "web") -> str:
    return f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n{spec}"


# ---- the apimachinery functions -------------------------------------------------------------------------------

def test_messages_are_the_api_servers() -> None:
    assert am.is_dns1123_subdomain("Web_App") == [SUBDOMAIN_MSG]
    assert am.is_label_value("redis cart") == [LABEL_VALUE_MSG]
    assert am.is_qualified_name("a b") == [NAME_PART_MSG]
    assert am.is_qualified_name("a/b/c")[0].startswith("a valid label key must consist of alphanumeric")
    assert am.is_qualified_name("/x") == ["prefix part must be non-empty"]
    assert am.is_dns1123_label("a.b") == ["must not contain dots"]
    assert am.is_dns1035_label("1abc")[0].startswith("a DNS-1035 label must consist of lower case")
    assert am.is_config_map_key("..x") == ["must not start with '..'"]
    assert am.is_config_map_key(".env") == []
    assert am.is_valid_port_num(0) == ["must be between 1 and 65535, inclusive"]
    assert am.is_valid_port_name("8080") == ["must contain at least one letter (a-z)"]
    assert am.is_valid_port_name("a--b") == ["must not contain consecutive hyphens"]
    assert am.is_path_segment_name("system:kube-dns") == []
    assert am.is_path_segment_name("a/b") == ["may not contain '/'"]
    assert am.is_label_value("x" * 64)[0] == "must be no more than 63 bytes"
    # generateName: a trailing '-' is masked the way maskTrailingDash does it
    assert am.name_is_dns_subdomain("web-", True) == []
    assert am.name_is_dns_subdomain("web-", False) != []


# ---- KL210 object names ---------------------------------------------------------------------------------------

def test_kl210_subdomain_name_with_message_and_fix() -> None:
    text = cm("  name: Web_Settings\n")
    [f] = of(text, "KL210")
    assert at([f]) == [("KL210", 4, 9)]
    assert f.message == (f'metadata.name: Invalid value: "Web_Settings": {SUBDOMAIN_MSG} — the ConfigMap name must be '
                         "a lowercase RFC 1123 subdomain (NameIsDNSSubdomain), e.g. `web-settings`")
    assert f.fixes[0].title == "Rename to `web-settings`" and not f.fixes[0].safe
    assert of(fixed(text, f), "KL210") == []


def test_kl210_service_is_a_dns1035_label_dots_allowed_elsewhere() -> None:
    [f] = of(svc("  ports:\n    - port: 80\n", name="tf.serving"), "KL210")
    assert at([f]) == [("KL210", 4, 9)]
    assert "a DNS-1035 label must consist of" in f.message and "(NameIsDNS1035Label)" in f.message
    assert fixed(svc("  ports:\n    - port: 80\n", name="tf.serving"), f).count("name: tf-serving") == 1
    dep = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: tf.serving\nspec:\n  selector:\n"
           "    matchLabels: {app: a}\n  template:\n    metadata:\n      labels: {app: a}\n    spec:\n"
           "      containers:\n        - name: a\n          image: nginx:1.27\n")
    [w] = of(dep, "KL210")  # a dot is legal in a Deployment name; the API server only warns
    assert w.severity == Severity.WARNING
    assert w.message.startswith("metadata.name: a DNS label is recommended: [must not contain dots] — ")


def test_kl210_service_leading_digit_is_only_a_warning() -> None:
    [f] = of(svc("  ports:\n    - port: 80\n", name="1web"), "KL210")
    assert f.severity == Severity.WARNING and "RelaxedServiceNameValidation" in f.message


def test_kl210_statefulset_and_namespace_are_dns_labels() -> None:
    ns = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team.a\n"
    [f] = of(ns, "KL210")
    assert f.message.startswith('metadata.name: Invalid value: "team.a": must not contain dots')
    assert fixed(ns, f).endswith("name: team-a\n")


def test_kl210_rbac_names_are_path_segments() -> None:
    ok = ("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n"
          "  name: system:controller:Web_Thing\nrules: []\n")
    assert of(ok, "KL210") == []
    bad = ok.replace("system:controller:Web_Thing", "team/reader")
    [f] = of(bad, "KL210")
    assert f.message.startswith('metadata.name: Invalid value: "team/reader": may not contain \'/\'')


def test_kl210_generate_name_namespace_and_cronjob_length() -> None:
    text = cm("  generateName: Web-\n  namespace: My_Team\n")
    fs = of(text, "KL210")
    assert at(fs) == [("KL210", 4, 17), ("KL210", 5, 14)]
    assert fs[0].message.startswith('metadata.generateName: Invalid value: "Web-"')
    assert fs[1].message.startswith('metadata.namespace: Invalid value: "My_Team"')
    assert of(cm("  generateName: web-\n"), "KL210") == []
    cron = ("apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: " + "a" * 53 + "\nspec:\n  schedule: '@daily'\n"
            "  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n"
            "          containers: [{name: a, image: 'busybox:1.36'}]\n")
    [f] = of(cron, "KL210")
    assert f.message.endswith("must be no more than 52 characters — the CronJob name must be a lowercase RFC 1123 "
                              "subdomain (NameIsDNSSubdomain)")


def test_kl210_custom_resources_placeholders_and_unknown_kinds() -> None:
    assert of(cm("  name: ${APP_NAME}-config\n"), "KL210") == []
    csr = "apiVersion: certificates.k8s.io/v1\nkind: CertificateSigningRequest\nmetadata:\n  name: Any_Name\n"
    assert of(csr, "KL210") == []  # ValidateCertificateRequestName accepts every name


def test_kl210_quoted_name_keeps_its_quotes() -> None:
    text = cm('  name: "Web_Settings"\n')
    [f] = of(text, "KL210")
    assert '  name: "web-settings"\n' in fixed(text, f)


# ---- KL211 / KL212 labels and selectors ----------------------------------------------------------------------

def test_kl211_label_value_and_key() -> None:
    text = cm("  name: web\n  labels:\n    app: redis cart\n    redis sentinel: x\n    app.kubernetes.io:name: y\n")
    fs = of(text, "KL211")
    assert at(fs) == [("KL211", 6, 10), ("KL211", 7, 5), ("KL211", 8, 5)]
    assert fs[0].message.startswith(f'metadata.labels: Invalid value: "redis cart": {LABEL_VALUE_MSG} — ')
    assert fs[1].message.startswith(f'metadata.labels: Invalid value: "redis sentinel": {NAME_PART_MSG}')
    assert fs[2].path == "metadata.labels"


def test_kl211_template_labels_selectors_and_service_selector() -> None:
    dep = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n"
           "    matchLabels: {app: we b}\n    matchExpressions:\n"
           "      - {key: 'ti er', operator: In, values: ['a b']}\n"
           "  template:\n    metadata:\n      labels: {app: 'we b'}\n    spec:\n"
           "      containers:\n        - name: a\n          image: nginx:1.27\n")
    fs = of(dep, "KL211")
    assert [f.path for f in fs] == ["spec.selector.matchLabels", "spec.selector.matchExpressions[0].key",
                                    "spec.selector.matchExpressions[0].values[0]", "spec.template.metadata.labels"]
    s = svc("  selector:\n    app: web app\n  ports:\n    - port: 80\n")
    assert at(of(s, "KL211")) == [("KL211", 7, 10)]


def test_kl212_selector_requirement_operators() -> None:
    pdb = ("apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\nspec:\n  maxUnavailable: 1\n"
           "  selector:\n    matchExpressions:\n      - key: app\n        operator: In\n"
           "      - key: tier\n        operator: Exists\n        values: [a]\n      - key: x\n        operator: in\n"
           "        values: [a]\n")
    fs = of(pdb, "KL212")
    assert at(fs) == [("KL212", 10, 19), ("KL212", 13, 9), ("KL212", 15, 19)]
    assert fs[0].message.startswith("spec.selector.matchExpressions[0].values: Required value: must be specified "
                                    "when `operator` is 'In' or 'NotIn'")
    assert fs[1].message.startswith("spec.selector.matchExpressions[1].values: Forbidden: may not be specified")
    assert fs[2].message.startswith('spec.selector.matchExpressions[2].operator: Invalid value: "in": not a valid '
                                    "selector operator")


# ---- KL213 annotations -----------------------------------------------------------------------------------------

def test_kl213_annotation_keys_lower_cased_and_size() -> None:
    text = cm("  name: web\n  annotations:\n    Example.com/Owner: a\n    sidecar.istio.io:inject: 'true'\n"
              "    a.io//b: c\n")
    fs = of(text, "KL213")
    assert at(fs) == [("KL213", 7, 5), ("KL213", 8, 5)]
    assert fs[0].message.startswith(f'metadata.annotations: Invalid value: "sidecar.istio.io:inject": {NAME_PART_MSG}')
    assert fs[0].message.endswith("did you mean `sidecar.istio.io/inject`?")
    assert fs[1].message.endswith("did you mean `a.io/b`?")
    big = cm("  name: web\n  annotations:\n    big: '" + "x" * (256 * 1024) + "'\n")
    [f] = of(big, "KL213")
    assert at([f]) == [("KL213", 5, 3)]
    assert f.message.startswith("metadata.annotations: Too long: may not be more than 262144 bytes")


# ---- KL214 / KL222 ConfigMap and Secret data -------------------------------------------------------------------

def test_kl214_config_keys_and_binary_duplicates() -> None:
    text = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  config/app.yaml: x\n  same: y\n"
            "binaryData:\n  same: eQ==\n  '..dots': eQ==\n")
    fs = of(text, "KL214")
    assert at(fs) == [("KL214", 6, 3), ("KL214", 7, 3), ("KL214", 10, 3)]
    assert fs[0].message.startswith('data[config/app.yaml]: Invalid value: "config/app.yaml": a valid config key '
                                    "must consist of alphanumeric characters, '-', '_' or '.'")
    assert fs[1].message.startswith('data[same]: Invalid value: "same": duplicate of key present in binaryData')
    assert fs[2].message.startswith("binaryData[..dots]: Invalid value: \"..dots\": must not start with '..'")
    sec = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  user name: a\n"
    [f] = of(sec, "KL214")
    assert f.message.startswith('data[user name]: Invalid value: "user name"')


def test_kl222_secret_type_required_keys() -> None:
    head = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n"
    tls = head + "type: kubernetes.io/tls\nstringData:\n  tls.crt: c\n"
    [f] = of(tls, "KL222")
    assert at([f]) == [("KL222", 5, 7)]
    assert f.message.startswith("data[tls.key]: Required value")
    assert of(tls + "  tls.key: k\n", "KL222") == []
    docker = head + "type: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: WzFd\n"  # "[1]"
    [f] = of(docker, "KL222")
    assert f.message.startswith('data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": json: '
                                "cannot unmarshal array into Go value of type map[string]interface {}")
    assert of(head + "type: kubernetes.io/basic-auth\nstringData:\n  password: p\n", "KL222") == []
    assert len(of(head + "type: kubernetes.io/basic-auth\n", "KL222")) == 1
    assert len(of(head + "type: kubernetes.io/ssh-auth\nstringData:\n  ssh-privatekey: ''\n", "KL222")) == 1
    sa = head + "type: kubernetes.io/service-account-token\n"
    [f] = of(sa, "KL222")
    assert f.message.startswith("metadata.annotations[kubernetes.io/service-account.name]: Required value")


# ---- KL215-KL218 Services ---------------------------------------------------------------------------------------

def test_kl215_port_ranges_target_port_and_names() -> None:
    text = svc("  ports:\n    - name: http\n      port: 80800\n      targetPort: '8080'\n"
               "    - name: http\n      port: 81\n      targetPort: 70700\n    - port: 82\n    - name: Web_1\n"
               "      port: 83\n")
    fs = of(text, "KL215")
    assert at(fs) == [("KL215", 8, 13), ("KL215", 9, 19), ("KL215", 10, 13), ("KL215", 12, 19), ("KL215", 13, 7),
                      ("KL215", 14, 13)]
    assert fs[0].message.startswith("spec.ports[0].port: Invalid value: 80800: must be between 1 and 65535, inclusive")
    assert fs[1].message.startswith('spec.ports[0].targetPort: Invalid value: "8080": must contain at least one '
                                    "letter (a-z)")
    assert "write the number unquoted" in fs[1].message
    after = fixed(text, fs[1])
    assert "      targetPort: 8080\n" in after and fs[1].fixes[0].safe
    assert [f for f in of(after, "KL215") if f.path == "spec.ports[0].targetPort"] == []
    assert fs[2].message.startswith('spec.ports[1].name: Duplicate value: "http" — another port of this Service '
                                    "(line 7)")
    assert fs[4].message.startswith("spec.ports[2].name: Required value")
    assert fs[5].message.startswith('spec.ports[3].name: Invalid value: "Web_1": a lowercase RFC 1123 label')
    assert of(svc("  ports:\n    - port: 80\n      targetPort: 0\n"), "KL215") == []


def test_kl216_duplicate_port_protocol_pairs() -> None:
    text = svc("  type: NodePort\n  ports:\n    - {name: a, port: 53, nodePort: 30053}\n"
               "    - {name: b, port: 53, protocol: UDP, nodePort: 30053}\n"
               "    - {name: c, port: 53, nodePort: 30053}\n")
    fs = of(text, "KL216")
    assert at(fs) == [("KL216", 10, 23), ("KL216", 10, 37)]
    assert fs[0].message == ("spec.ports[2]: Duplicate value: port 53/TCP is already used by spec.ports[0] (line 8) "
                             "— use another number, or another protocol for the same number")
    assert fs[1].message.startswith("spec.ports[2].nodePort: Duplicate value: node port 30053/TCP")


def test_kl217_type_dependent_fields() -> None:
    fs = of(svc("  type: ExternalName\n"), "KL217")
    assert at(fs) == [("KL217", 6, 9)] and fs[0].message.startswith("spec.externalName: Required value")
    fs = of(svc("  type: ExternalName\n  externalName: https://db.example.com\n"), "KL217")
    assert fs[0].message.startswith('spec.externalName: Invalid value: "https://db.example.com"')
    assert of(svc("  type: ExternalName\n  externalName: db.example.com.\n"), "KL217") == []
    fs = of(svc("  type: NodePort\n  clusterIP: None\n  ports:\n    - port: 80\n"), "KL217")
    assert at(fs) == [("KL217", 7, 14)]
    assert fs[0].message.startswith("spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for "
                                    "NodePort services")
    fs = of(svc("  ports:\n    - port: 80\n      nodePort: 30080\n  externalTrafficPolicy: Local\n"), "KL217")
    assert [f.path for f in fs] == ["spec.ports[0].nodePort", "spec.externalTrafficPolicy"]
    fs = of(svc("  selector: {app: web}\n"), "KL217")
    assert fs[0].message.startswith("spec.ports: Required value")
    assert of(svc("  clusterIP: None\n  selector: {app: web}\n"), "KL217") == []


def test_kl218_node_port_range_is_a_warning() -> None:
    [f] = of(svc("  type: NodePort\n  ports:\n    - port: 80\n      nodePort: 8080\n"), "KL218")
    assert f.severity == Severity.WARNING and at([f]) == [("KL218", 9, 17)]
    assert f.message.startswith("spec.ports[0].nodePort: Invalid value: 8080: provided port is not in the valid "
                                "range. The range of valid ports is 30000-32767")


# ---- KL219 / KL220 Ingress ---------------------------------------------------------------------------------------

ING = ("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\nspec:\n  rules:\n"
       "    - host: {host}\n      http:\n        paths:\n          - path: {path}\n            pathType: {pt}\n"
       "            backend:\n              service:\n                name: web\n                port:\n"
       "                  number: 80\n")


def ing(host: str = "example.com", path: str = "/", pt: str = "Prefix") -> str:
    return ING.replace("{host}", host).replace("{path}", path).replace("{pt}", pt)


@pytest.mark.parametrize(("host", "expect_fix"), [("https://example.com", "example.com"),
                                                  ("example.com:443", "example.com"), ("1.2.3.4", "")])
def test_kl219_hosts(host: str, expect_fix: str) -> None:
    text = ing(host=host)
    [f] = of(text, "KL219")
    assert at([f]) == [("KL219", 7, 13)]
    assert f.message.startswith(f'spec.rules[0].host: Invalid value: "{host}": ')
    if expect_fix:
        assert of(fixed(text, f), "KL219") == []
        assert f"host: {expect_fix}\n" in fixed(text, f)
    else:
        assert "must be a DNS name, not an IP address" in f.message and not f.fixes


def test_kl219_wildcards_and_paths() -> None:
    assert of(ing(host="'*.example.com'"), "KL219") == []
    [f] = of(ing(host="'foo.*.com'"), "KL219")
    assert "a wildcard DNS-1123 subdomain must start with '*.'" in f.message
    text = ing(path="tf(/|$)(.*)", pt="ImplementationSpecific")
    [f] = of(text, "KL219")
    assert at([f]) == [("KL219", 10, 19)]
    assert f.message.startswith('spec.rules[0].http.paths[0].path: Invalid value: "tf(/|$)(.*)": must be an absolute '
                                "path")
    assert "path: /tf(/|$)(.*)\n" in fixed(text, f) and of(fixed(text, f), "KL219") == []
    [f] = of(ing(path="/a//b"), "KL219")
    assert f.message.startswith("spec.rules[0].http.paths[0].path: Invalid value: \"/a//b\": must not contain '//'")
    assert of(ing(path="/a//b", pt="ImplementationSpecific"), "KL219") == []


def test_kl220_backends() -> None:
    port = "                  number: 80\n"
    both = ing().replace(port, port + "                  name: http\n")
    [f] = of(both, "KL220")
    assert at([f]) == [("KL220", 15, 17)]
    assert f.message.startswith('spec.rules[0].http.paths[0].backend: Invalid value: "": cannot set both port name & '
                                "port number")
    neither = ing().replace("                port:\n                  number: 80\n", "")
    [f] = of(neither, "KL220")
    assert f.message.startswith("spec.rules[0].http.paths[0].backend: Required value: port name or number is required")
    bad_port = ing().replace("number: 80", "number: 80800")
    [f] = of(bad_port, "KL220")
    assert f.message.startswith("spec.rules[0].http.paths[0].backend.service.port.number: Invalid value: 80800")


# ---- KL221 HPA ----------------------------------------------------------------------------------------------------

HPA = ("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\nspec:\n"
       "  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  minReplicas: {min}\n"
       "  maxReplicas: {max}\n")


def test_kl221_replica_bounds() -> None:
    [f] = of(HPA.replace("{min}", "10").replace("{max}", "3"), "KL221")
    assert at([f]) == [("KL221", 8, 16)]
    assert f.message == ("spec.maxReplicas: Invalid value: 3: must be greater than or equal to `minReplicas` — "
                         "minReplicas is 10 (line 7); raise maxReplicas or lower minReplicas")
    [f] = of(HPA.replace("{min}", "0").replace("{max}", "3"), "KL221")
    assert f.message.startswith("spec.minReplicas: Invalid value: 0: must be greater than or equal to 1")
    assert of(HPA.replace("{min}", "1").replace("{max}", "1"), "KL221") == []


def test_kl221_metric_sources() -> None:
    text = HPA.replace("{min}", "1").replace("{max}", "3") + (
        "  metrics:\n    - type: Resource\n      pods:\n        metric: {name: x}\n"
        "        target: {type: AverageValue, averageValue: 1}\n"
        "    - type: Resource\n      resource:\n        name: cpu\n        target: {type: Utilization}\n")
    fs = of(text, "KL221")
    assert [f.path for f in fs] == ["spec.metrics[0].resource", "spec.metrics[0].pods",
                                    "spec.metrics[1].resource.target.averageUtilization"]


# ---- KL223 PDB, KL224 CronJob --------------------------------------------------------------------------------------

def test_kl223_pdb() -> None:
    head = "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\nspec:\n"
    fs = of(head + "  minAvailable: 1\n  maxUnavailable: '50'\n", "KL223")
    assert at(fs) == [("KL223", 7, 3), ("KL223", 7, 19)]
    assert fs[0].message.startswith("spec: Invalid value: minAvailable and maxUnavailable cannot be both set")
    assert fs[1].message.startswith('spec.maxUnavailable: Invalid value: "50": a valid percent string must be')
    [f] = of(head + "  minAvailable: 120%\n", "KL223")
    assert "must not be greater than 100%" in f.message
    assert of(head + "  minAvailable: 50%\n", "KL223") == []


CRON = ("apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: nightly\nspec:\n  schedule: '{s}'\n"
        "  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n"
        "          containers: [{name: a, image: 'busybox:1.36'}]\n")


@pytest.mark.parametrize(("schedule", "error"), [
    ("0 0 * * 7", "end of range (7) above maximum (6): 7"),
    ("0 24 * * *", "end of range (24) above maximum (23): 24"),
    ("0 0 * * * *", "expected exactly 5 fields, found 6: [0 0 * * * *]"),
    ("0 0 * *", "expected exactly 5 fields, found 4: [0 0 * *]"),
    ("@every x", 'failed to parse duration @every x: time: invalid duration "x"'),
    ("@fortnightly", "unrecognized descriptor: @fortnightly"),
    ("TZ=UTC 0 * * * *", "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"),
])
def test_kl224_schedules(schedule: str, error: str) -> None:
    [f] = of(CRON.replace("{s}", schedule), "KL224")
    assert at([f]) == [("KL224", 6, 13)]
    assert f.message.startswith(f'spec.schedule: Invalid value: "{schedule}": {error}')


@pytest.mark.parametrize("schedule", ["*/5 * * * *", "0 0 1 JAN MON-FRI", "5/15 * * * ?", "@hourly", "@every 1h30m",
                                      "0 0 1,15 * *", "0-30/10 8-18 * * 1-5"])
def test_kl224_valid_schedules(schedule: str) -> None:
    assert of(CRON.replace("{s}", schedule), "KL224") == []
    parse_standard(schedule)


def test_kl224_time_zone_and_selector() -> None:
    text = CRON.replace("{s}", "0 0 * * *").replace("spec:\n  schedule", "spec:\n  timeZone: Local\n  schedule", 1)
    [f] = of(text, "KL224")
    assert f.message.startswith('spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone')
    assert of(text.replace("Local", "Europe/Berlin"), "KL224") == []
    with pytest.raises(CronError, match="beginning of range"):
        parse_standard("0 0 0 * *")


# ---- KL225 RBAC, KL226 NetworkPolicy, KL227 webhooks --------------------------------------------------------------

def test_kl225_rbac() -> None:
    role = ("apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: r\nrules:\n"
            "  - resources: [pods]\n    verbs: []\n  - nonResourceURLs: [/healthz]\n    verbs: [get]\n")
    fs = of(role, "KL225")
    assert [f.path for f in fs] == ["rules[0].apiGroups", "rules[0].verbs", "rules[1].nonResourceURLs"]
    assert at(fs)[0] == ("KL225", 6, 5)
    crb = ("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: b\nroleRef:\n"
           "  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: r\nsubjects:\n"
           "  - {kind: ServiceAccount, name: default}\n  - {kind: User, name: jane}\n  - {kind: Robot, name: x}\n")
    fs = of(crb, "KL225")
    assert [f.path for f in fs] == ["roleRef.kind", "subjects[0].namespace", "subjects[2].kind"]
    assert fs[0].message.startswith('roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"')


def test_kl226_network_policy() -> None:
    text = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: n\nspec:\n  podSelector: {}\n"
            "  ingress:\n    - ports:\n        - {port: 8080, endPort: 8000}\n        - {port: http, endPort: 90}\n"
            "      from:\n        - {}\n        - ipBlock: {cidr: 10.0.0.0/16, except: [10.1.0.0/24]}\n"
            "          podSelector: {}\n")
    fs = of(text, "KL226")
    assert [f.path for f in fs] == ["spec.ingress[0].ports[0].endPort", "spec.ingress[0].ports[1].endPort",
                                    "spec.ingress[0].from[0]", "spec.ingress[0].from[1]",
                                    "spec.ingress[0].from[1].ipBlock.except[0]"]
    assert fs[0].message.startswith("spec.ingress[0].ports[0].endPort: Invalid value: 8000: must be greater than or "
                                    "equal to `port`")


def test_kl227_webhooks() -> None:
    text = ("apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\nmetadata:\n"
            "  name: p\nwebhooks:\n  - name: validate\n    sideEffects: Unknown\n    admissionReviewVersions: []\n"
            "    timeoutSeconds: 60\n    clientConfig:\n      url: http://x.example.com/v?a=1\n"
            "  - name: v.example.com\n    sideEffects: None\n    admissionReviewVersions: [v2]\n"
            "    clientConfig:\n      service: {name: s, namespace: n, path: /mutate_pods}\n")
    fs = of(text, "KL227")
    assert [f.path for f in fs] == ["webhooks[0].name", "webhooks[0].sideEffects",
                                    "webhooks[0].admissionReviewVersions",
                                    "webhooks[0].timeoutSeconds", "webhooks[0].clientConfig.url",
                                    "webhooks[1].admissionReviewVersions",
                                    "webhooks[1].clientConfig.service.path"]
    assert fs[0].message.startswith('webhooks[0].name: Invalid value: "validate": should be a domain with at least '
                                    "three segments separated by dots")
    assert "'https' is the only allowed URL scheme" in fs[4].message and "query parameters" in fs[4].message
    assert 'segment[0]: a lowercase RFC 1123 subdomain' in fs[6].message


def test_kl210_crd_name_is_plural_dot_group_with_a_safe_fix() -> None:
    text = ("apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n"
            "  name: backup.ops.example.com\nspec:\n  group: ops.example.com\n  scope: Namespaced\n"
            "  names: {plural: backups, singular: backup, kind: Backup}\n  versions:\n"
            "    - name: v1\n      served: true\n      storage: true\n"
            "      schema: {openAPIV3Schema: {type: object}}\n")
    [f] = of(text, "KL210")
    assert at([f]) == [("KL210", 4, 9)]
    assert f.message == ('metadata.name: Invalid value: "backup.ops.example.com": must be spec.names.plural+"."+'
                         "spec.group — a CustomResourceDefinition is named `<spec.names.plural>.<spec.group>`, here "
                         "`backups.ops.example.com`")
    assert f.fixes[0].safe and of(fixed(text, f), "KL210") == []


def test_kl228_finalizers() -> None:
    text = cm("  name: web\n  finalizers:\n    - cleanup\n    - example.com/cleanup\n    - a/b/c\n"
              "    - orphan\n    - foregroundDeletion\n")
    fs = of(text, "KL228")
    assert at(fs) == [("KL228", 5, 3), ("KL228", 6, 7), ("KL228", 8, 7)]
    assert fs[1].message.startswith('metadata.finalizers[0]: Invalid value: "cleanup": name is neither a standard '
                                    "finalizer name nor is it fully qualified — name a finalizer after a domain you "
                                    "own, e.g. `example.com/cleanup`")
    assert fs[2].message.startswith('metadata.finalizers: Invalid value: "a/b/c": a valid label key')
    assert fs[0].message.startswith("metadata.finalizers: Invalid value: finalizer orphan and foregroundDeletion "
                                    "cannot be both set")
    # admission webhooks use apimachinery's ValidateObjectMeta: a bare name is accepted there
    hook = ("apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\nmetadata:\n"
            "  name: p\n  finalizers: [cleanup]\nwebhooks: []\n")
    assert of(hook, "KL228") == []


def test_a_wrongly_typed_list_is_the_schemas_finding_not_an_empty_one() -> None:
    assert of(svc("  ports:\n    port: 80\n"), "KL217") == []
    role = ("apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: r\nrules:\n"
            "  - apiGroups: ['']\n    resources: pods\n    verbs: get\n")
    assert of(role, "KL225") == []
    tls = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ntype: kubernetes.io/tls\ndata: [tls.crt]\n"
    assert of(tls, "KL222") == []


def test_kl211_kl213_guessed_fixes_are_offered_not_applied() -> None:
    text = cm("  name: web\n  labels:\n    app: redis cart\n    app.kubernetes.io:name: web\n"
              "  annotations:\n    Example.com:Owner: a\n    a.io//b: c\n")
    labels = of(text, "KL211")
    assert [(f.fixes[0].title, f.fixes[0].safe) for f in labels] == [("Change to `redis-cart`", False),
                                                                      ("Change to `app.kubernetes.io/name`", False)]
    ann = of(text, "KL213")
    assert [f.fixes[0].title for f in ann] == ["Change to `Example.com/Owner`", "Change to `a.io/b`"]
    for f in labels + ann:
        after = fixed(text, f)
        assert [g for g in of(after, f.code) if g.span.start.line == f.span.start.line] == []
    assert of(cm("  name: web\n  labels:\n    v: +build.1\n"), "KL211")[0].fixes == ()


def test_kl229_priority_class() -> None:
    head = "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata:\n  name: {n}\nvalue: {v}\n"
    [f] = of(head.replace("{n}", "web").replace("{v}", "2000000000"), "KL229")
    assert at([f]) == [("KL229", 5, 8)]
    assert f.message.startswith("value: Forbidden: maximum allowed value of a user defined priority is 1000000000")
    [f] = of(head.replace("{n}", "system-web").replace("{v}", "1000"), "KL229")
    assert f.message.startswith("metadata.name: Forbidden: priority class names with 'system-' prefix are reserved "
                                "for system use only. error: system-web is not a known system priority class")
    assert of(head.replace("{n}", "web").replace("{v}", "1000000000"), "KL229") == []


def test_kl218_not_on_cluster_ip_services_where_kl217_forbids_node_ports() -> None:
    text = svc("  ports:\n    - port: 80\n      nodePort: 8080\n")
    assert of(text, "KL218") == [] and [f.path for f in of(text, "KL217")] == ["spec.ports[0].nodePort"]


def test_kl222_templated_docker_config_is_not_judged() -> None:
    text = ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ntype: kubernetes.io/dockerconfigjson\nstringData:\n"
            "  .dockerconfigjson: |\n    {\"auths\": ${AUTHS}}\n")
    assert of(text, "KL222") == []
    assert len(of(text.replace("${AUTHS}", "[1"), "KL222")) == 1


def test_kl217_says_nothing_when_the_type_is_unknown_or_templated() -> None:
    text = svc('  type: "{{ .Values.service.type }}"\n  externalTrafficPolicy: Local\n  ports:\n    - port: 80\n')
    assert of(text, "KL217") == []
    assert of(svc("  type: NodePrt\n  externalTrafficPolicy: Local\n  ports:\n    - port: 80\n"), "KL217") == []


def test_unquoted_template_values_count_as_given_not_missing() -> None:
    """An unquoted `{{ ... }}` composes as a mapping; its line is dropped, and a rule must not call the field
    missing on another line."""
    crb = ("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: b\nroleRef:\n"
           "  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: r\nsubjects:\n"
           "  - kind: ServiceAccount\n    name: default\n    namespace: {{ .Release.Namespace }}\n")
    assert of(crb, "KL225") == []
    assert of(svc("  type: ExternalName\n  externalName: {{ .Values.host }}\n"), "KL217") == []
    two = svc("  ports:\n    - name: {{ .Values.a }}\n      port: 80\n    - name: b\n      port: 81\n")
    assert of(two, "KL215") == []
    backend = ing().replace("                  number: 80\n", "                  number: {{ .Values.port }}\n")
    assert of(backend, "KL220") == []


def test_kl210_statefulset_names_became_dns_labels_in_1_27() -> None:
    sts = ("apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db.v1\nspec:\n  serviceName: db\n"
           "  selector:\n    matchLabels: {app: db}\n  template:\n    metadata:\n      labels: {app: db}\n"
           "    spec:\n      containers:\n        - name: db\n          image: 'postgres:16'\n")
    [f] = of(sts, "KL210")
    assert f.severity == Severity.ERROR and f.message.startswith('metadata.name: Invalid value: "db.v1": must not '
                                                                 "contain dots")
    old = Engine(Settings(kube_version=(1, 26)))
    assert [g for g in findings(sts, old) if g.code == "KL210"] == []


def test_kl210_indexed_job_hostnames_must_be_dns_labels() -> None:
    job = ("apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {n}\nspec:\n  completionMode: Indexed\n"
           "  completions: 10\n  template:\n    spec:\n      restartPolicy: Never\n"
           "      containers: [{name: a, image: 'busybox:1.36'}]\n")
    [f] = of(job.replace("{n}", "a" * 62), "KL210")
    assert f.message.startswith(f'metadata.name: Invalid value: "{"a" * 62}": will not able to create pod with '
                                f"invalid DNS label: {'a' * 62}-9")
    assert of(job.replace("{n}", "a" * 61), "KL210") == []


def test_kl221_metric_names_and_containers() -> None:
    text = HPA.replace("{min}", "1").replace("{max}", "3") + (
        "  metrics:\n    - type: Pods\n      pods:\n        metric: {name: a/b}\n"
        "        target: {type: AverageValue, averageValue: 1}\n"
        "    - type: ContainerResource\n      containerResource:\n        name: cpu\n        container: Web_1\n"
        "        target: {type: Utilization, averageUtilization: 50}\n")
    fs = of(text, "KL221")
    assert [f.path for f in fs] == ["spec.metrics[0].pods.metric.name", "spec.metrics[1].containerResource.container"]
    assert fs[0].message == "spec.metrics[0].pods.metric.name: Invalid value: \"a/b\": may not contain '/'"


def test_strategic_merge_directives_in_kustomize_patches_are_not_keys() -> None:
    patch = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  labels:\n    $patch: delete\n"
             "  annotations:\n    $patch: replace\ndata:\n  $patch: replace\n")
    fs = [f for f in findings(patch, partial=True) if "KL210" <= f.code <= "KL229"]
    assert fs == []
    assert {f.code for f in findings(patch) if "KL210" <= f.code <= "KL229"} == {"KL211", "KL213", "KL214"}
