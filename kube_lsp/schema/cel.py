"""CEL for CustomResourceDefinitions: `x-kubernetes-validations` rules and RE2 regular expressions.

Evaluation uses cel-expr-python, the CEL team's Python binding of cel-cpp (with its strings and optional
extensions, as Kubernetes enables them). Everything here answers "true", "false" or "don't know" (None):
a rule that does not compile (an unknown function such as Kubernetes' `quantity()` or `isURL()`, a syntax
error), that reads `oldSelf`, that fails at run time or that exceeds the interpreter's iteration budget is
*not evaluated*, and callers report nothing for it. Regular expressions go through RE2 as well (CEL's
`matches`), which is what Go's `regexp` implements: linear time, no look-around, no back-references.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from kube_lsp.quantity import parse_quantity

try:  # an optional native wheel: without it, rules and patterns are simply not evaluated
    from cel_expr_python import cel as _cel  # type: ignore[import-untyped]
    from cel_expr_python.ext import ext_optional, ext_strings  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - the dependency is installed with kube-lsp
    _cel = None

# A rule longer than this is not evaluated (Kubernetes' own cost limits keep real rules far shorter).
MAX_RULE_CHARS: Final = 8_000
# Nor is one on a value this large (list items + map entries + scalars) when it iterates.
MAX_SELF_NODES: Final = 20_000
_OLD_SELF: Final = re.compile(r"\boldSelf\b")
_MACRO: Final = re.compile(r"\.\s*(all|exists|exists_one|map|filter)\s*\(")


@dataclass(frozen=True, slots=True)
class Outcome:
    """A rule's verdict: passed (True), failed (False) or not evaluated (None), and why not."""

    ok: bool | None
    reason: str = ""


_INT64: Final = (-(2**63), 2**63 - 1)


def _is_ip(text: str) -> bool:
    """Kubernetes' `isIP`: netip.ParseAddr without zones, IPv4-mapped IPv6 or IPv4 leading zeros."""
    if "%" in text:
        return False
    try:
        addr = ipaddress.ip_address(text)  # rejects IPv4 leading zeros (CPython >= 3.9.5)
    except ValueError:
        return False
    return not (isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None)


def _is_cidr(text: str) -> bool:
    """Kubernetes' `isCIDR`: netip.ParsePrefix (host bits may be set), same address rules as `isIP`."""
    addr, slash, bits = text.partition("/")
    if not slash or not bits.isdigit() or (len(bits) > 1 and bits.startswith("0")) or not _is_ip(addr):
        return False
    return int(bits) <= (32 if "." in addr and ":" not in addr else 128)


def _sum(items: Any) -> Any:
    values = list(items)
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        raise TypeError("sum of non-numbers")
    total = sum(values)
    if isinstance(total, int) and not _INT64[0] <= total <= _INT64[1]:
        raise OverflowError("integer overflow")
    return total


def _homogeneous(items: Any) -> list[Any]:
    values = list(items)
    if len({type(v) for v in values}) > 1:
        raise TypeError("mixed types")
    return values


_REPEATS: Final = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")
_ALLOWED_GROUPS: Final = re.compile(r"\(\?(?!:|P<|i\))")
_RE2_ONLY: Final = ("[:", "\\p", "\\P", "\\Q", "\\z", "\\C")
MAX_FIND_TEXT: Final = 1024


@functools.lru_cache(maxsize=512)
def _python_regex(pattern: str) -> re.Pattern[str] | None:
    """`pattern` as a Python regex that finds exactly what RE2 finds, or None when that cannot be promised: RE2
    must compile it (Kubernetes did), it must use no construct whose meaning differs (POSIX classes, \\p{..},
    flags other than (?i)), and it must not backtrack badly (no repetition inside a repetition or around an
    alternation, at most three repetitions). Texts are further limited by `_find_text`."""
    if not regex_ok(pattern) or any(x in pattern for x in _RE2_ONLY) or _ALLOWED_GROUPS.search(pattern):
        return None
    parser = getattr(re, "_parser", None)
    if parser is None:
        return None
    try:
        tree = parser.parse(pattern, re.ASCII)
        compiled = re.compile(pattern, re.ASCII)
    except (re.error, RecursionError, OverflowError):
        return None
    repeats = [0]

    def safe(items: Any, inside_repeat: bool) -> bool:
        for op, arg in items:
            name = str(op)
            if name in _REPEATS:
                repeats[0] += 1
                if inside_repeat or not safe(arg[2], True):
                    return False
            elif name == "BRANCH":
                if inside_repeat or not all(safe(b, inside_repeat) for b in arg[1]):
                    return False
            elif name == "SUBPATTERN":
                if not safe(arg[3], inside_repeat):
                    return False
            elif name in ("GROUPREF", "GROUPREF_EXISTS", "ASSERT", "ASSERT_NOT", "ATOMIC_GROUP"):
                return False
        return True

    if not safe(list(tree), False) or repeats[0] > 3:
        return None
    return compiled


