"""The analysis pipeline: text → documents → schema → findings. Pure: no I/O, no global state.

The CLI and the language server both call `Engine.analyse`, so they always agree.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from kube_lsp.config import Settings
from kube_lsp.model import Finding, Severity, Span
from kube_lsp.parsing.loader import Document, Scorer, parse_chunk, parse_stream
from kube_lsp.parsing.nodes import YMap, YNode, YScalar, YSeq
from kube_lsp.parsing.text import Chunk, split_documents, split_lines
from kube_lsp.rules import BY_CODE, OBJECT_RULES, ObjectContext
from kube_lsp.schema.apiversions import check_api_version
from kube_lsp.schema.catalog import (
    CLIENT_SIDE_GROUP_SUFFIXES,
    CLIENT_SIDE_KINDS,
    Catalog,
    KindSchema,
    bundled_catalog,
    nearness,
    split_api_version,
)
from kube_lsp.schema.crds import crds_in
from kube_lsp.schema.validate import Validation, validate_object
from kube_lsp.suppress import directives, is_suppressed
from kube_lsp.workspace.check import file_findings
from kube_lsp.workspace.index import FileIndex, index_file
from kube_lsp.workspace.model import Workspace

log = logging.getLogger(__name__)


class Superseded(Exception):  # noqa: N818 - not an error: the caller asked to stop
    """`analyse_cached` stopped early because its `cancelled` callback said the text is out of date."""


@dataclass(frozen=True, slots=True)
class ChunkResult:
    """One document analysed as if it were document 0 starting on line 0 (so it can be reused when it
    moves): its findings and its parsed tree."""

    findings: list[Finding]
    document: Document


# A document's text → its result.
ChunkCache = dict[str, "ChunkResult"]


@dataclass(frozen=True, slots=True)
class Incremental:
    """The result of `Engine.analyse_cached`: findings (absolute), the cache for the next call, and each
    document's chunk with its (line-0) result."""

    findings: list[Finding]
    cache: ChunkCache
    chunks: list[Chunk]
    results: list[ChunkResult]


@dataclass(frozen=True, slots=True)
class Analysis:
    """Everything known about one text: its documents, its findings (sorted) and what it contributes to
    the workspace (its objects and references)."""

    documents: list[Document]
    findings: list[Finding]
    index: FileIndex | None = None


