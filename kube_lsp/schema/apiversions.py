"""apiVersion checks: removed (KL300), deprecated (KL301), unknown kind in a built-in group (KL205)."""

from __future__ import annotations

from kube_lsp.model import Finding, Fix, Severity, Span, TextEdit
from kube_lsp.parsing.nodes import YScalar
from kube_lsp.schema.catalog import Catalog, format_version, served_in_any_version, split_api_version
from kube_lsp.schema.overlays import api_changes
from kube_lsp.suggest import suggest


def _rewrite(node: YScalar, new: str, safe: bool) -> Fix:
    span = node.span
    text = new
    if node.style in ("'", '"'):
        text = f"{node.style}{new}{node.style}"
    return Fix(f"Change apiVersion to `{new}`", (TextEdit(span, text),), safe=safe)


def check_api_version(
    api_version: YScalar, kind: YScalar, catalog: Catalog, doc: int
) -> tuple[list[Finding], bool]:
    """Findings about the (apiVersion, kind) pair, and whether the document should still be validated."""
    av, k = str(api_version.value), str(kind.value)
    target = catalog.version
    tv = format_version(target)
    change = api_changes().get((av, k))
    findings: list[Finding] = []

    def add(span: Span, sev: Severity, code: str, msg: str, fixes: tuple[Fix, ...] = (), **data: object) -> None:
        findings.append(Finding(span=span, severity=sev, code=code, message=msg, fixes=fixes,
                                path="apiVersion" if code != "KL205" else "kind", doc=doc, data=dict(data)))

    if change is not None and change.removed is not None and target >= change.removed:
        repl = change.replacement_api_version
        instead = f"; use `{change.replacement}`" if change.replacement else "; it has no replacement"
        fixes = (_rewrite(api_version, repl, safe=False),) if repl else ()
        add(api_version.span, Severity.ERROR, "KL300",
            f"`{av}` {k} was removed in Kubernetes {format_version(change.removed)} "
            f"(target {tv}){instead}", fixes, replacement=change.replacement)
        return findings, False
    if catalog.lookup(av, k) is not None:
        if change is not None and change.deprecated is not None and target >= change.deprecated:
            repl = change.replacement_api_version
            removal = (f" and will be removed in {format_version(change.removed)}"
                       if change.removed else "")
            instead = f"; use `{change.replacement}`" if change.replacement else ""
            fixes = (_rewrite(api_version, repl, safe=False),) if repl else ()
            add(api_version.span, Severity.WARNING, "KL301",
                f"`{av}` {k} is deprecated since Kubernetes {format_version(change.deprecated)}"
                f"{removal}{instead}", fixes, replacement=change.replacement)
        return findings, True

    group, _ = split_api_version(av)
    builtin = catalog.is_builtin_group(group) or any(split_api_version(a)[0] == group
                                                     for a, _ in api_changes())
    if not builtin:
        return findings, True  # a custom resource: the caller reports a missing schema
    served = catalog.served_kinds()
    versions_for_kind = sorted(served.get(k, []))
    if versions_for_kind:
        same_group = [a for a in versions_for_kind if split_api_version(a)[0] == group]
        choice = (same_group or versions_for_kind)[0]
        history = served_in_any_version().get((av, k))
        when = ""
        if history:
            last = history[-1]
            when = f"; it was last served in Kubernetes {format_version(last)}"
        add(api_version.span, Severity.ERROR, "KL300",
            f"`{av}` does not serve {k} in Kubernetes {tv}{when}; use `{choice}`",
            (_rewrite(api_version, choice, safe=False),), replacement=choice)
        return findings, False
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
