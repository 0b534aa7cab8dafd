"""Pod Security Standards (KL400-KL417): every control of both levels, as the standard words it and as
pod-security-admission checks it, version by version; where the level comes from; the fixes."""

from __future__ import annotations

import pytest

from kube_lsp.config import ConfigError, Settings
from kube_lsp.engine import Engine
from kube_lsp.fixes import apply_edits
from kube_lsp.model import Finding, Severity
from kube_lsp.textindex import ModePolicy, NamespacePolicy
from tests.conftest import where


def engine(level: str = "baseline", kube: str | None = None) -> Engine:
    data: dict[str, object] = {"podSecurity": level}
    if kube:
        data["kubeVersion"] = kube
    return Engine(Settings().merged(data))


def pss(text: str, level: str = "baseline", kube: str | None = None, **kw: object) -> list[Finding]:
    return [f for f in engine(level, kube).analyse(text, **kw).findings  # type: ignore[arg-type]
            if "KL400" <= f.code <= "KL418"]


def versioned(text: str, level: str, version: str) -> list[Finding]:
    """The Pod Security findings of `text` in a Namespace enforcing `level` at policy `version` (the bundled
    schemas start at Kubernetes 1.25; older policy versions come from the label)."""
    labels = (f"    pod-security.kubernetes.io/enforce: {level}\n"
              f"    pod-security.kubernetes.io/enforce-version: {version}\n")
    return pss(namespace(labels) + in_prod(text), "off")


def pod(spec: str = "", container: str = "", *, metadata: str = "") -> str:
    """A Pod; `spec` lines go under spec (2 spaces), `container` lines under the container (6 spaces)."""
    return ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n" + metadata + "spec:\n" + spec
            + "  containers:\n    - name: web\n      image: nginx:1.27\n" + container)


RESTRICTED_OK = pod("  securityContext:\n    runAsNonRoot: true\n    seccompProfile:\n      type: RuntimeDefault\n",
                    "      securityContext:\n        allowPrivilegeEscalation: false\n"
                    "        capabilities:\n          drop: [ALL]\n")


def restricted(spec: str = "", container: str = "") -> str:
    """The compliant restricted Pod with more lines for the pod (after its securityContext) or the container."""
    return RESTRICTED_OK.replace("  containers:\n", spec + "  containers:\n") + container


# ---- baseline: one test per control ----------------------------------------------------------------------------

def test_kl400_host_process_pod_and_container() -> None:
    text = pod("  securityContext:\n    windowsOptions:\n      hostProcess: true\n",
               "      securityContext:\n        windowsOptions:\n          hostProcess: true\n")
    fs = pss(text)
    assert where(fs) == [("KL400", 8, 20), ("KL400", 14, 24)]
    assert fs[0].message == ('would violate PodSecurity "baseline:latest" (the podSecurity setting): hostProcess '
                             "(pod must not set securityContext.windowsOptions.hostProcess=true)")
    assert fs[1].path == "spec.containers[0].securityContext.windowsOptions.hostProcess"
    assert pss(text.replace("true", "false")) == []


@pytest.mark.parametrize("key", ["hostNetwork", "hostPID", "hostIPC"])
def test_kl401_host_namespaces(key: str) -> None:
    fs = pss(pod(f"  {key}: true\n"))
    assert where(fs) == [("KL401", 6, len(key) + 5)]
    assert fs[0].message.endswith(f"host namespaces ({key}=true)")
    assert pss(pod(f"  {key}: false\n")) == []


def test_kl402_privileged_in_init_and_ephemeral_containers_too() -> None:
    text = pod("  initContainers:\n    - name: init\n      image: busybox:1.36\n      securityContext:\n"
               "        privileged: true\n")
    fs = pss(text)
    assert where(fs) == [("KL402", 10, 21)]
    assert 'privileged (container "init" must not set securityContext.privileged=true)' in fs[0].message
    eph = pod(container="  ephemeralContainers:\n    - name: debug\n      image: busybox:1.36\n"
                        "      securityContext:\n        privileged: true\n")
    assert [f.code for f in pss(eph)] == ["KL402"]


