"""What the API server enforces on a custom resource from its CRD's structural schema beyond fields and types.

The schema walk (validate.py) reports unknown fields, wrong types, string enums and missing required fields.
This walk adds the value validations of kube-openapi's validator (`pattern`, `format`, lengths, bounds,
`multipleOf`, item and property counts, `uniqueItems`, `allOf`/`anyOf`/`oneOf`/`not`), the list types of
structured-merge-diff (`x-kubernetes-list-type: set|map`: "Duplicate value"), null list items of non-nullable
schemas (a null *field* is pruned by the API server, not rejected) and the CEL rules of
`x-kubernetes-validations`. It reports only what it can prove: a regex RE2 does not compile, a format kube-openapi
does not validate, a rule CEL cannot evaluate, a branch it cannot judge are all left alone.

Messages quote kube-openapi's (`spec.port in body should be less than or equal to 65535`), which is what
`kubectl apply` shows after "Invalid value".
"""

from __future__ import annotations

import base64
import datetime
import functools
import ipaddress
import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Final

from kube_lsp.model import Pos, Severity, Span
from kube_lsp.parsing.nodes import YMap, YNode, YScalar, YSeq, json_key, to_python
from kube_lsp.schema import cel
from kube_lsp.schema.catalog import KindSchema, Schema
from kube_lsp.schema.validate import PathT, Validation, anchor_span, format_path, schema_types

# ---------------------------------------------------------------------------------------------- rule codes
PATTERN: Final = "KL260"
FORMAT: Final = "KL261"
LENGTH: Final = "KL262"
RANGE: Final = "KL263"
ITEMS: Final = "KL264"
PROPERTIES: Final = "KL265"
DUPLICATE: Final = "KL266"
NULL_ITEM: Final = "KL267"
COMBINATOR: Final = "KL268"
RULE: Final = "KL269"
NOT_EVALUATED: Final = "KL270"
NOT_SERVED: Final = "KL271"
DEPRECATED: Final = "KL272"
ENUM: Final = "KL202"

# Keywords a branch of allOf/anyOf/oneOf/not may hold that this walk understands; any other keyword makes the
# branch's verdict unknown.
_BRANCH_KEYWORDS: Final = frozenset({
    "type", "properties", "additionalProperties", "items", "required", "enum", "pattern", "format", "minLength",
    "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minItems",
    "maxItems", "minProperties", "maxProperties", "uniqueItems", "allOf", "anyOf", "oneOf", "not", "description",
    "title", "nullable", "example", "x-kubernetes-int-or-string", "default",
})
# The keywords `_local` looks at (a schema with none of them costs the walk nothing there).
_LOCAL_KEYWORDS: Final = frozenset({
    "pattern", "format", "minLength", "maxLength", "minimum", "maximum", "multipleOf", "minItems", "maxItems",
    "minProperties", "maxProperties", "uniqueItems", "x-kubernetes-list-type", "enum",
})
_COMBINATORS: Final = frozenset({"allOf", "anyOf", "oneOf", "not"})
_MAX_BRANCH_DEPTH: Final = 16
_CEL_RESERVED: Final = frozenset({
    "true", "false", "null", "in", "as", "break", "const", "continue", "else", "for", "function", "if", "import",
    "let", "loop", "package", "namespace", "return", "var", "void", "while",
})
_CEL_IDENT: Final = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
# List equality and concatenation: Kubernetes compares lists of x-kubernetes-list-type set/map regardless of order
# and concatenates them as a union; plain CEL lists here do neither, so such rules are not evaluated.
_LIST_ALGEBRA: Final = re.compile(r"(==|!=|\+)\s*\[|\]\s*(==|!=|\+)|(self|oldSelf)(\.[A-Za-z_][\w]*)*\s*(==|!=|\+)\s*"
                                  r"(self|oldSelf)")


@dataclass(frozen=True, slots=True)
class Problem:
    span: Span
    code: str
    message: str
    path: PathT


class _Unsure(Exception):  # noqa: N818 - a verdict, not an error
    """This walk cannot judge the value against the schema."""


class _Unconvertible(Exception):  # noqa: N818
    """A value CEL would see as a type this binding cannot be given (timestamp, duration)."""


def check_crd_version(root: YMap, ks: KindSchema, v: Validation) -> None:
    """KL271/KL272: the custom resource's apiVersion is not served, or deprecated, by its CRD."""
    node = root.get("apiVersion")
    if not isinstance(node, YScalar):
        return
    group, _, version = ks.api_version.partition("/")
    if not ks.served:
        v.add(node.span, Severity.ERROR, NOT_SERVED,
              f"version {version} of {ks.crd_name or group} is not served (`served: false` in its "
              f"CustomResourceDefinition): the API server answers `no matches for kind \"{ks.kind}\" in version "
              f"\"{ks.api_version}\"`", ("apiVersion",))
    elif ks.deprecated:
        text = ks.deprecation_warning or f"{group}/{version} {ks.kind} is deprecated"
        v.add(node.span, Severity.WARNING, DEPRECATED, f"the API server warns: {text}", ("apiVersion",))


