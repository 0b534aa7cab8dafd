"""Find the schema of a document: bundled Kubernetes definitions per minor version, plus CRDs.

Bundled schemas come from the `kubernetes-validate` package (JSON Schema files for every minor it
ships, with `$ref`s into one `_definitions.json`). A `Catalog` is one target version; it is immutable
apart from the CRDs registered on it, and it is owned by whoever analyses (no module-level state
besides the cache of loaded files).
"""

from __future__ import annotations

import functools
import json
import posixpath
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import PurePath
from typing import Any, Final
from urllib.parse import unquote, urlsplit

from kube_lsp.model import Place
from kube_lsp.schema.bundled import _schema_root
from kube_lsp.schema.bundled import bundled_identity as bundled_identity
from kube_lsp.schema.bundled import bundled_version as bundled_version
from kube_lsp.schema.bundled import bundled_versions as bundled_versions
from kube_lsp.schema.bundled import format_version as format_version
from kube_lsp.schema.overlays import enum_overlay

Schema = dict[str, Any]

# Kinds that carry apiVersion + kind but are read by tools, not served by the API server.
CLIENT_SIDE_KINDS: Final = frozenset({
    ("v1", "Config"),  # kubeconfig
})
CLIENT_SIDE_GROUP_SUFFIXES: Final = (".config.k8s.io", "kustomize.config.k8s.io", "kubeadm.k8s.io")


def split_api_version(api_version: str) -> tuple[str, str]:
    """("apps", "v1") for "apps/v1"; ("", "v1") for the core group."""
    if "/" in api_version:
        group, version = api_version.split("/", 1)
        return group, version
    return "", api_version


@dataclass(frozen=True, slots=True)
class KindSchema:
    """The schema that applies to one (apiVersion, kind)."""

    api_version: str
    kind: str
    schema: Schema
    definition: str | None
    source: str
    # CRD schemas describe only their own tree; their metadata is ObjectMeta all the same.
    is_crd: bool = False
    # For a CRD: its name, where it defines this version, and every version it defines.
    crd_name: str = ""
    place: Place | None = None
    crd_versions: tuple[str, ...] = ()
    # The CRD version's `served`, `deprecated` and `deprecationWarning`.
    served: bool = True
    deprecated: bool = False
    deprecation_warning: str = ""
    # The version has the status subresource: the API server ignores `status` when an object is created.
    status_subresource: bool = False

    def shifted(self, lines: int) -> KindSchema:
        """The same schema read from a text that starts `lines` lines later."""
        if self.place is None or not lines:
            return self
        return replace(self, place=replace(self.place, span=self.place.span.shifted(lines)))


def nearness(origin: str, near: str | None) -> tuple[int, int, int]:
    """How close a file is to the file `near` (smaller is closer): the same file, then the same directory,
    then the longest common ancestor directory, then the shallowest. Paths or file URIs; no file is read."""
    if near is None:
        return (3, 0, 0)
    a, b = _path_parts(origin), _path_parts(near)
    if a == b:
        return (0, 0, 0)
    if a[:-1] == b[:-1]:
        return (1, 0, 0)
    common = 0
    for x, y in zip(a[:-1], b[:-1], strict=False):
        if x != y:
            break
        common += 1
    return (2, -common, len(a) - common)


def _path_parts(origin: str) -> tuple[str, ...]:
    if "://" in origin:
        parsed = urlsplit(origin)
        path = unquote(parsed.path)
    else:
        path = origin
    return PurePath(posixpath.normpath(path if path.startswith("/") else posixpath.join("/", path))).parts


# While a `record_crd_reads()` is on: every (apiVersion, kind) of the CRD tables read, ("*", kind) when the
# CRDs of a kind were looked for in any version (CrdTable.of_kind), and ALL_CRDS when a table was read as a
# whole (iterated, measured). `kube-lsp check`'s cache (kube_lsp/cache.py) keeps this with
# each file's findings so that only a change to the CRDs a file actually used analyses it again.
ALL_CRDS: Final = ("*", "*")
_crd_reads: set[tuple[str, str]] | None = None


