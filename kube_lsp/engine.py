"""The analysis pipeline: text → documents → schema → findings. Pure: no I/O, no global state.

The CLI and the language server both call `Engine.analyse`, so they always agree.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable
from dataclasses import dataclass

from kube_lsp.config import Settings
from kube_lsp.model import Finding, Severity, Span
from kube_lsp.parsing.loader import Document, Scorer, parse_chunk, parse_stream
from kube_lsp.parsing.nodes import YMap, YNode, YScalar, YSeq
from kube_lsp.parsing.text import Chunk, split_documents, split_lines
from kube_lsp.rules import BY_CODE
from kube_lsp.schema.apiversions import check_api_version
from kube_lsp.schema.catalog import (
    CLIENT_SIDE_GROUP_SUFFIXES,
    CLIENT_SIDE_KINDS,
    Catalog,
    KindSchema,
    bundled_catalog,
    split_api_version,
)
from kube_lsp.schema.crds import crds_in
from kube_lsp.schema.validate import Validation, validate_object
from kube_lsp.suppress import directives, is_suppressed

log = logging.getLogger(__name__)


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
    """Everything known about one text: its documents and its findings (sorted)."""

    documents: list[Document]
    findings: list[Finding]


class Engine:
    """Analyses texts for one target Kubernetes version and set of settings."""

    def __init__(self, settings: Settings | None = None, catalog: Catalog | None = None) -> None:
        self.settings = settings or Settings()
        self.catalog = catalog or bundled_catalog(self.settings.kube_version)

    def with_crds(self, crds: Iterable[KindSchema]) -> Engine:
        return Engine(self.settings, self.catalog.with_crds(crds))

    def analyse(self, text: str, *, partial: bool = False, origin: str = "<text>") -> Analysis:
        catalog = self.catalog
        docs = parse_stream(text, self._scorer(catalog, partial))
        if "CustomResourceDefinition" in text:
            local = list(crds_in(docs, origin))
            if local:
                catalog = catalog.with_crds(local)
                docs = parse_stream(text, self._scorer(catalog, partial))
        findings: list[Finding] = []
        for doc in docs:
            findings.extend(self.document_findings(doc, catalog, partial))
        findings.sort(key=lambda f: f.sort_key)
        return Analysis(docs, findings)

    def analyse_cached(self, text: str, cache: ChunkCache, *, partial: bool = False) -> Incremental:
        """Analyse `text`, re-analysing only documents whose text is not in `cache`.

        The cache maps a document's text to its result as if it started on line 0 and were document 0;
        the returned cache holds exactly the documents of `text`, for the next call. CRDs in `text` are
        the caller's business (give this engine a catalog that knows them).
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
                local = Chunk(0, chunk.end_line - chunk.start_line, chunk.text, True)
                doc = parse_chunk(local, 0, self._scorer(catalog, partial))
                res = ChunkResult(self.document_findings(doc, catalog, partial), doc)
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
            return sum(f.severity == Severity.ERROR for f in analyse_object(root, catalog, 0, partial))

        return score

    def document_findings(self, doc: Document, catalog: Catalog, partial: bool = False) -> list[Finding]:
        """The findings of one document, after severities and suppressions are applied."""
        try:
            raw = list(doc.findings) + analyse_document(doc, catalog, partial)
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
            default = f.severity if rule is None or f.severity != rule.severity else rule.severity
            sev = self.settings.severity_for(f.code, default)
            if sev is None or is_suppressed(f, per_line, whole):
                continue
            if sev != f.severity:
                f = Finding(f.span, sev, f.code, f.message, f.fixes, f.path, f.doc, f.data)
            out.append(f)
        return out


def analyse_document(doc: Document, catalog: Catalog, partial: bool = False) -> list[Finding]:
    """Schema and apiVersion findings of one parsed document (pure)."""
    root = doc.root
    if not isinstance(root, YMap):
        return []
    return analyse_object(root, catalog, doc.index, partial, split_lines(doc.chunk.text), doc.start_line)


def analyse_object(root: YMap, catalog: Catalog, index: int, partial: bool = False,
                   lines: list[str] | None = None, first_line: int = 0) -> list[Finding]:
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
        return _list_items(root, catalog, index, partial, lines, first_line)
    findings, go_on = check_api_version(av_node, kind_node, catalog, index)
    if not go_on:
        return findings
    ks = catalog.lookup(av, kind)
    if ks is None:
        findings.append(Finding(
            span=kind_node.span, severity=Severity.INFO, code="KL204",
            message=(f"no schema known for `{av}` {kind}: only YAML syntax is checked (add its "
                     "CustomResourceDefinition to the checked paths to validate it)"),
            path="kind", doc=index,
        ))
        return findings
    v = Validation(catalog, index, partial=partial, lines=lines or [], first_line=first_line)
    validate_object(root, ks, v)
    findings.extend(v.findings)
    return findings


def _list_items(root: YMap, catalog: Catalog, index: int, partial: bool, lines: list[str] | None,
                first_line: int) -> list[Finding]:
    items = root.get("items")
    out: list[Finding] = []
    if isinstance(items, YSeq):
        for item in items.items:
            if isinstance(item, YMap):
                out.extend(analyse_object(item, catalog, index, partial, lines, first_line))
    return out