class CrdChecker:
    """Checks one custom resource against its CRD's schema, adding findings to `v`."""

    def __init__(self, v: Validation, skip_status: bool = False) -> None:
        self.v = v
        # With the status subresource, the API server drops `status` from a created object unvalidated.
        self.root_skip = ("apiVersion", "kind", "status") if skip_status else ("apiVersion", "kind")
        # Each node's CEL value and size, converted once for the rules of all its ancestors.
        self.cel_memo: dict[int, tuple[Any, int, int]] = {}
        # Nodes with their schema's defaults filled in, for the branches of oneOf/anyOf/allOf/not (the original
        # node is kept with it, so that its id stays unique while the entry lives).
        self.defaulted_memo: dict[tuple[int, int], tuple[YNode, YNode]] = {}

    def run(self, root: YMap, schema: Schema) -> None:
        self.node(root, schema, (), None, is_root=True)

    # ------------------------------------------------------------------------------------------ the walk

    def node(self, node: YNode, schema: Schema, path: PathT, key: YScalar | None, is_root: bool = False) -> None:
        if not isinstance(schema, dict) or not schema:
            return
        actual = _node_type(node)
        if actual == "null":
            return  # a null field is pruned (or defaulted) by the API server; list items: see _items
        types, _ = schema_types(schema)
        if not _type_ok(actual, types):
            return  # the schema walk reports the wrong type
        if schema.keys() & _LOCAL_KEYWORDS:
            for p in self._local(node, schema, path, key):
                if p is not None:
                    self._report(p)
        if not self.v.partial:  # a patch need not hold what a branch requires; the base may
            self._combinators(node, schema, path, key)
        if isinstance(node, YMap):
            props: dict[str, Schema] = _dict(schema, "properties")
            extra = schema.get("additionalProperties")
            for k, val in node.pairs:
                name = json_key(k)
                if is_root and name in self.root_skip:
                    continue
                sub = props.get(name)
                if sub is None and isinstance(extra, dict):
                    sub = extra
                if sub is not None:
                    self.node(val, sub, (*path, name), k)
        elif isinstance(node, YSeq):
            items = schema.get("items")
            if isinstance(items, dict):
                self._null_items(node, items, path)
                for i, item in enumerate(node.items):
                    self.node(item, items, (*path, i), None)
        rules = schema.get("x-kubernetes-validations")
        if isinstance(rules, list) and rules and not self.v.partial:
            self._rules(node, schema, path, key, rules, is_root)

    def _report(self, p: Problem, severity: Severity = Severity.ERROR, **data: Any) -> None:
        self.v.add(p.span, severity, p.code, p.message, p.path, **data)

    # ---------------------------------------------------------------------------------- value keywords

    def _local(self, node: YNode, schema: Schema, path: PathT, key: YScalar | None,
               branch: bool = False) -> Iterator[Problem | None]:
        """The problems of the keywords that look at this value alone; None stands for "cannot tell". Outside
        branches, string enums are left to the schema walk (KL202)."""
        if isinstance(node, YScalar):
            value = node.value
            if isinstance(value, str):
                yield from self._string(node, value, schema, path)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                yield from _number(node, value, schema, path)
            enum = schema.get("enum")
            if isinstance(enum, list) and (branch or not isinstance(value, str)) and value is not None:
                # The schema walk checks string values; the others are compared as JSON values here.
                if any(_json_equal(value, e) and type(value) is not type(e) for e in enum):
                    yield None  # 1.0 against 1: Go may compare the decoded int and float as different
                elif not any(_json_equal(value, e) for e in enum):
                    shown = ", ".join(json.dumps(e) for e in enum)
                    yield Problem(node.span, ENUM, f"Unsupported value: {node.text}: supported values: {shown}", path)
            return
        span = anchor_span(key, node)
        if isinstance(node, YSeq):
            n = len(node.items)
            lo, hi = _int(schema.get("minItems")), _int(schema.get("maxItems"))
            if hi is not None and n > hi:
                yield Problem(span, ITEMS, f"Too many: {n}: must have at most {hi} items ({format_path(path)})", path)
            if lo is not None and n < lo:
                yield Problem(span, ITEMS, f"Invalid value: {n}: {format_path(path)} in body should have at least "
                                           f"{lo} items", path)
            yield from self._duplicates(node, schema, path)
        elif isinstance(node, YMap) and not self.v.partial:  # a patch's keys merge into the base's
            n = len(node.keys()) if not node.merges else len(set(node.keys()))
            lo, hi = _int(schema.get("minProperties")), _int(schema.get("maxProperties"))
            if hi is not None and n > hi:
                yield Problem(span, PROPERTIES, f"Too many: {n}: {format_path(path)} in body should have at most "
                                                f"{hi} properties", path)
            if lo is not None and n < lo:
                yield Problem(span, PROPERTIES, f"Invalid value: {n}: {format_path(path)} in body should have at "
                                                f"least {lo} properties", path)

    def _string(self, node: YScalar, value: str, schema: Schema, path: PathT) -> Iterator[Problem | None]:
        n = len(value)  # code points, as Go's utf8.RuneCountInString
        lo, hi = _int(schema.get("minLength")), _int(schema.get("maxLength"))
        if hi is not None and n > hi:
            yield Problem(node.span, LENGTH, f"Too long: may not be longer than {hi} ({format_path(path)} has {n} "
                                             "characters)", path)
        if lo is not None and n < lo:
            yield Problem(node.span, LENGTH, f"Invalid value: {_quote(value)}: {format_path(path)} in body should be "
                                             f"at least {lo} chars long", path)
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            found = cel.search(pattern, value)
            if found is None:
                yield None
            elif not found:
                yield Problem(node.span, PATTERN, f"Invalid value: {_quote(value)}: {format_path(path)} in body "
                                                  f"should match '{pattern}'", path)
        fmt = schema.get("format")
        if isinstance(fmt, str) and fmt:
            valid = format_valid(fmt, value)
            if valid is None and fmt.replace("-", "") in SERVER_FORMATS:
                yield None  # the API server checks it; this checker cannot tell
            elif valid is False:
                yield Problem(node.span, FORMAT, f"Invalid value: {_quote(value)}: {format_path(path)} in body must "
                                                 f"be of type {fmt}: {_quote(value)}", path)

    def _duplicates(self, node: YSeq, schema: Schema, path: PathT) -> Iterator[Problem | None]:
        list_type = schema.get("x-kubernetes-list-type")
        raw = schema.get("items")
        items: Schema = raw if isinstance(raw, dict) else {}
        if list_type == "map":
            keys = schema.get("x-kubernetes-list-map-keys")
            if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
                return
            props = _dict(items, "properties")
            seen: dict[str, int] = {}
            for i, item in enumerate(node.items):
                if not isinstance(item, YMap):
                    continue
                values: dict[str, Any] = {}
                for k in keys:
                    val = item.get(k)
                    if val is not None and not (isinstance(val, YScalar) and val.value is None):
                        values[k] = to_python(val) if _small(val) else None
                    elif isinstance(props.get(k), dict) and "default" in props[k]:
                        values[k] = props[k]["default"]
                    else:
                        break  # a missing key: the required-field check reports it
                else:
                    if any(x is None for x in values.values()):
                        continue
                    ident = json.dumps(values, sort_keys=True, default=str)
                    if ident in seen:
                        k0 = item.key_node(keys[0])
                        span = k0.span if k0 is not None else anchor_span(None, item)
                        shown = ", ".join(f"{k}: {json.dumps(x, default=str)}" for k, x in values.items())
                        yield Problem(span, DUPLICATE,
                                      f"Duplicate value: {{{shown}}}: {format_path((*path, i))} has the same "
                                      f"{'/'.join(keys)} as {format_path((*path, seen[ident]))} "
                                      "(x-kubernetes-list-type: map)", (*path, i))
                    else:
                        seen[ident] = i
            return
        if list_type != "set" and schema.get("uniqueItems") is not True:
            return
        seen = {}
        for i, item in enumerate(node.items):
            if isinstance(item, YScalar) and item.value is None:
                continue
            if not _small(item):
                yield None
                continue
            ident = _identity(item)
            if ident in seen:
                what = "x-kubernetes-list-type: set" if list_type == "set" else "uniqueItems"
                shown = item.text if isinstance(item, YScalar) else ident
                yield Problem(anchor_span(None, item) if not isinstance(item, YScalar) else item.span, DUPLICATE,
                              f"Duplicate value: {shown}: {format_path((*path, i))} repeats "
                              f"{format_path((*path, seen[ident]))} ({what}; {format_path(path)} in body shouldn't "
                              "contain duplicates)", (*path, i))
            else:
                seen[ident] = i

    def _null_items(self, node: YSeq, items: Schema, path: PathT) -> None:
        """A null list item stays in the object (only null fields are pruned), so a non-nullable item schema
        rejects it."""
        if items.get("nullable") is True or items.get("x-kubernetes-int-or-string") or "default" in items:
            return
        t = items.get("type")
        if not isinstance(t, str):
            return
        for i, item in enumerate(node.items):
            if isinstance(item, YScalar) and item.value is None:
                where = format_path((*path, i))
                self._report(Problem(_null_span(item, self.v), NULL_ITEM,
                                     f'Invalid value: "null": {where} in body must be of type {t}: "null"',
                                     (*path, i)))

    # --------------------------------------------------------------------------------------- combinators

    def _combinators(self, node: YNode, schema: Schema, path: PathT, key: YScalar | None) -> None:
        if not schema.keys() & _COMBINATORS:
            return
        where = format_path(path)
        span = node.span if isinstance(node, YScalar) else anchor_span(key, node)
        for branch in _branches(schema, "allOf"):
            if self._satisfies(node, branch, schema, 0) is False:
                self._report(Problem(span, COMBINATOR, f"{where} in body must validate all the schemas (allOf)",
                                     path))
                break
        any_of = _branches(schema, "anyOf")
        if any_of:
            verdicts = [self._satisfies(node, b, schema, 0) for b in any_of]
            if all(x is False for x in verdicts):
                self._report(Problem(span, COMBINATOR, f"{where} in body must validate at least one schema "
                                                       "(anyOf)", path))
        one_of = _branches(schema, "oneOf")
        if one_of:
            verdicts = [self._satisfies(node, b, schema, 0) for b in one_of]
            if None not in verdicts:
                matched = sum(1 for x in verdicts if x)
                if matched != 1:
                    detail = "none matches" if matched == 0 else f"{matched} match"
                    self._report(Problem(span, COMBINATOR, f"{where} in body must validate one and only one "
                                                           f"schema (oneOf); {detail}", path))
        neg = schema.get("not")
        if isinstance(neg, dict) and self._satisfies(node, neg, schema, 0) is True:
            self._report(Problem(span, COMBINATOR, f"{where} in body must not validate the schema (not)", path))

    def _satisfies(self, node: YNode, schema: Schema, main: Schema, depth: int) -> bool | None:
        """Whether `node` validates against the branch `schema`; None when this walk cannot tell. `main` is the
        node's own (structural) schema: its defaults are filled in first, as the API server does."""
        if depth > _MAX_BRANCH_DEPTH or not isinstance(schema, dict):
            return None
        if isinstance(node, YMap) and ("properties" in schema or "required" in schema or "minProperties" in schema
                                       or "maxProperties" in schema):
            memo_key = (id(node), id(main))
            known = self.defaulted_memo.get(memo_key)
            if known is None:
                known = self.defaulted_memo[memo_key] = (node, _defaulted(node, main))
            node = known[1]
        defaults = _defaults(main)
        if any(k not in _BRANCH_KEYWORDS for k in schema):
            return None
        actual = _node_type(node)
        if actual == "null":
            return None
        if "type" in schema or schema.get("x-kubernetes-int-or-string"):
            types, _ = schema_types({k: schema[k] for k in ("type", "x-kubernetes-int-or-string") if k in schema})
            if not _type_ok(actual, types):
                return False
        unsure = False
        if schema.keys() & _LOCAL_KEYWORDS:
            for p in self._local(node, schema, (), None, branch=True):
                if p is None:
                    unsure = True
                else:
                    return False
        if isinstance(node, YMap):
            present = {json_key(k) for k, val in node.pairs if not (isinstance(val, YScalar) and val.value is None)}
            present.update(k for m in node.merges for k in m.keys())
            nulls = {json_key(k) for k, val in node.pairs if isinstance(val, YScalar) and val.value is None}
            for req in _list(schema, "required"):
                if req in present or req in defaults:
                    continue
                if req in nulls:
                    unsure = True
                    continue
                return False
            props = _dict(schema, "properties")
            extra = schema.get("additionalProperties")
            for k, val in node.pairs:
                sub = props.get(json_key(k))
                if sub is None and isinstance(extra, dict):
                    sub = extra
                if sub is None:
                    if extra is False:
                        unsure = True
                    continue
                verdict = self._satisfies(val, sub, _child_schema(main, json_key(k)), depth + 1)
                if verdict is False:
                    return False
                unsure = unsure or verdict is None
        elif isinstance(node, YSeq):
            items = schema.get("items")
            if isinstance(items, dict):
                for item in node.items:
                    verdict = self._satisfies(item, items, _dict(main, "items"), depth + 1)
                    if verdict is False:
                        return False
                    unsure = unsure or verdict is None
        for branch in _branches(schema, "allOf"):
            verdict = self._satisfies(node, branch, main, depth + 1)
            if verdict is False:
                return False
            unsure = unsure or verdict is None
        any_of = _branches(schema, "anyOf")
        if any_of:
            verdicts = [self._satisfies(node, b, main, depth + 1) for b in any_of]
            if all(x is False for x in verdicts):
                return False
            unsure = unsure or not any(x is True for x in verdicts)
        one_of = _branches(schema, "oneOf")
        if one_of:
            verdicts = [self._satisfies(node, b, main, depth + 1) for b in one_of]
            if None in verdicts:
                unsure = True
            elif sum(1 for x in verdicts if x) != 1:
                return False
        neg = schema.get("not")
        if isinstance(neg, dict):
            verdict = self._satisfies(node, neg, main, depth + 1)
            if verdict is True:
                return False
            unsure = unsure or verdict is None
        return None if unsure else True

    # ------------------------------------------------------------------------------------------ CEL rules

    def _rules(self, node: YNode, schema: Schema, path: PathT, key: YScalar | None, rules: list[Any],
               is_root: bool) -> None:
        try:
            value, count, keyed = to_cel(node, schema, is_root, self.cel_memo)
            if is_root and "status" in self.root_skip and isinstance(value, dict):
                value = {k: v for k, v in value.items() if k != "status"}
            bound: cel.Binding | None = cel.Binding(value)
        except (_Unconvertible, RecursionError):
            bound, count, keyed = None, 0, False
        span = node.span if isinstance(node, YScalar) else anchor_span(key, node)
        for spec in rules:
            if not isinstance(spec, dict) or not isinstance(spec.get("rule"), str):
                continue
            rule: str = spec["rule"]
            if spec.get("optionalOldSelf") is True:
                outcome = cel.Outcome(None, "a transition rule (optionalOldSelf): it needs the stored object")
            elif keyed and _LIST_ALGEBRA.search(rule):
                outcome = cel.Outcome(None, "it compares or concatenates lists, and lists of "
                                            "x-kubernetes-list-type set or map compare as sets")
            elif bound is None:
                outcome = cel.Outcome(None, "the value holds a timestamp or duration this checker cannot give CEL")
            else:
                outcome = cel.evaluate(rule, bound, count)
            if outcome.ok is None:
                self.v.add(span, Severity.INFO, NOT_EVALUATED,
                           f"x-kubernetes-validations rule `{_clip(rule)}` was not evaluated: {outcome.reason}",
                           path, rule=rule)
                continue
            if outcome.ok:
                continue
            message = None
            if isinstance(spec.get("messageExpression"), str):
                message = cel.evaluate_string(spec["messageExpression"], bound) if bound is not None else None
            if message is None and isinstance(spec.get("message"), str) and spec["message"].strip():
                message = spec["message"]
            if message is None:
                message = f"failed rule: {rule}"
            at_span, at_path = span, path
            field_path = spec.get("fieldPath")
            if isinstance(field_path, str) and field_path:
                target = _follow(node, field_path)
                if target is not None:
                    at_span, at_path = target[0], (*path, *target[1])
            reason = spec.get("reason")
            prefix = {"FieldValueForbidden": "Forbidden", "FieldValueRequired": "Required value",
                      "FieldValueDuplicate": "Duplicate value"}.get(reason if isinstance(reason, str) else "",
                                                                    "Invalid value")
            self.v.add(at_span, Severity.ERROR, RULE, f"{prefix}: {message}", at_path, rule=rule)


