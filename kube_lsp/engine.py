"""The analysis pipeline: text → documents → schema → findings. Pure: no I/O, no global state.

The CLI and the language server both call `Engine.analyse`, so they always agree.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

from kube_lsp.config import Settings
from kube_lsp.model import Finding, Fix, Severity, Span, TextEdit, literal
from kube_lsp.parsing.loader import Document, Scorer, parse_chunk, parse_stream
from kube_lsp.parsing.nodes import YMap, YNode, YScalar, YSeq
from kube_lsp.parsing.text import Chunk, split_documents, split_lines
from kube_lsp.rules import BY_CODE, OBJECT_RULES, ObjectContext, Rule, rule_names
from kube_lsp.rules.base import CUSTOM_RESOURCES
from kube_lsp.schema.apiversions import check_api_version
from kube_lsp.schema.catalog import (
    CLIENT_SIDE_GROUP_SUFFIXES,
    CLIENT_SIDE_KINDS,
    Catalog,
    KindSchema,
    bundled_catalog,
    format_version,
    nearness,
    split_api_version,
)
from kube_lsp.schema.crds import crds_in
from kube_lsp.schema.validate import Validation, validate_object
from kube_lsp.suggest import did_you_mean
from kube_lsp.suppress import (
    ALL,
    ANNOTATION,
    Suppression,
    annotation_suppressions,
    comment_suppressions,
    suppressed,
)
from kube_lsp.textindex import EMPTY, NamespacePolicy, TextIndex, build_index
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
    # The TextIndex key the findings were made with: reused only while the text's index stays the same.
    index_key: object = None


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

    def __init__(self, settings: Settings | None = None, catalog: Catalog | None = None,
                 namespaces: Mapping[str, NamespacePolicy] | None = None,
                 others: tuple[Engine, ...] | None = None) -> None:
        self.settings = settings or Settings()
        self.catalog = catalog or bundled_catalog(self.settings.kube_version)
        # Pod Security labels of Namespaces known from elsewhere (the hook for a workspace index).
        self.namespaces = namespaces
        self.rule_table = RuleTable(self.settings)
        # Several targets (`kubeVersion: ["1.29", "1.31"]`): this engine is the oldest's, `others` the rest's;
        # every document is analysed for each and the findings merged (`merge_versions`).
        if others is None and catalog is None and len(self.settings.kube_versions) > 1:
            others = tuple(Engine(replace(self.settings, kube_version=v, kube_versions=()), namespaces=namespaces)
                           for v in self.settings.kube_versions if v != self.catalog.version)
        self.others: tuple[Engine, ...] = others or ()

    def with_crds(self, crds: Iterable[KindSchema]) -> Engine:
        crds = list(crds)
        return Engine(self.settings, self.catalog.with_crds(crds), self.namespaces,
                      tuple(o.with_crds(crds) for o in self.others))

    def index_of(self, docs: list[Document]) -> TextIndex:
        return build_index((d.root for d in docs), (d.chunk.text for d in docs), self.namespaces)

    def all_versions(self, doc: Document, catalog: Catalog, partial: bool, origin: str | None, index: TextIndex,
                     others: list[tuple[Engine, Catalog]] | None = None) -> list[Finding]:
        """`document_findings` for this engine's target and, with several targets, for each of the others'
        (`others`: their engines and catalogs, by default their own), merged into one list."""
        found = self.document_findings(doc, catalog, partial, origin, index)
        if others is None:
            others = [(o, o.catalog) for o in self.others]
        if others:
            found = merge_versions([(catalog.version, found)] + [
                (c.version, o.document_findings(doc, c, partial, origin, index)) for o, c in others])
        return found

    def analyse(self, text: str, *, partial: bool = False, origin: str = "<text>", workspace: bool = True) -> Analysis:
        """Findings of `text`, the file `origin` (a path or URI: CRDs nearest to it are preferred).

        With `workspace` the text is a workspace of its own: the cross-resource rules run over its objects
        (a Service and its Deployment in one file). Without, they are the caller's business: it gets the
        text's index in `Analysis.index` and runs them over every file of its run (kube_lsp/batch.py)."""
        catalog = self.catalog
        docs = parse_stream(text, self._scorer(catalog, partial))
        local: list[KindSchema] = []
        if "CustomResourceDefinition" in text:
            local = list(crds_in(docs, origin))
            if local:
                catalog = catalog.with_crds(local)
                docs = parse_stream(text, self._scorer(catalog, partial))
        findings: list[Finding] = []
        others = [(o, o.catalog.with_crds(local) if local else o.catalog) for o in self.others]
        index = self.index_of(docs)
        for doc in docs:
            findings.extend(self.all_versions(doc, catalog, partial, origin, index, others))
        file_index = index_file(origin, docs, text, partial=partial)
        if workspace:
            ws = Workspace(self.settings.namespace)
            ws.update(file_index)
            findings.extend(file_findings(ws, file_index, self.settings))
        findings.sort(key=lambda f: f.sort_key)
        return Analysis(docs, findings, file_index)

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
        parsed: list[tuple[Chunk, ChunkResult | None, Document]] = []
        new_docs: dict[str, Document] = {}  # a text repeated in the stream is parsed once
        for chunk in split_documents(text):
            if not chunk.has_content:
                continue
            res = cache.get(chunk.text)
            doc = res.document if res is not None else new_docs.get(chunk.text)
            if doc is None:
                if cancelled is not None and cancelled():
                    raise Superseded
                local = Chunk(0, chunk.end_line - chunk.start_line, chunk.text, True)
                doc = new_docs[chunk.text] = parse_chunk(local, 0, self._scorer(catalog, partial))
            parsed.append((chunk, res, doc))
        index = self.index_of([d for _, _, d in parsed])
        key = index.key
        # Cached results share the key object of the call that made them: compare each distinct one once.
        same: dict[int, bool] = {}

        def current(r: ChunkResult | None) -> bool:
            if r is None:
                return False
            k = r.index_key
            if k is key:
                return True
            found = same.get(id(k))
            if found is None:
                found = same[id(k)] = k == key
            return found

        for chunk, res, doc in parsed:
            if not current(res):
                res = fresh.get(chunk.text)
                if res is None or res.index_key is not key:
                    if cancelled is not None and cancelled():
                        raise Superseded
                    res = ChunkResult(self.all_versions(doc, catalog, partial, origin, index), doc, key)
            elif res is not None and res.index_key is not key:
                res = ChunkResult(res.findings, res.document, key)  # the same findings, under this call's key
            assert res is not None
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
                          origin: str | None = None, index: TextIndex = EMPTY) -> list[Finding]:
        """The findings of one document, after severities and suppressions are applied."""
        try:
            raw = list(doc.findings) + analyse_document(doc, catalog, partial, origin, self.settings, index,
                                                        self.rule_table)
        except Exception as exc:  # noqa: BLE001 - one bad document must never take the others down
            log.error("internal error on document %d: %s", doc.index, traceback.format_exc())
            raw = list(doc.findings) + [Finding(
                span=Span.point(doc.start_line, 0), severity=Severity.ERROR, code="KL000",
                message=f"kube-lsp internal error ({type(exc).__name__}: {exc}); please report it",
                doc=doc.index,
            )]
        return self.finish(doc, raw)

    def finish(self, doc: Document, raw: list[Finding]) -> list[Finding]:
        """`raw` findings of `doc` after severities, opt-in rules, template lines and suppressions."""
        if doc.template_lines:  # a value there is only known once the template is rendered
            raw = [f for f in raw if f.span.start.line not in doc.template_lines]
        text = doc.chunk.text
        sups: list[Suppression] = []
        if "kube-lsp:" in text:
            sups.extend(comment_suppressions(split_lines(text), doc.start_line))
        if ANNOTATION in text:
            sups.extend(annotation_suppressions(doc.root))
        out = []
        for f in raw:
            rule = BY_CODE.get(f.code)
            if rule is not None and not self.settings.rule_on(rule.code, rule.pack, rule.enabled):
                continue  # opt-in, or switched off with its pack
            default = f.severity if rule is None or f.severity != rule.severity else rule.severity
            sev = self.settings.severity_for(f.code, default)
            if sev is None or (sups and suppressed(f, sups)):
                continue
            if sev != f.severity:
                f = replace(f, severity=sev)
            out.append(f)
        if sups:
            out.extend(self._unused(doc, sups))
        return out

    def _unused(self, doc: Document, sups: list[Suppression]) -> list[Finding]:
        """KL499 for each suppression that named an unknown rule or suppressed nothing that could be reported
        here (rules switched off and cluster findings do not count: another run may report them)."""
        sev = self.settings.severity_for("KL499", Severity.HINT)
        if sev is None:
            return []
        out: list[Finding] = []
        for s in sups:
            if ALL in s.codes:
                unused = [] if s.used else ["*"]
            else:
                unused = sorted(c for c in s.codes - s.used if self._reportable(c))
            if not unused and not s.unknown:
                continue
            scope = {"line": "on this line", "document": "in this document", "object": "in this object"}[s.kind]
            parts = []
            if unused == ["*"]:
                parts.append(f"nothing {scope} to suppress")
            elif unused:
                parts.append(f"no {', '.join(unused)} finding {scope} to suppress")
            if s.unknown:
                names = ", ".join(f"`{u}`" for u in s.unknown)
                parts.append(f"{names} {'is no rule' if len(s.unknown) == 1 else 'are no rules'}"
                             + did_you_mean(s.unknown[0], rule_names(), abbreviations=True, brackets=True))
            fixes: tuple[Fix, ...] = ()
            nothing_used = not s.used and (ALL in s.codes or set(unused) == s.codes)
            if s.comment is not None and nothing_used:
                fixes = (Fix("Remove the unused suppression comment", (TextEdit(s.comment, ""),)),)
            f = Finding(span=s.span, severity=sev, code="KL499", message="unused suppression: " + "; ".join(parts),
                        fixes=fixes, doc=doc.index)
            if not any(t is not s and t.covers(f) for t in sups):
                out.append(f)
        return out

    def _reportable(self, code: str) -> bool:
        rule = BY_CODE.get(code)
        # Cluster findings come from other runs, cross-resource ones from the other files of the workspace:
        # this document alone cannot tell that a suppression of theirs is unused.
        if rule is None or code.startswith("KL9") or code == "KL499" or rule.workspace_check is not None:
            return False
        return self.settings.rule_on(rule.code, rule.pack, rule.enabled) and \
            self.settings.severity_for(code, rule.severity) is not None


