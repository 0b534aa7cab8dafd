"""Fix edits that add keys to block mappings, for the rules whose quick fix inserts a setting."""

from __future__ import annotations

from kube_lsp.model import Fix, Span, TextEdit
from kube_lsp.parsing.nodes import YMap, YNode, YScalar
from kube_lsp.rules.base import ObjectContext


def _last_line(node: YNode) -> int:
    """The last line holding content of `node` (a block scalar's span ends at column 0 of the next line)."""
    if isinstance(node, YMap):
        if node.flow or not node.pairs:
            return node.span.end.line
        return _last_line(node.pairs[-1][1])
    if isinstance(node, YScalar):
        end = node.span.end
        return end.line - 1 if end.col == 0 and end.line > node.span.start.line else end.line
    if node.flow or not node.items:
        return node.span.end.line
    return _last_line(node.items[-1])


def _indent_unit(m: YMap) -> int:
    for _, v in m.pairs:
        if isinstance(v, YMap) and not v.flow and v.pairs:
            return max(1, v.pairs[0][0].span.start.col - m.pairs[0][0].span.start.col)
    return 2


def insert_edit(ctx: ObjectContext, m: YMap, keys: tuple[str, ...], value: str) -> TextEdit | None:
    """An edit that sets `keys` (a path below `m`) to `value` (YAML text), creating the mappings on the way.

    None when that cannot be done by inserting lines: a flow mapping on the way, a key on the way whose value
    is not a mapping, the last key already present (the caller replaces its value instead).
    """
    node = m
    i = 0
    while i < len(keys) - 1:
        child = node.get(keys[i])
        if child is None:
            break
        if not isinstance(child, YMap) or child.flow or not child.pairs:
            return None
        node, i = child, i + 1
    if node.flow or not node.pairs or node.get(keys[i]) is not None or node.merges:
        return None
    indent = node.pairs[0][0].span.start.col
    unit = _indent_unit(node)
    line = _last_line(node)
    rel = line - ctx.first_line
    if not 0 <= rel < len(ctx.lines):
        return None
    out = []
    for depth, key in enumerate(keys[i:]):
        pad = " " * (indent + depth * unit)
        out.append(f"{pad}{key}:" if depth < len(keys) - i - 1 else f"{pad}{key}: {value}")
    return TextEdit(Span.point(line, len(ctx.lines[rel])), "\n" + "\n".join(out))


def set_fix(ctx: ObjectContext, m: YMap, keys: tuple[str, ...], value: str, title: str,
            safe: bool = False) -> tuple[Fix, ...]:
    """A fix setting `keys` below `m` to `value`: replacing the value when the key is there, else inserting
    it; () when neither can be done safely."""
    node: YNode | None = m
    for k in keys:
        node = node.get(k) if isinstance(node, YMap) else None
    if isinstance(node, YScalar):
        return (Fix(title, (TextEdit(node.span, value),), safe=safe),)
    if node is not None:
        return ()
    edit = insert_edit(ctx, m, keys, value)
    return (Fix(title, (edit,), safe=safe),) if edit is not None else ()