# ------------------------------------------------------------------------------------------------ values

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


def _type_ok(actual: str, types: set[str]) -> bool:
    return not types or actual in types or (actual == "integer" and "number" in types)


def _int(x: Any) -> int | None:
    return x if isinstance(x, int) and not isinstance(x, bool) else None


def _num(x: Any) -> int | float | None:
    return x if isinstance(x, int | float) and not isinstance(x, bool) else None


def _quote(value: str) -> str:
    return json.dumps(_clip(value), ensure_ascii=False)


def _clip(text: str, n: int = 80) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _small(node: YNode, budget: int = 2000) -> bool:
    """Whether a node is small enough to turn into plain data (aliases may make trees huge)."""
    stack = [node]
    while stack:
        budget -= 1
        if budget < 0:
            return False
        n = stack.pop()
        if isinstance(n, YMap):
            stack.extend(v for _, v in n.pairs)
            stack.extend(n.merges)
        elif isinstance(n, YSeq):
            stack.extend(n.items)
    return True


def _identity(item: YNode) -> Any:
    """A hashable stand-in for a (small) node's JSON value: equal values, equal identities."""
    if isinstance(item, YScalar):
        value = item.value
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return (type(value).__name__, value)
    return json.dumps(to_python(item), sort_keys=True, default=str)


