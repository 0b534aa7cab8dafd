"""The workspace index (kube_lsp/workspace) and the cross-resource rules KL500–KL531: exact positions, severities
(info when the object may live in the cluster, warning when a close name exists, never an error for a
reference), namespaces, duplicates, fixes, and `kube-lsp check dir/` seeing every file of a run together."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from kube_lsp.cli import main
from kube_lsp.config import Settings
from kube_lsp.engine import Engine
from kube_lsp.fixes import apply_edits
from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.loader import parse_stream
from kube_lsp.workspace.check import file_findings
from kube_lsp.workspace.index import FileIndex, index_file
from kube_lsp.workspace.model import Workspace

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
        tier: front
    spec:
      serviceAccountName: web-sa
      containers:
        - name: web
          image: nginx:1.27
          ports:
            - name: http
              containerPort: 8080
          env:
            - name: MODE
              valueFrom:
                configMapKeyRef:
                  name: app-config
                  key: mode
          envFrom:
            - configMapRef:
                name: app-config
            - secretRef:
                name: maybe
                optional: true
"""
CONFIG = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
data:
  mode: fast
"""
SA = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web-sa\n"
SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - port: 80
      targetPort: http
"""


def index(origin: str, text: str, partial: bool = False) -> FileIndex:
    return index_file(origin, parse_stream(text), text, partial=partial)


def workspace(files: dict[str, str], settings: Settings | None = None,
              partial: frozenset[str] = frozenset()) -> tuple[Workspace, dict[str, list[Finding]]]:
    settings = settings or Settings()
    ws = Workspace(settings.namespace)
    for origin, text in files.items():
        ws.update(index(origin, text, origin in partial))
    return ws, {o: file_findings(ws, ws.files[o], settings) for o in files}


def brief(fs: list[Finding]) -> list[tuple[str, int, int, str]]:
    return [(f.code, f.span.start.line + 1, f.span.start.col + 1, f.severity.label) for f in fs]


def test_index_holds_names_labels_selectors_ports_keys_and_references_with_spans() -> None:
    fi = index("d.yaml", DEPLOY + "---\n" + CONFIG + "---\n" + SERVICE)
    deploy, cm, svc = fi.objects
    assert (deploy.kind, deploy.name, deploy.group, deploy.name_span.start.line) == ("Deployment", "web", "apps", 3)
    assert deploy.pod_labels == (("app", "web"), ("tier", "front"))
    assert [(p.name, p.number, p.container) for p in deploy.ports] == [("http", 8080, "web")]
    assert [(r.kinds, r.name, r.span.start.line + 1, r.span.start.col + 1, r.path, r.key, r.optional)
            for r in deploy.refs] == [
        (("ConfigMap",), "app-config", 26, 25, "spec.template.spec.containers[0].env[0].valueFrom.configMapKeyRef.name",
         "mode", False),
        (("ConfigMap",), "app-config", 30, 23, "spec.template.spec.containers[0].envFrom[0].configMapRef.name",
         None, False),
        (("Secret",), "maybe", 32, 23, "spec.template.spec.containers[0].envFrom[1].secretRef.name", None, True),
        (("ServiceAccount",), "web-sa", 15, 27, "spec.template.spec.serviceAccountName", None, False),
    ]
    assert cm.data_keys == ("mode",)
    assert svc.selector is not None and [(t.key, t.values) for t in svc.selector.terms] == [("app", ("web",))]
    assert [(p.target, p.target_span.start.line + 1 if p.target_span else 0) for p in svc.ports] == [("http", 51)]


def test_namespace_from_document_then_configuration_then_kustomization() -> None:
    kust = ("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: shop\n"
            "resources:\n  - cm.yaml\n")
    ws, _ = workspace({"base/kustomization.yaml": kust, "base/cm.yaml": CONFIG, "other/cm.yaml": CONFIG,
                       "other/ns.yaml": CONFIG.replace("metadata:\n", "metadata:\n  namespace: prod\n"),
                       "other/sc.yaml": "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: fast\n"
                                        "provisioner: x\n"})
    ns = {o: ws.namespace_of(ws.files[o].objects[0]) for o in ("base/cm.yaml", "other/cm.yaml", "other/ns.yaml",
                                                                "other/sc.yaml")}
    assert ns == {"base/cm.yaml": "shop", "other/cm.yaml": None, "other/ns.yaml": "prod", "other/sc.yaml": None}
    assert ws.shown_namespace(ws.files["other/cm.yaml"].objects[0]) == "default"
    configured = Workspace("team-a")
    configured.update(index("x.yaml", CONFIG))
    assert configured.namespace_of(configured.files["x.yaml"].objects[0]) == "team-a"


