"""Structural text edits on a parsed YAML document that keep everything they do not touch: comments, order,
quoting and indentation of the other fields.

A `Source` knows the document's lines. New content is a `Tree`: (key, value) pairs where a value is text
already in YAML form (`"80"`, `ImplementationSpecific`), a node of the document copied as it is written (its
comments too, re-indented), a nested Tree, or a list of Trees (a block sequence of mappings). It is emitted
in the style of the node it replaces: block or flow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Union

from kube_lsp.model import Pos, Span, TextEdit
from kube_lsp.parsing.nodes import YMap, YNode, YScalar, YSeq

Value = Union[str, YNode, "Tree", "Items"]
# A key to write: new text, or a key of the document (written as it is, with the comment lines above it).
Key = str | YScalar


class Tree(list[tuple[Key, Value]]):
    """A mapping to write: (key, value) pairs in order."""


class Items(list["Tree"]):
    """A sequence of mappings to write."""


def content_end(node: YNode) -> Pos:
    """Where the node's own text ends: block collections' spans run on to the next token (past comments and
    blank lines), a block scalar's to the start of the line after it."""
    if isinstance(node, YScalar):
        end = node.span.end
        if end.col == 0 and end.line > node.span.start.line:
            return Pos(end.line - 1, 1 << 30)  # the end of the previous line (clamped by the Source)
        return end
    if isinstance(node, YMap):
        if node.flow or not node.pairs:
            return node.span.end
        key, value = node.pairs[-1]
        return max(key.span.end, content_end(value)) if value.span.start >= key.span.start else key.span.end
    if node.flow or not node.items:
        return node.span.end
    return content_end(node.items[-1])