def test_kl403_capabilities_outside_the_baseline_list() -> None:
    text = pod(container="      securityContext:\n        capabilities:\n          add: [CHOWN, SYS_ADMIN, NET_RAW]\n")
    fs = pss(text)
    assert where(fs) == [("KL403", 11, 24), ("KL403", 11, 35)]
    assert fs[0].message.endswith('non-default capabilities (container "web" must not include "SYS_ADMIN" in '
                                  "securityContext.capabilities.add)")
    allowed = "AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, " \
              "SETPCAP, SETUID, SYS_CHROOT"
    assert pss(text.replace("CHOWN, SYS_ADMIN, NET_RAW", allowed)) == []


def test_kl404_host_path_volume() -> None:
    text = pod("  volumes:\n    - name: host\n      hostPath:\n        path: /\n")
    fs = pss(text)
    assert where(fs) == [("KL404", 8, 7)]
    assert fs[0].message.endswith('hostPath volumes (volume "host")')
    assert pss(text.replace("hostPath:\n        path: /", "emptyDir: {}")) == []


def test_kl405_host_ports_any_but_zero() -> None:
    text = pod(container="      ports:\n        - containerPort: 80\n          hostPort: 8080\n")
    fs = pss(text)
    assert where(fs) == [("KL405", 11, 21)]
    assert fs[0].message.endswith('hostPort (container "web" uses hostPort 8080)')
    assert pss(text.replace("8080", "0")) == []


def test_kl406_host_in_probes_and_hooks_from_policy_1_34() -> None:
    text = pod(container="      readinessProbe:\n        tcpSocket:\n          host: 10.0.0.1\n          port: 80\n"
                         "      lifecycle:\n        preStop:\n          httpGet:\n            host: example.com\n"
                         "            port: 80\n")
    fs = pss(text)
    assert where(fs) == [("KL406", 11, 17), ("KL406", 16, 19)]
    assert fs[0].message.endswith('probe or lifecycle host (container "web" uses probe or lifecycle host "10.0.0.1")')
    assert pss(text, kube="1.33") == []
    assert len(pss(text, kube="1.34")) == 2


def test_kl407_apparmor_field_and_annotation() -> None:
    text = pod("  securityContext:\n    appArmorProfile:\n      type: Unconfined\n",
               metadata="  annotations:\n    container.apparmor.security.beta.kubernetes.io/web: unconfined\n")
    fs = pss(text)
    assert where(fs) == [("KL407", 6, 57), ("KL407", 10, 13)]
    assert fs[1].message.endswith('forbidden AppArmor profile (pod must not set AppArmor profile type to "Unconfined")')
    ok = text.replace("Unconfined", "Localhost").replace(": unconfined", ": localhost/custom")
    assert pss(ok) == []
    assert pss(text.replace("Unconfined", "RuntimeDefault").replace(": unconfined", ": runtime/default")) == []


def test_kl408_selinux_type_user_role_and_the_1_31_type() -> None:
    text = pod("  securityContext:\n    seLinuxOptions:\n      type: spc_t\n      user: sysadm_u\n      role: r\n"
               "      level: s0\n")
    fs = pss(text)
    assert where(fs) == [("KL408", 8, 13), ("KL408", 9, 13), ("KL408", 10, 13)]
    assert fs[0].message.endswith('seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: type "spc_t")')
    assert fs[1].message.endswith("user may not be set)")
    engine_t = pod("  securityContext:\n    seLinuxOptions:\n      type: container_engine_t\n")
    assert pss(engine_t) == [] and pss(engine_t, kube="1.31") == []
    assert [f.code for f in pss(engine_t, kube="1.30")] == ["KL408"]


