"""Cluster features of the language server: dry-run and diff commands, code actions and code lenses,
and context selection. Network work runs in a worker thread with work-done progress, so the editor never
waits on a cluster; every request still goes through the transport's dryRun=All choke point."""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from lsprotocol import types

from kube_lsp.assist.resources import resource_lenses
from kube_lsp.capacity import summary_lines, workload_resources
from kube_lsp.cluster.diff import diff_sides, unified
from kube_lsp.cluster.dryrun import Discovery, DiscoveryError, check_documents
from kube_lsp.cluster.listing import ListError, list_all
from kube_lsp.cluster.transport import (
    ClusterConfigError,
    ClusterTransport,
    ClusterUnreachableError,
    connect,
)
from kube_lsp.cluster.versions import ServerVersion, api_version_findings, read_server_version
from kube_lsp.model import Finding, Fix, Severity, TextEdit
from kube_lsp.parsing.loader import Document, parse_stream
from kube_lsp.parsing.nodes import YMap
from kube_lsp.textindex import NamespacePolicy, build_index, policy_from_labels
from kube_lsp.upgrade.lens import ApiLens, api_lenses

if TYPE_CHECKING:
    from kube_lsp.lsp.documents import OpenDocument
    from kube_lsp.lsp.server import KubeLanguageServer

log = logging.getLogger("kube_lsp.cluster")
T = TypeVar("T")

DRY_RUN = "kube-lsp.dryRun"
DIFF = "kube-lsp.diff"
# The resource lens's command: answers the workload's resource summary as JSON, with `markdown`, the hover's
# summary table, for an editor to show (the VS Code extension and the Neovim config do).
RESOURCES = "kube-lsp.resources"
DIFF_ALL = "kube-lsp.diffAll"
SELECT_CONTEXT = "kube-lsp.selectContext"
MIGRATE = "kube-lsp.migrateApiVersion"
RESOURCE_LENS_THREAD_LINES = 5_000  # analyses with more lines get their resource lenses in a thread


