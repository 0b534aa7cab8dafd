"""The cluster cannot pull a container's image (ErrImagePull, ImagePullBackOff).

## What it does
With live state on, a pod of this object waits in `ErrImagePull`/`ImagePullBackOff` (or `InvalidImageName`).
The finding sits on the container's `image:` value and quotes the kubelet's event ("Failed to pull image
\"nginx:1.277\": ... not found") and when it was seen. Only reported when live state is on
(`kubeLsp.cluster.live`, or `kube-lsp status`), with source
`kube-lsp live`; it disappears as soon as the cluster no longer reports the problem.

## Why is this bad?
The pods never start: the tag does not exist, the registry refuses the credentials, or the name is misspelt.

## References
`kubectl describe pod` (Events: Failed / BackOff) and the container status `state.waiting.reason`.
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL950", name="live-image-pull-failed", severity=Severity.WARNING, module=__name__,
    summary="The cluster cannot pull a container's image (ErrImagePull, ImagePullBackOff)",
    emitted_by="live state (kube_lsp/cluster/live.py)",
)
