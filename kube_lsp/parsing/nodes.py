"""The position tree: every key, value and item of a YAML document knows its span.

Scalars are resolved the way Kubernetes resolves them (sigs.k8s.io/yaml on go-yaml v2, i.e. YAML 1.1
booleans such as `yes`/`on`, octal `0644`, underscores in numbers), because that is what the API server
will see after `kubectl apply`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Final

from kube_lsp.model import Span

# go-yaml v2 also reads a lone y / n as a boolean (`kubectl create --dry-run=client -o json` shows it).
_BOOL_TRUE: Final = frozenset({"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"})
_BOOL_FALSE: Final = frozenset({"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"})
_NULL: Final = frozenset({"", "~", "null", "Null", "NULL"})
_INT_RE: Final = re.compile(r"[-+]?(0b[01_]+|0x[0-9a-fA-F_]+|0o?[0-7_]+|0|[1-9][0-9_]*)")
_FLOAT_RE: Final = re.compile(r"[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?")
_SPECIAL_FLOATS: Final = {
    ".nan": math.nan, ".NaN": math.nan, ".NAN": math.nan,
    ".inf": math.inf, ".Inf": math.inf, ".INF": math.inf,
    "+.inf": math.inf, "+.Inf": math.inf, "+.INF": math.inf,
    "-.inf": -math.inf, "-.Inf": -math.inf, "-.INF": -math.inf,
}
_EXPLICIT_STR: Final = frozenset({"tag:yaml.org,2002:str", "!!str"})


def resolve_plain(text: str) -> Any:
    """Resolve a plain (unquoted, untagged) scalar to None, bool, int, float or str."""
    if text in _NULL:
        return None
    if text in _BOOL_TRUE:
        return True
    if text in _BOOL_FALSE:
        return False
    first = text[0]
    if first.isdigit() or first in "+-.":
        if _INT_RE.fullmatch(text):
            return _parse_int(text)
        if _FLOAT_RE.fullmatch(text) and any(c.isdigit() for c in text):
            try:
                return float(text.replace("_", ""))
            except ValueError:
                return text
        if text in _SPECIAL_FLOATS:
            return _SPECIAL_FLOATS[text]
    return text


_MAX_INT_CHARS = 1000
"""Longer integer literals resolve to an infinite float: Python refuses to convert a decimal one of more
than 4,300 digits (and to print a hexadecimal one as long), and no Kubernetes field holds such a number."""


def _parse_int(text: str) -> int | float:
    t = text.replace("_", "")
    sign = -1 if t.startswith("-") else 1
    t = t.lstrip("+-")
    if len(t) > _MAX_INT_CHARS:
        return sign * math.inf
    if t.startswith("0b"):
        return sign * int(t[2:], 2)
    if t.startswith("0x"):
        return sign * int(t[2:], 16)
    if t.startswith("0o"):
        return sign * int(t[2:], 8)
    if len(t) > 1 and t.startswith("0"):
        return sign * int(t[1:], 8)
    return sign * int(t)


@dataclass(slots=True, eq=False)
class YScalar:
    text: str
    span: Span
    # None for plain scalars; otherwise one of ' " | >
    style: str | None = None
    tag: str | None = None
    value: Any = None

    @property
    def plain(self) -> bool:
        return self.style is None


@dataclass(slots=True, eq=False)
class YMap:
    span: Span
    pairs: list[tuple[YScalar, YNode]] = field(default_factory=list)
    flow: bool = False
    # Mappings merged in with `<<: *anchor` (their keys count as present here).
    merges: list[YMap] = field(default_factory=list)
    tag: str | None = None

    def get(self, key: str) -> YNode | None:
        for k, v in self.pairs:
            if k.text == key:
                return v
        for m in self.merges:
            found = m.get(key)
            if found is not None:
                return found
        return None

    def key_node(self, key: str) -> YScalar | None:
        for k, _ in self.pairs:
            if k.text == key:
                return k
        return None

    def keys(self) -> list[str]:
        seen = [k.text for k, _ in self.pairs]
        for m in self.merges:
            seen.extend(m.keys())
        return seen

    def get_str(self, key: str) -> str | None:
        node = self.get(key)
        if isinstance(node, YScalar) and isinstance(node.value, str):
            return node.value
        return None


@dataclass(slots=True, eq=False)
class YSeq:
    span: Span
    items: list[YNode] = field(default_factory=list)
    flow: bool = False
    tag: str | None = None


YNode = YScalar | YMap | YSeq


def to_python(node: YNode) -> Any:
    """Plain Python data of a node (aliases are shared, so callers must bound the size first)."""
    if isinstance(node, YScalar):
        return node.value
    if isinstance(node, YSeq):
        return [to_python(i) for i in node.items]
    out: dict[str, Any] = {}
    for m in node.merges:
        out.update(to_python(m))
    for k, v in node.pairs:
        out[json_key(k)] = to_python(v)
    return out


def json_key(key: YScalar) -> str:
    """A mapping key as kubectl sends it: sigs.k8s.io/yaml turns resolved non-string keys into JSON
    strings, so `on:` becomes "true" and `0755:` becomes "493"."""
    value = key.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e6:  # Go prints 1e+06 on
        return str(int(value))
    return key.text


def is_explicit_str(tag: str | None) -> bool:
    return tag in _EXPLICIT_STR
