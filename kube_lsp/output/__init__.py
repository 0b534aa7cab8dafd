"""Formatters: findings of many files → text (concise or full), JSON, SARIF 2.1.0 or GitHub workflow
annotations.

Positions become 1-based here (lines and columns; end columns exclusive), and only here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from kube_lsp import __version__
from kube_lsp.model import Finding, Severity
from kube_lsp.output.full import render_concise_terminal, render_full, visible
from kube_lsp.rules import ALL_RULES, BY_CODE

FORMATS: Final = ("text", "json", "sarif", "github")
# `check` also offers the two text forms by name; `text` is `full` on a terminal and `concise` elsewhere.
CHECK_FORMATS: Final = ("text", "full", "concise", "json", "sarif", "github")


@dataclass(frozen=True, slots=True)
class FileResult:
    path: str
    findings: Sequence[Finding]
    documents: int = 0
    # The checked text, for the source excerpts of the `full` format.
    text: str | None = None


@dataclass(frozen=True, slots=True)
class RunInfo:
    kube_version: str
    schema_source: str


def counts(results: Sequence[FileResult]) -> dict[str, int]:
    out = {"errors": 0, "warnings": 0, "infos": 0, "hints": 0}
    key = {Severity.ERROR: "errors", Severity.WARNING: "warnings", Severity.INFO: "infos",
           Severity.HINT: "hints"}
    for r in results:
        for f in r.findings:
            out[key[f.severity]] += 1
    return out


def render(fmt: str, results: Sequence[FileResult], info: RunInfo, *, color: bool = False, width: int = 100,
           ascii_only: bool = False, terminal: bool = False) -> str:
    """`text` is the concise form here. For a `terminal` (or with `color`) the text forms show control
    characters as placeholders; elsewhere the concise form is the findings' text byte for byte.
    `ascii_only` makes JSON and SARIF escape non-ASCII characters (lossless, for an output encoding that
    cannot show them)."""
    if fmt in ("text", "concise"):
        return render_concise_terminal(results, color=color) if color or terminal else render_text(results)
    if fmt == "full":
        return render_full(results, color=color, width=width, ascii_only=ascii_only)
    if fmt == "json":
        return render_json(results, info, ascii_only)
    if fmt == "sarif":
        return render_sarif(results, info, ascii_only)
    if fmt == "github":
        return render_github(results)
    raise ValueError(f"unknown format {fmt!r}")


def render_text(results: Sequence[FileResult]) -> str:
    lines = []
    for r in results:
        for f in r.findings:
            s = f.span.start
            # One line per finding, whatever the file holds: a line break in a name (the message quotes the
            # file) is shown as a visible placeholder; the rest goes to the pipe as it is.
            lines.append(f"{_one_line(r.path)}:{s.line + 1}:{s.col + 1}: {f.severity.label} {f.code} "
                         f"{_one_line(f.message)}")
    return "".join(line + "\n" for line in lines)


# What str.splitlines (and so any line-based reader) takes for a line break.
_BREAKS: Final = {**{c: visible(c) for c in "\n\r\x0b\x0c\x1c\x1d\x1e\x85"}, "\u2028": "\u2424", "\u2029": "\u2424"}
_BREAK_RE: Final = re.compile("[" + "".join(_BREAKS) + "]")


def _one_line(text: str) -> str:
    return _BREAK_RE.sub(lambda m: _BREAKS[m.group(0)], text) if _BREAK_RE.search(text) else text


def summary_line(results: Sequence[FileResult]) -> str:
    c = counts(results)
    files = len(results)
    docs = sum(r.documents for r in results)

    def n(k: int, word: str) -> str:
        return f"{k} {word}{'' if k == 1 else 's'}"

    return (f"{n(c['errors'], 'error')}, {n(c['warnings'], 'warning')}, {n(c['infos'], 'info')} "
            f"in {n(files, 'file')} ({n(docs, 'document')})")


def finding_json(path: str, f: Finding) -> dict[str, Any]:
    rule = BY_CODE.get(f.code)
    out = {
        "path": path,
        "line": f.span.start.line + 1,
        "column": f.span.start.col + 1,
        "endLine": f.span.end.line + 1,
        "endColumn": f.span.end.col + 1,
        "severity": f.severity.label,
        "code": f.code,
        "rule": rule.name if rule else f.code,
        "message": f.message,
        "field": f.path,
        "document": f.doc,
        "fixes": [fx.to_json() for fx in f.fixes],
        # `kube-lsp upgrade`: the release a change belongs to; several targets: the versions a finding holds for
        **({"release": f.data["release"]} if "release" in f.data else {}),
        **({"kubeVersions": f.data["kubeVersions"]} if "kubeVersions" in f.data else {}),
    }
    if f.elsewhere:
        # Both ends of a relation: the finding is on the referring place, `related` names the other end(s).
        out["related"] = [{"path": p.origin, "line": p.span.start.line + 1, "column": p.span.start.col + 1,
                           "note": p.note} for p in f.elsewhere]
    if "target" in f.data:
        out["target"] = f.data["target"]
    return out


def render_json(results: Sequence[FileResult], info: RunInfo, ascii_only: bool = False) -> str:
    findings = [finding_json(r.path, f) for r in results for f in r.findings]
    summary = {
        "files": len(results),
        "documents": sum(r.documents for r in results),
        **counts(results),
        "kubernetesVersion": info.kube_version,
        "schemaSource": info.schema_source,
    }
    return json.dumps({"version": 1, "findings": findings, "summary": summary}, indent=2,
                      ensure_ascii=ascii_only) + "\n"


_SARIF_LEVEL: Final = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note",
                       Severity.HINT: "note"}


def render_sarif(results: Sequence[FileResult], info: RunInfo, ascii_only: bool = False) -> str:
    index = {r.code: i for i, r in enumerate(ALL_RULES)}
    rules = [
        {
            "id": r.code,
            "name": r.name,
            "shortDescription": {"text": r.summary},
            "fullDescription": {"text": r.explanation},
            "helpUri": r.url,
            "defaultConfiguration": {"level": _SARIF_LEVEL[r.severity]},
        }
        for r in ALL_RULES
    ]
    out_results = []
    for fr in results:
        for f in fr.findings:
            region = _region(f.span.start.line, f.span.start.col, f.span.end.line, f.span.end.col)
            res: dict[str, Any] = {
                "ruleId": f.code,
                "level": _SARIF_LEVEL[f.severity],
                "message": {"text": f.message},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(fr.path)},
                                                    "region": region}}],
            }
            if f.code in index:
                res["ruleIndex"] = index[f.code]
            if f.fixes:
                res["fixes"] = [
                    {
                        "description": {"text": fx.title},
                        "artifactChanges": [{
                            "artifactLocation": {"uri": _uri(fr.path)},
                            "replacements": [
                                {"deletedRegion": _region(e.span.start.line, e.span.start.col,
                                                          e.span.end.line, e.span.end.col),
                                 "insertedContent": {"text": e.new_text}}
                                for e in fx.edits
                            ],
                        }],
                    }
                    for fx in f.fixes
                ]
            out_results.append(res)
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "kube-lsp",
                "version": __version__,
                "informationUri": "https://github.com/kube-lsp/kube-lsp",
                "rules": rules,
            }},
            "properties": {"kubernetesVersion": info.kube_version, "schemaSource": info.schema_source},
            "results": out_results,
        }],
    }
    return json.dumps(doc, indent=2, ensure_ascii=ascii_only) + "\n"


def _region(line: int, col: int, end_line: int, end_col: int) -> dict[str, int]:
    return {"startLine": line + 1, "startColumn": col + 1, "endLine": end_line + 1, "endColumn": end_col + 1}


def _uri(path: str) -> str:
    from urllib.parse import quote

    return quote(path.replace("\\", "/"))


def _gh_escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return visible(text)  # no terminal escape reaches the workflow log


_GH_LEVEL: Final = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice",
                    Severity.HINT: "notice"}


def render_github(results: Sequence[FileResult]) -> str:
    lines = []
    for r in results:
        for f in r.findings:
            s, e = f.span.start, f.span.end
            props = (f"file={_gh_escape(r.path, True)},line={s.line + 1},col={s.col + 1},"
                     f"endLine={e.line + 1},endColumn={e.col + 1},title={_gh_escape(f.code, True)}")
            lines.append(f"::{_GH_LEVEL[f.severity]} {props}::{_gh_escape(f.message)}")
    return "".join(line + "\n" for line in lines)
