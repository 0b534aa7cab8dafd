"""`kube-lsp upgrade --format markdown`: a report to paste into an upgrade pull request, grouped by the
release each change belongs to (oldest first), one table row per finding."""

from __future__ import annotations

from collections.abc import Sequence

from kube_lsp.model import Finding, Severity
from kube_lsp.output import FileResult
from kube_lsp.rules import BY_CODE

_ICON = {Severity.ERROR: "🔴", Severity.WARNING: "🟡", Severity.INFO: "🔵", Severity.HINT: "🔵"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _release_key(release: str) -> tuple[int, int]:
    if not release:
        return (0, 0)
    major, minor = release.split(".")
    return int(major), int(minor)


def render_markdown(results: Sequence[FileResult], old: str, new: str, oldest: str) -> str:
    found = [(r.path, f) for r in results for f in r.findings]
    out = [f"## Kubernetes upgrade {old} → {new}", ""]
    if not found:
        out += [f"No removed or deprecated API, and no field change between {old} and {new}, in "
                f"{len(results)} file{'s' if len(results) != 1 else ''}.", ""]
        return "\n".join(out)
    errors = sum(f.severity == Severity.ERROR for _, f in found)
    out += [f"{len(found)} finding{'s' if len(found) != 1 else ''} ({errors} that break the upgrade) in "
            f"{len({p for p, _ in found})} of {len(results)} files.", ""]
    groups: dict[str, list[tuple[str, Finding]]] = {}
    for path, f in found:
        groups.setdefault(str(f.data.get("release", "")), []).append((path, f))
    out += ["| Release | Breaks (errors) | Warnings |", "| --- | --- | --- |"]
    for release in sorted(groups, key=_release_key):
        rows = groups[release]
        bad = sum(f.severity == Severity.ERROR for _, f in rows)
        out.append(f"| {release or 'before ' + oldest} | {bad} | {len(rows) - bad} |")
    out.append("")
    for release in sorted(groups, key=_release_key):
        title = f"Kubernetes {release}" if release else f"Before Kubernetes {oldest} / no release recorded"
        rows = sorted(groups[release], key=lambda pf: (pf[0], pf[1].span.start))
        out += [f"### {title}", "", "| | Where | Object | Change | Fix |", "| --- | --- | --- | --- | --- |"]
        for path, f in rows:
            rule = BY_CODE.get(f.code)
            where = f"`{path}:{f.span.start.line + 1}`"
            obj = f"`{f.data.get('apiVersion', '')}` {f.data.get('object', '')}".strip()
            fix = f.fixes[0].title if f.fixes else ""
            change = f"{f.code} {rule.name if rule else ''}: {f.message}"
            out.append(f"| {_ICON[f.severity]} | {_cell(where)} | {_cell(obj)} | {_cell(change)} | {_cell(fix)} |")
        out.append("")
    out += ["Fixes marked here are applied by `kube-lsp check --fix --unsafe-fixes --kube-version "
            f"{new}` (review them).", ""]
    return "\n".join(out)