async def off_loop(fn: Callable[..., T], *args: Any) -> T:
    """Run network work in a daemon thread and await its result.

    Unlike `asyncio.to_thread`, the process never waits for it: a cluster that takes its full read
    timeout to answer does not delay an editor's `exit`. Cancelling the await abandons the work.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():  # cancelled meanwhile
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def work() -> None:
        result: T | None = None
        error: BaseException | None = None
        try:
            result = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting task
            error = exc
        try:
            loop.call_soon_threadsafe(settle, result, error)
        except RuntimeError:  # the loop has closed: nobody is waiting any more
            pass

    threading.Thread(target=work, name=f"kube-lsp-{getattr(fn, '__name__', 'cluster')}", daemon=True).start()
    return await future


KUBECONFIG_TIMEOUT = 5.0


async def kubeconfig_contexts(kubeconfig: str | None,
                              timeout: float = KUBECONFIG_TIMEOUT) -> tuple[list[str], str | None]:
    """The kubeconfig's contexts and the current one, read off the event loop (a file on a slow or stuck
    file system never freezes the server); ClusterConfigError when it cannot be read in `timeout` seconds."""
    from kube_lsp.cluster.transport import list_contexts

    try:
        return await asyncio.wait_for(off_loop(list_contexts, kubeconfig), timeout)
    except TimeoutError:
        raise ClusterConfigError(f"reading the kubeconfig {kubeconfig or '(default)'} took more than "
                                 f"{timeout:g} s") from None


def cluster_transport(ls: KubeLanguageServer, context: str | None = None) -> ClusterTransport:
    """A transport for the user's chosen cluster (kubeconfig/context from user-level settings only), or for
    `context` of the same kubeconfig."""
    c = ls.cluster_settings
    return connect(c.get("kubeconfig"), context or c.get("context"),
                   connect_timeout=float(c.get("connectTimeout", 5)), read_timeout=float(c.get("timeout", 30)))


def wants_cluster_schemas(ls: KubeLanguageServer) -> bool:
    c = ls.cluster_settings
    return bool(c.get("schemas", bool(c.get("context") or c.get("kubeconfig"))))


async def load_cluster_schemas(ls: KubeLanguageServer) -> None:
    """Validate with the cluster's own schemas when a cluster is configured; bundled ones otherwise.

    Off the event loop, with short timeouts; an unreachable cluster changes nothing and says nothing.
    """
    if not wants_cluster_schemas(ls):
        return
    from kube_lsp.cluster.schemas import cluster_catalog

    make = _read_transport(ls)
    try:
        version = await asyncio.shield(cluster_version_read(ls))
        catalog = await off_loop(lambda: cluster_catalog(make(), version=version))
    except Exception as exc:  # noqa: BLE001 - offline is normal: keep the bundled schemas
        log.info("cluster schemas unavailable, using bundled ones: %s", exc)
        return
    ls.cluster_catalog = catalog
    ls.apply_settings()
    ls.reanalyse_all()


def cluster_selected(ls: KubeLanguageServer) -> bool:
    c = ls.cluster_settings
    return bool(c.get("context") or c.get("kubeconfig"))


def _selection(ls: KubeLanguageServer) -> tuple[Any, Any]:
    return ls.cluster_settings.get("kubeconfig"), ls.cluster_settings.get("context")


def _read_transport(ls: KubeLanguageServer) -> Callable[[], ClusterTransport]:
    """A factory, called in the worker thread (reading the kubeconfig is file I/O), for the chosen cluster."""
    kubeconfig, context = _selection(ls)
    return lambda: connect(kubeconfig, context, connect_timeout=3, read_timeout=20)


def cluster_version_read(ls: KubeLanguageServer) -> asyncio.Future[tuple[tuple[int, int], str]]:
    """The chosen cluster's `/version` (as `server_version` gives it): one read per cluster choice, which the
    target version (`load_cluster_version`) and the cluster's schemas (`load_cluster_schemas`) share. A read
    that failed is made again by the next caller. Await it through `asyncio.shield` (it is shared)."""
    key = _selection(ls)
    held = ls.version_read
    if held is not None and held[0] == key and not (held[1].done() and (held[1].cancelled()
                                                                        or held[1].exception() is not None)):
        return held[1]
    from kube_lsp.cluster.schemas import server_version

    make = _read_transport(ls)
    read = asyncio.ensure_future(off_loop(lambda: server_version(make())))
    ls.version_read = (key, read)
    return read


def clamp_version(version: tuple[int, int]) -> tuple[int, int]:
    """`version` within the bundled schemas' range (oldest..newest)."""
    from kube_lsp.schema.catalog import bundled_versions

    known = bundled_versions()
    return min(max(version, known[0]), known[-1])


async def load_cluster_version(ls: KubeLanguageServer) -> None:
    """Take the analysis target from the chosen cluster's `/version`, once per selection, when the user set no
    `kubeVersion` (settings or .kube-lsp.yaml: an explicit one always wins). Off the event loop; a failure
    leaves the target as it is and is only logged."""
    if not cluster_selected(ls) or ls.explicit_kube_version:
        return
    key = _selection(ls)
    if ls.cluster_version_for == key:
        return
    ls.cluster_version_for = key
    from kube_lsp.schema.catalog import bundled_versions, format_version

    try:
        version, git = await asyncio.shield(cluster_version_read(ls))
    except Exception as exc:  # noqa: BLE001 - offline or refused: keep the target, say it in the log only
        if ls.cluster_version_for == key:
            message = f"kube-lsp: the cluster's /version could not be read ({exc}); the target stays as it is"
            log.info("%s", message)
            ls.window_log_message(types.LogMessageParams(type=types.MessageType.Info, message=message))
        return
    if ls.cluster_version_for != key:  # another cluster was chosen meanwhile
        return
    if key[1]:  # the same answer serves the context's diffAll section
        ls.live.versions.setdefault(str(key[1]), ServerVersion(version, git))
    target = clamp_version(version)
    name = key[1] or "(current context)"
    if target != version:
        known = bundled_versions()
        message = (f"kube-lsp: cluster {name} runs Kubernetes {git or format_version(version)}, outside the "
                   f"bundled schemas ({format_version(known[0])}–{format_version(known[-1])}): "
                   f"validating against {format_version(target)}")
        log.warning("%s", message)
        ls.window_log_message(types.LogMessageParams(type=types.MessageType.Warning, message=message))
        ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Warning, message=message))
    ls.cluster_version = target
    ls.cluster_version_source = f"cluster {name} /version (Kubernetes {git or format_version(version)})"
    ls.apply_settings()
    ls.reanalyse_all()


