"""Project overlays from `schemas/`: closed value sets and the apiVersion deprecation table."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from ruamel.yaml import YAML

from kube_lsp.resources import schemas_dir

_LOADER: Final = YAML(typ="safe", pure=False)


def _load(name: str) -> Any:
    with open(schemas_dir() / name, encoding="utf-8") as fh:
        return _LOADER.load(fh)


@dataclass(frozen=True, slots=True)
class ApiChange:
    api_version: str
    kind: str
    deprecated: tuple[int, int] | None
    removed: tuple[int, int] | None
    # "apps/v1", or "discovery.k8s.io/v1 EndpointSlice" when the kind changes, or None.
    replacement: str | None

    @property
    def replacement_api_version(self) -> str | None:
        """The apiVersion to rewrite to, when the kind stays the same."""
        if self.replacement and " " not in self.replacement:
            return self.replacement
        return None


def parse_minor(text: str) -> tuple[int, int]:
    major, minor = str(text).lstrip("v").split(".")[:2]
    return int(major), int(minor)


@functools.cache
def api_changes() -> dict[tuple[str, str], ApiChange]:
    table: dict[tuple[str, str], ApiChange] = {}
    for entry in _load("api-versions.yaml"):
        for kind, repl in entry["kinds"].items():
            table[(entry["apiVersion"], kind)] = ApiChange(
                api_version=entry["apiVersion"],
                kind=kind,
                deprecated=parse_minor(entry["deprecated"]) if entry.get("deprecated") else None,
                removed=parse_minor(entry["removed"]) if entry.get("removed") else None,
                replacement=repl,
            )
    return table


@functools.cache
def _enum_patterns() -> tuple[tuple[str, dict[str, tuple[str, ...]]], ...]:
    raw = _load("enums.yaml") or {}
    return tuple(
        (pattern,
         {prop: tuple(str(v) for v in values) for prop, values in props.items()})
        for pattern, props in raw.items()
    )


def enum_overlay(definition_names: Iterable[str]) -> dict[str, dict[str, tuple[str, ...]]]:
    """Definition name → property → allowed values, for the definitions present in a schema set."""
    names = set(definition_names)
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for pattern, props in _enum_patterns():
        if "*" not in pattern:
            if pattern in names:
                out.setdefault(pattern, {}).update(props)
            continue
        rx = re.compile(pattern.replace(".", "\\.").replace("*", "[^.]+") + "$")
        for name in names:
            if rx.match(name):
                out.setdefault(name, {}).update(props)
    return out
