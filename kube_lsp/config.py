"""Settings shared by the CLI and the language server, and the repository file `.kube-lsp.yaml`.

The repository file may choose the Kubernetes version, rule severities and excluded paths. It can never
choose a kubeconfig or a context: a cloned repository must not be able to point kube-lsp at a cluster.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from kube_lsp.model import Severity
from kube_lsp.suggest import did_you_mean

CONFIG_NAMES: Final = (".kube-lsp.yaml", ".kube-lsp.yml")
POD_SECURITY_LEVELS: Final = ("off", "baseline", "restricted")
# Measured on the corpora of ../shared (bench/pack_counts.py; README "Defaults from data").
DEFAULT_POD_SECURITY: Final = "baseline"
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
    # Several targets (`kubeVersion: ["1.29", "1.31"]`): every one, oldest first; `kube_version` is the oldest.
    # Empty for a single target.
    kube_versions: tuple[tuple[int, int], ...] = ()
    # rule code → severity, or None when the rule is switched off
    severities: Mapping[str, Severity | None] = field(default_factory=lambda: MappingProxyType({}))
    exclude: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    # The directory `exclude` patterns are relative to: the one holding the configuration file.
    exclude_root: Path | None = None
    # The Pod Security Standards level checked where no Namespace in the text says (`podSecurity`).
    pod_security: str = DEFAULT_POD_SECURITY
    # pack → on/off (`packs`): switches every rule of a pack; a rule named in `severities` wins.
    packs: Mapping[str, bool] = field(default_factory=lambda: MappingProxyType({}))

    def rule_on(self, code: str, pack: str, enabled: bool) -> bool:
        """Whether a rule runs: its entry in `rules`, else its pack's switch, else its default."""
        if code in self.severities:
            return self.severities[code] is not None
        if pack and pack in self.packs:
            return self.packs[pack]
        return enabled
    # The namespace of objects that name none (as `kubectl apply -n` would give them), for the workspace's
    # cross-resource rules; None: unknown (such objects match references from any namespace).
    namespace: str | None = None

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


@dataclass(frozen=True, slots=True)
class SettingProblem:
    """A setting with an invalid value. Lenient readers (the language server) leave it out and say so;
    strict ones (the CLI) refuse the whole configuration."""

    message: str

    def ignored(self) -> str:
        """The message for a setting that was left out."""
        return f"{self.message}{'' if self.message.endswith(('?', '.')) else '.'} It was ignored."


_DNS_LABEL: Final = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
_OFF: Final = frozenset({"off", "false", "none", "disable", "disabled"})
_ON: Final = frozenset({"on", "true", "enable", "enabled"})
_SEVERITY_WORDS: Final = ("error", "warning", "info", "hint", "off")


