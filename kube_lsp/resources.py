"""Where the package finds its data files (project overlays in `schemas/`)."""

from __future__ import annotations

from pathlib import Path


def schemas_dir() -> Path:
    """The overlay directory: installed as `kube_lsp/_schemas`, or `schemas/` in a source checkout."""
    here = Path(__file__).resolve().parent
    installed = here / "_schemas"
    if installed.is_dir():
        return installed
    return here.parent / "schemas"
