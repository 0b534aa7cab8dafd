"""Compose each document of a stream with ruamel.yaml into the position tree, with plain syntax findings.

Documents are composed one by one, so a syntax error in one never hides the others. Composition (not
construction) keeps duplicate keys and every node's start and end mark. Limits keep hostile input
(alias bombs, deep nesting, huge files) bounded in time and memory.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from ruamel.yaml.cyaml import CParser  # type: ignore[attr-defined]
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError

from kube_lsp.model import Finding, Fix, Pos, Severity, Span, TextEdit, literal
from kube_lsp.parsing import syntax
from kube_lsp.parsing.free import BIG_TREE_CHARS, drain, take_apart
from kube_lsp.parsing.nodes import YMap, YNode, YScalar, YSeq, is_explicit_str, resolve_plain, to_python
from kube_lsp.parsing.text import LINE_BREAK_RE, Chunk, split_documents, split_lines

MAX_DEPTH: Final = 200
MAX_NODES: Final = 500_000
_TEMPLATE_RE: Final = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
_ODD_BREAKS: Final = str.maketrans({"\x85": " ", "\u2028": " ", "\u2029": " "})


@dataclass(slots=True, eq=False)
class Document:
    """One YAML document of a stream: its lines, its tree (None when it did not parse) and parse findings."""

    index: int
    chunk: Chunk
    root: YNode | None
    findings: list[Finding] = field(default_factory=list)
    # Template markers (`{{ … }}`, `{% … %}`): such a document is never sent to a cluster. When they only
    # stand in values (`image: "{{ .Values.image }}"`) it is still checked, minus the lines they are on;
    # when they shape the YAML itself (a line that starts with one, or text that only parses once
    # rendered) it is not analysed at all.
    templated: bool = False
    template_lines: frozenset[int] = frozenset()

    @property
    def start_line(self) -> int:
        return self.chunk.start_line


class _Limit(Exception):
    def __init__(self, message: str, span: Span) -> None:
        super().__init__(message)
        self.span = span


class _Composer(CParser):  # type: ignore[misc]
    """libyaml's parser and composer, without ruamel's resolver and constructor.

    kube-lsp resolves scalars itself (the Kubernetes way), so implicit tags only need to say which kind
    of node it is; explicit tags (`!!str 1`) are kept by the parser. This makes composing ~3x faster.
    """

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        if kind is ScalarNode:
            return "tag:yaml.org,2002:str"
        if kind is SequenceNode:
            return "tag:yaml.org,2002:seq"
        return "tag:yaml.org,2002:map"

    def descend_resolver(self, *args: Any) -> None:
        return None

    def ascend_resolver(self, *args: Any) -> None:
        return None


def _compose(text: str) -> Node | None:
    """The node tree of one YAML document (None when it is empty)."""
    node: Node | None = _Composer(text).get_single_node()
    return node


# Scores a candidate repair of a broken document (lower is better): the number of problems the repaired
# document still has. The engine passes one that runs the schema checks.
Scorer = Callable[[YNode], int]


def parse_stream(text: str, scorer: Scorer | None = None) -> list[Document]:
    """Split `text` into documents and compose each one."""
    docs: list[Document] = []
    for chunk in split_documents(text):
        if not chunk.has_content:
            continue
        docs.append(parse_chunk(chunk, len(docs), scorer))
    return docs


def parse_chunk(chunk: Chunk, index: int, scorer: Scorer | None = None) -> Document:
    doc = Document(index=index, chunk=chunk, root=None)
    # (Both guards are only quicker: the breaks are not ASCII, a template needs `{{` or `{%`.)
    source = chunk.text if chunk.text.isascii() else chunk.text.translate(_ODD_BREAKS)
    if ("{{" in source or "{%" in source) and _TEMPLATE_RE.search(source):
        doc.templated = True
        lines = _template_lines(source)
        if lines is None:
            return doc
        doc.template_lines = frozenset(chunk.start_line + n for n in lines)
    deep = syntax.excessive_nesting(source, MAX_DEPTH)
    if deep is not None:
        line, col = deep
        doc.findings.append(_limit_finding(
            Span.point(chunk.start_line + line, col),
            f"nesting deeper than {MAX_DEPTH} levels; this document is not analysed",
            index,
        ))
        return doc
    if doc.templated:
        try:
            node = _compose(source)
        except YAMLError:
            return doc  # it may well be valid once rendered: say nothing
        return _convert_into(doc, node, source)
    return _parse_plain(doc, chunk, source, index, scorer)


def _template_lines(source: str) -> set[int] | None:
    """0-based lines holding template markers, or None when templates shape the YAML structure."""
    out: set[int] = set()
    for m in _TEMPLATE_RE.finditer(source):
        first = source.count("\n", 0, m.start())
        line_start = source.rfind("\n", 0, m.start()) + 1
        if not source[line_start:m.start()].strip() or "\n" in m.group():
            return None  # `{{- if … }}`, `{{ include … | nindent 4 }}`, a multi-line action
        out.add(first)
    return out


def _parse_plain(doc: Document, chunk: Chunk, source: str, index: int, scorer: Scorer | None) -> Document:
    try:
        node = _compose(source)
    except MarkedYAMLError as exc:
        if syntax.has_tab_indentation(source):
            return _detabbed(doc, source, scorer)
        finding = syntax.syntax_finding(exc, source, chunk.start_line, index)
        repair = _best_indent_repair(source, exc, chunk.start_line, index, scorer)
        if repair is not None and not (finding.fixes and finding.span.start.line == repair.span.start.line):
            finding = repair  # the repair found the line to change; a specific explanation of it wins
        doc.findings.append(finding)
        return doc
    except ReaderError as exc:
        doc.findings.append(_reader_finding(exc, source, chunk.start_line, index))
        return doc
    except YAMLError as exc:
        doc.findings.append(Finding(span=Span.point(chunk.start_line, 0), severity=Severity.ERROR,
                                    code="KL100", message=f"invalid YAML: {exc}", doc=index))
        return doc
    _convert_into(doc, node, source)
    if len(source) > BIG_TREE_CHARS:  # libyaml's tree is not needed any more: freed in pieces
        slot, node = [node], None
        take_apart(slot)
    return doc


def _detabbed(doc: Document, source: str, scorer: Scorer | None) -> Document:
    """Report the tabs, and analyse the document as if they were spaces at the width that fits best."""
    best: tuple[tuple[int, int], int, str, Node | None] | None = None
    for order, (width, text) in enumerate(syntax.detab_candidates(source)):
        try:
            node = _compose(text)
        except YAMLError:
            continue
        problems = 0
        if scorer is not None and node is not None:
            try:
                problems = scorer(_Converter(0, doc.index, split_lines(text)).convert(node, 0))
            except _Limit:
                continue
        if best is None or (problems, order) < best[0]:
            best = ((problems, order), width, text, node)
        if problems == 0 or scorer is None:
            break
    doc.findings.extend(syntax.tab_findings(source, doc.chunk.start_line, doc.index,
                                            best[1] if best else None))
    if best is None:
        return doc
    # The tree is of the detabbed text: its columns on tab-indented lines go back to the source's.
    return _convert_into(doc, best[3], best[2], syntax.detab_shifts(source, best[1]))


def _convert_into(doc: Document, node: Node | None, source: str,
                  shifts: dict[int, tuple[int, int]] | None = None) -> Document:
    if node is None:
        return doc
    conv = _Converter(doc.chunk.start_line, doc.index, split_lines(source), shifts,
                      split_lines(doc.chunk.text) if shifts else None)
    try:
        doc.root = conv.convert(node, 0)
        doc.findings.extend(conv.findings)
    except _Limit as lim:
        doc.root = None
        doc.findings.append(_limit_finding(lim.span, str(lim), doc.index))
    finally:
        if len(source) > BIG_TREE_CHARS:
            drain(conv.memo)  # an entry per node: freed all at once, it holds the GIL for half a second
    return doc


def _best_indent_repair(source: str, exc: MarkedYAMLError, offset: int, index: int,
                        scorer: Scorer | None) -> Finding | None:
    """The one-line re-indentation that makes the document parse with the fewest remaining problems."""
    mark = exc.problem_mark or exc.context_mark
    if mark is None or source.count("\n") > 3000:
        return None
    best: tuple[tuple[int, bool, bool, int, int], syntax.IndentRepair] | None = None
    window = 20 if source.count("\n") < 400 else 6
    for cand in syntax.indent_repairs(source, mark.line, window):
        try:
            node = _compose(cand.text)
        except YAMLError:
            continue
        problems = 0
        if node is not None and scorer is not None:
            try:
                problems = scorer(_Converter(0, index, split_lines(cand.text)).convert(node, 0))
            except _Limit:
                continue
        # Fewest remaining problems; then prefer moving a line onto the file's indentation grid, a line
        # that was off the grid, a line near where the parser stopped, and the smallest shift.
        rank = (problems, cand.new % cand.unit != 0, cand.old % cand.unit == 0, abs(cand.line - mark.line),
                abs(cand.new - cand.old))
        if best is None or rank < best[0]:
            best = (rank, cand)
    if best is None:
        return None
    return syntax.repair_finding(best[1], source, offset, index)


def _reader_finding(exc: ReaderError, source: str, offset: int, index: int) -> Finding:
    """A character YAML does not allow (control characters, ...), at its line and column."""
    char = getattr(exc, "character", None)
    found = source.find(chr(char)) if isinstance(char, int) else source.find(char) if char else -1
    # The C parser counts its position in bytes of UTF-8: the character itself says where it is.
    pos = found if found >= 0 else min(max(int(getattr(exc, "position", 0) or 0), 0), len(source))
    before = source[:pos]
    line = len(LINE_BREAK_RE.findall(before))
    last = max(before.rfind("\n"), before.rfind("\r"))
    col = pos - (last + 1)
    code = ord(char) if isinstance(char, str) and char else char
    what = f"U+{code:04X}" if isinstance(code, int) else "a character"
    return Finding(span=Span.of(offset + line, col, offset + line, col + 1), severity=Severity.ERROR,
                   code="KL100", message=f"{what} is a control character, which YAML does not allow here",
                   doc=index)


def _limit_finding(span: Span, message: str, index: int) -> Finding:
    return Finding(span=span, severity=Severity.ERROR, code="KL104", message=message, doc=index)


_tuple_new = tuple.__new__


def _span(node: Node, offset: int) -> Span:
    # tuple.__new__ directly: NamedTuple's generated __new__ is a Python call, and this runs per node.
    s, e = node.start_mark, node.end_mark
    start = _tuple_new(Pos, (s.line + offset, s.column))
    return _tuple_new(Span, (start, _tuple_new(Pos, (e.line + offset, e.column))))


class _Converter:
    """ruamel nodes → YNode tree; shares aliased nodes and counts their expanded size."""

    def __init__(self, offset: int, index: int, lines: list[str],
                 shifts: dict[int, tuple[int, int]] | None = None, source_lines: list[str] | None = None) -> None:
        self.lines = lines  # of the text parsed
        self.source_lines = source_lines or lines  # of the document's own text, which fixes edit
        self.offset = offset
        # Line (of the chunk) → (indentation width in the parsed text, columns it added to the source's).
        self.shifts = shifts or {}
        self.index = index
        self.memo: dict[int, tuple[YNode, int]] = {}
        self.total = 0
        self.findings: list[Finding] = []

    def convert(self, node: Node, depth: int) -> YNode:
        built, _ = self._conv(node, depth)
        return built

    def _conv(self, node: Node, depth: int) -> tuple[YNode, int]:
        key = id(node)
        hit = self.memo.get(key)
        if hit is not None:
            self._count(hit[1], node)
            return hit
        if depth > MAX_DEPTH:
            raise _Limit(f"nesting deeper than {MAX_DEPTH} levels; this document is not analysed",
                         _span(node, self.offset))
        built: YNode
        size = 1
        if isinstance(node, ScalarNode):
            built = self._scalar(node)
        elif isinstance(node, SequenceNode):
            seq = YSeq(span=self._node_span(node), flow=bool(node.flow_style), tag=_explicit_tag(node, self.lines))
            for item in node.value:
                child, n = self._conv(item, depth + 1)
                seq.items.append(child)
                size += n
            built = seq
        elif isinstance(node, MappingNode):
            built, size = self._mapping(node, depth)
        else:  # pragma: no cover - ruamel has no other node kinds
            raise _Limit("unsupported YAML node", _span(node, self.offset))
        self._count(1, node)
        self.memo[key] = (built, size)
        return built, size

    def _count(self, n: int, node: Node) -> None:
        self.total += n
        if self.total > MAX_NODES:
            raise _Limit(
                f"aliases expand this document to more than {MAX_NODES:,} nodes (a 'billion laughs' "
                "pattern); it is not analysed",
                _span(node, self.offset),
            )

    def _mapping(self, node: MappingNode, depth: int) -> tuple[YMap, int]:
        ymap = YMap(span=self._node_span(node), flow=bool(node.flow_style), tag=_explicit_tag(node, self.lines))
        size = 1
        seen: dict[str, YScalar] = {}
        firsts: dict[str, YNode] = {}
        for knode, vnode in node.value:
            if isinstance(knode, ScalarNode) and knode.value == "<<" and not knode.style:
                merged, n = self._conv(vnode, depth + 1)
                size += n
                for m in merged.items if isinstance(merged, YSeq) else [merged]:
                    if isinstance(m, YMap):
                        ymap.merges.append(m)
                continue
            if isinstance(knode, ScalarNode):
                key = self._scalar(knode)
            else:
                # Complex keys (`? [a, b]`) are not Kubernetes; keep their text for messages.
                key = YScalar(text="<complex key>", span=self._node_span(knode), style="'", value=None)
            value, n = self._conv(vnode, depth + 1)
            size += n + 1
            first = seen.get(key.text)
            if first is not None:
                self.findings.append(_duplicate_finding(key, first, value, firsts[key.text], self.source_lines,
                                                        self.offset, self.index))
                continue
            seen[key.text] = key
            firsts[key.text] = value
            ymap.pairs.append((key, value))
        return ymap, size

    def _scalar(self, node: ScalarNode) -> YScalar:
        style = node.style or None
        mark = node.start_mark
        first = self.lines[mark.line][mark.column:mark.column + 1] if mark.line < len(self.lines) else ""
        props = first == "!" or first == "&"  # the node starts on its properties
        tag = _explicit_tag(node, self.lines) if props else None
        text = node.value
        if style is not None or is_explicit_str(tag):
            value: Any = text
        elif tag is not None:
            value = _tagged_value(tag, text)
        else:
            value = resolve_plain(text)
        span = self._node_span(node)
        if props:
            span = self._past_properties(span, mark.line, mark.column)
        return YScalar(text=text, span=span, style=style, tag=tag, value=value)

    def _past_properties(self, span: Span, line: int, col: int) -> Span:
        """The span of a scalar without its `&anchor` / `!tag` (the parser starts the node on them), so that
        findings and renames are on the scalar's own text."""
        text = self.lines[line]
        while col < len(text) and text[col] in "!&":
            while col < len(text) and text[col] not in " \t":
                col += 1
            while col < len(text) and text[col] in " \t":
                col += 1
        if col >= len(text):
            return span  # the value is on a later line
        start = self._unshift_pos(Pos(line + self.offset, col)) if self.shifts else Pos(line + self.offset, col)
        return Span(start, span.end) if start <= span.end else span

    def _node_span(self, node: Node) -> Span:
        """A node's span, its end kept inside the text (at the end of a text without a final line break the
        parser ends open nodes on the line after the last) and its columns those of the source."""
        span = _span(node, self.offset)
        if node.end_mark.line >= len(self.lines):
            last = len(self.lines) - 1
            end = Pos(last + self.offset, len(self.lines[last]))
            span = Span(min(span.start, end), end)
        return self._unshift(span) if self.shifts else span

    def _unshift(self, span: Span) -> Span:
        return Span(self._unshift_pos(span.start), self._unshift_pos(span.end))

    def _unshift_pos(self, pos: Pos) -> Pos:
        shift = self.shifts.get(pos.line - self.offset)
        if shift is None:
            return pos
        width, added = shift
        return Pos(pos.line, pos.col - added if pos.col >= width else min(pos.col, width - added))