def _version_re(version: tuple[int, int]) -> re.Pattern[str]:
    return re.compile(rf"\(target {version[0]}\.{version[1]}\)")


def merge_versions(per_version: list[tuple[tuple[int, int], list[Finding]]]) -> list[Finding]:
    """One list of findings for several target versions: a finding that holds for every version once, the
    others once each with the versions they hold for (`... (Kubernetes 1.29 only)`). Findings that differ only
    in the target named in `(target X.Y)` are one finding naming every such target."""
    every = [v for v, _ in per_version]
    groups: dict[tuple[Span, str, str, int, str], tuple[Finding, list[tuple[int, int]]]] = {}
    for version, found in per_version:
        pattern = _version_re(version)
        for f in found:
            key = (f.span, f.code, f.path, f.doc, pattern.sub("(target {v})", f.message))
            groups.setdefault(key, (f, []))[1].append(version)
    out = []
    for key, (f, versions) in groups.items():
        label = ", ".join(format_version(v) for v in versions)
        body = key[-1].replace("(target {v})", f"(target {label})") if len(versions) > 1 else f.message
        suffix = f" (Kubernetes {label} only)" if len(versions) < len(every) else ""
        if body != f.message or suffix:
            # A template (a message naming other lines) stays true when only the suffix is new.
            template = f.template + literal(suffix) if f.template and body == f.message else ""
            f = replace(f, message=body + suffix, template=template,
                        data={**f.data, "kubeVersions": [format_version(v) for v in versions]})
        out.append(f)
    return out


