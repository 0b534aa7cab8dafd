"""The position tree: exact spans, independent documents, YAML features, Kubernetes' scalar resolution."""

from __future__ import annotations

import pytest

from kube_lsp.model import Span
from kube_lsp.parsing.loader import parse_stream
from kube_lsp.parsing.nodes import YMap, YScalar, YSeq, resolve_plain, to_python
from kube_lsp.parsing.text import split_documents, split_lines
from tests.conftest import findings, where


def root(text: str, i: int = 0) -> YMap:
    r = parse_stream(text)[i].root
    assert isinstance(r, YMap)
    return r


def test_key_and_value_spans_are_exact() -> None:
    r = root("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n")
    meta = r.get("metadata")
    assert isinstance(meta, YMap)
    key = meta.key_node("name")
    value = meta.get("name")
    assert key is not None and key.span == Span.of(3, 2, 3, 6)
    assert isinstance(value, YScalar) and value.span == Span.of(3, 8, 3, 11)


def test_documents_keep_absolute_lines() -> None:
    docs = parse_stream("a: 1\n---\nb: 2\n---\n# only a comment\n---\nc: 3\n")
    assert [d.index for d in docs] == [0, 1, 2]
    third = docs[2].root
    assert isinstance(third, YMap)
    assert third.key_node("c") is not None and third.key_node("c").span.start.line == 6  # type: ignore[union-attr]


def test_syntax_error_in_one_document_does_not_hide_the_others() -> None:
    text = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  contianers: []\n"
        "---\nkey: [unclosed\n"
        "---\napiVersion: v1\nkind: Service\nmetadata: {name: b}\nspec:\n  typo: 1\n"
        "---\na: b: c\n"
    )
    got = where(findings(text))
    assert ("KL200", 5, 3) in got
    assert ("KL200", 13, 3) in got
    syntax = [w for w in got if w[0] == "KL100"]
    assert [s[1] for s in syntax] == [8, 15]  # both broken documents, each on its own line


def test_crlf_and_bom() -> None:
    text = "apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: x\r\nspec:\r\n  containerz: []\r\n"
    assert where(findings(text)) == [("KL200", 6, 3)]


def test_columns_are_code_points_after_emoji_and_cjk() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: {a: \"😀中\", b: 1}\n"
    fs = findings(text)
    # KL211 as well: an emoji is not a valid label value character.
    assert where(fs) == [("KL211", 5, 15), ("KL201", 5, 24)]
    assert fs[1].span == Span.of(4, 23, 4, 24)


def test_anchors_aliases_and_merge_keys() -> None:
    text = (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n  labels: &l {app: web}\n  annotations: *l\n"
        "spec:\n  containers:\n    - &c\n      name: a\n      image: nginx\n"
        "    - <<: *c\n      name: b\n"
    )
    assert findings(text) == []
    r = root(text)
    spec = r.get("spec")
    assert isinstance(spec, YMap)
    containers = spec.get("containers")
    assert isinstance(containers, YSeq)
    assert to_python(containers) == [{"name": "a", "image": "nginx"}, {"name": "b", "image": "nginx"}]


def test_flow_style() -> None:
    text = "{apiVersion: v1, kind: Service, metadata: {name: s}, spec: {ports: [{port: 80, protocl: TCP}]}}\n"
    assert where(findings(text)) == [("KL200", 1, 80)]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("yes", True), ("Off", False), ("true", True), ("~", None), ("", None), ("0644", 420), ("0x1F", 31),
        ("1_000", 1000), ("-3", -3), ("1.5", 1.5), ("y", True), ("N", False), ("yy", "yy"),
        ("2024-01-01", "2024-01-01"), ("1Gi", "1Gi"),
        ("8080", 8080), ("+12", 12), (".inf", float("inf")),
    ],
)
def test_scalars_resolve_like_kubernetes(text: str, value: object) -> None:
    assert resolve_plain(text) == value if text else resolve_plain(text) is None


def test_keys_become_json_keys_as_kubectl_sends_them() -> None:
    # `kubectl create --dry-run=client -o json` turns these keys into "true", "493", "false", "1".
    r = root("data:\n  on: a\n  0755: b\n  n: c\n  1.0: d\n  'yes': e\n  plain: f\n")
    assert to_python(r)["data"] == {"true": "a", "493": "b", "false": "c", "1": "d", "yes": "e", "plain": "f"}


def test_quoted_and_tagged_scalars_stay_strings() -> None:
    r = root("a: '80'\nb: !!str 80\nc: 80\n")
    assert [r.get(k).value for k in "abc"] == ["80", "80", 80]  # type: ignore[union-attr]


def test_line_breaks_like_the_lsp() -> None:
    text = "a: \"x\u2028y\"\nb: 1\nc: 2\r\nd: 3\re: 4\n"
    assert split_lines(text) == ['a: "x\u2028y"', "b: 1", "c: 2", "d: 3", "e: 4", ""]
    assert len(split_documents(text)) == 1
    r = root(text)
    assert r.key_node("e").span.start.line == 4  # type: ignore[union-attr]


def test_control_character_is_a_syntax_finding_at_its_position() -> None:
    fs = findings("a: 1\nb: x\x0cy\n")
    assert where(fs) == [("KL100", 2, 5)]
    assert "U+000C" in fs[0].message


def test_document_markers_with_content_and_end_marker() -> None:
    docs = parse_stream("--- {a: 1}\n...\n--- \nb: 2\n")
    assert [to_python(d.root) for d in docs if d.root is not None] == [{"a": 1}, {"b": 2}]


def test_duplicate_keys_are_reported_on_the_second_occurrence() -> None:
    fs = findings("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  name: b\nspec:\n  containers: []\n")
    assert where(fs) == [("KL102", 5, 3)]
    assert "line 4" in fs[0].message


def test_fast_and_line_by_line_document_split_agree() -> None:
    import random

    from kube_lsp.parsing.text import _split_fast, _split_slow

    rng = random.Random(7)
    parts = ["a: 1\n", "---\n", "# c\n", "\n", "...\n", "--- x\n", "  b: 2\n", "%TAG ! x\n", "---", "...",
             "a: 1\r\n", "---\r\n", "--- #c\n", "...\r\n", "----\n", "--- |\n  x\n"]
    for _ in range(3000):
        text = "".join(rng.choices(parts, k=rng.randint(0, 10)))
        if "\r" in text and text.count("\r") != text.count("\r\n"):
            continue
        assert _split_fast(text) == _split_slow(text), repr(text)


def test_crlf_multi_document_stream() -> None:
    text = "apiVersion: v1\r\nkind: Pod\r\nmetadata: {name: a}\r\nspec: {containers: []}\r\n---\r\n" \
           "apiVersion: v1\r\nkind: Pod\r\nmetadata: {name: b}\r\nspec: {contaners: []}\r\n"
    assert where(findings(text)) == [("KL200", 9, 8)]
