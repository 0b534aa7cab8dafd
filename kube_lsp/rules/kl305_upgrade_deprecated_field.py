"""A field the target Kubernetes version documents as deprecated.

## What it does
Reported by `kube-lsp upgrade`: the target's API documentation of the field says it is deprecated (a
`Deprecated:` note, `... is a deprecated alias for ...`), e.g. `spec.template.spec.serviceAccount` or the
in-tree volume plugins (`awsElasticBlockStore`, `gcePersistentDisk`, ...). The release is the first bundled
version whose documentation says so. A plugin documented as "no longer supported" (glusterfs, cephfs, rbd, ...)
is an error: the API still takes the object, but its volume never mounts.

## Why is this bad?
Deprecated fields stop working (in-tree volume plugins are migrated to CSI drivers that must be installed)
or are removed in a later API version.

## Fix
PodSpec's `serviceAccount` (an alias) is renamed to `serviceAccountName` when that is not set (an unsafe fix,
applied by `kube-lsp upgrade --fix`).
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL305", name="upgrade-deprecated-field", severity=Severity.WARNING, module=__name__,
    summary="A field the target Kubernetes version documents as deprecated",
    emitted_by="`kube-lsp upgrade` (kube_lsp/upgrade/analyse.py)",
)