def namespace_policies_of(items: Any) -> dict[str, NamespacePolicy]:
    """The Pod Security policies of the Namespaces of a NamespaceList's `items` (JSON), by name."""
    out: dict[str, NamespacePolicy] = {}
    for item in items if isinstance(items, list) else ():
        md = item.get("metadata") if isinstance(item, dict) else None
        if not isinstance(md, dict) or not isinstance(md.get("name"), str) or not isinstance(md.get("labels"), dict):
            continue
        labels: dict[str, Any] = md["labels"]

        def label(key: str, labels: dict[str, Any] = labels) -> str | None:
            value = labels.get(key)
            return value if isinstance(value, str) else None

        policy = policy_from_labels(md["name"], label)
        if policy is not None:
            out[policy.name] = policy
    return out


async def load_cluster_namespaces(ls: KubeLanguageServer, again: bool = False) -> None:
    """The Pod Security labels of the chosen cluster's Namespaces (one LIST, off the event loop), for the pods of
    files whose Namespace is not in the workspace (those of the workspace and open files win: they are what will
    be applied). Once per selection unless `again`; a 403 is logged once per selection and sets nothing."""
    if not cluster_selected(ls):
        return
    key = _selection(ls)
    if ls.cluster_namespaces_for == key and not again:
        return
    ls.cluster_namespaces_for = key
    make = _read_transport(ls)

    def read() -> tuple[int, Any]:
        try:  # every page of the list (a cluster with thousands of namespaces answers in pages)
            listing = list_all(make(), "/api/v1/namespaces")
        except ListError as exc:
            return exc.status, None
        if listing is None:
            return 404, None
        if listing.truncated:
            log.info("kube-lsp: %s", listing.note("namespaces"))
        return 200, {"items": listing.items}

    try:
        status, body = await off_loop(read)
    except Exception as exc:  # noqa: BLE001 - offline: no cluster Namespaces, no findings invented
        log.info("the cluster's namespaces could not be read: %s", exc)
        return
    if ls.cluster_namespaces_for != key:  # another cluster was chosen meanwhile
        return
    if status != 200:
        if ls.namespaces_refused_for != key:
            ls.namespaces_refused_for = key
            message = (f"kube-lsp: listing the cluster's namespaces answered {status}"
                       f"{' (RBAC forbids it)' if status == 403 else ''}; Pod Security levels come from the "  # noqa: PLR2004
                       "workspace's Namespaces only")
            log.info("%s", message)
            ls.window_log_message(types.LogMessageParams(type=types.MessageType.Info, message=message))
        found: dict[str, NamespacePolicy] = {}
    else:
        found = namespace_policies_of((body or {}).get("items") if isinstance(body, dict) else None)
    if found != ls.cluster_namespaces:
        ls.cluster_namespaces = found
        ls.apply_settings()
        ls.reanalyse_all()


def schedule_cluster_reads(ls: KubeLanguageServer, again: bool = False) -> None:
    """Start the background reads of the chosen cluster that the analysis uses (each decides whether it runs);
    `again` reads the cluster's Namespaces again (a refresh)."""
    ls.in_background(load_cluster_version(ls))
    ls.in_background(load_cluster_namespaces(ls, again))


def cluster_changed(ls: KubeLanguageServer) -> None:
    """Another cluster was chosen: forget the old one's schemas and findings, load the new one's."""
    ls.cluster_catalog = None  # bundled schemas until the new cluster's have loaded
    ls.cluster_version = None  # and its /version and Namespaces: read again for the new one
    ls.cluster_version_for = None
    ls.version_read = None
    ls.cluster_namespaces = {}
    ls.cluster_namespaces_for = None
    ls.live.reset()
    for d in ls.docs.values():
        d.cluster_findings = []
        if d.current and d.analysed_version is not None:
            ls.publish(d)  # without the old cluster's live findings
    ls.live.schedule_all()
    ls.apply_settings()
    ls.reanalyse_all()
    schedule_cluster_reads(ls)
    ls.in_background(load_cluster_schemas(ls))