def _json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return bool(a == b)


def _null_span(item: YScalar, v: Validation) -> Span:
    s = item.span
    rel = s.start.line - v.first_line
    if s.start == s.end and 0 <= rel < len(v.lines):  # an empty item (`- `): its dash
        dash = v.lines[rel].rfind("-", 0, s.start.col + 1)
        if dash >= 0:
            return Span(Pos(s.start.line, dash), Pos(s.start.line, dash + 1))
    return s


def _defaulted(node: YNode, schema: Schema) -> YNode:
    """A mapping with the defaults of its missing (or null) properties filled in, as the API server does before it
    validates; other nodes as they are."""
    props = schema.get("properties")
    if not isinstance(node, YMap) or not isinstance(props, dict):
        return node
    present = {json_key(k) for k, v in node.pairs if not _null(v)} | {k for m in node.merges for k in m.keys()}
    extra = [(YScalar(name, node.span, value=name), _synthetic(sub["default"], node.span))
             for name, sub in props.items()
             if name not in present and isinstance(sub, dict) and "default" in sub]
    if not extra:
        return node
    kept = [(k, v) for k, v in node.pairs if not (_null(v) and json_key(k) in {n.text for n, _ in extra})]
    return YMap(node.span, kept + extra, node.flow, node.merges, node.tag)


