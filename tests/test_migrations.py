"""Migrations of removed apiVersions (the unsafe fixes of KL300/KL301/KL302/KL303): each leaves an object that
validates against the target version with no finding at all, keeps the values of the original (same backends,
ports, metrics, schedules), and keeps comments and the order of untouched fields.

The fixtures in tests/fixtures/migrations/ hold the objects before (`x.yaml`) and after (`x.migrated.yaml`,
reviewed by hand); the corpus files with removed apiVersions are migrated too.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import pytest

from kube_lsp.cli import main
from kube_lsp.config import Settings
from kube_lsp.engine import Engine
from kube_lsp.fixes import apply_edits, plan_fixes
from kube_lsp.parsing.loader import parse_stream
from kube_lsp.parsing.nodes import YMap, to_python
from kube_lsp.upgrade.analyse import upgrade_findings
from tests.conftest import CORPUS

FIXTURES = Path(__file__).parent / "fixtures" / "migrations"
TARGET = (1, 37)


def migrate(text: str, version: tuple[int, int] = TARGET) -> tuple[str, list[str]]:
    """`text` after `check --fix --unsafe-fixes` at `version`, and the fix titles applied."""
    engine = Engine(Settings(kube_version=version))
    plan = plan_fixes(text, engine.analyse(text).findings, unsafe=True)
    return apply_edits(text, plan.edits), [fx.title for _, fx in plan.chosen]


def findings_at(text: str, version: tuple[int, int] = TARGET) -> list[str]:
    """What the target version says of each object itself (the objects these fixtures refer to, a backend
    Service or a scale target, live elsewhere: the cross-resource rules are not the migration's business)."""
    return [f"{f.span.start.line + 1}: {f.code} {f.message}"
            for f in Engine(Settings(kube_version=version)).analyse(text, workspace=False).findings]


def objects(text: str) -> list[dict[str, Any]]:
    return [to_python(d.root) for d in parse_stream(text) if isinstance(d.root, YMap)]


@pytest.mark.parametrize("name", ["ingress", "hpa", "crd", "webhook", "workloads", "misc"])
def test_fixture_migrates_to_the_reviewed_text_and_validates(name: str) -> None:
    before = (FIXTURES / f"{name}.yaml").read_text(encoding="utf-8")
    after, titles = migrate(before)
    assert titles and all(t.startswith(("Migrate to", "Change apiVersion to")) for t in titles)
    assert after == (FIXTURES / f"{name}.migrated.yaml").read_text(encoding="utf-8")
    assert findings_at(after) == []
    assert migrate(after)[0] == after  # nothing left to migrate


def test_fixture_objects_are_removed_apis_before() -> None:
    for name in ["ingress", "hpa", "crd", "webhook", "workloads", "misc"]:
        text = (FIXTURES / f"{name}.yaml").read_text(encoding="utf-8")
        codes = [line.split()[1] for line in findings_at(text)]
        assert codes and set(codes) == {"KL300"}, name


def test_ingress_keeps_backends_ports_and_comments() -> None:
    before = (FIXTURES / "ingress.yaml").read_text(encoding="utf-8")
    after, _ = migrate(before)
    old, new = objects(before)[0], objects(after)[0]

    def backends_v1beta1(ing: dict[str, Any]) -> list[tuple[str | None, str, Any]]:
        return [(p.get("path"), p["backend"]["serviceName"], p["backend"]["servicePort"])
                for r in ing["spec"]["rules"] for p in r["http"]["paths"]]

    def backends_v1(ing: dict[str, Any]) -> list[tuple[str | None, str, Any]]:
        out = []
        for r in ing["spec"]["rules"]:
            for p in r["http"]["paths"]:
                port = p["backend"]["service"]["port"]
                out.append((p.get("path"), p["backend"]["service"]["name"], port.get("number", port.get("name"))))
                assert p["pathType"] == "ImplementationSpecific"
        return out

    assert backends_v1(new) == [(path, svc, int(port) if str(port).isdigit() else port)
                                for path, svc, port in backends_v1beta1(old)]
    assert new["spec"]["defaultBackend"] == {"service": {"name": "default-http", "port": {"number": 80}}}
    assert new["spec"]["tls"] == old["spec"]["tls"] and new["metadata"] == old["metadata"]
    assert "# Ingress of the shop" in after and "# the web front" in after and "# the controller" in after
    assert "      name: default-http   # fallback\n" in after  # a comment in a rewritten part goes along
    # the second Ingress already had a pathType: it is kept
    assert objects(after)[1]["spec"]["rules"][0]["http"]["paths"][0]["pathType"] == "Prefix"


def test_hpa_keeps_every_metric_target() -> None:
    before = (FIXTURES / "hpa.yaml").read_text(encoding="utf-8")
    after, _ = migrate(before)
    metrics = objects(after)[0]["spec"]["metrics"]
    assert [m["type"] for m in metrics] == ["Resource", "Resource", "Pods", "Object", "External"]
    assert metrics[0]["resource"] == {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}
    assert metrics[1]["resource"]["target"] == {"type": "AverageValue", "averageValue": "500Mi"}
    assert metrics[2]["pods"] == {"metric": {"name": "packets-per-second"},
                                  "target": {"type": "AverageValue", "averageValue": "1k"}}
    assert metrics[3]["object"] == {
        "describedObject": {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "name": "main-route"},
        "metric": {"name": "requests-per-second"}, "target": {"type": "Value", "value": "10k"}}
    assert metrics[4]["external"] == {
        "metric": {"name": "queue_messages_ready", "selector": {"matchLabels": {"queue": "worker_tasks"}}},
        "target": {"type": "AverageValue", "averageValue": 30}}
    assert "minReplicas: 2   # never below two" in after
    # v2beta2 already has v2's shape: only its apiVersion changes
    assert objects(after)[1]["spec"] == objects(before)[1]["spec"]


def test_crd_moves_schema_columns_and_subresources_into_each_version() -> None:
    before = (FIXTURES / "crd.yaml").read_text(encoding="utf-8")
    after, titles = migrate(before)
    old, new = objects(before), objects(after)
    [v1] = new[0]["spec"]["versions"]
    schema = dict(old[0]["spec"]["validation"]["openAPIV3Schema"], **{"x-kubernetes-preserve-unknown-fields": True})
    assert v1 == {"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": schema},
                  "subresources": {"status": {}},
                  "additionalPrinterColumns": [{"name": "Spec", "type": "string", "jsonPath": ".spec.cronSpec",
                                                "description": old[0]["spec"]["additionalPrinterColumns"][0][
                                                    "description"]}]}
    assert "review: v1 prunes unknown fields" in titles[0]
    assert "# the schedule" in after
    assert [v["schema"]["openAPIV3Schema"] for v in new[1]["spec"]["versions"]] == \
        [old[1]["spec"]["validation"]["openAPIV3Schema"]] * 2  # preserveUnknownFields: false: nothing to keep
    assert new[1]["spec"]["conversion"] == {"strategy": "Webhook", "webhook": {
        "clientConfig": old[1]["spec"]["conversion"]["webhookClientConfig"], "conversionReviewVersions": ["v1beta1"]}}
    assert new[2]["spec"]["versions"][0]["schema"]["openAPIV3Schema"] == {
        "type": "object", "x-kubernetes-preserve-unknown-fields": True}