def _documents(doc: OpenDocument, index: int | None) -> list[Document]:
    docs = [d for d in parse_stream(doc.text) if d.root is not None and not d.templated]
    return [d for d in docs if index is None or d.index == index]


def context_version(ls: KubeLanguageServer, transport: ClusterTransport) -> ServerVersion:
    """Blocking: the context's `/version`, read once per context (until another cluster is chosen)."""
    name = transport.info.context
    known = ls.live.versions.get(name)
    if known is None:
        known = read_server_version(transport)
        ls.live.versions[name] = known
    return known


def run_dry_run(ls: KubeLanguageServer, doc: OpenDocument, index: int | None, want_diff: bool,
                progress: Callable[[int, int], None] | None = None,
                stop: threading.Event | None = None, context: str | None = None,
                with_version: bool = False) -> dict[str, Any]:
    """Blocking: dry-run (and diff) the documents; returns the command's result. Runs in a thread. With
    `with_version`, the context's server version and the apiVersion findings for it (KL300/KL301) too."""
    transport = cluster_transport(ls, context)
    server = context_version(ls, transport) if with_version else None
    discovery = Discovery(transport)
    findings: list[Finding] = []
    diffs: list[str] = []
    objects: list[dict[str, Any]] = []
    docs = _documents(doc, index)
    checks = check_documents(transport, discovery, docs, read_live=want_diff, progress=progress, stop=stop)
    for d, checked in zip(docs, checks, strict=True):
        if checked is None:
            continue
        findings.extend(checked.findings)
        if want_diff and checked.merged is not None:
            before, after = diff_sides(checked.live, checked.merged)
            text = unified(checked.title, before, after)
            diffs.append(text)
            objects.append({"title": checked.title, "document": d.index, "live": before, "dryRun": after,
                            "exists": checked.live is not None, "changed": bool(text)})
    errors = sum(f.severity == Severity.ERROR for f in findings)
    result: dict[str, Any] = {
        "context": transport.info.context,
        "server": transport.info.server,
        "documents": len(docs),
        "errors": errors,
        "findings": len(findings),
        "diff": "".join(diffs),
        "objects": objects,
        "_findings": findings,
    }
    if server is not None:
        versioned = api_version_findings(docs, server.version, transport.info.context, server.git) \
            if server.version is not None else []
        result.update(server.to_json())
        result["title"] = f"{transport.info.context} ({server.label})"
        result["versionFindings"] = [
            {"document": f.doc, "line": f.span.start.line, "character": f.span.start.col, "code": f.code,
             "severity": f.severity.label, "message": f.message} for f in versioned]
    return result


async def run_command(ls: KubeLanguageServer, uri: str, index: int | None, want_diff: bool) -> dict[str, Any]:
    doc = ls.docs.get(uri)
    if doc is None:
        return {"error": f"{uri} is not open"}
    version, text = doc.version, doc.text
    cancel_with = _cancellation(ls)
    task = asyncio.current_task()
    if task is not None:
        ls.running_commands.add(task)
        task.add_done_callback(ls.running_commands.discard)
    token = str(uuid.uuid4())
    title = "kube-lsp: diff against the cluster" if want_diff else "kube-lsp: server-side dry-run"
    has_progress = bool(ls.client_capabilities.window and ls.client_capabilities.window.work_done_progress)
    if has_progress:
        try:
            await asyncio.wait_for(ls.work_done_progress.create_async(token), 5)
            ls.work_done_progress.begin(token, types.WorkDoneProgressBegin(title=title, percentage=0,
                                                                           cancellable=True))
            cancel_with(ls.work_done_progress.tokens.get(token))
        except Exception:  # noqa: BLE001 - progress is a courtesy
            has_progress = False
    loop = asyncio.get_running_loop()

    stop = threading.Event()  # set when cancelled: the documents not yet sent are not sent

    def progress(done: int, n: int) -> None:
        if has_progress and not stop.is_set():
            msg = f"{done} of {n} documents"
            loop.call_soon_threadsafe(ls.work_done_progress.report, token,
                                      types.WorkDoneProgressReport(message=msg, percentage=int(100 * done / max(n, 1))))

    try:
        result = await off_loop(run_dry_run, ls, doc, index, want_diff, progress, stop)
    except (ClusterConfigError, ClusterUnreachableError, DiscoveryError) as exc:
        ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=str(exc)))
        result = {"error": str(exc)}
    except asyncio.CancelledError:
        # The request or its progress was cancelled: publish nothing, send no more requests. (Requests
        # already sent finish in the background, within the configured timeouts.)
        stop.set()
        log.info("%s cancelled", title)
        return {"error": "cancelled", "cancelled": True}
    finally:
        if has_progress:
            ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message="done"))
    findings = result.pop("_findings", None)
    current = ls.docs.get(uri)
    if findings is not None and current is not None and current.version == version and current.text == text:
        # Dry-run findings stay until the document changes or the next dry-run.
        current.cluster_findings = list(findings) if index is None else [
            *[f for f in current.cluster_findings if f.doc != index], *findings]
        current.cluster_version = version
        ls.publish(current)
    return result