def read_settings(data: Mapping[str, Any], base: Settings | None = None, *,
                  section: str | None = None) -> tuple[Settings, list[SettingProblem]]:
    """`base` overridden by a mapping in the `.kube-lsp.yaml` / LSP settings format, leaving out every
    entry with an invalid value (one unknown rule name costs that entry, not the rest), and the problems.

    `section` is how the messages name the settings: `kubeLsp` gives `kubeLsp.rules`; None gives `` `rules` ``.
    """
    from kube_lsp.rules import find_rule, pack_names, rule_names  # here: every rule, for a configuration only

    s = base or Settings()
    problems: list[SettingProblem] = []

    def where(key: str) -> str:
        return f"{section}.{key}" if section else f"`{key}`"

    warnings = list(s.warnings)
    version, versions = s.kube_version, s.kube_versions
    raw_version = data.get("kubeVersion")
    if raw_version not in (None, "", []):
        try:
            versions = kube_versions_setting(raw_version)
            version, versions = versions[0], versions if len(versions) > 1 else ()
        except ConfigError as exc:
            problems.append(SettingProblem(
                f"invalid Kubernetes version {_show(raw_version)} in {where('kubeVersion')} ({exc})"))
    severities = dict(s.severities)
    rules = data.get("rules") or {}
    if not isinstance(rules, Mapping):
        problems.append(SettingProblem(
            f"{where('rules')} must be a mapping of rule code or name to a severity or `off`"))
        rules = {}
    for key, value in rules.items():
        rule = find_rule(str(key))
        if rule is None:
            problems.append(SettingProblem(f"unknown rule `{key}` in {where('rules')}"
                                           f"{did_you_mean(str(key), rule_names(), abbreviations=True)}"))
        elif value is None or isinstance(value, (list, dict)):
            problems.append(SettingProblem(
                f"{'no' if value is None else 'invalid'} severity for `{key}` in {where('rules')}"
                f"{'' if value is None else ': ' + _brief(value)} (use error, warning, info, hint or off)"))
        elif value is False or str(value).lower() in _OFF:
            severities[rule.code] = None
        else:
            try:
                severities[rule.code] = Severity.parse(str(value))
            except ValueError:
                problems.append(SettingProblem(
                    f"unknown severity `{value}` for `{key}` in {where('rules')} (use error, warning, info, hint "
                    f"or off){did_you_mean(str(value).lower(), _SEVERITY_WORDS, abbreviations=True)}"))
    pod_security = s.pod_security
    raw_pss = data.get("podSecurity")
    if raw_pss is not None:
        word = "off" if raw_pss is False else str(raw_pss).strip().lower() if isinstance(raw_pss, str) else None
        if word in _OFF or word == "privileged":
            pod_security = "off"
        elif word in POD_SECURITY_LEVELS:
            pod_security = word
        else:
            problems.append(SettingProblem(
                f"invalid level {_show(raw_pss)} in {where('podSecurity')} (use baseline, restricted or off)"
                f"{did_you_mean(str(raw_pss).lower(), POD_SECURITY_LEVELS, abbreviations=True)}"))
    packs = dict(s.packs)
    raw_packs = data.get("packs") or {}
    if not isinstance(raw_packs, Mapping):
        problems.append(SettingProblem(
            f"{where('packs')} must be a mapping of pack name to on or off ({', '.join(pack_names())})"))
        raw_packs = {}
    for key, value in raw_packs.items():
        name = str(key).lower()
        if name not in pack_names():
            problems.append(SettingProblem(f"unknown pack `{key}` in {where('packs')} (packs: "
                                           f"{', '.join(pack_names())})"
                                           f"{did_you_mean(name, pack_names(), abbreviations=True)}"))
        elif value is True or value is False:
            packs[name] = value
        elif isinstance(value, str) and value.strip().lower() in _OFF | _ON:
            packs[name] = value.strip().lower() in _ON
        else:
            problems.append(SettingProblem(f"invalid value for pack `{key}` in {where('packs')}: {_brief(value)} "
                                           "(use on or off)"))
    exclude = list(s.exclude)
    raw_exclude = data.get("exclude") or ()
    if isinstance(raw_exclude, str):
        raw_exclude = (raw_exclude,)
    if not isinstance(raw_exclude, (list, tuple)):
        problems.append(SettingProblem(f"{where('exclude')} must be a list of glob patterns"))
        raw_exclude = ()
    for i, pattern in enumerate(raw_exclude):
        if isinstance(pattern, str) and pattern.strip():
            exclude.append(pattern)
        else:
            problems.append(SettingProblem(
                f"entry {i + 1} of {where('exclude')} is not a glob pattern: {_brief(pattern)}"))
    namespace = s.namespace
    raw_ns = data.get("namespace")
    if raw_ns not in (None, ""):
        if isinstance(raw_ns, str) and _DNS_LABEL.fullmatch(raw_ns):
            namespace = raw_ns
        else:
            problems.append(SettingProblem(
                f"{where('namespace')} must be a namespace name (a DNS label such as `team-a`), not {_brief(raw_ns)}"))
    for key in data:
        if str(key).lower() in _FORBIDDEN_KEYS:
            warnings.append(f"`{key}` is ignored in repository settings: choose clusters in user settings")
    return replace(s, kube_version=version, kube_versions=versions, severities=MappingProxyType(severities),
                   exclude=tuple(exclude), warnings=tuple(warnings), pod_security=pod_security,
                   packs=MappingProxyType(packs), namespace=namespace), problems


def _show(value: Any) -> str:
    return f"`{value}`" if isinstance(value, (str, int, float)) else _brief(value)


def _brief(value: Any, limit: int = 80) -> str:
    """A value as JSON for a message, cut short (a value from a hostile file may be huge)."""
    text = json.dumps(value, default=str)
    return text if len(text) <= limit else text[:limit] + "…"


MAX_TARGETS: Final = 6


def kube_versions_setting(value: Any) -> tuple[tuple[int, int], ...]:
    """A kubeVersion setting of one version, a list of them or a comma-separated string of them, as the
    distinct versions, oldest first; ConfigError says why it is not one."""
    if isinstance(value, str) and "," in value:
        value = [v for v in value.split(",") if v.strip()]
    items = value if isinstance(value, (list, tuple)) else [value]
    if not items:
        raise ConfigError("use MAJOR.MINOR such as 1.30, or a list of them")
    versions = tuple(sorted({_kube_version_setting(v) for v in items[:MAX_TARGETS + 1]}))
    if len(items) > MAX_TARGETS or len(versions) > MAX_TARGETS:
        raise ConfigError(f"at most {MAX_TARGETS} versions (each loads its own schemas)")
    return versions