def _explicit_tag(node: Node, lines: list[str]) -> str | None:
    """The tag the author wrote, or None when the tag was implicit (resolved by the parser).

    The C composer fills in resolved tags as plain strings, so look at the source: a node's start mark
    sits on its properties (`&anchor`, `!tag`) when it has any.
    """
    mark = node.start_mark
    if mark.line >= len(lines):
        return None
    line, col = lines[mark.line], mark.column
    first = line[col : col + 1]
    if first != "!" and first != "&":
        return None
    head = line[col : col + 256]
    if head.startswith("&"):
        parts = head.split(None, 1)  # `&a !tag value`; `&a ` at the end of a line has no second part
        head = parts[1] if len(parts) > 1 else ""
    if head.startswith("!"):
        return str(node.tag)
    return None


def _tagged_value(tag: str, text: str) -> Any:
    if tag.endswith(":int"):
        if len(text) > 1000:  # as nodes._MAX_INT_CHARS: Python could neither convert nor print it
            return text
        try:
            return int(text.replace("_", ""), 0)
        except ValueError:
            return text
    if tag.endswith(":float"):
        try:
            return float(text)
        except ValueError:
            return text
    if tag.endswith(":bool"):
        return resolve_plain(text)
    if tag.endswith(":null"):
        return None
    return text


