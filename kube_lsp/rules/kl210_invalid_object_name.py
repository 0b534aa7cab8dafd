"""The object's name, generateName or namespace is not what the API server accepts for its kind.

## What it does
Checks `metadata.name` with the name function the kind's validation passes to `ValidateObjectMeta`: a
lowercase RFC 1123 subdomain (at most 253 characters of `a-z`, `0-9`, `-` and `.`) for most kinds,
an RFC 1035 label (at most 63 characters, starting with a letter, no dots) for a Service, an RFC 1123
label (no dots) for a Namespace and a StatefulSet, a path segment (no `/` or `%`, not `.` or `..`; `:` is
fine, as in `system:controller:...`) for RBAC roles and bindings, and a subdomain for custom resources.
`metadata.generateName` is checked the same way as a prefix (it may end in `-`), and
`metadata.namespace` of namespaced kinds must be an RFC 1123 label. A CronJob name may have at most 52
characters (its Jobs are named after it plus an 11-character suffix), and a CustomResourceDefinition must be
named `<spec.names.plural>.<spec.group>`. An Indexed Job's name plus `-<last index>` must be a DNS label
(its pods use it as their hostname). A Pod, ReplicationController, Deployment, ReplicaSet, Job or CronJob
name that is a subdomain but not a DNS label (it has dots) gets the API server's warning "a DNS label is
recommended" (a warning here too).

## Why is this bad?
The API server refuses the object: `metadata.name: Invalid value: "Web_App": a lowercase RFC 1123
subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an
alphanumeric character`.

## Example
```yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: Web_Settings
data:
  mode: fast
```

## Use instead
```yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-settings
data:
  mode: fast
```

## Fix
Lower-cases the name and turns `_` (and, where dots are not allowed, `.`) into `-`, when that gives a
valid name. Not applied automatically: other objects may refer to the old name. A
CustomResourceDefinition is renamed to `<plural>.<group>` (a safe fix).

## References
`ValidateObjectMetaAccessor` in `k8s.io/apimachinery/pkg/api/validation/objectmeta.go` with the name
functions of `pkg/api/validation/generic.go` (`NameIsDNSSubdomain`, `NameIsDNSLabel`,
`NameIsDNS1035Label`, `ValidateNamespaceName`); `ValidateServiceName` in
`pkg/apis/core/validation/validation.go`, `ValidateStatefulSetName` in `pkg/apis/apps/validation`,
`ValidateRBACName` in `pkg/apis/rbac/validation`, `ValidateCronJobCreate` (at most 52 characters) and
`ValidateJob` (Indexed Jobs) in `pkg/apis/batch/validation`, the workload-name warnings of kubernetes#114412 (1.27),
`ValidateCustomResourceDefinition` in `k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Fix, Severity
from kube_lsp.parsing.nodes import YMap, YScalar
from kube_lsp.rules import _apimachinery as am
from kube_lsp.rules._meta import (
    CUSTOM_RESOURCE,
    DNS_LABEL_RECOMMENDED,
    NAME_FUNCS,
    NAMESPACED,
    SUBDOMAIN,
    NameRule,
    replacement,
)
from kube_lsp.rules.base import ObjectContext, Rule, string_at


def check(ctx: ObjectContext) -> Iterator[Finding]:
    md = ctx.metadata
    if md is None:
        return
    rule: NameRule | None = CUSTOM_RESOURCE if ctx.is_custom else NAME_FUNCS.get((ctx.group, ctx.kind))
    target = ctx.settings.kube_version or (99, 0)
    if rule is not None and rule[0] is am.name_is_dns_label and (ctx.group, ctx.kind) == ("apps", "StatefulSet") \
            and target < (1, 27):
        rule = SUBDOMAIN  # StatefulSet names became DNS labels in 1.27 (kubernetes#114172)
    if rule is not None:
        fn, go_name, what = rule
        for field, prefix in (("name", False), ("generateName", True)):
            got = string_at(md, field)
            if got is None or not got[0]:
                continue
            value, node = got
            msgs = [] if am.substituted(value) else fn(value, prefix)
            if (ctx.group, ctx.kind, field) == ("batch", "CronJob", "name") and len(value) > 52 \
                    and not am.substituted(value):
                # ValidateCronJobCreate: the controller appends an 11-character suffix to name the Jobs.
                msgs.append("must be no more than 52 characters")
            if (ctx.group, ctx.kind, field) == ("batch", "Job", "name") and not msgs and not am.substituted(value):
                msgs.extend(_job_name(ctx, value))
            required = _crd_name(ctx) if field == "name" else None
            if required is not None and value != required:
                msgs.append('must be spec.names.plural+"."+spec.group')
            if not msgs and field == "name" and (ctx.group, ctx.kind) in DNS_LABEL_RECOMMENDED \
                    and target >= (1, 27) and not am.substituted(value):
                label_msgs = am.is_dns1123_label(value)
                if label_msgs:
                    yield ctx.finding(RULE, node.span, "metadata.name: a DNS label is recommended: [" + ", ".join(
                        label_msgs) + f"] — the API server warns: the {ctx.kind}'s pods are named after it and use "
                        "the name as their hostname", path="metadata.name", severity=Severity.WARNING)
                continue
            if not msgs:
                continue
            path = f"metadata.{field}"
            fixed = _fixed(value, fn, prefix) if required is None else required
            fixes = (Fix(f"Rename to `{fixed}`", (replacement(node, fixed),), safe=required is not None),) \
                if fixed else ()
            hint = f"the {ctx.kind} {field} must be {what} ({go_name})"
            if required is not None and value != required:
                hint = f"a CustomResourceDefinition is named `<spec.names.plural>.<spec.group>`, here `{required}`"
            elif fixed:
                hint += f", e.g. `{fixed}`"
            severity = None
            if fn is am.name_is_dns1035_label and not am.name_is_dns_label(value, prefix):
                # Only the leading digit is wrong: the RelaxedServiceNameValidation gate accepts that.
                severity = Severity.WARNING
                hint += "; accepted only where the RelaxedServiceNameValidation feature gate is on"
            yield ctx.finding(RULE, node.span, "; ".join(am.invalid(path, value, m) for m in msgs) + f" — {hint}",
                              path=path, fixes=fixes, severity=severity)
    if (ctx.group, ctx.kind) in NAMESPACED:
        got = string_at(md, "namespace")
        if got is not None and got[0]:
            value, node = got
            msgs = [] if am.substituted(value) else am.name_is_dns_label(value, False)
            if msgs:
                fixed = _fixed(value, am.name_is_dns_label, False)
                fixes = (Fix(f"Use namespace `{fixed}`", (replacement(node, fixed),), safe=False),) if fixed else ()
                yield ctx.finding(RULE, node.span, "; ".join(am.invalid("metadata.namespace", value, m) for m in msgs)
                                  + " — a namespace name must be a lowercase RFC 1123 label (ValidateNamespaceName)",
                                  path="metadata.namespace", fixes=fixes)


def _job_name(ctx: ObjectContext, name: str) -> list[str]:
    """ValidateJob: an Indexed Job's pods are named `<name>-<index>` and use that as their hostname, which
    must be a DNS label (unless the template sets its own hostname)."""
    spec = ctx.spec
    if spec is None or spec.get_str("completionMode") != "Indexed":
        return []
    completions = spec.get("completions")
    tpl = spec.get("template")
    pod = tpl.get("spec") if isinstance(tpl, YMap) else None
    if isinstance(pod, YMap) and pod.get_str("hostname"):
        return []
    if not (isinstance(completions, YScalar) and isinstance(completions.value, int)
            and not isinstance(completions.value, bool) and completions.value > 0):
        return []
    hostname = f"{name}-{completions.value - 1}"
    if not am.is_dns1123_label(hostname):
        return []
    return [f"will not able to create pod with invalid DNS label: {hostname}"]


def _crd_name(ctx: ObjectContext) -> str | None:
    """A CustomResourceDefinition's required name, `<spec.names.plural>.<spec.group>` (None: not a CRD, or
    those fields are not plain strings here)."""
    if (ctx.group, ctx.kind) != ("apiextensions.k8s.io", "CustomResourceDefinition") or ctx.spec is None:
        return None
    names = ctx.spec.get("names")
    plural = names.get_str("plural") if isinstance(names, YMap) else None
    group = ctx.spec.get_str("group")
    if not plural or not group or am.substituted(plural + group):
        return None
    return f"{plural}.{group}"


def _fixed(value: str, fn: am.NameFunc, prefix: bool) -> str:
    """The name a person most likely meant: lower case, `_` (then `.`) as `-`; "" when that is still invalid."""
    low = value.strip().lower().replace("_", "-").replace(" ", "-")
    for candidate in (low, low.replace(".", "-")):
        if candidate != value and not fn(candidate, prefix):
            return candidate
    return ""


RULE = Rule(
    code="KL210", name="invalid-object-name", severity=Severity.ERROR, module=__name__, check=check,
    summary="The object's name, generateName or namespace is not what the API server accepts for its kind",
)