def record_crd_reads() -> None:
    """Start recording which CRD table entries are read (see ALL_CRDS); `crd_reads()` ends it."""
    global _crd_reads
    _crd_reads = set()


def crd_reads() -> frozenset[tuple[str, str]]:
    """What was read since `record_crd_reads()`, and stop recording."""
    global _crd_reads
    out, _crd_reads = frozenset(_crd_reads or ()), None
    return out


class CrdTable(dict[tuple[str, str], tuple["KindSchema", ...]]):
    """(apiVersion, kind) → CRD schemas: a dict whose reads can be recorded (record_crd_reads)."""

    __slots__ = ()

    def get(self, key: tuple[str, str], default: Any = None) -> Any:
        if _crd_reads is not None:
            _crd_reads.add(key)
        return dict.get(self, key, default)

    def __getitem__(self, key: tuple[str, str]) -> tuple[KindSchema, ...]:
        if _crd_reads is not None:
            _crd_reads.add(key)
        return dict.__getitem__(self, key)

    def __contains__(self, key: object) -> bool:
        if _crd_reads is not None and isinstance(key, tuple):
            _crd_reads.add(key)
        return dict.__contains__(self, key)

    def of_kind(self, kind: str) -> list[tuple[tuple[str, str], tuple[KindSchema, ...]]]:
        """The entries of `kind`, in any apiVersion."""
        if _crd_reads is not None:
            _crd_reads.add(("*", kind))
        return [(key, value) for key, value in dict.items(self) if key[1] == kind]

    def _whole(self) -> None:
        if _crd_reads is not None:
            _crd_reads.add(ALL_CRDS)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        self._whole()
        return dict.__iter__(self)

    def __len__(self) -> int:
        self._whole()
        return dict.__len__(self)

    def keys(self) -> Any:
        self._whole()
        return dict.keys(self)

    def values(self) -> Any:
        self._whole()
        return dict.values(self)

    def items(self) -> Any:
        self._whole()
        return dict.items(self)

    def copy(self) -> CrdTable:
        return CrdTable(dict.items(self))  # not dict.copy: on a subclass it would read the whole table


