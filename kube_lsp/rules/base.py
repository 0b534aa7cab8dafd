"""What a rule is: its code, name, default severity, summary, documentation (its module's docstring) and,
for rules that look at one object at a time, its check.

A rule module's docstring is the rule's documentation, in ruff's sections::

    One line: what the rule catches.

    ## What it does
    ## Why is this bad?
    ## Example          (a complete manifest in a fenced yaml block: it must produce the finding)
    ## Use instead      (a complete manifest: it must produce no finding at all)
    ## Fix              (what the quick fix does, when there is one)
    ## Options, ## References, ... (any other section is shown as written)

Checks are pure functions of one parsed object (`ObjectContext`); rules found elsewhere (by the parser,
the schema walk, the cluster or the workspace index) have no `check` and say in `emitted_by` where they are
made. Nothing registers itself: `kube_lsp.rules` lists the modules by name.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from kube_lsp.model import Finding, Fix, Place, Severity, Span
from kube_lsp.parsing.nodes import YMap, YNode, YScalar, YSeq
from kube_lsp.textindex import EMPTY as EMPTY_INDEX
from kube_lsp.textindex import TextIndex

if TYPE_CHECKING:  # config imports the registry for rule names
    from kube_lsp.config import Settings
    from kube_lsp.schema.catalog import Catalog, KindSchema
    from kube_lsp.workspace.index import FileIndex, Obj
    from kube_lsp.workspace.model import Workspace

_SECTION: Final = re.compile(r"^## (.+?)\s*$", re.M)
_YAML_BLOCK: Final = re.compile(r"```ya?ml\n(.*?)```", re.S)

ObjectCheck = Callable[["ObjectContext"], Iterable[Finding]]
# In a rule's `kinds`: the rule also looks at custom resources (of any kind whose CRD schema is known).
CUSTOM_RESOURCES: Final = "<custom resources>"
WorkspaceCheck = Callable[["WorkspaceContext"], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class ObjectContext:
    """One Kubernetes object as a check sees it: its tree, identity and the run's settings.

    `root` is the object's mapping (an item of a `List` is an object of its own); `doc` the index of its
    YAML document; `lines` the document's lines, `first_line` the document's first line in the text.
    """

    root: YMap
    api_version: str
    kind: str
    group: str
    version: str
    doc: int
    settings: Settings
    is_custom: bool = False
    # A Kustomize patch: a partial object, so rules that need the whole object (a mount naming a volume of
    # the pod, a selector matching the template) must not report what may live in the base.
    partial: bool = False
    lines: tuple[str, ...] = ()
    first_line: int = 0
    # The schema the object was validated against (a CRD's for custom resources) and the catalog it came from.
    schema: KindSchema | None = None
    catalog: Catalog | None = None
    # What the other objects of the text say (Namespace Pod Security labels, workloads, autoscalers).
    index: TextIndex = EMPTY_INDEX
    # Scratch space of this object's checks: what several rules derive alike (its pod, its Pod Security
    # level), computed by the first and reused by the others. Made afresh for every object.
    memo: dict[str, Any] = field(default_factory=dict)

    @property
    def metadata(self) -> YMap | None:
        md = self.root.get("metadata")
        return md if isinstance(md, YMap) else None

    @property
    def spec(self) -> YMap | None:
        spec = self.root.get("spec")
        return spec if isinstance(spec, YMap) else None

    def finding(self, rule: Rule, span: Span, message: str, *, path: str = "", fixes: tuple[Fix, ...] = (),
                severity: Severity | None = None, related: tuple[Span, ...] = (), template: str = "",
                data: dict[str, Any] | None = None) -> Finding:
        """A finding of `rule` on `span` of this object (severity: the rule's default unless given).

        With `related`, `template` is the message with `{0}`, `{1}`, ... for the related spans' lines."""
        sev = rule.severity if severity is None else severity
        if related and template:
            return Finding.referring(template, related, span=span, severity=sev, code=rule.code, fixes=fixes,
                                     path=path, doc=self.doc, data=data or {})
        return Finding(span=span, severity=sev, code=rule.code, message=message, fixes=fixes, path=path,
                       doc=self.doc, data=data or {})


@dataclass(frozen=True, slots=True)
class WorkspaceContext:
    """One file of the workspace as a cross-resource check sees it: its index (`file`) and the whole
    workspace (`ws`). A check reports findings in `file` only (each end of a relation gets its own)."""

    ws: Workspace
    file: FileIndex
    settings: Settings

    def place(self, o: Obj, note: str = "") -> Place:
        """Where an object of the workspace is named, for related information."""
        return Place(o.origin, o.name_span, self.ws.label(o.origin), note)

    def finding(self, rule: Rule, o: Obj, span: Span, message: str, *, path: str = "", fixes: tuple[Fix, ...] = (),
                severity: Severity | None = None, elsewhere: tuple[Place, ...] = (),
                data: dict[str, Any] | None = None) -> Finding:
        return Finding(span=span, severity=rule.severity if severity is None else severity, code=rule.code,
                       message=message, fixes=fixes, path=path, doc=o.doc, data=data or {}, elsewhere=elsewhere)


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    code: str  # "KL200": stable forever, never renumbered or reused
    name: str  # kebab-case; accepted in configuration and suppressions like the code
    severity: Severity  # the default; `.kube-lsp.yaml` may change it or switch the rule off
    summary: str  # one line, no final full stop
    module: str  # the module whose docstring documents the rule
    check: ObjectCheck | None = None
    # The kinds `check` looks at (None: every kind; CUSTOM_RESOURCES: also custom resources); the engine filters.
    kinds: frozenset[str] | None = None
    # Cross-resource rules: a check of one file against the workspace (kube_lsp/workspace), run after every
    # file of a run (or of the editor's workspace) is indexed.
    workspace_check: WorkspaceCheck | None = None
    emitted_by: str = ""  # for rules without a check: what reports them
    pack: str = ""  # "" for the core rules; else the pack that switches it on and off as a whole
    enabled: bool = True  # False: opt-in, reported only when configured

    @property
    def doc(self) -> str:
        # Not inspect.getdoc: it expands tabs, and KL101's example needs its tab.
        return (sys.modules[self.module].__doc__ or "").strip()

    @property
    def docs(self) -> dict[str, str]:
        """The docstring's sections by title ("" for the text before the first section)."""
        return parse_sections(self.doc)

    @property
    def explanation(self) -> str:
        d = self.docs
        return "\n\n".join(t for t in (d.get("What it does", ""), d.get("Why is this bad?", "")) if t)

    @property
    def example(self) -> str:
        return _yaml_of(self.docs.get("Example", ""))

    @property
    def use_instead(self) -> str:
        return _yaml_of(self.docs.get("Use instead", ""))

    @property
    def fix(self) -> str:
        return self.docs.get("Fix", "")

    @property
    def url(self) -> str:
        return f"https://github.com/kube-lsp/kube-lsp/blob/main/docs/rules.md#{self.code.lower()}"


def parse_sections(doc: str) -> dict[str, str]:
    parts = _SECTION.split(doc)
    out = {"": parts[0].strip()}
    for title, body in zip(parts[1::2], parts[2::2], strict=True):
        out[title] = body.strip()
    return out


def _yaml_of(section: str) -> str:
    m = _YAML_BLOCK.search(section)
    return m.group(1) if m else ""


# ---- small helpers every check needs -------------------------------------------------------------------------

def mapping(node: YNode | None) -> YMap | None:
    return node if isinstance(node, YMap) else None


def sequence(node: YNode | None) -> YSeq | None:
    return node if isinstance(node, YSeq) else None


def maps_in(node: YNode | None) -> Iterator[tuple[int, YMap]]:
    """The (index, mapping) items of a sequence node; nothing for anything else."""
    if isinstance(node, YSeq):
        for i, item in enumerate(node.items):
            if isinstance(item, YMap):
                yield i, item


def scalar(node: YNode | None) -> YScalar | None:
    return node if isinstance(node, YScalar) else None


def string_at(m: YMap | None, key: str) -> tuple[str, YScalar] | None:
    """The string value of `key` in `m` and its node, or None when it is absent or not a string."""
    if m is None:
        return None
    node = m.get(key)
    if isinstance(node, YScalar) and isinstance(node.value, str):
        return node.value, node
    return None


def key_span(m: YMap, key: str) -> Span:
    """The span of `key` itself in `m` (falling back to the mapping when the key came from a merge)."""
    k = m.key_node(key)
    return k.span if k is not None else m.span