def test_kl409_proc_mount_and_the_user_namespace_relaxation() -> None:
    text = pod(container="      securityContext:\n        procMount: Unmasked\n")
    fs = pss(text)
    assert where(fs) == [("KL409", 10, 20)]
    assert fs[0].message.endswith('procMount (container "web" must not set securityContext.procMount to "Unmasked")')
    assert pss(text.replace("Unmasked", "Default")) == []
    userns = text.replace("spec:\n", "spec:\n  hostUsers: false\n")
    assert pss(userns) == []  # baseline v1.35+
    assert [f.code for f in pss(userns, kube="1.34")] == ["KL409"]
    ns_restricted = restricted("  hostUsers: false\n", "        procMount: Unmasked\n")
    assert [f.code for f in pss(ns_restricted, "restricted")] == ["KL409"]  # procMount_restricted: no relaxation


def test_kl410_seccomp_unconfined_and_the_annotations_before_1_19() -> None:
    text = pod(container="      securityContext:\n        seccompProfile:\n          type: Unconfined\n")
    fs = pss(text)
    assert where(fs) == [("KL410", 11, 17)]
    assert fs[0].message.endswith('seccompProfile (container "web" must not set securityContext.seccompProfile.type '
                                  'to "Unconfined")')
    assert apply_edits(text, fs[0].fixes[0].edits) == text.replace("Unconfined", "RuntimeDefault")
    assert pss(text.replace("Unconfined", "RuntimeDefault")) == []
    old = pod(metadata="  annotations:\n    seccomp.security.alpha.kubernetes.io/pod: unconfined\n")
    assert pss(old) == []  # annotations are not checked from v1.19
    fs = versioned(old, "baseline", "v1.18")
    assert where(fs) == [("KL410", 15, 47)]
    assert fs[0].message.endswith('seccompProfile (forbidden annotation seccomp.security.alpha.kubernetes.io/pod='
                                  '"unconfined")')


def test_kl411_sysctls_safe_set_by_version() -> None:
    text = pod("  securityContext:\n    sysctls:\n      - name: kernel.msgmax\n        value: '1'\n"
               "      - name: net.ipv4.tcp_keepalive_time\n        value: '1'\n")
    fs = pss(text)
    assert where(fs) == [("KL411", 8, 15)]
    assert fs[0].message.endswith("forbidden sysctls (kernel.msgmax)")
    assert [f.span.start.line for f in pss(text, kube="1.28")] == [7, 9]  # tcp_keepalive_time: safe from 1.29


# ---- restricted ------------------------------------------------------------------------------------------------

def test_the_compliant_restricted_pod_is_silent_and_the_plain_pod_is_not() -> None:
    assert pss(RESTRICTED_OK, "restricted") == []
    assert sorted({f.code for f in pss(pod(), "restricted")}) == ["KL413", "KL414", "KL416", "KL417"]
    assert pss(pod(), "baseline") == []


def test_kl412_volume_types_replace_the_host_path_check() -> None:
    text = restricted("  volumes:\n    - name: a\n      nfs: {server: s, path: /}\n    - name: b\n      hostPath:\n"
                      "        path: /\n    - name: c\n      configMap: {name: c}\n")
    fs = pss(text, "restricted")
    assert where(fs) == [("KL412", 12, 7), ("KL412", 14, 7)]
    assert fs[0].message.endswith('restricted volume types (volume "a" uses restricted volume type "nfs")')
    for kind in ("configMap: {name: x}", "csi: {driver: d}", "downwardAPI: {}", "emptyDir: {}", "ephemeral: {}",
                 "image: {reference: r}", "persistentVolumeClaim: {claimName: x}", "projected: {sources: []}",
                 "secret: {secretName: s}"):
        assert pss(restricted(f"  volumes:\n    - name: v\n      {kind}\n"), "restricted") == [], kind


def test_kl413_privilege_escalation_missing_true_and_windows() -> None:
    text = RESTRICTED_OK.replace("        allowPrivilegeEscalation: false\n", "")
    fs = pss(text, "restricted")
    assert where(fs) == [("KL413", 13, 7)]
    assert fs[0].message.endswith('allowPrivilegeEscalation != false (container "web" must set '
                                  "securityContext.allowPrivilegeEscalation=false)")
    assert pss(apply_edits(text, fs[0].fixes[0].edits), "restricted") == []
    explicit = RESTRICTED_OK.replace("allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true")
    fs = pss(explicit, "restricted")
    assert where(fs) == [("KL413", 14, 35)]
    assert apply_edits(explicit, fs[0].fixes[0].edits) == RESTRICTED_OK
    windows = text.replace("spec:\n", "spec:\n  os:\n    name: windows\n")
    assert pss(windows, "restricted") == []
    assert [f.code for f in versioned(windows, "restricted", "v1.24")] == ["KL413"]