def test_webhooks_get_the_required_fields_and_the_old_defaults() -> None:
    before = (FIXTURES / "webhook.yaml").read_text(encoding="utf-8")
    after, titles = migrate(before)
    validating, mutating = (o["webhooks"][0] for o in objects(after))
    assert validating["admissionReviewVersions"] == ["v1beta1"] and validating["sideEffects"] == "None"
    assert validating["failurePolicy"] == "Fail"  # set: kept
    assert (validating["matchPolicy"], validating["timeoutSeconds"]) == ("Exact", 30)
    assert mutating["sideEffects"] == "None" and mutating["failurePolicy"] == "Ignore"
    assert mutating["admissionReviewVersions"] == ["v1", "v1beta1"]
    assert "sideEffects: Unknown` is not allowed in v1" in titles[1]
    assert "- name: policy.example.com   # the policy server" in after


def test_workloads_get_a_selector_from_the_template_labels() -> None:
    before = (FIXTURES / "workloads.yaml").read_text(encoding="utf-8")
    after, titles = migrate(before)
    deployment, statefulset, replicaset = objects(after)
    assert deployment["spec"]["selector"] == {"matchLabels": deployment["spec"]["template"]["metadata"]["labels"]}
    assert "rollbackTo" not in deployment["spec"] and "rollbackTo" in titles[0]
    assert statefulset["spec"]["selector"] == {"matchLabels": {"app": "db"}}
    assert statefulset["spec"]["updateStrategy"] == {"type": "OnDelete"}  # apps/v1beta1's default, kept
    assert replicaset == dict(objects(before)[2], apiVersion="apps/v1")
    assert "tier: front   # the tier" in after


