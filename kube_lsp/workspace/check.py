"""Run the cross-resource rules (KL5xx with a `workspace_check`) over files of a workspace, with the run's
severities and each file's suppression comments applied, as the engine does for per-document findings.

Cross-file findings depend on other files, so they are never cached with a file's own findings: the CLI
computes them after every file is analysed (or read back from the cache), the server whenever the index
changes.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable
from dataclasses import replace

from kube_lsp.config import Settings
from kube_lsp.model import Finding, Severity, Span
from kube_lsp.rules import BY_CODE, WORKSPACE_RULES, WorkspaceContext
from kube_lsp.workspace.index import FileIndex
from kube_lsp.workspace.model import Workspace

log = logging.getLogger(__name__)


def file_findings(ws: Workspace, fi: FileIndex, settings: Settings) -> list[Finding]:
    """The cross-resource findings of one file of `ws`, sorted, after severities and suppressions."""
    fi = ws.file(fi.origin) or fi
    ctx = WorkspaceContext(ws, fi, settings)
    raw: list[Finding] = []
    for rule in WORKSPACE_RULES:
        if rule.code in settings.severities:
            if settings.severities[rule.code] is None:
                continue
        elif not rule.enabled:
            continue
        assert rule.workspace_check is not None
        try:
            raw.extend(rule.workspace_check(ctx))
        except Exception as exc:  # noqa: BLE001 - one broken rule must never hide the others' findings
            log.error("rule %s failed on %s: %s", rule.code, fi.origin, traceback.format_exc())
            raw.append(Finding(span=Span.point(0, 0), severity=Severity.ERROR, code="KL000",
                               message=f"kube-lsp internal error in rule {rule.code} {rule.name} "
                                       f"({type(exc).__name__}: {exc}); please report it"))
    return finish(raw, fi, settings)


def finish(raw: Iterable[Finding], fi: FileIndex, settings: Settings) -> list[Finding]:
    sup = fi.suppressions
    out = []
    for f in raw:
        if f.span.start.line in sup.template_lines:
            continue
        rule = BY_CODE.get(f.code)
        default = f.severity if rule is None or f.severity != rule.severity else rule.severity
        sev = settings.severity_for(f.code, default)
        if sev is None:
            continue
        whole = sup.whole.get(f.doc, frozenset())
        codes = sup.per_line.get(f.span.start.line, frozenset())
        if f.code in whole or "*" in whole or f.code in codes or "*" in codes:
            continue
        out.append(replace(f, severity=sev) if sev != f.severity else f)
    out.sort(key=lambda f: f.sort_key)
    return out


def workspace_findings(ws: Workspace, settings: Settings, origins: Iterable[str] | None = None
                       ) -> dict[str, list[Finding]]:
    """The cross-resource findings of the given files of `ws` (all of them by default)."""
    chosen = ws.files.keys() if origins is None else origins
    out: dict[str, list[Finding]] = {}
    for origin in chosen:
        fi = ws.files.get(origin)
        if fi is not None:
            out[origin] = file_findings(ws, fi, settings)
    return out