def test_kl413_fix_creates_the_security_context() -> None:
    text = RESTRICTED_OK.replace("      securityContext:\n        allowPrivilegeEscalation: false\n"
                                 "        capabilities:\n          drop: [ALL]\n", "")
    fs = [f for f in pss(text, "restricted") if f.code == "KL413"]
    fixed = apply_edits(text, fs[0].fixes[0].edits)
    assert fixed.endswith("      image: nginx:1.27\n      securityContext:\n        allowPrivilegeEscalation: false\n")
    assert [f.code for f in pss(fixed, "restricted")] == ["KL417"]


def test_kl414_run_as_non_root_pod_or_every_container() -> None:
    text = RESTRICTED_OK.replace("    runAsNonRoot: true\n", "")
    fs = pss(text, "restricted")
    assert where(fs) == [("KL414", 12, 7)]
    assert fs[0].message.endswith('runAsNonRoot != true (pod or container "web" must set '
                                  "securityContext.runAsNonRoot=true)")
    assert pss(apply_edits(text, fs[0].fixes[0].edits), "restricted") == []
    per_container = text.replace("allowPrivilegeEscalation: false", "allowPrivilegeEscalation: false\n"
                                 "        runAsNonRoot: true")
    assert pss(per_container, "restricted") == []
    explicit = RESTRICTED_OK.replace("runAsNonRoot: true", "runAsNonRoot: false")
    fs = pss(explicit, "restricted")
    assert where(fs) == [("KL414", 7, 19)]
    assert fs[0].message.endswith("runAsNonRoot != true (pod must not set securityContext.runAsNonRoot=false)")
    assert apply_edits(explicit, fs[0].fixes[0].edits) == RESTRICTED_OK
    userns = text.replace("spec:\n", "spec:\n  hostUsers: false\n")
    assert pss(userns, "restricted") == []
    assert [f.code for f in pss(userns, "restricted", kube="1.34")] == ["KL414"]


def test_kl415_run_as_user_zero_from_1_23() -> None:
    text = RESTRICTED_OK.replace("    runAsNonRoot: true\n", "    runAsNonRoot: true\n    runAsUser: 0\n")
    fs = pss(text, "restricted")
    assert where(fs) == [("KL415", 8, 16)]
    assert fs[0].message.endswith("runAsUser=0 (pod must not set runAsUser=0)")
    assert pss(text.replace("runAsUser: 0", "runAsUser: 1000"), "restricted") == []
    assert versioned(text, "restricted", "v1.22") == []
    assert [f.code for f in versioned(text, "restricted", "v1.23")] == ["KL415"]


def test_kl416_seccomp_restricted_missing_unconfined_and_container_level() -> None:
    text = RESTRICTED_OK.replace("    seccompProfile:\n      type: RuntimeDefault\n", "")
    fs = pss(text, "restricted")
    assert where(fs) == [("KL416", 11, 7)]
    assert fs[0].message.endswith('seccompProfile (pod or container "web" must set securityContext.seccompProfile.type '
                                  'to "RuntimeDefault" or "Localhost")')
    assert pss(apply_edits(text, fs[0].fixes[0].edits), "restricted") == []
    container_level = text.replace("allowPrivilegeEscalation: false", "allowPrivilegeEscalation: false\n"
                                   "        seccompProfile:\n          type: Localhost\n"
                                   "          localhostProfile: p.json")
    assert pss(container_level, "restricted") == []
    unconfined = RESTRICTED_OK.replace("type: RuntimeDefault", "type: Unconfined")
    fs = pss(unconfined, "restricted")
    assert where(fs) == [("KL416", 9, 13)]
    assert apply_edits(unconfined, fs[0].fixes[0].edits) == RESTRICTED_OK


