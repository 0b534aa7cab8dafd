"""Speed of checking custom resources against their CRDs (analysis only, in process).

Usage: python bench/crd_speed.py [--docs 2000] [--repeat 3]

Two streams, each analysed by one `Engine` whose catalog already holds the CRDs (loading them is not
timed):

  gateway   Gateway API's standard examples (tests/fixtures/gateway-api/valid: Gateways, HTTPRoutes, ...,
            checked against the real CRDs with their patterns, list-map keys, oneOfs and CEL rules), joined
            with `---` and cycled to --docs documents.
  widgets   a synthetic Widget CRD using every keyword the custom-resource walk evaluates (pattern, format,
            lengths, bounds, counts, set/map lists, oneOf, three CEL rules) and --docs Widgets.

Prints documents per CPU second (median of --repeat runs; wall-clock time too) and the findings per stream.
It is not a test: run it before and after a change under similar load (the load average is printed). Running it
with PYTHONPATH set to another checkout measures that checkout's kube_lsp with the same inputs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import kube_lsp
from kube_lsp.engine import Engine
from kube_lsp.parsing.loader import parse_stream
from kube_lsp.schema.crds import crds_in

ROOT = Path(__file__).resolve().parent.parent
GATEWAY = ROOT / "tests" / "fixtures" / "gateway-api"

WIDGET_CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [name]
              oneOf:
                - required: [url]
                - required: [service]
              x-kubernetes-validations:
                - rule: self.minReplicas <= self.maxReplicas
                  message: minReplicas must not exceed maxReplicas
                - rule: "!has(self.tags) || self.tags.all(t, t.startsWith('x-'))"
                - rule: self.name.lowerAscii() == self.name
              properties:
                name: {type: string, pattern: '^[a-z][-a-z0-9]*$', maxLength: 63}
                url: {type: string, format: uri}
                service: {type: string}
                address: {type: string, format: ipv4}
                minReplicas: {type: integer, minimum: 0, default: 1}
                maxReplicas: {type: integer, maximum: 100, default: 10}
                tags:
                  type: array
                  maxItems: 16
                  x-kubernetes-list-type: set
                  items: {type: string, minLength: 1}
                ports:
                  type: array
                  x-kubernetes-list-type: map
                  x-kubernetes-list-map-keys: [port]
                  items:
                    type: object
                    required: [port]
                    properties:
                      port: {type: integer, minimum: 1, maximum: 65535}
                      name: {type: string}
"""

WIDGET = """\
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w{i}
spec:
  name: widget-{i}
  url: https://example.com/{i}
  address: 10.0.{a}.{b}
  minReplicas: 2
  tags: [x-a, x-b, x-c]
  ports:
    - port: 80
      name: http
    - port: 443
      name: https
"""


def _engine(crd_texts: list[tuple[str, str]]) -> Engine:
    schemas = []
    for origin, text in crd_texts:
        schemas.extend(crds_in(parse_stream(text), origin))
    return Engine().with_crds(schemas)


def _time(engine: Engine, text: str, repeat: int) -> tuple[float, float, int, int]:
    """Median wall-clock and CPU seconds (CPU time is what a loaded, shared machine distorts least)."""
    wall, cpu = [], []
    found = 0
    docs = 0
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = engine.analyse(text, origin="bench.yaml")
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        found = len(result.findings)
        docs = len(result.documents)
    return statistics.median(wall), statistics.median(cpu), docs, found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"kube_lsp from {Path(kube_lsp.__file__).parent}; load average {os.getloadavg()[0]:.2f}")

    crds = [(str(p), p.read_text()) for p in sorted((GATEWAY / "crds").glob("*.yaml"))]
    examples = [p.read_text().strip().strip("-").strip() for p in sorted((GATEWAY / "valid").rglob("*.yaml"))]
    docs = [d for e in examples for d in e.split("\n---\n") if "gateway.networking.k8s.io" in d]
    stream = "\n---\n".join(docs[i % len(docs)] for i in range(args.docs)) + "\n"
    widgets = "---\n".join(WIDGET.format(i=i, a=i // 250, b=i % 250) for i in range(args.docs))

    for name, engine, text in (("gateway", _engine(crds), stream), ("widgets", _engine([("w.yaml", WIDGET_CRD)]),
                                                                       widgets)):
        _time(engine, text[: len(text) // 20], 1)  # warm-up: imports, compiled rules
        seconds, cpu, n, found = _time(engine, text, args.repeat)
        print(f"{name:8} {n:6d} documents  {seconds:6.2f} s wall  {cpu:6.2f} s CPU  {n / cpu:7.0f} docs/CPU-s  "
              f"{cpu / n * 1000:6.2f} CPU-ms/doc  {found} findings")
    print(f"load average after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
