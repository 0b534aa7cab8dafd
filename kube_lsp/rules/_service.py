"""A Service's spec as the API server sees it after defaulting (not a rule): type ClusterIP and protocol
TCP when unset, the clusterIPs made from clusterIP, and the port list."""

from __future__ import annotations

from dataclasses import dataclass

from kube_lsp.parsing.nodes import YMap, YNode, YScalar, YSeq


@dataclass(frozen=True, slots=True)
class Port:
    index: int
    node: YMap
    path: str

    def scalar(self, key: str) -> YScalar | None:
        v = self.node.get(key)
        return v if isinstance(v, YScalar) else None

    def int_of(self, key: str) -> int | None:
        v = self.scalar(key)
        if v is None or isinstance(v.value, bool) or not isinstance(v.value, int):
            return None
        return v.value

    @property
    def protocol(self) -> str:
        v = self.scalar("protocol")
        return v.value if v is not None and isinstance(v.value, str) and v.value else "TCP"

    @property
    def name(self) -> str:
        v = self.scalar("name")
        return v.value if v is not None and isinstance(v.value, str) else ""


KNOWN_TYPES = frozenset({"ClusterIP", "NodePort", "LoadBalancer", "ExternalName"})


def service_type(spec: YMap) -> str:
    v = spec.get("type")
    return v.value if isinstance(v, YScalar) and isinstance(v.value, str) and v.value else "ClusterIP"


def ports(spec: YMap) -> list[Port]:
    node = spec.get("ports")
    if not isinstance(node, YSeq):
        return []
    return [Port(i, p, f"spec.ports[{i}]") for i, p in enumerate(node.items) if isinstance(p, YMap)]


def cluster_ips(spec: YMap) -> list[str]:
    """spec.clusterIPs as normalizeClusterIPs leaves it on create: clusterIPs, else [clusterIP] when set."""
    ips = spec.get("clusterIPs")
    if isinstance(ips, YSeq) and ips.items:
        return [i.value for i in ips.items if isinstance(i, YScalar) and isinstance(i.value, str)]
    ip = spec.get("clusterIP")
    if isinstance(ip, YScalar) and isinstance(ip.value, str) and ip.value:
        return [ip.value]
    return []


def is_headless(spec: YMap) -> bool:
    ips = cluster_ips(spec)
    return len(ips) == 1 and ips[0] == "None"


def present(node: YNode | None) -> bool:
    """A field that the API server sees as set (not absent, not null)."""
    return node is not None and not (isinstance(node, YScalar) and node.value is None)


def empty_list(node: YNode | None) -> bool:
    """Absent, null or `[]`: what Go sees as an empty slice. A value of another type is the schema's
    finding (KL201), not an empty list."""
    if node is None:
        return True
    if isinstance(node, YScalar):
        return node.value is None
    return isinstance(node, YSeq) and not node.items


def absent(node: YNode | None) -> bool:
    """Missing, null or "": what the API server sees as unset. Anything else (even a mapping where a
    string belongs, as an unquoted `{{ template }}` composes) counts as given."""
    if node is None:
        return True
    return isinstance(node, YScalar) and (node.value is None or node.value == "")
