"""A NetworkPolicy port, port range or peer is not what the API server accepts.

## What it does
Checks each `ports` item of `spec.ingress[]` and `spec.egress[]` (a `port` number 1-65535 or an IANA
port name; `endPort` only with a numeric `port`, at least `port` and at most 65535) and each peer of
`from`/`to` (at least one of `podSelector`, `namespaceSelector` and `ipBlock`; `ipBlock` alone; every
`except` range inside `cidr`).

## Why is this bad?
The API server refuses the policy: `spec.ingress[0].ports[0].endPort: Invalid value: 8000: must be
greater than or equal to `port`` or `spec.ingress[0].from[0]: Required value: must specify a peer`.

## Example
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
spec:
  podSelector: {}
  ingress:
    - ports:
        - port: 8080
          endPort: 8000
```

## Use instead
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
spec:
  podSelector: {}
  ingress:
    - ports:
        - port: 8000
          endPort: 8080
```

## References
`ValidateNetworkPolicySpec`, `ValidateNetworkPolicyPort`, `ValidateNetworkPolicyPeer` and
`ValidateIPBlock` in `pkg/apis/networking/validation/validation.go`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.nodes import YMap, YNode, YScalar, YSeq
from kube_lsp.rules import _apimachinery as am
from kube_lsp.rules.base import ObjectContext, Rule, key_span

_PEERS = ("podSelector", "namespaceSelector", "ipBlock")


def _int(node: YNode | None) -> int | None:
    if isinstance(node, YScalar) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    return None


def _set(node: YNode | None) -> bool:
    return node is not None and not (isinstance(node, YScalar) and node.value is None)


def check(ctx: ObjectContext) -> Iterator[Finding]:
    spec = ctx.spec
    if ctx.group != "networking.k8s.io" or spec is None:
        return
    for direction, peers_key in (("ingress", "from"), ("egress", "to")):
        rules = spec.get(direction)
        if not isinstance(rules, YSeq):
            continue
        for i, rule in enumerate(rules.items):
            if not isinstance(rule, YMap):
                continue
            rpath = f"spec.{direction}[{i}]"
            ports = rule.get("ports")
            if isinstance(ports, YSeq):
                for j, port in enumerate(ports.items):
                    if isinstance(port, YMap):
                        yield from _port(ctx, port, f"{rpath}.ports[{j}]")
            peers = rule.get(peers_key)
            if isinstance(peers, YSeq):
                for j, peer in enumerate(peers.items):
                    if isinstance(peer, YMap):
                        yield from _peer(ctx, peer, f"{rpath}.{peers_key}[{j}]")


def _port(ctx: ObjectContext, port: YMap, path: str) -> Iterator[Finding]:
    p, end = port.get("port"), port.get("endPort")
    pnum, enum_ = _int(p), _int(end)
    if isinstance(p, YScalar) and pnum is not None:
        for m in am.is_valid_port_num(pnum):
            yield ctx.finding(RULE, p.span, am.invalid(path + ".port", pnum, m), path=path + ".port")
        if isinstance(end, YScalar) and enum_ is not None:
            if enum_ < pnum:
                yield ctx.finding(RULE, end.span, am.invalid(path + ".endPort", enum_, "must be greater than or equal "
                                                             "to `port`") + f" — the range starts at port {pnum}",
                                  path=path + ".endPort")
            for m in am.is_valid_port_num(enum_):
                yield ctx.finding(RULE, end.span, am.invalid(path + ".endPort", enum_, m), path=path + ".endPort")
    elif isinstance(p, YScalar) and isinstance(p.value, str):
        if isinstance(end, YScalar) and enum_ is not None:
            yield ctx.finding(RULE, end.span, am.invalid(path + ".endPort", enum_, "may not be specified when `port` "
                                                         "is non-numeric"), path=path + ".endPort")
        if not am.substituted(p.value):
            msgs = am.is_valid_port_name(p.value)
            if msgs:
                yield ctx.finding(RULE, p.span, "; ".join(am.invalid(path + ".port", p.value, m) for m in msgs)
                                  + " — a string port names a container port (an IANA service name)",
                                  path=path + ".port")
    elif p is None and isinstance(end, YScalar) and enum_ is not None:
        yield ctx.finding(RULE, end.span, am.invalid(path + ".endPort", enum_, "may not be specified when `port` is "
                                                     "not specified"), path=path + ".endPort")


def _peer(ctx: ObjectContext, peer: YMap, path: str) -> Iterator[Finding]:
    present = [k for k in _PEERS if _set(peer.get(k))]
    if not present:
        if not ctx.partial:
            yield ctx.finding(RULE, peer.span, f"{path}: Required value: must specify a peer — give a podSelector, "
                              "namespaceSelector or ipBlock", path=path)
        return
    if len(present) > 1 and "ipBlock" in present:
        yield ctx.finding(RULE, key_span(peer, "ipBlock"), f"{path}: Forbidden: may not specify both ipBlock and "
                          "another peer — put the ipBlock in a peer of its own", path=path)
    ipb = peer.get("ipBlock")
    if not isinstance(ipb, YMap):
        return
    cidr = ipb.get("cidr")
    if not (isinstance(cidr, YScalar) and isinstance(cidr.value, str)):
        return
    try:
        net = ipaddress.ip_network(cidr.value, strict=False)
    except ValueError:
        return  # its format is the IP validation's business (the server may accept legacy forms)
    excepts = ipb.get("except")
    if not isinstance(excepts, YSeq):
        return
    for k, e in enumerate(excepts.items):
        if not (isinstance(e, YScalar) and isinstance(e.value, str)):
            continue
        try:
            sub = ipaddress.ip_network(e.value, strict=False)
        except ValueError:
            continue
        inside = sub.version == net.version and sub.network_address in net and net.prefixlen < sub.prefixlen
        if not inside:
            yield ctx.finding(RULE, e.span, am.invalid(f"{path}.ipBlock.except[{k}]", e.value,
                                                       "must be a strict subset of `cidr`")
                              + f" — {cidr.value} does not contain it", path=f"{path}.ipBlock.except[{k}]")


RULE = Rule(
    code="KL226", name="invalid-network-policy", severity=Severity.ERROR, module=__name__, check=check,
    kinds=frozenset({"NetworkPolicy"}),
    summary="A NetworkPolicy port, port range or peer is not what the API server accepts",
)
