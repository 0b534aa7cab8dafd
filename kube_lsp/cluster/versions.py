"""Each context's Kubernetes version and the apiVersion findings for it: one cluster may run 1.24, another
1.33, and `batch/v1beta1` CronJob is deprecated on the first and gone from the second.

`read_server_version` reads `GET /version` once (through the transport, as the server does for the chosen
cluster's analysis target); `api_version_findings` is pure: KL300 (not served by that version: removed, or not
yet served) and KL301 (deprecated there) from the API timeline (`kube_lsp/upgrade/timeline.py`: the bundled
schemas and the deprecation table, which also knows releases older than the bundled ones), each message
naming the context and what it runs: "… removed in 1.16 — prod runs v1.15.3".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from kube_lsp.cluster.transport import ClusterTransport
from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.loader import Document
from kube_lsp.parsing.nodes import YMap, YScalar, YSeq
from kube_lsp.schema.catalog import CLIENT_SIDE_GROUP_SUFFIXES, format_version
from kube_lsp.upgrade.timeline import Version, timeline


@dataclass(frozen=True, slots=True)
class ServerVersion:
    """What `/version` said: (major, minor) and gitVersion, or why it could not be read."""

    version: Version | None
    git: str = ""
    error: str = ""

    @property
    def label(self) -> str:
        if self.version is None:
            return f"Kubernetes version unknown: {self.error}" if self.error else "Kubernetes version unknown"
        return f"Kubernetes {self.git or format_version(self.version)}"

    def to_json(self) -> dict[str, str]:
        return {"kubeVersion": format_version(self.version) if self.version else "", "gitVersion": self.git,
                "error": self.error}


def read_server_version(transport: ClusterTransport) -> ServerVersion:
    """`GET /version` (a refusal or a strange answer is a ServerVersion with its error; an unreachable cluster
    raises ClusterUnreachableError, as every other read)."""
    from kube_lsp.cluster.schemas import server_version

    try:
        version, git = server_version(transport)
    except LookupError as exc:
        return ServerVersion(None, error=str(exc))
    return ServerVersion(version, git)


def api_version_findings(docs: Iterable[Document], version: Version, context: str, runs: str = "") -> list[Finding]:
    """KL300/KL301 of the documents' apiVersions for Kubernetes `version`, which `context` runs (`runs`: its
    gitVersion, else the version)."""
    runs = runs or format_version(version)
    out: list[Finding] = []
    for doc in docs:
        if isinstance(doc.root, YMap) and not doc.templated:
            out.extend(_object(doc.root, doc.index, version, context, runs))
    return out


def _object(root: YMap, index: int, version: Version, context: str, runs: str) -> Iterator[Finding]:
    av_node, kind_node = root.get("apiVersion"), root.get("kind")
    if not isinstance(av_node, YScalar) or not isinstance(kind_node, YScalar):
        return
    av, kind = av_node.value, kind_node.value
    if not isinstance(av, str) or not isinstance(kind, str):
        return
    if av == "v1" and kind == "List":
        items = root.get("items")
        for item in items.items if isinstance(items, YSeq) else ():
            if isinstance(item, YMap):
                yield from _object(item, index, version, context, runs)
        return
    if av.split("/")[0].endswith(CLIENT_SIDE_GROUP_SUFFIXES):
        return
    tl = timeline(av, kind)
    if tl is None:  # a custom resource: the cluster's dry-run says whether it is served
        return
    target = format_version(version)
    where = f" — {context} runs {runs}" if context else f" — the cluster runs {runs}"
    use = f"; use `{tl.replacement}`" if tl.replacement else ""
    data = {"context": context, "kubeVersion": target, "apiVersion": av, "object": kind}
    if not tl.serves(version):
        if tl.removed is not None and version >= tl.removed:
            why = f"removed in {format_version(tl.removed)}{use}"
        elif tl.introduced is not None and version < tl.introduced:
            why = f"served from {format_version(tl.introduced)}"
        else:
            why = f"not served by that release{use}"
        yield Finding(span=av_node.span, severity=Severity.ERROR, code="KL300", path="apiVersion", doc=index,
                      message=f"`{av}` {kind} is not served by Kubernetes {target}: {why}{where}", data=data)
    elif tl.deprecated is not None and version >= tl.deprecated:
        removal = f" and removed in {format_version(tl.removed)}" if tl.removed else ""
        yield Finding(span=av_node.span, severity=Severity.WARNING, code="KL301", path="apiVersion", doc=index,
                      message=f"`{av}` {kind} is deprecated since Kubernetes {format_version(tl.deprecated)}"
                      f"{removal}{use}{where}", data=data)


__all__ = ["ServerVersion", "api_version_findings", "read_server_version"]
