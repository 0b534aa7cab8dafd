"""A volume has more than one volume type.

## What it does
Every entry of a pod's `volumes` has exactly one volume type besides its `name`: `emptyDir`, `configMap`,
`secret`, `persistentVolumeClaim`, `hostPath`, `projected`, `csi`, `ephemeral`, ... The finding is on each
extra one, in the order the API server checks them (`may not specify more than 1 volume type`). A volume with
no type at all is accepted: the API server makes it an `emptyDir`.

## Why is this bad?
The API server rejects the object: `spec.volumes[0].secret: Forbidden: may not specify more than 1 volume
type`. Two volumes merged into one entry (a missing `- name:` line) is the usual cause.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.27
      volumeMounts:
        - {name: cache, mountPath: /cache}
  volumes:
    - name: cache
      emptyDir: {}
      secret: {secretName: tls}
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.27
      volumeMounts:
        - {name: cache, mountPath: /cache}
  volumes:
    - name: cache
      emptyDir: {}
```

## References
`validateVolumeSource` in `pkg/apis/core/validation/validation.go`; `SetDefaults_Volume` in
`pkg/apis/core/v1/defaults.go` (no type: `emptyDir`).
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.rules._pod import POD_KINDS, key_or_node, present, seq_maps, validated_pod
from kube_lsp.rules.base import ObjectContext, Rule

# validateVolumeSource's order: the first one present counts, every later one is "more than 1".
_TYPES = ("emptyDir", "hostPath", "gitRepo", "gcePersistentDisk", "awsElasticBlockStore", "secret", "nfs", "iscsi",
          "glusterfs", "flocker", "persistentVolumeClaim", "rbd", "cinder", "cephfs", "quobyte", "downwardAPI", "fc",
          "flexVolume", "configMap", "azureFile", "vsphereVolume", "photonPersistentDisk", "portworxVolume",
          "azureDisk", "storageos", "projected", "scaleIO", "csi", "ephemeral", "image")
_KNOWN = frozenset({*_TYPES, "name"})
_ORDER = {t: i for i, t in enumerate(_TYPES)}


def check(ctx: ObjectContext) -> Iterator[Finding]:
    pod = validated_pod(ctx)
    if pod is None:
        return
    for i, vol in seq_maps(pod.spec.get("volumes")):
        keys = vol.keys()
        if len(keys) < 3:
            continue  # a name and at most one type
        if any(k not in _KNOWN for k in keys):
            continue  # an unknown key (reported by the schema check) may be the misspelt type
        found = sorted((k for k in keys if k != "name" and present(vol, k)), key=_ORDER.__getitem__)
        path = f"{pod.path}.volumes[{i}]"
        for extra in found[1:]:
            if extra == "image":
                continue  # dropped before validation where the ImageVolume feature is off
            yield ctx.finding(RULE, key_or_node(vol, extra), f"Forbidden: may not specify more than 1 volume type — "
                              f"this volume is already a `{found[0]}`; make `{extra}` a volume of its own",
                              path=f"{path}.{extra}")


RULE = Rule(
    code="KL255", name="volume-source", severity=Severity.ERROR, module=__name__,
    summary="A volume has more than one volume type",
    check=check, kinds=POD_KINDS,
)