def analyse_document(doc: Document, catalog: Catalog, partial: bool = False,
                     origin: str | None = None, settings: Settings | None = None,
                     index: TextIndex = EMPTY, rule_table: RuleTable | None = None) -> list[Finding]:
    """Schema, apiVersion and object-rule findings of one parsed document of the file `origin` (pure)."""
    root = doc.root
    if not isinstance(root, YMap):
        return []
    return analyse_object(root, catalog, doc.index, partial, split_lines(doc.chunk.text), doc.start_line, origin,
                          settings=settings or Settings(), text_index=index, rule_table=rule_table)


def analyse_object(root: YMap, catalog: Catalog, index: int, partial: bool = False,
                   lines: list[str] | None = None, first_line: int = 0,
                   origin: str | None = None, *, rules: bool = True,
                   settings: Settings | None = None, text_index: TextIndex = EMPTY,
                   rule_table: RuleTable | None = None) -> list[Finding]:
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
        return _list_items(root, catalog, index, partial, lines, first_line, origin, rules, settings, text_index,
                           rule_table)
    findings, go_on = check_api_version(av_node, kind_node, catalog, index, root, lines, first_line)
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
                            lines=tuple(lines or ()), first_line=first_line, schema=ks, catalog=catalog,
                            index=text_index)
        findings.extend(run_object_rules(ctx, rule_table))
    return findings