class Engine:
    """Analyses texts for one target Kubernetes version and set of settings."""

    def __init__(self, settings: Settings | None = None, catalog: Catalog | None = None) -> None:
        self.settings = settings or Settings()
        self.catalog = catalog or bundled_catalog(self.settings.kube_version)

    def with_crds(self, crds: Iterable[KindSchema]) -> Engine:
        return Engine(self.settings, self.catalog.with_crds(crds))

    def analyse(self, text: str, *, partial: bool = False, origin: str = "<text>", workspace: bool = True) -> Analysis:
        """Findings of `text`, the file `origin` (a path or URI: CRDs nearest to it are preferred).

        With `workspace` the text is a workspace of its own: the cross-resource rules run over its objects
        (a Service and its Deployment in one file). Without, they are the caller's business: it gets the
        text's index in `Analysis.index` and runs them over every file of its run (kube_lsp/batch.py)."""
        catalog = self.catalog
        docs = parse_stream(text, self._scorer(catalog, partial))
        if "CustomResourceDefinition" in text:
            local = list(crds_in(docs, origin))
            if local:
                catalog = catalog.with_crds(local)
                docs = parse_stream(text, self._scorer(catalog, partial))
        findings: list[Finding] = []
        for doc in docs:
            findings.extend(self.document_findings(doc, catalog, partial, origin))
        index = index_file(origin, docs, text, partial=partial)
        if workspace:
            ws = Workspace(self.settings.namespace)
            ws.update(index)
            findings.extend(file_findings(ws, index, self.settings))
        findings.sort(key=lambda f: f.sort_key)
        return Analysis(docs, findings, index)

    def analyse_cached(self, text: str, cache: ChunkCache, *, partial: bool = False,
                       origin: str | None = None, cancelled: Callable[[], bool] | None = None) -> Incremental:
        """Analyse `text`, re-analysing only documents whose text is not in `cache`.

        The cache maps a document's text to its result as if it started on line 0 and were document 0;
        the returned cache holds exactly the documents of `text`, for the next call. CRDs in `text` are
        the caller's business (give this engine a catalog that knows them). `cancelled` is asked before
        each document that needs analysing; when it answers True, Superseded is raised.
        """
        catalog = self.catalog
        fresh: ChunkCache = {}
        out: list[Finding] = []
        chunks: list[Chunk] = []
        results: list[ChunkResult] = []
        for chunk in split_documents(text):
            if not chunk.has_content:
                continue
            res = cache.get(chunk.text) or fresh.get(chunk.text)
            if res is None:
                if cancelled is not None and cancelled():
                    raise Superseded
                local = Chunk(0, chunk.end_line - chunk.start_line, chunk.text, True)
                doc = parse_chunk(local, 0, self._scorer(catalog, partial))
                res = ChunkResult(self.document_findings(doc, catalog, partial, origin), doc)
            fresh[chunk.text] = res
            out.extend(f.shifted(chunk.start_line, len(chunks)) for f in res.findings)
            chunks.append(chunk)
            results.append(res)
        out.sort(key=lambda f: f.sort_key)
        return Incremental(out, fresh, chunks, results)

    @staticmethod
    def _scorer(catalog: Catalog, partial: bool) -> Scorer:
        def score(root: YNode) -> int:
            if not isinstance(root, YMap):
                return 0
            return sum(f.severity == Severity.ERROR for f in analyse_object(root, catalog, 0, partial, rules=False))

        return score

    def document_findings(self, doc: Document, catalog: Catalog, partial: bool = False,
                          origin: str | None = None) -> list[Finding]:
        """The findings of one document, after severities and suppressions are applied."""
        try:
            raw = list(doc.findings) + analyse_document(doc, catalog, partial, origin, self.settings)
        except Exception as exc:  # noqa: BLE001 - one bad document must never take the others down
            log.error("internal error on document %d: %s", doc.index, traceback.format_exc())
            raw = list(doc.findings) + [Finding(
                span=Span.point(doc.start_line, 0), severity=Severity.ERROR, code="KL000",
                message=f"kube-lsp internal error ({type(exc).__name__}: {exc}); please report it",
                doc=doc.index,
            )]
        return self._finish(doc, raw)

    def _finish(self, doc: Document, raw: list[Finding]) -> list[Finding]:
        if doc.template_lines:  # a value there is only known once the template is rendered
            raw = [f for f in raw if f.span.start.line not in doc.template_lines]
        lines = split_lines(doc.chunk.text)
        per_line, whole = directives(lines, doc.start_line) if "kube-lsp:" in doc.chunk.text else ({}, set())
        out = []
        for f in raw:
            rule = BY_CODE.get(f.code)
            if rule is not None and not rule.enabled and f.code not in self.settings.severities:
                continue  # opt-in
            default = f.severity if rule is None or f.severity != rule.severity else rule.severity
            sev = self.settings.severity_for(f.code, default)
            if sev is None or is_suppressed(f, per_line, whole):
                continue
            if sev != f.severity:
                f = replace(f, severity=sev)
            out.append(f)
        return out


def analyse_document(doc: Document, catalog: Catalog, partial: bool = False,
                     origin: str | None = None, settings: Settings | None = None) -> list[Finding]:
    """Schema, apiVersion and object-rule findings of one parsed document of the file `origin` (pure)."""
    root = doc.root
    if not isinstance(root, YMap):
        return []
    return analyse_object(root, catalog, doc.index, partial, split_lines(doc.chunk.text), doc.start_line, origin,
                          settings=settings or Settings())


def analyse_object(root: YMap, catalog: Catalog, index: int, partial: bool = False,
                   lines: list[str] | None = None, first_line: int = 0,
                   origin: str | None = None, *, rules: bool = True,
                   settings: Settings | None = None) -> list[Finding]:
    av_node, kind_node = root.get("apiVersion"), root.get("kind")
    if not isinstance(av_node, YScalar) or not isinstance(kind_node, YScalar):
        return []  # not a Kubernetes object: Helm values, CI configuration, docker-compose, ...
    if not isinstance(av_node.value, str) or not isinstance(kind_node.value, str):
        return []
    av, kind = av_node.value, kind_node.value
    group, _ = split_api_version(av)
    if (av, kind) in CLIENT_SIDE_KINDS or group.endswith(CLIENT_SIDE_GROUP_SUFFIXES) or kind in ("Kustomization",
                                                                                                  "Component"):
        return []
    if kind == "List" and av == "v1":
        return _list_items(root, catalog, index, partial, lines, first_line, origin, rules, settings)
    findings, go_on = check_api_version(av_node, kind_node, catalog, index)
    if not go_on:
        return findings
    ks = catalog.lookup(av, kind, origin)
    if ks is None:
        findings.append(_no_schema(av_node, kind_node, catalog, index, origin))
        return findings
    v = Validation(catalog, index, partial=partial, lines=lines or [], first_line=first_line)
    validate_object(root, ks, v)
    if ks.is_crd and ks.place is not None:
        findings.extend(_naming_the_crd(v.findings, ks))
        findings.extend(_ambiguous_crd(av, kind, kind_node, catalog, index, origin))
    else:
        findings.extend(v.findings)
    if rules:
        _, version = split_api_version(av)
        ctx = ObjectContext(root=root, api_version=av, kind=kind, group=group, version=version, doc=index,
                            settings=settings or Settings(), is_custom=ks.is_crd, partial=partial,
                            lines=tuple(lines or ()), first_line=first_line, schema=ks, catalog=catalog)
        findings.extend(run_object_rules(ctx))
    return findings


