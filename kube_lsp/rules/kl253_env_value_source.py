"""An environment variable's `valueFrom` has no source, several, or comes with a `value`.

## What it does
`env[].valueFrom` must name exactly one of `fieldRef`, `resourceFieldRef`, `configMapKeyRef` and
`secretKeyRef`, and a variable with `valueFrom` may not also have a non-empty `value`. Likewise every
`envFrom` entry must name exactly one of `configMapRef` and `secretRef`.

## Why is this bad?
The API server rejects the object: `spec.containers[0].env[0].valueFrom: Invalid value: "": may not be
specified when `value` is not empty`, or `spec.containers[0].envFrom: Invalid value: "": must specify one of:
`configMapRef` or `secretRef``.

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
      env:
        - name: PASSWORD
          value: changeme
          valueFrom:
            secretKeyRef: {name: db, key: password}
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
      env:
        - name: PASSWORD
          valueFrom:
            secretKeyRef: {name: db, key: password}
```

## References
`validateEnvVarValueFrom` and `ValidateEnvFrom` in `pkg/apis/core/validation/validation.go`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.nodes import YMap, YScalar
from kube_lsp.rules._pod import POD_KINDS, key_or_node, pod_containers, present, seq_maps, validated_pod
from kube_lsp.rules.base import ObjectContext, Rule

_SOURCES = ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef")
_KNOWN = frozenset({*_SOURCES})
_FROM = ("configMapRef", "secretRef")


def check(ctx: ObjectContext) -> Iterator[Finding]:
    pod = validated_pod(ctx)
    if pod is None:
        return
    for c in pod_containers(ctx):
        for j, env in seq_maps(c.get("env")):
            vf = env.get("valueFrom")
            if not isinstance(vf, YMap) or any(k not in _KNOWN for k in vf.keys()):
                continue  # unset, not a mapping, or a source this check does not know (a newer API's)
            path = f"{c.path}.env[{j}].valueFrom"
            span = key_or_node(env, "valueFrom")
            found = [s for s in _SOURCES if present(vf, s)]
            value = env.get("value")
            if not found:
                if not ctx.partial:
                    yield ctx.finding(RULE, span, 'Invalid value: "": must specify one of: `fieldRef`, '
                                      "`resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`", path=path)
            elif isinstance(value, YScalar) and value.value not in (None, ""):
                yield ctx.finding(RULE, span, 'Invalid value: "": may not be specified when `value` is not empty — '
                                  "remove `value` or `valueFrom`", path=path)
            elif len(found) > 1:
                yield ctx.finding(RULE, key_or_node(vf, found[1]), 'Invalid value: "": may not have more than one '
                                  f"field specified at a time — keep `{found[0]}` or `{found[1]}`", path=path)
        for j, src in seq_maps(c.get("envFrom")):
            found = [s for s in _FROM if present(src, s)]
            path = f"{c.path}.envFrom[{j}]"
            if not found and not ctx.partial and all(k in (*_FROM, "prefix") for k in src.keys()):
                yield ctx.finding(RULE, src.span, 'Invalid value: "": must specify one of: `configMapRef` or '
                                  "`secretRef`", path=path)
            elif len(found) > 1:
                yield ctx.finding(RULE, key_or_node(src, found[1]), 'Invalid value: "": may not have more than one '
                                  "field specified at a time — use one `envFrom` entry per source", path=path)


RULE = Rule(
    code="KL253", name="env-value-source", severity=Severity.ERROR, module=__name__,
    summary="An environment variable's `valueFrom` has no source, several, or comes with a `value`",
    check=check, kinds=POD_KINDS,
)
