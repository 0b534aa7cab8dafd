"""Validate a document's tree against its schema: unknown fields, types, closed sets, required fields.

The walk follows the API server's rules rather than plain JSON Schema: unknown fields are errors
(strict field validation) except in free-form maps; `null` means "not set"; int-or-string and
quantities accept both forms.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Final

from kube_lsp.model import Finding, Fix, Pos, Severity, Span, TextEdit
from kube_lsp.parsing.nodes import YMap, YNode, YScalar, YSeq
from kube_lsp.schema.catalog import Catalog, KindSchema, Schema
from kube_lsp.suggest import suggest

PathT = tuple[str | int, ...]

_INT32: Final = (-(2**31), 2**31 - 1)
_TYPE_NAMES: Final = {
    "integer": "an integer",
    "number": "a number",
    "string": "a string",
    "boolean": "a boolean (true or false)",
    "object": "a mapping",
    "array": "a list",
}
# Keys that strategic-merge patches may carry (Kustomize patches are partial objects).
_PATCH_DIRECTIVE_PREFIXES: Final = ("$patch", "$setElementOrder/", "$retainKeys", "$deleteFromPrimitiveList/")


def format_path(path: PathT) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out or "<root>"


def describe_value(node: YNode) -> str:
    if isinstance(node, YMap):
        return "a mapping"
    if isinstance(node, YSeq):
        return "a list"
    v = node.value
    if isinstance(v, bool):
        return f"the boolean {node.text}"
    if isinstance(v, int | float):
        return f"the number {node.text}"
    if v is None:
        return "null"
    return f'the string "{_clip(node.text)}"'


def _clip(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


@dataclass(slots=True)
class Validation:
    """Accumulates findings for one document.

    `lines` are the document's source lines and `first_line` the absolute line of the first one; they
    let fixes re-indent blocks. `accounted` holds field paths that a finding already explains (a key
    that is misspelled or at the wrong level), so that the required-field check stays quiet about them.
    """

    catalog: Catalog
    doc: int
    partial: bool = False
    # A custom resource: kube-openapi's value validations (bounds, formats) are the CRD walk's (crd_checks.py).
    custom: bool = False
    lines: list[str] = field(default_factory=list)
    first_line: int = 0
    findings: list[Finding] = field(default_factory=list)
    accounted: set[str] = field(default_factory=set)

    def add(self, span: Span, severity: Severity, code: str, message: str, path: PathT,
            fixes: tuple[Fix, ...] = (), **data: Any) -> None:
        self.findings.append(Finding(span=span, severity=severity, code=code, message=message,
                                     fixes=fixes, path=format_path(path), doc=self.doc, data=data))


def schema_types(schema: Schema) -> tuple[set[str], bool]:
    """The JSON types a schema admits (empty set = any) and whether null is allowed."""
    if schema.get("x-kubernetes-int-or-string"):
        return {"integer", "string"}, True
    t = schema.get("type")
    types: set[str] = set()
    if isinstance(t, str):
        types.add(t)
    elif isinstance(t, list):
        types.update(t)
    for key in ("oneOf", "anyOf"):
        branches = schema.get(key)
        for branch in branches if isinstance(branches, list) else ():
            if not isinstance(branch, dict):
                continue  # a malformed CRD (its own findings say so)
            bt = branch.get("type")
            if isinstance(bt, str):
                types.add(bt)
            elif isinstance(bt, list):
                types.update(bt)
            elif branch.get("x-kubernetes-int-or-string"):
                types.update(("integer", "string"))
            else:
                return set(), True
    nullable = "null" in types or bool(schema.get("nullable")) or not types
    types.discard("null")
    return types, nullable


def _node_type(node: YNode) -> str:
    if isinstance(node, YMap):
        return "object"
    if isinstance(node, YSeq):
        return "array"
    v = node.value
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "integer" if math.isfinite(v) and v.is_integer() else "number"
    return "string"


def _matches(actual: str, types: set[str]) -> bool:
    if not types or actual in types:
        return True
    return actual == "integer" and "number" in types


def _type_label(name: str | None, path: PathT) -> str:
    if name:
        return name.rsplit(".", 1)[-1]
    return format_path(path)


def anchor_span(parent_key: YScalar | None, node: YNode) -> Span:
    """Where to report something about a whole collection: its key, or the first line of the item."""
    if parent_key is not None:
        return parent_key.span
    if isinstance(node, YMap) and node.pairs:
        return node.pairs[0][0].span
    s = node.span.start
    end = node.span.end if node.span.end.line == s.line else Pos(s.line, s.col + 1)
    return Span(s, end)


def validate_object(root: YMap, ks: KindSchema, v: Validation) -> None:
    """Validate a Kubernetes object (apiVersion/kind are checked elsewhere)."""
    schema, name = v.catalog.resolve(ks.schema)
    name = name or ks.definition or ks.kind
    v.custom = ks.is_crd
    walker = _Walker(v)
    # The API server adds apiVersion, kind and metadata to every CRD's schema itself.
    skip = ("apiVersion", "kind", "metadata") if ks.is_crd else ("apiVersion", "kind")
    walker.object(root, schema, name, (), None, skip=skip)
    if ks.is_crd:
        meta = root.get("metadata")
        meta_def = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
        if isinstance(meta, YMap) and meta_def in v.catalog.definitions:
            walker.node(meta, {"$ref": "#/$defs/" + meta_def}, ("metadata",), root.key_node("metadata"))
    if ks.is_crd:
        from kube_lsp.schema.crd_checks import CrdChecker, check_crd_version

        check_crd_version(root, ks, v)
        CrdChecker(v, skip_status=ks.status_subresource).run(root, schema)
    if v.accounted:
        v.findings = [f for f in v.findings if not (f.code == "KL203" and f.path in v.accounted)]


@dataclass(frozen=True, slots=True)
class _Frame:
    node: YMap
    schema: Schema
    name: str | None
    path: PathT
    key: YScalar | None


@dataclass(frozen=True, slots=True)
class _Move:
    """Where a key at the wrong level belongs: the mapping's path and the column its keys start at."""

    path: PathT
    name: str | None
    column: int | None
    deeper: bool
    # The key is a declared field there (not just any key of a free-form map).
    explicit: bool = True