def test_references_across_files_resolve_and_typos_are_warnings_naming_the_candidate() -> None:
    typo = DEPLOY.replace("name: app-config\n                  key", "name: app-confg\n                  key")
    _, found = workspace({"deploy/web.yaml": typo, "config/app.yaml": CONFIG, "deploy/sa.yaml": SA})
    fs = found["deploy/web.yaml"]
    assert brief(fs) == [("KL501", 26, 25, "warning")]
    assert fs[0].message == ("no ConfigMap `app-confg` in the workspace — did you mean `app-config` "
                             "(config/app.yaml:4)?")
    assert [(p.origin, p.span.start.line) for p in fs[0].elsewhere] == [("config/app.yaml", 3)]
    fixed = apply_edits(typo, fs[0].fixes[0].edits)
    assert fixed == DEPLOY
    _, again = workspace({"deploy/web.yaml": fixed, "config/app.yaml": CONFIG, "deploy/sa.yaml": SA})
    assert again["deploy/web.yaml"] == []


def test_a_reference_to_a_kind_the_workspace_lacks_is_information_and_optional_is_respected() -> None:
    _, found = workspace({"web.yaml": DEPLOY})
    fs = found["web.yaml"]
    assert brief(fs) == [("KL503", 15, 27, "info"), ("KL501", 26, 25, "info"), ("KL501", 30, 23, "info")]
    assert fs[0].message == ("no ServiceAccount `web-sa`: the workspace defines no ServiceAccount (it may be "
                             "created in the cluster or by another tool)")
    assert all(f.severity != Severity.ERROR for f in fs)


def test_a_name_far_from_every_candidate_is_information_not_a_warning() -> None:
    other = CONFIG.replace("app-config", "database-settings")
    _, found = workspace({"web.yaml": DEPLOY, "cm.yaml": other, "sa.yaml": SA})
    assert [(f.code, f.severity.label) for f in found["web.yaml"]] == [("KL501", "info"), ("KL501", "info")]
    assert "no ConfigMap `app-config` in the workspace (it may be created" in found["web.yaml"][0].message


def test_namespaces_must_match_when_both_are_known() -> None:
    there = CONFIG.replace("metadata:\n", "metadata:\n  namespace: prod\n")
    here = DEPLOY.replace("metadata:\n  name: web\n", "metadata:\n  name: web\n  namespace: dev\n")
    _, found = workspace({"web.yaml": here, "cm.yaml": there, "sa.yaml": SA})
    msgs = [f.message for f in found["web.yaml"] if f.code == "KL501"]
    assert msgs and msgs[0].startswith("no ConfigMap `app-config` in namespace `dev` in the workspace; there is one "
                                       "in namespace `prod` (cm.yaml:5)")


def test_data_keys_are_checked_and_fixed() -> None:
    wrong = DEPLOY.replace("key: mode", "key: mdoe")
    _, found = workspace({"web.yaml": wrong, "cm.yaml": CONFIG, "sa.yaml": SA})
    fs = found["web.yaml"]
    assert brief(fs) == [("KL511", 27, 24, "warning")]
    assert fs[0].message == "ConfigMap `app-config` (cm.yaml:4) has no key `mdoe` — did you mean `mode`?"
    assert apply_edits(wrong, fs[0].fixes[0].edits) == DEPLOY


SELECTED = DEPLOY + "---\n" + CONFIG + "---\n" + SA + "---\n"


def test_service_selector_typo_is_a_warning_on_the_value_naming_the_template() -> None:
    text = SELECTED + SERVICE.replace("app: web\n  ports", "app: wbe\n  ports")
    fs = Engine().analyse(text).findings
    line = text.splitlines().index("    app: wbe") + 1
    assert brief(fs) == [("KL500", line, 10, "warning")]
    assert fs[0].message == ("Service `web` selects no pods: its selector `app=wbe` matches no pod template in "
                             "namespace `default` — the closest is Deployment `web` (<text>:4), whose label `app` is "
                             "`web`, not `wbe`")
    assert Engine().analyse(apply_edits(text, fs[0].fixes[0].edits)).findings == []


