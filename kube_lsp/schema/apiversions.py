"""apiVersion checks: removed or not yet served (KL300), deprecated (KL301), unknown kind in a built-in group
(KL205).

What the target serves is what its catalog holds (the bundled schemas of that Kubernetes version, or the
cluster's own); `schemas/api-versions.yaml` adds what the schemas cannot say: deprecations, and removals
older than the bundled versions. A suggested apiVersion is always one the target serves, preferring one
that is not deprecated there, then the most stable (GA > beta > alpha), then the newest.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Final

from kube_lsp.model import Finding, Fix, Severity, Span, TextEdit
from kube_lsp.parsing.nodes import YMap, YScalar
from kube_lsp.schema.catalog import (
    Catalog,
    bundled_versions,
    format_version,
    served_in_any_version,
    split_api_version,
)
from kube_lsp.schema.overlays import ApiChange, api_changes
from kube_lsp.suggest import suggest

Version = tuple[int, int]

_VERSION_RE: Final = re.compile(r"v(\d+)(?:(alpha|beta)(\d+))?$")
_STABILITY: Final = {"alpha": 0, "beta": 1, None: 2}


def stability_key(api_version: str) -> tuple[int, int, int]:
    """Orders the versions of one API from least to most preferred: alpha < beta < GA, then older < newer.

    `v1alpha1` < `v1beta1` < `v1beta3` < `v2beta1` < `v1` < `v2`: any GA version outranks every
    pre-release. A version that does not follow Kubernetes' naming ranks lowest.
    """
    m = _VERSION_RE.match(split_api_version(api_version)[1])
    if m is None:
        return (-1, 0, 0)
    return (_STABILITY[m.group(2)], int(m.group(1)), int(m.group(3) or 0))


def is_ga(api_version: str) -> bool:
    return stability_key(api_version)[0] == _STABILITY[None]


def deprecated_in(api_version: str, kind: str, target: Version) -> bool:
    change = api_changes().get((api_version, kind))
    return change is not None and change.deprecated is not None and target >= change.deprecated


def best_replacement(api_version: str, kind: str, catalog: Catalog) -> str | None:
    """The apiVersion to use instead of `api_version` for `kind`, among those the target serves.

    Candidates are the other versions of the same group, plus the deprecation table's replacement (which
    may be in another group, e.g. Ingress moved to networking.k8s.io); when there are none, any group that
    serves the kind. Preferred: not deprecated in the target, then the most stable, then the newest.
    """
    served = [av for av in catalog.served_kinds().get(kind, []) if av != api_version]
    if not served:
        return None
    group = split_api_version(api_version)[0]
    change = api_changes().get((api_version, kind))
    hinted = change.replacement_api_version if change is not None else None
    pool = [av for av in served if split_api_version(av)[0] == group or av == hinted] or served
    return max(pool, key=lambda av: (not deprecated_in(av, kind, catalog.version), stability_key(av),
                                     split_api_version(av)[0] == group, av == hinted, av))


def _rewrite(node: YScalar, new: str, safe: bool) -> Fix:
    span = node.span
    text = new
    if node.style in ("'", '"'):
        text = f"{node.style}{new}{node.style}"
    return Fix(f"Change apiVersion to `{new}`", (TextEdit(span, text),), safe=safe)


@functools.cache
def _known_groups() -> frozenset[str]:
    """API groups of Kubernetes itself in any bundled version or in the deprecation table."""
    pairs = (*served_in_any_version(), *api_changes())
    return frozenset(split_api_version(av)[0] for av, _ in pairs)


def _first_after(versions: Iterable[Version], after: Version) -> Version | None:
    return next((v for v in sorted(versions) if v > after), None)


def check_api_version(
    api_version: YScalar, kind: YScalar, catalog: Catalog, doc: int, root: YMap | None = None,
    lines: list[str] | None = None, first_line: int = 0,
) -> tuple[list[Finding], bool]:
    """Findings about the (apiVersion, kind) pair, and whether the document should still be validated.

    With the object `root` and its document's `lines` (the first being line `first_line`), the fix to a
    replacement is the whole migration (kube_lsp/upgrade/migrate.py), not only the apiVersion string."""
    av, k = str(api_version.value), str(kind.value)

    def rewrite(new: str) -> Fix:
        if root is not None and lines:
            from kube_lsp.upgrade.migrate import migration_fix

            return migration_fix(root, api_version, av, k, new, lines, first_line)
        return _rewrite(api_version, new, safe=False)

    target = catalog.version
    tv = format_version(target)
    change = api_changes().get((av, k))
    findings: list[Finding] = []

    def add(span: Span, sev: Severity, code: str, msg: str, fixes: tuple[Fix, ...] = (), **data: object) -> None:
        findings.append(Finding(span=span, severity=sev, code=code, message=msg, fixes=fixes,
                                path="apiVersion" if code != "KL205" else "kind", doc=doc, data=dict(data)))

    def not_served(message: str) -> tuple[list[Finding], bool]:
        choice = best_replacement(av, k, catalog)
        if choice is not None:
            add(api_version.span, Severity.ERROR, "KL300", f"{message}; use `{choice}`",
                (rewrite(choice),), replacement=choice)
        elif change is not None and change.replacement is None:
            add(api_version.span, Severity.ERROR, "KL300", f"{message}; it has no replacement", replacement=None)
        elif change is not None and change.replacement_api_version is None:  # the kind changed too
            add(api_version.span, Severity.ERROR, "KL300", f"{message}; use `{change.replacement}`",
                replacement=change.replacement)
        else:
            add(api_version.span, Severity.ERROR, "KL300",
                f"{message}; Kubernetes {tv} serves no apiVersion of {k}", replacement=None)
        return findings, False

    if change is not None and change.removed is not None and target >= change.removed:
        return not_served(f"`{av}` {k} was removed in Kubernetes {format_version(change.removed)} (target {tv})")
    if catalog.lookup(av, k) is not None:
        if change is not None and change.deprecated is not None and target >= change.deprecated:
            message, replacement = _deprecation(av, k, change, catalog)
            fixes = (rewrite(replacement),) if replacement and " " not in replacement else ()
            add(api_version.span, Severity.WARNING, "KL301", message, fixes, replacement=replacement)
        return findings, True

    group, _ = split_api_version(av)
    builtin = catalog.is_builtin_group(group) or group in _known_groups()
    if not builtin:
        return findings, True  # a custom resource: the caller reports a missing schema
    history = served_in_any_version().get((av, k))
    if history and target < history[0] and history[0] != bundled_versions()[0]:
        status = "GA" if is_ga(av) else "served"
        return not_served(f"`{av}` {k} is not served yet in Kubernetes {tv} "
                          f"(it is {status} from {format_version(history[0])})")
    if history and target > history[-1]:
        removed = _first_after(bundled_versions(), history[-1])
        if removed is not None and removed <= target:
            return not_served(f"`{av}` {k} was removed in Kubernetes {format_version(removed)} (target {tv})")
        return not_served(f"`{av}` {k} is not served by Kubernetes {tv} "
                          f"(it was last served in {format_version(history[-1])})")
    if history or catalog.served_kinds().get(k):
        return not_served(f"`{av}` does not serve {k} in Kubernetes {tv}")
    kinds_here = [kk for (a, kk) in catalog.by_gvk if a == av]
    if kinds_here:
        close = suggest(k, kinds_here)
        if close:
            fix = Fix(f"Change kind to `{close[0]}`", (TextEdit(kind.span, close[0]),), safe=True)
            add(kind.span, Severity.ERROR, "KL205",
                f"unknown kind `{k}` in `{av}` — did you mean `{close[0]}`?", (fix,), suggestion=close[0])
        else:
            add(kind.span, Severity.ERROR, "KL205",
                f"`{av}` has no kind `{k}` in Kubernetes {tv}")
        return findings, False
    add(api_version.span, Severity.ERROR, "KL300",
        f"`{av}` is not served by Kubernetes {tv}")
    return findings, False


def _deprecation(av: str, kind: str, change: ApiChange, catalog: Catalog) -> tuple[str, str | None]:
    """The KL301 message and what to use instead: a version the target serves and has not deprecated, not
    simply the table's replacement (flowcontrol's v1 arrived three releases after v1beta2 was deprecated)."""
    since = format_version(change.deprecated) if change.deprecated else format_version(catalog.version)
    removal = f" and will be removed in {format_version(change.removed)}" if change.removed else ""
    message = f"`{av}` {kind} is deprecated since Kubernetes {since}{removal}"
    if change.replacement is not None and change.replacement_api_version is None:  # the kind changes too
        return f"{message}; use `{change.replacement}`", change.replacement
    choice = best_replacement(av, kind, catalog)
    if choice is None or deprecated_in(choice, kind, catalog.version):
        return message, None
    return f"{message}; use `{choice}`", choice
