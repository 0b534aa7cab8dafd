"""A volume mount or volume device names no volume of the pod.

## What it does
Checks that the `name` of every `volumeMounts` and `volumeDevices` entry of every container (init and
ephemeral containers too) is the name of a volume in the pod's `volumes`. When a volume's name is a typo
away, the message suggests it and the fix renames the mount.

## Why is this bad?
The API server rejects the object: `spec.containers[0].volumeMounts[0].name: Not found: "config"`. A typo, or a
volume that was renamed or removed while its mount stayed, is the usual cause.

In a Kustomize patch the volume may be defined in the base, so patches are not checked.

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
        - {name: cahce, mountPath: /cache}
  volumes:
    - name: cache
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
        - {name: cache, mountPath: /cache}
  volumes:
    - name: cache
      emptyDir: {}
```

## Fix
Renames the mount to the one volume whose name is a typo away.

## References
`ValidateVolumeMounts` and `ValidateVolumeDevices` (`IsMatchedVolume`) in `pkg/apis/core/validation/validation.go`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Fix, Severity
from kube_lsp.parsing.nodes import YMap, YNode, YScalar, YSeq
from kube_lsp.rules._pod import POD_KINDS, go_quote, pod_containers, replace_scalar, seq_maps, validated_pod
from kube_lsp.rules.base import ObjectContext, Rule
from kube_lsp.suggest import suggest
from kube_lsp.workloads import TEMPLATE_PATHS


def check(ctx: ObjectContext) -> Iterator[Finding]:
    if ctx.partial:
        return
    pod = validated_pod(ctx)
    if pod is None:
        return
    vols = pod.spec.get("volumes")
    if vols is not None and not isinstance(vols, YSeq) and not (isinstance(vols, YScalar) and vols.value is None):
        return  # not a list: the schema check reports it
    names: list[str] = []
    for _, vol in seq_maps(vols):
        name = vol.get_str("name")
        if name is None:
            return  # a volume whose name is not known: cannot tell what is missing
        names.append(name)
    if vols is None and _stray_volumes(ctx):
        return  # `volumes` indented one level off (reported as misplaced): the cause, not the mounts
    known = set(names)
    for c in pod_containers(ctx):
        for list_key in ("volumeMounts", "volumeDevices"):
            for j, mount in seq_maps(c.get(list_key)):
                node = mount.get("name")
                if not isinstance(node, YScalar) or not isinstance(node.value, str) or not node.value:
                    continue
                if node.value in known:
                    continue
                close = suggest(node.value, names)
                fixes: tuple[Fix, ...] = ()
                if not names:
                    hint = "the pod has no volumes; add one to `volumes`"
                elif close:
                    hint = f"did you mean `{close[0]}`?"
                    if len(close) == 1:
                        fixes = (replace_scalar(node, close[0], f"Use volume `{close[0]}`"),)
                else:
                    hint = "the pod's volumes are " + ", ".join(f"`{n}`" for n in names)
                yield ctx.finding(RULE, node.span, f"Not found: {go_quote(node.value)}: no volume of the pod has this "
                                  f"name — {hint}", path=f"{c.path}.{list_key}[{j}].name", fixes=fixes)


def _stray_volumes(ctx: ObjectContext) -> bool:
    """A `volumes` key at a wrong level: in a container, on the object, its spec or its pod template."""
    if any(c.get("volumes") is not None for c in pod_containers(ctx)):
        return True
    node: YNode | None = ctx.root
    for key in ("", *TEMPLATE_PATHS.get(ctx.kind, ())):
        node = node.get(key) if key and isinstance(node, YMap) else node
        if isinstance(node, YMap) and node.get("volumes") is not None:
            return True
    return False


RULE = Rule(
    code="KL234", name="volume-mount-not-found", severity=Severity.ERROR, module=__name__,
    summary="A volume mount or volume device names no volume of the pod",
    check=check, kinds=POD_KINDS,
)
