"""Live-state scenarios for the API server double: a Deployment applied from a file, its ReplicaSet and pods
(owned through ownerReferences, as the controllers make them), their statuses and events, a Service and its
EndpointSlices, claims. Shared by the CLI and the language-server end-to-end tests."""

from __future__ import annotations

import copy
from typing import Any

from ruamel.yaml import YAML

from .apiserver import ApiServerDouble

MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx:1.277
          resources:
            requests:
              cpu: "4"
              memory: 64Mi
            limits:
              memory: 128Mi
          livenessProbe:
            httpGet:
              path: /healthz
              port: 8080
      volumes:
        - name: data
          persistentVolumeClaim:
            claimName: data
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - port: 80
      targetPort: 8080
"""


def position(needle: str, occurrence: int = 1, text: str = MANIFEST) -> tuple[int, int]:
    """The 1-based (line, column) where `needle` starts in the text (its `occurrence`-th time)."""
    at = -1
    for _ in range(occurrence):
        at = text.index(needle, at + 1)
    line = text.count("\n", 0, at) + 1
    return line, at - (text.rfind("\n", 0, at) + 1) + 1


def documents(text: str = MANIFEST) -> list[dict[str, Any]]:
    return [d for d in YAML(typ="safe", pure=True).load_all(text) if d]


class Scenario:
    """The file's objects in the double, with the controllers' view of them."""

    def __init__(self, api: ApiServerDouble, text: str = MANIFEST, namespace: str = "default") -> None:
        """The file's objects in `namespace` (as a context whose namespace it is applies them)."""
        self.api = api
        self.namespace = namespace
        self.docs = documents(text)
        for d in self.docs if namespace != "default" else ():
            d.setdefault("metadata", {})["namespace"] = namespace
        self.deployment = api.seed(copy.deepcopy(self.docs[0]))
        self.service = api.seed(copy.deepcopy(self.docs[1]))
        dep = self.deployment
        self.replicaset = api.seed({
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": "web-7d9f", "namespace": namespace,
                         "labels": {"app": "web", "pod-template-hash": "7d9f"}, "ownerReferences": [_owner(dep)]},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web", "pod-template-hash": "7d9f"}},
                     "template": copy.deepcopy(dep["spec"]["template"])},
        }, manager=None, defaults=False)
        self.pods: list[dict[str, Any]] = []
        api.seed({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                  "metadata": {"name": "data", "namespace": namespace},
                  "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
                  "status": {"phase": "Bound"}}, manager=None, defaults=False)

    def pod(self, name: str, phase: str = "Running", statuses: list[dict[str, Any]] | None = None,
            conditions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        spec = copy.deepcopy(self.deployment["spec"]["template"]["spec"])
        status: dict[str, Any] = {"phase": phase}
        status["containerStatuses"] = statuses if statuses is not None else [running()]
        if conditions is not None:
            status["conditions"] = conditions
        p = self.api.seed({"apiVersion": "v1", "kind": "Pod",
                           "metadata": {"name": name, "namespace": self.namespace,
                                        "labels": {"app": "web", "pod-template-hash": "7d9f"},
                                        "ownerReferences": [_owner(self.replicaset)]},
                           "spec": spec, "status": status}, manager=None, defaults=False)
        self.pods.append(p)
        return p

    def set_pod(self, name: str, phase: str = "Running", statuses: list[dict[str, Any]] | None = None,
                conditions: list[dict[str, Any]] | None = None) -> None:
        status: dict[str, Any] = {"phase": phase, "containerStatuses": statuses if statuses is not None
                                  else [running()]}
        if conditions is not None:
            status["conditions"] = conditions
        self.api.set_status("v1", "Pod", name, status, self.namespace)

    def deployment_status(self, ready: int, updated: int = 2, available: bool = True) -> None:
        self.api.set_status("apps/v1", "Deployment", "web", namespace=self.namespace, status={
            "observedGeneration": 1, "replicas": 2, "updatedReplicas": updated, "readyReplicas": ready,
            "availableReplicas": ready,
            "conditions": [
                {"type": "Available", "status": "True" if available else "False",
                 "reason": "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable",
                 "message": "Deployment has minimum availability." if available else
                 "Deployment does not have minimum availability.",
                 "lastTransitionTime": "2026-01-01T00:00:00Z", "lastUpdateTime": "2026-01-01T00:00:00Z"},
                {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
                 "message": 'ReplicaSet "web-7d9f" has successfully progressed.',
                 "lastTransitionTime": "2026-01-01T00:00:00Z", "lastUpdateTime": "2026-01-01T00:00:00Z"}]})

    def endpoints(self, ready: int, not_ready: int = 0) -> None:
        eps = [{"addresses": [f"10.0.0.{i + 1}"], "conditions": {"ready": True}} for i in range(ready)]
        eps += [{"addresses": [f"10.0.1.{i + 1}"], "conditions": {"ready": False}} for i in range(not_ready)]
        self.api.seed({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                       "metadata": {"name": "web-abcde", "namespace": self.namespace,
                                    "labels": {"kubernetes.io/service-name": "web"},
                                    "ownerReferences": [_owner(self.service)]},
                       "addressType": "IPv4", "endpoints": eps,
                       "ports": [{"name": "", "port": 8080, "protocol": "TCP"}]}, manager=None, defaults=False)

    def healthy(self) -> None:
        """Everything running and ready: no live problem at all."""
        for name in ("web-7d9f-a", "web-7d9f-b"):
            if self.api.get("v1", "Pod", name, self.namespace) is None:
                self.pod(name)
            else:
                self.set_pod(name)
        self.deployment_status(ready=2)
        self.endpoints(ready=2)


def _owner(obj: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": obj["apiVersion"], "kind": obj["kind"], "name": obj["metadata"]["name"],
            "uid": obj["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}


def running(name: str = "web", image: str = "nginx:1.27", restarts: int = 0,
            last: dict[str, Any] | None = None) -> dict[str, Any]:
    cs: dict[str, Any] = {"name": name, "image": image, "imageID": f"docker.io/library/{image}@sha256:abc",
                          "ready": True, "started": True, "restartCount": restarts,
                          "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}}
    cs["lastState"] = last or {}
    return cs


def waiting(reason: str, message: str = "", name: str = "web", image: str = "nginx:1.277", restarts: int = 0,
            last: dict[str, Any] | None = None) -> dict[str, Any]:
    w: dict[str, Any] = {"reason": reason}
    if message:
        w["message"] = message
    return {"name": name, "image": image, "imageID": "", "ready": False, "started": False,
            "restartCount": restarts, "state": {"waiting": w}, "lastState": last or {}}


def terminated(reason: str, exit_code: int, message: str = "") -> dict[str, Any]:
    t: dict[str, Any] = {"reason": reason, "exitCode": exit_code, "startedAt": "2026-01-01T00:00:00Z",
                         "finishedAt": "2026-01-01T00:01:00Z"}
    if message:
        t["message"] = message
    return {"terminated": t}