def _kube_version_setting(value: Any) -> tuple[int, int]:
    """A kubeVersion setting as (major, minor); ConfigError says why it is not one."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ConfigError("use MAJOR.MINOR such as 1.30")
    try:
        version = parse_kube_version(value)
    except ConfigError:
        raise ConfigError("use MAJOR.MINOR such as 1.30") from None
    from kube_lsp.schema.bundled import bundled_versions

    if isinstance(value, float) and version[1] < 10 and (version[0], version[1] * 10) in bundled_versions():
        raise ConfigError(f"YAML and JSON read {version[0]}.{version[1]}0 as the number {value}: "
                          f"write it in quotes, \"{version[0]}.{version[1]}0\"")
    return version


_CLUSTER_TYPES: Final[dict[str, tuple[tuple[type, ...], str]]] = {
    "kubeconfig": ((str,), "a file path"),
    "context": ((str,), "a context name"),
    "connectTimeout": ((int, float), "a number of seconds above 0"),
    "timeout": ((int, float), "a number of seconds above 0"),
    "schemas": ((bool,), "true or false"),
    "live": ((bool,), "true or false"),
    "contexts": ((list,), "a list of context names"),
}


def read_cluster_settings(raw: Any, section: str = "kubeLsp") -> tuple[dict[str, Any], list[SettingProblem]]:
    """The user-level `cluster` settings (kubeconfig, context, timeouts), leaving out each entry of the wrong
    type, and the problems. Empty values mean "not set"."""
    where = f"{section}.cluster"
    if raw is None:
        return {}, []
    if not isinstance(raw, Mapping):
        return {}, [SettingProblem(f"{where} must be a mapping (kubeconfig, context, contexts, connectTimeout, "
                                   f"timeout, schemas, live), not {_brief(raw)}")]
    out: dict[str, Any] = {}
    problems: list[SettingProblem] = []
    for key, value in raw.items():
        if value in (None, ""):
            continue
        kinds, what = _CLUSTER_TYPES.get(str(key), ((object,), ""))
        bad = not isinstance(value, kinds) or (bool not in kinds and isinstance(value, bool))
        if not bad and float in kinds and not value > 0:
            bad = True
        if not bad and list in kinds and not all(isinstance(v, str) and v for v in value):
            bad = True
        if bad:
            problems.append(SettingProblem(f"{where}.{key} must be {what}, not {_brief(value)}"))
        else:
            out[str(key)] = value
    return out, problems


def settings_from_mapping(data: Mapping[str, Any], base: Settings | None = None) -> Settings:
    """`base` overridden by a mapping in the `.kube-lsp.yaml` / LSP settings format; any invalid entry
    raises ConfigError naming every problem."""
    settings, problems = read_settings(data, base)
    if problems:
        raise ConfigError("; ".join(p.message for p in problems))
    return settings


def find_config(start: Path) -> Path | None:
    """The nearest `.kube-lsp.yaml` in `start` or its parents."""
    here = start.resolve()
    for directory in (here, *here.parents):
        for name in CONFIG_NAMES:
            candidate = directory / name
            if candidate.is_file():
                return candidate
    return None


MAX_CONFIG_BYTES: Final = 1_000_000


def _config_mapping(path: Path) -> Mapping[str, Any] | None:
    """The configuration file as plain data, read with the limits manifests are read with (size, alias
    expansion, nesting): a hostile `.kube-lsp.yaml` costs a message, never a hang."""
    from kube_lsp.model import Severity
    from kube_lsp.parsing.loader import parse_stream
    from kube_lsp.parsing.nodes import YMap, to_python

    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise ConfigError(f"{path}: cannot read configuration: not a regular file")
        with open(path, "rb") as f:
            data = f.read(MAX_CONFIG_BYTES + 1)
        if len(data) > MAX_CONFIG_BYTES:
            raise ConfigError(f"{path}: cannot read configuration: it is over the {MAX_CONFIG_BYTES // 1000} kB "
                              "limit for configuration files")
        text = data.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from None
    docs = parse_stream(text)
    for doc in docs:
        error = next((f for f in doc.findings if f.severity == Severity.ERROR), None)
        if error is not None:
            reason = error.message.removesuffix("; it is not analysed").removesuffix("; this document is not analysed")
            raise ConfigError(f"{path}:{error.span.start.line + 1}: cannot read configuration: {reason}")
    if len(docs) > 1:
        raise ConfigError(f"{path}: the configuration must be a single YAML document, not {len(docs)}")
    root = docs[0].root if docs else None
    if root is None or (not isinstance(root, YMap) and getattr(root, "value", 0) is None):
        return None
    if not isinstance(root, YMap):
        raise ConfigError(f"{path}: the configuration must be a mapping")
    mapping: dict[str, Any] = to_python(root)
    return mapping


def read_config(path: Path, base: Settings | None = None) -> tuple[Settings, list[SettingProblem]]:
    """A `.kube-lsp.yaml` read leniently: invalid entries are left out and returned as problems (naming the
    file). Raises ConfigError only when the file cannot be read at all."""
    data = _config_mapping(path)
    settings, problems = read_settings(data, base) if data is not None else (base or Settings(), [])
    # `exclude` globs are relative to the directory that holds the configuration file.
    return (replace(settings, exclude_root=Path(os.path.abspath(path)).parent),
            [SettingProblem(f"{path}: {p.message}") for p in problems])


def load_config(path: Path, base: Settings | None = None) -> Settings:
    """A `.kube-lsp.yaml` read strictly: any invalid entry raises ConfigError naming every problem."""
    settings, problems = read_config(path, base)
    if problems:
        raise ConfigError("; ".join(p.message for p in problems))
    return settings