def run_object_rules(ctx: ObjectContext) -> list[Finding]:
    """The findings of every object rule that is switched on for this object's kind. A rule that raises
    yields one KL000 naming it; the other rules still run."""
    out: list[Finding] = []
    settings = ctx.settings
    for rule in OBJECT_RULES:
        if rule.kinds is not None and ctx.kind not in rule.kinds:
            continue
        if rule.code in settings.severities:
            if settings.severities[rule.code] is None:
                continue
        elif not rule.enabled:
            continue
        assert rule.check is not None
        try:
            out.extend(rule.check(ctx))
        except Exception as exc:  # noqa: BLE001 - one broken rule must never hide the others' findings
            log.error("rule %s failed: %s", rule.code, traceback.format_exc())
            out.append(Finding(
                span=ctx.root.span, severity=Severity.ERROR, code="KL000",
                message=f"kube-lsp internal error in rule {rule.code} {rule.name} ({type(exc).__name__}: {exc}); "
                        "please report it", doc=ctx.doc,
            ))
    return out


def _naming_the_crd(found: list[Finding], ks: KindSchema) -> list[Finding]:
    """Findings about a custom resource say which CRD they come from: in the message (every output shows
    it) and as a place elsewhere (an editor's related information)."""
    assert ks.place is not None
    suffix = f" (CRD {ks.crd_name}, {ks.place.where})"
    escaped = suffix.replace("{", "{{").replace("}", "}}")  # templates are str.format patterns
    return [replace(f, message=f.message + suffix, template=f.template + escaped if f.template else "",
                    elsewhere=(*f.elsewhere, ks.place)) for f in found]


def _ambiguous_crd(av: str, kind: str, kind_node: YScalar, catalog: Catalog, index: int,
                   origin: str | None) -> list[Finding]:
    candidates = catalog.crd_candidates(av, kind, origin)
    if len(candidates) < 2:
        return []
    places = [c.place for c in candidates if c.place is not None]
    used, others = places[0], places[1:]
    nearest = origin is not None and nearness(used.origin, origin) < nearness(others[0].origin, origin)
    why = "nearest" if nearest else "equally near: the first by path"
    return [Finding(
        span=kind_node.span, severity=Severity.INFO, code="KL206",
        message=(f"{len(candidates)} CRDs define `{av}` {kind}; used {used.where} ({why}); also defined at "
                 + ", ".join(o.where for o in others)),
        path="kind", doc=index,
        elsewhere=tuple(replace(p, note=f"{p.note} ({'used' if p is used else 'not used'})") for p in places),
    )]


def _no_schema(av_node: YScalar, kind_node: YScalar, catalog: Catalog, index: int,
               origin: str | None) -> Finding:
    """KL204: no schema; when a CRD of the kind is known but lacks the version, say that instead."""
    av, kind = str(av_node.value), str(kind_node.value)
    group, version = split_api_version(av)
    same_kind = [ks for (a, k), crds in catalog.crds.items() if k == kind and split_api_version(a)[0] == group
                 for ks in crds if ks.place is not None]
    if same_kind:
        crd = min(same_kind, key=lambda ks: nearness(ks.place.origin, origin) if ks.place else (4, 0, 0))
        assert crd.place is not None
        versions = ", ".join(f"`{v}`" for v in crd.crd_versions)
        return Finding(
            span=av_node.span, severity=Severity.WARNING, code="KL204",
            message=(f"the CustomResourceDefinition {crd.crd_name} ({crd.place.where}) defines {kind} in "
                     f"versions {versions}, not `{version}`: only YAML syntax is checked"),
            path="apiVersion", doc=index, elsewhere=(crd.place,), data={"versions": list(crd.crd_versions)},
        )
    return Finding(
        span=kind_node.span, severity=Severity.INFO, code="KL204",
        message=(f"no schema known for `{av}` {kind}: only YAML syntax is checked (add its "
                 "CustomResourceDefinition to the checked paths to validate it)"),
        path="kind", doc=index,
    )


def _list_items(root: YMap, catalog: Catalog, index: int, partial: bool, lines: list[str] | None,
                first_line: int, origin: str | None, rules: bool, settings: Settings | None) -> list[Finding]:
    items = root.get("items")
    out: list[Finding] = []
    if isinstance(items, YSeq):
        for item in items.items:
            if isinstance(item, YMap):
                out.extend(analyse_object(item, catalog, index, partial, lines, first_line, origin, rules=rules,
                                           settings=settings))
    return out