def test_service_selector_key_typo_and_no_close_template() -> None:
    text = SELECTED + SERVICE.replace("app: web\n  ports", "apps: web\n  ports")
    fs = Engine().analyse(text).findings
    assert [(f.code, f.severity.label) for f in fs] == [("KL500", "warning")]
    assert "whose label key `app`, not `apps`" in fs[0].message
    far = SELECTED + SERVICE.replace("app: web\n  ports", "component: database\n  ports")
    fs = Engine().analyse(far).findings
    assert [(f.code, f.severity.label) for f in fs] == [("KL500", "info")]
    alone = Engine().analyse(SERVICE).findings
    assert [(f.code, f.severity.label) for f in alone] == [("KL500", "info")]
    assert "no workload of the workspace runs pods there" in alone[0].message


def test_named_target_port_must_be_a_port_of_the_selected_pods() -> None:
    text = SELECTED + SERVICE.replace("targetPort: http", "targetPort: htp")
    fs = Engine().analyse(text).findings
    assert [(f.code, f.severity.label) for f in fs] == [("KL510", "warning")]
    assert fs[0].message == ("targetPort `htp` is not a port name of the pods this Service selects (Deployment "
                             "`web`) — did you mean `http` (<text>:4)?")
    assert Engine().analyse(apply_edits(text, fs[0].fixes[0].edits)).findings == []
    assert Engine().analyse(SELECTED + SERVICE).findings == []


def test_duplicates_in_one_file_are_errors_in_one_directory_warnings_elsewhere_nothing() -> None:
    other = CONFIG.replace("fast", "slow")
    _, same_file = workspace({"a.yaml": CONFIG + "---\n" + other})
    assert brief(same_file["a.yaml"]) == [("KL520", 4, 9, "error"), ("KL520", 11, 9, "error")]
    _, same_dir = workspace({"d/a.yaml": CONFIG, "d/b.yaml": other})
    assert brief(same_dir["d/a.yaml"]) == [("KL520", 4, 9, "warning")]
    assert "also defined, differently, at d/b.yaml:4" in same_dir["d/a.yaml"][0].message
    _, copies = workspace({"d/a.yaml": CONFIG, "d/all.yaml": "# bundle\n" + CONFIG})
    assert copies["d/a.yaml"][0].message.startswith("ConfigMap `app-config` in namespace `default` is also defined, "
                                                     "identically, at d/all.yaml:5")
    _, apart = workspace({"x/a.yaml": CONFIG, "y/a.yaml": other})
    assert apart == {"x/a.yaml": [], "y/a.yaml": []}
    in_b = other.replace("metadata:\n", "metadata:\n  namespace: b\n")
    _, namespaced = workspace({"a.yaml": CONFIG + "---\n" + in_b})
    assert namespaced["a.yaml"] == []


def test_a_kustomize_patch_or_an_overlay_is_not_a_duplicate() -> None:
    kust = ("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../base\n"
            "patches:\n  - path: cm.yaml\n")
    _, found = workspace({"base/cm.yaml": CONFIG, "overlay/kustomization.yaml": kust,
                          "overlay/cm.yaml": CONFIG.replace("fast", "slow")}, partial=frozenset({"overlay/cm.yaml"}))
    assert all(fs == [] for fs in found.values())


def test_the_copy_of_a_duplicate_gets_the_name_its_file_suggests() -> None:
    svc = SERVICE.replace("name: web\n", "name: api\n")
    _, found = workspace({"d/api.yaml": svc, "d/web-service.yaml": SERVICE.replace("name: web\n", "name: api\n", 1)})
    fs = found["d/web-service.yaml"]
    assert "was it meant to be `web-service` or `web` (after its file's name, web-service.yaml)?" in fs[0].message
    assert [fx.edits[0].new_text for fx in fs[0].fixes] == ["web-service", "web"]