def _duplicate_finding(key: YScalar, first: YScalar, value: YNode, first_value: YNode, lines: list[str],
                       offset: int, index: int) -> Finding:
    """KL102 on the repeated key; when it repeats the same value on lines of its own, a fix deletes it."""
    fixes: tuple[Fix, ...] = ()
    start = key.span.start.line - offset
    end = value.span.end
    last = end.line - offset
    if end.col == 0 or last >= len(lines) or not lines[last][: end.col].strip():
        last -= 1
    own_lines = 0 <= start <= last < len(lines) and not lines[start][: key.span.start.col].strip()
    if own_lines and to_python(value) == to_python(first_value):
        span = Span(Pos(start + offset, 0), Pos(last + offset + 1, 0))
        if last + 1 >= len(lines) and start > 0:
            # The last line of a text without a final line break: remove the break before it instead.
            span = Span(Pos(start - 1 + offset, len(lines[start - 1])), Pos(last + offset, len(lines[last])))
        fixes = (Fix(f"Remove the repeated `{key.text}`", (TextEdit(span, ""),), safe=True),)
    return Finding.referring(
        f"duplicate key `{literal(key.text)}`: it is already defined on line {{0}}; "
        "the API server rejects mappings with repeated keys",
        (first.span,),
        span=key.span,
        severity=Severity.ERROR,
        code="KL102",
        fixes=fixes,
        doc=index,
        data={"first": [first.span.start.line, first.span.start.col], "key": key.text},
    )


__all__ = ["Document", "parse_stream", "parse_chunk", "Fix", "TextEdit"]
