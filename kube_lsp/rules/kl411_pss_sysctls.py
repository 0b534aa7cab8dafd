"""A sysctl outside the safe set, forbidden by the Pod Security Standards from `baseline` on.

## What it does
Reports each `spec.securityContext.sysctls[].name` that is not in the safe set of the policy version:
`kernel.shm_rmid_forced`, `net.ipv4.ip_local_port_range`, `net.ipv4.tcp_syncookies`,
`net.ipv4.ping_group_range`, `net.ipv4.ip_unprivileged_port_start`; from v1.27 `net.ipv4.ip_local_reserved_ports`;
from v1.29 `net.ipv4.tcp_keepalive_time`, `net.ipv4.tcp_fin_timeout`, `net.ipv4.tcp_keepalive_intvl`,
`net.ipv4.tcp_keepalive_probes`; from v1.32 `net.ipv4.tcp_rmem`, `net.ipv4.tcp_wmem`; from v1.37
`net.ipv4.tcp_slow_start_after_idle`, `net.ipv4.tcp_notsent_lowat`. The version is the Namespace's
`*-version` label, else the target Kubernetes version, else the latest.

## Why is this bad?
The standard: "Sysctls can disable security mechanisms or affect all containers on a host, and should be
disallowed except for an allowed 'safe' subset." An enforcing Namespace answers `forbidden sysctls
(kernel.msgmax)`.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: db
spec:
  securityContext:
    sysctls:
      - name: kernel.msgmax
        value: "65536"
  containers:
    - name: db
      image: postgres:16.4
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: db
spec:
  securityContext:
    sysctls:
      - name: net.ipv4.ip_local_port_range
        value: "1024 65535"
  containers:
    - name: db
      image: postgres:16.4
```

## Options
`podSecurity` (see KL400); `kubeVersion` chooses the safe set where no `*-version` label does.

## References
`CheckSysctls` in k8s.io/pod-security-admission/policy/check_sysctls.go;
https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline (Sysctls).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Final

from kube_lsp.model import Finding, Severity
from kube_lsp.rules import _pss
from kube_lsp.rules.base import ObjectContext, Rule, maps_in

# (minimum policy version, names it adds), in order.
SAFE: Final = (
    ((1, 0), ("kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
              "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start")),
    ((1, 27), ("net.ipv4.ip_local_reserved_ports",)),
    ((1, 29), ("net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
               "net.ipv4.tcp_keepalive_probes")),
    ((1, 32), ("net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem")),
    ((1, 37), ("net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat")),
)


def safe_sysctls(mode: _pss.Mode) -> frozenset[str]:
    return frozenset(n for since, names in SAFE if mode.at_least(*since) for n in names)


def _evaluate(pod: _pss.Pod, mode: _pss.Mode, ctx: ObjectContext) -> Iterator[_pss.Violation]:
    if not pod.secured:
        return
    sc = pod.security_context
    if sc is None:
        return
    allowed = safe_sysctls(mode)
    for i, s in maps_in(sc.get("sysctls")):
        name = s.get_str("name")
        if name is not None and name not in allowed:
            yield _pss.Violation(_pss.value_span(s, "name"), f"forbidden sysctls ({name})",
                                 f"{pod.path}.securityContext.sysctls[{i}].name")


def check(ctx: ObjectContext) -> Iterable[Finding]:
    return _pss.report(ctx, RULE, "baseline", _evaluate)


RULE = Rule(
    code="KL411", name="pss-sysctls", severity=Severity.WARNING, module=__name__,
    summary="A sysctl outside the safe set, forbidden by the Pod Security Standards from `baseline` on",
    check=check, kinds=_pss.POD_KINDS, pack="pod-security",
)