def _cancellation(ls: KubeLanguageServer) -> Callable[[Any], None]:
    """Cancel the running command when the client cancels its request or its progress.

    pygls runs a command handler as a task of its own beneath the workspace/executeCommand request, so
    a `$/cancelRequest` cancels only the request's future: tie this task to that future (and to the
    progress token's, which `window/workDoneProgress/cancel` cancels).
    """
    task = asyncio.current_task()

    def watch(future: Any) -> None:
        if future is not None and task is not None:
            future.add_done_callback(lambda f: task.cancel() if f.cancelled() else None)

    requests = getattr(ls.protocol, "_request_futures", {})  # pygls 2 keeps in-flight requests here
    watch(requests.get(ls.protocol.msg_id))
    return watch


def command_target(arguments: tuple[Any, ...]) -> tuple[str, int | None]:
    """`[uri]`, `[uri, index]` or `[{"uri": …, "document": index}]` → (uri, index or None for all)."""
    first = arguments[0] if arguments else None
    if isinstance(first, dict):
        uri, index = first.get("uri"), first.get("document", first.get("documentIndex"))
    else:
        uri, index = first, arguments[1] if len(arguments) > 1 else None
    if not isinstance(uri, str) or not uri:
        raise ValueError("expected the document URI as the first argument")
    if index is not None and (isinstance(index, bool) or not isinstance(index, int)):
        raise ValueError(f"expected a document index, got {index!r}")
    return uri, index


async def cancel_running(ls: KubeLanguageServer, wait: float = 2.0) -> None:
    """Cancel the dry-runs and diffs in flight and let their requests complete (before a shutdown: pygls
    cancels pending requests while iterating over them, which fails if one completes meanwhile)."""
    tasks = list(ls.running_commands)
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=wait)
        for _ in range(5):  # the request futures complete in callbacks scheduled after the tasks
            await asyncio.sleep(0)


