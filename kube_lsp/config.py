"""Settings shared by the CLI and the language server, and the repository file `.kube-lsp.yaml`.

The repository file may choose the Kubernetes version, rule severities and excluded paths. It can never
choose a kubeconfig or a context: a cloned repository must not be able to point kube-lsp at a cluster.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from kube_lsp.model import Severity
from kube_lsp.rules import find_rule

CONFIG_NAMES: Final = (".kube-lsp.yaml", ".kube-lsp.yml")
_FORBIDDEN_KEYS: Final = frozenset({"kubeconfig", "context", "cluster", "server", "token"})


class ConfigError(ValueError):
    """A setting has an invalid value."""


def parse_kube_version(text: str | int | float) -> tuple[int, int]:
    raw = str(text).strip().lstrip("vV")
    parts = raw.split(".")
    try:
        major, minor = int(parts[0]), int(parts[1])
    except (ValueError, IndexError):
        raise ConfigError(f"invalid Kubernetes version {text!r}; use MAJOR.MINOR such as 1.30") from None
    return major, minor


@dataclass(frozen=True, slots=True)
class Settings:
    kube_version: tuple[int, int] | None = None
    # rule code → severity, or None when the rule is switched off
    severities: Mapping[str, Severity | None] = field(default_factory=lambda: MappingProxyType({}))
    exclude: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    # The directory `exclude` patterns are relative to: the one holding the configuration file.
    exclude_root: Path | None = None

    def severity_for(self, code: str, default: Severity) -> Severity | None:
        if code in self.severities:
            return self.severities[code]
        return default

    def merged(self, other: Mapping[str, Any]) -> Settings:
        """These settings overridden by a mapping in the `.kube-lsp.yaml` / LSP settings format."""
        return settings_from_mapping(other, base=self)

    def is_excluded(self, path: str | Path) -> bool:
        """Whether an `exclude` glob matches `path`, which may be given relative to any current directory or
        absolute.

        A pattern with a `/` is matched against the path relative to `exclude_root` (the directory of the
        configuration file) and against each of its parent directories, so `charts/*/templates` excludes
        what is under it; a pattern without `/` is matched against every name on that path (`vendor`,
        `*.generated.yaml`), as in .gitignore. `*` also matches `/`. A file outside `exclude_root` is
        matched by its own name only. Without a root (settings from no file) the path is taken as given.
        """
        if not self.exclude:
            return False
        rel = _relative(path, self.exclude_root) if self.exclude_root is not None else Path(path).as_posix()
        parts = rel.split("/") if rel is not None else []
        prefixes = ["/".join(parts[:i]) for i in range(len(parts), 0, -1)]
        names = parts or [Path(path).name]
        for raw in self.exclude:
            pat = raw.strip().removeprefix("./").rstrip("/")
            if pat and any(fnmatch.fnmatch(n, pat) for n in (prefixes if "/" in pat else names)):
                return True
        return False


def _relative(path: str | Path, root: Path) -> str | None:
    """`path` relative to `root` with `/` separators, or None when it is not under `root`. Tried with and
    without resolving symbolic links, on both sides (a checkout reached through a link)."""
    paths, roots = [os.path.abspath(path)], [os.path.abspath(root)]
    try:
        paths.append(os.path.realpath(path))
        roots.append(os.path.realpath(root))
    except (OSError, ValueError):
        pass
    for r in roots:
        for candidate in paths:
            try:
                rel = os.path.relpath(candidate, r)
            except ValueError:  # another drive (Windows)
                continue
            if rel != ".." and not rel.startswith(".." + os.sep) and rel != ".":
                return Path(rel).as_posix()
    return None


def settings_from_mapping(data: Mapping[str, Any], base: Settings | None = None) -> Settings:
    s = base or Settings()
    warnings = list(s.warnings)
    version = s.kube_version
    if data.get("kubeVersion") not in (None, ""):
        version = parse_kube_version(data["kubeVersion"])
    severities = dict(s.severities)
    rules = data.get("rules") or {}
    if not isinstance(rules, Mapping):
        raise ConfigError("`rules` must be a mapping of rule code or name to a severity or `off`")
    for key, value in rules.items():
        rule = find_rule(str(key))
        if rule is None:
            raise ConfigError(f"unknown rule {key!r} in `rules`")
        if value is False or str(value).lower() in ("off", "false", "none", "disable", "disabled"):
            severities[rule.code] = None
        else:
            try:
                severities[rule.code] = Severity.parse(str(value))
            except ValueError as exc:
                raise ConfigError(str(exc)) from None
    exclude = tuple(s.exclude) + tuple(str(p) for p in (data.get("exclude") or ()))
    for key in data:
        if str(key).lower() in _FORBIDDEN_KEYS:
            warnings.append(f"`{key}` is ignored in repository settings: choose clusters in user settings")
    return replace(s, kube_version=version, severities=MappingProxyType(severities), exclude=exclude,
                   warnings=tuple(warnings))


def find_config(start: Path) -> Path | None:
    """The nearest `.kube-lsp.yaml` in `start` or its parents."""
    here = start.resolve()
    for directory in (here, *here.parents):
        for name in CONFIG_NAMES:
            candidate = directory / name
            if candidate.is_file():
                return candidate
    return None


def load_config(path: Path, base: Settings | None = None) -> Settings:
    try:
        data = YAML(typ="safe", pure=False).load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from None
    if data is None:
        return base or Settings()
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path}: the configuration must be a mapping")
    try:
        settings = settings_from_mapping(data, base)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return replace(settings, exclude_root=Path(os.path.abspath(path)).parent)
