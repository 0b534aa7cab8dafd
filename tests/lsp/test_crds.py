"""A custom resource's diagnostics point at the CRD it was checked against: in the message, and as related
information an editor can follow to the CRD's file."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types
from pygls.uris import from_fs_path
from pytest_lsp import LanguageClient

from tests.lsp.test_server import _track_versions, open_and_wait, rng  # noqa: F401 - _track_versions: autouse
from tests.test_crds import CRD, WIDGET


@pytest.mark.asyncio
async def test_diagnostics_of_a_custom_resource_relate_to_its_crd(client: LanguageClient, tmp_path: Path) -> None:
    crd_path = tmp_path / "crds" / "widget.yaml"
    crd_uri = from_fs_path(str(crd_path))
    assert crd_uri is not None
    assert list(await open_and_wait(client, crd_uri, CRD)) == []

    diagnostics = await open_and_wait(client, from_fs_path(str(tmp_path / "w.yaml")) or "",
                                      WIDGET.replace("size: 3", "size: 3\n  colour: red"))

    assert [(d.code, d.range, d.message) for d in diagnostics] == [(
        "KL200", rng(6, 2, 6, 8),
        f"unknown field `colour` in spec (spec); the API server rejects unknown fields "
        f"(CRD widgets.example.com, {crd_path}:1)",
    )]
    assert list(diagnostics[0].related_information or ()) == [types.DiagnosticRelatedInformation(
        location=types.Location(uri=crd_uri, range=rng(0, 0, 0, 0)),
        message="the CustomResourceDefinition widgets.example.com",
    )]
