"""Migrations of a removed or deprecated apiVersion to its replacement, as one unsafe fix of text edits.

Placeholder: rewrites the apiVersion only (the structural conversions follow).
"""

from __future__ import annotations

from kube_lsp.model import Fix, TextEdit
from kube_lsp.parsing.nodes import YMap, YScalar


def _quoted(node: YScalar, text: str) -> str:
    return f"{node.style}{text}{node.style}" if node.style in ("'", '"') else text


def migration_fix(root: YMap, av_node: YScalar, api_version: str, kind: str, target: str, lines: list[str],
                  first_line: int) -> Fix | None:
    """The fix migrating the object `root` from `api_version` to `target`."""
    return Fix(f"Migrate to `{target}`", (TextEdit(av_node.span, _quoted(av_node, target)),), safe=False)