def _synthetic(value: Any, span: Span, depth: int = 0) -> YNode:
    """A node for a schema's default value (placed on `span`, the object it is filled into)."""
    if depth > 32:
        return YScalar("", span, value=None)
    if isinstance(value, dict):
        return YMap(span, [(YScalar(str(k), span, value=str(k)), _synthetic(v, span, depth + 1))
                           for k, v in value.items()])
    if isinstance(value, list):
        return YSeq(span, [_synthetic(v, span, depth + 1) for v in value])
    return YScalar(json.dumps(value) if not isinstance(value, str) else value, span, style='"'
                   if isinstance(value, str) else None, value=value)


def _child_schema(schema: Schema, name: str) -> Schema:
    """The structural schema of the property `name` of an object with the schema `schema` ({} when none)."""
    sub = _dict(schema, "properties").get(name)
    if isinstance(sub, dict):
        return sub
    return _dict(schema, "additionalProperties")


def _list(schema: Schema, key: str) -> list[Any]:
    value = schema.get(key)
    return value if isinstance(value, list) else []


def _dict(schema: Schema, key: str) -> dict[str, Any]:
    value = schema.get(key)
    return value if isinstance(value, dict) else {}


def _branches(schema: Schema, key: str) -> list[Schema]:
    b = schema.get(key)
    return [x for x in b if isinstance(x, dict)] if isinstance(b, list) else []


def _defaults(schema: Schema) -> frozenset[str]:
    props = schema.get("properties")
    if not isinstance(props, dict):
        return frozenset()
    return frozenset(k for k, p in props.items() if isinstance(p, dict) and "default" in p)


def _number(node: YScalar, value: int | float, schema: Schema, path: PathT) -> Iterator[Problem | None]:
    if isinstance(value, float) and not math.isfinite(value):
        return
    hi, lo = _num(schema.get("maximum")), _num(schema.get("minimum"))
    m = _num(schema.get("multipleOf"))
    if hi is None and lo is None and m is None:
        return
    head = f"Invalid value: {node.text}: {format_path(path)} in body should be"
    if hi is not None:
        if schema.get("exclusiveMaximum") is True and value >= hi:
            yield Problem(node.span, RANGE, f"{head} less than {hi}", path)
        elif value > hi:
            yield Problem(node.span, RANGE, f"{head} less than or equal to {hi}", path)
    if lo is not None:
        if schema.get("exclusiveMinimum") is True and value <= lo:
            yield Problem(node.span, RANGE, f"{head} greater than {lo}", path)
        elif value < lo:
            yield Problem(node.span, RANGE, f"{head} greater than or equal to {lo}", path)
    if m is not None and m > 0 and not _multiple(value, m):
        yield Problem(node.span, RANGE, f"{head} a multiple of {m}", path)


