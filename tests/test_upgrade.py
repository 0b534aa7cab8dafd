"""`kube-lsp upgrade`: what an upgrade between two Kubernetes versions removes, deprecates or adds, at the line,
in every output format."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from kube_lsp.cli import main
from kube_lsp.parsing.loader import parse_stream
from kube_lsp.upgrade.analyse import crd_versions, upgrade_findings
from kube_lsp.upgrade.fields import deprecation_note, is_deprecated
from kube_lsp.upgrade.timeline import timeline
from tests.conftest import CORPUS

MANIFESTS = """\
apiVersion: flowcontrol.apiserver.k8s.io/v1beta3
kind: FlowSchema
metadata:
  name: health
spec:
  priorityLevelConfiguration:
    name: exempt
---
apiVersion: v1
kind: Endpoints
metadata:
  name: legacy
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      serviceAccount: web
      resources:
        limits: {cpu: "1"}
      containers:
        - name: web
          image: nginx:1.27
      volumes:
        - name: repo
          gitRepo:
            repository: https://example.com/repo.git
---
apiVersion: resource.k8s.io/v1
kind: DeviceClass
metadata:
  name: gpu
"""


def upgrade(text: str, old: tuple[int, int], new: tuple[int, int]) -> list[tuple[str, int, int, str]]:
    docs = parse_stream(text)
    crds = crd_versions(docs)
    return [(f.code, f.span.start.line + 1, f.span.start.col + 1, f.message)
            for d in docs for f in upgrade_findings(d, old, new, crds)]


def codes_at(found: list[tuple[str, int, int, str]]) -> list[tuple[str, int, int]]:
    return [(c, line, col) for c, line, col, _ in found]


def test_each_kind_of_change_at_its_line() -> None:
    found = upgrade(MANIFESTS, (1, 29), (1, 37))
    assert codes_at(found) == [
        ("KL302", 1, 13),   # FlowSchema v1beta3 removed in 1.32
        ("KL303", 9, 13),   # Endpoints deprecated in 1.33
        ("KL305", 25, 7),   # serviceAccount: a deprecated alias
        ("KL307", 26, 7),   # PodSpec.resources: not in 1.29
        ("KL305", 33, 11),  # gitRepo volumes deprecated
        ("KL306", 36, 13),  # resource.k8s.io/v1 is not served by 1.29
    ]
    messages = [m for *_, m in found]
    assert messages[0] == ("`flowcontrol.apiserver.k8s.io/v1beta3` FlowSchema is removed in Kubernetes 1.32 "
                           "(upgrade 1.29 → 1.37); use `flowcontrol.apiserver.k8s.io/v1`")
    assert "use `discovery.k8s.io/v1 EndpointSlice`" in messages[1]
    assert "Use serviceAccountName instead" in messages[2]
    assert messages[3].startswith("`resources` in PodSpec exists from Kubernetes 1.32, not in 1.29")
    assert "so documented from Kubernetes 1.32" in messages[4]
    assert "served from 1.34" in messages[5]


def test_a_release_past_the_target_is_not_reported() -> None:
    found = upgrade(MANIFESTS, (1, 29), (1, 31))
    assert [c for c, *_ in found] == ["KL303", "KL305"]  # resources, gitRepo's deprecation, v1 DRA: from 1.32
    assert "deprecated since Kubernetes 1.29 and will be removed in 1.32" in found[0][3]


def test_nothing_changes_between_equal_versions_but_deprecations() -> None:
    found = upgrade(MANIFESTS, (1, 37), (1, 37))
    assert [c for c, *_ in found] == ["KL302", "KL303"]  # FlowSchema v1beta3 is gone at both ends


def test_removed_before_the_older_end_is_still_reported() -> None:
    text = "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: a}\n"
    [(code, line, col, message)] = upgrade(text, (1, 25), (1, 37))
    assert (code, line, col) == ("KL302", 1, 13)
    assert "removed in Kubernetes 1.22 (not served by 1.25, the version upgraded from, either)" in message


def test_a_removed_field_names_its_release() -> None:
    text = """\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  workloadRef: {name: w}
  containers: [{name: c, image: nginx}]
