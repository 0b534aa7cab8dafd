"""Regression examples for the bugs the properties of this directory found (each fails without its fix)."""

from __future__ import annotations

from kube_lsp.assist.symbols import document_symbol
from kube_lsp.engine import Engine
from kube_lsp.fixes import apply_edits
from kube_lsp.model import Pos, Span
from kube_lsp.parsing.text import split_lines

ENGINE = Engine()


def test_control_character_after_non_ascii_is_reported_on_itself() -> None:
    # The C parser counts the position in UTF-8 bytes: `¡` is two, so the range fell one column to the right,
    # past the end of the line.
    (f,) = ENGINE.analyse("¡\x1f").findings
    assert (f.code, f.span) == ("KL100", Span.of(0, 1, 0, 2))
    (f,) = ENGINE.analyse("a: b\nc: é😀\x07d\n").findings
    assert (f.code, f.span) == ("KL100", Span.of(1, 5, 1, 6))


def test_unknown_key_on_a_tab_indented_line_is_on_the_key() -> None:
    # The document is analysed with its tabs expanded; the key's columns were those of the expanded text.
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n\tapiVersion: # \n"
    f = next(f for f in ENGINE.analyse(text).findings if f.code == "KL200")
    assert f.span == Span.of(4, 1, 4, 11)
    assert split_lines(text)[4][1:11] == "apiVersion"


def test_misspelled_key_after_tabs_is_renamed_in_place() -> None:
    text = "apiVersion: v1\nkind: Pod\nmetadata:\n\t\tnmae: x\n"
    f = next(f for f in ENGINE.analyse(text).findings if f.code == "KL200")
    assert f.span == Span.of(3, 2, 3, 6)
    assert f.fixes[0].edits[0].span == Span.of(3, 2, 3, 6)


def test_outline_of_a_text_without_final_line_break_stays_inside_it() -> None:
    # The parser ends the open mappings on the line after the last one.
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x"
    doc = ENGINE.analyse(text).documents[0]
    assert doc.root is not None and doc.root.span.end == Pos(3, 9)
    sym = document_symbol(doc, 100)
    metadata = next(c for c in sym.children if c.name == "metadata")
    assert metadata.span.end == Pos(3, 9)


def test_syntax_error_at_the_end_of_a_text_without_final_line_break_is_inside_it() -> None:
    # The parser's mark is on the line after the last; the finding was a point there.
    (f,) = ENGINE.analyse("{").findings
    assert (f.code, f.span) == ("KL100", Span.of(0, 0, 0, 1))


def test_removing_a_repeated_last_key_keeps_the_edit_inside_the_text() -> None:
    # The edit ran to the start of the line after the last, which does not exist.
    text = "apiVersion: v1\nkind: Pod\napiVersion: v1"
    f = next(f for f in ENGINE.analyse(text).findings if f.code == "KL102")
    (edit,) = f.fixes[0].edits
    assert edit.span == Span.of(1, 9, 2, 14)
    assert apply_edits(text, [edit]) == "apiVersion: v1\nkind: Pod"


def test_syntax_error_on_a_line_of_only_a_tab_has_start_before_end() -> None:
    # The range started after the tab (the indentation) and ended before it (the stripped line's end).
    f = ENGINE.analyse("\t\napiVersion: v1\n").findings[0]
    assert f.code == "KL100" and f.span == Span.of(0, 0, 0, 1)


def test_empty_key_at_the_end_of_the_text_is_inside_it() -> None:
    # `?` alone: the key and its null value ended on the line after the last.
    (doc,) = ENGINE.analyse("?").documents
    assert doc.root is not None and doc.root.span == Span.of(0, 0, 0, 1)
    assert document_symbol(doc, 10).children[0].span.end == Pos(0, 1)


def test_document_text_with_braces_in_a_repeated_key_does_not_crash() -> None:
    # The key went into a message template unescaped: `str.format` raised on the `{`.
    (f,) = ENGINE.analyse('"{": 1\n"{": 2\n').findings
    assert f.message.startswith("duplicate key `{`: it is already defined on line 1")
    assert f.shifted(3, 0).message.startswith("duplicate key `{`: it is already defined on line 4")


def test_document_text_with_braces_in_a_misindented_key_does_not_crash() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n : {: v1, v1} # \n"
    (f,) = ENGINE.analyse(text).findings
    assert f.code == "KL100" and "`: {`" in f.message
    (f,) = ENGINE.analyse("a:\n  - b: 1\n  {c}: 2\n").findings
    assert f.message.startswith("`{c}` lines up with the `- ` items")


def test_removing_a_repeated_key_on_a_tab_indented_line_edits_the_source_columns() -> None:
    # The document is parsed with the tab expanded to two spaces; the fix used the expanded line's length.
    text = "  apiVersion:\n\tapiVersion:"
    f = next(f for f in ENGINE.analyse(text).findings if f.code == "KL102")
    (edit,) = f.fixes[0].edits
    assert edit.span == Span.of(0, 13, 1, 12)


def test_anchor_at_the_end_of_a_line_does_not_crash() -> None:
    # `&a ` followed by nothing on its line: the explicit-tag lookup indexed a missing second word.
    analysis = ENGINE.analyse("apiVersion:\napiVersion: &a \n # \n")
    assert [f.code for f in analysis.findings] == ["KL102"]


def test_unknown_key_with_an_anchor_or_tag_is_on_the_key_and_keeps_them() -> None:
    # The parser starts a node on its properties: the range covered `&a nmae` and the rename dropped `&a`
    # (and so broke every `*a`). Found by tests/robustness/fuzz_engine.py (`! service:`).
    for props in ("&a ", "! ", "!!str ", "&a !!str "):
        text = f"apiVersion: v1\nkind: Pod\nmetadata:\n  {props}nmae: x\n"
        f = next(f for f in ENGINE.analyse(text).findings if f.code == "KL200")
        col = 2 + len(props)
        assert f.span == Span.of(3, col, 3, col + 4), props
        assert apply_edits(text, f.fixes[0].edits) == text.replace("nmae", "name")