def test_duplicate_env_var_warns_and_guesses_from_other_containers() -> None:
    env = ("      env:\n        - name: PORT\n          value: \"80\"\n        - name: PORT\n"
           "          value: \"1\"\n")
    pod = f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec:\n  containers:\n    - name: a\n      image: x\n{env}"
    other = pod.replace("name: a\n", "name: b\n").replace("- name: PORT\n          value: \"1\"",
                                                          "- name: DISABLE_PROFILER\n          value: \"1\"")
    fs = Engine().analyse(pod).findings
    assert brief(fs) == [("KL530", 12, 17, "warning")]
    assert fs[0].message == ('spec.containers[0].env[1]: hides previous definition of "PORT", which may be dropped '
                             "when using apply (set on line 10); one of the values is lost")
    _, found = workspace({"a.yaml": pod, "b.yaml": other})
    assert found["a.yaml"][0].message.endswith(
        "one of the values is lost — was it meant to be `DISABLE_PROFILER` (set to the same value at b.yaml:12)?")


def test_port_names_shared_by_two_containers() -> None:
    pod = """\
apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
    - name: a
      image: nginx
      ports:
        - {name: http, containerPort: 80}
        - {name: dns, containerPort: 53, protocol: UDP}
    - name: b
      image: envoy
      ports:
        - {name: http, containerPort: 81}
        - {name: dns, containerPort: 53, protocol: TCP}
"""
    fs = Engine().analyse(pod).findings
    assert brief(fs) == [("KL531", 15, 18, "warning")]
    assert fs[0].message == ("port name `http` is also used by container `a` (line 10): a Service targetPort or "
                             "probe naming `http` reaches `a` only")


def test_role_refs_built_in_roles_and_suppressions() -> None:
    binding = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: b
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
  - {kind: ServiceAccount, name: default, namespace: default}
"""
    assert Engine().analyse(binding).findings == []
    unknown = binding.replace("name: view}", "name: reader}")
    assert [f.code for f in Engine().analyse(unknown).findings] == ["KL506"]
    quiet = unknown.replace("name: reader}", "name: reader}  # kube-lsp: ignore=KL506")
    assert Engine().analyse(quiet).findings == []
    off = Engine(Settings().merged({"rules": {"unknown-role": "off"}}))
    assert off.analyse(unknown).findings == []


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "config").mkdir()
    (tmp_path / "deploy").mkdir()
    (tmp_path / "config" / "app.yaml").write_text(CONFIG)
    (tmp_path / "deploy" / "web.yaml").write_text(
        DEPLOY.replace("name: app-config\n                  key", "name: app-confg\n                  key"))
    (tmp_path / "deploy" / "sa.yaml").write_text(SA)
    return tmp_path


def check_json(*args: str) -> list[dict[str, object]]:
    out = io.StringIO()
    main(["check", "--format", "json", *args], stdout=out)
    findings: list[dict[str, object]] = json.loads(out.getvalue())["findings"]
    return findings


def test_check_sees_every_file_of_a_run_and_json_names_both_ends(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree)
    fs = check_json("--no-cache", ".")
    assert [(f["path"], f["line"], f["code"]) for f in fs] == [("deploy/web.yaml", 26, "KL501")]
    assert fs[0]["related"] == [{"path": "config/app.yaml", "line": 4, "column": 9, "note": "ConfigMap app-config"}]
    assert fs[0]["target"] == {"kind": "ConfigMap", "name": "app-confg", "namespace": None}
    alone = check_json("--no-cache", "deploy/web.yaml")
    assert [(f["code"], f["severity"]) for f in alone] == [("KL503", "info"), ("KL501", "info"), ("KL501", "info")]


def test_cached_runs_recompute_cross_file_findings(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tree / ".cache"))
    first = check_json(".")
    assert [f["code"] for f in first] == ["KL501"]
    assert check_json(".") == first  # warm: read back, the same
    (tree / "config" / "app.yaml").write_text(CONFIG.replace("app-config", "app-confg"))
    # web.yaml is unchanged (read from the cache), its cross-file findings follow the ConfigMap's new name
    assert [(f["line"], f["code"]) for f in check_json(".")] == [(30, "KL501")]


def test_a_statefulset_volume_named_like_a_claim_template_and_kube_system_roles_are_not_missing() -> None:
    sts = """\
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
        - name: db
          image: postgres:17
          volumeMounts: [{name: datadir, mountPath: /data}]
      volumes:
        - name: datadir
          persistentVolumeClaim:
            claimName: datadir
  volumeClaimTemplates:
    - metadata:
        name: datadir
      spec:
        accessModes: [ReadWriteOnce]
        resources: {requests: {storage: 1Gi}}