"""
    found = upgrade(text, (1, 35), (1, 37))
    assert codes_at(found) == [("KL304", 5, 3)]
    assert "removed in Kubernetes 1.36" in found[0][3]


def test_an_in_tree_volume_plugin_no_longer_supported_is_an_error() -> None:
    text = """\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers: [{name: c, image: nginx}]
  volumes:
    - name: data
      glusterfs: {endpoints: gluster, path: vol}
    - name: disk
      awsElasticBlockStore: {volumeID: vol-1}
"""
    docs = parse_stream(text)
    found = [(f.code, f.severity.label, f.span.start.line + 1, f.message) for f in upgrade_findings(docs[0], (1, 30),
                                                                                                   (1, 37))]
    assert [f[:3] for f in found] == [("KL305", "error", 8), ("KL305", "warning", 10)]
    assert found[0][3] == ("`glusterfs` in Volume is deprecated (so documented from Kubernetes 1.32): Deprecated: "
                           "Glusterfs is deprecated and the in-tree glusterfs type is no longer supported.")
    assert "redirected to the ebs.csi.aws.com CSI driver" in found[1][3]


def test_crd_versions_marked_deprecated_or_unserved() -> None:
    text = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Widget, plural: widgets}
  versions:
    - {name: v1, served: true, storage: true}
    - {name: v1beta1, served: true, storage: false, deprecated: true, deprecationWarning: "use v1"}
    - {name: v1alpha1, served: false, storage: false}
---
apiVersion: example.com/v1beta1
kind: Widget
metadata: {name: a}
---
apiVersion: example.com/v1alpha1
kind: Widget
metadata: {name: b}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: c}
"""
    found = upgrade(text, (1, 30), (1, 37))
    assert codes_at(found) == [("KL308", 13, 13), ("KL308", 17, 13)]
    assert found[0][3] == "the CustomResourceDefinition widgets.example.com deprecates `example.com/v1beta1`: use v1"
    assert "no longer serves `example.com/v1alpha1`" in found[1][3]


def test_items_of_a_list_are_checked() -> None:
    text = ("apiVersion: v1\nkind: List\nitems:\n  - apiVersion: batch/v1beta1\n    kind: CronJob\n"
            "    metadata: {name: a}\n")
    assert codes_at(upgrade(text, (1, 25), (1, 37))) == [("KL302", 4, 17)]


def test_timeline_combines_table_and_schemas() -> None:
    tl = timeline("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema")
    assert tl is not None
    assert (tl.introduced, tl.deprecated, tl.removed) == ((1, 26), (1, 29), (1, 32))
    assert tl.describe() == "introduced in 1.26 · deprecated in 1.29 · removed in 1.32"
    alpha = timeline("resource.k8s.io/v1alpha3", "DeviceClass")  # removal read from the schemas
    assert alpha is not None and alpha.removed == (1, 34)
    assert timeline("example.com/v1", "Widget") is None


@pytest.mark.parametrize(("description", "deprecated"), [
    ("DeprecatedServiceAccount is a deprecated alias for ServiceAccountName. Deprecated: Use serviceAccountName "
     "instead.", True),
    ("gitRepo represents a git repository. Deprecated: GitRepo is deprecated.", True),
    ("Valid options are Retain, Delete, and Recycle (deprecated).", False),
    ('The "kubernetes.io/enforce-mountable-secrets" annotation is deprecated since v1.32.', False),
    ("This field is deprecated in favor of setting `x-preserve-unknown-fields` to true.", True),
])
def test_field_deprecation_is_read_from_the_description(description: str, deprecated: bool) -> None:
    assert is_deprecated(description) is deprecated


def test_deprecation_note_keeps_what_to_use_instead() -> None:
    note = deprecation_note("DeprecatedServiceAccount is a deprecated alias for ServiceAccountName. "
                            "Deprecated: Use serviceAccountName instead.")
    assert note == ("DeprecatedServiceAccount is a deprecated alias for ServiceAccountName. Deprecated: Use "
                    "serviceAccountName instead.")