def _find_text(text: Any) -> str:
    if not isinstance(text, str) or len(text) > MAX_FIND_TEXT or not all(" " <= c <= "~" for c in text):
        raise ValueError("not evaluated: the text is not short printable ASCII")
    return text


def _regex_for(pattern: Any) -> re.Pattern[str]:
    compiled = _python_regex(pattern) if isinstance(pattern, str) else None
    if compiled is None:
        raise ValueError("not evaluated: the regular expression needs RE2")
    return compiled


def _find(text: Any, pattern: Any) -> str:
    """Kubernetes' `<string>.find(<regex>)`: the first (leftmost-first) match, or ""."""
    m = _regex_for(pattern).search(_find_text(text))
    return m.group(0) if m else ""


def _find_all(text: Any, pattern: Any, limit: Any = -1) -> list[str]:
    """Kubernetes' `<string>.findAll(<regex>[, limit])`: Go's FindAllString (a pattern that can match the empty
    string is not evaluated: Go and Python place empty matches differently)."""
    compiled = _regex_for(pattern)
    parser = getattr(re, "_parser", None)
    if parser is None or parser.parse(pattern, re.ASCII).getwidth()[0] == 0:
        raise ValueError("not evaluated: the regular expression can match the empty string")
    found = [m.group(0) for m in compiled.finditer(_find_text(text))]
    if not isinstance(limit, int) or isinstance(limit, bool):
        raise TypeError("limit")
    return found if limit < 0 else found[:limit]


def _set_items(a: Any, b: Any) -> tuple[list[Any], list[Any]]:
    xs, ys = list(a), list(b)
    kinds = {type(v) for v in xs + ys}
    if not kinds <= {str, int, float, bool, bytes}:
        raise TypeError("not evaluated: items other than scalars")
    if bool in kinds and kinds & {int, float}:
        raise TypeError("not evaluated: booleans among numbers")  # Python's True == 1; CEL's true != 1
    if len(xs) + len(ys) > 10_000:
        raise ValueError("not evaluated: too many items")
    return xs, ys


def _sets_contains(a: Any, b: Any) -> bool:
    """Kubernetes' `sets.contains(list, sublist)`: every item of `sublist` is in `list`."""
    xs, ys = _set_items(a, b)
    return all(y in xs for y in ys)


def _sets_equivalent(a: Any, b: Any) -> bool:
    xs, ys = _set_items(a, b)
    return all(y in xs for y in ys) and all(x in ys for x in xs)


def _sets_intersects(a: Any, b: Any) -> bool:
    xs, ys = _set_items(a, b)
    return any(y in xs for y in ys)


_URI_SCHEME: Final = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
# An absolute URI or path made of characters Go's url package takes as they are (no escapes, no IPv6 literals).
_SIMPLE_URI: Final = re.compile(r"(?:(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<host>(?P<hostname>[A-Za-z0-9.-]+)"
                                r"(?::(?P<port>[0-9]+))?))?(?P<path>/[A-Za-z0-9._~!$&'()*+,;=:@/-]*)?"
                                r"(?:\?[A-Za-z0-9._~!$&'()*+,;=:@/?-]*)?\Z")


def request_uri_verdict(value: str) -> bool | None:
    """Go's url.ParseRequestURI (an absolute URI or an absolute path, or `*`): True or False when certain."""
    if not value or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return False
    if not (value == "*" or value.startswith("/") or _URI_SCHEME.match(value)):
        return False
    return True if value == "*" or (_SIMPLE_URI.match(value) and not value.startswith("//")) else None


def _is_url(text: Any) -> bool:
    """Kubernetes' `isURL`."""
    verdict = request_uri_verdict(text) if isinstance(text, str) else None
    if verdict is None:
        raise ValueError("not evaluated: Go's url parser is not mirrored for this value")
    return verdict


