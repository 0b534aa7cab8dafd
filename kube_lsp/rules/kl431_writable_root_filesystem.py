"""A container whose root file system is writable (`readOnlyRootFilesystem` is not `true`).

## What it does
Reports each container and init container that does not set `securityContext.readOnlyRootFilesystem: true`.
Opt-in.

## Why is this bad?
A writable root file system lets an intruder drop tools and change the application's own files; a read-only
one (with `emptyDir` volumes where the application must write) makes the container immutable.

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
      securityContext:
        readOnlyRootFilesystem: true
      volumeMounts:
        - name: cache
          mountPath: /var/cache/nginx
  volumes:
    - name: cache
      emptyDir: {}
```

## Fix
Sets `securityContext.readOnlyRootFilesystem: true` (review: the application must then write only to volumes).

## Options
Pack `security`, off by default (almost no clean corpus file sets it: bench/pack_counts.py);
`rules: {KL431: warning}` switches it on.

## References
https://kubernetes.io/docs/tasks/configure-pod-container/security-context/; kube-linter
`no-read-only-root-fs`, kube-score `container-security-context-readonlyrootfilesystem`, Polaris
`notReadOnlyRootFilesystem`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.rules import _edit, _practice, _pss
from kube_lsp.rules.base import ObjectContext, Rule


def check(ctx: ObjectContext) -> Iterator[Finding]:
    pod = _practice.pod_of(ctx)
    if pod is None or ctx.partial:
        return
    for c in _practice.app_containers(pod):
        sc = _pss.security_context(c)
        if sc is not None and _pss.is_true(sc.get("readOnlyRootFilesystem")):
            continue
        node = sc.get("readOnlyRootFilesystem") if sc is not None else None
        span = node.span if node is not None else _practice.anchor(c, "securityContext")
        yield ctx.finding(RULE, span, f"container `{c.name}` can write to its root file system (set "
                          "securityContext.readOnlyRootFilesystem: true)",
                          path=f"{c.path}.securityContext.readOnlyRootFilesystem",
                          fixes=_edit.set_fix(ctx, c.node, ("securityContext", "readOnlyRootFilesystem"), "true",
                                              "Set readOnlyRootFilesystem: true"))


RULE = Rule(
    code="KL431", name="writable-root-filesystem", severity=Severity.WARNING, module=__name__,
    summary="A container whose root file system is writable (`readOnlyRootFilesystem` is not `true`)",
    check=check, kinds=_practice.POD_KINDS, pack="security", enabled=False,
)