# ------------------------------------------------------------------------------------------------ CLI

@pytest.fixture
def manifests(tmp_path: Path) -> Path:
    path = tmp_path / "app.yaml"
    path.write_text(MANIFESTS, encoding="utf-8")
    return path


def cli(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["upgrade", "-q", *args], stdout=out)
    return code, out.getvalue()


def test_cli_concise_text_and_exit_code(manifests: Path) -> None:
    code, out = cli("--from", "1.29", "--to", "1.37", "--format", "concise", str(manifests))
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == (f"{manifests}:1:13: error KL302 `flowcontrol.apiserver.k8s.io/v1beta3` FlowSchema is "
                        "removed in Kubernetes 1.32 (upgrade 1.29 → 1.37); use `flowcontrol.apiserver.k8s.io/v1`")
    assert [line.split()[2] for line in lines] == ["KL302", "KL303", "KL305", "KL307", "KL305", "KL306"]


def test_cli_full_text_shows_the_source_line(manifests: Path) -> None:
    code, out = cli("--from", "1.29", "--to", "1.37", "--format", "full", "--color", "never", str(manifests))
    assert code == 1
    assert "KL302" in out and "apiVersion: flowcontrol.apiserver.k8s.io/v1beta3" in out
    assert "Migrate to" in out or "Change apiVersion to" in out


