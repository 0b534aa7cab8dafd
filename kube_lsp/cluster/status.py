"""API-server answers → findings pinned to the YAML: `Status` errors of every shape, and warnings."""

from __future__ import annotations

import re
from typing import Any, Final

from kube_lsp.model import Finding, Severity, Span
from kube_lsp.parsing.nodes import YMap, YScalar
from kube_lsp.parsing.positions import locate

# `json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32`
_GO_FIELD_RE: Final = re.compile(r"Go struct field \w+\.([\w.\[\]]+) of type")
# `strict decoding error: unknown field "spec.template.spec.containers[0].imagePullPolicyy"`
_QUOTED_FIELD_RE: Final = re.compile(r'(?:unknown field|duplicate field) "([^"]+)"')
# server-side apply: `.spec.template.spec.containers[name="web"].imagePullPolicyy: field not declared in schema`
_SMD_PATH_RE: Final = re.compile(r'(?<![\w)])(\.[A-Za-z_$][^\s:]*): ')
_FORBIDDEN_RE: Final = re.compile(
    r'User "(?P<user>[^"]*)" cannot (?P<verb>\w+) resource "(?P<resource>[^"]+)"'
    r'(?: in API group "(?P<group>[^"]*)")?(?: in the namespace "(?P<ns>[^"]*)")?')


def object_anchor(root: YMap) -> Span:
    """Where to report what concerns a whole object: its `metadata.name`, else its `kind`."""
    meta = root.get("metadata")
    if isinstance(meta, YMap):
        name = meta.get("name") or meta.get("generateName")
        if isinstance(name, YScalar):
            return name.span
    kind = root.get("kind")
    if isinstance(kind, YScalar):
        return kind.span
    return root.span if root.span.start.line == root.span.end.line else Span(root.span.start, root.span.start)


# 422 cause reasons about a value the file has (report on the value), rather than a missing or extra key.
_VALUE_REASONS: Final = frozenset({"FieldValueInvalid", "FieldValueNotSupported", "FieldValueTypeInvalid",
                                   "FieldValueDuplicate", "FieldValueTooLong", "FieldValueTooMany"})


def _at(root: YMap, field: str | None, on_value: bool = False) -> tuple[Span, bool]:
    if field:
        hit = locate(root, field)
        if hit is not None:
            return (hit.value_or_key if on_value else hit.span), hit.found
    return object_anchor(root), False


def status_findings(status: Any, root: YMap, doc: int, what: str) -> list[Finding]:
    """Findings for a non-2xx answer to a dry-run of one object (`what` names it, e.g. Deployment web)."""
    if not isinstance(status, dict):
        status = {"message": str(status)}
    code = int(status.get("code") or 0)
    reason = str(status.get("reason") or "")
    message = str(status.get("message") or reason or f"HTTP {code}")
    details = status.get("details") or {}
    causes = details.get("causes") or []

    def finding(span: Span, text: str, field: str = "", rule: str = "KL900",
                severity: Severity = Severity.ERROR) -> Finding:
        return Finding(span=span, severity=severity, code=rule, message=text, path=field, doc=doc,
                       data={"status": code, "reason": reason})

    if code == 403 or reason == "Forbidden":
        if "admission webhook" in message:
            return [finding(object_anchor(root), f"the cluster's admission webhook denied {what}: {message}")]
        m = _FORBIDDEN_RE.search(message)
        if m:
            res = m.group("resource") + (f".{m.group('group')}" if m.group("group") else "")
            ns = f" in namespace {m.group('ns')}" if m.group("ns") else ""
            text = (f"the cluster refused to {m.group('verb')} {res}{ns} for user {m.group('user')} (RBAC): "
                    "dry-run needs the same permission as a real apply")
        else:
            text = f"forbidden: {message}"
        return [finding(object_anchor(root), text, rule="KL903")]
    if code == 401 or reason == "Unauthorized":
        return [finding(object_anchor(root), "the cluster rejected the credentials (401 Unauthorized)", rule="KL903")]
    if causes and code in (409, 422, 400):
        out = []
        for cause in causes:
            field = str(cause.get("field") or "")
            span, exact = _at(root, field, str(cause.get("reason")) in _VALUE_REASONS)
            text = str(cause.get("message") or message)
            if field and not exact:
                text = f"{field}: {text}"
            if code == 409:
                text = f"apply conflict: {text}"
            out.append(finding(span, f"{text} (rejected by the API server's dry-run)", field.lstrip(".")))
        return out
    if "admission webhook" in message:
        return [finding(object_anchor(root), f"the cluster's admission webhook denied {what}: {message}")]
    m = _GO_FIELD_RE.search(message) or _QUOTED_FIELD_RE.search(message) or _SMD_PATH_RE.search(message)
    if m:
        field = m.group(1)
        span, exact = _at(root, field, m.re is _GO_FIELD_RE)
        return [finding(span, f"{message} (rejected by the API server's dry-run)", field if exact else "")]
    if code == 404:
        span = object_anchor(root)
        if details.get("kind") == "namespaces":  # the object's namespace does not exist
            span, _ = _at(root, "metadata.namespace", on_value=True)
        return [finding(span, f"{message} (404 Not Found)", rule="KL902")]
    return [finding(object_anchor(root), f"{what} was rejected: {message}")]


def warning_findings(warnings: tuple[str, ...], root: YMap, doc: int) -> list[Finding]:
    out = []
    for text in warnings:
        m = _QUOTED_FIELD_RE.search(text)
        span, _ = _at(root, m.group(1) if m else None)
        if not m and "deprecated" in text:
            av = root.get("apiVersion")
            span = av.span if isinstance(av, YScalar) else span
        out.append(Finding(span=span, severity=Severity.WARNING, code="KL901",
                           message=f"API server warning: {text}", doc=doc))
    return out
