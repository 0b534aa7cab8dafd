"""What the best-practice rules (KL420-KL436) share: the pods of an object and where findings about missing
settings go."""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Span
from kube_lsp.parsing.nodes import YMap
from kube_lsp.rules._pss import POD_KINDS, Pod, pod_of
from kube_lsp.rules.base import ObjectContext, key_span
from kube_lsp.workloads import LONG_RUNNING, Container

__all__ = ["LONG_RUNNING", "POD_KINDS", "Pod", "anchor", "app_containers", "pod_of", "resources_of"]


def app_containers(pod: Pod) -> Iterator[Container]:
    """Init and regular containers (ephemeral containers have no resources, probes or ports)."""
    return iter(pod.regular)


def anchor(c: Container, *keys: str) -> Span:
    """The first of `keys` present in the container, else its `name` key, else its first key."""
    for key in (*keys, "name"):
        if c.node.key_node(key) is not None:
            return key_span(c.node, key)
    return c.node.pairs[0][0].span if c.node.pairs else c.node.span


def resources_of(c: Container) -> tuple[YMap | None, YMap | None]:
    """The container's (requests, limits) mappings."""
    res = c.node.get("resources")
    if not isinstance(res, YMap):
        return None, None
    req, lim = res.get("requests"), res.get("limits")
    return (req if isinstance(req, YMap) else None), (lim if isinstance(lim, YMap) else None)


def containers_without(ctx: ObjectContext, resource: str, which: str) -> Iterator[Container]:
    """The app containers of the object's pod that set no `which` ("requests" or "limits") of `resource`; a
    limit counts as the request too (the API server defaults a missing request to the limit). Nothing for
    Kustomize patches: the base may set it."""
    pod = pod_of(ctx)
    if pod is None or ctx.partial:
        return
    for c in app_containers(pod):
        requests, limits = resources_of(c)
        if limits is not None and limits.get(resource) is not None:
            continue
        if which == "requests" and requests is not None and requests.get(resource) is not None:
            continue
        yield c


def whole_object(ctx: ObjectContext) -> bool:
    """Rules about missing settings skip Kustomize patches: the base may have them."""
    return not ctx.partial
