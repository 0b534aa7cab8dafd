"""Several target versions at once (`kubeVersion: ["1.29", "1.32"]`, `--kube-version 1.29,1.32`): each document
is validated against every target, and a finding is reported once, naming the versions it holds for."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from kube_lsp.cli import main
from kube_lsp.config import ConfigError, Settings, load_config, settings_from_mapping
from kube_lsp.engine import Engine

TEXT = """\
apiVersion: flowcontrol.apiserver.k8s.io/v1beta3
kind: FlowSchema
metadata: {name: a}
spec:
  priorityLevelConfiguration: {name: exempt}
---
apiVersion: extensions/v1beta1
kind: Ingress
metadata: {name: a}
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  resources: {limits: {cpu: "1"}}
  containers: [{name: c, image: nginx, imagePullPolicy: Sometimes}]
"""


def test_settings_accept_a_list_or_a_comma_separated_string() -> None:
    s = settings_from_mapping({"kubeVersion": ["1.32", "1.29"]})
    assert (s.kube_version, s.kube_versions) == ((1, 29), ((1, 29), (1, 32)))
    assert settings_from_mapping({"kubeVersion": "1.29, 1.32"}).kube_versions == ((1, 29), (1, 32))
    single = settings_from_mapping({"kubeVersion": "1.30"})
    assert (single.kube_version, single.kube_versions) == ((1, 30), ())
    assert settings_from_mapping({"kubeVersion": ["1.30", "1.30"]}).kube_versions == ()  # one target


def test_a_bad_entry_in_the_list_is_an_error() -> None:
    with pytest.raises(ConfigError, match="kubeVersion"):
        settings_from_mapping({"kubeVersion": ["1.29", "latest"]})


def test_at_most_six_targets() -> None:
    with pytest.raises(ConfigError, match="at most 6 versions"):
        settings_from_mapping({"kubeVersion": [f"1.{m}" for m in range(25, 32)]})
    with pytest.raises(ConfigError, match="at most 6 versions"):
        settings_from_mapping({"kubeVersion": ["1.30"] * 10_000})


def test_config_file_with_several_targets(tmp_path: Path) -> None:
    path = tmp_path / ".kube-lsp.yaml"
    path.write_text('kubeVersion: ["1.29", "1.31"]\n', encoding="utf-8")
    assert load_config(path).kube_versions == ((1, 29), (1, 31))


def analyse(versions: tuple[tuple[int, int], ...]) -> list[tuple[int, str, str]]:
    engine = Engine(Settings(kube_version=versions[0], kube_versions=versions if len(versions) > 1 else ()))
    return [(f.span.start.line + 1, f.code, f.message) for f in engine.analyse(TEXT).findings]


def test_findings_are_merged_and_say_which_versions_they_hold_for() -> None:
    assert analyse(((1, 29), (1, 32))) == [
        (1, "KL300", "`flowcontrol.apiserver.k8s.io/v1beta3` FlowSchema was removed in Kubernetes 1.32 (target 1.32); "
                     "use `flowcontrol.apiserver.k8s.io/v1` (Kubernetes 1.32 only)"),
        (1, "KL301", "`flowcontrol.apiserver.k8s.io/v1beta3` FlowSchema is deprecated since Kubernetes 1.29 and will "
                     "be removed in 1.32; use `flowcontrol.apiserver.k8s.io/v1` (Kubernetes 1.29 only)"),
        (7, "KL300", "`extensions/v1beta1` Ingress was removed in Kubernetes 1.22 (target 1.29, 1.32); use "
                     "`networking.k8s.io/v1`"),
        (15, "KL200", "unknown field `resources` in PodSpec (spec); the API server rejects unknown fields "
                      "(Kubernetes 1.29 only)"),
        (16, "KL202", '`imagePullPolicy` must be one of Always, Never, IfNotPresent; got "Sometimes"'),
    ]


def test_one_version_gives_the_plain_messages() -> None:
    found = analyse(((1, 29),))
    assert [c for _, c, _ in found] == ["KL301", "KL300", "KL200", "KL202"]
    assert not any("only)" in m for *_, m in found)


def test_identical_findings_of_three_versions_are_one() -> None:
    found = analyse(((1, 29), (1, 30), (1, 31)))
    assert [m for line, c, m in found if c == "KL202"] == [
        '`imagePullPolicy` must be one of Always, Never, IfNotPresent; got "Sometimes"']
    # PodSpec.resources exists from 1.32: unknown to all three, so no "only"
    assert [m for line, c, m in found if c == "KL200"] == [
        "unknown field `resources` in PodSpec (spec); the API server rejects unknown fields"]
    # flowcontrol v1beta3 is deprecated in all three: one finding
    assert len([c for _, c, _ in found if c == "KL301"]) == 1


def test_incremental_analysis_merges_too() -> None:
    engine = Engine(Settings(kube_version=(1, 29), kube_versions=((1, 29), (1, 32))))
    cached = engine.analyse_cached(TEXT, {})
    assert [f.message for f in cached.findings] == [f.message for f in engine.analyse(TEXT).findings]


def test_cli_several_targets(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(TEXT, encoding="utf-8")
    out = io.StringIO()
    assert main(["check", "-q", "--no-cache", "--kube-version", "1.29,1.32", "--format", "json", str(path)],
                stdout=out) == 1
    data = json.loads(out.getvalue())
    assert data["summary"]["kubernetesVersion"] == "1.29, 1.32"
    assert [f["code"] for f in data["findings"]] == ["KL300", "KL301", "KL300", "KL200", "KL202"]
    assert data["findings"][3]["message"].endswith("(Kubernetes 1.29 only)")


def test_cli_fix_with_several_targets_applies_one_migration(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(TEXT, encoding="utf-8")
    main(["check", "-q", "--no-cache", "--kube-version", "1.29,1.32", "--fix", "--unsafe-fixes", str(path)],
         stdout=io.StringIO())
    text = path.read_text(encoding="utf-8")
    assert text.startswith("apiVersion: flowcontrol.apiserver.k8s.io/v1\n")
    assert "apiVersion: networking.k8s.io/v1\n" in text