def test_kl417_drop_all_and_add_only_net_bind_service() -> None:
    text = RESTRICTED_OK.replace("          drop: [ALL]\n",
                                 "          drop: [NET_RAW]\n          add: [NET_BIND_SERVICE, SYS_TIME]\n")
    fs = pss(text, "restricted")
    assert where(fs) == [("KL417", 16, 11), ("KL417", 17, 35)]
    assert fs[0].message.endswith('unrestricted capabilities (container "web" must set '
                                  'securityContext.capabilities.drop=["ALL"])')
    assert fs[1].message.endswith('unrestricted capabilities (container "web" must not include "SYS_TIME" in '
                                  "securityContext.capabilities.add)")
    # before v1.22, restricted has no capabilities check of its own: baseline's list applies
    assert [f.code for f in versioned(text, "restricted", "v1.21")] == ["KL403"]
    missing = RESTRICTED_OK.replace("        capabilities:\n          drop: [ALL]\n", "")
    fs = pss(missing, "restricted")
    assert [f.code for f in fs] == ["KL417"]
    assert apply_edits(missing, fs[0].fixes[0].edits) == RESTRICTED_OK.replace("drop: [ALL]", "drop: [ALL]")


def test_restricted_overrides_baseline_checks_as_pod_security_admission_does() -> None:
    text = restricted("  volumes:\n    - name: h\n      hostPath: {path: /}\n",
                      "        seccompProfile: {type: Unconfined}\n")
    text = text.replace("drop: [ALL]", "drop: [ALL]\n          add: [SYS_ADMIN]")
    codes = sorted(f.code for f in pss(text, "restricted"))
    assert codes == ["KL412", "KL416", "KL417"]  # not KL403, KL404, KL410
    assert sorted(f.code for f in pss(text, "baseline")) == ["KL403", "KL404", "KL410"]


# ---- where the level comes from --------------------------------------------------------------------------------

def namespace(labels: str) -> str:
    return f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n  labels:\n{labels}---\n"


def in_prod(text: str) -> str:
    return text.replace("  name: web\n", "  name: web\n  namespace: prod\n", 1)


def test_enforce_label_makes_an_error_that_says_the_api_server_rejects_it() -> None:
    text = namespace("    pod-security.kubernetes.io/enforce: restricted\n") + in_prod(pod())
    fs = pss(text, "off")
    assert {f.severity for f in fs} == {Severity.ERROR}
    assert fs[0].message.startswith('the API server will reject this Pod: namespace `prod` enforces PodSecurity '
                                    '"restricted:latest": ')


def test_enforce_on_a_template_names_the_workload() -> None:
    deploy = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: prod\nspec:\n"
              "  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n"
              "    spec:\n      hostNetwork: true\n      containers:\n        - name: web\n"
              "          image: nginx:1.27\n")
    fs = pss(namespace("    pod-security.kubernetes.io/enforce: baseline\n    pod-security.kubernetes.io/"
                       "enforce-version: v1.30\n") + deploy)
    assert where(fs) == [("KL401", 21, 20)]
    assert fs[0].severity == Severity.ERROR
    assert fs[0].message == ('the API server will reject the pods of this Deployment: namespace `prod` enforces '
                             'PodSecurity "baseline:v1.30": host namespaces (hostNetwork=true)')
    assert fs[0].path == "spec.template.spec.hostNetwork"


def test_warn_and_audit_labels_make_warnings_and_a_stricter_warn_adds_restricted() -> None:
    labels = "    pod-security.kubernetes.io/enforce: baseline\n    pod-security.kubernetes.io/warn: restricted\n"
    text = namespace(labels) + in_prod(pod("  hostPID: true\n"))
    fs = pss(text, "off")
    by_code = {f.code: f for f in fs}
    assert by_code["KL401"].severity == Severity.ERROR
    assert by_code["KL413"].severity == Severity.WARNING
    assert by_code["KL413"].message.startswith('kubectl will warn: namespace `prod` warns on PodSecurity '
                                               '"restricted:latest"')
    audit = namespace("    pod-security.kubernetes.io/audit: baseline\n") + in_prod(pod("  hostPID: true\n"))
    fs = pss(audit, "restricted")
    assert [(f.code, f.severity) for f in fs] == [("KL401", Severity.WARNING)]  # the Namespace says: no restricted
    assert "audits PodSecurity" in fs[0].message