class _Walker:
    def __init__(self, v: Validation) -> None:
        self.v = v
        self.catalog = v.catalog
        self.stack: list[_Frame] = []

    def node(self, node: YNode, schema: Schema, path: PathT, key: YScalar | None,
             enum: tuple[str, ...] | None = None) -> None:
        schema, name = self.catalog.resolve(schema)
        if not schema:
            return
        types, nullable = schema_types(schema)
        if name is not None and name.endswith("api.resource.Quantity"):
            types = {"string", "number"}  # a cluster's OpenAPI says string; numbers are accepted all the same
        actual = _node_type(node)
        if actual == "null":
            return  # null means "not set"; a required field set to null is reported by its parent
        if not _matches(actual, types):
            self._wrong_type(node, types, path, key, schema)
            return
        if isinstance(node, YMap):
            if "properties" in schema or "additionalProperties" in schema:
                self.object(node, schema, name, path, key)
            return
        if isinstance(node, YSeq):
            items = schema.get("items")
            if isinstance(items, dict):
                for i, item in enumerate(node.items):
                    self.node(item, items, (*path, i), None, enum)
            return
        allowed = enum if enum is not None else schema.get("enum")
        if allowed and actual == "string" and path not in (("apiVersion",), ("kind",)):
            self._enum(node, tuple(str(a) for a in allowed), path, key)
        if self.v.custom:
            return  # a CRD's formats and bounds: crd_checks.py (the API server does not check int32 there)
        if actual == "integer" and schema.get("format") == "int32":
            value = node.value
            if isinstance(value, int | float) and not (_INT32[0] <= value <= _INT32[1]):
                self.v.add(node.span, Severity.ERROR, "KL201",
                           f"`{_last(path)}` must fit in a 32-bit integer, got {node.text}", path)
        self._bounds(node, schema, path)

    def object(self, node: YMap, schema: Schema, name: str | None, path: PathT, key: YScalar | None,
               skip: tuple[str, ...] = ()) -> None:
        props: dict[str, Schema] = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        free = (
            schema.get("x-kubernetes-preserve-unknown-fields") is True
            or (not props and extra is None)
            or isinstance(extra, dict)
            or extra is True
        )
        if schema.get("x-kubernetes-embedded-resource") is True:
            skip = (*skip, "apiVersion", "kind", "metadata")  # the API server allows these in embedded objects
        enums = self.catalog.enums.get(name or "", {})
        present = {k.text for k, _ in node.pairs}
        present.update(k for m in node.merges for k in m.keys())
        self.stack.append(_Frame(node, schema, name, path, key))
        for i, (k, val) in enumerate(node.pairs):
            if k.text in skip:
                continue
            sub = props.get(k.text)
            if sub is not None:
                self.node(val, sub, (*path, k.text), k, enums.get(k.text))
            elif isinstance(extra, dict):
                if not isinstance(val, YScalar) and self._typed_extra_mismatch(val, extra):
                    move = self._belongs_in_parent(k.text)
                    if move is not None:
                        self._wrong_level(k, val, move, name, path)
                        continue
                self.node(val, extra, (*path, k.text), k)
            elif not free:
                if self.v.partial and k.text.startswith(_PATCH_DIRECTIVE_PREFIXES):
                    continue
                best = self._unknown(k, val, i, node, list(props), present, name, path)
                if best is not None:
                    # Check the value as if the key were spelled right, so its own mistakes show too.
                    self.node(val, props[best], (*path, k.text), k, enums.get(best))
        self.stack.pop()
        if not self.v.partial:
            self._required(node, schema, name, path, key)

    def _typed_extra_mismatch(self, val: YNode, extra: Schema) -> bool:
        resolved, _ = self.catalog.resolve(extra)
        types, _ = schema_types(resolved)
        return bool(types) and not _matches(_node_type(val), types)

    # ------------------------------------------------------------------------------- wrong level

    def _belongs_in_parent(self, key: str) -> _Move | None:
        """The enclosing object, if `key` is one of its fields and it does not have it yet."""
        if len(self.stack) < 2:
            return None
        parent = self.stack[-2]
        schema, _ = self.catalog.resolve(parent.schema)
        if key not in (schema.get("properties") or {}) or parent.node.get(key) is not None:
            return None
        col = parent.node.pairs[0][0].span.start.col if parent.node.pairs and not parent.node.flow else None
        return _Move(parent.path, parent.name, col, deeper=False)

    def _belongs_in_previous(self, key: str, index: int, node: YMap, props: dict[str, Schema]) -> _Move | None:
        """The mapping just above `key` (previous sibling's value), if `key` is a field of it."""
        if index == 0:
            return None
        pk, pv = node.pairs[index - 1]
        sub = props.get(pk.text)
        if sub is None:
            return None
        schema, name = self.catalog.resolve(sub)
        path = (*self.stack[-1].path, pk.text)
        target: YMap | None = None
        if isinstance(pv, YSeq):
            items = schema.get("items")
            if not isinstance(items, dict) or not pv.items or not isinstance(pv.items[-1], YMap):
                return None
            schema, name = self.catalog.resolve(items)
            target = pv.items[-1]
            path = (*path, len(pv.items) - 1)
        elif isinstance(pv, YMap):
            target = pv
        elif not (isinstance(pv, YScalar) and pv.value is None):
            return None
        fields = schema.get("properties") or {}
        free_map = isinstance(schema.get("additionalProperties"), dict) or (
            schema.get("x-kubernetes-preserve-unknown-fields") is True)
        explicit = key in fields
        if not explicit and not (free_map and target is not None):
            return None
        if target is not None and target.get(key) is not None:
            return None
        if target is None:
            col = pk.span.start.col + _indent_unit(self.v)
        elif target.flow or not target.pairs:
            col = None
        else:
            col = target.pairs[0][0].span.start.col
        return _Move(path, name, col, deeper=True, explicit=explicit)

    def _wrong_level(self, k: YScalar, val: YNode, move: _Move, name: str | None, path: PathT) -> None:
        where = format_path(move.path) if move.path else ""
        dest = f"under `{where}`" if where else "at the document's top level"
        hint = "too little" if move.deeper else "too much"
        here = _type_label(name, path)
        msg = (f"`{k.text}` is not a field of {here}; it belongs {dest} — is it indented one level {hint}?")
        fixes: tuple[Fix, ...] = ()
        if move.column is not None:
            edits = _reindent(self.v, k, val, move.column - k.span.start.col)
            if edits:
                fixes = (Fix(f"Move `{k.text}` {dest}", edits, safe=True),)
        self.v.add(k.span, Severity.ERROR, "KL103", msg, (*path, k.text), fixes, target=format_path(move.path),
                   key=k.text)
        self.v.accounted.add(format_path((*move.path, k.text)))

    # -------------------------------------------------------------------------------------- findings

    def _unknown(self, k: YScalar, val: YNode, index: int, node: YMap, allowed: list[str], present: set[str],
                 name: str | None, path: PathT) -> str | None:
        """Report an unknown key; return the field it is a misspelling of, if any."""
        where = _type_label(name, path)
        at = f" ({format_path(path)})" if path else ""
        props = self.stack[-1].schema.get("properties") or {}
        move = self._belongs_in_parent(k.text)
        if move is None:
            move = self._belongs_in_previous(k.text, index, node, props)
        candidates = suggest(k.text, allowed, exclude=present)
        if move is not None and (move.explicit or not candidates):
            self._wrong_level(k, val, move, name, path)
            return None
        if candidates:
            best = candidates[0]
            fix = Fix(f"Rename `{k.text}` to `{best}`", (TextEdit(_key_text_span(k), best),), safe=True)
            self.v.add(k.span, Severity.ERROR, "KL200",
                       f"unknown field `{k.text}` in {where}{at} — did you mean `{best}`?",
                       (*path, k.text), (fix,), suggestion=best, candidates=candidates[:3])
            self.v.accounted.add(format_path((*path, best)))
            return best
        self.v.add(k.span, Severity.ERROR, "KL200",
                   f"unknown field `{k.text}` in {where}{at}; the API server rejects unknown fields",
                   (*path, k.text), allowed=sorted(allowed)[:50])
        return None

    def _required(self, node: YMap, schema: Schema, name: str | None, path: PathT,
                  key: YScalar | None) -> None:
        props = schema.get("properties")
        required = schema.get("required")
        for req in required if isinstance(required, list) else ():
            sub = props.get(req) if isinstance(props, dict) else None
            if isinstance(sub, dict) and "default" in sub:
                continue  # the API server fills in the default before it validates
            val = node.get(req)
            if val is None or (isinstance(val, YScalar) and val.value is None):
                where = _type_label(name, path)
                at = f" at {format_path(path)}" if path else ""
                if val is None and node.key_node(req) is None:
                    msg = f"missing required field `{req}` in {where}{at}"
                else:
                    msg = f"required field `{req}` in {where}{at} is empty"
                self.v.add(anchor_span(key, node), Severity.ERROR, "KL203", msg, (*path, req), field=req)

    def _wrong_type(self, node: YNode, types: set[str], path: PathT, key: YScalar | None,
                    schema: Schema) -> None:
        wanted = " or ".join(_TYPE_NAMES.get(t, t) for t in sorted(types))
        field_name = _last(path)
        msg = f"`{field_name}` must be {wanted}, got {describe_value(node)}"
        fixes: tuple[Fix, ...] = ()
        if isinstance(node, YScalar):
            span = node.span
            if node.style in ("'", '"') and ("integer" in types or "number" in types or "boolean" in types):
                from kube_lsp.parsing.nodes import resolve_plain

                plain = resolve_plain(node.text)
                ok = (isinstance(plain, bool) and "boolean" in types) or (
                    isinstance(plain, int | float) and not isinstance(plain, bool)
                    and ("number" in types or "integer" in types)
                )
                if ok and node.span.start.line == node.span.end.line:
                    msg += "; remove the quotes"
                    fixes = (Fix(f"Remove the quotes around {node.text}", (TextEdit(span, node.text),)),)
            elif node.style is None and types == {"string"} and node.span.start.line == node.span.end.line:
                msg += "; quote it"
                fixes = (Fix(f'Quote the value: "{node.text}"',
                             (TextEdit(span, '"' + node.text.replace('"', '\\"') + '"'),)),)
        else:
            span = anchor_span(key, node)
        self.v.add(span, Severity.ERROR, "KL201", msg, path, fixes, expected=sorted(types))

    def _enum(self, node: YScalar, allowed: tuple[str, ...], path: PathT, key: YScalar | None) -> None:
        value = node.value
        if not isinstance(value, str) or value in allowed:
            return
        shown = ", ".join(a if a else '""' for a in allowed)
        msg = f"`{_last(path)}` must be one of {shown}; got \"{_clip(value)}\""
        best = _closest_enum(value, allowed)
        fixes: tuple[Fix, ...] = ()
        if best is not None:
            msg += f" — did you mean `{best}`?"
            fixes = (Fix(f"Change to `{best}`", (TextEdit(node.span, best),), safe=True),)
        self.v.add(node.span, Severity.ERROR, "KL202", msg, path, fixes, allowed=list(allowed),
                   suggestion=best)

    def _bounds(self, node: YScalar, schema: Schema, path: PathT) -> None:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            return
        lo, hi = schema.get("minimum"), schema.get("maximum")
        if lo is not None and value < lo:
            self.v.add(node.span, Severity.ERROR, "KL201", f"`{_last(path)}` must be at least {lo}", path)
        elif hi is not None and value > hi:
            self.v.add(node.span, Severity.ERROR, "KL201", f"`{_last(path)}` must be at most {hi}", path)