"""
    assert [f.code for f in Engine().analyse(sts).findings] == ["KL508"]  # only the headless Service `db`
    binding = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: auth-reader
  namespace: kube-system
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: extension-apiserver-authentication-reader}
subjects:
  - {kind: ServiceAccount, name: default, namespace: kube-system}
"""
    assert Engine().analyse(binding).findings == []


def test_the_namespace_setting_is_a_dns_label() -> None:
    from kube_lsp.config import ConfigError

    assert Settings().merged({"namespace": "shop"}).namespace == "shop"
    with pytest.raises(ConfigError, match="`namespace` must be a namespace name"):
        Settings().merged({"namespace": "Shop_1"})


def test_unsafe_fix_renames_the_reference_and_the_report_sees_the_workspace(
        tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree)
    assert check_json("--no-cache", "--fix", ".") != []  # a guess: not applied without --unsafe-fixes
    assert check_json("--no-cache", "--fix", "--unsafe-fixes", ".") == []
    assert (tree / "deploy" / "web.yaml").read_text() == DEPLOY


def test_numbered_siblings_are_not_typos_and_namespaces_twice_are_warnings() -> None:
    pvc = ("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data-1\nspec:\n"
           "  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n")
    pod = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: [{name: c, image: nginx}]\n"
           "  volumes:\n    - name: d\n      persistentVolumeClaim: {claimName: data-3}\n")
    assert [(f.code, f.severity.label) for f in Engine().analyse(pvc + "---\n" + pod).findings] == [("KL504", "info")]
    ns = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n"
    labelled = ns + "  labels: {team: a}\n"
    assert [(f.code, f.severity.label) for f in Engine().analyse(ns + "---\n" + labelled).findings] == [
        ("KL520", "warning"), ("KL520", "warning")]


def test_a_short_selector_value_one_edit_from_the_template_is_a_typo() -> None:
    db = DEPLOY.replace("app: web", "app: db")
    text = db + "---\n" + SERVICE.replace("app: web\n  ports", "app: dbs\n  ports").replace("targetPort: http", "")
    fs = Engine().analyse(text).findings
    assert [(f.code, f.severity.label) for f in fs if f.code == "KL500"] == [("KL500", "warning")]


def test_named_together_is_the_same_named_objects_applied_together_found_without_comparing_all() -> None:
    """A name defined in every one of 300 directories: each definition is compared only with its directory's
    (and its Kustomization's) copies, and the answer is what comparing with every copy gives."""
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\ndata: {{k: '{n}'}}\n"
    files = {f"/r/team-{d:03d}/app-{f}.yaml": cm.format(n=d * 10 + f) for d in range(300) for f in range(2)}
    files["/r/base/kustomization.yaml"] = ("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
                                          "resources: [../team-000/app-0.yaml, ../team-001/app-0.yaml]\n")
    ws, found = workspace(files)
    calls = 0
    together = ws.applied_together

    def counted(a: object, b: object) -> bool:
        nonlocal calls
        calls += 1
        return together(a, b)  # type: ignore[arg-type]

    for fi in list(ws.files.values()):
        for o in fi.objects:
            want = [x for x in ws.named(o.kind, o.name) if ws.applied_together(o, x)]
            ws.applied_together = counted  # type: ignore[method-assign]
            assert ws.named_together(o) == want, o.origin
            ws.applied_together = together  # type: ignore[method-assign]
    # Only the two files a Kustomization lists are compared with every copy (2 × 600), the rest not at all.
    assert calls <= 2 * 600
    kl520 = {o: [f.message for f in fs if f.code == "KL520"] for o, fs in found.items()}
    assert sum(map(len, kl520.values())) == 600  # each copy: its twin in its directory
    assert "(and 1 more)" in kl520["/r/team-000/app-0.yaml"][0]  # and the Kustomization's other file
    assert "more)" not in kl520["/r/team-002/app-0.yaml"][0]


