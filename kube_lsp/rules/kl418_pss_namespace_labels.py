"""A Namespace's `pod-security.kubernetes.io/*` label has a value the API server refuses.

## What it does
Reports, on a Namespace, a `pod-security.kubernetes.io/enforce`, `audit` or `warn` label that is not
`privileged`, `baseline` or `restricted`, and an `enforce-version`, `audit-version` or `warn-version` label
that is not `latest` or `v1.<minor>`.

## Why is this bad?
Pod Security admission requires valid labels when a Namespace is created: `kubectl apply` fails with
`metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged,
baseline, restricted` (for a version: `must be "latest" or "v1.x"`). On an existing Namespace an invalid
`enforce` level is evaluated as `restricted`.

## Example
```yaml
apiVersion: v1
kind: Namespace
metadata:
  name: prod
  labels:
    pod-security.kubernetes.io/enforce: strict
```

## Use instead
```yaml
apiVersion: v1
kind: Namespace
metadata:
  name: prod
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: v1.31
```

## Fix
A misspelt level (`restriced`, `Baseline`) becomes the level it is closest to.

## References
`PolicyToEvaluate`, `ParseLevel` and `ParseVersion` in k8s.io/pod-security-admission/api/helpers.go, and the
Namespace create check of `ValidateNamespace` in admission/admission.go.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Fix, Severity, TextEdit
from kube_lsp.parsing.nodes import YMap, YScalar
from kube_lsp.rules.base import ObjectContext, Rule
from kube_lsp.suggest import suggest_name
from kube_lsp.textindex import LABEL_PREFIX, LEVELS, MODES, parse_policy_version


def check(ctx: ObjectContext) -> Iterator[Finding]:
    md = ctx.metadata
    labels = md.get("labels") if md is not None else None
    if not isinstance(labels, YMap):
        return
    for k, v in labels.pairs:
        if not k.text.startswith(LABEL_PREFIX) or not isinstance(v, YScalar):
            continue
        name = k.text[len(LABEL_PREFIX):]
        value = "" if v.value is None else str(v.value) if not isinstance(v.value, bool) else v.text
        fixes: tuple[Fix, ...] = ()
        if name in MODES and value not in LEVELS:
            why = "must be one of privileged, baseline, restricted"
            close = suggest_name(value.lower(), list(LEVELS))
            if close:
                fixes = (Fix(f"Change to `{close[0]}`", (TextEdit(v.span, close[0]),), safe=False),)
        elif name.endswith("-version") and name[:-8] in MODES and not parse_policy_version(value)[1]:
            why = 'must be "latest" or "v1.x"'
        else:
            continue
        yield ctx.finding(RULE, v.span, f'the API server rejects this Namespace: metadata.labels[{k.text}]: Invalid '
                          f'value: "{value}": {why}', path=f"metadata.labels.{k.text}", fixes=fixes)


RULE = Rule(
    code="KL418", name="pss-namespace-labels", severity=Severity.ERROR, module=__name__,
    summary="A Namespace's `pod-security.kubernetes.io/*` label has a value the API server refuses",
    check=check, kinds=frozenset({"Namespace"}), pack="pod-security",
)
