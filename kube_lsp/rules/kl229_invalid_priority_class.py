"""A PriorityClass uses the reserved `system-` prefix or a value above the user-definable maximum.

## What it does
Checks a PriorityClass: a name starting with `system-` must be one of the system priority classes
(`system-cluster-critical`, `system-node-critical`), and any other class may have a `value` of at most
1000000000.

## Why is this bad?
The API server refuses the class: `value: Forbidden: maximum allowed value of a user defined priority is
1000000000`, or `metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for
system use only`.

## Example
```yaml
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: critical-web
value: 2000000000
```

## Use instead
```yaml
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: critical-web
value: 1000000000
```

## References
`ValidatePriorityClass` in `pkg/apis/scheduling/validation/validation.go` (`HighestUserDefinablePriority`,
`SystemPriorityClassPrefix`, `IsKnownSystemPriorityClass`).
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.nodes import YScalar
from kube_lsp.rules.base import ObjectContext, Rule, string_at

HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000
SYSTEM_PREFIX = "system-"
SYSTEM_CLASSES = frozenset({"system-cluster-critical", "system-node-critical"})


def check(ctx: ObjectContext) -> Iterator[Finding]:
    if ctx.group != "scheduling.k8s.io":
        return
    got = string_at(ctx.metadata, "name")
    name = got[0] if got is not None else ""
    if got is not None and name.startswith(SYSTEM_PREFIX):
        if name not in SYSTEM_CLASSES:
            yield ctx.finding(RULE, got[1].span, f"metadata.name: Forbidden: priority class names with "
                              f"'{SYSTEM_PREFIX}' prefix are reserved for system use only. error: {name} is not a "
                              "known system priority class — choose a name without the `system-` prefix",
                              path="metadata.name")
        return
    value = ctx.root.get("value")
    if isinstance(value, YScalar) and isinstance(value.value, int) and not isinstance(value.value, bool) \
            and value.value > HIGHEST_USER_DEFINABLE_PRIORITY:
        yield ctx.finding(RULE, value.span, "value: Forbidden: maximum allowed value of a user defined priority is "
                          f"{HIGHEST_USER_DEFINABLE_PRIORITY} — higher values are reserved for the system classes",
                          path="value")


RULE = Rule(
    code="KL229", name="invalid-priority-class", severity=Severity.ERROR, module=__name__, check=check,
    kinds=frozenset({"PriorityClass"}),
    summary="A PriorityClass uses the reserved `system-` prefix or a value above the user-definable maximum",
)
