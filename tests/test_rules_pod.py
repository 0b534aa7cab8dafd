"""The API server's own pod and workload validation (KL230-KL257): exact positions, messages and fixes."""

from __future__ import annotations

from kube_lsp.config import Settings
from kube_lsp.engine import Engine
from kube_lsp.fixes import apply_edits
from kube_lsp.model import Finding, Severity
from tests.conftest import findings as _all_findings
from tests.conftest import where


def findings(text: str, engine: Engine | None = None, **kw: object) -> list[Finding]:
    """The findings of `text` as one object's rules see it (the cross-resource rules have their own tests)."""
    return _all_findings(text, engine, **({"workspace": False} | kw))

POD = """apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.27
"""

DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
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
          image: nginx:1.27
"""


# Pod Security (on by default at `baseline`) and the security pack have their own tests: here they would
# repeat host-port and host-network findings.
NO_PSS = Engine(Settings().merged({"podSecurity": "off", "packs": {"security": False}}))


def only(text: str, code: str, **kw: object) -> list[Finding]:
    fs = findings(text, **({"engine": NO_PSS} | kw))
    assert all(f.code == code for f in fs), [(f.code, f.message) for f in fs]
    return fs


def fixed(text: str, f: Finding, i: int = 0) -> str:
    assert f.fixes, f
    return apply_edits(text, f.fixes[i].edits)


def pod(extra: str) -> str:
    """POD with `extra` appended to the web container (indented 6)."""
    return POD + extra


# ---- KL230 container names ---------------------------------------------------------------------------------

def test_kl230_upper_case_container_name_is_renamed() -> None:
    text = DEPLOY.replace("- name: web", "- name: Web_Server")
    fs = only(text, "KL230")
    assert where(fs) == [("KL230", 16, 17)]
    assert fs[0].message.startswith('Invalid value: "Web_Server": a lowercase RFC 1123 label must consist of lower '
                                    "case alphanumeric characters or '-', and must start and end with an alphanumeric "
                                    "character (e.g. 'my-name',  or '123-abc', regex used for validation is ")
    assert fs[0].message.endswith("— did you mean `web-server`?")
    assert fs[0].path == "spec.template.spec.containers[0].name"
    after = fixed(text, fs[0])
    assert "- name: web-server" in after
    assert findings(after) == []


def test_kl230_init_and_dots_and_no_fix_when_the_new_name_is_taken() -> None:
    text = POD.replace("  containers:", "  initContainers:\n    - name: web.init\n      image: busybox:1.36\n"
                       "    - name: WEB\n      image: busybox:1.36\n  containers:")
    fs = only(text, "KL230")
    assert where(fs) == [("KL230", 7, 13), ("KL230", 9, 13)]
    assert fs[0].message == 'Invalid value: "web.init": must not contain dots — did you mean `web-init`?'
    assert fs[1].fixes == ()  # `web` is the app container's name already


def test_kl230_statefulset_templates_are_not_validated_by_the_api_server() -> None:
    text = DEPLOY.replace("kind: Deployment", "kind: StatefulSet").replace("- name: web", "- name: Web")
    assert findings(text) == []


# ---- KL231 duplicate container names -----------------------------------------------------------------------

def test_kl231_init_container_repeating_a_container_name_is_reported_on_the_init_container() -> None:
    text = POD.replace("  containers:", "  initContainers:\n    - name: web\n      image: busybox:1.36\n  containers:")
    fs = only(text, "KL231")
    assert where(fs) == [("KL231", 7, 13)]
    assert fs[0].message == ('Duplicate value: "web": container names must be unique across containers, init '
                             "containers and ephemeral containers; containers[0] on line 10 has it too — rename one of "
                             "them")
    assert fs[0].path == "spec.initContainers[0].name"


def test_kl231_two_containers() -> None:
    fs = only(pod("    - name: web\n      image: busybox:1.36\n"), "KL231")
    assert where(fs) == [("KL231", 9, 13)]


# ---- KL232/KL233 volume names ------------------------------------------------------------------------------

VOL = pod("      volumeMounts:\n        - {name: data, mountPath: /data}\n  volumes:\n    - name: data\n"
          "      emptyDir: {}\n")


def test_kl232_invalid_volume_name() -> None:
    text = VOL.replace("- name: data", "- name: Data_1")
    fs = findings(text)
    assert [(f.code, f.span.start.line + 1) for f in fs] == [("KL234", 10), ("KL232", 12)]
    assert fs[1].message.startswith('Invalid value: "Data_1": a lowercase RFC 1123 label')


def test_kl233_duplicate_volume_names_the_first() -> None:
    text = VOL + "    - name: data\n      emptyDir: {}\n"
    fs = only(text, "KL233")
    assert where(fs) == [("KL233", 14, 13)]
    assert fs[0].message == ('Duplicate value: "data": volume names must be unique; the volume on line 12 has it '
                             "already — remove the copy or rename it")
    assert fs[0].path == "spec.volumes[1].name"


# ---- KL234 mounts naming no volume -------------------------------------------------------------------------

def test_kl234_typo_is_suggested_and_fixed() -> None:
    text = VOL.replace("{name: data, mountPath", "{name: dtaa, mountPath")
    fs = only(text, "KL234")
    assert where(fs) == [("KL234", 10, 18)]
    assert fs[0].message == 'Not found: "dtaa": no volume of the pod has this name — did you mean `data`?'
    assert fs[0].path == "spec.containers[0].volumeMounts[0].name"
    assert findings(fixed(text, fs[0])) == []


def test_kl234_istio_mtls_echo_mount_without_volume() -> None:
    # istio samples/mtls-echo/mtls-echo.yaml: the mount `ca-certs` while the volume is `ca`.
    text = pod("      volumeMounts:\n        - name: certs\n          mountPath: /certs\n"
               "        - name: ca-certs\n          mountPath: /etc/certs/ca.crt\n"
               "  volumes:\n    - name: certs\n      secret: {secretName: c}\n    - name: ca\n"
               "      secret: {secretName: ca}\n")
    fs = only(text, "KL234")
    assert where(fs) == [("KL234", 12, 17)]
    assert fs[0].message == 'Not found: "ca-certs": no volume of the pod has this name — the pod\'s volumes are ' \
                            "`certs`, `ca`"
    assert fs[0].fixes == ()


def test_kl234_no_volumes_at_all_and_devices() -> None:
    text = pod("      volumeDevices:\n        - {name: disk, devicePath: /dev/xvda}\n")
    fs = only(text, "KL234")
    assert fs[0].message.endswith("the pod has no volumes; add one to `volumes`")
    assert fs[0].path == "spec.containers[0].volumeDevices[0].name"


def test_kl234_not_in_kustomize_patches() -> None:
    text = VOL.replace("{name: data, mountPath", "{name: other, mountPath")
    assert findings(text, partial=True) == []


# ---- KL235 sub-paths, KL236 mount paths --------------------------------------------------------------------

def test_kl235_absolute_sub_path_is_made_relative() -> None:
    text = VOL.replace("mountPath: /data}", "mountPath: /data, subPath: /conf}")
    fs = only(text, "KL235")
    assert where(fs) == [("KL235", 10, 51)]
    assert fs[0].message == 'Invalid value: "/conf": must be a relative path — a sub-path is relative to the root ' \
                            "of the volume"
    assert findings(fixed(text, fs[0])) == []


def test_kl235_backsteps_and_both_forms() -> None:
    text = VOL.replace("mountPath: /data}", "mountPath: /data, subPath: a/../b, subPathExpr: $(POD)}")
    fs = only(text, "KL235")
    assert [f.message.split(" — ")[0] for f in fs] == [
        """Invalid value: "a/../b": must not contain '..'""",
        'Invalid value: "$(POD)": subPathExpr and subPath are mutually exclusive']


def test_kl236_duplicate_mount_path() -> None:
    text = VOL.replace("        - {name: data, mountPath: /data}\n",
                       "        - {name: data, mountPath: /data}\n        - {name: data, mountPath: /data}\n")
    fs = only(text, "KL236")
    assert where(fs) == [("KL236", 11, 35)]
    assert fs[0].message == ('Invalid value: "/data": must be unique — the mount on line 10 uses this path already; '
                             "mount the volumes at different paths")


# ---- KL237-KL240 ports -------------------------------------------------------------------------------------

PORTS = pod("      ports:\n        - {name: http, containerPort: 80}\n"
            "      readinessProbe:\n        httpGet: {path: /, port: http}\n")


def test_kl237_invalid_port_name_is_renamed_with_its_probe() -> None:
    text = PORTS.replace("name: http", "name: HTTP_Web").replace("port: http", "port: HTTP_Web")
    fs = only(text, "KL237")
    assert where(fs) == [("KL237", 10, 18), ("KL237", 12, 34)]
    assert fs[0].message == ('Invalid value: "HTTP_Web": must contain only alpha-numeric characters (a-z, 0-9), and '
                             "hyphens (-) — did you mean `http-web`?")
    assert fs[1].path == "spec.containers[0].readinessProbe.httpGet.port"
    assert findings(fixed(text, fs[0])) == []


def test_kl237_too_long_and_quoted_number_in_probe() -> None:
    text = PORTS.replace("name: http,", "name: rethinkdb-admin-port,").replace("port: http}", 'port: "8080"}')
    fs = only(text, "KL237")
    assert [f.message for f in fs] == [
        'Invalid value: "rethinkdb-admin-port": must be no more than 15 characters — use at most 15 lower-case '
        "letters, digits and '-'",
        'Invalid value: "8080": must contain at least one letter (a-z) — a quoted number is a port name; remove the '
        "quotes to use the number"]
    assert 'port: 8080}' in fixed(text, fs[1])
    quoted = PORTS.replace("port: http}", 'port: "8080"}')
    assert findings(fixed(quoted, only(quoted, "KL237")[0])) == []


def test_kl238_duplicate_port_name_within_a_container() -> None:
    text = PORTS.replace("        - {name: http, containerPort: 80}\n",
                         "        - {name: http, containerPort: 80}\n        - {name: http, containerPort: 81}\n")
    fs = only(text, "KL238")
    assert where(fs) == [("KL238", 11, 18)]
    assert fs[0].message == ('Duplicate value: "http": the port on line 10 of this container has this name already '
                             "— port names must be unique within a container")


def test_kl239_port_out_of_range_and_zero() -> None:
    text = PORTS.replace("containerPort: 80}", "containerPort: 80800, hostPort: 70000}").replace(
        "port: http}", "port: 0}")
    fs = only(text, "KL239")
    assert [(f.span.start.line + 1, f.message) for f in fs] == [
        (10, "Invalid value: 80800: must be between 1 and 65535, inclusive"),
        (10, "Invalid value: 70000: must be between 1 and 65535, inclusive"),
        (12, "Invalid value: 0: must be between 1 and 65535, inclusive")]


def test_kl240_probe_port_name_not_defined_is_a_warning_with_a_fix() -> None:
    text = PORTS.replace("port: http}", "port: htpp}")
    fs = only(text, "KL240")
    assert where(fs) == [("KL240", 12, 34)]
    assert fs[0].severity == Severity.WARNING
    assert fs[0].message == ('the container has no port named "htpp": the kubelet cannot resolve it and the '
                             "readinessProbe always fails — did you mean `http`?")
    assert findings(fixed(text, fs[0])) == []


# ---- KL241/KL242 probes -------------------------------------------------------------------------------------

def test_kl241_probe_without_handler_on_its_key() -> None:
    text = pod("      livenessProbe:\n        periodSeconds: 10\n")
    fs = only(text, "KL241")
    assert where(fs) == [("KL241", 9, 7)]
    assert fs[0].message == ("Required value: must specify a handler type — add one of `exec`, `httpGet`, "
                             "`tcpSocket`, `grpc` to `livenessProbe`")
    assert findings(text, partial=True) == []


def test_kl241_second_handler_in_the_api_servers_order() -> None:
    text = pod("      livenessProbe:\n        tcpSocket: {port: 80}\n        httpGet: {path: /, port: 80}\n"
               "      lifecycle:\n        preStop:\n          sleep: {seconds: 5}\n          exec: {command: [a]}\n")
    fs = only(text, "KL241")
    assert where(fs) == [("KL241", 10, 9), ("KL241", 14, 11)]
    assert fs[0].message == ("Forbidden: may not specify more than 1 handler type — `livenessProbe` already uses "
                             "`httpGet`; keep one of them")
    assert fs[0].path == "spec.containers[0].livenessProbe.tcpSocket"


def test_kl241_init_containers_only_when_they_are_sidecars() -> None:
    sidecar = POD.replace("  containers:", "  initContainers:\n    - name: side\n      image: envoy:1\n"
                          "      restartPolicy: Always\n      startupProbe: {periodSeconds: 1}\n  containers:")
    assert where(only(sidecar, "KL241")) == [("KL241", 10, 7)]


def test_kl242_success_threshold_of_a_liveness_probe_is_set_to_one() -> None:
    text = pod("      livenessProbe:\n        httpGet: {path: /, port: 80}\n        successThreshold: 3\n"
               "      readinessProbe:\n        httpGet: {path: /, port: 80}\n        successThreshold: 3\n"
               "        terminationGracePeriodSeconds: 5\n")
    fs = only(text, "KL242")
    assert where(fs) == [("KL242", 11, 27), ("KL242", 15, 9)]
    assert fs[0].message.startswith("Invalid value: 3: must be 1")
    assert fs[1].message.startswith("Invalid value: 5: must not be set for readinessProbes")
    after = fixed(text, fs[0])
    assert "        successThreshold: 1\n      readinessProbe" in after
    assert [f.span.start.line + 1 for f in findings(after)] == [15]  # the readiness probe's grace period stays


# ---- KL243/KL244/KL245/KL254 numbers ------------------------------------------------------------------------

def test_kl243_negative_values_where_the_api_server_checks_them() -> None:
    text = DEPLOY.replace("replicas: 2", "replicas: -1\n  revisionHistoryLimit: -2").replace(
        "image: nginx:1.27", "image: nginx:1.27\n          readinessProbe:\n            exec: {command: [x]}\n"
        "            periodSeconds: -15")
    fs = only(text, "KL243")
    assert [(f.span.start.line + 1, f.path, f.message) for f in fs] == [
        (6, "spec.replicas", "Invalid value: -1: must be greater than or equal to 0"),
        (7, "spec.revisionHistoryLimit", "Invalid value: -2: must be greater than or equal to 0"),
        (21, "spec.template.spec.containers[0].readinessProbe.periodSeconds",
         "Invalid value: -15: must be greater than or equal to 0")]


def test_kl243_job_and_cronjob_fields() -> None:
    text = ("apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  schedule: '* * * * *'\n"
            "  failedJobsHistoryLimit: -1\n  jobTemplate:\n    spec:\n      backoffLimit: -3\n      template:\n"
            "        spec:\n          restartPolicy: Never\n          containers:\n            - {name: c, image: x}\n")
    assert [(f.code, f.path) for f in findings(text)] == [("KL243", "spec.failedJobsHistoryLimit"),
                                                          ("KL243", "spec.jobTemplate.spec.backoffLimit")]


def test_kl244_progress_deadline_not_after_min_ready() -> None:
    text = DEPLOY.replace("replicas: 2", "replicas: 2\n  minReadySeconds: 30\n  progressDeadlineSeconds: 30")
    fs = only(text, "KL244")
    assert where(fs) == [("KL244", 8, 28)]
    assert fs[0].message.startswith("Invalid value: 30: must be greater than minReadySeconds (30)")


def test_kl245_active_deadline_forbidden_in_deployments_and_ranged_in_pods() -> None:
    text = DEPLOY.replace("    spec:\n      containers", "    spec:\n      activeDeadlineSeconds: 10\n      containers")
    fs = only(text, "KL245")
    assert where(fs) == [("KL245", 15, 7)]
    assert fs[0].message.startswith("Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported")
    fs = only(POD.replace("spec:\n", "spec:\n  activeDeadlineSeconds: 0\n"), "KL245")
    assert fs[0].message == "Invalid value: 0: must be between 1 and 2147483647, inclusive"


def test_kl254_negative_grace_period_is_the_api_servers_warning() -> None:
    fs = only(POD.replace("spec:\n", "spec:\n  terminationGracePeriodSeconds: -1\n"), "KL254")
    assert where(fs) == [("KL254", 6, 34)]
    assert fs[0].severity == Severity.WARNING
    assert fs[0].message.startswith("must be >= 0; negative values are invalid and will be treated as 1")


# ---- KL246 restartPolicy, KL247 selectors ------------------------------------------------------------------

def test_kl246_deployment_restart_policy_is_set_to_always() -> None:
    text = DEPLOY.replace("    spec:\n      containers", "    spec:\n      restartPolicy: OnFailure\n      containers")
    fs = only(text, "KL246")
    assert where(fs) == [("KL246", 15, 22)]
    assert fs[0].message.startswith('Unsupported value: "OnFailure": supported values: "Always"')
    assert fs[0].fixes[0].safe
    assert findings(fixed(text, fs[0])) == []


def test_kl246_job_without_restart_policy_defaults_to_always() -> None:
    text = ("apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n    spec:\n"
            "      containers:\n        - name: j\n          image: busybox:1.36\n")
    fs = only(text, "KL246")
    assert where(fs) == [("KL246", 6, 5)]
    assert fs[0].message.startswith('Unsupported value: "Always": supported values: "OnFailure", "Never" — '
                                    "restartPolicy defaults to Always")
    assert [fx.safe for fx in fs[0].fixes] == [False, False]
    after = fixed(text, fs[0])
    assert "    spec:\n      restartPolicy: Never\n      containers:" in after
    assert findings(after) == []
    assert findings(text, partial=True) == []


def test_kl247_selector_value_typo_names_the_template_label_and_fixes_either_side() -> None:
    text = DEPLOY.replace("    matchLabels:\n      app: web", "    matchLabels:\n      app: wbe")
    fs = only(text, "KL247")
    assert where(fs) == [("KL247", 9, 12)]
    assert fs[0].message == ("`selector` does not match template `labels`: the selector requires app=wbe, the "
                             "template has app=web (line 13)")
    assert [fx.safe for fx in fs[0].fixes] == [False, False]
    assert findings(fixed(text, fs[0], 0)) == []
    assert findings(fixed(text, fs[0], 1)) == []


def test_kl247_selector_key_typo_and_expressions_and_empty() -> None:
    text = DEPLOY.replace("    matchLabels:\n      app: web", "    matchLabels:\n      apps: web")
    fs = only(text, "KL247")
    assert fs[0].message.endswith("the template has app=web (line 13)")
    assert findings(fixed(text, fs[0])) == []
    text = DEPLOY.replace("    matchLabels:\n      app: web",
                          "    matchExpressions:\n      - {key: app, operator: In, values: [api]}")
    assert where(only(text, "KL247")) == [("KL247", 9, 9)]
    text = DEPLOY.replace("    matchLabels:\n      app: web", "    matchLabels: {}")
    assert only(text, "KL247")[0].message.startswith("Invalid value: {}: empty selector is invalid for deployment")


def test_kl247_replication_controller_and_kustomize_patch() -> None:
    text = ("apiVersion: v1\nkind: ReplicationController\nmetadata: {name: r}\nspec:\n  selector: {app: x}\n"
            "  template:\n    metadata: {labels: {app: z}}\n    spec:\n      containers:\n"
            "        - {name: r, image: i}\n")
    assert where(only(text, "KL247")) == [("KL247", 5, 19)]
    assert findings(DEPLOY.replace("      app: web\n  template", "      app: wbe\n  template"), partial=True) == []


# ---- KL248-KL251 resources ---------------------------------------------------------------------------------

RES = pod("      resources:\n        requests: {cpu: 100m, memory: 64Mi}\n        limits: {cpu: 200m, memory: 128Mi}\n")


def test_kl248_quantity_units_and_the_decoders_message() -> None:
    text = RES.replace("memory: 64Mi", "memory: 64MB").replace("memory: 128Mi", "memory: 128mi")
    fs = only(text, "KL248")
    assert [f.message for f in fs] == [
        "\"64MB\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' — did "
        "you mean `64Mi` (mebibytes) or `64M` (megabytes)? units are case-sensitive and have no `B`",
        "\"128mi\": unable to parse quantity's suffix — did you mean `128Mi` (mebibytes) or `128M` (megabytes)? units "
        "are case-sensitive and have no `B`"]
    assert [f.fixes for f in fs] == [(), ()]


def test_kl248_a_space_is_removed() -> None:
    text = RES.replace("memory: 64Mi", 'memory: "64 Mi"')
    fs = only(text, "KL248")
    assert where(fs) == [("KL248", 10, 39)]
    assert findings(fixed(text, fs[0])) == []


def test_kl248_statefulset_claims_and_pvcs_decode_quantities_too() -> None:
    text = ("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: d}\nspec:\n  accessModes: [ReadWriteOnce]\n"
            "  resources: {requests: {storage: 1GB}}\n")
    assert [(f.code, f.path) for f in findings(text)] == [("KL248", "spec.resources.requests.storage")]


def test_kl249_request_above_limit_names_the_limit_line() -> None:
    text = RES.replace("cpu: 100m", "cpu: 1000m")
    fs = only(text, "KL249")
    assert where(fs) == [("KL249", 10, 25)]
    assert fs[0].message == ('Invalid value: "1000m": must be less than or equal to cpu limit of 200m (line 11) — '
                             "lower the request or raise the limit")
    assert fs[0].path == "spec.containers[0].resources.requests"
    text = RES.replace("memory: 64Mi", "memory: 1Gi")
    assert len(only(text, "KL249")) == 1
    assert findings(RES.replace("cpu: 100m", "cpu: 0.2")) == []  # equal is fine


def test_kl249_extended_resources_need_equal_limits() -> None:
    text = RES.replace("memory: 64Mi}", "memory: 64Mi, nvidia.com/gpu: 1}")
    fs = only(text, "KL249")
    assert fs[0].message.startswith("Required value: Limit must be set for non overcommitable resources")
    text = text.replace("memory: 128Mi}", "memory: 128Mi, nvidia.com/gpu: 2}")
    assert only(text, "KL249")[0].message.startswith('Invalid value: "1": must be equal to nvidia.com/gpu limit of 2')


def test_kl250_resource_name_typo_is_renamed() -> None:
    text = RES.replace("limits: {cpu:", "limits: {cpus:")
    fs = only(text, "KL250")
    assert where(fs) == [("KL250", 11, 18)]
    assert fs[0].message == ('Invalid value: "cpus": must be a standard resource type or fully qualified; must be a '
                             "standard resource for containers — did you mean `cpu`?")
    assert findings(fixed(text, fs[0])) == []
    assert findings(RES.replace("memory: 64Mi}", "memory: 64Mi, example.com/dev: 1}").replace(
        "memory: 128Mi}", "memory: 128Mi, example.com/dev: 1}")) == []


def test_kl251_negative_fractional_gpu_and_hugepages() -> None:
    text = RES.replace("limits: {cpu: 200m, memory: 128Mi}", "limits: {cpu: 200m, memory: -1}")
    assert [(f.code, f.message.split(" (")[0]) for f in findings(text)] == [
        ("KL249", 'Invalid value: "64Mi": must be less than or equal to memory limit of -1'),
        ("KL251", 'Invalid value: "-1": must be greater than or equal to 0')]
    text = pod("      resources:\n        limits: {nvidia.com/gpu: 0.5, memory: 1Gi}\n")
    assert only(text, "KL251")[0].message.startswith('Invalid value: "0.5": must be an integer')
    text = pod("      resources:\n        limits: {hugepages-2Mi: 3Mi}\n        requests: {hugepages-2Mi: 3Mi}\n")
    assert [f.message.split(" — ")[0] for f in only(text, "KL251")] == [
        "Forbidden: HugePages require cpu or memory",
        'Invalid value: "3Mi": 3Mi is not positive integer multiple of hugepages-2Mi',
        'Invalid value: "3Mi": 3Mi is not positive integer multiple of hugepages-2Mi']


# ---- KL252/KL253 env ---------------------------------------------------------------------------------------

ENV = pod("      env:\n        - {name: MY_VAR, value: x}\n      envFrom:\n        - configMapRef: {name: c}\n")


def test_kl252_env_names_follow_the_target_version() -> None:
    text = ENV.replace("name: MY_VAR", "name: 1-MY VAR")
    assert findings(text) == []  # relaxed from 1.32: printable ASCII but '='
    old = Engine(Settings(kube_version=(1, 31)))
    fs = old.analyse(text, workspace=False).findings
    assert [(f.code, f.span.start.line + 1, f.span.start.col + 1) for f in fs] == [("KL252", 10, 18)]
    assert fs[0].message.startswith('Invalid value: "1-MY VAR": a valid environment variable name must consist of '
                                    "alphabetic characters")
    assert fs[0].message.endswith("(Kubernetes 1.31; 1.32 and later accept more)")
    fs = only(ENV.replace("name: MY_VAR", 'name: "A=B"'), "KL252")
    assert fs[0].message == ('Invalid value: "A=B": a valid environment variable name must consist only of printable '
                             "ASCII characters other than '='")


def test_kl253_value_from_sources() -> None:
    text = ENV.replace("{name: MY_VAR, value: x}", "{name: P, value: x, valueFrom: {secretKeyRef: {name: s, key: k}}}")
    fs = only(text, "KL253")
    assert where(fs) == [("KL253", 10, 31)]
    assert fs[0].message.startswith('Invalid value: "": may not be specified when `value` is not empty')
    text = ENV.replace("{name: MY_VAR, value: x}", "{name: P, valueFrom: {}}")
    assert only(text, "KL253")[0].message == ('Invalid value: "": must specify one of: `fieldRef`, '
                                              "`resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`")
    text = ENV.replace("configMapRef: {name: c}", "configMapRef: {name: c}\n          secretRef: {name: s}")
    assert only(text, "KL253")[0].message.startswith('Invalid value: "": may not have more than one field')


# ---- KL255-KL257 -------------------------------------------------------------------------------------------

def test_kl255_two_volume_types_and_none_is_an_empty_dir() -> None:
    text = VOL.replace("      emptyDir: {}\n", "      emptyDir: {}\n      secret: {secretName: s}\n")
    fs = only(text, "KL255")
    assert where(fs) == [("KL255", 14, 7)]
    assert fs[0].path == "spec.volumes[0].secret"
    assert findings(VOL.replace("      emptyDir: {}\n", "      emptyDir:\n")) == []
    assert findings(VOL.replace("      emptyDir: {}\n", "")) == []


def test_kl256_probe_on_a_plain_init_container() -> None:
    text = POD.replace("  containers:", "  initContainers:\n    - name: init\n      image: busybox:1.36\n"
                       "      livenessProbe: {exec: {command: [x]}}\n  containers:")
    fs = only(text, "KL256")
    assert where(fs) == [("KL256", 9, 7)]


def test_kl257_ephemeral_containers_in_a_template() -> None:
    text = DEPLOY + "      ephemeralContainers:\n        - name: dbg\n          image: busybox:1.36\n"
    fs = only(text, "KL257")
    assert fs[0].message.startswith("Forbidden: ephemeral containers not allowed in pod template")


def test_valid_manifests_stay_clean() -> None:
    assert findings(VOL) == [] and findings(PORTS) == [] and findings(RES) == [] and findings(ENV) == []
    assert findings(DEPLOY) == []


def test_kl241_exec_without_command() -> None:
    text = pod("      livenessProbe:\n        exec: {}\n      readinessProbe:\n        exec: {command: []}\n")
    fs = only(text, "KL241")
    assert where(fs) == [("KL241", 10, 9), ("KL241", 12, 9)]
    assert fs[0].message == "Required value: `exec` needs a `command` (a list: the program and its arguments)"
    assert findings(text.replace("exec: {}", "exec: {command: [x]}").replace("[]", "[x]")) == []


def test_structural_mistakes_are_not_repeated_as_pod_findings() -> None:
    # `volumes` indented into the container: KL103 names the cause; the mount is not "Not found" on top.
    text = pod("      volumeMounts:\n        - {name: data, mountPath: /data}\n      volumes:\n"
               "        - {name: data, emptyDir: {}}\n")
    assert [f.code for f in findings(text)] == ["KL103"]
    # `limits` indented into `requests`: not a resource name.
    text = RES.replace("        limits: {cpu", "          limits: {cpu")
    assert "KL250" not in [f.code for f in findings(text)]
    # a misspelt template `metadata`: the selector is not reported against labels that may be there.
    text = DEPLOY.replace("    metadata:\n      labels:", "    metadaat:\n      labels:")
    assert [f.code for f in findings(text)] == ["KL200"]


def test_kl241_misspelt_handler_is_the_unknown_fields_finding_only() -> None:
    text = pod("      livenessProbe:\n        httpget: {path: /, port: 80}\n")
    assert [f.code for f in findings(text)] == ["KL200"]


def test_kl243_user_ids_and_disruption_budgets() -> None:
    text = POD.replace("spec:\n", "spec:\n  securityContext: {runAsUser: -1, supplementalGroups: [5, -2]}\n").replace(
        "image: nginx:1.27", "image: nginx:1.27\n      securityContext: {runAsGroup: -1}")
    fs = only(text, "KL243")
    assert [(f.path, f.message) for f in fs] == [
        ("spec.securityContext.runAsUser", "Invalid value: -1: must be between 0 and 2147483647, inclusive"),
        ("spec.securityContext.supplementalGroups[1]",
         "Invalid value: -2: must be between 0 and 2147483647, inclusive"),
        ("spec.containers[0].securityContext.runAsGroup",
         "Invalid value: -1: must be between 0 and 2147483647, inclusive")]
    pdb = ("apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: p}\nspec:\n  minAvailable: -1\n"
           "  selector: {matchLabels: {app: web}}\n")
    assert [f.code for f in findings(pdb)] == ["KL223"]  # one finding: the budget's own rule says it


def test_kl248_hpa_metric_targets_are_quantities() -> None:
    hpa = ("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec:\n"
           "  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  maxReplicas: 3\n  metrics:\n"
           "    - type: Resource\n      resource:\n        name: memory\n"
           "        target: {type: AverageValue, averageValue: 500MB}\n")
    assert [(f.code, f.path) for f in findings(hpa)] == [
        ("KL248", "spec.metrics[0].resource.target.averageValue")]


def test_kl234_volumes_at_the_wrong_level_is_the_only_finding() -> None:
    text = VOL.replace("  volumes:\n    - name: data\n      emptyDir: {}\n",
                       "volumes:\n  - name: data\n    emptyDir: {}\n")
    assert [f.code for f in findings(text)] == ["KL103"]


def test_kl258_duplicate_host_port_across_containers_not_init_containers() -> None:
    text = pod("      ports:\n        - {containerPort: 80, hostPort: 8080}\n    - name: api\n"
               "      image: busybox:1.36\n      ports:\n"
               "        - {containerPort: 81, hostPort: 8080, protocol: TCP}\n")
    fs = only(text, "KL258")
    assert where(fs) == [("KL258", 14, 41)]
    assert fs[0].message == ('Duplicate value: "TCP//8080": containers[0] claims this host port already (line 10) — '
                             "use another hostPort, or none")
    udp = text.replace("hostPort: 8080, protocol: TCP", "hostPort: 8080, protocol: UDP")
    assert findings(engine=NO_PSS, text=udp) == []
    init = POD.replace("  containers:", "  initContainers:\n    - name: init\n      image: busybox:1.36\n"
                       "      ports: [{containerPort: 1, hostPort: 8080}]\n  containers:") + (
        "      ports: [{containerPort: 2, hostPort: 8080}]\n")
    assert findings(engine=NO_PSS, text=init) == []


def test_kl259_host_network_port_mismatch_is_fixed() -> None:
    text = (POD.replace("spec:\n", "spec:\n  hostNetwork: true\n")
            + "      ports:\n        - {containerPort: 9100, hostPort: 19100}\n")
    fs = only(text, "KL259")
    assert where(fs) == [("KL259", 11, 43)]
    assert findings(engine=NO_PSS, text=fixed(text, fs[0])) == []
    assert findings(engine=NO_PSS, text=text.replace(", hostPort: 19100", "")) == []
