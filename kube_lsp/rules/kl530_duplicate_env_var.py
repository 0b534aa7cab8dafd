"""A container sets the same environment variable twice.

## What it does
Reports every `env` entry of a container (init, regular or ephemeral) whose `name` an earlier entry of the
same container already set, pointing at the earlier one.

## Why is this bad?
The API server accepts it with a warning (`spec.containers[0].env[2]: hides previous definition of
"LOG_LEVEL", which may be dropped when using apply`): the container sees the last value only, and
`kubectl apply`'s merge by name may drop one of them on the next change — usually a copy-paste slip that
meant another variable.

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
        - name: LOG_LEVEL
          value: info
        - name: LOG_LEVEL
          value: debug
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
        - name: LOG_LEVEL
          value: info
        - name: TRACE_LEVEL
          value: debug
```

## References
`warningsForPodSpecAndMeta` in `pkg/api/pod/warnings.go` (the duplicate env var warning).
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity, literal
from kube_lsp.rules.base import ObjectContext, Rule, maps_in, string_at
from kube_lsp.workloads import TEMPLATE_PATHS, containers, pod_template


def check(ctx: ObjectContext) -> Iterator[Finding]:
    pod = pod_template(ctx.root, ctx.group, ctx.kind)
    if pod is None:
        return
    for c in containers(pod):
        seen: dict[str, object] = {}
        for i, env in maps_in(c.node.get("env")):
            got = string_at(env, "name")
            if got is None:
                continue
            name, node = got
            first = seen.get(name)
            if first is None:
                seen[name] = node
                continue
            path = f"{c.path}.env[{i}]"
            yield ctx.finding(
                RULE, node.span, "",
                path=f"{path}.name", related=(first.span,),  # type: ignore[attr-defined]
                template=literal(f"{path}: hides previous definition of \"{name}\", which may be dropped when using "
                                 f"apply (set on line ") + "{0}" + literal("); one of the values is lost"))


RULE = Rule(code="KL530", name="duplicate-env-var", severity=Severity.WARNING,
            summary="A container sets the same environment variable twice", module=__name__, check=check,
            kinds=frozenset(TEMPLATE_PATHS))
