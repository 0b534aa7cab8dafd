"""`kube-lsp resources`: the resource summary of workloads as a table per namespace, or as JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kube_lsp.capacity import Resources, Totals, WorkloadResources, show


@dataclass(frozen=True, slots=True)
class Located:
    """A workload summary and where it is: the file and the 1-based line of its `kind`."""

    file: str
    workload: WorkloadResources

    @property
    def line(self) -> int:
        return self.workload.line + 1


COLUMNS = ("WORKLOAD", "FILE", "REPLICAS", "QOS", "CPU REQ", "MEM REQ", "CPU LIM", "MEM LIM",
           "TOTAL CPU REQ", "TOTAL MEM REQ", "TOTAL CPU LIM", "TOTAL MEM LIM")


def _q(res: Resources, key: str, unlimited: Sequence[str] = ()) -> str:
    if key in unlimited:
        return "unlimited"
    return show(key, res[key]) if key in res else "-"


def _row(item: Located) -> list[str]:
    w = item.workload
    replicas = "per node" if w.replicas is None else str(w.replicas)
    if w.max_replicas is not None:
        replicas += f" (max {w.max_replicas})"
    return [f"{w.kind}/{w.name}", f"{item.file}:{item.line}", replicas, w.qos,
            _q(w.requests, "cpu"), _q(w.requests, "memory"), _q(w.limits, "cpu", w.unlimited),
            _q(w.limits, "memory", w.unlimited),
            _q(w.total_requests, "cpu"), _q(w.total_requests, "memory"),
            _q(w.total_limits, "cpu", w.unlimited), _q(w.total_limits, "memory", w.unlimited)]


def _namespaces(items: Sequence[Located]) -> dict[str, list[Located]]:
    groups: dict[str, list[Located]] = {}
    for item in items:
        groups.setdefault(item.workload.namespace or "", []).append(item)
    return dict(sorted(groups.items()))


def render_text(items: Sequence[Located]) -> str:
    if not items:
        return "no workloads (Pods, Deployments, StatefulSets, DaemonSets, Jobs, CronJobs, ...) found\n"
    out: list[str] = []
    for ns, group in _namespaces(items).items():
        rows = [list(COLUMNS)] + [_row(i) for i in group]
        totals = Totals()
        for i in group:
            totals.add(i.workload)
        rows.append(["total", "", "", "", "", "", "", "", _q(totals.requests, "cpu"), _q(totals.requests, "memory"),
                     _q(totals.limits, "cpu"), _q(totals.limits, "memory")])
        widths = [max(len(r[c]) for r in rows) for c in range(len(COLUMNS))]
        out.append(f"namespace {ns}" if ns else "no namespace (where kubectl -n or the context sends them)")
        for r in rows:
            out.append("  " + "  ".join(cell.ljust(widths[c]) for c, cell in enumerate(r)).rstrip())
        if any(i.workload.replicas is None for i in group):
            out.append("  (DaemonSets run one pod per node: not in the totals)")
        out.append("")
    return "\n".join(out)


def render_json(items: Sequence[Located]) -> str:
    namespaces: dict[str, Any] = {}
    for ns, group in _namespaces(items).items():
        totals = Totals()
        for i in group:
            totals.add(i.workload)
        namespaces[ns] = {"requests": {k: show(k, v) for k, v in sorted(totals.requests.items())},
                          "limits": {k: show(k, v) for k, v in sorted(totals.limits.items())}}
    doc = {"workloads": [{"file": i.file, "line": i.line, **i.workload.to_json()} for i in items],
           "namespaces": namespaces}
    return json.dumps(doc, indent=2) + "\n"
