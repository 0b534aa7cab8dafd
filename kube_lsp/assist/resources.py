"""The resource summary of a workload for the editor: a hover on its `kind` or `metadata.name`, and a code
lens on its `kind` line (kube_lsp/capacity.py computes it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kube_lsp.capacity import WorkloadResources, lens_title, summary_lines, workload_resources
from kube_lsp.model import Span
from kube_lsp.parsing.nodes import YMap, YNode
from kube_lsp.textindex import build_index


@dataclass(frozen=True, slots=True)
class Lens:
    line: int  # absolute, 0-based: the line of the object's `kind`
    title: str
    document: int


def _summaries(roots: Sequence[YNode | None], texts: Sequence[str]) -> list[WorkloadResources | None]:
    index = build_index(roots, texts)
    return [workload_resources(r, index) if isinstance(r, YMap) else None for r in roots]


def resource_lenses(roots: Sequence[YNode | None], texts: Sequence[str], starts: Sequence[int]) -> list[Lens]:
    """One lens per workload document; `roots` are the documents' trees as parsed from line 0, `starts` the
    documents' first lines in the text."""
    out = []
    for i, w in enumerate(_summaries(roots, texts)):
        if w is not None:
            out.append(Lens(starts[i] + w.line, lens_title(w), i))
    return out


def resource_hover(roots: Sequence[YNode | None], texts: Sequence[str], which: int, line: int,
                   col: int) -> tuple[str, Span] | None:
    """The summary (Markdown) when (line, col), relative to document `which`, is on its `kind` or its
    `metadata.name`, with the span hovered."""
    root = roots[which] if 0 <= which < len(roots) else None
    if not isinstance(root, YMap):
        return None
    md = root.get("metadata")
    candidates = [root.key_node("kind"), root.get("kind")]
    if isinstance(md, YMap):
        candidates += [md.get("name")]
    for node in candidates:
        if node is None:
            continue
        s = node.span
        if s.start.line == line == s.end.line and s.start.col <= col <= s.end.col:
            w = workload_resources(root, build_index(roots, texts))
            return ("\n".join(summary_lines(w)), s) if w is not None else None
    return None
