"""The benchmarks' inputs: by default the shared material in ../shared (next to the checkout), which a
fresh clone does not have. Say so plainly, and which flag to pass, instead of a traceback."""

from __future__ import annotations

import argparse
from pathlib import Path

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


def require(parser: argparse.ArgumentParser, path: Path, flag: str, what: str) -> None:
    """Exit with status 2 and a one-paragraph explanation when `path` does not exist."""
    if path.exists():
        return
    where = ("; the default is in ../shared, next to this checkout, and there is none"
             if path.is_relative_to(SHARED) else "")
    parser.exit(2, f"{parser.prog}: {what} not found: {path}{where}\n"
                   f"  pass {flag} PATH (see python bench/{parser.prog} --help)\n")
