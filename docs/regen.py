"""Regenerate docs/rules.md and the README's rule table from the registry: `python docs/regen.py`.

tests/test_cli.py fails when either is out of date.
"""

from __future__ import annotations

from pathlib import Path

from kube_lsp.rules import markdown_docs, markdown_table

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    (ROOT / "docs" / "rules.md").write_text(markdown_docs())
    readme = (ROOT / "README.md").read_text()
    head, rest = readme.split("<!-- rules-table:start -->\n", 1)
    _, tail = rest.split("<!-- rules-table:end -->", 1)
    table = f"<!-- rules-table:start -->\n{markdown_table()}<!-- rules-table:end -->"
    (ROOT / "README.md").write_text(head + table + tail)


if __name__ == "__main__":
    main()