def test_same_shape_migrations_change_only_what_they_must() -> None:
    before = (FIXTURES / "misc.yaml").read_text(encoding="utf-8")
    after, titles = migrate(before)
    old, new = objects(before), objects(after)
    kinds = [o["kind"] for o in new]
    assert kinds == ["CronJob", "PodDisruptionBudget", "RoleBinding", "ClusterRole", "PriorityClass", "CSIDriver",
                     "PriorityLevelConfiguration", "FlowSchema", "EndpointSlice", "Event"]
    unchanged = {"CronJob", "ClusterRole", "PriorityClass", "CSIDriver", "FlowSchema", "Event",
                 "PodDisruptionBudget"}
    for o, n in zip(old, new, strict=True):
        if n["kind"] in unchanged:
            assert {**o, "apiVersion": n["apiVersion"]} == n, n["kind"]
    assert new[0]["spec"]["schedule"] == "0 3 * * *"
    assert "empty selector selects no pod in policy/v1beta1" in titles[1]
    assert new[2]["subjects"] == [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "jane"},
                                  {"kind": "ServiceAccount", "apiGroup": "", "name": "bot", "namespace": "default"}]
    assert new[6]["spec"]["limited"]["nominalConcurrencyShares"] == 20
    assert new[8]["endpoints"][0] == {"addresses": ["10.1.2.3"], "conditions": {"ready": True}, "nodeName": "node-1",
                                      "zone": "us-west2-a", "deprecatedTopology": {"example.com/rack": "r1"}}


def test_upgrade_findings_carry_the_same_migration() -> None:
    text = (FIXTURES / "ingress.yaml").read_text(encoding="utf-8")
    docs = parse_stream(text)
    [finding] = upgrade_findings(docs[0], (1, 25), (1, 37))
    assert finding.code == "KL302" and finding.fixes[0].title == "Migrate to `networking.k8s.io/v1`"
    assert not finding.fixes[0].safe
    check_fix = Engine(Settings(kube_version=TARGET)).analyse(text).findings[0].fixes[0]
    assert finding.fixes[0].edits == check_fix.edits


def test_deprecated_but_served_api_is_migrated_too() -> None:
    text = "apiVersion: flowcontrol.apiserver.k8s.io/v1beta3\nkind: FlowSchema\nmetadata: {name: a}\n" \
           "spec:\n  priorityLevelConfiguration: {name: exempt}\n"
    after, titles = migrate(text, (1, 29))
    assert titles == ["Change apiVersion to `flowcontrol.apiserver.k8s.io/v1`"]
    assert findings_at(after, (1, 29)) == []


