"""`locate` turns API-server field paths into exact positions."""

from __future__ import annotations

from kube_lsp.model import Span
from kube_lsp.parsing.loader import parse_stream
from kube_lsp.parsing.nodes import YMap
from kube_lsp.parsing.positions import locate, parse_path

TEXT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app.kubernetes.io/name: web
spec:
  template:
    spec:
      containers:
        - name: sidecar
          image: envoy
        - name: web
          image: nginx
"""


def root() -> YMap:
    r = parse_stream(TEXT)[0].root
    assert isinstance(r, YMap)
    return r


def test_parse_path_shapes() -> None:
    assert parse_path("spec.containers[0].image") == ["spec", "containers", 0, "image"]
    assert parse_path('.spec.containers[name="web"].image') == ["spec", "containers", ("name", "web"), "image"]
    assert parse_path("metadata.labels[app.kubernetes.io/name]") == ["metadata", "labels", "app.kubernetes.io/name"]


def test_locate_index_selector_and_dotted_keys() -> None:
    r = root()
    hit = locate(r, "spec.template.spec.containers[1].image")
    assert hit is not None and hit.found and hit.span == Span.of(13, 10, 13, 15)
    hit = locate(r, '.spec.template.spec.containers[name="web"].image')
    assert hit is not None and hit.span == Span.of(13, 10, 13, 15)
    hit = locate(r, "metadata.labels[app.kubernetes.io/name]")
    assert hit is not None and hit.span == Span.of(5, 4, 5, 26)
    hit = locate(r, "spec.template.spec.containers[0]")
    assert hit is not None and hit.span == Span.of(10, 10, 10, 14)


def test_missing_path_falls_back_to_the_deepest_ancestor() -> None:
    hit = locate(root(), "spec.template.spec.containers[1].resources.limits")
    assert hit is not None and not hit.found and hit.depth == 5
    assert hit.span == Span.of(12, 10, 12, 14)
    assert locate(root(), "nothing.here") is None
