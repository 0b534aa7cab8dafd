"""Properties of the parser and the engine over random YAML-ish text and mutated real manifests.

Whatever the text: `Engine().analyse` never raises; every finding's range (and every related range and
fix edit) lies inside the text with its start before its end; a finding about a key (unknown field,
duplicate key, wrong level) has its range on exactly that key's text; the edits of a fix do not overlap;
applying the safe fixes never raises; the outline's ranges nest.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from kube_lsp.assist.symbols import Symbol, document_symbol
from kube_lsp.engine import Engine
from kube_lsp.fixes import apply_edits, plan_fixes, select_safe_fixes
from kube_lsp.model import Finding, Span
from kube_lsp.parsing.text import split_lines
from tests.conftest import CORPUS

ENGINE = Engine()

KEYS = ["apiVersion", "kind", "metadata", "name", "namespace", "labels", "app", "spec", "replicas", "selector",
        "matchLabels", "template", "containers", "image", "ports", "containerPort", "env", "value", "data",
        "resources", "limits", "cpu", "contianers", "imagePullpolicy", "protocol", "type", "items", "<<",
        "nämé", "キー", "😀key", "a b", "", "x" * 70]
SCALARS = ["v1", "apps/v1", "Deployment", "Service", "ConfigMap", "Pod", "List", "web", "80", "-1", "1.5",
           "true", "null", "~", "''", '""', "'it''s'", '"a\\tb\\u00e9"', '"\\U0001F600"', "|", ">-", "|2",
           "&a x", "*a", "!!str 3", "!!binary aGk=", "[a, b]", "{a: 1, b: [2]}", "[", "{", "{a: ", "]", "}",
           "&x", "*nope", "? ", "@bad", "`x", "%x", "#c", "😀", "日本", "\u2028", "\x85", "é"]
INDENTS = ["", " ", "  ", "    ", "      ", "\t", "  \t", "- ", "  - ", "- - ", "-\t"]
BREAKS = ["\n", "\n", "\n", "\r\n", "\r", "\u2028", "\x85"]
JUNK = ["\x00", "\x07", "\x1b", "\v", "\f", "\ufeff", "\ud7ff", "\U0001F600", "\ufffe", "\x7f", "\u200b"]


@st.composite
def yaml_line(draw: st.DrawFn) -> str:
    indent = draw(st.sampled_from(INDENTS))
    shape = draw(st.integers(0, 9))
    key = draw(st.sampled_from(KEYS) | st.text(max_size=6))
    quote = draw(st.sampled_from(["", "", "'", '"']))
    key = f"{quote}{key}{quote}"
    value = draw(st.sampled_from(SCALARS) | st.text(max_size=8))
    if shape == 0:
        body = f"{key}:"
    elif shape <= 4:
        body = f"{key}: {value}"
    elif shape == 5:
        body = value
    elif shape == 6:
        body = draw(st.sampled_from(["---", "...", "--- # doc", "--- !!map", "%YAML 1.2", "# comment", ""]))
    elif shape == 7:
        body = f"{key}: &{draw(st.sampled_from(['a', 'b']))} {value}"
    elif shape == 8:
        body = f"{key}: {{{key}: {value}, {value}}}"
    else:
        body = f"{key}:{draw(st.sampled_from(JUNK))}{value}"
    if draw(st.integers(0, 9)) == 0:
        body += " # " + draw(st.text(max_size=5))
    return indent + body


@st.composite
def yaml_texts(draw: st.DrawFn) -> str:
    head = draw(st.sampled_from([
        "", "\ufeff", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n",
        "apiVersion: v1\nkind: Service\nspec:\n", "apiVersion: v1\nkind: List\nitems:\n",
    ]))
    lines = draw(st.lists(yaml_line(), max_size=14))
    out = head
    for line in lines:
        out += line + draw(st.sampled_from(BREAKS))
    if draw(st.booleans()):
        out = out.rstrip("\n")
    return out


def inside(span: Span, lines: list[str]) -> bool:
    (sl, sc), (el, ec) = span
    return (0 <= sl < len(lines) and 0 <= el < len(lines) and (sl, sc) <= (el, ec)
            and 0 <= sc <= len(lines[sl]) and 0 <= ec <= len(lines[el]))


def text_at(lines: list[str], span: Span) -> str:
    (sl, sc), (el, ec) = span
    if sl == el:
        return lines[sl][sc:ec]
    return "\n".join([lines[sl][sc:], *lines[sl + 1:el], lines[el][:ec]])


_ODD_BREAKS = str.maketrans({"\x85": " ", "\u2028": " ", "\u2029": " "})
_UNKNOWN_RE = re.compile(r"unknown field `(.*)` in ")


def named_key(f: Finding) -> str | None:
    """The key a finding is about, as the finding names it."""
    if f.code in ("KL102", "KL103"):
        key = f.data.get("key")
        return key if isinstance(key, str) else None
    if f.code == "KL200":
        m = _UNKNOWN_RE.match(f.message)
        return m.group(1) if m else None
    return None


def key_source_matches(source: str, key: str) -> bool:
    """`source` (the text under a range) spells `key`: plainly, or quoted. The loader reads U+0085, U+2028
    and U+2029 as spaces (YAML 1.2 does not break lines there, libyaml would)."""
    source = source.translate(_ODD_BREAKS)
    if source == key:
        return True
    if len(source) >= 2 and source[0] == source[-1] == "'":
        return source[1:-1].replace("''", "'") == key
    if len(source) >= 2 and source[0] == source[-1] == '"':
        try:
            return bool(json.loads(source) == key)
        except ValueError:
            return key in source  # YAML escapes that JSON lacks (\x41, \e, ...)
    return False


def symbols_nest(sym: Symbol, lines: list[str], offset: int) -> None:
    span = sym.span.shifted(offset)
    sel = sym.selection.shifted(offset)
    assert inside(span, lines), (sym.name, span)
    assert inside(sel, lines), (sym.name, sel)
    for child in sym.children:
        symbols_nest(child, lines, offset)


def check(text: str) -> None:
    analysis = ENGINE.analyse(text)  # never raises
    lines = split_lines(text)
    for f in analysis.findings:
        assert inside(f.span, lines), f
        assert all(inside(r, lines) for r in f.related), f
        key = named_key(f)
        if key is not None and f.span.start.line == f.span.end.line:
            assert key_source_matches(text_at(lines, f.span), key), (f, text_at(lines, f.span))
        for fx in f.fixes:
            assert all(inside(e.span, lines) for e in fx.edits), (f, fx)
            ordered = sorted(fx.edits, key=lambda e: e.span)
            assert all(a.span.end <= b.span.start for a, b in zip(ordered, ordered[1:], strict=False)), fx
    fixed = apply_edits(text, [e for _, fx in select_safe_fixes(analysis.findings) for e in fx.edits])
    assert isinstance(fixed, str)
    plan = plan_fixes(text, analysis.findings)
    apply_edits(text, plan.edits)
    ENGINE.analyse(fixed)  # the fixed text is analysable too
    for doc in analysis.documents:
        symbols_nest(document_symbol(doc, 200), lines, 0)


@given(yaml_texts())
@example("a: 1\r\nb: 2\r")
@example("\ufeffkind: Pod\n")
@example("apiVersion:\napiVersion: &a \n # \n")  # an anchor at the end of a line: IndexError
@example('"{": 1\n"{": 2\n')  # braces in a key went into a format template: ValueError
def test_engine_on_yamlish_text(text: str) -> None:
    check(text)


@given(st.text(max_size=80))
def test_engine_on_any_text(text: str) -> None:
    check(text)


def corpus_files() -> list[Path]:
    return sorted(CORPUS.rglob("*.yaml"))[:400] if CORPUS.is_dir() else []


MUTATIONS = ["delete", "duplicate", "insert", "indent", "dedent", "tab", "crlf", "cr", "truncate", "char"]


@st.composite
def mutated_corpus_text(draw: st.DrawFn) -> str:
    files = corpus_files()
    text = files[draw(st.integers(0, len(files) - 1))].read_text(encoding="utf-8", errors="replace")
    for _ in range(draw(st.integers(1, 3))):
        lines = text.split("\n")
        i = draw(st.integers(0, max(len(lines) - 1, 0)))
        m = draw(st.sampled_from(MUTATIONS))
        if m == "delete":
            del lines[i]
        elif m == "duplicate":
            lines.insert(i, lines[i])
        elif m == "insert":
            lines.insert(i, draw(yaml_line()))
        elif m == "indent":
            lines[i] = "  " + lines[i]
        elif m == "dedent":
            lines[i] = lines[i][2:] if lines[i].startswith("  ") else lines[i]
        elif m == "tab":
            lines[i] = lines[i].replace("  ", "\t", 1)
        elif m == "char":
            s = lines[i]
            j = draw(st.integers(0, len(s)))
            lines[i] = s[:j] + draw(st.sampled_from(JUNK + ["😀", "'", '"', ":", "{", "[", "&", "*", " "])) + s[j:]
        text = "\n".join(lines)
        if m == "crlf":
            text = text.replace("\n", "\r\n")
        elif m == "cr":
            text = text.replace("\n", "\r", 1)
        elif m == "truncate":
            text = text[: draw(st.integers(0, len(text)))]
    return text


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")
@given(mutated_corpus_text())
def test_engine_on_mutated_corpus(text: str) -> None:
    check(text)


@st.composite
def stream_and_edit(draw: st.DrawFn) -> tuple[str, str]:
    """A multi-document stream and the same stream with one document edited, added or removed."""
    docs = draw(st.lists(yaml_texts(), min_size=1, max_size=4))
    sep = draw(st.sampled_from(["---\n", "---\r\n", "--- # next\n", "...\n---\n"]))
    before = sep.join(d if d.endswith(("\n", "\r")) else d + "\n" for d in docs)
    i = draw(st.integers(0, len(docs) - 1))
    how = draw(st.sampled_from(["edit", "insert", "delete"]))
    after_docs = list(docs)
    if how == "edit":
        after_docs[i] = draw(yaml_line()) + "\n" + after_docs[i]
    elif how == "insert":
        after_docs.insert(i, draw(yaml_texts()))
    else:
        del after_docs[i]
    after = sep.join(d if d.endswith(("\n", "\r")) else d + "\n" for d in after_docs)
    return before, after


@given(stream_and_edit())
@example(("a: 1\n", "x: [\na: 1\n"))
def test_incremental_analysis_equals_a_fresh_one(case: tuple[str, str]) -> None:
    before, after = case
    cache = ENGINE.analyse_cached(before, {}).cache
    again = ENGINE.analyse_cached(after, cache)
    fresh = ENGINE.analyse_cached(after, {})
    assert again.findings == fresh.findings
    assert [f.message for f in again.findings] == [f.message for f in fresh.findings]
    assert again.chunks == fresh.chunks