def _corpus_with_replacements() -> list[Path]:
    out = []
    for path in sorted(CORPUS.rglob("*.yaml")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if any(f.code == "KL300" and f.fixes for f in Engine(Settings(kube_version=TARGET)).analyse(text).findings):
            out.append(path)
    return out


def test_corpus_files_with_removed_apis_migrate_to_valid_objects(tmp_path: Path) -> None:
    files = _corpus_with_replacements()
    assert len(files) >= 9  # DaemonSets (extensions/v1beta1), StorageClasses, a PodDisruptionBudget
    for path in files:
        copy = tmp_path / path.name
        shutil.copy(path, copy)
        before = copy.read_text(encoding="utf-8")
        main(["check", "-q", "--no-cache", "--kube-version", "1.37", "--fix", "--unsafe-fixes", str(copy)],
             stdout=io.StringIO())
        after = copy.read_text(encoding="utf-8")
        assert after != before, path
        left = [f for f in findings_at(after) if f.split()[1] in ("KL300", "KL200", "KL201", "KL202", "KL203")]
        assert left == [], path
        for o, n in zip(objects(before), objects(after), strict=True):  # nothing else changed meaning
            if n["kind"] in ("DaemonSet", "Deployment", "StatefulSet"):
                labels = n["spec"]["template"]["metadata"]["labels"]
                assert n["spec"]["selector"] == o["spec"].get("selector", {"matchLabels": labels})
                assert n["spec"]["template"] == o["spec"]["template"]
            else:
                assert {**o, "apiVersion": n["apiVersion"]} == n


def test_runtime_class_v1alpha1_moves_its_spec_to_the_top_level() -> None:
    text = ("apiVersion: node.k8s.io/v1alpha1\nkind: RuntimeClass\nmetadata:\n  name: gvisor\nspec:\n"
            "  runtimeHandler: runsc\n  overhead:\n    podFixed: {cpu: 250m}\n")
    after, titles = migrate(text)
    assert after == ("apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata:\n  name: gvisor\n"
                     "handler: runsc\noverhead:\n  podFixed: {cpu: 250m}\n")
    assert titles == ["Migrate to `node.k8s.io/v1`"] and findings_at(after) == []


@pytest.mark.parametrize(("before", "expected"), [
    # a flow-style backend on a path item that starts with `backend`
    ("apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: a}\nspec:\n  rules:\n  - http:\n"
     "      paths:\n      - backend: {serviceName: a, servicePort: 80}\n",
     "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a}\nspec:\n  rules:\n  - http:\n"
     "      paths:\n      - backend: {service: {name: a, port: {number: 80}}}\n"
     "        pathType: ImplementationSpecific\n"),
    # a metric source written in flow style, in a List item
    ("apiVersion: v1\nkind: List\nitems:\n- apiVersion: autoscaling/v2beta1\n  kind: HorizontalPodAutoscaler\n"
     "  metadata: {name: h}\n  spec:\n    scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: d}\n"
     "    maxReplicas: 4\n    metrics:\n    - type: Resource\n"
     "      resource: {name: cpu, targetAverageUtilization: 60}\n",
     "apiVersion: v1\nkind: List\nitems:\n- apiVersion: autoscaling/v2\n  kind: HorizontalPodAutoscaler\n"
     "  metadata: {name: h}\n  spec:\n    scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: d}\n"
     "    maxReplicas: 4\n    metrics:\n    - type: Resource\n"
     "      resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}\n"),
    # a quoted apiVersion keeps its quotes; a flow-style template label map is copied as it is
    ('apiVersion: "apps/v1beta2"\nkind: Deployment\nmetadata: {name: d}\nspec:\n  selector: {matchLabels: {a: b}}\n'
     "  template:\n    metadata: {labels: {a: b}}\n    spec: {containers: [{name: c, image: nginx}]}\n",
     'apiVersion: "apps/v1"\nkind: Deployment\nmetadata: {name: d}\nspec:\n  selector: {matchLabels: {a: b}}\n'
     "  template:\n    metadata: {labels: {a: b}}\n    spec: {containers: [{name: c, image: nginx}]}\n"),
])
def test_shapes_seen_in_the_wild(before: str, expected: str) -> None:
    after, _ = migrate(before)
    assert after == expected
    assert findings_at(after) == []


def test_crd_per_version_schema_gets_the_root_type_v1_requires() -> None:
    text = ("apiVersion: apiextensions.k8s.io/v1beta1\nkind: CustomResourceDefinition\nmetadata:\n"
            "  name: foos.example.com\nspec:\n  group: example.com\n  names: {kind: Foo, plural: foos}\n"
            "  scope: Namespaced\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n"
            "      openAPIV3Schema:\n        properties:\n          spec: {type: object}\n")
    after, titles = migrate(text)
    [crd] = objects(after)
    assert crd["spec"]["versions"][0]["schema"] == {"openAPIV3Schema": {
        "type": "object", "properties": {"spec": {"type": "object"}}, "x-kubernetes-preserve-unknown-fields": True}}
    assert "review: v1 prunes unknown fields" in titles[0]
    assert findings_at(after) == []


def test_comments_inside_a_rewritten_part_go_with_their_keys_and_values() -> None:
    text = """\
apiVersion: apiextensions.k8s.io/v1beta1
kind: CustomResourceDefinition
metadata:
  name: bars.example.com
spec:
  group: example.com   # our group
  # the names
  names:
    kind: Bar
    plural: bars
  scope: Namespaced  # namespaced
  version: v1
  validation:
    openAPIV3Schema:
      # the root
      type: object
      properties:
        size: {type: integer}   # in cm
  # the end
"""
    after, _ = migrate(text)
    assert after == """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: bars.example.com
spec:
  group: example.com   # our group
  # the names
  names:
    kind: Bar
    plural: bars
  scope: Namespaced  # namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          # the root
          type: object
          properties:
            size: {type: integer}   # in cm
          x-kubernetes-preserve-unknown-fields: true
  # the end
"""
    assert findings_at(after) == []


def _restyled(text: str, mapping: int, sequence: int, offset: int) -> str:
    """The same documents written by ruamel.yaml's round-trip dumper with other indentation (comments kept)."""
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    out = io.StringIO()
    yaml.dump_all(list(yaml.load_all(text)), out)
    return out.getvalue()


@pytest.mark.parametrize("style", [(2, 2, 0), (2, 4, 2), (4, 4, 2), (4, 6, 4), (3, 3, 1)],
                         ids=lambda s: "map{}-seq{}-off{}".format(*s))
@pytest.mark.parametrize("name", ["ingress", "hpa", "crd", "webhook", "workloads", "misc"])
def test_migrations_hold_for_any_indentation(name: str, style: tuple[int, int, int]) -> None:
    """The fixtures re-indented: every migration still gives an object that validates, with the same values
    as the reviewed migration of the original."""
    before = _restyled((FIXTURES / f"{name}.yaml").read_text(encoding="utf-8"), *style)
    after, titles = migrate(before)
    assert titles
    assert findings_at(after) == [], after
    assert objects(after) == objects((FIXTURES / f"{name}.migrated.yaml").read_text(encoding="utf-8"))


def test_migrations_keep_crlf_line_breaks() -> None:
    before = (FIXTURES / "ingress.yaml").read_text(encoding="utf-8").replace("\n", "\r\n")
    after, _ = migrate(before)
    assert "\n" not in after.replace("\r\n", "")
    assert after == (FIXTURES / "ingress.migrated.yaml").read_text(encoding="utf-8").replace("\n", "\r\n")