def rules_for_kind(settings: Settings, kind: str, custom: bool = False) -> tuple[Rule, ...]:
    """The object rules switched on for objects of `kind` (a custom resource's when `custom`), in code order."""
    return tuple(r for r in OBJECT_RULES
                 if (r.kinds is None or (CUSTOM_RESOURCES in r.kinds if custom else kind in r.kinds))
                 and settings.rule_on(r.code, r.pack, r.enabled))


class RuleTable:
    """`rules_for_kind` computed once per kind for one Settings (the table lives as long as its engine)."""

    __slots__ = ("_by_kind", "settings")

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._by_kind: dict[tuple[str, bool], tuple[Rule, ...]] = {}

    def get(self, kind: str, custom: bool = False) -> tuple[Rule, ...]:
        found = self._by_kind.get((kind, custom))
        if found is None:
            found = self._by_kind[kind, custom] = rules_for_kind(self.settings, kind, custom)
        return found


def run_object_rules(ctx: ObjectContext, table: RuleTable | None = None) -> list[Finding]:
    """The findings of every object rule that is switched on for this object's kind. A rule that raises
    yields one KL000 naming it; the other rules still run."""
    out: list[Finding] = []
    rules = table.get(ctx.kind, ctx.is_custom) if table is not None and table.settings is ctx.settings \
        else rules_for_kind(ctx.settings, ctx.kind, ctx.is_custom)
    for rule in rules:
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
    same_kind = [ks for (a, k), crds in catalog.crds.of_kind(kind) if split_api_version(a)[0] == group
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
                first_line: int, origin: str | None, rules: bool, settings: Settings | None,
                text_index: TextIndex, rule_table: RuleTable | None) -> list[Finding]:
    items = root.get("items")
    out: list[Finding] = []
    if isinstance(items, YSeq):
        for item in items.items:
            if isinstance(item, YMap):
                out.extend(analyse_object(item, catalog, index, partial, lines, first_line, origin, rules=rules,
                                           settings=settings, text_index=text_index, rule_table=rule_table))
    return out
