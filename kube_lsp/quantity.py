"""Kubernetes resource quantities (`500m`, `1.5Gi`, `1e3`), read exactly as apimachinery's
`resource.ParseQuantity` reads them.

The grammar (k8s.io/apimachinery/pkg/api/resource/quantity.go)::

    <quantity>        ::= <signedNumber><suffix>
    <signedNumber>    ::= <number> | +<number> | -<number>
    <number>          ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
    <suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI>
    <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei
    <decimalSI>       ::= m | "" | k | M | G | T | P | E
    <decimalExponent> ::= "e" <signedNumber> | "E" <signedNumber>

YAML numbers are quantities too (`cpu: 2`, `cpu: 0.5`): kubectl sends them as JSON numbers, which the API
server reads with the same grammar.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Final

_NUMBER: Final = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
_QUANTITY: Final = re.compile(rf"({_NUMBER})(Ki|Mi|Gi|Ti|Pi|Ei|[eE]{_NUMBER}|m|k|M|G|T|P|E|)")
_BINARY: Final = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL: Final = {"m": Decimal("0.001"), "": Decimal(1), "k": Decimal(10) ** 3, "M": Decimal(10) ** 6,
                   "G": Decimal(10) ** 9, "T": Decimal(10) ** 12, "P": Decimal(10) ** 15, "E": Decimal(10) ** 18}

# What the API server says when a quantity does not parse (quoted by findings so users recognise it).
QUANTITY_MESSAGE: Final = ("quantities must match the regular expression "
                           "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")


def parse_quantity(value: object) -> Decimal | None:
    """The quantity's value (in base units: cores, bytes, ...), or None when the API server would reject it.

    Booleans and None are not quantities; ints and floats are (as JSON numbers)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        return Decimal(repr(value))
    if not isinstance(value, str):
        return None
    m = _QUANTITY.fullmatch(value)
    if m is None:
        return None
    number, suffix = m.groups()
    try:
        base = Decimal(number if not number.endswith(".") else number + "0")
        if suffix in _BINARY:
            return base * _BINARY[suffix]
        if suffix in _DECIMAL:
            return base * _DECIMAL[suffix]
        exp = Decimal(suffix[1:])
        if exp != exp.to_integral_value() or abs(exp) > 1000:
            return None
        return base.scaleb(int(exp))
    except InvalidOperation:
        return None


def format_quantity(value: Decimal, binary: bool = False) -> str:
    """A short human form: `1.5Gi`, `250m`, `2` (binary suffixes for bytes)."""
    if binary and value >= 1024:
        for suffix in ("Ei", "Pi", "Ti", "Gi", "Mi", "Ki"):
            unit = Decimal(_BINARY[suffix])
            if value >= unit:
                return f"{_trim(value / unit)}{suffix}"
    if not binary and value != value.to_integral_value() and abs(value) < 1000:
        return f"{_trim(value * 1000)}m"
    for suffix in ("E", "P", "T", "G", "M", "k"):
        unit = _DECIMAL[suffix]
        if abs(value) >= unit and (value / unit) == (value / unit).to_integral_value():
            return f"{_trim(value / unit)}{suffix}"
    return _trim(value)


def _trim(d: Decimal) -> str:
    q = d.quantize(Decimal("0.01")) if d != d.to_integral_value() else d.to_integral_value()
    text = format(q.normalize(), "f")
    return text