def _multiple(value: int | float, m: int | float) -> bool:
    """kube-openapi's MultipleOf: the quotient is an integer (within float precision); also exact here, so
    only a value that is a multiple neither way is reported."""
    try:
        if (Fraction(str(value)) / Fraction(str(m))).denominator == 1:
            return True
    except (ValueError, ZeroDivisionError):
        return True
    q = value / m
    if not math.isfinite(q):
        return True
    return abs(q - round(q)) <= 1e-9 * max(1.0, abs(q))


# ----------------------------------------------------------------------------------------------- formats

_UUID: Final = {
    "uuid": re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$", re.I),
    "uuid3": re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$", re.I),
    "uuid4": re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$", re.I),
    "uuid5": re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$", re.I),
}
# kube-openapi's hostname pattern (RE2 syntax: \p{S} and \p{L} are evaluated by RE2, not Python).
_HOSTNAME: Final = (r"^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9-"
                    r"\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z0-9-\p{L}]){2,63})$")
# The stricter pattern of some kube-openapi releases: the top-level domain only letters.
_HOSTNAME_STRICT: Final = _HOSTNAME[: _HOSTNAME.rindex("([")] + r"([a-zA-Z\p{L}]){2,63})$"
_MAC: Final = re.compile(r"^(?:[0-9a-fA-F]{2}(?:([:-])[0-9a-fA-F]{2})(?:\1[0-9a-fA-F]{2}){4}"
                         r"(?:(?:\1[0-9a-fA-F]{2}){2}|(?:\1[0-9a-fA-F]{2}){14})?"
                         r"|[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}(?:(?:\.[0-9a-fA-F]{4})|(?:\.[0-9a-fA-F]{4}){7})?)$")
_DATE: Final = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DATETIME_PREFIX: Final = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")
_GO_DURATION: Final = re.compile(r"^[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$")
_LOOSE_DURATION: Final = re.compile(r"\d+\s*[A-Za-zµ]+")
_HEXCOLOR: Final = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_RGB_PART: Final = r"\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*"
_RGBCOLOR: Final = re.compile(rf"^rgb\({_RGB_PART},{_RGB_PART},{_RGB_PART}\)$")
_BSON: Final = re.compile(r"^[0-9a-fA-F]{24}$")
_SSN: Final = re.compile(r"^\d{3}[- ]?\d{2}[- ]?\d{4}$")
_DOTTED_QUAD: Final = re.compile(r"^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$")


# The formats the API server validates in CRD schemas (apiextensions-apiserver's supportedVersionedFormats,
# names without "-"); any other format is stripped from the schema.
SERVER_FORMATS: Final = frozenset({
    "bsonobjectid", "uri", "email", "hostname", "ipv4", "ipv6", "cidr", "mac", "uuid", "uuid3", "uuid4", "uuid5",
    "isbn", "isbn10", "isbn13", "creditcard", "ssn", "hexcolor", "rgbcolor", "byte", "password", "date", "duration",
    "datetime",
})


def format_valid(fmt: str, value: str) -> bool | None:
    """Whether `value` has the `format` as kube-openapi's strfmt validates it for CRDs: True and False only when
    certain (a finding needs False; a oneOf/not branch needs either), None when this checker cannot tell — the
    formats it does not mirror (email, isbn, creditcard), the corners where Go's parsers and these differ — and
    for formats the API server does not validate (int32, float, ...: it strips them from CRD schemas)."""
    name = fmt.replace("-", "")
    if name == "password":
        return True  # any string
    checker = _FORMATS.get(name)
    return checker(value) if checker is not None else None


def _plain(value: str) -> bool:
    """Printable ASCII without line breaks: where Python's and Go's regular expressions agree on `$`, `\\d`, `\\s`
    and case folding."""
    return all(" " <= c <= "~" for c in value)


def _exact(rx: re.Pattern[str]) -> Callable[[str], bool | None]:
    def check(value: str) -> bool | None:
        if rx.match(value):
            return True if _plain(value) else None
        return False

    return check


def _date(value: str) -> bool | None:
    m = _DATE.match(value)
    if not m:
        return False
    try:
        datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return False
    return True if _plain(value) else None


_TIME_OF_DAY: Final = re.compile(r"([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))\Z")


def _datetime(value: str) -> bool | None:
    """kube-openapi's IsDateTime (a date, `T`, a time with seconds and a zone) when certain; anything that does not
    even start like a date and a time is invalid."""
    parts = value.lower().split("t")
    if len(value) >= 4 and len(parts) >= 2 and _date(parts[0]) is True and _plain(value):
        m = _TIME_OF_DAY.match(parts[1])
        if m and m.group(1) <= "23" and m.group(2) <= "59" and m.group(3) <= "59":
            return True
    return None if _DATETIME_PREFIX.match(value) else False


def _duration(value: str) -> bool | None:
    if _GO_DURATION.match(value) and _plain(value):
        return True
    return None if _LOOSE_DURATION.search(value) else False


def _ipv4(value: str) -> bool | None:
    m = _DOTTED_QUAD.match(value)
    if m is not None and all(int(g) <= 255 for g in m.groups()) and "\n" not in value:
        leading_zeros = any(len(g) > 1 and g.startswith("0") for g in m.groups())
        return None if leading_zeros else True  # Go's strict and sloppy parsers differ on leading zeros
    if ":" in value and "." in value:
        return None  # an IPv4-mapped IPv6 address: Go's ParseIP takes some, Python others
    return False


