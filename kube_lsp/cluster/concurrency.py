"""A few requests at a time: bounded, ordered, cancellable, and never holding up the process's exit."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Requests in flight at once: enough to hide the round trip to a remote API server, few enough to stay
# well inside its priority-and-fairness budget for one client.
CONCURRENCY = 4


def bounded_map(fn: Callable[[T], R], items: Sequence[T], *, concurrency: int = CONCURRENCY,
                progress: Callable[[int, int], None] | None = None,
                stop: threading.Event | None = None) -> list[R | None]:
    """`[fn(item) for item in items]`, `concurrency` at a time, in the items' order.

    `progress(done, total)` is called from the worker threads as items finish. The first exception stops
    the items not yet started and is raised here; setting `stop` does the same without an error (their
    results stay None). Workers are daemon threads, so an exiting process never waits for them.
    """
    results: list[R | None] = [None] * len(items)
    pending = iter(range(len(items)))
    lock = threading.Lock()
    failures: list[BaseException] = []
    done = 0

    def work() -> None:
        nonlocal done
        while True:
            with lock:
                i = None if failures or (stop is not None and stop.is_set()) else next(pending, None)
            if i is None:
                return
            try:
                results[i] = fn(items[i])
            except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
                with lock:
                    failures.append(exc)
                return
            with lock:
                done += 1
                finished = done
            if progress is not None:
                progress(finished, len(items))

    workers = [threading.Thread(target=work, name=f"kube-lsp-worker-{n}", daemon=True)
               for n in range(max(1, min(concurrency, len(items))))]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    if failures:
        raise failures[0]
    return results