_URL: Final = "kube-lsp.io/url"


def _url(text: Any) -> dict[str, str]:
    """Kubernetes' `url(<string>)` for URLs whose parts are certain, as an opaque map of them."""
    if not isinstance(text, str) or text == "*" or request_uri_verdict(text) is not True:
        raise ValueError("not evaluated: not a URL whose parts are certain")
    m = _SIMPLE_URI.match(text)
    assert m is not None
    return {_URL: text, "scheme": (m.group("scheme") or "").lower(), "host": m.group("host") or "",
            "hostname": m.group("hostname") or "", "port": m.group("port") or "",
            "path": m.group("path") or ""}


def _url_part(name: str) -> Any:
    def get(u: Any) -> str:
        if not isinstance(u, dict) or _URL not in u:
            raise TypeError("not a URL")
        return str(u[name])

    return get


_QUANTITY: Final = "kube-lsp.io/quantity"


def _quantity(text: Any) -> dict[str, str]:
    """Kubernetes' `quantity(<string>)`, as an opaque map holding the exact value (equal quantities are equal maps:
    the API server's Quantity equality is numeric). Values finer than a nano unit are not evaluated: the API
    server rounds them."""
    value = parse_quantity(text) if isinstance(text, str) else None
    if value is None or not value.is_finite():
        raise ValueError("not a quantity")
    return _quantity_of(value)


def _quantity_of(value: Decimal) -> dict[str, str]:
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -9 and value != value.quantize(Decimal("1e-9")):
        raise ValueError("not evaluated: finer than the API server keeps")
    return {_QUANTITY: str(value.normalize())}


def _q(value: Any) -> Decimal:
    if not isinstance(value, dict) or set(value) != {_QUANTITY}:
        raise TypeError("not a quantity")
    return Decimal(value[_QUANTITY])


def _q_or_int(value: Any) -> Decimal:
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    return _q(value)


def _is_quantity(text: Any) -> bool:
    return isinstance(text, str) and parse_quantity(text) is not None


def _compare(a: Any, b: Any) -> int:
    x, y = _q(a), _q(b)
    return (x > y) - (x < y)