def register(server: KubeLanguageServer) -> None:
    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: Any, *args: Any) -> None:
        ls.live.reset()
        await cancel_running(ls)

    # pygls converts command arguments by the handler's parameters and needs every one of them, so
    # optional arguments come in through *arguments.

    @server.command(DRY_RUN)
    async def dry_run_command(ls: Any, *arguments: Any) -> dict[str, Any]:
        try:
            uri, index = command_target(arguments)
        except ValueError as exc:
            return {"error": str(exc)}
        return await run_command(ls, uri, index, want_diff=False)

    @server.command(DIFF)
    async def diff_command(ls: Any, *arguments: Any) -> dict[str, Any]:
        try:
            uri, index = command_target(arguments)
        except ValueError as exc:
            return {"error": str(exc)}
        return await run_command(ls, uri, index, want_diff=True)

    @server.command(DIFF_ALL)
    async def diff_all(ls: Any, *arguments: Any) -> dict[str, Any]:
        """Diff against every context of `kubeLsp.cluster.contexts` (else the chosen one): one section per
        context, side by side, each naming the Kubernetes version it runs (`title`, `gitVersion`) with the
        apiVersion findings for that version (`versionFindings`); a context that fails has its error in its
        section, the others still diff."""
        try:
            uri, index = command_target(arguments)
        except ValueError as exc:
            return {"error": str(exc)}
        doc = ls.docs.get(uri)
        if doc is None:
            return {"error": f"{uri} is not open"}
        contexts = list(ls.cluster_settings.get("contexts") or [ls.cluster_settings.get("context") or None])

        async def one(context: str | None) -> dict[str, Any]:
            try:
                result = await off_loop(run_dry_run, ls, doc, index, True, None, None, context, True)
            except (ClusterConfigError, ClusterUnreachableError, DiscoveryError) as exc:
                return {"context": context, "error": str(exc)}
            result.pop("_findings", None)
            return result

        sections = await asyncio.gather(*(one(c) for c in contexts))
        return {"sections": list(sections)}

    @server.command(SELECT_CONTEXT)
    async def select_context(ls: Any, *arguments: Any) -> dict[str, Any]:
        """With a name: use that kubeconfig context. Without: list the contexts to choose from."""
        context = str(arguments[0]) if arguments and arguments[0] not in (None, "") else None
        try:
            names, current = await kubeconfig_contexts(ls.cluster_settings.get("kubeconfig"))
        except ClusterConfigError as exc:
            return {"error": str(exc)}
        if context is None:
            return {"contexts": names, "current": ls.cluster_settings.get("context") or current}
        if context not in names:
            return {"error": f"no context named {context!r}", "contexts": names}
        ls.cluster_settings["context"] = context
        ls.chosen_by_command[("cluster", "context")] = context
        cluster_changed(ls)
        return {"context": context}

    @server.command(RESOURCES)
    async def resources(ls: Any, *arguments: Any) -> dict[str, Any] | None:
        """The resource summary of document `index` of `uri` (capacity.WorkloadResources.to_json), and as
        Markdown (`markdown`, capacity.summary_lines: what hover shows)."""
        try:
            uri, index = command_target(arguments)
        except ValueError as exc:
            return {"error": str(exc)}
        doc = ls.docs.get(uri)
        if doc is None or index is None or not await ls.ensure_analysed(doc) or not 0 <= index < len(doc.results):
            return None
        roots, texts = [r.document.root for r in doc.results], [c.text for c in doc.chunks]

        def summary() -> dict[str, Any] | None:
            root = roots[index]
            w = workload_resources(root, build_index(roots, texts)) if isinstance(root, YMap) else None
            return {**w.to_json(), "markdown": "\n".join(summary_lines(w))} if w is not None else None

        return await asyncio.to_thread(summary) if len(doc.analysed_lines) > RESOURCE_LENS_THREAD_LINES \
            else summary()

    @server.feature(types.TEXT_DOCUMENT_CODE_LENS)
    async def code_lens(ls: KubeLanguageServer, params: types.CodeLensParams) -> list[types.CodeLens]:
        doc = ls.docs.get(params.text_document.uri)
        if doc is None:
            return []
        if not await ls.ensure_analysed(doc):
            return []  # lenses sit on lines of the text as it is now
        lenses = []
        for i, (chunk, res) in enumerate(zip(doc.chunks, doc.results, strict=True)):
            root = res.document.root
            if root is None or not hasattr(root, "get_str") or not root.get_str("kind"):
                continue
            line = chunk.start_line + (1 if doc.lines[chunk.start_line].startswith("---") else 0)
            rng = types.Range(start=types.Position(line=line, character=0), end=types.Position(line=line, character=0))
            live = ls.live.lens_title(doc, i)
            if live is not None:
                lenses.append(types.CodeLens(range=rng, command=types.Command(
                    title=live, command="kube-lsp.liveRefresh", arguments=[doc.uri])))
            for title, cmd in (("Dry-run on cluster", DRY_RUN), ("Diff against cluster", DIFF)):
                lenses.append(types.CodeLens(range=rng, command=types.Command(title=title, command=cmd,
                                                                               arguments=[doc.uri, i])))
            lenses.extend(upgrade_lenses(ls, doc, i))
        args = ([r.document.root for r in doc.results], [c.text for c in doc.chunks],
                [c.start_line for c in doc.chunks])
        # The resources of a workload with thousands of containers take a second to sum: in a thread (the
        # analysed trees are never changed once made).
        big = len(doc.analysed_lines) > RESOURCE_LENS_THREAD_LINES
        for lens in await asyncio.to_thread(resource_lenses, *args) if big else resource_lenses(*args):
            at = types.Position(line=lens.line, character=0)
            lenses.append(types.CodeLens(range=types.Range(start=at, end=at), command=types.Command(
                title=lens.title, command=RESOURCES, arguments=[doc.uri, lens.document])))
        from kube_lsp.lsp.workspace_features import reference_lenses

        return lenses + reference_lenses(ls, doc)

    @server.command(MIGRATE)
    async def migrate_command(ls: Any, *arguments: Any) -> dict[str, Any]:
        """Apply the migration a code lens shows: arguments [uri, document index, line of the apiVersion]."""
        try:
            uri, index = command_target(arguments)
            line = int(arguments[2])
            if index is None:
                raise ValueError("expected [uri, document index, line]")
        except (ValueError, IndexError, TypeError) as exc:
            return {"error": str(exc) or "expected [uri, document index, line]"}
        doc = ls.docs.get(uri)
        if doc is None or not await ls.ensure_analysed(doc) or index >= len(doc.chunks):
            return {"error": f"{uri} is not open"}
        found = [lens for lens in _lenses(ls, doc, index) if lens.span.start.line == line and lens.fix is not None]
        if not found:
            return {"error": "nothing to migrate there"}
        fix = found[0].fix
        assert fix is not None
        pos = doc.positions(ls.encoding)
        ident = types.OptionalVersionedTextDocumentIdentifier(uri=doc.uri, version=doc.version)
        edits = [types.TextEdit(range=pos.range_to_client(e.span), new_text=e.new_text) for e in fix.edits]
        result = await ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(
            edit=types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(text_document=ident, edits=edits)]),
            label=fix.title))
        return {"applied": bool(result.applied), "title": fix.title}


