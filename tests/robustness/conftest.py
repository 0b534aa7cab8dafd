"""Robustness tests: the real server process driven over raw stdio bytes as a buggy or hostile editor would
(the `raw` and `server` fixtures), and property tests over the parser, engine and position mapping.

Hypothesis profiles: `ci` (the default): a fixed budget of examples per property, no deadline (the machine is
shared and slow), no example database written into the checkout. `long`: many more examples and a database
under `.hypothesis/` so that failures found once are replayed first. Select with `KUBE_LSP_HYPOTHESIS=long`
(or `dev` for a quick 30-example pass while editing).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from robustness.rawclient import RawServer

_SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]

settings.register_profile("ci", max_examples=200, deadline=None, database=None, suppress_health_check=_SLOW,
                          print_blob=True)
settings.register_profile("dev", max_examples=30, deadline=None, database=None, suppress_health_check=_SLOW)
settings.register_profile("long", max_examples=20_000, deadline=None, suppress_health_check=_SLOW,
                          print_blob=True)
settings.load_profile(os.environ.get("KUBE_LSP_HYPOTHESIS", "ci"))


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