def _declarations() -> list[Any]:
    """Kubernetes' CEL libraries this checker mirrors:

    - quantity: `quantity`, `isQuantity`, `sign`, `compareTo`, `isGreaterThan`, `isLessThan`, `add`, `sub` (not
      `isInteger`, `asInteger`, `asApproximateFloat`: their results depend on how Go stores the value);
    - regex: `find`, `findAll`, for patterns and texts where Python's regex provably finds what RE2 finds;
    - IP and CIDR: `isIP`, `isCIDR`;
    - sets: `sets.contains`, `sets.equivalent`, `sets.intersects`;
    - URL: `isURL`, and `url` with `getScheme`, `getHost`, `getHostname`, `getPort`, `getEscapedPath`, for URLs
      made of characters Go's parser takes as they are (no escapes, no IPv6 literals);
    - lists: `isSorted`, `sum`, `min`, `max` (its `indexOf` and `lastIndexOf` clash with the strings extension's in
      cel-cpp, so rules using them on lists are not evaluated).

    An error in them (an empty list's `min`, an overflowing `sum`, an invalid quantity) leaves the rule not
    evaluated."""
    assert _cel is not None
    t = _cel.Type
    dyn_list = t.List(t.DYN)

    def member(name: str, ret: Any, params: list[Any], impl: Any) -> Any:
        return _cel.FunctionDecl(name, [_cel.Overload(f"kube_lsp_list_{name}", ret, params, is_member=True,
                                                      impl=impl)])

    q = t.Map(t.STRING, t.STRING)

    def q_member(name: str, ret: Any, params: list[Any], impl: Any, suffix: str = "") -> Any:
        return _cel.Overload(f"kube_lsp_quantity_{name}{suffix}", ret, params, is_member=True, impl=impl)

    lists2 = [t.List(t.DYN), t.List(t.DYN)]
    u = t.Map(t.STRING, t.STRING)
    url_parts = [(f, p) for f, p in (("getScheme", "scheme"), ("getHost", "host"), ("getHostname", "hostname"),
                                     ("getPort", "port"), ("getEscapedPath", "path"))]
    return [
        _cel.FunctionDecl("isURL", [_cel.Overload("kube_lsp_isURL", t.BOOL, [t.STRING], impl=_is_url)]),
        _cel.FunctionDecl("url", [_cel.Overload("kube_lsp_url", u, [t.STRING], impl=_url)]),
        *(_cel.FunctionDecl(f, [_cel.Overload(f"kube_lsp_url_{f}", t.STRING, [u], is_member=True,
                                              impl=_url_part(p))]) for f, p in url_parts),
        _cel.FunctionDecl("sets.contains", [_cel.Overload("kube_lsp_sets_contains", t.BOOL, lists2,
                                                          impl=_sets_contains)]),
        _cel.FunctionDecl("sets.equivalent", [_cel.Overload("kube_lsp_sets_equivalent", t.BOOL, lists2,
                                                            impl=_sets_equivalent)]),
        _cel.FunctionDecl("sets.intersects", [_cel.Overload("kube_lsp_sets_intersects", t.BOOL, lists2,
                                                            impl=_sets_intersects)]),
        _cel.FunctionDecl("quantity", [_cel.Overload("kube_lsp_quantity", q, [t.STRING], impl=_quantity)]),
        _cel.FunctionDecl("isQuantity", [_cel.Overload("kube_lsp_isQuantity", t.BOOL, [t.STRING],
                                                       impl=_is_quantity)]),
        _cel.FunctionDecl("sign", [q_member("sign", t.INT, [q], lambda a: (_q(a) > 0) - (_q(a) < 0))]),
        _cel.FunctionDecl("compareTo", [q_member("compareTo", t.INT, [q, q], _compare)]),
        _cel.FunctionDecl("isGreaterThan", [q_member("isGreaterThan", t.BOOL, [q, q],
                                                     lambda a, b: _compare(a, b) > 0)]),
        _cel.FunctionDecl("isLessThan", [q_member("isLessThan", t.BOOL, [q, q], lambda a, b: _compare(a, b) < 0)]),
        _cel.FunctionDecl("add", [
            q_member("add", q, [q, q], lambda a, b: _quantity_of(_q(a) + _q(b))),
            q_member("add", q, [q, t.INT], lambda a, b: _quantity_of(_q(a) + _q_or_int(b)), "_int"),
        ]),
        _cel.FunctionDecl("sub", [
            q_member("sub", q, [q, q], lambda a, b: _quantity_of(_q(a) - _q(b))),
            q_member("sub", q, [q, t.INT], lambda a, b: _quantity_of(_q(a) - _q_or_int(b)), "_int"),
        ]),
        _cel.FunctionDecl("find", [_cel.Overload("kube_lsp_find", t.STRING, [t.STRING, t.STRING], is_member=True,
                                                 impl=_find)]),
        _cel.FunctionDecl("findAll", [
            _cel.Overload("kube_lsp_findAll", t.List(t.STRING), [t.STRING, t.STRING], is_member=True,
                          impl=_find_all),
            _cel.Overload("kube_lsp_findAll_limit", t.List(t.STRING), [t.STRING, t.STRING, t.INT], is_member=True,
                          impl=_find_all),
        ]),
        _cel.FunctionDecl("isIP", [_cel.Overload("kube_lsp_isIP", t.BOOL, [t.STRING], impl=_is_ip)]),
        _cel.FunctionDecl("isCIDR", [_cel.Overload("kube_lsp_isCIDR", t.BOOL, [t.STRING], impl=_is_cidr)]),
        member("isSorted", t.BOOL, [dyn_list], lambda xs: (v := _homogeneous(xs)) == sorted(v)),
        member("sum", t.DYN, [dyn_list], _sum),
        member("min", t.DYN, [dyn_list], lambda xs: min(_homogeneous(xs))),
        member("max", t.DYN, [dyn_list], lambda xs: max(_homogeneous(xs))),
    ]


class _Env:
    """The compiled environments (built on first use: importing the binding costs ~2 ms, building ~5 ms)."""

    def __init__(self) -> None:
        assert _cel is not None
        exts = [ext_strings.ExtStrings(), ext_optional.ExtOptional()]
        self.rules = _cel.NewEnv(variables={"self": _cel.Type.DYN}, extensions=exts, functions=_declarations())
        self.regex = _cel.NewEnv(variables={"s": _cel.Type.STRING, "p": _cel.Type.STRING})
        self.match = self.regex.compile("s.matches(p)")
        self.compile_re = self.regex.compile("''.matches(p)")