def _ipv6(value: str) -> bool | None:
    if ":" not in value:
        return False
    if "%" in value or "." in value or not _plain(value):
        return None  # zones and embedded IPv4: Go's and Python's parsers differ
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        return False
    return True


def _cidr(value: str) -> bool | None:
    addr, slash, bits = value.partition("/")
    if not slash or not bits.isdigit() or not bits.isascii():
        return False
    if ":" not in addr:
        verdict = _ipv4(addr)
        return verdict if verdict is not True else int(bits) <= 32
    verdict = _ipv6(addr)
    return verdict if verdict is not True else int(bits) <= 128


def _hostname(value: str) -> bool | None:
    found = cel.search(_HOSTNAME, value)
    if found is None:
        return None
    if not found or len(value.encode(errors="surrogatepass")) > 255 or any(
            len(p.encode(errors="surrogatepass")) > 63 for p in value.split(".")):
        return False
    strict = cel.search(_HOSTNAME_STRICT, value)
    return True if strict else None  # kube-openapi's top-level domain may or may not take digits and dashes


def _byte(value: str) -> bool | None:
    if not value or "\n" in value or "\r" in value:
        return None  # Go's decoders and validators differ on empty strings and line breaks
    try:
        base64.b64decode(value, validate=True)
    except ValueError:
        return False
    return True


_FORMATS: Final[dict[str, Callable[[str], bool | None]]] = {
    **{name: _exact(rx) for name, rx in _UUID.items()},
    "date": _date,
    "datetime": _datetime,
    "duration": _duration,
    "ipv4": _ipv4,
    "ipv6": _ipv6,
    "cidr": _cidr,
    "mac": _exact(_MAC),
    "hostname": _hostname,
    "hexcolor": _exact(_HEXCOLOR),
    "rgbcolor": _exact(_RGBCOLOR),
    "bsonobjectid": _exact(_BSON),
    "ssn": _exact(_SSN),
    "byte": _byte,
    "uri": cel.request_uri_verdict,
}


# ------------------------------------------------------------------------------------------ CEL values

@functools.lru_cache(maxsize=4096)
def escape_cel_name(name: str) -> str | None:
    """A property name as CEL rules spell it (Kubernetes' escaping), or None when rules cannot name it."""
    if name in _CEL_RESERVED:
        return f"__{name}__"
    out = (name.replace("__", "__underscores__").replace(".", "__dot__").replace("-", "__dash__")
           .replace("/", "__slash__"))
    return out if _CEL_IDENT.fullmatch(out) else None


def to_cel(node: YNode, schema: Schema, is_root: bool = False,
           memo: dict[int, tuple[Any, int, int]] | None = None) -> tuple[Any, int, bool]:
    """The value CEL sees as `self` for `node` (its schema's types and defaults applied) and its size. `memo`
    keeps the values of collections by node, for a walk that converts nested nodes for their own rules too."""
    counter = [0, 0]
    value = _cel_value(node, schema, counter, is_root, {} if memo is None else memo)
    return value, counter[0], bool(counter[1])


def _cel_value(node: YNode, schema: Schema, counter: list[int], is_root: bool = False,
               memo: dict[int, tuple[Any, int, int]] | None = None) -> Any:
    if memo is not None and not isinstance(node, YScalar) and not is_root:
        known = memo.get(id(node))
        if known is not None:
            counter[0] += known[1]
            counter[1] |= known[2]
            return known[0]
        before, keyed = counter[0], counter[1]
        counter[1] = 0
        value = _cel_collection(node, schema, counter, False, memo)
        memo[id(node)] = (value, counter[0] - before, counter[1])
        counter[1] |= keyed
        return value
    if isinstance(node, YScalar):
        counter[0] += 1
        return _cel_scalar(node, schema)
    return _cel_collection(node, schema, counter, is_root, memo)


def _cel_collection(node: YMap | YSeq, schema: Schema, counter: list[int], is_root: bool,
                    memo: dict[int, tuple[Any, int, int]] | None) -> Any:
    counter[0] += 1
    if counter[0] > 200_000:
        raise _Unconvertible
    t = schema.get("type")
    if t is not None and t != ("array" if isinstance(node, YSeq) else "object"):
        raise _Unconvertible  # the wrong type: reported by the schema walk
    if isinstance(node, YSeq):
        raw = schema.get("items")
        items: Schema = raw if isinstance(raw, dict) else {}
        if schema.get("x-kubernetes-list-type") in ("set", "map"):
            counter[1] = 1  # CEL compares and concatenates these as sets: see _LIST_ALGEBRA
        return [_cel_value(i, items, counter, False, memo) for i in node.items]
    props = schema.get("properties")
    extra = schema.get("additionalProperties")
    out: dict[str, Any] = {}
    pairs = [(json_key(k), v) for m in node.merges for k, v in m.pairs] + [(json_key(k), v) for k, v in node.pairs]
    if isinstance(props, dict) and props:
        for name, val in pairs:
            sub = props.get(name)
            if sub is None:
                continue
            cel_name = escape_cel_name(name)
            if cel_name is None:
                continue
            if not _null(val):
                out[cel_name] = _cel_value(val, sub, counter, False, memo)
            elif sub.get("nullable") is True:
                out[cel_name] = None  # a nullable null is kept (and not defaulted)
            elif "default" in sub:
                out[cel_name] = _cel_default(sub, node.span, counter)  # a null is pruned, then defaulted
        for name, sub in props.items():
            cel_name = escape_cel_name(name)
            if cel_name is not None and cel_name not in out and isinstance(sub, dict) and "default" in sub:
                out[cel_name] = _cel_default(sub, node.span, counter)
    elif isinstance(extra, dict):
        for name, val in pairs:
            if not _null(val):
                out[name] = _cel_value(val, extra, counter, False, memo)
    else:
        for name, val in pairs:  # free-form (x-kubernetes-preserve-unknown-fields): as it is
            if not _null(val):
                out[name] = _cel_value(val, {}, counter, False, memo)
    if is_root or schema.get("x-kubernetes-embedded-resource") is True:
        for name in ("apiVersion", "kind"):
            found = node.get(name)
            if isinstance(found, YScalar) and isinstance(found.value, str):
                out[name] = found.value
        meta = node.get("metadata")
        if isinstance(meta, YMap):
            # Rules see only the name and generateName of an object's metadata.
            out["metadata"] = {k: v.value for k in ("name", "generateName")
                               if isinstance((v := meta.get(k)), YScalar) and isinstance(v.value, str)}
    return out


