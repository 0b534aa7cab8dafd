"""How kube-lsp runs Python's cyclic garbage collector.

A full collection walks every object the process tracks. Young generations hold what was just made and
are cheap to walk; the oldest holds what lives on: the schemas, and in a batch run nearly everything it
makes (each file's findings and index live until the report is written). CPython starts a full collection
each time the oldest generation has grown by a quarter, so a run that keeps what it makes walks its whole
heap again and again: 30 % of a 40,000-document `kube-lsp check`, in the main process and in the forked
workers alike, whose heap starts with the schemas they inherit.

So a batch run collects young generations only (`young_only`): cycles that die young (most of the parser's)
are still freed, and what survives them is what the run keeps anyway. The server does the same while it
analyses a big document (kube_lsp/lsp/server.py, `_pause_full_gc`).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

NEVER: Final = 1_000_000_000  # a threshold for the oldest generation that is never reached


@contextmanager
def young_only() -> Iterator[None]:
    """No full collections meanwhile (processes forked meanwhile inherit that); the thresholds as they were
    afterwards."""
    before = gc.get_threshold()
    gc.set_threshold(before[0], before[1], NEVER)
    try:
        yield
    finally:
        gc.set_threshold(*before)


@contextmanager
def paused() -> Iterator[None]:
    """No collection at all meanwhile: for a burst that makes many objects and no garbage (reading a pickle
    back), which would otherwise start a young collection every 700 objects and walk them all again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
