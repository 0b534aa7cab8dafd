"""A resource quantity does not parse.

## What it does
Reads every quantity of a pod or pod template (container `resources`, pod `overhead` and `resources`,
`emptyDir.sizeLimit`, generic ephemeral volume claims, `resourceFieldRef.divisor`), of StatefulSet volume
claim templates, PersistentVolumeClaims, PersistentVolumes, ResourceQuotas, LimitRanges and the metric
targets of HorizontalPodAutoscalers the way the API server's quantity decoder reads it. Units are
case-sensitive: `Ki Mi Gi Ti Pi Ei` (powers of 1024), `m k M G T P E` (powers of 1000), or an exponent (`1e3`).
There is no `B` suffix and no space before the unit.

## Why is this bad?
The API server cannot even decode the object: `... cannot be handled as a Deployment: quantities must match the
regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'` (or `unable to parse quantity's suffix`),
and nothing of it is applied.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.27
      resources:
        limits: {memory: 512MB}
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.27
      resources:
        limits: {memory: 512Mi}
```

## Fix
Removes the space inside a quantity (`1 Gi` → `1Gi`). A wrong unit is not fixed automatically: `512MB` may
mean `512M` or `512Mi`, and the message names both.

## References
`ParseQuantity` and `Quantity.UnmarshalJSON` in `k8s.io/apimachinery/pkg/api/resource/quantity.go`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from kube_lsp.model import Finding, Fix, Severity
from kube_lsp.parsing.nodes import YScalar
from kube_lsp.rules._pod import go_quote, quantity_error, quantity_lists, replace_scalar, single_quantities
from kube_lsp.rules.base import ObjectContext, Rule

_NUMBER_UNIT = re.compile(r"([+-]?[0-9.]+)\s*([A-Za-z]+)")
# Unit spellings people mean, → (binary, decimal) suffixes.
_UNITS = {"k": ("Ki", "k"), "m": ("Mi", "M"), "g": ("Gi", "G"), "t": ("Ti", "T"), "p": ("Pi", "P"), "e": ("Ei", "E")}
_NAMES = {"Ki": "kibibytes", "Mi": "mebibytes", "Gi": "gibibytes", "Ti": "tebibytes", "Pi": "pebibytes",
          "Ei": "exbibytes", "k": "kilobytes", "M": "megabytes", "G": "gigabytes", "T": "terabytes", "P": "petabytes",
          "E": "exabytes"}


def _hint(text: str, resource: str = "") -> tuple[str, str | None]:
    """What the user probably meant, and the fix when that is clear (only a stray space is)."""
    compact = re.sub(r"\s+", "", text.strip())
    if compact != text.strip() and quantity_error(compact) is None:
        return f"remove the space: `{compact}`", compact
    if "${" in text or "{{" in text or re.fullmatch(r"[A-Z][A-Z0-9_]*", text.strip()):
        return "a placeholder? substitute it before applying", None
    m = _NUMBER_UNIT.fullmatch(text.strip())
    if m is None:
        return "write a number with an optional unit such as `500m`, `1Gi` or `2`", None
    number, unit = m.groups()
    if resource == "cpu" and unit[0] in "mM":
        return f"did you mean `{number}m` (millicores)?", None
    low = unit.lower().rstrip("b").rstrip("i") if unit.lower() not in ("b",) else ""
    if low in _UNITS and unit.lower() in (low, low + "b", low + "i", low + "ib"):
        binary, decimal = _UNITS[low]
        return (f"did you mean `{number}{binary}` ({_NAMES[binary]}) or `{number}{decimal}` ({_NAMES[decimal]})? "
                "units are case-sensitive and have no `B`"), None
    return "units are Ki, Mi, Gi, Ti, Pi, Ei (1024) or m, k, M, G, T, P, E (1000), case-sensitive", None


def check(ctx: ObjectContext) -> Iterator[Finding]:
    nodes: list[tuple[YScalar, str, str]] = []
    for ql in quantity_lists(ctx):
        for k, v in ql.node.pairs:
            if ql.owner == "target" and k.text not in ("value", "averageValue"):
                continue  # a metric target's type and utilization are not quantities
            if isinstance(v, YScalar) and isinstance(v.value, str) and quantity_error(v.value) is not None:
                nodes.append((v, f"{ql.path}.{k.text}", k.text))
    nodes.extend((node, path, "") for node, path in single_quantities(ctx)
                 if isinstance(node.value, str) and quantity_error(node.value) is not None)
    for node, path, resource in nodes:
        err = quantity_error(str(node.value))
        if err is None:
            continue
        hint, fix = _hint(node.value, resource)
        fixes: tuple[Fix, ...] = ()
        if fix is not None:
            fixes = (replace_scalar(node, fix, f"Use `{fix}`"),)
        yield ctx.finding(RULE, node.span, f"{go_quote(node.value)}: {err} — {hint}", path=path, fixes=fixes)


RULE = Rule(
    code="KL248", name="invalid-quantity", severity=Severity.ERROR, module=__name__,
    summary="A resource quantity does not parse",
    check=check, kinds=frozenset({"Pod", "PodTemplate", "Deployment", "ReplicaSet", "DaemonSet", "StatefulSet",
                                  "ReplicationController", "Job", "CronJob", "PersistentVolumeClaim",
                                  "PersistentVolume", "ResourceQuota", "LimitRange", "HorizontalPodAutoscaler"}),
)
