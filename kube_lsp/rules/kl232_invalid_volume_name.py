"""A volume name is not a DNS-1123 label.

## What it does
Checks the `name` of every entry of a pod's `volumes`: it must be a lowercase RFC 1123 label (at most 63
characters: lower-case letters, digits and `-`, starting and ending with a letter or digit) and not empty.

## Why is this bad?
The API server rejects the object: `spec.volumes[0].name: Invalid value: "Config_Files": a lowercase RFC 1123
label must consist of ...`, and every mount of that volume is `Not found` as well.

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
        - {name: Cache_Dir, mountPath: /cache}
  volumes:
    - name: Cache_Dir
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
        - {name: cache-dir, mountPath: /cache}
  volumes:
    - name: cache-dir
      emptyDir: {}
```

## References
`ValidateVolumes` (`ValidateDNS1123Label`) in `pkg/apis/core/validation/validation.go`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.nodes import YScalar
from kube_lsp.rules._pod import POD_KINDS, dns1123_label_errors, go_quote, seq_maps, validated_pod
from kube_lsp.rules.base import ObjectContext, Rule


def check(ctx: ObjectContext) -> Iterator[Finding]:
    pod = validated_pod(ctx)
    if pod is None:
        return
    for i, vol in seq_maps(pod.spec.get("volumes")):
        node = vol.get("name")
        if not isinstance(node, YScalar) or not isinstance(node.value, str):
            continue
        path = f"{pod.path}.volumes[{i}].name"
        if node.value == "":
            yield ctx.finding(RULE, node.span, "Required value: a volume needs a name", path=path)
            continue
        errs = dns1123_label_errors(node.value)
        if errs:
            yield ctx.finding(RULE, node.span, f"Invalid value: {go_quote(node.value)}: {'; '.join(errs)} — use "
                              "lower-case letters, digits and '-' (and rename its mounts too)", path=path)


RULE = Rule(
    code="KL232", name="invalid-volume-name", severity=Severity.ERROR, module=__name__,
    summary="A volume name is not a DNS-1123 label",
    check=check, kinds=POD_KINDS,
)
