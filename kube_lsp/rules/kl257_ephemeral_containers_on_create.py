"""A manifest sets `ephemeralContainers`.

## What it does
Ephemeral containers are added to a running pod with `kubectl debug`; a pod template may not have them, and
a Pod may not have them when it is created.

## Why is this bad?
The API server rejects the object: `spec.template.spec.ephemeralContainers: Forbidden: ephemeral containers not
allowed in pod template`, or for a Pod `spec.ephemeralContainers: Forbidden: cannot be set on create`.

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
  ephemeralContainers:
    - name: debug
      image: busybox:1.36
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
```

## References
`ValidatePodTemplateSpec` and `ValidatePodCreate` in `pkg/apis/core/validation/validation.go`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.nodes import YSeq
from kube_lsp.rules._pod import POD_KINDS, key_or_node, validated_pod
from kube_lsp.rules.base import ObjectContext, Rule


def check(ctx: ObjectContext) -> Iterator[Finding]:
    pod = validated_pod(ctx)
    if pod is None:
        return
    node = pod.spec.get("ephemeralContainers")
    if not isinstance(node, YSeq) or not node.items:
        return
    detail = "cannot be set on create" if ctx.kind == "Pod" else "ephemeral containers not allowed in pod template"
    yield ctx.finding(RULE, key_or_node(pod.spec, "ephemeralContainers"), f"Forbidden: {detail} — add them to a "
                      "running pod with `kubectl debug`", path=f"{pod.path}.ephemeralContainers")


RULE = Rule(
    code="KL257", name="ephemeral-containers-on-create", severity=Severity.ERROR, module=__name__,
    summary="A manifest sets `ephemeralContainers`",
    check=check, kinds=POD_KINDS,
)
