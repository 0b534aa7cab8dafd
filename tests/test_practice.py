"""Best-practice packs (KL420-KL436): positions, messages, fixes, and the pack switches."""

from __future__ import annotations

import pytest

from kube_lsp.config import ConfigError, Settings
from kube_lsp.engine import Engine
from kube_lsp.fixes import apply_edits
from kube_lsp.model import Finding
from tests.conftest import where

ALL_ON = {"images": "on", "resources": "on", "reliability": "on", "security": "on"}


def bp(text: str, *, packs: dict[str, object] | None = None, rules: dict[str, str] | None = None,
       pss: str = "baseline") -> list[Finding]:
    s = Settings().merged({"packs": ALL_ON if packs is None else packs, "rules": rules or {}, "podSecurity": pss})
    return [f for f in Engine(s).analyse(text, workspace=False).findings if f.code >= "KL420"]


DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 1
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
        - name: api
          image: registry.example.com/api:1.8.0
          resources:
            requests: {cpu: 100m, memory: 64Mi}
            limits: {memory: 64Mi, cpu: "1"}
          readinessProbe:
            httpGet: {path: /ready, port: 8080}
          livenessProbe:
            httpGet: {path: /healthz, port: 8080}
          securityContext:
            readOnlyRootFilesystem: true
      automountServiceAccountToken: false
