"""Core value types shared by every stage: positions, edits, fixes and findings.

Positions are 0-based lines and 0-based columns counted in Unicode code points, end exclusive.
Only the output formatters (1-based) and the language server (client units) convert them.
"""

from __future__ import annotations

import enum
import operator
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, Final, NamedTuple, TypeVar

C = TypeVar("C", bound=type)


def compact_pickle(cls: C) -> C:
    """Pickle a frozen, slotted dataclass as the tuple of its field values (a decorator, over @dataclass).

    The check cache and the CLI's worker processes pickle hundreds of thousands of findings and index entries;
    a dataclass's own pickling calls `fields()` for every object, there and back, and spent more time in it
    than in the pickling itself. Changing a class's fields changes the cache's format (kube_lsp/cache.py)."""
    names = tuple(f.name for f in fields(cls))
    values: Callable[[object], tuple[object, ...]] = (
        operator.attrgetter(*names) if len(names) > 1 else lambda self: (getattr(self, names[0]),))
    put = object.__setattr__

    def __getstate__(self: object) -> tuple[object, ...]:
        return values(self)

    def __setstate__(self: object, state: tuple[object, ...]) -> None:
        for name, value in zip(names, state, strict=True):
            put(self, name, value)

    setattr(cls, "__getstate__", __getstate__)  # noqa: B010 - mypy checks a direct assignment as object's
    setattr(cls, "__setstate__", __setstate__)  # noqa: B010
    return cls


class Severity(enum.IntEnum):
    """Same numbering as LSP's DiagnosticSeverity."""

    ERROR = 1
    WARNING = 2
    INFO = 3
    HINT = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (use error, warning, info or hint)") from None


class Pos(NamedTuple):
    """A position: 0-based line, 0-based column in code points."""

    line: int
    col: int

    def __reduce__(self) -> tuple[type[Pos], tuple[int, int]]:
        return Pos, (self.line, self.col)  # not namedtuple's __getnewargs__: a Python call per position


class Span(NamedTuple):
    """A range in a text: 0-based line/column in code points, end exclusive.

    Tuples rather than dataclasses: millions are made while parsing big files, and tuples are cheap.
    """

    start: Pos
    end: Pos

    def __reduce__(self) -> tuple[Callable[[int, int, int, int], Span], tuple[int, int, int, int]]:
        return _SPAN_OF, (*self.start, *self.end)  # one call remakes the span and its two positions

    @classmethod
    def of(cls, line: int, col: int, end_line: int, end_col: int) -> Span:
        return cls(Pos(line, col), Pos(end_line, end_col))

    @classmethod
    def point(cls, line: int, col: int) -> Span:
        return cls(Pos(line, col), Pos(line, col))

    def shifted(self, lines: int) -> Span:
        return Span(Pos(self.start.line + lines, self.start.col), Pos(self.end.line + lines, self.end.col))


# One bound method for every span: the pickler writes it once (memoized), then a reference per span.
_SPAN_OF: Final = Span.of


@compact_pickle
@dataclass(frozen=True, slots=True)
class TextEdit:
    """Replace the text in `span` with `new_text`."""

    span: Span
    new_text: str

    def to_json(self) -> dict[str, Any]:
        return {
            "line": self.span.start.line + 1,
            "column": self.span.start.col + 1,
            "endLine": self.span.end.line + 1,
            "endColumn": self.span.end.col + 1,
            "newText": self.new_text,
        }


@compact_pickle
@dataclass(frozen=True, slots=True)
class Fix:
    """A named set of edits that resolves a finding; `safe` fixes may be applied without review."""

    title: str
    edits: tuple[TextEdit, ...]
    safe: bool = True

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "safe": self.safe, "edits": [e.to_json() for e in self.edits]}


@compact_pickle
@dataclass(frozen=True, slots=True)
class Place:
    """A span in some file, named by `origin` (a path or a URI, as whoever read the file named it) and shown
    to people as `label` (e.g. a path relative to the workspace); `note` says what is there."""

    origin: str
    span: Span
    label: str = ""
    note: str = ""

    @property
    def where(self) -> str:
        """`deploy/crds/widget.yaml:3` (1-based line)."""
        return f"{self.label or self.origin}:{self.span.start.line + 1}"


@compact_pickle
@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found in a text. The CLI and the language server consume exactly these."""

    span: Span
    severity: Severity
    code: str
    message: str
    fixes: tuple[Fix, ...] = ()
    # JSON-like path of the field the finding is about, e.g. "spec.template.spec.containers[0].image".
    path: str = ""
    # Index of the YAML document in the stream (0-based), -1 when it concerns the whole text.
    doc: int = -1
    # Extra machine-readable facts (suggested key, target parent path, ...).
    data: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    # Other places the message refers to ("already defined on line 7"); `template` is the message with
    # `{0}`, `{1}`, ... standing for their 1-based lines, so that moving the text keeps it true.
    related: tuple[Span, ...] = ()
    template: str = ""
    # Places in other files the finding is about (the CustomResourceDefinition a custom resource was
    # checked against): they do not move with this text.
    elsewhere: tuple[Place, ...] = ()

    @classmethod
    def referring(cls, template: str, related: tuple[Span, ...], **kw: Any) -> Finding:
        """A finding whose message names the lines of `related` spans (text from the document in the
        template goes through `literal`)."""
        message = template.format(*(r.start.line + 1 for r in related))
        return cls(message=message, related=related, template=template, **kw)

    def shifted(self, lines: int, docs: int) -> Finding:
        """The same finding for a text that starts `lines` lines and `docs` documents later."""
        if not lines and not docs:
            return self
        fixes = tuple(Fix(fx.title, tuple(TextEdit(e.span.shifted(lines), e.new_text) for e in fx.edits), fx.safe)
                      for fx in self.fixes)
        related = tuple(r.shifted(lines) for r in self.related)
        message = self.template.format(*(r.start.line + 1 for r in related)) if self.template else self.message
        return Finding(self.span.shifted(lines), self.severity, self.code, message, fixes, self.path,
                       self.doc + docs if self.doc >= 0 else self.doc, self.data, related, self.template,
                       self.elsewhere)

    @property
    def sort_key(self) -> tuple[int, int, int, str]:
        return (self.span.start.line, self.span.start.col, int(self.severity), self.code)


def literal(text: str) -> str:
    """`text` (a key, a line of the document) to put into a `Finding.referring` template as it is."""
    return text.replace("{", "{{").replace("}", "}}")
