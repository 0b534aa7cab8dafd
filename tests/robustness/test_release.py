"""Freeing big trees a piece at a time (`kube_lsp.parsing.free`, `kube_lsp.lsp.release`): everything it frees is
freed, and nothing that something else still holds is touched."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable

from kube_lsp.engine import ChunkResult, Engine
from kube_lsp.lsp.release import Releaser
from kube_lsp.parsing.free import PIECE_LINES, take_apart
from kube_lsp.parsing.nodes import YMap, YSeq, to_python
from tests.robustness.test_big_documents import big_document as deployment

ENGINE = Engine()


def analysed(lines: int) -> list[ChunkResult]:
    return ENGINE.analyse_cached(deployment(lines), {}).results


def containers(result: ChunkResult) -> YSeq:
    root = result.document.root
    assert isinstance(root, YMap)
    node = root.get("spec").get("template").get("spec").get("containers")  # type: ignore[union-attr]
    assert isinstance(node, YSeq)
    return node


def taken_apart(make: Callable[[], object]) -> tuple[list[object], int, int, int]:
    """Build a tree with `make`, take it apart: (its emptied slot, pieces freed, bytes built, bytes left)."""
    tracemalloc.start()
    try:
        slot = [make()]
        built = tracemalloc.get_traced_memory()[0]
        pieces = take_apart(slot)
        left = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return slot, pieces, built, left


def test_a_big_tree_is_freed_in_pieces_and_entirely() -> None:
    slot, pieces, built, left = taken_apart(lambda: analysed(20_000)[0])
    assert pieces >= 20_000 // PIECE_LINES
    assert slot == [None]
    assert left < built / 20  # the tree's memory is gone, not kept alive by a detached part


def test_what_something_else_holds_is_left_whole() -> None:
    results = analysed(5_000)
    kept = containers(results[0])  # e.g. a request answered from the old analysis, in a thread
    before = to_python(kept)
    slot: list[object] = [results[0]]
    del results
    take_apart(slot)
    assert to_python(kept) == before

    shared = analysed(5_000)
    also = shared[0]  # the next analysis re-uses an unchanged document
    expected = to_python(also.document.root)  # type: ignore[arg-type]
    slot = [shared[0]]
    del shared
    assert take_apart(slot) == 1  # dropped, not opened
    assert to_python(also.document.root) == expected  # type: ignore[arg-type]


def test_the_releaser_frees_in_its_own_thread() -> None:
    tracemalloc.start()
    try:
        results = analysed(20_000)
        built = tracemalloc.get_traced_memory()[0]
        releaser = Releaser(delay=0)
        releaser.release(results)
        del results
        for _ in range(200):
            if tracemalloc.get_traced_memory()[0] < built / 20:
                break
            time.sleep(0.05)
        assert tracemalloc.get_traced_memory()[0] < built / 20
    finally:
        tracemalloc.stop()


def test_libyamls_tree_is_freed_in_pieces_too() -> None:
    from kube_lsp.parsing.loader import _compose

    slot, pieces, built, left = taken_apart(lambda: _compose(deployment(20_000)))
    assert pieces >= 20_000 // PIECE_LINES
    assert slot == [None]
    assert left < built / 20
