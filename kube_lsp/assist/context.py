"""Where the cursor is, read from the text alone, so it works while the document does not parse.

The YAML path of the cursor is recovered from indentation: walking up from the cursor line, each line
whose key sits left of the current column is a parent. List items (`- `) add an index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

from kube_lsp.parsing.text import Chunk, chunk_around, split_documents, split_lines

_KEY_LINE: Final = re.compile(r"""^(?P<key>"[^"]*"|'[^']*'|[^\s#'"{\[][^:#]*?)\s*:(?:\s+(?P<value>.*?))?\s*$""")
_ROOT_FIELD: Final = re.compile(r"^(apiVersion|kind):[ \t]*['\"]?([^'\"#\s]*)")

PathT = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Cursor:
    """What the cursor is on.

    `path` is the path of the mapping (or list item) the cursor's key belongs to; `key` is the key on the
    cursor line (for value positions and hovers); `in_value` tells whether the cursor is after `key: `.
    `prefix` is the partial word before the cursor; `column` is where the key at the cursor starts.
    """

    path: PathT
    key: str | None
    in_value: bool
    prefix: str
    column: int
    siblings: frozenset[str]
    api_version: str | None
    kind: str | None
    chunk: Chunk
    item_start: bool = False
    value_text: str = ""
    line_text: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def chunk_at(text: str, line: int) -> Chunk | None:
    """The document chunk holding `line` (or the last one before it)."""
    best = None
    for chunk in split_documents(text):
        if chunk.start_line <= line:
            best = chunk
        if chunk.start_line <= line < chunk.end_line:
            return chunk
    return best


def _parse_line(text: str) -> tuple[int, int, str | None, str | None, list[int]]:
    """(indent, key column, key, value, dash columns) of one line."""
    indent = len(text) - len(text.lstrip(" "))
    col = indent
    body = text[indent:]
    dashes = []
    while body.startswith("- ") or body == "-":
        dashes.append(col)
        rest = body[1:].lstrip(" ")
        col += len(body) - len(rest)
        body = rest
    m = _KEY_LINE.match(body.split(" #", 1)[0]) if body and not body.startswith("#") else None
    if m is None:
        return indent, col, None, None, dashes
    key = m.group("key").strip("'\"")
    return indent, col, key, m.group("value"), dashes


def cursor_at(text: str, line: int, col: int, index: tuple[list[str], list[int]] | None = None, *,
              siblings: bool = True) -> Cursor | None:
    """The cursor's context; `index` (the text's lines and line start offsets) makes big files cheap.
    `siblings=False` skips collecting the keys beside the cursor (only completion needs them; in a mapping of
    100,000 keys that scan is most of the cost)."""
    chunk = chunk_around(text, index[0], index[1], line) if index else chunk_at(text, line)
    if chunk is None:
        return None
    lines = split_lines(chunk.text)
    rel = line - chunk.start_line
    if not 0 <= rel < len(lines):
        return None
    current = lines[rel]
    before = current[:col]
    # Key or value position on the cursor line.
    indent, key_col, key, value, dashes = _parse_line(current)
    stripped_before = before[key_col:] if len(before) >= key_col else ""
    in_value = key is not None and ":" in stripped_before and col > key_col
    item_start = bool(dashes) and not in_value and col >= key_col
    if not before.strip() or (before.strip() == "-" or before.rstrip().endswith("- ")):
        # An empty line (or just "- "): the key column is where the cursor is.
        key_col = col if not before.strip() else key_col
        key = None
        in_value = False
        item_start = bool(dashes)
    word_m = re.search(r"[\w.\-/]*$", before)
    prefix = word_m.group(0) if word_m else ""
    path = _parent_path(lines, rel, key_col, dashes, item_start or bool(dashes))
    new_item = bool(dashes) and not current[key_col:].strip()
    keys = (frozenset() if new_item or not siblings
            else _sibling_keys(lines, rel, key_col, path_has_item=bool(dashes)))
    av = kd = None
    for ln in lines:
        m = _ROOT_FIELD.match(ln)
        if m:
            if m.group(1) == "apiVersion":
                av = m.group(2) or None
            else:
                kd = m.group(2) or None
    value_text = (value or "") if in_value else ""
    return Cursor(path=path, key=key, in_value=in_value, prefix=prefix, column=key_col, siblings=keys,
                  api_version=av, kind=kd, chunk=chunk, item_start=item_start, value_text=value_text,
                  line_text=current)


def _parent_path(lines: list[str], rel: int, col: int, dashes: list[int], in_item: bool) -> PathT:
    path: list[str | int] = []
    ind = col
    inclusive = False
    if dashes:
        # The cursor's key is inside a list item: its mapping is item 0-ish of a sequence at dashes[0].
        path.append(0)
        ind = dashes[0]
        inclusive = True
    for i in range(rel - 1, -1, -1):
        text = lines[i]
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        indent, key_col, key, value, line_dashes = _parse_line(text)
        if text.startswith(("---", "...")):
            break
        if line_dashes and not inclusive and line_dashes[0] < ind <= key_col:
            # A sibling key in the same list item: our mapping is that item.
            path.append(0)
            ind = line_dashes[0]
            inclusive = True
            continue
        limit_ok = key_col <= ind if inclusive else key_col < ind
        if key is not None and limit_ok and (not value or value.startswith(("|", ">", "&", "!"))):
            if inclusive and key_col == ind and line_dashes:
                continue
            path.append(key)
            ind = key_col
            inclusive = False
            if line_dashes:
                path.append(0)
                ind = line_dashes[0]
                inclusive = True
            if ind == 0 and not inclusive:
                break
        elif indent < ind and key is not None and value:
            # A scalar-valued key further left: we are past its block; it is a sibling of an ancestor.
            continue
    path.reverse()
    return tuple(path)


def _sibling_keys(lines: list[str], rel: int, col: int, path_has_item: bool) -> frozenset[str]:
    """Keys already present in the mapping the cursor is in (same column, same block)."""
    keys: set[str] = set()
    for step in (-1, 1):
        i = rel + step
        while 0 <= i < len(lines):
            text = lines[i]
            if not text.strip() or text.lstrip().startswith("#"):
                i += step
                continue
            indent, key_col, key, _, dashes = _parse_line(text)
            if key_col < col or (indent < col and not dashes) or text.startswith("---"):
                if dashes and key_col == col and key is not None:
                    keys.add(key)  # the first key of our own list item
                break
            if key_col == col and key is not None:
                if dashes and step == 1:
                    break  # the next list item starts
                keys.add(key)
                if dashes and step == -1:
                    break  # the first key of our list item
            i += step
    return frozenset(keys)