def _indent_unit(v: Validation) -> int:
    from kube_lsp.parsing.syntax import indent_unit

    return indent_unit(v.lines) if v.lines else 2


def _block_lines(k: YScalar, val: YNode, lines: list[str], first_line: int) -> range:
    """The lines of a key and its value. A block value ends where the next key starts, so a last line
    with nothing but indentation before the end mark is not part of the block."""
    end = val.span.end
    last = end.line
    rel = end.line - first_line
    if end.line > k.span.start.line and (rel >= len(lines) or not lines[rel][: end.col].strip()):
        last -= 1
    return range(k.span.start.line, max(last, k.span.start.line) + 1)


def _reindent(v: Validation, k: YScalar, val: YNode, delta: int) -> tuple[TextEdit, ...]:
    """Edits that shift a key's whole block by `delta` columns (empty when that is not possible)."""
    if delta == 0 or not v.lines:
        return ()
    edits = []
    for line in _block_lines(k, val, v.lines, v.first_line):
        rel = line - v.first_line
        if not 0 <= rel < len(v.lines):
            return ()
        text = v.lines[rel]
        if line == k.span.start.line and text[: k.span.start.col].strip():
            return ()  # the key shares its line with a `- ` or another key
        if not text.strip():
            continue
        lead = len(text) - len(text.lstrip(" "))
        if delta > 0:
            edits.append(TextEdit(Span.point(line, 0), " " * delta))
        elif lead >= -delta:
            edits.append(TextEdit(Span(Pos(line, 0), Pos(line, -delta)), ""))
        elif text.lstrip().startswith("#"):
            continue
        else:
            return ()
    return tuple(edits)


def _closest_enum(value: str, allowed: tuple[str, ...]) -> str | None:
    for a in allowed:
        if a.lower() == value.lower():
            return a
    candidates = suggest(value, [a for a in allowed if a])
    if candidates:
        return candidates[0]
    # Abbreviations such as RWX for ReadWriteMany: initials.
    for a in allowed:
        initials = "".join(c for c in a if c.isupper())
        if len(initials) > 1 and initials == value.upper():
            return a
    return None


def _last(path: PathT) -> str:
    for part in reversed(path):
        if isinstance(part, str):
            return part
    return format_path(path)


def _key_text_span(k: YScalar) -> Span:
    """The span of a key's characters (without quotes) for renaming it in place."""
    s = k.span
    if k.style in ("'", '"') and s.start.line == s.end.line:
        return Span(Pos(s.start.line, s.start.col + 1), Pos(s.end.line, s.end.col - 1))
    return s