def _lenses(ls: Any, doc: OpenDocument, index: int) -> list[ApiLens]:
    """The upgrade lenses of document `index` of `doc`, in the text's own positions."""
    chunk, res = doc.chunks[index], doc.results[index]
    root = res.document.root
    if not isinstance(root, YMap):
        return []
    lines = doc.lines[chunk.start_line:chunk.end_line]
    found = []
    for lens in api_lenses(root, lines, 0, ls.engine.catalog):  # the document as if it started on line 0
        fix = lens.fix
        if fix is not None:
            fix = Fix(fix.title, tuple(TextEdit(e.span.shifted(chunk.start_line), e.new_text) for e in fix.edits),
                      fix.safe)
        found.append(ApiLens(lens.span.shifted(chunk.start_line), lens.title, fix))
    return found


def upgrade_lenses(ls: Any, doc: OpenDocument, index: int) -> list[types.CodeLens]:
    """A lens on each apiVersion of document `index` that a release removes or deprecates."""
    pos = doc.positions(ls.encoding)
    out = []
    for lens in _lenses(ls, doc, index):
        command = types.Command(title=lens.title, command=MIGRATE if lens.fix else "",
                                arguments=[doc.uri, index, lens.span.start.line] if lens.fix else None)
        out.append(types.CodeLens(range=pos.range_to_client(lens.span), command=command))
    return out


def cluster_actions(doc: OpenDocument, line: int) -> list[types.CodeAction]:
    """"Dry-run"/"Diff" actions for the document under the cursor."""
    index = next((i for i, c in enumerate(doc.chunks) if c.start_line <= line < c.end_line), None)
    if index is None:
        return []
    return [
        types.CodeAction(title=title, kind=types.CodeActionKind.Source,
                         command=types.Command(title=title, command=cmd, arguments=[doc.uri, index]))
        for title, cmd in (("Dry-run this document on the cluster", DRY_RUN),
                           ("Diff this document against the cluster", DIFF))
    ]
