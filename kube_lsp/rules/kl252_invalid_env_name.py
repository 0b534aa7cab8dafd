"""An environment variable name, or an `envFrom` prefix, is not allowed.

## What it does
Checks `env[].name` and `envFrom[].prefix` of every container as the API server of the target Kubernetes
version does. From Kubernetes 1.32 (`RelaxedEnvironmentVariableValidation`, on by default; GA in 1.34) a name
may be any printable ASCII characters except `=`. Before 1.32 it must consist of letters, digits, `_`, `-`
and `.`, must not start with a digit, and must not be `.`, `..` or start with `..`. Set the target with
`kubeVersion` (or `--kube-version`).

## Why is this bad?
The API server rejects the object: `spec.containers[0].env[0].name: Invalid value: "API=KEY": a valid
environment variable name must consist only of printable ASCII characters other than '='`.

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
        - {name: "LOG=LEVEL", value: debug}
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
        - {name: LOG_LEVEL, value: debug}
```

## References
`ValidateEnv` and `ValidateEnvFrom` in `pkg/apis/core/validation/validation.go`; `IsEnvVarName` and
`IsRelaxedEnvVarName` in `k8s.io/apimachinery/pkg/util/validation/validation.go`; the
`RelaxedEnvironmentVariableValidation` feature gate (`pkg/features/kube_features.go`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.nodes import YScalar
from kube_lsp.rules._pod import POD_KINDS, go_quote, pod_containers, seq_maps, validated_pod
from kube_lsp.rules.base import ObjectContext, Rule

_RELAXED_FROM = (1, 32)  # the gate is on by default from 1.32
_STRICT = re.compile(r"[-._a-zA-Z][-._a-zA-Z0-9]*")
_STRICT_MSG = ("a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', "
               "and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used "
               "for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')")
_RELAXED_MSG = "a valid environment variable name must consist only of printable ASCII characters other than '='"


def env_name_errors(value: str, relaxed: bool) -> list[str]:
    if relaxed:
        if not value:
            return ["environment variable name must be non-empty"]
        if any(not (32 <= ord(ch) <= 126) or ch == "=" for ch in value):
            return [_RELAXED_MSG]
        return []
    errs = [] if _STRICT.fullmatch(value) else [_STRICT_MSG]
    if value == ".":
        errs.append("must not be '.'")
    elif value == "..":
        errs.append("must not be '..'")
    elif value.startswith(".."):
        errs.append("must not start with '..'")
    return errs


def check(ctx: ObjectContext) -> Iterator[Finding]:
    pod = validated_pod(ctx)
    if pod is None:
        return
    version = ctx.settings.kube_version
    relaxed = version is None or version >= _RELAXED_FROM
    since = "" if version is None or relaxed else f" (Kubernetes {version[0]}.{version[1]}; 1.32 and later accept more)"
    for c in pod_containers(ctx):
        checks = [(f"{c.path}.env[{j}].name", env.get("name"), False) for j, env in seq_maps(c.get("env"))]
        checks += [(f"{c.path}.envFrom[{j}].prefix", src.get("prefix"), True)
                   for j, src in seq_maps(c.get("envFrom"))]
        for path, node, is_prefix in checks:
            if not isinstance(node, YScalar) or not isinstance(node.value, str):
                continue
            if node.value == "":
                if not is_prefix:
                    yield ctx.finding(RULE, node.span, "Required value: an environment variable needs a name",
                                      path=path)
                continue
            errs = env_name_errors(node.value, relaxed)
            if errs:
                yield ctx.finding(RULE, node.span, f"Invalid value: {go_quote(node.value)}: {'; '.join(errs)}{since}",
                                  path=path)


RULE = Rule(
    code="KL252", name="invalid-env-name", severity=Severity.ERROR, module=__name__,
    summary="An environment variable name, or an `envFrom` prefix, is not allowed",
    check=check, kinds=POD_KINDS,
)
