"""`kubectl diff`-style diffs: per object, the live object against the dry-run result, as YAML.

`metadata.managedFields` is dropped, a new object is shown against nothing, and Secret `data` /
`stringData` values are masked (a diff never reveals a secret; changed values say so).
"""

from __future__ import annotations

import copy
import difflib
import io
import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.emitter import Emitter
from ruamel.yaml.representer import SafeRepresenter

MASK = "***"


class _KubectlRepresenter(SafeRepresenter):
    """Multi-line strings (config files in ConfigMaps) as literal blocks, one diff line per line, as
    kubectl's YAML library writes them."""


# Characters a literal block cannot hold as they are (carriage returns, other line breaks, controls):
# strings with them are double-quoted with escapes instead.
_NOT_IN_BLOCK = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]")


def _represent_str(representer: SafeRepresenter, value: str) -> Any:
    block = "\n" in value and not _NOT_IN_BLOCK.search(value)
    return representer.represent_scalar("tag:yaml.org,2002:str", value, style="|" if block else None)


_KubectlRepresenter.add_representer(str, _represent_str)


class _KubectlEmitter(Emitter):
    """Double quotes where a string cannot be plain (`"1"`, `"true"`), as kubectl writes them."""

    def choose_scalar_style(self) -> Any:
        style = super().choose_scalar_style()
        return '"' if style == "'" else style


def _clean(obj: dict[str, Any] | None) -> dict[str, Any] | None:
    if obj is None:
        return None
    out = copy.deepcopy(obj)
    meta = out.get("metadata")
    if isinstance(meta, dict):
        meta.pop("managedFields", None)
    return out


def mask_secrets(live: dict[str, Any] | None, merged: dict[str, Any] | None) -> None:
    """Replace Secret values in place: `***` when equal, `*** (before)` / `*** (after)` when changed."""
    if not any(o is not None and o.get("kind") == "Secret" for o in (live, merged)):
        return
    for key in ("data", "stringData"):
        before = _section(live, key)
        after = _section(merged, key)
        for name in set(before) | set(after):
            changed = before.get(name) != after.get(name)
            if name in before:
                before[name] = f"{MASK} (before)" if changed else MASK
            if name in after:
                after[name] = f"{MASK} (after)" if changed else MASK


def _section(obj: dict[str, Any] | None, key: str) -> dict[str, Any]:
    value = (obj or {}).get(key)
    return value if isinstance(value, dict) else {}


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def to_yaml(obj: dict[str, Any] | None) -> str:
    if obj is None:
        return ""
    y = YAML(typ="safe", pure=True)
    y.Representer, y.Emitter = _KubectlRepresenter, _KubectlEmitter
    y.default_flow_style = False
    buf = io.StringIO()
    y.dump(_sorted(obj), buf)
    return buf.getvalue()


def diff_sides(live: dict[str, Any] | None, merged: dict[str, Any] | None) -> tuple[str, str]:
    """The two sides of a diff as YAML (cleaned and masked): what editors show side by side."""
    live_c, merged_c = _clean(live), _clean(merged)
    mask_secrets(live_c, merged_c)
    return to_yaml(live_c), to_yaml(merged_c)


def object_diff(title: str, live: dict[str, Any] | None, merged: dict[str, Any] | None) -> str:
    """A unified diff with kubectl-like headers (`apps.v1.Deployment.default.web`); empty when equal."""
    return unified(title, *diff_sides(live, merged))


def unified(title: str, a: str, b: str) -> str:
    """The unified diff of two sides from diff_sides(); empty when equal."""
    if a == b:
        return ""
    return "".join(difflib.unified_diff(a.splitlines(keepends=True), b.splitlines(keepends=True),
                                        fromfile=f"live/{title}", tofile=f"merged/{title}"))
