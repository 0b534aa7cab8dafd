"""Custom resources checked against CRDs: the findings name the CRD, the nearest of several CRDs is used and
named, and a CRD that lacks the version says so."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from kube_lsp.engine import Engine
from kube_lsp.model import Place, Severity, Span
from kube_lsp.parsing.loader import parse_stream
from kube_lsp.schema.catalog import nearness
from kube_lsp.schema.crds import crds_in

CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
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
                size: {type: integer}
    - name: v1beta1
      served: true
      storage: false
      schema:
        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
"""
# The same CRD, in an older release where `size` was a string.
OLD_CRD = CRD.replace("size: {type: integer}", "size: {type: string}")

WIDGET = """\
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  size: 3
"""

NOTE = "the CustomResourceDefinition widgets.example.com"


def engine_with(*files: tuple[str, str]) -> Engine:
    crds = [ks for origin, text in files for ks in crds_in(parse_stream(text), origin)]
    return Engine().with_crds(crds)


def test_a_finding_about_a_custom_resource_names_its_crd() -> None:
    text = CRD + "---\n" + WIDGET.replace("  size: 3\n", "  size: 3\n  colour: red\n")

    [f] = Engine().analyse(text, origin="deploy/widget.yaml").findings

    assert (f.code, f.span.start.line + 1) == ("KL200", 33)
    assert f.message == ("unknown field `colour` in spec (spec); the API server rejects unknown fields "
                         "(CRD widgets.example.com, deploy/widget.yaml:1)")
    assert f.elsewhere == (Place("deploy/widget.yaml", Span.point(0, 0), "deploy/widget.yaml", NOTE),)


def test_the_crd_of_a_later_document_is_placed_on_its_own_line() -> None:
    text = "# widgets\n" + WIDGET.replace("size: 3", "size: big") + "---\n" + CRD

    [f] = Engine().analyse(text, origin="w.yaml").findings

    assert f.code == "KL201" and f.message.endswith("(CRD widgets.example.com, w.yaml:9)")
    assert f.elsewhere[0].span == Span.point(8, 0)


def test_one_crd_seen_twice_is_one_crd() -> None:
    # The CLI collects the CRDs of every checked file, and analysing a file adds its own again.
    text = CRD + "---\n" + WIDGET
    assert engine_with(("all.yaml", text)).analyse(text, origin="all.yaml").findings == []


def test_of_several_crds_the_nearest_is_used_and_named() -> None:
    engine = engine_with(("deploy/crds/widget.yaml", CRD), ("old/widget.yaml", OLD_CRD))

    near_new = engine.analyse(WIDGET, origin="deploy/app/w.yaml").findings
    near_old = engine.analyse(WIDGET, origin="old/w.yaml").findings

    assert [(f.code, f.severity, f.message) for f in near_new] == [(
        "KL206", Severity.INFO,
        "2 CRDs define `example.com/v1` Widget; used deploy/crds/widget.yaml:1 (nearest); also defined at "
        "old/widget.yaml:1",
    )]
    assert [(p.origin, p.note) for p in near_new[0].elsewhere] == [
        ("deploy/crds/widget.yaml", f"{NOTE} (used)"), ("old/widget.yaml", f"{NOTE} (not used)")]
    assert [(f.code, f.message) for f in near_old] == [
        ("KL206", "2 CRDs define `example.com/v1` Widget; used old/widget.yaml:1 (nearest); also defined at "
                  "deploy/crds/widget.yaml:1"),
        ("KL201", "`size` must be a string, got the number 3; quote it (CRD widgets.example.com, old/widget.yaml:1)"),
    ]


def test_equally_near_crds_say_how_the_one_used_was_chosen() -> None:
    engine = engine_with(("b/widget.yaml", OLD_CRD), ("a/widget.yaml", CRD))

    [f] = engine.analyse(WIDGET, origin="c/w.yaml").findings

    assert f.message == ("2 CRDs define `example.com/v1` Widget; used a/widget.yaml:1 (equally near: the first by "
                         "path); also defined at b/widget.yaml:1")


def test_nearness_same_file_then_same_directory_then_closest_common_ancestor() -> None:
    here = "repo/deploy/app/w.yaml"
    order = ["repo/deploy/app/w.yaml", "repo/deploy/app/crd.yaml", "repo/deploy/app/crds/crd.yaml",
             "repo/deploy/crd.yaml", "repo/deploy/x/y/crd.yaml", "repo/crd.yaml", "other/crd.yaml"]
    assert sorted(reversed(order), key=lambda o: nearness(o, here)) == order
    assert nearness("file:///repo/deploy/app/crd.yaml", "/repo/deploy/app/w.yaml") == (1, 0, 0)


def test_a_crd_without_the_version_is_named_with_the_versions_it_has() -> None:
    text = WIDGET.replace("example.com/v1", "example.com/v2")

    [f] = engine_with(("crds/widget.yaml", CRD)).analyse(text, origin="w.yaml").findings

    assert (f.code, f.severity, f.span.start.line, f.span.start.col) == ("KL204", Severity.WARNING, 0, 12)
    assert f.message == ("the CustomResourceDefinition widgets.example.com (crds/widget.yaml:1) defines Widget in "
                         "versions `v1`, `v1beta1`, not `v2`: only YAML syntax is checked")
    assert [p.origin for p in f.elsewhere] == ["crds/widget.yaml"]


def test_cli_names_the_crd_in_every_format(tmp_path: Path) -> None:
    (tmp_path / "deploy" / "crds").mkdir(parents=True)
    (tmp_path / "old").mkdir()
    (tmp_path / "deploy" / "crds" / "widget.yaml").write_text(CRD)
    (tmp_path / "old" / "widget.yaml").write_text(OLD_CRD)
    (tmp_path / "deploy" / "w.yaml").write_text(WIDGET.replace("size: 3", "size: 3\n  colour: red"))

    proc = subprocess.run([sys.executable, "-m", "kube_lsp", "check", "--format", "json", "deploy", "old"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=60)

    found = [(f["path"], f["line"], f["code"], f["message"]) for f in json.loads(proc.stdout)["findings"]]
    assert found == [
        ("deploy/w.yaml", 2, "KL206", "2 CRDs define `example.com/v1` Widget; used deploy/crds/widget.yaml:1 "
                                      "(nearest); also defined at old/widget.yaml:1"),
        ("deploy/w.yaml", 7, "KL200", "unknown field `colour` in spec (spec); the API server rejects unknown "
                                      "fields (CRD widgets.example.com, deploy/crds/widget.yaml:1)"),
    ]


def test_hover_shows_the_crd_that_validation_uses() -> None:
    from kube_lsp.assist.hover import hover

    catalog = engine_with(("deploy/crds/widget.yaml", CRD), ("old/widget.yaml", OLD_CRD)).catalog

    near_old = hover(WIDGET, 1, 1, catalog, origin="old/w.yaml")
    near_new = hover(WIDGET, 1, 1, catalog, origin="deploy/w.yaml")

    assert near_old is not None and near_new is not None
    assert near_old.markdown.endswith("Schema: CRD widgets.example.com (old/widget.yaml:1)")
    assert near_new.markdown.endswith("Schema: CRD widgets.example.com (deploy/crds/widget.yaml:1)")
