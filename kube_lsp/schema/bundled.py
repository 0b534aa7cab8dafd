"""The bundled schema files: which Kubernetes versions there are and where, without reading any (the CLI's
start-up and the cache's key need only this; kube_lsp/schema/catalog.py loads them)."""

from __future__ import annotations

import functools
import importlib.util
import os
import re
from pathlib import Path
from typing import Final

_VERSION_DIR_RE: Final = re.compile(r"v(\d+)\.(\d+)\.0-local-strict$")


@functools.cache
def _schema_root() -> Path:
    # Locate the package without importing it: its __init__ pulls in jsonschema (~0.2 s).
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise LookupError("the kubernetes-validate package (bundled schemas) is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / "kubernetes-json-schema"


@functools.cache
def bundled_versions() -> tuple[tuple[int, int], ...]:
    """Kubernetes minors with bundled schemas, oldest first."""
    found = []
    for name in os.listdir(_schema_root()):
        m = _VERSION_DIR_RE.match(name)
        if m:
            found.append((int(m.group(1)), int(m.group(2))))
    return tuple(sorted(found))


def format_version(v: tuple[int, int]) -> str:
    return f"{v[0]}.{v[1]}"


def bundled_version(version: tuple[int, int] | None = None) -> tuple[tuple[int, int], str]:
    """The bundled version `bundled_catalog(version)` would load and its `source`, without loading it; raises
    LookupError as it would."""
    versions = bundled_versions()
    if version is None:
        version = versions[-1]
    if version not in versions:
        raise LookupError(
            f"no bundled schemas for Kubernetes {format_version(version)}; available: "
            f"{format_version(versions[0])} to {format_version(versions[-1])}"
        )
    return version, f"bundled Kubernetes {format_version(version)} schemas"


def bundled_identity() -> str:
    """Names the bundled schema files as installed (location, size and modification time of every version's
    definitions): it changes when kubernetes-validate is upgraded. For caches of results."""
    root = _schema_root()
    stamps = [str(root)]
    for v in bundled_versions():
        try:
            st = os.stat(root / f"v{v[0]}.{v[1]}.0-local-strict" / "_definitions.json")
            stamps.append(f"{v[0]}.{v[1]}:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            stamps.append(f"{v[0]}.{v[1]}:-")
    return ";".join(stamps)