def test_privileged_namespace_silences_the_setting_and_unlabelled_falls_back() -> None:
    text = in_prod(pod("  hostPID: true\n"))
    assert pss(namespace("    pod-security.kubernetes.io/enforce: privileged\n") + text) == []
    assert [f.code for f in pss(namespace("    team: a\n") + text)] == ["KL401"]
    assert [f.severity for f in pss(text)] == [Severity.WARNING]  # no Namespace in the text: the setting
    assert pss(text, "off") == []


def test_namespaces_from_elsewhere_are_a_hook_and_the_text_wins() -> None:
    policy = NamespacePolicy("prod", (("enforce", ModePolicy("baseline", None)),))
    e = Engine(Settings().merged({"podSecurity": "off"}), namespaces={"prod": policy})
    fs = e.analyse(in_prod(pod("  hostIPC: true\n"))).findings
    assert [(f.code, f.severity) for f in fs] == [("KL401", Severity.ERROR)]
    text = namespace("    pod-security.kubernetes.io/enforce: privileged\n") + in_prod(pod("  hostIPC: true\n"))
    assert [f.code for f in e.analyse(text).findings] == ["KL430"]  # the security pack's view: no Pod Security


def test_cached_analysis_follows_a_namespace_edit() -> None:
    e = engine("off")
    text = namespace("    pod-security.kubernetes.io/enforce: baseline\n") + in_prod(pod("  hostIPC: true\n"))
    first = e.analyse_cached(text, {})
    assert [f.code for f in first.findings] == ["KL401"]
    relaxed = text.replace("enforce: baseline", "enforce: privileged")
    second = e.analyse_cached(relaxed, first.cache)
    assert [f.code for f in second.findings] == ["KL430"]
    third = e.analyse_cached(text, second.cache)
    assert [f.code for f in third.findings] == ["KL401"] and third.findings == first.findings


def test_a_patch_reports_what_it_sets_not_what_it_lacks() -> None:
    patch = pod("  hostPID: true\n")
    assert [f.code for f in pss(patch, "restricted", partial=True)] == ["KL401"]


def test_list_items_and_cronjobs_are_checked() -> None:
    cron = ("apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: c\nspec:\n  schedule: '@daily'\n"
            "  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n"
            "          hostNetwork: true\n          containers:\n            - name: c\n"
            "              image: busybox:1.36\n")
    fs = pss(cron)
    assert [f.path for f in fs] == ["spec.jobTemplate.spec.template.spec.hostNetwork"]
    item = "".join(f"    {line}\n" for line in pod("  hostPID: true\n").splitlines())
    lst = "apiVersion: v1\nkind: List\nitems:\n  - " + item[4:]
    assert [f.code for f in pss(lst)] == ["KL401"]


# ---- configuration ---------------------------------------------------------------------------------------------

def test_pod_security_setting_values() -> None:
    assert Settings().pod_security == "baseline"
    assert Settings().merged({"podSecurity": "Restricted"}).pod_security == "restricted"
    assert Settings().merged({"podSecurity": False}).pod_security == "off"
    assert Settings().merged({"podSecurity": "privileged"}).pod_security == "off"
    with pytest.raises(ConfigError, match=r"invalid level `restricteed` in `podSecurity` \(use baseline, restricted "
                                          r"or off\) — did you mean `restricted`\?"):
        Settings().merged({"podSecurity": "restricteed"})


