"""Hover reads only what it shows: it never collects the sibling keys that completion needs (in a mapping of
100,000 keys that scan tripled the time of a hover, on the server's event loop)."""

from __future__ import annotations

import pytest

from kube_lsp.assist import context
from kube_lsp.assist.hover import hover
from kube_lsp.engine import Engine

CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n" + "".join(
    f"  key{i}: value{i}\n" for i in range(200))


def test_hover_does_not_scan_the_sibling_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_scan(*args: object, **kwargs: object) -> frozenset[str]:
        raise AssertionError("hover collected the sibling keys")

    monkeypatch.setattr(context, "_sibling_keys", no_scan)
    info = hover(CONFIGMAP, 3, 3, Engine().catalog)
    assert info is not None and info.markdown.startswith("**name** · `string` · optional")
    with pytest.raises(AssertionError, match="sibling keys"):
        context.cursor_at(CONFIGMAP, 3, 3)  # completion still gets them
