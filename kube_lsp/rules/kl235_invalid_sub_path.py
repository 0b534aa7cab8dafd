"""A volume mount's `subPath` or `subPathExpr` is not a relative path inside the volume.

## What it does
Checks every `volumeMounts` entry: `subPath` and `subPathExpr` must be relative paths (`must be a relative
path`) without a `..` element (`must not contain '..'`), only one of the two may be set, and ephemeral
containers may not use either.

## Why is this bad?
The API server rejects the object, e.g. `spec.containers[0].volumeMounts.subPath: Invalid value: "/conf":
must be a relative path`. A sub-path names a file or directory inside the volume; it cannot leave it.

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
      volumeMounts:
        - {name: conf, mountPath: /etc/nginx/nginx.conf, subPath: /nginx.conf}
  volumes:
    - name: conf
      configMap: {name: nginx}
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
      volumeMounts:
        - {name: conf, mountPath: /etc/nginx/nginx.conf, subPath: nginx.conf}
  volumes:
    - name: conf
      configMap: {name: nginx}
```

## Fix
Removes the leading `/` of an absolute `subPath` or `subPathExpr`.

## References
`ValidateVolumeMounts` (`validateLocalDescendingPath`, `validatePathNoBacksteps`) and
`validateEphemeralContainers` in `pkg/apis/core/validation/validation.go`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Fix, Severity
from kube_lsp.parsing.nodes import YScalar
from kube_lsp.rules._pod import POD_KINDS, go_quote, pod_containers, replace_scalar, seq_maps, validated_pod
from kube_lsp.rules.base import ObjectContext, Rule


def check(ctx: ObjectContext) -> Iterator[Finding]:
    pod = validated_pod(ctx)
    if pod is None:
        return
    for c in pod_containers(ctx):
        for j, mount in seq_maps(c.get("volumeMounts")):
            base = f"{c.path}.volumeMounts[{j}]"
            both = False
            for key in ("subPath", "subPathExpr"):
                node = mount.get(key)
                if not isinstance(node, YScalar) or not isinstance(node.value, str) or not node.value:
                    continue
                value = node.value
                path = f"{base}.{key}"
                if c.list_key == "ephemeralContainers":
                    yield ctx.finding(RULE, node.span, "Forbidden: cannot be set for an Ephemeral Container", path=path)
                    continue
                if key == "subPathExpr" and both:
                    yield ctx.finding(RULE, node.span, f"Invalid value: {go_quote(value)}: subPathExpr and subPath "
                                      "are mutually exclusive — keep one of them", path=path)
                both = True
                if value.startswith("/"):
                    stripped = value.lstrip("/")
                    fixes: tuple[Fix, ...] = ()
                    if stripped and ".." not in stripped.split("/"):
                        fixes = (replace_scalar(node, stripped, f"Use the relative path `{stripped}`"),)
                    yield ctx.finding(RULE, node.span, f"Invalid value: {go_quote(value)}: must be a relative path "
                                      "— a sub-path is relative to the root of the volume", path=path, fixes=fixes)
                if ".." in value.split("/"):
                    yield ctx.finding(RULE, node.span, f"Invalid value: {go_quote(value)}: must not contain '..' — "
                                      "a sub-path cannot leave the volume", path=path)


RULE = Rule(
    code="KL235", name="invalid-sub-path", severity=Severity.ERROR, module=__name__,
    summary="A volume mount's `subPath` or `subPathExpr` is not a relative path inside the volume",
    check=check, kinds=POD_KINDS,
)
