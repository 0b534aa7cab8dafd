"""A container name is not a DNS-1123 label.

## What it does
Checks the `name` of every container, init container and ephemeral container of a pod or pod template
against the API server's rule: a lowercase RFC 1123 label (at most 63 characters: lower-case letters, digits
and `-`, starting and ending with a letter or digit), and that it is not empty.

## Why is this bad?
The API server rejects the object: `spec.template.spec.containers[0].name: Invalid value: "Web": a lowercase
RFC 1123 label must consist of ...`. Upper case and `_` are the usual slips.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: Web_Server
          image: nginx:1.27
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web-server
          image: nginx:1.27
```

## Fix
Lower-cases the name and turns `_` and `.` into `-` (`Web_Server` → `web-server`) when that gives a valid
name no other container of the pod uses.

## References
`validateContainerCommon` (`ValidateDNS1123Label`) in `pkg/apis/core/validation/validation.go`;
`IsDNS1123Label` in `k8s.io/apimachinery/pkg/util/validation/validation.go`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Fix, Severity
from kube_lsp.parsing.nodes import YScalar
from kube_lsp.rules._pod import (
    POD_KINDS,
    as_label,
    dns1123_label_errors,
    go_quote,
    pod_containers,
    replace_scalar,
    validated_pod,
)
from kube_lsp.rules.base import ObjectContext, Rule


def check(ctx: ObjectContext) -> Iterator[Finding]:
    pod = validated_pod(ctx)
    if pod is None:
        return
    all_containers = list(pod_containers(ctx))
    used = {c.name for c in all_containers}
    for c in all_containers:
        node = c.get("name")
        if not isinstance(node, YScalar) or not isinstance(node.value, str):
            continue
        name = node.value
        if name == "":
            yield ctx.finding(RULE, node.span, "Required value: a container needs a name", path=f"{c.path}.name")
            continue
        errs = dns1123_label_errors(name)
        if not errs:
            continue
        better = as_label(name)
        fixes: tuple[Fix, ...] = ()
        hint = "use lower-case letters, digits and '-'"
        if better is not None and better not in used:
            fixes = (replace_scalar(node, better, f"Rename the container to `{better}`"),)
            hint = f"did you mean `{better}`?"
        yield ctx.finding(RULE, node.span, f"Invalid value: {go_quote(name)}: {'; '.join(errs)} — {hint}",
                          path=f"{c.path}.name", fixes=fixes)


RULE = Rule(
    code="KL230", name="invalid-container-name", severity=Severity.ERROR, module=__name__,
    summary="A container name is not a DNS-1123 label",
    check=check, kinds=POD_KINDS,
)
