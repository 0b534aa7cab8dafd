"""Formatters: findings of many files → text (concise or full), JSON, SARIF 2.1.0 or GitHub workflow
annotations.

Positions become 1-based here (lines and columns; end columns exclusive), and only here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from json.encoder import c_make_encoder, encode_basestring, encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any, Final

from kube_lsp import __version__
from kube_lsp.model import Finding, Severity

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
    # What JSON and SARIF say about each rule (rule_table()); the CLI's cache keeps it, so that an unchanged
    # re-run does not import every rule. None: read from kube_lsp.rules.
    rules: tuple[RuleInfo, ...] | None = None


@dataclass(frozen=True, slots=True)
class RuleInfo:
    code: str
    name: str
    severity: Severity
    summary: str
    explanation: str
    url: str


def rule_table() -> tuple[RuleInfo, ...]:
    """What the formatters say about every rule, in the rules' order."""
    from kube_lsp.rules import ALL_RULES

    return tuple(RuleInfo(r.code, r.name, r.severity, r.summary, r.explanation, r.url) for r in ALL_RULES)


def _rules(info: RunInfo) -> tuple[RuleInfo, ...]:
    return info.rules if info.rules is not None else rule_table()


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
    from kube_lsp.output.full import render_concise_terminal, render_full  # here: a replayed run needs neither

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
_BREAK_RE: Final = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _one_line(text: str) -> str:
    if not _BREAK_RE.search(text):
        return text
    from kube_lsp.output.full import visible  # rare: not imported on the common (and cached) path

    return _BREAK_RE.sub(lambda m: "\u2424" if m.group(0) in "\u2028\u2029" else visible(m.group(0)), text)


def summary_line(results: Sequence[FileResult]) -> str:
    c = counts(results)
    files = len(results)
    docs = sum(r.documents for r in results)

    def n(k: int, word: str) -> str:
        return f"{k} {word}{'' if k == 1 else 's'}"

    return (f"{n(c['errors'], 'error')}, {n(c['warnings'], 'warning')}, {n(c['infos'], 'info')} "
            f"in {n(files, 'file')} ({n(docs, 'document')})")


def finding_json(path: str, f: Finding, names: dict[str, str] | None = None) -> dict[str, Any]:
    """One finding as JSON; `names` maps rule codes to names (default: every rule's)."""
    if names is None:
        names = {r.code: r.name for r in rule_table()}
    out = {
        "path": path,
        "line": f.span.start.line + 1,
        "column": f.span.start.col + 1,
        "endLine": f.span.end.line + 1,
        "endColumn": f.span.end.col + 1,
        "severity": f.severity.label,
        "code": f.code,
        "rule": names.get(f.code, f.code),
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
    names = {r.code: r.name for r in _rules(info)}
    findings = [finding_json(r.path, f, names) for r in results for f in r.findings]
    summary = {
        "files": len(results),
        "documents": sum(r.documents for r in results),
        **counts(results),
        "kubernetesVersion": info.kube_version,
        "schemaSource": info.schema_source,
    }
    return dumps({"version": 1, "findings": findings, "summary": summary}, ascii_only) + "\n"


_SARIF_LEVEL: Final = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note",
                       Severity.HINT: "note"}


def render_sarif(results: Sequence[FileResult], info: RunInfo, ascii_only: bool = False) -> str:
    table = _rules(info)
    index = {r.code: i for i, r in enumerate(table)}
    rules = [
        {
            "id": r.code,
            "name": r.name,
            "shortDescription": {"text": r.summary},
            "fullDescription": {"text": r.explanation},
            "helpUri": r.url,
            "defaultConfiguration": {"level": _SARIF_LEVEL[r.severity]},
        }
        for r in table
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
    return dumps(doc, ascii_only) + "\n"


class _NotPlain(Exception):
    pass


_FLAT: Final = frozenset({str, int, float, bool, type(None)})


def _not_serializable(o: Any) -> Any:
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


def dumps(obj: Any, ensure_ascii: bool = True) -> str:
    """`json.dumps(obj, indent=2, ensure_ascii=...)`, character for character, a few times faster: json's own
    indenting encoder is pure Python, its C encoder does not indent; here a walk over the containers, and a
    container that holds only scalars is one call of the C encoder with the indentation as its item separator.
    A type other than the plain JSON ones goes to json.dumps."""
    enc = encode_basestring_ascii if ensure_ascii else encode_basestring
    parts: list[str] = []
    add = parts.append
    flat: dict[str, Callable[[Any], str]] = {}
    keys: dict[str, str] = {}

    def flat_encoder(inner: str) -> Callable[[Any], str]:
        f = flat.get(inner)
        if f is None:
            if c_make_encoder is None:  # no C accelerator: json's own encoder, as json.dumps would use
                f = json.JSONEncoder(ensure_ascii=ensure_ascii, check_circular=False,
                                     separators=(",\n" + inner, ": ")).encode
            else:
                chunks = c_make_encoder(None, _not_serializable, enc, None, ": ", ",\n" + inner, False, False, True)
                f = flat[inner] = lambda o: "".join(chunks(o, 0))
            flat[inner] = f
        return f

    def walk(o: Any, ind: str) -> None:
        t = type(o)
        if t is str:
            add(enc(o))
            return
        if t is dict or t is list or t is tuple:
            if not o:
                add("{}" if t is dict else "[]")
                return
            inner = ind + "  "
            values = o.values() if t is dict else o
            for v in values:
                if type(v) not in _FLAT:
                    break
            else:  # only scalars: `{` items joined by `,\n<indent>` `}`, re-opened over lines
                text = flat_encoder(inner)(o)
                add(text[0] + "\n" + inner + text[1:-1] + "\n" + ind + text[-1])
                return
            sep = ",\n" + inner
            lead = ""
            if t is dict:
                add("{\n" + inner)
                for k, v in o.items():
                    name = keys.get(k)
                    if name is None:
                        if type(k) is not str:
                            raise _NotPlain
                        name = keys[k] = enc(k) + ": "
                    tv = type(v)
                    if tv is str:
                        add(lead + name + enc(v))
                    elif tv is int:
                        add(lead + name + int.__repr__(v))
                    else:
                        add(lead + name)
                        walk(v, inner)
                    lead = sep
                add("\n" + ind + "}")
            else:
                add("[\n" + inner)
                for v in o:
                    if lead:
                        add(lead)
                    walk(v, inner)
                    lead = sep
                add("\n" + ind + "]")
        elif t is int or t is bool or o is None:
            add("null" if o is None else "true" if o is True else "false" if o is False else int.__repr__(o))
        else:  # floats (NaN, Infinity) outside a flat container, subclasses, other types: json's own rules
            raise _NotPlain

    try:
        walk(obj, "")
    except _NotPlain:
        return json.dumps(obj, indent=2, ensure_ascii=ensure_ascii)
    return "".join(parts)


def _region(line: int, col: int, end_line: int, end_col: int) -> dict[str, int]:
    return {"startLine": line + 1, "startColumn": col + 1, "endLine": end_line + 1, "endColumn": end_col + 1}


def _uri(path: str) -> str:
    from urllib.parse import quote

    return quote(path.replace("\\", "/"))


def _gh_escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    from kube_lsp.output.full import visible

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
