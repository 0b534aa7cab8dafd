"""A probe or lifecycle hook has no handler, or more than one.

## What it does
A probe must have exactly one of `exec`, `httpGet`, `tcpSocket` and `grpc`; a `postStart` or `preStop` hook
exactly one of `exec`, `httpGet`, `tcpSocket` and `sleep`. With none the finding is on the probe's key
(`must specify a handler type`); with several it is on each extra one, in the order the API server checks
them (`may not specify more than 1 handler type`). An `exec` handler needs a `command`.

Probes of init containers without `restartPolicy: Always` and of ephemeral containers are not allowed at
all, and are not checked here. In a Kustomize patch a probe with only timings may get its handler from the
base, so that case is not reported there.

## Why is this bad?
The API server rejects the object: `spec.containers[0].livenessProbe: Required value: must specify a handler
type`, or `spec.containers[0].livenessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type`.

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
      livenessProbe:
        initialDelaySeconds: 5
        periodSeconds: 10
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
      livenessProbe:
        httpGet: {path: /, port: 80}
        initialDelaySeconds: 5
        periodSeconds: 10
```

## References
`validateProbe`, `validateLifecycle`, `validateHandler` and `validateExecAction` in
`pkg/apis/core/validation/validation.go`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.nodes import YMap, YNode, YScalar, YSeq
from kube_lsp.rules._pod import POD_KINDS, key_or_node, pod_handlers, present, validated_pod
from kube_lsp.rules.base import ObjectContext, Rule

# validateHandler's order: the first present one counts, every later one is "more than 1".
_PROBE_ACTIONS = ("exec", "httpGet", "tcpSocket", "grpc")
_HOOK_ACTIONS = ("exec", "httpGet", "tcpSocket", "sleep")
_PROBE_FIELDS = frozenset({*_PROBE_ACTIONS, *_HOOK_ACTIONS, "initialDelaySeconds", "timeoutSeconds", "periodSeconds",
                           "successThreshold", "failureThreshold", "terminationGracePeriodSeconds"})


def check(ctx: ObjectContext) -> Iterator[Finding]:
    pod = validated_pod(ctx)
    if pod is None:
        return
    for p in pod_handlers(ctx):
        actions = _PROBE_ACTIONS if p.is_probe else _HOOK_ACTIONS
        found = [a for a in actions if present(p.node, a)]
        if not found:
            if ctx.partial or any(k not in _PROBE_FIELDS for k in p.node.keys()):
                continue  # a patch, or a misspelt handler (reported as an unknown field)
            span = p.key.span if p.key is not None else p.node.span
            choices = ", ".join(f"`{a}`" for a in actions)
            yield ctx.finding(RULE, span, f"Required value: must specify a handler type — add one of {choices} "
                              f"to `{p.kind}`", path=p.path)
            continue
        exec_ = p.node.get("exec")
        if found[0] == "exec" and isinstance(exec_, YMap) and not _has_items(exec_.get("command")):
            yield ctx.finding(RULE, key_or_node(p.node, "exec"), "Required value: `exec` needs a `command` (a "
                              "list: the program and its arguments)", path=f"{p.path}.exec.command")
        for extra in found[1:]:
            yield ctx.finding(RULE, key_or_node(p.node, extra), f"Forbidden: may not specify more than 1 handler "
                              f"type — `{p.kind}` already uses `{found[0]}`; keep one of them",
                              path=f"{p.path}.{extra}")


def _has_items(node: YNode | None) -> bool:
    return isinstance(node, YSeq) and bool(node.items) or node is not None and not isinstance(node, YSeq | YScalar)


RULE = Rule(
    code="KL241", name="probe-handler", severity=Severity.ERROR, module=__name__,
    summary="A probe or lifecycle hook has no handler, or more than one",
    check=check, kinds=POD_KINDS,
)