@dataclass(slots=True)
class Source:
    """The lines of one document; `first_line` is the line number of `lines[0]` in spans.

    While a region is being replaced (`region`), comments inside it that belong to copied keys and values go
    along: the comment lines right above a copied key, and a comment after a copied scalar on its line.
    """

    lines: Sequence[str]
    first_line: int = 0
    region: Span | None = None
    # The document's indentation step (new nested mappings use it): the smallest indentation of a key.
    step: int = 0

    def __post_init__(self) -> None:
        if not self.step:
            found = [len(line) - len(line.lstrip(" ")) for line in self.lines
                     if line.startswith(" ") and line.lstrip(" ")[:1] not in ("", "-", "#")]
            self.step = min(max(min(found, default=2), 2), 8)

    def line(self, n: int) -> str:
        i = n - self.first_line
        return self.lines[i] if 0 <= i < len(self.lines) else ""

    def clamp(self, p: Pos) -> Pos:
        return Pos(p.line, min(p.col, len(self.line(p.line))))

    def text(self, start: Pos, end: Pos) -> str:
        end = self.clamp(end)
        if start.line == end.line:
            return self.line(start.line)[start.col:end.col]
        parts = [self.line(start.line)[start.col:]]
        parts += [self.line(n) for n in range(start.line + 1, end.line)]
        parts.append(self.line(end.line)[:end.col])
        return "\n".join(parts)

    def node_text(self, node: YNode, col: int) -> str:
        """The node as written, its following lines moved as if it started at column `col`."""
        start, end = node.span.start, self.clamp(content_end(node))
        lines = self.text(start, end).split("\n")
        delta = col - start.col
        return "\n".join([lines[0]] + [_shift(line, delta) for line in lines[1:]])

    # ------------------------------------------------------------------------------------- emitting

    def block(self, tree: Tree, col: int) -> str:
        """`tree` as block mapping lines; the first line without indentation (it goes where the replaced
        text started, at column `col`), the others indented to `col` and deeper."""
        out: list[str] = []
        for i, (key, value) in enumerate(tree):
            above = self._comments_above(key)
            lines = self._emit_pair(self._key_text(key), value, col)
            if above and i == 0:
                out.extend([above[0], *(" " * col + c for c in above[1:]), " " * col + lines[0]])
            else:
                out.extend([" " * col + c for c in above])
                out.append(lines[0] if i == 0 else " " * col + lines[0])
            out.extend(lines[1:])
        return "\n".join(out)

    def _key_text(self, key: Key) -> str:
        return key if isinstance(key, str) else self.text(key.span.start, key.span.end)

    def _inside(self, line: int) -> bool:
        return self.region is not None and self.region.start.line < line < self.region.end.line

    def _comments_above(self, key: Key) -> list[str]:
        """The comment lines right above a copied key, when they are inside the replaced region."""
        if isinstance(key, str):
            return []
        found: list[str] = []
        n = key.span.start.line - 1
        while self._inside(n) and self.line(n).strip().startswith("#"):
            found.insert(0, self.line(n).strip())
            n -= 1
        return found

    def _comment_after(self, node: YNode) -> str:
        """`  # ...` after a copied node on the line where it ends, when that line is inside the replaced
        region."""
        if isinstance(node, YScalar) and node.style in ("|", ">"):
            return ""
        end = self.clamp(content_end(node))
        if not (self._inside(end.line) or (self.region is not None and end.line == self.region.start.line
                                             and end.line < self.region.end.line)):
            return ""
        rest = self.line(end.line)[end.col:]
        return rest.rstrip() if rest.strip().startswith("#") else ""

    def _emit_pair(self, key: str, value: Value, col: int) -> list[str]:
        """Lines of one pair at column `col`: the first without indentation, the others fully indented."""
        if isinstance(value, str):
            return [f"{key}: {value}"]
        if isinstance(value, Items):
            lines = [f"{key}:"]
            for item in value:
                body = self.block(item, col + self.step + 2).split("\n")
                lines.append(" " * (col + self.step) + "- " + body[0])
                lines.extend(body[1:])
            return lines
        if isinstance(value, Tree):
            if not value:
                return [f"{key}: {{}}"]
            body = self.block(value, col + self.step).split("\n")
            return [f"{key}:", " " * (col + self.step) + body[0], *body[1:]]
        if isinstance(value, YScalar) or value.flow or not _items(value):
            lines = self.node_text(value, col + len(key) + 2).split("\n")
            lines[-1] += self._comment_after(value)
            return [f"{key}: {lines[0]}", *lines[1:]]
        lines = self.node_text(value, col + self.step).split("\n")
        lines[-1] += self._comment_after(value)
        return [f"{key}:", " " * (col + self.step) + lines[0], *lines[1:]]

    def flow(self, tree: Tree) -> str:
        parts = []
        for raw_key, value in tree:
            key = self._key_text(raw_key)
            if isinstance(value, str):
                parts.append(f"{key}: {value}")
            elif isinstance(value, Items):
                parts.append(f"{key}: [{', '.join(self.flow(t) for t in value)}]")
            elif isinstance(value, Tree):
                parts.append(f"{key}: {self.flow(value)}")
            else:
                parts.append(f"{key}: {self.node_text(value, 0)}")
        return "{" + ", ".join(parts) + "}"

    # -------------------------------------------------------------------------------------- editing

    def replace_map(self, node: YMap, tree: Tree) -> TextEdit:
        """Replace a mapping's content by `tree`, in the mapping's own style."""
        if node.flow or not node.pairs:
            return TextEdit(node.span, self.flow(tree))
        return self._block_edit(Span(node.span.start, self.clamp(content_end(node))), tree, node.span.start.col)

    def _block_edit(self, span: Span, tree: Tree, col: int) -> TextEdit:
        """Replace `span` by `tree` in block style; a comment after the span's last line goes with the node it
        follows (so the edit takes it too)."""
        line = self.line(span.end.line)
        self.region = span
        if line[span.end.col:].strip().startswith("#"):
            self.region = Span(span.start, Pos(span.end.line + 1, 0))
            span = Span(span.start, Pos(span.end.line, len(line.rstrip())))
        try:
            return TextEdit(span, self.block(tree, col))
        finally:
            self.region = None

    def replace_pair(self, node: YMap, key: str, tree: Tree) -> TextEdit | None:
        """Replace the pair `key` of `node` by the pairs of `tree` (at the same place)."""
        pair = _pair(node, key)
        if pair is None:
            return None
        k, v = pair
        end = self.clamp(content_end(v)) if v.span.start >= k.span.start else k.span.end
        if node.flow:
            return TextEdit(Span(k.span.start, end), self.flow(tree)[1:-1])
        return self._block_edit(Span(k.span.start, end), tree, k.span.start.col)

    def add_pairs(self, node: YMap, tree: Tree, after: str | None = None) -> TextEdit:
        """Add the pairs of `tree` to `node`: after the pair `after` (when it has it), else after its last pair
        (block), or at its start (flow)."""
        if node.flow or not node.pairs:
            if not node.pairs:
                return TextEdit(node.span, self.flow(tree))
            first = node.pairs[0][0].span.start
            return TextEdit(Span(first, first), self.flow(tree)[1:-1] + ", ")
        pair = _pair(node, after) if after else None
        k, v = pair if pair is not None else node.pairs[-1]
        end = self.clamp(content_end(v)) if v.span.start >= k.span.start else k.span.end
        line_end = Pos(end.line, len(self.line(end.line)))
        col = node.pairs[0][0].span.start.col
        return TextEdit(Span(line_end, line_end), "\n" + " " * col + self.block(tree, col))

    def delete_pair(self, node: YMap, key: str) -> TextEdit | None:
        """Remove the pair `key` from a block mapping with other pairs (its whole lines), or from a flow one."""
        pair = _pair(node, key)
        if pair is None or len(node.pairs) < 2:
            return None
        k, v = pair
        i = next(i for i, (kk, _) in enumerate(node.pairs) if kk is k)
        end = self.clamp(content_end(v)) if v.span.start >= k.span.start else k.span.end
        if node.flow:
            if i + 1 < len(node.pairs):
                return TextEdit(Span(k.span.start, node.pairs[i + 1][0].span.start), "")
            prev_k, prev_v = node.pairs[i - 1]
            return TextEdit(Span(self.clamp(content_end(prev_v)), end), "")
        before = self.line(k.span.start.line)[:k.span.start.col]
        if before.strip() and before.strip() != "-":
            return None
        if before.strip() == "-":  # the first key of a sequence item: the next key takes its place
            nk = node.pairs[i + 1][0]
            return TextEdit(Span(k.span.start, nk.span.start), "")
        return TextEdit(Span(Pos(k.span.start.line, 0), Pos(end.line + 1, 0)), "")

    def rename_key(self, node: YMap, key: str, new: str) -> TextEdit | None:
        pair = _pair(node, key)
        return TextEdit(pair[0].span, new) if pair is not None else None


def _items(node: YNode) -> bool:
    return bool(node.pairs) if isinstance(node, YMap) else bool(node.items) if isinstance(node, YSeq) else False


def _pair(node: YMap, key: str) -> tuple[YScalar, YNode] | None:
    return next(((k, v) for k, v in node.pairs if k.text == key), None)


def _shift(line: str, delta: int) -> str:
    if delta >= 0:
        return " " * delta + line if line.strip() else line
    strip = min(-delta, len(line) - len(line.lstrip(" ")))
    return line[strip:]


def quoted_like(node: YScalar, text: str) -> str:
    """`text` as a scalar written in the quoting style of `node`."""
    return f"{node.style}{text}{node.style}" if node.style in ("'", '"') else text
