"""A container resource name is neither a standard resource nor a valid extended resource.

## What it does
Checks the keys of every container's `resources.limits` and `resources.requests`: an unprefixed name must be
one of `cpu`, `memory`, `ephemeral-storage` or `hugepages-<size>`; a prefixed one (`nvidia.com/gpu`) must be a
valid qualified name. A close standard name is suggested (`cpus` → `cpu`).

## Why is this bad?
The API server rejects the object: `spec.containers[0].resources.limits[cpus]: Invalid value: "cpus": must be a
standard resource type or fully qualified`, `... must be a standard resource for containers`.

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
        limits: {cpus: 500m, memory: 128Mi}
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
        limits: {cpu: 500m, memory: 128Mi}
```

## Fix
Renames the key to the one standard resource name it is a typo of, when the container does not set that one
already.

## References
`validateContainerResourceName` and `validateResourceName` in `pkg/apis/core/validation/validation.go`;
`IsStandardResourceName`, `IsStandardContainerResourceName`, `IsExtendedResourceName` in
`pkg/apis/core/helper/helpers.go`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Fix, Severity
from kube_lsp.parsing.nodes import YScalar
from kube_lsp.rules._pod import (
    POD_KINDS,
    container_resources,
    go_quote,
    is_native,
    qualified_name_errors,
    replace_scalar,
    validated_pod,
)
from kube_lsp.rules.base import ObjectContext, Rule
from kube_lsp.suggest import suggest

_CONTAINER = ("cpu", "memory", "ephemeral-storage")
# helper.standardResources (unprefixed names the API knows in general; most are quota names).
_STANDARD = frozenset({"cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory",
                       "requests.ephemeral-storage", "limits.cpu", "limits.memory", "limits.ephemeral-storage", "pods",
                       "resourcequotas", "services", "replicationcontrollers", "secrets", "configmaps",
                       "persistentvolumeclaims", "storage", "requests.storage", "services.nodeports",
                       "services.loadbalancers"})


def name_errors(name: str) -> list[str]:
    errs = qualified_name_errors(name)
    if errs:
        return errs
    if "/" not in name:
        if name not in _STANDARD and not name.startswith(("hugepages-", "requests.hugepages-")):
            errs.append("must be a standard resource type or fully qualified")
        if name not in _CONTAINER and not name.startswith("hugepages-"):
            errs.append("must be a standard resource for containers")
    elif not is_native(name):
        if name.startswith("requests.") or qualified_name_errors("requests." + name):
            errs.append("doesn't follow extended resource name standard")
    return errs


def check(ctx: ObjectContext) -> Iterator[Finding]:
    pod = validated_pod(ctx)
    if pod is None:
        return
    for c, limits, requests in container_resources(ctx):
        for key, m in (("limits", limits), ("requests", requests)):
            if m is None:
                continue
            present = {k.text for k, _ in m.pairs}
            for k, v in m.pairs:
                if k.text in ("limits", "requests", "claims") or not isinstance(v, YScalar):
                    continue  # a misplaced sibling (reported as such), not a resource
                errs = name_errors(k.text)
                if not errs:
                    continue
                close = [s for s in suggest(k.text, _CONTAINER) if s not in present]
                fixes: tuple[Fix, ...] = ()
                hint = "containers can request cpu, memory, ephemeral-storage, hugepages-<size> or an extended " \
                       "resource such as example.com/device"
                if close:
                    hint = f"did you mean `{close[0]}`?"
                    if len(close) == 1:
                        fixes = (replace_scalar(k, close[0], f"Rename to `{close[0]}`"),)
                yield ctx.finding(RULE, k.span, f"Invalid value: {go_quote(k.text)}: {'; '.join(errs)} — {hint}",
                                  path=f"{c.path}.resources.{key}[{k.text}]", fixes=fixes)


RULE = Rule(
    code="KL250", name="invalid-resource-name", severity=Severity.ERROR, module=__name__,
    summary="A container resource name is neither a standard resource nor a valid extended resource",
    check=check, kinds=POD_KINDS,
)
