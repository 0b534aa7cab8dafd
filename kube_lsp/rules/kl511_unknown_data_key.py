"""A `configMapKeyRef`/`secretKeyRef` key or a volume's `items[].key` is not in the ConfigMap or Secret.

## What it does
When a reference reads one key of a ConfigMap or Secret of the workspace — `env[].valueFrom.configMapKeyRef`,
`secretKeyRef`, the `items` of a `configMap`, `secret` or projected volume — checks that the object has that key
(in `data`, `binaryData` or `stringData`; a Kustomization generator's literals and files). A missing key is a
warning naming the close keys (with a fix when one is clearly meant). References marked `optional: true`, and
objects whose keys are not known (a generator reading an env file, a Secret with no data in the repository),
are never reported.

## Why is this bad?
The pod is accepted and then never starts: `CreateContainerConfigError: couldn't find key LOG_LEVL in
ConfigMap default/app-config`; a volume item with a missing key fails the mount.

## Example
```yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
data:
  LOG_LEVEL: info
---
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
          valueFrom:
            configMapKeyRef:
              name: app-config
              key: LOG_LEVL
```

## Use instead
```yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
data:
  LOG_LEVEL: info
---
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
          valueFrom:
            configMapKeyRef:
              name: app-config
              key: LOG_LEVEL
```

## Fix
Renames the key to the one it most likely means (an unsafe fix: it is a guess).

## References
The kubelet's `makeEnvironmentVariables` (`pkg/kubelet/kubelet_pods.go`: "couldn't find key %v in
ConfigMap %v/%v") and the configMap/secret volume plugins' `MakePayload`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.rules._references import clearly_meant, rename_fix
from kube_lsp.rules.base import Rule, WorkspaceContext
from kube_lsp.suggest import suggest
from kube_lsp.workspace.names import where


def check(ctx: WorkspaceContext) -> Iterator[Finding]:
    ws = ctx.ws
    for o in ctx.file.objects:
        for r in o.refs:
            if r.key is None or r.key_span is None or r.optional or r.kinds not in (("ConfigMap",), ("Secret",)):
                continue
            targets = [t for t in ws.resolve(o, r) if not t.partial]
            if not targets or any(t.data_keys is None or not t.data_keys or r.key in t.data_keys for t in targets):
                continue
            t = targets[0]
            keys = list(t.data_keys or ())
            close = suggest(r.key, keys)
            meant = clearly_meant(r.key, close)
            if close:
                hint = " — did you mean " + ", ".join(f"`{k}`" for k in close[:3]) + "?"
            else:
                hint = "; it has " + ", ".join(f"`{k}`" for k in keys[:6]) + (" …" if len(keys) > 6 else "")
            yield ctx.finding(
                RULE, o, r.key_span,
                f"{t.kind} `{t.name}` ({where(ws, t)}) has no key `{r.key}`{hint}",
                path=r.key_path, severity=Severity.WARNING,
                fixes=(rename_fix(r.key_span, "", r.key, meant),) if meant else (),
                elsewhere=(ctx.place(t, f"{t.kind} {t.name}"),))


RULE = Rule(code="KL511", name="unknown-data-key", severity=Severity.WARNING,
            summary="A `configMapKeyRef`/`secretKeyRef` key or a volume's `items[].key` is not in "
                    "the ConfigMap or Secret",
            module=__name__, workspace_check=check, emitted_by="the workspace index")
