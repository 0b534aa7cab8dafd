"""A secret (password, token, key) written as a literal environment variable value.

## What it does
Reports an `env` entry with a literal `value` whose name ends in a word meaning a secret: `PASSWORD`,
`PASSWD`, `SECRET`, `TOKEN`, `APIKEY`, `CREDENTIALS`, or `API_KEY`, `ACCESS_KEY`, `SECRET_KEY`, `PRIVATE_KEY`
(`DB_PASSWORD`, `GITHUB_TOKEN`). Names where the secret word is not last (`PASSWORD_FILE`, `TOKEN_TTL`,
`SECRET_NAME`), empty values, `true`/`false` and `$(VAR)` references are not reported.

## Why is this bad?
The value is in the manifest, so in Git, in every CI log that prints it, and readable by anyone who can read
the Deployment (`kubectl get -o yaml`), which is a much larger group than those who can read Secrets. Put it
in a Secret and use `valueFrom.secretKeyRef`.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: api
spec:
  containers:
    - name: api
      image: registry.example.com/api:1.8.0
      env:
        - name: DB_PASSWORD
          value: hunter2
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: api
spec:
  containers:
    - name: api
      image: registry.example.com/api:1.8.0
      env:
        - name: DB_PASSWORD
          valueFrom:
            secretKeyRef:
              name: db
              key: password
```

## Options
Pack `security`; on by default (bench/pack_counts.py counts its findings on the clean corpus files: demo
passwords of examples).

## References
https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-environment-variables; kube-linter
`env-var-secret`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.nodes import YScalar
from kube_lsp.rules import _practice
from kube_lsp.rules.base import ObjectContext, Rule, maps_in

SECRET_NAME: Final = re.compile(
    r"(?:^|[_.-])(?:PASSWORD|PASSWD|SECRET|TOKEN|APIKEY|CREDENTIALS|API[_-]KEY|ACCESS[_-]KEY|SECRET[_-]KEY"
    r"|PRIVATE[_-]KEY)$", re.I)


def check(ctx: ObjectContext) -> Iterator[Finding]:
    pod = _practice.pod_of(ctx)
    if pod is None:
        return
    for c in _practice.app_containers(pod):
        for j, env in maps_in(c.node.get("env")):
            name, value = env.get_str("name"), env.get("value")
            if not name or not SECRET_NAME.search(name) or not isinstance(value, YScalar):
                continue
            text = "" if value.value is None else str(value.value)
            if not text.strip() or text.lower() in ("true", "false") or text.startswith("$(") or "{{" in text:
                continue
            yield ctx.finding(RULE, value.span, f"`{name}` of container `{c.name}` is a literal value in the "
                              "manifest: put it in a Secret and use valueFrom.secretKeyRef",
                              path=f"{c.path}.env[{j}].value")


RULE = Rule(
    code="KL435", name="secret-in-env", severity=Severity.WARNING, module=__name__,
    summary="A secret (password, token, key) written as a literal environment variable value",
    check=check, kinds=_practice.POD_KINDS, pack="security",
)
