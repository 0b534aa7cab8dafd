"""Drift: where the live object differs from the file, in the fields the file sets. Pure.

The comparison is between the live object and the server-side-apply dry-run of the file (`merged`, from
dryrun.py): both went through the same defaulting and normalisation, so `500m` against `0.5` is no drift,
and a field is reported only when applying the file would change it. Lists of objects are matched by their
merge key (`name`, `containerPort`, ...), as server-side apply matches them.
"""

from __future__ import annotations

import json
from typing import Any, Final

from kube_lsp.cluster.live import DRIFT, MASK, Masker
from kube_lsp.model import Finding, Severity, Span
from kube_lsp.parsing.nodes import YMap, YNode, YScalar, YSeq, json_key

_MISSING: Final = object()
# Fields a file may set that the server owns or rewrites: never drift.
_SKIP_ROOT: Final = frozenset({"apiVersion", "kind", "status"})
_SKIP_META: Final = frozenset({"managedFields", "resourceVersion", "uid", "creationTimestamp", "generation",
                               "selfLink", "deletionTimestamp", "name", "namespace", "generateName"})
_MERGE_KEYS: Final = ("name", "containerPort", "port", "mountPath", "devicePath", "ip", "topologyKey")
MAX_VALUE: Final = 80


def _child(value: Any, key: str) -> Any:
    return value.get(key, _MISSING) if isinstance(value, dict) else _MISSING


def _show(value: Any) -> str:
    if value is _MISSING:
        return "not set"
    text = json.dumps(value, separators=(", ", ": "), sort_keys=True) if not isinstance(value, str) else value
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def _merge_key(seq: YSeq) -> str | None:
    for key in _MERGE_KEYS:
        if seq.items and all(isinstance(i, YMap) and isinstance(i.get(key), YScalar) for i in seq.items):
            return key
    return None


def _find(items: Any, key: str, value: Any) -> Any:
    if not isinstance(items, list):
        return _MISSING
    for item in items:
        if isinstance(item, dict) and item.get(key) == value:
            return item
    return _MISSING


def drift_findings(root: YMap, doc: int, live: dict[str, Any] | None, merged: dict[str, Any] | None,
                   mask: Masker | None = None, context: str = "") -> list[Finding]:
    """An information finding on each field the file sets whose live value differs from what applying the
    file would store; none when the object does not exist yet or the dry-run was rejected."""
    if live is None or merged is None:
        return []
    mask = mask or Masker()
    secret = live.get("kind") == "Secret" or merged.get("kind") == "Secret"
    out: list[Finding] = []

    def leaf(span: Span, path: str, lv: Any, mv: Any) -> None:
        if mv is _MISSING or lv == mv:
            return  # the server dropped the field (pruned), or nothing changes
        shown = MASK if secret and path.split(".")[0] in ("data", "stringData") else mask(_show(lv))
        out.append(Finding(span=span, severity=Severity.INFO, code=DRIFT, path=path, doc=doc,
                           message=f"drift: the cluster has a different value (live: {shown}); applying this "
                                   "file changes it",
                           data={"live": True, "context": context}))

    def walk(node: YNode, lv: Any, mv: Any, path: str, key_span: Span | None) -> None:
        if isinstance(node, YMap):
            for k, v in node.pairs:
                name = json_key(k)
                if (not path and name in _SKIP_ROOT) or (path == "metadata" and name in _SKIP_META):
                    continue
                walk(v, _child(lv, name), _child(mv, name), f"{path}.{name}" if path else name, k.span)
        elif isinstance(node, YSeq):
            key = _merge_key(node)
            if key is None:
                if key_span is not None:
                    leaf(key_span, path, lv, mv)
                return
            for item in node.items:
                assert isinstance(item, YMap)
                kv = item.get(key)
                assert isinstance(kv, YScalar)
                walk(item, _find(lv, key, kv.value), _find(mv, key, kv.value), f"{path}[{key}={kv.value}]", None)
        elif isinstance(node, YScalar):
            leaf(node.span, path, lv, mv)

    walk(root, live, merged, "", None)
    return out