def _team(i: int, unplaced: bool = False) -> str:
    """A team's file of a monorepo: its namespace, the usual Deployment, ConfigMap and ServiceAccount, a Service
    whose selector has a typo, one whose targetPort has one, and a reference to a ConfigMap with a typo."""
    ns = "" if unplaced else f"  namespace: team-{i}\n"
    placed = (DEPLOY.replace("name: app-config\n                  key", "name: app-confg\n                  key")
              + "---\n" + CONFIG + "---\n" + SA + "---\n"
              + SERVICE.replace("app: web\n  ports", "app: wbe\n  ports") + "---\n"
              + SERVICE.replace("name: web", "name: web-port").replace("targetPort: http", "targetPort: htp"))
    return placed.replace("metadata:\n  name:", f"metadata:\n{ns}  name:")


def test_a_monorepo_of_team_namespaces_is_checked_in_linear_work_and_each_team_sees_its_own_objects(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """200 teams, each in a namespace of its own, with the same objects: every finding names the team's own
    objects, and the lookups pass a bounded number of objects per object of the workspace (a scan of every
    team's copies for each team's question would pass 200 times as many)."""
    from kube_lsp.workspace import model

    passed = 0
    reach = model._Pool.reach

    def counted(self: model._Pool, ns: str | None, order: object) -> object:
        def each() -> object:
            nonlocal passed
            for o in reach(self, ns, order):  # type: ignore[arg-type]
                passed += 1
                yield o
        return each()

    monkeypatch.setattr(model._Pool, "reach", counted)
    teams = 200
    files = {f"/r/team-{i:03d}/app.yaml": _team(i) for i in range(teams)}
    files["/r/zz-shared/app.yaml"] = _team(0, unplaced=True)  # no namespace: reachable from every team's
    ws, found = workspace(files)
    objects = sum(len(fi.objects) for fi in ws.files.values())
    assert passed <= 10 * objects, (passed, objects)
    for i in range(teams):
        fs = {f.code: f for f in found[f"/r/team-{i:03d}/app.yaml"]}
        assert set(fs) == {"KL500", "KL501", "KL510"}, (i, sorted(fs))
        here = f"/r/team-{i:03d}/app.yaml"
        assert f"in namespace `team-{i}`" in fs["KL500"].message and f"({here}:5)" in fs["KL500"].message
        assert "did you mean `app-config`" in fs["KL501"].message
        assert fs["KL501"].elsewhere[0].origin in (here, "/r/zz-shared/app.yaml")
        assert "did you mean `http`" in fs["KL510"].message
    shared = sorted(f.code for f in found["/r/zz-shared/app.yaml"])
    assert "KL500" in shared and "KL510" in shared, shared


def test_the_lookups_follow_each_update_of_a_team_file() -> None:
    """What lookups remember is forgotten when a file changes: fixing one team's selector, then moving its
    Deployment to another namespace, changes that team's findings and no other's."""
    files = {f"/r/team-{i}/app.yaml": _team(i) for i in range(3)}
    ws, _ = workspace(files)
    settings = Settings()

    def codes(origin: str) -> list[str]:
        return sorted(f.code for f in file_findings(ws, ws.files[origin], settings))

    assert codes("/r/team-1/app.yaml") == ["KL500", "KL501", "KL510"]
    fixed = _team(1).replace("app: wbe\n  ports", "app: web\n  ports")
    ws.update(index("/r/team-1/app.yaml", fixed))
    assert codes("/r/team-1/app.yaml") == ["KL501", "KL510"]
    assert codes("/r/team-2/app.yaml") == ["KL500", "KL501", "KL510"]
    moved = fixed.replace("kind: Deployment\nmetadata:\n  namespace: team-1", "kind: Deployment\nmetadata:\n"
                          "  namespace: elsewhere")
    assert moved != fixed
    ws.update(index("/r/team-1/app.yaml", moved))
    now = {f.code: f.message for f in file_findings(ws, ws.files["/r/team-1/app.yaml"], settings)}
    assert "web` selects no pods" in now["KL500"] or "matches no pod template" in now["KL500"]
    assert "KL510" not in now  # its Service selects no pods in team-1 any more
    ws.remove("/r/team-1/app.yaml")
    assert codes("/r/team-2/app.yaml") == ["KL500", "KL501", "KL510"]
    assert ws.selected(ws.files["/r/team-2/app.yaml"].objects[3].selector, "team-1") == []  # type: ignore[arg-type]