def test_cli_stdin(capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    code = main(["upgrade", "-q", "--from", "1.25", "--format", "concise", "--stdin-filename", "in.yaml", "-"],
                stdin=io.StringIO("apiVersion: batch/v1beta1\nkind: CronJob\nmetadata: {name: a}\n"), stdout=out)
    assert code == 1 and out.getvalue().startswith("in.yaml:1:13: error KL302 `batch/v1beta1` CronJob is removed")


def test_cli_exit_code_zero_without_errors(manifests: Path) -> None:
    code, out = cli("--from", "1.29", "--to", "1.31", "--format", "concise", str(manifests))
    assert code == 0 and "KL303" in out


def test_cli_json(manifests: Path) -> None:
    code, out = cli("--from", "1.29", "--to", "1.37", "--format", "json", str(manifests))
    data = json.loads(out)
    assert code == 1
    first = data["findings"][0]
    assert (first["code"], first["rule"], first["line"], first["column"]) == (
        "KL302", "upgrade-removed-api-version", 1, 13)
    assert first["fixes"][0]["safe"] is False
    assert first["fixes"][0]["edits"][0]["newText"] == "flowcontrol.apiserver.k8s.io/v1"
    assert data["summary"]["errors"] == 1 and data["summary"]["kubernetesVersion"] == "1.37"
    assert [f["release"] for f in data["findings"]] == ["1.32", "1.33", "", "1.32", "1.32", "1.34"]


def test_cli_sarif(manifests: Path) -> None:
    _, out = cli("--from", "1.29", "--to", "1.37", "--format", "sarif", str(manifests))
    run = json.loads(out)["runs"][0]
    ids = [r["ruleId"] for r in run["results"]]
    assert ids == ["KL302", "KL303", "KL305", "KL307", "KL305", "KL306"]
    rules = {r["id"] for r in run["tool"]["driver"]["rules"]}
    assert {"KL302", "KL303", "KL304", "KL305", "KL306", "KL307", "KL308"} <= rules
    assert run["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 1


def test_cli_github_annotations(manifests: Path) -> None:
    _, out = cli("--from", "1.29", "--to", "1.37", "--format", "github", str(manifests))
    first = out.splitlines()[0]
    assert first.startswith(f"::error file={manifests},line=1,col=13,endLine=1,endColumn=49,title=KL302::")


def test_cli_markdown_grouped_by_release(manifests: Path) -> None:
    code, out = cli("--from", "1.29", "--to", "1.37", "--format", "markdown", str(manifests))
    assert code == 1
    assert out.startswith("## Kubernetes upgrade 1.29 → 1.37\n\n6 findings (1 that break the upgrade) in 1 of 1 files.")
    assert "| Release | Breaks (errors) | Warnings |\n| --- | --- | --- |\n| before 1.25 | 0 | 1 |\n" \
           "| 1.32 | 1 | 2 |\n| 1.33 | 0 | 1 |\n| 1.34 | 0 | 1 |\n" in out
    headings = [line for line in out.splitlines() if line.startswith("### ")]
    assert headings == ["### Before Kubernetes 1.25 / no release recorded", "### Kubernetes 1.32",
                        "### Kubernetes 1.33", "### Kubernetes 1.34"]
    section = out.split("### Kubernetes 1.32\n", 1)[1].split("###", 1)[0]
    assert f"`{manifests}:1`" in section and "KL302 upgrade-removed-api-version" in section
    assert "Change apiVersion to `flowcontrol.apiserver.k8s.io/v1`" in section
    assert f"`{manifests}:26`" in section and f"`{manifests}:33`" in section


def test_cli_markdown_with_nothing_to_report(tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n", encoding="utf-8")
    code, out = cli("--from", "1.29", "--to", "1.37", "--format", "markdown", str(tmp_path))
    assert code == 0 and "No removed or deprecated API" in out


def test_cli_from_defaults_to_the_oldest_configured_target(manifests: Path) -> None:
    (manifests.parent / ".kube-lsp.yaml").write_text('kubeVersion: ["1.31", "1.29"]\n', encoding="utf-8")
    _, out = cli("--config", str(manifests.parent / ".kube-lsp.yaml"), "--to", "1.34", "--format", "json",
                 str(manifests))
    assert "not in 1.29" in out and "not served by Kubernetes 1.29" in out


def test_cli_from_defaults_to_the_configured_single_target(manifests: Path) -> None:
    (manifests.parent / ".kube-lsp.yaml").write_text('kubeVersion: "1.30"\n', encoding="utf-8")
    _, out = cli("--config", str(manifests.parent / ".kube-lsp.yaml"), "--format", "concise", str(manifests))
    assert "not served by Kubernetes 1.30" in out and "not in 1.30" in out


@pytest.mark.parametrize(("args", "message"), [
    (("--from", "1.37", "--to", "1.29"), "--from 1.37 is newer than --to 1.29"),
    (("--from", "1.12"), "--from 1.12: no bundled schemas"),
])
def test_cli_version_errors(args: tuple[str, ...], message: str, capsys: pytest.CaptureFixture[str],
                            manifests: Path) -> None:
    assert main(["upgrade", *args, str(manifests)], stdout=io.StringIO()) == 2
    assert message in capsys.readouterr().err


def test_corpus_counts() -> None:
    """The real manifests of the corpus: every removed or deprecated apiVersion they use, and nothing else at
    the apiVersion (the files that mention old versions only in comments are not reported)."""
    code, out = cli("--from", "1.25", "--to", "1.37", "--format", "json", str(CORPUS))
    found = json.loads(out)["findings"]
    by_code: dict[str, int] = {}
    for f in found:
        by_code[f["code"]] = by_code.get(f["code"], 0) + 1
    assert code == 1
    assert by_code.get("KL302") == 12 and by_code.get("KL303") == 2
    assert not any("guestbook" in f["path"] for f in found if f["code"] in ("KL302", "KL303"))


def test_replacement_not_served_before_the_upgrade_says_from_when() -> None:
    text = ("apiVersion: flowcontrol.apiserver.k8s.io/v1beta2\nkind: FlowSchema\nmetadata: {name: a}\n"
            "spec:\n  priorityLevelConfiguration: {name: exempt}\n")
    [(_, _, _, message)] = upgrade(text, (1, 27), (1, 37))
    assert message.endswith("; use `flowcontrol.apiserver.k8s.io/v1`, served from Kubernetes 1.29")
    [(_, _, _, message)] = upgrade(text, (1, 29), (1, 37))
    assert message.endswith("; use `flowcontrol.apiserver.k8s.io/v1`")


def test_cli_diff_and_fix_apply_the_migrations(tmp_path: Path) -> None:
    path = tmp_path / "cron.yaml"
    original = "apiVersion: batch/v1beta1  # old\nkind: CronJob\nmetadata: {name: a}\nspec:\n  schedule: '@daily'\n" \
               "  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n" \
               "          containers: [{name: c, image: busybox}]\n"
    path.write_text(original, encoding="utf-8")
    code, out = cli("--from", "1.25", "--diff", str(path))
    assert code == 1 and "-apiVersion: batch/v1beta1  # old\n+apiVersion: batch/v1  # old\n" in out
    assert path.read_text(encoding="utf-8") == original
    code, out = cli("--from", "1.25", "--fix", "--format", "concise", str(path))
    assert code == 0 and out == ""
    assert path.read_text(encoding="utf-8") == original.replace("batch/v1beta1", "batch/v1")


def test_the_deprecation_table_agrees_with_the_bundled_schemas() -> None:
    """A removal the table states for a bundled release is the release after the schemas last serve it, and
    nothing is deprecated before the schemas first serve it."""
    from kube_lsp.schema.catalog import bundled_versions, served_in_any_version
    from kube_lsp.schema.overlays import api_changes

    versions = bundled_versions()
    for key, change in api_changes().items():
        served = served_in_any_version().get(key)
        if not served:
            assert change.removed is None or change.removed <= versions[0], key  # gone before the bundled ones
            continue
        after = [v for v in versions if v > served[-1]]
        if change.removed is not None:
            assert after and change.removed == after[0], key
        if change.deprecated is not None and served[0] != versions[0]:
            assert change.deprecated >= served[0], key


def test_service_account_alias_is_renamed_by_its_fix(tmp_path: Path) -> None:
    path = tmp_path / "pod.yaml"
    path.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  serviceAccount: bot  # robot\n"
                    "  containers: [{name: c, image: nginx}]\n", encoding="utf-8")
    code, out = cli("--from", "1.30", "--format", "json", str(path))
    [finding] = json.loads(out)["findings"]
    assert finding["code"] == "KL305" and finding["fixes"][0]["title"] == "Rename to `serviceAccountName`"
    cli("--from", "1.30", "--fix", str(path))
    assert "  serviceAccountName: bot  # robot\n" in path.read_text(encoding="utf-8")
    assert cli("--from", "1.30", "--format", "json", str(path))[1].count('"code"') == 0


def test_code_lenses_only_on_removed_or_deprecated_api_versions() -> None:
    from kube_lsp.parsing.text import split_lines
    from kube_lsp.schema.catalog import bundled_catalog
    from kube_lsp.upgrade.lens import api_lenses

    text = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\n---\n"
            "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n---\n"
            "apiVersion: flowcontrol.apiserver.k8s.io/v1beta3\nkind: FlowSchema\nmetadata: {name: f}\n---\n"
            "apiVersion: v1\nkind: Endpoints\nmetadata: {name: e}\n")
    lenses = [(lens.span.start.line, lens.title, lens.fix is not None)
              for d in parse_stream(text) if d.root is not None
              for lens in api_lenses(d.root, split_lines(d.chunk.text), d.start_line,  # type: ignore[arg-type]
                                     bundled_catalog((1, 30)))]
    assert lenses == [
        (8, "removed in Kubernetes 1.32 · migrate to flowcontrol.apiserver.k8s.io/v1", True),
        (12, "deprecated since Kubernetes 1.33 · use discovery.k8s.io/v1 EndpointSlice", False),
    ]


def test_a_kind_without_successor_says_what_to_use_instead() -> None:
    [(_, _, _, message)] = upgrade("apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: a}\n",
                                   (1, 25), (1, 37))
    assert message.endswith("it has no replacement: use Pod Security Admission (namespace labels such as "
                            "`pod-security.kubernetes.io/enforce: baseline`) or a policy engine")