def test_pack_switch_turns_the_pod_security_rules_off() -> None:
    text = namespace("    pod-security.kubernetes.io/enforce: baseline\n") + in_prod(pod("  hostPID: true\n"))
    assert Engine(Settings().merged({"packs": {"pod-security": "off"}})).analyse(text).findings == []
    assert [f.code for f in Engine(Settings().merged({"rules": {"KL401": "info"}})).analyse(text).findings] == ["KL401"]


# ---- custom resources that embed a PodTemplateSpec --------------------------------------------------------------

ROLLOUT_CRD = """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: rollouts.example.com
spec:
  group: example.com
  names: {kind: Rollout, plural: rollouts, singular: rollout}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                replicas: {type: integer}
                template:
                  type: object
                  properties:
                    metadata: {type: object, x-kubernetes-preserve-unknown-fields: true}
                    spec:
                      type: object
                      x-kubernetes-preserve-unknown-fields: true
                      properties:
                        hostNetwork: {type: boolean}
                        containers:
                          type: array
                          items:
                            type: object
                            x-kubernetes-preserve-unknown-fields: true
                            properties:
                              name: {type: string}
                              image: {type: string}
---
"""
ROLLOUT = """apiVersion: example.com/v1
kind: Rollout
metadata:
  name: web
spec:
  replicas: 2
  template:
    spec:
      hostNetwork: true
      containers:
        - name: web
          image: nginx:1.27
"""


def test_a_custom_resource_whose_crd_embeds_a_pod_template_is_checked() -> None:
    fs = pss(ROLLOUT_CRD + ROLLOUT)
    assert where(fs) == [("KL401", 47, 20)]
    assert fs[0].path == "spec.template.spec.hostNetwork"
    schemaless = ROLLOUT_CRD.split("                template:")[0] + \
        "                template: {type: object, x-kubernetes-preserve-unknown-fields: true}\n---\n"
    assert pss(schemaless + ROLLOUT) == []  # the CRD does not say it is a pod template


def test_schema_template_paths_finds_nested_templates() -> None:
    from kube_lsp.workloads import schema_template_paths

    pod = {"type": "object", "properties": {"spec": {"properties": {"containers": {
        "type": "array", "items": {"properties": {"name": {}, "image": {}}}}}}}}
    schema = {"properties": {"spec": {"properties": {"template": pod, "jobs": {"properties": {"worker": pod}}}},
                             "status": {"properties": {"template": pod}}}}
    assert schema_template_paths(schema) == (("spec", "template"), ("spec", "jobs", "worker"))


# ---- the standard's "Allowed Values", control by control --------------------------------------------------------
# https://kubernetes.io/docs/concepts/security/pod-security-standards/: every allowed value passes, and a value
# outside the list is reported by that control's rule.

@pytest.mark.parametrize(("fragment", "allowed", "forbidden", "code"), [
    # SELinux: seLinuxOptions.type "Undefined/"", container_t, container_init_t, container_kvm_t, container_engine_t"
    ("  securityContext:\n    seLinuxOptions:\n      type: {}\n",
     ['""', "container_t", "container_init_t", "container_kvm_t", "container_engine_t"], ["spc_t", "unconfined_t"],
     "KL408"),
    # AppArmor: appArmorProfile.type "Undefined/nil, RuntimeDefault, Localhost"
    ("  securityContext:\n    appArmorProfile:\n      type: {}\n", ["RuntimeDefault", "Localhost"], ["Unconfined"],
     "KL407"),
    # Seccomp (baseline): seccompProfile.type "Undefined/nil, RuntimeDefault, Localhost"
    ("  securityContext:\n    seccompProfile:\n      type: {}\n", ["RuntimeDefault", "Localhost"], ["Unconfined"],
     "KL410"),
    # Host namespaces: "Undefined/nil, false"
    ("  hostNetwork: {}\n", ["false"], ["true"], "KL401"),
])
def test_allowed_values_of_the_standard(fragment: str, allowed: list[str], forbidden: list[str], code: str) -> None:
    for value in allowed:
        assert pss(pod(fragment.format(value))) == [], value
    for value in forbidden:
        assert [f.code for f in pss(pod(fragment.format(value)))] == [code], value


