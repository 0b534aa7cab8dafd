"""The life of an (apiVersion, kind): when it was introduced, deprecated and removed, and what replaces it.

Two sources, no facts typed by hand here: the deprecation table `schemas/api-versions.yaml` (deprecations,
and removals older than the bundled schemas) and the bundled schemas themselves (which versions serve it:
a removal or an introduction between 1.25 and the newest bundled version is read from them).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from kube_lsp.schema.catalog import bundled_versions, format_version, served_in_any_version
from kube_lsp.schema.overlays import api_changes

Version = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Timeline:
    api_version: str
    kind: str
    # None: before the oldest bundled version (or never served, for one known only from the table).
    introduced: Version | None
    deprecated: Version | None
    removed: Version | None
    # "apps/v1", or "discovery.k8s.io/v1 EndpointSlice" when the kind changes too; None when unknown/none.
    replacement: str | None
    # The bundled versions that serve it.
    served: tuple[Version, ...]

    def serves(self, version: Version) -> bool:
        """Whether Kubernetes `version` serves it (bundled versions: from the schemas; older: the table)."""
        if version in bundled_versions():
            return version in self.served
        if self.removed is not None and version >= self.removed:
            return False
        return self.introduced is None or version >= self.introduced

    def describe(self) -> str:
        """`introduced before 1.25 · deprecated in 1.19 · removed in 1.22` (for a hover)."""
        oldest = format_version(bundled_versions()[0])
        parts = [f"introduced in {format_version(self.introduced)}" if self.introduced
                 else f"served before {oldest}" if self.served or self.removed else "introduced: unknown"]
        if self.deprecated:
            parts.append(f"deprecated in {format_version(self.deprecated)}")
        if self.removed:
            parts.append(f"removed in {format_version(self.removed)}")
        elif self.served and self.served[-1] == bundled_versions()[-1]:
            parts.append(f"served through {format_version(self.served[-1])} (the newest bundled)")
        return " · ".join(parts)


@functools.cache
def timeline(api_version: str, kind: str) -> Timeline | None:
    """The timeline of a Kubernetes API, or None for one Kubernetes does not know (a custom resource)."""
    change = api_changes().get((api_version, kind))
    served = served_in_any_version().get((api_version, kind), ())
    if change is None and not served:
        return None
    versions = bundled_versions()
    introduced = served[0] if served and served[0] != versions[0] else None
    removed = change.removed if change is not None else None
    if removed is None and served and served[-1] != versions[-1]:
        removed = next(v for v in versions if v > served[-1])
    return Timeline(api_version, kind, introduced, change.deprecated if change else None, removed,
                    change.replacement if change else None, served)