@functools.cache
def _env() -> _Env | None:
    if _cel is None:
        return None
    try:
        return _Env()
    except Exception:  # noqa: BLE001 - an incompatible binding: nothing is evaluated
        return None


def available() -> bool:
    return _cel is not None


@functools.lru_cache(maxsize=4096)
def _compiled(rule: str) -> Any:
    """The compiled rule, or the reason it cannot be evaluated (a str)."""
    env = _env()
    if env is None:
        return "CEL is not available (cel-expr-python is not installed)"
    if len(rule) > MAX_RULE_CHARS:
        return f"the rule is longer than {MAX_RULE_CHARS} characters"
    if _OLD_SELF.search(rule):
        return "a transition rule (oldSelf): the API server evaluates it only on updates, against the stored object"
    try:
        return env.rules.compile(rule)
    except Exception as exc:  # noqa: BLE001 - any compile failure means "not evaluated"
        return _first_line(str(exc))


def _first_line(text: str) -> str:
    text = text.replace("INVALID_ARGUMENT: ", "").replace("ERROR: <input>:", "")
    return text.strip().split("\n", 1)[0][:200]


class Binding:
    """`self` for the rules of one node: the plain data, converted by the binding once (and lazily) however many
    rules read it (passing the data to each evaluation converts it every time: 20x slower on big objects)."""

    __slots__ = ("_activation", "value")

    def __init__(self, value: Any) -> None:
        self.value = value
        self._activation: Any = None

    def activation(self) -> Any:
        if self._activation is None:
            env = _env()
            assert env is not None
            self._activation = env.rules.Activation({"self": self.value})
        return self._activation


def evaluate(rule: str, self_value: Any, nodes: int) -> Outcome:
    """Evaluate `rule` with `self` bound to `self_value` (plain data of `nodes` nodes, or a Binding of it)."""
    prog = _compiled(rule)
    if isinstance(prog, str):
        return Outcome(None, prog)
    if nodes > MAX_SELF_NODES and _MACRO.search(rule):
        return Outcome(None, f"the value has more than {MAX_SELF_NODES} nodes")
    try:
        bound = self_value if isinstance(self_value, Binding) else Binding(self_value)
        result = prog.eval(bound.activation())
    except Exception as exc:  # noqa: BLE001 - e.g. the iteration budget: not evaluated
        return Outcome(None, _first_line(str(exc)))
    assert _cel is not None
    kind = result.type()
    if kind == _cel.Type.BOOL:
        return Outcome(bool(result.value()))
    if kind == _cel.Type.ERROR:
        return Outcome(None, _first_line(str(result.plain_value())))
    return Outcome(None, f"the rule evaluates to {kind.name()}, not a bool")


def evaluate_string(expr: str, self_value: Any) -> str | None:
    """A `messageExpression`'s string, or None when it cannot be evaluated."""
    prog = _compiled(expr)
    if isinstance(prog, str):
        return None
    try:
        bound = self_value if isinstance(self_value, Binding) else Binding(self_value)
        result = prog.eval(bound.activation())
    except Exception:  # noqa: BLE001
        return None
    assert _cel is not None
    if result.type() != _cel.Type.STRING:
        return None
    text = result.value()
    return text if isinstance(text, str) and text.strip() else None


@functools.lru_cache(maxsize=1024)
def regex_ok(pattern: str) -> bool:
    """Whether RE2 compiles `pattern` (Go's regexp accepts the same syntax)."""
    env = _env()
    if env is None:
        return False
    try:
        result = env.compile_re.eval(data={"p": pattern})
    except Exception:  # noqa: BLE001
        return False
    assert _cel is not None
    return bool(result.type() == _cel.Type.BOOL)


@functools.lru_cache(maxsize=8192)
def search(pattern: str, text: str) -> bool | None:
    """RE2 (unanchored) search of `pattern` in `text`, as Go's regexp.MatchString; None: not known."""
    env = _env()
    if env is None or not regex_ok(pattern):
        return None
    try:
        result = env.match.eval(env.regex.Activation({"s": text, "p": pattern}))
    except Exception:  # noqa: BLE001
        return None
    assert _cel is not None
    return bool(result.value()) if result.type() == _cel.Type.BOOL else None
