"""Property-style: real corpus files, one mutation each, and the safe fix must restore the original exactly.

Mutations: a misspelled field name (transposed or dropped letter), tab indentation, and the last key of
a nested mapping dedented one level (its whole block). Seeded, so failures reproduce.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator

import pytest

from kube_lsp.engine import Engine
from kube_lsp.fixes import apply_edits, select_safe_fixes
from kube_lsp.parsing.nodes import YMap, YNode, YScalar, YSeq
from kube_lsp.parsing.syntax import indent_unit
from kube_lsp.parsing.text import split_lines
from tests.conftest import CORPUS

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")
ENGINE = Engine()


def clean_texts() -> list[tuple[str, str]]:
    with open(CORPUS / "MANIFEST.tsv", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="\t") if r["baseline"] == "ok"]
    out = []
    for r in rows:
        text = (CORPUS / r["corpus_path"]).read_text(encoding="utf-8")
        if "\r" not in text and "{{" not in text and not ENGINE.analyse(text).findings:
            out.append((r["corpus_path"], text))
    return out


def fix_all(text: str) -> str:
    fs = ENGINE.analyse(text).findings
    return apply_edits(text, [e for _, fx in select_safe_fixes(fs) for e in fx.edits])


def keys(node: YNode) -> Iterator[tuple[YScalar, YNode, YMap]]:
    if isinstance(node, YMap):
        for k, v in node.pairs:
            yield k, v, node
            yield from keys(v)
    elif isinstance(node, YSeq):
        for item in node.items:
            yield from keys(item)


def typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 2)
    if rng.random() < 0.5 and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word[:i] + word[i + 1:]


TEXTS = clean_texts() if CORPUS.is_dir() else []


@pytest.mark.parametrize("seed", range(3))
def test_misspelled_field_is_renamed_back(seed: int) -> None:
    rng = random.Random(seed)
    tried = 0
    for rel, text in rng.sample(TEXTS, 40):
        docs = [d for d in ENGINE.analyse(text).documents if isinstance(d.root, YMap)]
        cands = [k for d in docs for k, _, _ in keys(d.root) if k.plain and k.text.isalpha() and len(k.text) >= 6]
        if not cands:
            continue
        k = rng.choice(cands)
        bad = typo(k.text, rng)
        lines = split_lines(text)
        line = lines[k.span.start.line]
        lines[k.span.start.line] = line[: k.span.start.col] + bad + line[k.span.end.col:]
        mutated = "\n".join(lines)
        if not any(f.span.start.line == k.span.start.line for f in ENGINE.analyse(mutated).findings):
            continue  # a free-form map (labels, data): any key is valid there
        tried += 1
        assert fix_all(mutated) == text, f"{rel}: {k.text} -> {bad}"
    assert tried >= 10


@pytest.mark.parametrize("seed", range(3))
def test_tab_indentation_is_replaced_back(seed: int) -> None:
    rng = random.Random(100 + seed)
    tried = 0
    for rel, text in rng.sample(TEXTS, 30):
        lines = split_lines(text)
        unit = indent_unit(lines)
        cands = [i for i, ln in enumerate(lines) if ln.startswith(" " * unit) and ln.strip()
                 and (len(ln) - len(ln.lstrip(" "))) % unit == 0 and not ln.lstrip().startswith("#")]
        if not cands:
            continue
        i = rng.choice(cands)
        if indent_unit(lines[:i] + lines[i + 1:]) != unit:
            continue  # mixed indentation: the tab's intended width is ambiguous
        depth = (len(lines[i]) - len(lines[i].lstrip(" "))) // unit
        lines[i] = "\t" * depth + lines[i].lstrip(" ")
        mutated = "\n".join(lines)
        if not any(f.code == "KL101" for f in ENGINE.analyse(mutated).findings):
            continue  # inside a block scalar the tab is content
        tried += 1
        assert fix_all(mutated) == text, f"{rel}: line {i + 1}"
    assert tried >= 10


@pytest.mark.parametrize("seed", range(3))
def test_block_dedented_one_level_is_moved_back(seed: int) -> None:
    rng = random.Random(200 + seed)
    tried = 0
    for rel, text in rng.sample(TEXTS, 60):
        docs = [d for d in ENGINE.analyse(text).documents if isinstance(d.root, YMap)]
        lines = split_lines(text)
        unit = indent_unit(lines)
        cands = []
        for d in docs:
            for _pk, pv, _parent in keys(d.root):
                if isinstance(pv, YMap) and not pv.flow and len(pv.pairs) > 1:
                    k, v = pv.pairs[-1]
                    first, last = k.span.start.line, v.span.end.line
                    if v.span.end.col == 0 or last >= len(lines) or not lines[last][: v.span.end.col].strip():
                        last -= 1
                    block = range(first, last + 1)
                    if all(lines[i].startswith(" " * unit) or not lines[i].strip() for i in block) \
                            and not lines[first][: k.span.start.col].strip():
                        cands.append(block)
        if not cands:
            continue
        block = rng.choice(cands)
        mutated_lines = [ln[unit:] if i in block and ln.strip() else ln for i, ln in enumerate(lines)]
        mutated = "\n".join(mutated_lines)
        fs = ENGINE.analyse(mutated).findings
        if not any(f.code == "KL103" and f.span.start.line == block[0] for f in fs):
            continue  # still valid there, or not a Kubernetes field move
        tried += 1
        assert fix_all(mutated) == text, f"{rel}: lines {block[0] + 1}-{block[-1] + 1}"
    assert tried >= 5
