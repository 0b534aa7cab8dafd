"""Schemas straight from the cluster: its `/openapi/v3` (exact version, CRDs included), cached on disk.

The root index lists one document per group-version with a content hash in its URL; documents are
cached per server and per hash, so an unchanged cluster costs one small request. Any failure means
"use the bundled schemas" — quietly, the caller decides what to say.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from kube_lsp.cluster.concurrency import bounded_map
from kube_lsp.cluster.transport import ClusterTransport
from kube_lsp.schema.catalog import Catalog, split_api_version
from kube_lsp.schema.overlays import enum_overlay

_HASH_RE = re.compile(r"[?&]hash=([0-9A-Za-z]+)(?:&|$)")  # anything else: not cached


def cache_dir() -> Path:
    """`$XDG_CACHE_HOME/kube-lsp/openapi`, else `~/.cache/kube-lsp/openapi`. A relative XDG_CACHE_HOME is
    ignored, as the XDG Base Directory specification says (it would scatter caches over working directories)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    return (Path(base) if os.path.isabs(base) else Path.home() / ".cache") / "kube-lsp" / "openapi"


def _server_key(server: str) -> str:
    return hashlib.sha256(server.encode()).hexdigest()[:16]


def fetch_documents(transport: ClusterTransport, cache: Path | None = None) -> dict[str, Any]:
    """group-version → its OpenAPI v3 document, from the disk cache when the hash is unchanged."""
    root = transport.send("GET", "/openapi/v3")
    if root.status != 200:
        raise LookupError(f"/openapi/v3 answered {root.status}")
    paths = (root.json() or {}).get("paths") or {}
    folder = (cache or cache_dir()) / _server_key(transport.info.server)
    docs: dict[str, Any] = {}
    missing: list[tuple[str, str, Path | None]] = []
    for gv, entry in paths.items():
        if not (gv == "api/v1" or gv.startswith("apis/")):
            continue
        url = str((entry or {}).get("serverRelativeURL") or f"/openapi/v3/{gv}")
        m = _HASH_RE.search(url)
        cached = folder / f"{_file_stem(gv)}-{m.group(1)}.json" if m else None
        if cached is not None and cached.is_file():
            try:
                docs[gv] = json.loads(cached.read_text())
                continue
            except (OSError, ValueError):
                pass
        missing.append((gv, url, cached))

    def fetch(item: tuple[str, str, Path | None]) -> Any:
        gv, url, cached = item
        path, _, query = url.partition("?")
        params = [(k, v) for k, _, v in (p.partition("=") for p in query.split("&") if "=" in p)]
        resp = transport.send("GET", path, query=params)
        if resp.status != 200:
            return None
        if cached is not None:
            _store(cached, resp.body, gv)
        return resp.json()

    for (gv, _, _), doc in zip(missing, bounded_map(fetch, missing), strict=True):  # a cold cache: dozens
        if doc is not None:
            docs[gv] = doc
    return docs


def _file_stem(gv: str) -> str:
    return gv.replace("/", "_")


def _store(cached: Path, body: bytes, gv: str) -> None:
    """Write a group-version's document, and drop its older versions (other hashes) from the cache."""
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp")
        tmp.write_bytes(body)
        tmp.replace(cached)
        stem = _file_stem(gv)
        for old in cached.parent.glob(f"{stem}-*.json"):
            if old != cached and old.name[len(stem) + 1:-len(".json")].isalnum():
                old.unlink(missing_ok=True)
    except OSError:
        pass


def catalog_from_openapi(docs: dict[str, Any], version: tuple[int, int], source: str) -> Catalog:
    definitions: dict[str, Any] = {}
    for doc in docs.values():
        definitions.update(((doc or {}).get("components") or {}).get("schemas") or {})
    by_gvk: dict[tuple[str, str], str] = {}
    for name, schema in definitions.items():
        for gvk in schema.get("x-kubernetes-group-version-kind") or ():
            group, ver, kind = gvk.get("group", ""), gvk.get("version", ""), gvk.get("kind", "")
            by_gvk.setdefault((f"{group}/{ver}" if group else ver, kind), name)
    groups = frozenset(split_api_version(av)[0] for av, _ in by_gvk)
    return Catalog(version=version, source=source, definitions=definitions, by_gvk=by_gvk,
                   enums=enum_overlay(definitions.keys()), groups=groups)


def server_version(transport: ClusterTransport) -> tuple[tuple[int, int], str]:
    """The cluster's (major, minor) and gitVersion from its `/version` (raises LookupError on any failure).
    A minor such as "29+" (GKE, EKS) counts as 29."""
    info = transport.send("GET", "/version")
    if info.status != 200:
        raise LookupError(f"/version answered {info.status}")
    data = info.json()
    if not isinstance(data, dict):
        raise LookupError("/version answered no JSON object")
    git = str(data.get("gitVersion") or "")
    try:
        major = int(re.sub(r"\D", "", str(data.get("major") or "")))
        minor = int(re.sub(r"\D", "", str(data.get("minor") or "")))
    except ValueError:
        m = re.match(r"v?(\d+)\.(\d+)", git)
        if m is None:
            raise LookupError(f"/version names no version: {git or data!r}") from None
        major, minor = int(m.group(1)), int(m.group(2))
    return (major, minor), git


def cluster_catalog(transport: ClusterTransport, cache: Path | None = None,
                    version: tuple[tuple[int, int], str] | None = None) -> Catalog:
    """The catalog of the cluster's own schemas (raises on any failure; callers fall back). `version`: the
    cluster's `server_version` when the caller has read it already (else it is read here)."""
    (major, minor), git = version or server_version(transport)
    docs = fetch_documents(transport, cache)
    if not docs:
        raise LookupError("the cluster serves no OpenAPI v3 documents")
    source = f"cluster {transport.info.context} (Kubernetes {git or f'{major}.{minor}'})"
    return catalog_from_openapi(docs, (major, minor), source)
