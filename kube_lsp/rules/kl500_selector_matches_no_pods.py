"""A Service, PodDisruptionBudget or NetworkPolicy selector matches no pod template of the workspace.

## What it does
Matches the selector of every Service (`spec.selector`), PodDisruptionBudget (`spec.selector`) and
NetworkPolicy (`spec.podSelector`) against the pod-template labels of the workload objects (Deployments,
StatefulSets, DaemonSets, Jobs, CronJobs, ReplicaSets, Pods, ...) of the workspace in its namespace
(`matchExpressions` included). When none matches and a template differs from the selector in one label
only, by a close key or value — a likely typo — it reports a warning on that label naming the template
and what differs, with a fix. When nothing is close it reports an information only: the pods may come from
elsewhere (another repository, an operator, a Helm dependency). NetworkPolicy findings are always
information: a policy for pods that do not exist yet is common.

## Why is this bad?
A Service that selects no pods has no endpoints: connections to it are refused or time out, and
nothing in the API says why. A PodDisruptionBudget that selects nothing protects nothing during node
drains.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx:1.27
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: wbe
  ports:
    - port: 80
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx:1.27
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - port: 80
```

## Fix
Replaces the differing key or value with the closest template's (an unsafe fix: it is a guess).

## References
The EndpointSlice controller (`pkg/controller/endpointslice`), which selects pods with
`labels.SelectorFromSet(service.Spec.Selector)`; the disruption controller's `getPodsForPdb`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from kube_lsp.model import Finding, Fix, Severity, TextEdit
from kube_lsp.rules.base import Rule, WorkspaceContext
from kube_lsp.suggest import suggest, typo_distance
from kube_lsp.workspace.names import quoted, where

if TYPE_CHECKING:
    from kube_lsp.workspace.index import Obj, Requirement, Selector
    from kube_lsp.workspace.model import Workspace

_KINDS = {("", "Service"): "Service", ("policy", "PodDisruptionBudget"): "PodDisruptionBudget",
          ("networking.k8s.io", "NetworkPolicy"): "NetworkPolicy"}


def check(ctx: WorkspaceContext) -> Iterator[Finding]:
    ws = ctx.ws
    for o in ctx.file.objects:
        sel = o.selector
        if sel is None or o.partial or (o.group, o.kind) not in _KINDS:
            continue
        ns = ws.namespace_of(o)
        if ws.selects_any(sel, ns):
            continue
        if any("{{" in t.key or any("{{" in v for v in t.values) for t in sel.terms):
            continue
        yield _finding(ctx, o, ns)


def _finding(ctx: WorkspaceContext, o: Obj, ns_of: str | None) -> Finding:
    ws = ctx.ws
    assert o.selector is not None
    sel = o.selector
    shown = ", ".join(f"{t.key}={t.values[0]}" if t.op == "=" else f"{t.key} {t.op} ({', '.join(t.values)})"
                      for t in sel.terms)
    netpol = o.kind == "NetworkPolicy"
    ns = ws.shown_namespace(o)
    best = _closest(ws, sel, ns_of)
    if best is not None:
        pod, term, key, value = best
        if key != term.key:
            what = f"label key `{key}`, not `{term.key}`"
            span, new, title = term.span, key, f"Use label key `{key}`"
        else:
            what = f"label `{key}` is `{value}`, not `{term.values[0]}`"
            assert term.value_span is not None
            span, new, title = term.value_span, quoted(value, term.quote), f"Select `{key}: {value}`"
        return ctx.finding(
            RULE, o, span,
            f"{o.kind} `{o.name}` selects no pods: its selector `{shown}` matches no pod template in namespace "
            f"`{ns}` — the closest is {pod.kind} `{pod.name}` ({where(ws, pod)}), whose {what}",
            path=sel.path, severity=Severity.INFO if netpol else Severity.WARNING,
            fixes=(Fix(title, (TextEdit(span, new),), safe=False),),
            elsewhere=(ctx.place(pod, f"{pod.kind} {pod.name}"),),
            data={"target": {"kind": pod.kind, "name": pod.name}})
    why = "no workload of the workspace runs pods there" if not ws.has_pods_in(ns_of) else "none is close"
    return ctx.finding(
        RULE, o, sel.span,
        f"{o.kind} `{o.name}`: its selector `{shown}` matches no pod template of the workspace in namespace `{ns}` "
        f"({why}; its pods may come from elsewhere)",
        path=sel.path, severity=Severity.INFO)


def _closest(ws: Workspace, sel: Selector, ns: str | None) -> tuple[Obj, Requirement, str, str] | None:
    """A pod template of the namespace that the selector misses by one `key=value` term whose key or value is
    a typo away: (template, term, intended key, intended value). Templates with the same labels get the same
    answer, so each distinct set of labels is judged once (copies of one workload in many overlays share
    theirs), for the first of its templates in file order."""
    found: list[tuple[int, Obj, Requirement, str, str]] = []
    for labels in ws.label_sets_sharing(sel):
        have = dict(labels)
        missed = [t for t in sel.terms if not t.matches(have)]
        if len(missed) != 1 or missed[0].op != "=":
            continue
        t = missed[0]
        if t.key in have:
            if not _close(t.values[0], have[t.key]):
                continue
            rank, key, value = 0, t.key, have[t.key]
        else:
            keys = [k for k, v in have.items() if v == t.values[0] and _close(t.key, k)]
            if not keys:
                continue
            rank, key, value = 1, keys[0], t.values[0]
        pod = ws.first_with_labels(labels, ns)
        if pod is not None:
            found.append((rank, pod, t, key, value))
    if not found:
        return None
    found.sort(key=lambda x: (x[0], x[1].origin, x[1].first_line))  # file order: the same answer every time
    return found[0][1:]


def _close(word: str, intended: str) -> bool:
    """A typo of `intended`: as did-you-mean judges, or one edit away for short words (`db` → `dbs`): the
    template's own label is the only candidate, so a short one is still a safe guess."""
    return bool(suggest(word, [intended])) or (min(len(word), len(intended)) >= 2
                                               and typo_distance(word, intended) <= 1)


RULE = Rule(code="KL500", name="selector-matches-no-pods", severity=Severity.WARNING,
            summary="A Service, PodDisruptionBudget or NetworkPolicy selector matches no pod template of the "
                    "workspace",
            module=__name__, workspace_check=check, emitted_by="the workspace index")
