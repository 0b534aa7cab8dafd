"""What the check cache and the CLI's workers pickle comes back exactly: findings, fixes, places, spans and
workspace indexes, every field (also those equality ignores), from real corpus files; and the compact form
is what is written (`compact_pickle`: a tuple of values, no field names)."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import pytest

from kube_lsp.engine import Engine
from kube_lsp.model import Finding, Fix, Place, Pos, Span, TextEdit
from kube_lsp.workspace import index as index_module
from tests.conftest import CORPUS

COMPACT = [Finding, Fix, Place, TextEdit, *(cls for cls in vars(index_module).values()
                                            if isinstance(cls, type) and dataclasses.is_dataclass(cls)
                                            and cls.__module__ == index_module.__name__)]


def same(a: object, b: object) -> bool:
    """Equal field by field, recursively, including the fields a dataclass's equality ignores."""
    if type(a) is not type(b):
        return False
    if dataclasses.is_dataclass(a):
        return all(same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    if isinstance(a, (list, tuple)) and not isinstance(a, (Pos, Span)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))  # type: ignore[arg-type]
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)  # type: ignore[attr-defined]
    return a == b


@pytest.fixture(scope="module")
def analysed() -> list[tuple[list[Finding], object]]:
    engine = Engine()
    out = []
    for path in sorted(CORPUS.rglob("*.yaml")):
        a = engine.analyse(path.read_text(encoding="utf-8", errors="replace"), origin=str(path), workspace=False)
        out.append((a.findings, a.index))
    # And cross-resource findings, which name other places (a monorepo of teams: tests/test_workspace.py).
    from tests.test_workspace import _team, workspace

    _, found = workspace({f"/r/team-{i}/app.yaml": _team(i) for i in range(3)})
    out.append(([f for fs in found.values() for f in fs], None))
    return out


def test_findings_and_indexes_of_the_corpus_come_back_exactly(analysed: list[tuple[list[Finding], object]]) -> None:
    findings = [f for fs, _ in analysed for f in fs]
    indexes = [fi for _, fi in analysed if fi is not None]
    assert len(findings) > 100 and len(indexes) > 100
    assert any(f.fixes for f in findings) and any(f.elsewhere for f in findings) and any(f.data for f in findings)
    assert sum(len(fi.objects) for fi in indexes) > 100  # type: ignore[attr-defined]
    for value in (findings, indexes):
        for protocol in (2, pickle.HIGHEST_PROTOCOL):
            back = pickle.loads(pickle.dumps(value, protocol=protocol))
            assert same(back, value)


@pytest.mark.parametrize("cls", COMPACT, ids=lambda c: c.__name__)
def test_each_cached_class_is_pickled_as_a_tuple_of_its_values(cls: type) -> None:
    names = [f.name for f in dataclasses.fields(cls)]
    state = cls.__getstate__  # type: ignore[attr-defined]
    assert state.__qualname__.startswith("compact_pickle"), f"{cls.__name__} lost its compact pickling"
    sample = object.__new__(cls)
    for i, name in enumerate(names):
        object.__setattr__(sample, name, f"value {i}")
    assert state(sample) == tuple(f"value {i}" for i in range(len(names)))
    back = pickle.loads(pickle.dumps(sample))
    assert [getattr(back, n) for n in names] == [f"value {i}" for i in range(len(names))]


def test_spans_and_positions_pickle_without_field_names() -> None:
    span = Span.of(3, 4, 5, 6)
    data = pickle.dumps(span, protocol=pickle.HIGHEST_PROTOCOL)
    back = pickle.loads(data)
    assert back == span and type(back) is Span and type(back.start) is Pos and type(back.end) is Pos
    assert b"Pos" not in data  # one call remakes a span with its positions
    assert pickle.loads(pickle.dumps(Pos(7, 8))) == Pos(7, 8)


def test_a_cache_entry_of_the_previous_format_is_a_miss(tmp_path: Path) -> None:
    """Entries pickled before compact_pickle hold another state: their magic line differs, so they are
    misses (analysed again and rewritten), never misread."""
    from kube_lsp.cache import _MAGIC, CheckCache

    cache = CheckCache(tmp_path, "context")
    key = cache.key("directory", "/r", False, "")
    path = cache._path(key)
    path.parent.mkdir(parents=True)
    old = _MAGIC.replace(b"entries-3", b"entries-2")
    assert old != _MAGIC
    path.write_bytes(old + key.encode("ascii") + b"\n" + pickle.dumps({"0:/r/a.yaml": ("h", 1, [], None, (), "")}))
    assert cache.get(key) == {}
