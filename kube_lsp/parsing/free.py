"""Freeing big trees a piece at a time.

When the last reference to a tree goes, CPython frees the whole tree in one cascade of deallocations that
holds the GIL from start to end: for a 10 MB document, 0.7 s for libyaml's node tree and 0.4 s for the
analysed one, during which no other thread runs (the language server's event loop answers nothing).
`take_apart` frees a tree from the top, so that each deallocation frees at most `PIECE_LINES` lines of YAML
and other threads get the GIL between two of them. Only trees that big are worth it (BIG_TREE_CHARS).

It only ever takes apart what nothing else refers to: a result, document, node, list or pair that something
else still holds (a request answered from an old analysis in a thread, an alias shared by two places, the
next analysis re-using an unchanged document) is left whole, and it is freed by whoever drops it last, as
usual. Whether only the tree refers to an object is told by its reference count, against the count of an
object held the same way, measured when this module is imported.
"""

from __future__ import annotations

import sys
from typing import Any, Final

from ruamel.yaml.nodes import CollectionNode

from kube_lsp.parsing.nodes import YMap, YSeq

PIECE_LINES: Final = 1000
"""Subtrees spanning fewer lines are freed in one go (a couple of milliseconds)."""
BIG_TREE_CHARS: Final = 500_000
"""Trees of texts larger than this are freed with `take_apart`; smaller ones take a few milliseconds."""


def _held_once(items: list[Any], i: int) -> int:
    # The count of an object that one list slot holds, seen from a frame like _exclusive's callers'.
    return sys.getrefcount(items[i])


def _calibrate() -> int:
    probe: list[Any] = [object()]
    return _held_once(probe, 0)


_ONCE: Final = _calibrate()


def _exclusive(items: list[Any], i: int) -> bool:
    """Whether the object in `items[i]` is held by that slot alone."""
    return _held_once(items, i) <= _ONCE


def _lines(node: Any) -> int:
    if isinstance(node, CollectionNode):
        return int(node.end_mark.line - node.start_mark.line)
    span = node.span
    return int(span.end.line - span.start.line)


def take_apart(slot: list[Any]) -> int:
    """Free what `slot[0]` holds (a result, a document or a node), a piece of at most PIECE_LINES lines at
    a time; empties the slot. Returns how many pieces were freed one by one."""
    pieces = 0
    # Each entry: a list that only this function holds, and the index of its next element to look at.
    stack: list[tuple[list[Any], int]] = [(slot, 0)]
    while stack:
        items, i = stack.pop()
        if i >= len(items):
            continue
        step = _open(items, i)
        if step is _AGAIN:
            stack.append((items, i))
        elif step is None:
            items[i] = None  # small, shared or a leaf: dropped as a whole (or just no longer held here)
            pieces += 1
            stack.append((items, i + 1))
        else:  # a list of parts: now held by the stack alone
            items[i] = None
            stack.append((items, i + 1))
            stack.append((step, 0))  # type: ignore[arg-type]
    return pieces


_AGAIN: Final = object()


def _open(items: list[Any], i: int) -> object:
    """Open `items[i]` by one level when only that slot holds it: _AGAIN when the slot now holds its one
    part (the rest of it is freed), a list of its parts (detached from it) to go through, or None to drop
    it whole."""
    if items[i] is None or not _exclusive(items, i):
        return None
    obj = items[i]
    if isinstance(obj, list):  # parts detached by this function: nothing else can hold them
        return obj
    if isinstance(obj, YMap | YSeq | CollectionNode):
        if _lines(obj) < PIECE_LINES:
            return None
        if isinstance(obj, CollectionNode):  # libyaml's: items, or (key, value) pairs
            items[i] = obj.value
            obj.value = []
        elif isinstance(obj, YMap):
            items[i] = [obj.pairs, obj.merges]
            obj.pairs, obj.merges = [], []
        else:
            items[i] = [obj.items]
            obj.items = []
        return _AGAIN
    if isinstance(obj, tuple) and len(obj) == 2:  # a mapping's (key, value): keep the value
        items[i] = obj[1]
        return _AGAIN
    inner = getattr(obj, "document", None)  # an analysis result: its document
    if inner is None and hasattr(obj, "chunk"):
        inner = getattr(obj, "root", None)  # a parsed document: its tree
    if inner is None:
        return None
    items[i] = inner
    return _AGAIN


def drain(table: dict[Any, Any]) -> None:
    """Empty a big dict an entry at a time (`clear` frees every entry in one go)."""
    pop = table.popitem
    while table:
        pop()
