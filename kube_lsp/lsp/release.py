"""Freeing a big document's replaced analysis a piece at a time, in a thread of its own (see
`kube_lsp.parsing.free`): the event loop gets the GIL between two pieces."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterable
from typing import Any, Final

from kube_lsp.parsing.free import take_apart

log = logging.getLogger(__name__)

DELAY: Final = 0.2
"""Seconds before taking a tree apart: the code that replaced it drops its own references meanwhile."""


class Releaser:
    """A daemon thread that takes apart the results handed to `release` (see the module's docstring)."""

    def __init__(self, delay: float = DELAY) -> None:
        self._queue: queue.SimpleQueue[list[Any]] = queue.SimpleQueue()
        self._delay = delay
        self._thread: threading.Thread | None = None

    def release(self, results: Iterable[Any]) -> None:
        batch = list(results)
        if not batch:
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="kube-lsp-release", daemon=True)
            self._thread.start()
        self._queue.put(batch)

    def _run(self) -> None:
        while True:
            batch = self._queue.get()
            time.sleep(self._delay)
            try:
                for i in range(len(batch)):
                    slot, batch[i] = [batch[i]], None  # a slot of its own, the only one
                    take_apart(slot)
            except Exception:  # noqa: BLE001 - freeing is an optimisation: what is left is freed as usual
                log.exception("could not take an old analysis apart")
            del batch
