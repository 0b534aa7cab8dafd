"""Resource quantities are read as apimachinery's ParseQuantity reads them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kube_lsp.quantity import format_quantity, parse_quantity


@pytest.mark.parametrize(("text", "value"), [
    ("500m", Decimal("0.5")), ("1", Decimal(1)), ("1.5Gi", Decimal(1536 * 2**20)), ("128Mi", Decimal(128 * 2**20)),
    ("1k", Decimal(1000)), ("1e3", Decimal(1000)), ("1E-3", Decimal("0.001")), (".5", Decimal("0.5")),
    ("5.", Decimal(5)), ("+2", Decimal(2)), ("-1", Decimal(-1)), (2, Decimal(2)), (0.25, Decimal("0.25")),
    ("0", Decimal(0)), ("1Ei", Decimal(2**60)),
])
def test_valid_quantities(text: object, value: Decimal) -> None:
    assert parse_quantity(text) == value


@pytest.mark.parametrize("text", ["500mi", "1Gb", "512MB", "64mi", "1 Gi", "0.5.1", "", "Gi", "1KiB", "1ki", "1g",
                                  "1e", "1e1.5", "--1", True, None, [], float("nan")])
def test_invalid_quantities(text: object) -> None:
    assert parse_quantity(text) is None


def test_format_quantity() -> None:
    assert format_quantity(Decimal("0.25")) == "250m"
    assert format_quantity(Decimal(3)) == "3"
    assert format_quantity(Decimal(1536 * 2**20), binary=True) == "1.5Gi"
    assert format_quantity(Decimal(128 * 2**20), binary=True) == "128Mi"
