"""A container mounts two volumes at the same path.

## What it does
Checks, per container, that no two `volumeMounts` have the same `mountPath` (`must be unique`), that no two
`volumeDevices` have the same `devicePath`, and that a `mountPath` is not also a `devicePath`. Paths are
compared exactly as written, as the API server compares them.

## Why is this bad?
The API server rejects the object: `spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/data":
must be unique`. Only one volume can be mounted at a path.

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
        - {name: cache, mountPath: /data}
        - {name: logs, mountPath: /data}
  volumes:
    - {name: cache, emptyDir: {}}
    - {name: logs, emptyDir: {}}
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
        - {name: cache, mountPath: /data/cache}
        - {name: logs, mountPath: /data/logs}
  volumes:
    - {name: cache, emptyDir: {}}
    - {name: logs, emptyDir: {}}
```

## References
`ValidateVolumeMounts` and `ValidateVolumeDevices` in `pkg/apis/core/validation/validation.go`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity, literal
from kube_lsp.parsing.nodes import YScalar
from kube_lsp.rules._pod import POD_KINDS, go_quote, pod_containers, seq_maps, validated_pod
from kube_lsp.rules.base import ObjectContext, Rule


def check(ctx: ObjectContext) -> Iterator[Finding]:
    if ctx.partial:  # a patch's mounts are merged with the base's
        return
    pod = validated_pod(ctx)
    if pod is None:
        return
    for c in pod_containers(ctx):
        devices: dict[str, YScalar] = {}
        for j, dev in seq_maps(c.get("volumeDevices")):
            node = dev.get("devicePath")
            if not isinstance(node, YScalar) or not isinstance(node.value, str) or not node.value:
                continue
            first = devices.get(node.value)
            if first is not None:
                yield ctx.finding(RULE, node.span, "", path=f"{c.path}.volumeDevices[{j}].devicePath",
                                  related=(first.span,), template=(
                                      f"Invalid value: {literal(go_quote(node.value))}: must be unique — the device "
                                      "on line {0} uses this path already"))
            else:
                devices[node.value] = node
        mounts: dict[str, YScalar] = {}
        for j, mount in seq_maps(c.get("volumeMounts")):
            node = mount.get("mountPath")
            if not isinstance(node, YScalar) or not isinstance(node.value, str) or not node.value:
                continue
            path = f"{c.path}.volumeMounts[{j}].mountPath"
            first = mounts.get(node.value)
            if first is not None:
                yield ctx.finding(RULE, node.span, "", path=path, related=(first.span,), template=(
                    f"Invalid value: {literal(go_quote(node.value))}: must be unique — the mount on line {{0}} uses "
                    "this path already; mount the volumes at different paths"))
            else:
                mounts[node.value] = node
            if node.value in devices:
                yield ctx.finding(RULE, node.span, "", path=path, related=(devices[node.value].span,), template=(
                    f"Invalid value: {literal(go_quote(node.value))}: must not already exist as a path in "
                    "volumeDevices (line {0})"))


RULE = Rule(
    code="KL236", name="duplicate-mount-path", severity=Severity.ERROR, module=__name__,
    summary="A container mounts two volumes at the same path",
    check=check, kinds=POD_KINDS,
)