def _null(node: YNode) -> bool:
    return isinstance(node, YScalar) and node.value is None


def _cel_default(schema: Schema, span: Span, counter: list[int]) -> Any:
    """A property's default as CEL sees it: converted by its schema, with the defaults of its own properties filled
    in (the API server defaults the defaulted object too)."""
    value = schema.get("default")
    if isinstance(value, dict | list):
        if _has_special_format(schema):
            raise _Unconvertible
        return _cel_value(_synthetic(value, span), schema, counter)
    if isinstance(value, str) and schema.get("type") == "string":
        _check_string_format(schema)
    if schema.get("type") == "number" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _check_string_format(schema: Schema) -> None:
    if schema.get("format") in ("date", "date-time", "datetime", "duration", "byte"):
        raise _Unconvertible


def _has_special_format(schema: Schema, depth: int = 0) -> bool:
    if depth > 32:
        return True
    if schema.get("format") in ("date", "date-time", "datetime", "duration", "byte"):
        return True
    subs = [*_dict(schema, "properties").values()]
    for k in ("items", "additionalProperties"):
        if isinstance(schema.get(k), dict):
            subs.append(schema[k])
    return any(isinstance(s, dict) and _has_special_format(s, depth + 1) for s in subs)


def _cel_scalar(node: YScalar, schema: Schema) -> Any:
    """A scalar as CEL sees it under its schema; a value of the wrong type (which the schema walk reports, and
    the API server rejects before any rule) leaves the rules that see it unevaluated."""
    value = node.value
    t = schema.get("type")
    if value is None:
        if schema.get("nullable") is True:
            return None
        raise _Unconvertible  # a null list item: rejected (KL267)
    if schema.get("x-kubernetes-int-or-string"):
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise _Unconvertible
        return value
    if t in ("object", "array"):
        raise _Unconvertible
    if isinstance(value, str):
        if t not in (None, "string"):
            raise _Unconvertible
        fmt = schema.get("format")
        if fmt == "byte":
            try:
                return base64.b64decode(value, validate=True)
            except ValueError as exc:
                raise _Unconvertible from exc
        if fmt in ("date", "date-time", "datetime", "duration"):
            raise _Unconvertible  # CEL sees a timestamp or duration; this binding cannot take nested ones
        return value
    if isinstance(value, bool):
        if t not in (None, "boolean"):
            raise _Unconvertible
        return value
    if t not in (None, "integer", "number"):
        raise _Unconvertible
    if isinstance(value, float):
        if t == "integer":
            if not value.is_integer():
                raise _Unconvertible
            value = int(value)
        else:
            return value
    if t == "number":
        return float(value)
    if not -(2**63) <= value < 2**63:
        raise _Unconvertible
    return value


_FIELD_PATH_PART: Final = re.compile(r"""\.([A-Za-z_][A-Za-z0-9_-]*)|\[\s*'((?:[^'\\]|\\.)*)'\s*\]|\[(\d+)\]""")


def _follow(node: YNode, field_path: str) -> tuple[Span, PathT] | None:
    """The node a rule's `fieldPath` (".spec.x", "['a.b']", "[0]") names, and its relative path."""
    pos = 0
    rel: list[str | int] = []
    cur: YNode | None = node
    key: YScalar | None = None
    while pos < len(field_path):
        m = _FIELD_PATH_PART.match(field_path, pos)
        if m is None or cur is None:
            return None
        pos = m.end()
        if m.group(3) is not None:
            if not isinstance(cur, YSeq):
                return None
            i = int(m.group(3))
            if i >= len(cur.items):
                return None
            cur, key = cur.items[i], None
            rel.append(i)
            continue
        name = m.group(1) if m.group(1) is not None else m.group(2).replace("\\'", "'")
        if not isinstance(cur, YMap):
            return None
        key = cur.key_node(name)
        cur = cur.get(name)
        rel.append(name)
        if cur is None:
            return None
    if cur is None:
        return None
    span = cur.span if isinstance(cur, YScalar) and key is None else (key.span if key is not None else
                                                                       anchor_span(None, cur))
    if isinstance(cur, YScalar):
        span = cur.span
    return span, tuple(rel)
