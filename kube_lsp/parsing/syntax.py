"""Plain-language YAML syntax findings: parser errors explained, tabs, inconsistent indentation."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Final

from ruamel.yaml.error import MarkedYAMLError

from kube_lsp.model import Finding, Fix, Pos, Severity, Span, TextEdit, literal
from kube_lsp.parsing.text import split_lines

_BLOCK_SCALAR_RE: Final = re.compile(r"(^|[:\-?]\s+)(&\S+\s+)?(![^\s]*\s+)?[|>][-+0-9]*\s*(#.*)?$")
_OPENS_RE: Final = re.compile(r"(:|^-|\s-|^\?)\s*(&\S+\s*)?(![^\s]*\s*)?(#.*)?$")
_KEY_RE: Final = re.compile(r"""^(?:-\s+)*("[^"]*"|'[^']*'|[^\s#'"][^:#]*?)\s*:(\s|$)""")

_MESSAGES: Final = (
    ("mapping values are not allowed here",
     "a `key: value` pair cannot start here; check this line's indentation, or quote the value if it "
     "contains `: `"),
    ("did not find expected key", "this line does not line up with the keys of the mapping it belongs to"),
    ("did not find expected '-' indicator", "expected a list item (`- `) at this indentation"),
    ("could not find expected ':'",
     "a key is missing its `:` (or a multi-line value needs quotes)"),
    ("found undefined alias", "this alias (`*name`) refers to no anchor defined before it"),
    ("did not find expected node content", "a value is missing here"),
    ("found unexpected end of stream", "the document ends inside a quoted string or a `[ ]`/`{ }` collection"),
    ("found unknown escape character", "unknown escape sequence in a double-quoted string"),
    ("found unexpected ':'", "unexpected `:`; quote the value if it contains a colon"),
    ("found character that cannot start any token", "this character cannot start a value; quote the value"),
    ("expected <block end>", "this line is indented more than its siblings, or a block ended unexpectedly"),
    ("did not find expected ',' or ']'", "a `[ ]` list is missing a `,` or its closing `]`"),
    ("did not find expected ',' or '}'", "a `{ }` mapping is missing a `,` or its closing `}`"),
    ("found a tab character", "tab characters cannot be used for indentation"),
    ("expected a comment or a line break", "unexpected text after a value; quote the whole value"),
    ("expected alphabetic or numeric character", "an anchor or alias name is missing or invalid"),
    ("found duplicate anchor", "this anchor name is already defined in this document"),
    ("while scanning a block scalar", "invalid block scalar (`|` or `>`) header"),
)


def excessive_nesting(source: str, limit: int) -> tuple[int, int] | None:
    """(line, col) where flow brackets or indentation first nest deeper than `limit`, if anywhere.

    Cheap for ordinary documents: the character scan runs only when there are enough brackets to nest
    that deep at all.
    """
    if source.count("[") + source.count("{") > limit:
        depth = line = col = 0
        quote: str | None = None
        for ch in source:
            if ch == "\n":
                line, col = line + 1, 0
                continue
            col += 1
            if quote is not None:
                if ch == quote:
                    quote = None
                continue
            if ch in "[{":
                depth += 1
                if depth > limit:
                    return line, col - 1
            elif ch in "]}":
                depth = max(0, depth - 1)
            elif ch in "'\"" and depth:
                quote = ch
    # Block nesting: each level needs at least one more column of indentation (or one more `- `).
    m = re.search(r"^[ \-]{" + str(limit * 2) + ",}", source, re.M)
    if m is not None:
        return source.count("\n", 0, m.start()), 0
    return None


# ---------------------------------------------------------------------------------------------- tabs


def indent_unit(lines: list[str]) -> int:
    """The indentation step most used in a document (2 when nothing tells)."""
    steps: Counter[int] = Counter()
    prev = 0
    for text in lines:
        body = text.lstrip(" ")
        if not body or body.startswith("#") or "\t" in text[: len(text) - len(body)]:
            continue
        ind = len(text) - len(body)
        if ind > prev:
            steps[ind - prev] += 1
        prev = ind
    for step, _ in steps.most_common():
        if 1 < step <= 8:
            return step
    return 2


def _tab_lines(lines: list[str]) -> list[tuple[int, str]]:
    out = []
    for i, text in enumerate(lines):
        ws = text[: len(text) - len(text.lstrip(" \t"))]
        if "\t" in ws and text.strip():
            out.append((i, ws))
    return out


def has_tab_indentation(source: str) -> bool:
    return bool(_tab_lines(split_lines(source)))


def detab_candidates(source: str) -> list[tuple[int, str]]:
    """(tab width, text with tab indentation expanded to spaces), the file's own width first."""
    lines = source.splitlines(keepends=True)
    bare = [ln.rstrip("\r\n") for ln in lines]
    tabbed = _tab_lines(bare)
    if not tabbed:
        return []
    unit = indent_unit(bare)
    return [(w, _apply_detab(lines, tabbed, w)) for w in dict.fromkeys((unit, 2, 4, 8, *range(1, 17)))]


def detab_shifts(source: str, width: int) -> dict[int, tuple[int, int]]:
    """Line → (indentation width once detabbed, columns added there) for each tab-indented line."""
    out = {}
    for i, ws in _tab_lines(split_lines(source)):
        new = len(ws.expandtabs(width))
        out[i] = (new, new - len(ws))
    return out


def _apply_detab(lines: list[str], tabbed: list[tuple[int, str]], width: int) -> str:
    out = list(lines)
    for i, ws in tabbed:
        out[i] = ws.expandtabs(width).replace("\t", " ") + lines[i][len(ws):]
    return "".join(out)


def tab_findings(source: str, offset: int, index: int, width: int | None) -> list[Finding]:
    """KL101 on each line indented with tabs; with a fix when a tab width that parses is known."""
    findings = []
    for i, ws in _tab_lines(split_lines(source)):
        line = offset + i
        span = Span(Pos(line, 0), Pos(line, len(ws)))
        fixes: tuple[Fix, ...] = ()
        if width is not None:
            spaces = " " * len(ws.expandtabs(width))
            fixes = (Fix(f"Replace tabs with {len(spaces)} spaces", (TextEdit(span, spaces),), safe=True),)
        findings.append(Finding(
            span=span, severity=Severity.ERROR, code="KL101",
            message="tab character used for indentation; YAML allows only spaces"
            + (f" (read as {width} spaces here)" if width else ""),
            fixes=fixes, doc=index,
        ))
    return findings


# ------------------------------------------------------------------------------------- indentation


@dataclass(frozen=True, slots=True)
class IndentIssue:
    line: int
    found: int
    expected: tuple[int, ...]
    key: str | None


def indentation_issues(lines: list[str]) -> list[IndentIssue]:
    """Lines whose indentation lines up with no open block (a heuristic for broken documents).

    When a dedent lands between two open levels and the deeper level is the odd one out (it is not one
    indentation step below its parent while the dedented line is), the line that opened the deeper level
    is blamed: `   replicas:` indented by 3 under `spec:` is the mistake, not the `selector:` after it.
    """
    unit = indent_unit(lines)
    issues: list[IndentIssue] = []
    stack: list[int] = []
    opener: dict[int, tuple[int, str | None]] = {}
    opens = False
    block_scalar_at: int | None = None
    for i, text in enumerate(lines):
        body = text.lstrip(" ")
        if not body or body.startswith("#") or body.startswith("---") or body.startswith("..."):
            continue
        ind = len(text) - len(body)
        if block_scalar_at is not None:
            if ind > block_scalar_at:
                continue
            block_scalar_at = None
        key_m = _KEY_RE.match(body)
        key = key_m.group(1).strip("'\"") if key_m else None
        if not stack:
            stack.append(ind)
            opener[ind] = (i, key)
        elif ind > stack[-1]:
            if not opens:
                issues.append(IndentIssue(i, ind, tuple(stack[-2:]), key))
            stack.append(ind)
            opener[ind] = (i, key)
        elif ind < stack[-1]:
            popped = stack[-1]
            while stack and stack[-1] > ind:
                popped = stack.pop()
            if not stack or stack[-1] != ind:
                parent = stack[-1] if stack else 0
                first, first_key = opener.get(popped, (i, key))
                if stack and ind - parent == unit and popped - parent != unit and first < i:
                    issues.append(IndentIssue(first, popped, (parent + unit,), first_key))
                else:
                    issues.append(IndentIssue(i, ind, tuple(sorted({parent, popped})), key))
                stack.append(ind)
                opener[ind] = (i, key)
        # A list item opens a mapping at the column of its content.
        content = body
        col = ind
        while content.startswith("- ") or content == "-":
            dash_rest = content[1:]
            stripped = dash_rest.lstrip(" ")
            col += 1 + len(dash_rest) - len(stripped)
            content = stripped
            if content and stack[-1] < col:
                stack.append(col)
                opener[col] = (i, key)
        code = content.split(" #", 1)[0].rstrip()
        opens = bool(_OPENS_RE.search(code)) or code in ("-",)
        if _BLOCK_SCALAR_RE.search(code):
            block_scalar_at = ind if not body.startswith("- ") else col - 1
            opens = False
    return issues


@dataclass(frozen=True, slots=True)
class IndentRepair:
    line: int
    old: int
    new: int
    unit: int
    text: str


def indent_repairs(source: str, error_line: int, window: int = 8) -> list[IndentRepair]:
    """Candidate repairs: one line near the parser's error re-indented to a column used above it."""
    lines = source.splitlines(keepends=True)
    bare = [ln.rstrip("\r\n") for ln in lines]
    unit = indent_unit(bare)
    out: list[IndentRepair] = []
    levels: set[int] = {0}
    first = max(0, error_line - window)
    for i, text in enumerate(bare[: error_line + 1]):
        body = text.lstrip(" ")
        if not body or body.startswith("#"):
            continue
        ind = len(text) - len(body)
        if i >= first and not body.startswith(("---", "...")):
            prev_levels = sorted({*levels, *(lv + unit for lv in levels)})
            for new in prev_levels:
                if new != ind and abs(new - ind) <= 2 * unit:
                    repaired = list(lines)
                    repaired[i] = " " * new + lines[i][ind:]
                    out.append(IndentRepair(i, ind, new, unit, "".join(repaired)))
        levels.add(ind)
        col = ind
        rest = body
        while rest.startswith("- "):
            stripped = rest[1:].lstrip(" ")
            col += len(rest) - len(stripped)
            rest = stripped
            levels.add(col)
    return out


def repair_finding(rep: IndentRepair, source: str, offset: int, index: int) -> Finding:
    text = split_lines(source)[rep.line]
    body = text.lstrip(" ")
    key_m = _KEY_RE.match(body)
    what = f"`{key_m.group(1).strip(chr(39) + chr(34))}`" if key_m else "this line"
    line = offset + rep.line
    span = Span(Pos(line, rep.old), Pos(line, len(text.rstrip())))
    edit = TextEdit(Span(Pos(line, 0), Pos(line, rep.old)), " " * rep.new)
    return Finding(
        span=span, severity=Severity.ERROR, code="KL100",
        message=(f"inconsistent indentation: {what} is indented by {rep.old} spaces; the document parses "
                 f"when it is indented by {rep.new}"),
        fixes=(Fix(f"Indent {what} by {rep.new} spaces", (edit,), safe=False),),
        doc=index, data={"found": rep.old, "expected": [rep.new]},
    )


def syntax_finding(exc: MarkedYAMLError, source: str, offset: int, index: int) -> Finding:
    """A KL100 finding for a parser error, at the line that is most likely wrong, in plain words."""
    mark = exc.problem_mark or exc.context_mark
    line = mark.line if mark is not None else 0
    col = mark.column if mark is not None else 0
    problem = str(exc.problem or exc.context or "invalid YAML")
    lines = split_lines(source)
    if line >= len(lines):  # the end of a text without a final line break: the parser's mark is past it
        line, col = len(lines) - 1, len(lines[-1])
    refs: list[Span] = []
    message = _plain(problem, exc, offset, refs)
    if "expected '-' indicator" in problem and line < len(lines):
        found = _key_among_items(lines, line, offset, index)
        if found is not None:
            return found
    candidates = [iss for iss in indentation_issues(lines) if line - 6 <= iss.line <= line]
    if candidates:
        iss = candidates[-1]
        what = f"`{literal(iss.key)}`" if iss.key else "this line"
        expected = " or ".join(str(e) for e in iss.expected)
        template = (
            f"inconsistent indentation: {what} is indented by {iss.found} spaces, which lines up with no "
            f"enclosing block (expected {expected})"
        )
        refs = []
        if iss.line != line:
            refs.append(Span.point(offset + line, col))
            template += "; the parser stopped on line {0}: " + _plain(problem, exc, offset, refs)
        text = lines[iss.line]
        span = Span(Pos(offset + iss.line, iss.found), Pos(offset + iss.line, len(text.rstrip())))
        return Finding.referring(template, tuple(refs), span=span, severity=Severity.ERROR, code="KL100",
                                 doc=index, data={"found": iss.found, "expected": list(iss.expected)})
    if line < len(lines):
        text = lines[line]
        end = len(text.rstrip())
        if col >= end:
            col = min(col, max(end, 0))
            indent = len(text) - len(text.lstrip())
            # A line of only blanks (a lone tab) is all indentation: the range covers it.
            span = Span(Pos(offset + line, indent), Pos(offset + line, end)) if indent < end else \
                Span(Pos(offset + line, 0), Pos(offset + line, len(text)))
        else:
            span = Span(Pos(offset + line, col), Pos(offset + line, end))
    else:
        span = Span.point(offset + line, 0)
    return Finding.referring(message, tuple(refs), span=span, severity=Severity.ERROR, code="KL100", doc=index)


def _key_among_items(lines: list[str], line: int, offset: int, index: int) -> Finding | None:
    """A `key:` line at the column of a list's `- ` items: say where it would line up, and offer that."""
    text = lines[line]
    col = len(text) - len(text.lstrip(" "))
    m = _KEY_RE.match(text[col:])
    if m is None or text[col:].startswith("-"):
        return None
    for prev in range(line - 1, -1, -1):
        p = lines[prev]
        pcol = len(p) - len(p.lstrip(" "))
        body = p[pcol:]
        if not body.strip() or body.startswith("#"):
            continue
        if pcol < col:
            return None
        if pcol == col and body.startswith("- "):
            item_col = col + 2 + (len(body[2:]) - len(body[2:].lstrip(" ")))
            key = m.group(1).strip("'\"")
            span = Span(Pos(offset + line, col), Pos(offset + line, len(text.rstrip())))
            edit = TextEdit(Span.point(offset + line, 0), " " * (item_col - col))
            return Finding.referring(
                f"`{literal(key)}` lines up with the `- ` items of this list but does not start one: indent "
                f"it by {item_col} spaces to belong to the item above (line {{0}}), "
                "or start a new item with `- `",
                (Span.point(offset + prev, pcol),),
                span=span, severity=Severity.ERROR, code="KL100",
                fixes=(Fix(f"Indent `{key}` to line up with the item above", (edit,), safe=False),),
                doc=index,
            )
    return None


def _plain(problem: str, exc: MarkedYAMLError, offset: int = 0,
           refs: list[Span] | None = None) -> str:
    """The parser's problem in plain words, as a message template (`{n}` = line of refs[n])."""
    for needle, plain in _MESSAGES:
        if needle in problem:
            text = plain.replace("{", "{{").replace("}", "}}")
            if needle == "found unexpected end of stream" and exc.context_mark is not None and refs is not None:
                refs.append(Span.point(offset + exc.context_mark.line, exc.context_mark.column))
                return f"{text} (opened on line {{{len(refs) - 1}}})"
            return text
    return problem.split(" in \"<", 1)[0].strip().replace("{", "{{").replace("}", "}}")
