"""Robustness tests: the real server process, driven over raw stdio bytes as a buggy or hostile editor would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from robustness.rawclient import RawServer


@pytest.fixture
def raw(tmp_path: Path) -> Iterator[RawServer]:
    """A server process, not yet initialized."""
    server = RawServer(tmp_path)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def server(raw: RawServer, tmp_path: Path) -> RawServer:
    """A server process after initialize/initialized."""
    raw.initialize(tmp_path)
    return raw