"""


def test_the_complete_deployment_is_silent_with_every_pack_on() -> None:
    assert bp(DEPLOY, rules={"KL424": "warning"}) == []


def test_default_settings_report_none_of_the_opt_in_packs() -> None:
    bare = DEPLOY.replace("          resources:\n            requests: {cpu: 100m, memory: 64Mi}\n"
                          "            limits: {memory: 64Mi, cpu: \"1\"}\n", "").replace(":1.8.0", "")
    assert [f.code for f in Engine().analyse(bare).findings] == []
    assert sorted(f.code for f in bp(bare)) == ["KL420", "KL421", "KL422", "KL423", "KL424"]
    assert sorted(f.code for f in bp(bare, rules={"KL424": "off"})) == ["KL420", "KL421", "KL422", "KL423"]


@pytest.mark.parametrize(("image", "expect"), [("redis", "names no tag"), ("redis:latest", "uses the tag `latest`"),
                                               ("localhost:5000/team/app", "names no tag"),
                                               ("localhost:5000/team/app:2", None),
                                               ("redis@sha256:" + "a" * 64, None), ("$(IMAGE)", None)])
def test_kl420_image_tags(image: str, expect: str | None) -> None:
    fs = bp(DEPLOY.replace("registry.example.com/api:1.8.0", image))
    if expect is None:
        assert fs == []
    else:
        assert where(fs) == [("KL420", 15, 18)]
        assert fs[0].message == (f"image `{image}` {expect}: every pull may get another version; pin a version tag "
                                 "(or a digest)")


def test_kl421_to_kl424_resources() -> None:
    text = DEPLOY.replace("            requests: {cpu: 100m, memory: 64Mi}\n"
                          "            limits: {memory: 64Mi, cpu: \"1\"}\n", "            limits: {cpu: \"1\"}\n")
    fs = bp(text)
    assert where(fs) == [("KL421", 16, 11), ("KL422", 16, 11)]
    assert fs[0].message == ("container `api` sets no memory request: the scheduler cannot place it by its needs "
                             "(set resources.requests.memory)")
    assert fs[0].path == "spec.template.spec.containers[0].resources.requests.memory"
    none = DEPLOY.replace("          resources:\n            requests: {cpu: 100m, memory: 64Mi}\n"
                          "            limits: {memory: 64Mi, cpu: \"1\"}\n", "")
    assert [f.code for f in bp(none)] == ["KL421", "KL422", "KL423", "KL424"]  # the whole pack
    only = {"KL421": "warning", "KL422": "warning", "KL423": "warning"}
    assert [f.code for f in bp(none, packs={}, rules=only)] == ["KL421", "KL422", "KL423"]
    assert where(bp(none))[0] == ("KL421", 14, 11)  # no resources: the container's name


def test_kl425_kl426_probes_only_on_long_running_workloads() -> None:
    text = DEPLOY.replace("          readinessProbe:\n            httpGet: {path: /ready, port: 8080}\n", "")
    fs = bp(text)
    assert where(fs) == [("KL425", 14, 11)]
    assert fs[0].message == "container `api` of this Deployment has no readinessProbe"
    job = ("apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\nspec:\n  template:\n    spec:\n"
           "      restartPolicy: Never\n      containers:\n        - name: j\n          image: busybox:1.36\n")
    assert sorted(f.code for f in bp(job)) == ["KL421", "KL422", "KL423", "KL424", "KL431", "KL432"]


def test_kl427_identical_probes() -> None:
    text = DEPLOY.replace("/healthz", "/ready")
    fs = bp(text)
    assert where(fs) == [("KL427", 21, 11)]
    assert "is the same as its readiness probe" in fs[0].message


PDB = "---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: api\nspec:\n  {}\n  selector:\n" \
      "    matchLabels: {{app: api}}\n"


@pytest.mark.parametrize(("policy", "replicas", "blocked"), [
    ("minAvailable: 1", 1, True), ("minAvailable: 1", 2, False), ("minAvailable: 2", 2, True),
    ("minAvailable: '100%'", 3, True), ("minAvailable: '50%'", 1, True), ("minAvailable: '50%'", 3, False),
    ("maxUnavailable: 0", 3, True), ("maxUnavailable: '10%'", 1, False), ("maxUnavailable: 1", 1, False)])
def test_kl428_pdb_that_never_allows_an_eviction(policy: str, replicas: int, blocked: bool) -> None:
    text = DEPLOY.replace("replicas: 1", f"replicas: {replicas}") + PDB.format(policy)
    fs = [f for f in bp(text) if f.code == "KL428"]
    assert bool(fs) == blocked
    if blocked:
        assert where(fs) == [("KL428", 32, policy.index(":") + 5)]
        assert fs[0].message.startswith(f"this PodDisruptionBudget never allows an eviction: Deployment `api` has "
                                        f"{replicas} replica")


def test_kl428_needs_the_workload_and_no_autoscaler() -> None:
    assert [f.code for f in bp(PDB.format("minAvailable: 1"))] == []
    other_ns = DEPLOY.replace("  name: api\n", "  name: api\n  namespace: x\n", 1) + PDB.format("minAvailable: 1")
    assert [f.code for f in bp(other_ns)] == []
    hpa = ("---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: api\nspec:\n"
           "  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}\n  minReplicas: 2\n"
           "  maxReplicas: 5\n")
    assert [f.code for f in bp(DEPLOY + PDB.format("minAvailable: 1") + hpa)] == []
    unset = DEPLOY.replace("  replicas: 1\n", "") + PDB.format("minAvailable: 1")
    assert [f.code for f in bp(unset)] == ["KL428"]  # replicas defaults to 1


def test_kl429_kl430_speak_only_where_pod_security_does_not() -> None:
    text = DEPLOY.replace("      containers:", "      hostNetwork: true\n      volumes:\n        - name: h\n"
                          "          hostPath: {path: /var/log}\n      containers:")
    assert [f.code for f in bp(text, pss="baseline")] == []
    fs = bp(text, pss="off")
    assert where(fs) == [("KL430", 13, 20), ("KL429", 16, 11)]
    assert fs[1].message == ("volume `h` mounts the node's directory `/var/log` (hostPath): a process in the "
                             "container can read or change the node")


def test_kl431_kl432_fixes_apply_and_silence_the_rule() -> None:
    text = DEPLOY.replace("          securityContext:\n            readOnlyRootFilesystem: true\n", "").replace(
        "      automountServiceAccountToken: false\n", "")
    fs = bp(text)
    assert where(fs) == [("KL432", 13, 7), ("KL431", 14, 11)]
    for f in fs:
        fixed = apply_edits(text, f.fixes[0].edits)
        assert f.code not in [g.code for g in bp(fixed)]
    both = apply_edits(text, [e for f in fs for e in f.fixes[0].edits])
    assert bp(both) == []


def test_kl433_kl436_opt_in() -> None:
    svc = "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  namespace: default\nspec:\n  type: NodePort\n" \
          "  ports:\n    - port: 80\n"
    assert bp(svc, packs={}) == []
    assert where(bp(svc)) == [("KL436", 5, 14), ("KL433", 7, 9)]


def test_kl434_replicas_spread() -> None:
    text = DEPLOY.replace("replicas: 1", "replicas: 3")
    assert where(bp(text)) == [("KL434", 6, 13)]
    spread = text.replace("      containers:", "      affinity:\n        podAntiAffinity:\n"
                          "          preferredDuringSchedulingIgnoredDuringExecution: []\n      containers:")
    assert bp(spread) == []


@pytest.mark.parametrize(("name", "value", "reported"), [
    ("DB_PASSWORD", "hunter2", True), ("GITHUB_TOKEN", "ghp_x", True), ("AWS_SECRET_ACCESS_KEY", "k", True),
    ("api-key", "k", True), ("PASSWORD_FILE", "/run/secrets/db", False), ("TOKEN_TTL", "60", False),
    ("SECRET_NAME", "db", False), ("DB_PASSWORD", "", False), ("USE_TOKEN", "true", False),
    ("DB_PASSWORD", "$(FROM_SECRET)", False)])
def test_kl435_secret_in_env(name: str, value: str, reported: bool) -> None:
    text = DEPLOY.replace("          resources:", f"          env:\n            - name: {name}\n"
                          f"              value: \"{value}\"\n          resources:")
    fs = bp(text, packs={})
    assert [f.code for f in fs] == (["KL435"] if reported else [])
    if reported:
        assert where(fs) == [("KL435", 18, 22)]


def test_packs_setting() -> None:
    s = Settings().merged({"packs": {"resources": True, "images": "off"}})
    assert s.packs == {"resources": True, "images": False}
    assert s.rule_on("KL421", "resources", False) and not s.rule_on("KL420", "images", False)
    assert not Settings().merged({"packs": {"resources": "on"}, "rules": {"KL421": "off"}}).rule_on(
        "KL421", "resources", False)  # a rule named in `rules` wins over its pack
    with pytest.raises(ConfigError, match=r"unknown pack `resource` in `packs` \(packs: images, pod-security, "
                                          r"reliability, resources, security\) — did you mean `resources`\?"):
        Settings().merged({"packs": {"resource": "on"}})
    with pytest.raises(ConfigError, match=r"invalid value for pack `images` in `packs`: \"maybe\" \(use on or off\)"):
        Settings().merged({"packs": {"images": "maybe"}})
    with pytest.raises(ConfigError, match=r"`packs` must be a mapping"):
        Settings().merged({"packs": ["images"]})


def test_the_language_server_reads_pod_security_and_packs_from_its_settings() -> None:
    from kube_lsp.lsp.server import KubeLanguageServer

    ls = KubeLanguageServer()
    assert ls.apply_settings({"podSecurity": "restricted", "packs": {"images": "on"}}) == []
    assert (ls.engine.settings.pod_security, dict(ls.engine.settings.packs)) == ("restricted", {"images": True})
    problems = ls.apply_settings({"podSecurity": "strict", "packs": {"image": "on"}})
    assert problems == [
        "kube-lsp settings: invalid level `strict` in kubeLsp.podSecurity (use baseline, restricted or off). It was "
        "ignored.",
        "kube-lsp settings: unknown pack `image` in kubeLsp.packs (packs: images, pod-security, reliability, "
        "resources, security) — did you mean `images`? It was ignored."]
    assert ls.engine.settings.pod_security == "baseline"


def test_rules_listing_says_which_rules_are_opt_in() -> None:
    import io

    from kube_lsp.cli import main

    out = io.StringIO()
    assert main(["rules"], stdout=out) == 0
    lines = {line.split()[0]: line.split()[2] for line in out.getvalue().splitlines()}
    assert (lines["KL420"], lines["KL424"], lines["KL401"], lines["KL435"], lines["KL499"]) == (
        "off", "off", "warning", "warning", "hint")