@dataclass(slots=True)
class Catalog:
    """All schemas known for one target Kubernetes version."""

    version: tuple[int, int]
    source: str
    definitions: dict[str, Schema]
    by_gvk: dict[tuple[str, str], str]
    enums: dict[str, dict[str, tuple[str, ...]]]
    # (apiVersion, kind) → the CRD schemas defining it, in the order they were found (usually one).
    crds: CrdTable = field(default_factory=lambda: CrdTable())
    groups: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if type(self.crds) is not CrdTable:
            self.crds = CrdTable(dict.items(self.crds) if isinstance(self.crds, dict) else self.crds)

    # ------------------------------------------------------------------------------------ lookups

    def lookup(self, api_version: str, kind: str, near: str | None = None) -> KindSchema | None:
        """The schema of (apiVersion, kind); when several CRDs define it, the one nearest to the file `near`."""
        crds = self.crds.get((api_version, kind))
        if crds:
            return crds[0] if len(crds) == 1 else self.crd_candidates(api_version, kind, near)[0]
        name = self.by_gvk.get((api_version, kind))
        if name is None:
            return None
        return KindSchema(api_version, kind, self.definitions[name], name, self.source)

    def crd_candidates(self, api_version: str, kind: str, near: str | None = None) -> tuple[KindSchema, ...]:
        """The CRD schemas of (apiVersion, kind), nearest to the file `near` first (then by file and line)."""
        crds: tuple[KindSchema, ...] = self.crds.get((api_version, kind), ())
        if len(crds) < 2:
            return crds
        return tuple(sorted(crds, key=lambda ks: (nearness(ks.place.origin, near) if ks.place else (4, 0, 0),
                                                  ks.place.origin if ks.place else "",
                                                  ks.place.span.start.line if ks.place else 0)))

    def resolve(self, schema: Schema) -> tuple[Schema, str | None]:
        """Follow `$ref` (and OpenAPI v3's `allOf: [{$ref}]`) to the definition; return it and its name."""
        name = None
        for _ in range(32):
            ref = schema.get("$ref")
            if ref is None:
                all_of = schema.get("allOf")
                if all_of and len(all_of) == 1 and "$ref" in all_of[0]:
                    ref = all_of[0]["$ref"]
            if ref is None:
                return schema, name
            name = ref.rsplit("/", 1)[-1]
            target = self.definitions.get(name)
            if target is None:
                return {}, name
            schema = target
        return schema, name

    def served_kinds(self) -> dict[str, list[str]]:
        """kind → apiVersions serving it in this version."""
        out: dict[str, list[str]] = {}
        for api_version, kind in self.by_gvk:
            out.setdefault(kind, []).append(api_version)
        for api_version, kind in self.crds:
            out.setdefault(kind, []).append(api_version)
        return out

    def is_builtin_group(self, group: str) -> bool:
        return group in self.groups

    # ----------------------------------------------------------------------------------------- CRDs

    def add_crd(self, api_version: str, kind: str, schema: Schema, source: str) -> None:
        self._add(KindSchema(api_version, kind, schema, None, source, is_crd=True))

    def _add(self, ks: KindSchema) -> None:
        key = (ks.api_version, ks.kind)
        known = self.crds.get(key, ())
        if ks.place is None:  # nowhere in particular: it stands for the kind alone
            self.crds[key] = (ks,)
        elif all(k.place != ks.place for k in known):
            # The same CRD seen twice (an open file that the workspace scan read too, or a checked file's
            # own CRDs, which the CLI also collected) is one CRD.
            self.crds[key] = (*known, ks)

    def with_crds(self, crds: Iterable[KindSchema]) -> Catalog:
        """A copy of this catalog that also knows the given CRD schemas."""
        copy = Catalog(self.version, self.source, self.definitions, self.by_gvk, self.enums,
                       self.crds.copy(), self.groups)
        for ks in crds:
            copy._add(ks)
        return copy


def _gvk_index(definitions: dict[str, Schema]) -> dict[tuple[str, str], str]:
    index: dict[tuple[str, str], str] = {}
    for name, schema in definitions.items():
        for gvk in schema.get("x-kubernetes-group-version-kind") or ():
            kind = gvk.get("kind", "")
            group, version = gvk.get("group", ""), gvk.get("version", "")
            api_version = f"{group}/{version}" if group else version
            # Prefer the definition whose own group matches (e.g. DeleteOptions appears in many groups).
            index.setdefault((api_version, kind), name)
    return index


@functools.cache
def _load_bundled_definitions(version: tuple[int, int]) -> dict[str, Schema]:
    return _read_bundled_definitions(version)


def _read_bundled_definitions(version: tuple[int, int]) -> dict[str, Schema]:
    path = _schema_root() / f"v{version[0]}.{version[1]}.0-local-strict" / "_definitions.json"
    with open(path, encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    defs: dict[str, Schema] = data.get("$defs") or data.get("definitions") or {}
    return defs


@functools.cache
def bundled_catalog(version: tuple[int, int] | None = None) -> Catalog:
    """The catalog of the bundled schemas for `version` (default: the newest bundled)."""
    version, source = bundled_version(version)
    defs = _load_bundled_definitions(version)
    by_gvk = _gvk_index(defs)
    groups = frozenset(split_api_version(av)[0] for av, _ in by_gvk)
    return Catalog(
        version=version,
        source=source,
        definitions=defs,
        by_gvk=by_gvk,
        enums=enum_overlay(defs.keys()),
        groups=groups,
    )


@functools.cache
def served_in_any_version() -> dict[tuple[str, str], tuple[tuple[int, int], ...]]:
    """(apiVersion, kind) → bundled versions serving it. Reads every version (once, ~0.4 s; the definitions of
    versions not otherwise in use are not kept)."""
    out: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for v in bundled_versions():
        for key in _gvk_index(_read_bundled_definitions(v)):
            out.setdefault(key, []).append(v)
    return {k: tuple(vs) for k, vs in out.items()}
