"""Two containers of a pod have the same name.

## What it does
Container names must be unique across the containers, init containers and ephemeral containers of a pod.
The finding is where the API server puts it: on a repeated name among `containers`, on an init container
that repeats a container's (or an earlier init container's) name, and on an ephemeral container that
repeats any of them. It names the other definition.

## Why is this bad?
The API server rejects the object: `spec.template.spec.initContainers[0].name: Duplicate value: "app"`.
A copy-pasted container usually is the cause.

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
    - name: web
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
    - name: sidecar
      image: busybox:1.36
```

## References
`validateContainers`, `validateInitContainers` and `validateEphemeralContainers` in
`pkg/apis/core/validation/validation.go`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity, literal
from kube_lsp.parsing.nodes import YScalar
from kube_lsp.rules._pod import POD_KINDS, go_quote, pod_containers, validated_pod
from kube_lsp.rules.base import ObjectContext, Rule
from kube_lsp.workloads import Container


def check(ctx: ObjectContext) -> Iterator[Finding]:
    if ctx.partial:  # a patch's containers are merged into the base's by name
        return
    pod = validated_pod(ctx)
    if pod is None:
        return
    by_list: dict[str, list[tuple[Container, YScalar]]] = {"containers": [], "initContainers": [],
                                                          "ephemeralContainers": []}
    for c in pod_containers(ctx):
        node = c.get("name")
        if isinstance(node, YScalar) and isinstance(node.value, str) and node.value:
            by_list[c.list_key].append((c, node))
    # The API server's order: regular containers among themselves, then init containers against regular and
    # earlier init containers, then ephemeral containers against all of them.
    seen: dict[str, tuple[Container, YScalar]] = {}
    for list_key in ("containers", "initContainers", "ephemeralContainers"):
        for c, node in by_list[list_key]:
            first = seen.get(node.value)
            if first is None:
                seen[node.value] = (c, node)
                continue
            other = first[0].path.rsplit(".", 1)[-1]
            template = (f"Duplicate value: {literal(go_quote(node.value))}: container names must be unique across "
                        f"containers, init containers and ephemeral containers; {literal(other)} on line {{0}} "
                        "has it too — rename one of them")
            yield ctx.finding(RULE, node.span, "", path=f"{c.path}.name", related=(first[1].span,),
                              template=template)


RULE = Rule(
    code="KL231", name="duplicate-container-name", severity=Severity.ERROR, module=__name__,
    summary="Two containers of a pod have the same name",
    check=check, kinds=POD_KINDS,
)
