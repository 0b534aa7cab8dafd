"""Hover: what a field is — description, type, required or optional, default, allowed values, and which
schema said so (bundled version, CRD file, or the cluster)."""

from __future__ import annotations

from dataclasses import dataclass

from kube_lsp.assist.context import cursor_at
from kube_lsp.model import Span
from kube_lsp.schema.catalog import Catalog
from kube_lsp.schema.navigate import default_of, descend, parent_enums, root_schema, type_label


@dataclass(frozen=True, slots=True)
class HoverInfo:
    markdown: str
    span: Span


def hover(text: str, line: int, col: int, catalog: Catalog,
          index: tuple[list[str], list[int]] | None = None, origin: str | None = None) -> HoverInfo | None:
    cur = cursor_at(text, line, col, index, siblings=False)
    if cur is None or cur.key is None:
        return None
    key_start = cur.line_text.find(cur.key, cur.column)
    on_key = key_start <= col <= key_start + len(cur.key)
    if not on_key and not cur.in_value:
        return None
    if cur.path == () and cur.key in ("apiVersion", "kind"):
        ks = root_schema(catalog, cur.api_version, cur.kind, origin)
        what = f"`{cur.api_version}` {cur.kind}" if ks else "the object"
        src = ks.source if ks else "no schema known for this apiVersion and kind"
        from kube_lsp.upgrade.lens import timeline_markdown

        life = timeline_markdown(cur.api_version, cur.kind) if cur.api_version and cur.kind else ""
        return HoverInfo(f"**{cur.key}** of {what}\n\nSchema: {src}" + (f"\n\n{life}" if life else ""),
                         _span(line, key_start, cur.key))
    ks = root_schema(catalog, cur.api_version, cur.kind, origin)
    if ks is None:
        return None
    path = (*cur.path, cur.key)
    found = descend(catalog, ks, path)
    if found is None:
        return None
    schema, name = found
    parent = descend(catalog, ks, cur.path)
    required = parent is not None and cur.key in (parent[0].get("required") or ())
    parts = [f"**{cur.key}** · `{type_label(catalog, schema, name)}` · {'required' if required else 'optional'}"]
    if schema.get("description"):
        parts.append(schema["description"])
    values = parent_enums(catalog, ks, path)
    if values:
        parts.append("Allowed values: " + ", ".join(f"`{v}`" for v in values))
    default = default_of(schema)
    if default:
        parts.append(f"Default: `{default}`")
    declared = parent[1] if parent is not None and parent[1] else ks.definition
    where = ks.source + (f" · `{declared}`" if declared else "")
    parts.append(f"Path: `{_fmt(path)}` · Schema: {where}")
    return HoverInfo("\n\n".join(parts), _span(line, key_start, cur.key))


def _span(line: int, col: int, key: str) -> Span:
    return Span.of(line, col, line, col + len(key))


def _fmt(path: tuple[str | int, ...]) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else ("." if out else "") + p
    return out
