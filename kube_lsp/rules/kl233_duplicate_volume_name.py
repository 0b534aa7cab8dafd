"""Two volumes of a pod have the same name.

## What it does
Volume names must be unique within a pod's `volumes`. The finding is on the repeated name and names the
first definition.

## Why is this bad?
The API server rejects the object: `spec.volumes[1].name: Duplicate value: "data"`. A volume pasted twice, or
two volumes meant to have different names, is the usual cause.

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
        - {name: data, mountPath: /data}
  volumes:
    - name: data
      emptyDir: {}
    - name: data
      emptyDir: {}
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
        - {name: data, mountPath: /data}
  volumes:
    - name: data
      emptyDir: {}
```

## References
`ValidateVolumes` in `pkg/apis/core/validation/validation.go`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity, literal
from kube_lsp.parsing.nodes import YScalar
from kube_lsp.rules._pod import POD_KINDS, dns1123_label_errors, go_quote, seq_maps, validated_pod
from kube_lsp.rules.base import ObjectContext, Rule


def check(ctx: ObjectContext) -> Iterator[Finding]:
    if ctx.partial:  # a patch's volumes are merged into the base's by name
        return
    pod = validated_pod(ctx)
    if pod is None:
        return
    seen: dict[str, YScalar] = {}
    for i, vol in seq_maps(pod.spec.get("volumes")):
        node = vol.get("name")
        if not isinstance(node, YScalar) or not isinstance(node.value, str) or not node.value:
            continue
        first = seen.get(node.value)
        if first is not None:
            template = (f"Duplicate value: {literal(go_quote(node.value))}: volume names must be unique; the volume "
                        "on line {0} has it already — remove the copy or rename it")
            yield ctx.finding(RULE, node.span, "", path=f"{pod.path}.volumes[{i}].name", related=(first.span,),
                              template=template)
        elif not dns1123_label_errors(node.value):  # only valid volumes are remembered (ValidateVolumes)
            seen[node.value] = node


RULE = Rule(
    code="KL233", name="duplicate-volume-name", severity=Severity.ERROR, module=__name__,
    summary="Two volumes of a pod have the same name",
    check=check, kinds=POD_KINDS,
)