@pytest.mark.parametrize("name", ["kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
                                  "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_syncookies",
                                  "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start",
                                  "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
                                  "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
                                  "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"])
def test_every_safe_sysctl_of_the_standard_is_allowed(name: str) -> None:
    assert pss(pod(f"  securityContext:\n    sysctls:\n      - name: {name}\n        value: '1'\n")) == []


@pytest.mark.parametrize(("proc_mount", "allowed"), [("Default", True), ("Unmasked", False)])
def test_proc_mount_allowed_values(proc_mount: str, allowed: bool) -> None:
    # /proc Mount Type: "Undefined/nil, Default"
    fs = pss(pod(container=f"      securityContext:\n        procMount: {proc_mount}\n"))
    assert [f.code for f in fs] == ([] if allowed else ["KL409"])


@pytest.mark.parametrize(("add", "reported"), [("[NET_BIND_SERVICE]", False), ("[CHOWN]", True)])
def test_restricted_capabilities_add_only_net_bind_service(add: str, reported: bool) -> None:
    # Capabilities (restricted): drop "ALL"; add "Undefined/nil, NET_BIND_SERVICE"
    text = RESTRICTED_OK.replace("drop: [ALL]", f"drop: [ALL]\n          add: {add}")
    assert [f.code for f in pss(text, "restricted")] == (["KL417"] if reported else [])


def test_check_applies_a_namespace_from_another_file_and_the_cache_follows_it(tmp_path: object) -> None:
    import io
    from pathlib import Path

    from kube_lsp.cli import main

    root = Path(str(tmp_path))
    (root / "namespace.yaml").write_text(namespace("    pod-security.kubernetes.io/enforce: baseline\n").rstrip("-\n")
                                         + "\n")
    (root / "pod.yaml").write_text(in_prod(pod("  hostPID: true\n")))
    for extra in ([], ["--no-cache"]):
        out = io.StringIO()
        assert main(["check", *extra, "-q", str(root)], stdout=out) == 1
        assert out.getvalue().splitlines() == [
            f"{root / 'pod.yaml'}:7:12: error KL401 the API server will reject this Pod: namespace `prod` enforces "
            'PodSecurity "baseline:latest": host namespaces (hostPID=true)']
    (root / "namespace.yaml").write_text((root / "namespace.yaml").read_text().replace("baseline", "privileged"))
    out = io.StringIO()
    assert main(["check", "-q", str(root)], stdout=out) == 0  # the cached result of pod.yaml is not reused
    assert "KL401" not in out.getvalue()


@pytest.mark.parametrize(("label", "value", "message"), [
    ("enforce", "restriced", "must be one of privileged, baseline, restricted"),
    ("warn", "Baseline", "must be one of privileged, baseline, restricted"),
    ("enforce-version", "v2.1", 'must be "latest" or "v1.x"'),
    ("audit-version", "1.30", 'must be "latest" or "v1.x"'),
    ("warn-version", "v1.01", 'must be "latest" or "v1.x"')])
def test_kl418_namespace_label_values_the_api_server_refuses(label: str, value: str, message: str) -> None:
    text = namespace(f"    pod-security.kubernetes.io/{label}: \"{value}\"\n").removesuffix("---\n")
    fs = pss(text)
    assert where(fs) == [("KL418", 6, len(label) + 34)]
    assert fs[0].severity == Severity.ERROR
    assert fs[0].message == (f"the API server rejects this Namespace: metadata.labels[pod-security.kubernetes.io/"
                             f'{label}]: Invalid value: "{value}": {message}')
    if fs[0].fixes:
        assert pss(apply_edits(text, fs[0].fixes[0].edits)) == []


def test_kl418_valid_labels_are_silent() -> None:
    labels = "".join(f"    pod-security.kubernetes.io/{k}: {v}\n" for k, v in (
        ("enforce", "privileged"), ("enforce-version", "latest"), ("warn", "restricted"), ("warn-version", "v1.9"),
        ("audit", "baseline"), ("audit-version", "v1.30"), ("exempt-note", "anything")))
    assert pss(namespace(labels).removesuffix("---\n")) == []
