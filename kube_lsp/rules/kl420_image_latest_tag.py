"""A container image without a tag, or with the tag `latest`.

## What it does
Reports a container's `image` that names no tag and no digest (`redis`, `registry.example.com/team/api`) or the
tag `latest`. Images pinned by digest (`@sha256:...`) are fine with any tag.

## Why is this bad?
Without a fixed tag every node may pull another build: a rollback does not go back, two replicas may run
different code, and with `latest` the kubelet pulls on every start (`imagePullPolicy` defaults to `Always`).

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: cache
spec:
  containers:
    - name: redis
      image: redis:latest
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: cache
spec:
  containers:
    - name: redis
      image: redis:7.4.1
```

## Options
Pack `images`; off by default (it fires on 28% of the clean files of the corpora: examples that mean "any
version"). `packs: {images: on}` or `rules: {KL420: warning}` in `.kube-lsp.yaml` switches it on.

## References
https://kubernetes.io/docs/concepts/containers/images/#image-names; kube-linter `latest-tag`, kube-score
`container-image-tag`, Polaris `tagNotSpecified`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.rules import _practice
from kube_lsp.rules.base import ObjectContext, Rule


def problem(image: str) -> str | None:
    """What is wrong with an image reference ("no tag", "latest"), or None."""
    if not image or "$" in image or "{" in image or "@" in image:
        return None
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return "no tag"
    return "latest" if last.rsplit(":", 1)[1] == "latest" else None


def check(ctx: ObjectContext) -> Iterator[Finding]:
    pod = _practice.pod_of(ctx)
    if pod is None:
        return
    for c in pod.containers:
        image = c.node.get_str("image")
        what = problem(image) if image is not None else None
        if what is None or image is None:
            continue
        node = c.node.get("image")
        assert node is not None
        why = "names no tag" if what == "no tag" else "uses the tag `latest`"
        yield ctx.finding(RULE, node.span, f"image `{image}` {why}: every pull may get another version; pin a "
                          "version tag (or a digest)", path=f"{c.path}.image")


RULE = Rule(
    code="KL420", name="image-latest-tag", severity=Severity.WARNING, module=__name__,
    summary="A container image without a tag, or with the tag `latest`",
    check=check, kinds=_practice.POD_KINDS, pack="images", enabled=False,
)
