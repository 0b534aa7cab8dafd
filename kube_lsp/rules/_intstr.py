"""IntOrString checks shared by several kinds (not a rule): ValidatePositiveIntOrPercent and
IsNotMoreThan100Percent of pkg/apis/apps/validation."""

from __future__ import annotations

from kube_lsp.parsing.nodes import YScalar
from kube_lsp.rules import _apimachinery as am


def int_or_percent_errors(node: YScalar) -> list[str]:
    """The messages for a positive int or a percentage of at most 100% (empty: valid or not judged)."""
    value = node.value
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, int):
        return [] if value >= 0 else ["must be greater than or equal to 0"]
    if isinstance(value, str):
        if am.substituted(value):
            return []
        errs = am.is_valid_percent(value)
        if not errs and int(value[:-1]) > 100:
            errs.append("must not be greater than 100%")
        return errs
    return []
