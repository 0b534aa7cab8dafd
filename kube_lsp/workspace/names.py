"""Small facts about names that the rules need at import time (kept light: the rule registry imports them)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from kube_lsp.workspace.index import Obj
    from kube_lsp.workspace.model import Workspace

# Built-in kinds that live outside namespaces (their references and duplicates ignore namespaces).
CLUSTER_SCOPED: Final = frozenset({
    "Namespace", "Node", "PersistentVolume", "StorageClass", "PriorityClass", "IngressClass", "RuntimeClass",
    "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
    "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding", "APIService", "CSIDriver", "CSINode",
    "VolumeAttachment", "CertificateSigningRequest", "FlowSchema", "PriorityLevelConfiguration", "GatewayClass",
    "VolumeSnapshotClass", "ClusterIssuer", "DeviceClass", "IPAddress", "ServiceCIDR", "ComponentStatus",
})

def quoted(text: str, quote: str) -> str:
    """`text` as a scalar in the given quote style."""
    if quote == "'":
        return "'" + text.replace("'", "''") + "'"
    if quote == '"':
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def where(ws: Workspace, o: Obj) -> str:
    """`config/app.yaml:3` (1-based line of its name)."""
    return f"{ws.label(o.origin)}:{o.name_span.start.line + 1}"
