"""The live state of a file's objects, and live problems pinned to the line that causes them. Pure.

`observe.py` reads what the cluster reports about an object (the object, the pods it owns, their events,
EndpointSlices, claims) into an `Observation`; `assess` turns it, with the object's YAML tree, into a
`LiveState`: a one-line summary (for a code lens), details (for a hover) and findings with source
"kube-lsp live" — ErrImagePull on the container's `image:`, OOMKilled on its memory limit, CrashLoopBackOff
on the container, FailedScheduling for want of cpu/memory on the requests, unbound claims on `claimName`,
failing probes on the probe, a selector that matches no running pod, a Service without ready endpoints.
Each finding says when the cluster reported it; it is computed afresh from each observation, so a problem
disappears as soon as the cluster stops reporting it.

Secret values are never shown: Secrets' data is dropped when read (observe.py), and text that comes from the
cluster (event and condition messages, termination messages) is masked for every Secret value known from
the workspace or the cluster (`Masker`).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Final

from kube_lsp.cluster.status import object_anchor
from kube_lsp.model import Finding, Severity, Span
from kube_lsp.parsing.nodes import YMap, YNode, YScalar, YSeq
from kube_lsp.suppress import directives, is_suppressed
from kube_lsp.workloads import LONG_RUNNING, Container, PodTemplate, containers, pod_template

JSON = dict[str, Any]

IMAGE_PULL: Final = "KL950"
OOM_KILLED: Final = "KL951"
CRASH_LOOP: Final = "KL952"
UNSCHEDULABLE: Final = "KL953"
CLAIM_UNBOUND: Final = "KL954"
PROBE_FAILING: Final = "KL955"
NO_RUNNING_POD: Final = "KL956"
NO_ENDPOINTS: Final = "KL957"
DRIFT: Final = "KL958"
READ_DENIED: Final = "KL959"
LIVE_CODES: Final = frozenset({IMAGE_PULL, OOM_KILLED, CRASH_LOOP, UNSCHEDULABLE, CLAIM_UNBOUND, PROBE_FAILING,
                               NO_RUNNING_POD, NO_ENDPOINTS, DRIFT, READ_DENIED})
SOURCE: Final = "kube-lsp live"
MASK: Final = "***"

IMAGE_PULL_REASONS: Final = frozenset({"ErrImagePull", "ImagePullBackOff", "ErrImageNeverPull", "InvalidImageName"})
_PROBE_RE: Final = re.compile(r"^(Liveness|Readiness|Startup) probe (?:failed|errored)", re.IGNORECASE)
_FIELD_PATH_RE: Final = re.compile(r"spec\.(containers|initContainers|ephemeralContainers)\{([^}]*)\}")
_INSUFFICIENT_RE: Final = re.compile(r"Insufficient (cpu|memory)")
MAX_EVENTS: Final = 10


# --- what observe.py read ------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Observation:
    """What the cluster reported about one object of a file at `fetched_at` (seconds since the epoch)."""

    kind: str
    name: str
    namespace: str | None
    fetched_at: float
    context: str = ""
    live: JSON | None = None  # None: not found (or not read, see error)
    pods: tuple[JSON, ...] = ()  # the pods the object owns (a Pod: itself)
    selected: tuple[JSON, ...] | None = None  # every pod the selector matches (workloads, Services)
    events: tuple[JSON, ...] = ()  # events of the object and of its pods
    slices: tuple[JSON, ...] | None = None  # a Service's EndpointSlices
    claims: tuple[tuple[str, JSON | None], ...] = ()  # claimName → the PersistentVolumeClaim (None: not found)
    error: str = ""  # why the live state could not be read (empty: it was)
    forbidden: bool = False  # the error is RBAC refusing a read (403)
    notes: tuple[str, ...] = ()  # reads about the object that failed (its pods, events, ...): less is known


# --- Secret masking ------------------------------------------------------------------------------------------------

MIN_MASKED: Final = 4  # shorter values ("1", "yes") would mask ordinary words


class Masker:
    """Replaces every known Secret value in text from the cluster with `***`."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self.values: set[str] = set()
        self._re: re.Pattern[str] | None = None
        self.add(values)

    def add(self, values: Iterable[str]) -> None:
        new = {v for v in values if isinstance(v, str) and len(v) >= MIN_MASKED} - self.values
        if new:
            self.values |= new
            self._re = re.compile("|".join(re.escape(v) for v in sorted(self.values, key=len, reverse=True)))

    def __call__(self, text: str) -> str:
        return self._re.sub(MASK, text) if self._re is not None and text else text


def secret_values(obj: Any) -> set[str]:
    """The values of a Secret object (plain data): stringData values, data values and what they decode to."""
    out: set[str] = set()
    if not isinstance(obj, dict) or obj.get("kind") != "Secret":
        return out
    for value in (obj.get("stringData") or {}).values() if isinstance(obj.get("stringData"), dict) else ():
        if isinstance(value, str):
            out.add(value)
            out.update(line for line in value.splitlines() if line.strip())
    for value in (obj.get("data") or {}).values() if isinstance(obj.get("data"), dict) else ():
        if not isinstance(value, str):
            continue
        out.add(value)
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            continue
        out.add(decoded)
        out.update(line.strip() for line in decoded.splitlines() if line.strip())
    return out


# --- times ---------------------------------------------------------------------------------------------------------

def parse_time(value: Any) -> float | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def ago(seconds: float) -> str:
    """A duration as kubectl prints ages: 45s, 3m, 2h, 4d."""
    s = max(0, int(seconds))
    if s < 120:
        return f"{s}s"
    if s < 7200:
        return f"{s // 60}m"
    if s < 2 * 86400:
        return f"{s // 3600}h"
    return f"{s // 86400}d"


def event_time(ev: JSON) -> float | None:
    series = as_map(ev.get("series"))
    for value in (series.get("lastObservedTime"), ev.get("lastTimestamp"), ev.get("eventTime"),
                  ev.get("firstTimestamp"), (ev.get("metadata") or {}).get("creationTimestamp")):
        t = parse_time(value)
        if t is not None:
            return t
    return None


def event_count(ev: JSON) -> int:
    series = as_map(ev.get("series"))
    try:
        return max(int(series.get("count") or ev.get("count") or 1), 1)
    except (TypeError, ValueError):
        return 1


# --- selectors -----------------------------------------------------------------------------------------------------

def selector_query(selector: Any) -> str | None:
    """A LabelSelector (matchLabels/matchExpressions) or a Service's map as a labelSelector query; None when
    it selects nothing definite (absent or empty)."""
    if not isinstance(selector, dict) or not selector:
        return None
    if "matchLabels" not in selector and "matchExpressions" not in selector:
        return ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
    terms = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        if not isinstance(expr, dict):
            continue
        key, op, values = expr.get("key"), str(expr.get("operator", "")), expr.get("values") or []
        if op == "In":
            terms.append(f"{key} in ({','.join(map(str, values))})")
        elif op == "NotIn":
            terms.append(f"{key} notin ({','.join(map(str, values))})")
        elif op == "Exists":
            terms.append(str(key))
        elif op == "DoesNotExist":
            terms.append(f"!{key}")
    return ",".join(terms) or None


# --- the state -----------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class EventLine:
    type: str
    reason: str
    message: str
    age: str
    count: int
    involved: str  # "Pod web-7d9f-abc"


@dataclass(slots=True)
class LiveState:
    """An object's live state: the lens line, the hover's details, and the live findings."""

    summary: str
    exists: bool
    context: str = ""
    age: str = ""
    conditions: list[tuple[str, str, str, str, str]] = field(default_factory=list)  # type, status, reason, msg, age
    images: list[str] = field(default_factory=list)
    pods: list[str] = field(default_factory=list)  # "web-abc Running 1/1 ready, 0 restarts"
    events: list[EventLine] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    error: str = ""
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> JSON:
        return {
            "summary": self.summary, "exists": self.exists, "context": self.context, "age": self.age,
            "conditions": [dict(zip(("type", "status", "reason", "message", "age"), c, strict=True))
                           for c in self.conditions],
            "images": self.images, "pods": self.pods,
            "events": [{"type": e.type, "reason": e.reason, "message": e.message, "age": e.age, "count": e.count,
                        "object": e.involved} for e in self.events],
            "error": self.error, "notes": self.notes,
        }

    def markdown(self) -> str:
        head = f"**Live state**{f' ({self.context})' if self.context else ''}: {_md(self.summary)}"
        lines = [head]
        if self.error:
            lines.append(f"\n{_md(self.error)}")
            return "\n".join(lines)
        if self.age:
            lines.append(f"\nAge: {self.age}")
        if self.notes:
            lines.append("\nNot shown: " + "; ".join(_md(n) for n in self.notes))
        if self.conditions:
            lines.append("\n| Condition | Status | Reason | Message | Since |\n|---|---|---|---|---|")
            lines += [f"| {c[0]} | {c[1]} | {_md(c[2])} | {_md(c[3])} | {c[4]} |" for c in self.conditions]
        if self.images:
            lines.append("\nImages running: " + ", ".join(f"`{i}`" for i in self.images))
        if self.pods:
            lines.append("\nPods:\n" + "\n".join(f"- {_md(p)}" for p in self.pods))
        if self.events:
            lines.append("\nLast events:\n" + "\n".join(
                f"- {e.type} **{_md(e.reason)}** ({e.age} ago{f', x{e.count}' if e.count > 1 else ''}, "
                f"{_md(e.involved)}): {_md(e.message)}" for e in self.events))
        return "\n".join(lines)


def _md(text: str) -> str:
    return re.sub(r"([\\`*_|<>\[\]])", r"\\\1", text.replace("\n", " "))


def _conditions(live: JSON, now: float, mask: Masker) -> list[tuple[str, str, str, str, str]]:
    out = []
    for c in (live.get("status") or {}).get("conditions") or []:
        if not isinstance(c, dict):
            continue
        t = parse_time(c.get("lastTransitionTime") or c.get("lastUpdateTime") or c.get("lastProbeTime"))
        out.append((str(c.get("type", "")), str(c.get("status", "")), mask(str(c.get("reason") or "")),
                    mask(str(c.get("message") or "")), ago(now - t) if t is not None else ""))
    return out


def _condition(live: JSON, kind: str) -> JSON | None:
    for c in (live.get("status") or {}).get("conditions") or []:
        if isinstance(c, dict) and c.get("type") == kind:
            return c
    return None


def as_map(value: Any) -> JSON:
    return value if isinstance(value, dict) else {}


def _int(value: Any, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _restarts(pod: JSON) -> int:
    st = pod.get("status") or {}
    return sum(_int(cs.get("restartCount")) for cs in (st.get("containerStatuses") or []) if isinstance(cs, dict))


def _waiting(pod: JSON) -> str:
    st = pod.get("status") or {}
    for cs in [*(st.get("initContainerStatuses") or []), *(st.get("containerStatuses") or [])]:
        reason = ((cs.get("state") or {}).get("waiting") or {}).get("reason") if isinstance(cs, dict) else None
        if reason and reason not in ("ContainerCreating", "PodInitializing"):
            return str(reason)
    return ""


def pod_line(pod: JSON) -> str:
    st = pod.get("status") or {}
    statuses = [cs for cs in st.get("containerStatuses") or [] if isinstance(cs, dict)]
    ready = sum(1 for cs in statuses if cs.get("ready"))
    total = len((pod.get("spec") or {}).get("containers") or statuses)
    phase = str(st.get("phase") or "Unknown")
    waiting = _waiting(pod)
    return (f"{(pod.get('metadata') or {}).get('name', '')} {phase}{f' ({waiting})' if waiting else ''}, "
            f"{ready}/{total} ready, {_restarts(pod)} restarts")


def summarise(obs: Observation) -> str:
    """The one-line live state: what a code lens shows."""
    if obs.error:
        return "forbidden (RBAC)" if obs.forbidden else "unavailable"
    live = obs.live
    if live is None:
        return f"not found in {obs.namespace}" if obs.namespace else "not found"
    st = as_map(live.get("status"))
    spec = as_map(live.get("spec"))
    kind = obs.kind
    if kind == "Pod":
        phase = str(st.get("phase") or "Unknown")
        waiting = _waiting(live)
        statuses = [cs for cs in st.get("containerStatuses") or [] if isinstance(cs, dict)]
        ready = sum(1 for cs in statuses if cs.get("ready"))
        return (f"{phase}{f' ({waiting})' if waiting else ''} · {ready}/{len(spec.get('containers') or statuses)} "
                f"ready · {_restarts(live)} restarts")
    if kind in ("Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"):
        desired = _int(spec.get("replicas"), 1)
        ready = _int(st.get("readyReplicas"))
        return f"{ready}/{desired} ready · {_rollout(kind, live, desired)}"
    if kind == "DaemonSet":
        desired, ready = _int(st.get("desiredNumberScheduled")), _int(st.get("numberReady"))
        return f"{ready}/{desired} ready · {_rollout(kind, live, desired)}"
    if kind == "Job":
        completions = spec.get("completions")
        done = f"{_int(st.get('succeeded'))}/{completions}" if isinstance(completions, int) else str(
            _int(st.get("succeeded")))
        state = next((c.get("type") for c in st.get("conditions") or [] if isinstance(c, dict)
                      and c.get("status") == "True" and c.get("type") in ("Complete", "Failed", "Suspended")),
                     "running" if _int(st.get("active")) else "")
        return f"succeeded {done}, failed {_int(st.get('failed'))}{f' · {state}' if state else ''}"
    if kind == "CronJob":
        last = parse_time(st.get("lastScheduleTime"))
        parts = [f"{len(st.get('active') or [])} active"]
        parts.append(f"last scheduled {ago(obs.fetched_at - last)} ago" if last is not None else "never scheduled")
        if spec.get("suspend") is True:
            parts.append("suspended")
        return " · ".join(parts)
    if kind == "Service":
        if spec.get("type") == "ExternalName":
            return f"ExternalName {spec.get('externalName', '')}"
        if obs.slices is None:
            return "exists"
        ready, not_ready = _endpoint_counts(obs.slices)
        if not spec.get("selector") and ready + not_ready == 0:
            return "exists · no selector (endpoints managed elsewhere)"
        return f"{ready} ready endpoint{'s' if ready != 1 else ''}" + (f", {not_ready} not ready" if not_ready else "")
    if kind == "PersistentVolumeClaim":
        cap = (st.get("capacity") or {}).get("storage")
        return f"{st.get('phase') or 'Pending'}{f' · {cap}' if cap else ''}"
    if kind == "Secret":
        return f"exists · {len(live.get('_keys') or [])} keys"
    for wanted in ("Ready", "Available", "Synced", "Healthy", "Established"):
        c = _condition(live, wanted)
        if c is not None:
            reason = f" ({c.get('reason')})" if c.get("status") != "True" and c.get("reason") else ""
            return f"{wanted}: {c.get('status')}{reason}"
    live_phase = st.get("phase")
    return f"exists · {live_phase}" if isinstance(live_phase, str) and live_phase else "exists"


def _rollout(kind: str, live: JSON, desired: int) -> str:
    st = as_map(live.get("status"))
    meta = live.get("metadata") or {}
    progressing = _condition(live, "Progressing")
    if progressing is not None and progressing.get("reason") == "ProgressDeadlineExceeded":
        return "rollout stuck (ProgressDeadlineExceeded)"
    if _int(st.get("observedGeneration"), 0) < _int(meta.get("generation"), 0):
        return "rollout pending"
    if kind == "StatefulSet":
        if st.get("updateRevision") and st.get("currentRevision") != st.get("updateRevision"):
            return f"rolling out ({_int(st.get('updatedReplicas'))}/{desired} updated)"
    elif kind == "DaemonSet":
        if _int(st.get("updatedNumberScheduled")) < desired:
            return f"rolling out ({_int(st.get('updatedNumberScheduled'))}/{desired} updated)"
    elif kind == "Deployment":
        if _int(st.get("updatedReplicas")) < desired or _int(st.get("replicas")) > desired:
            return f"rolling out ({_int(st.get('updatedReplicas'))}/{desired} updated)"
    available = _condition(live, "Available")
    if available is not None and available.get("status") == "False":
        return "unavailable"
    if _int(st.get("readyReplicas" if kind != "DaemonSet" else "numberReady")) < desired:
        return "progressing"
    return "rolled out"


def _endpoint_counts(slices: Iterable[JSON]) -> tuple[int, int]:
    ready = not_ready = 0
    for s in slices:
        for ep in s.get("endpoints") or []:
            if not isinstance(ep, dict):
                continue
            cond = as_map(ep.get("conditions"))
            # EndpointConditions.ready: "nil should be interpreted as true"
            if cond.get("ready") is False:
                not_ready += 1
            else:
                ready += 1
    return ready, not_ready


# --- findings ------------------------------------------------------------------------------------------------------

@dataclass(slots=True)
class _Ctx:
    root: YMap
    doc: int
    obs: Observation
    now: float
    mask: Masker
    template: PodTemplate | None
    out: dict[tuple[str, Span], Finding] = field(default_factory=dict)

    def seen(self, t: float | None) -> str:
        at = t if t is not None else self.obs.fetched_at
        return "seen just now" if self.now - at < 5 else f"seen {ago(self.now - at)} ago"

    def add(self, code: str, span: Span, message: str, severity: Severity = Severity.WARNING, path: str = "") -> None:
        key = (code, span)
        if key not in self.out:  # the first (most recent) report of a problem wins
            self.out[key] = Finding(span=span, severity=severity, code=code, message=self.mask(message), path=path,
                                    doc=self.doc, data={"live": True, "context": self.obs.context})


def _container(ctx: _Ctx, list_key: str, name: str) -> Container | None:
    if ctx.template is None:
        return None
    for c in containers(ctx.template, (list_key,)):
        if c.name == name:
            return c
    return None


def _value_span(node: YNode | None) -> Span | None:
    return node.span if isinstance(node, YScalar) else None


def _key_span(m: YMap, key: str) -> Span | None:
    k = m.key_node(key)
    return k.span if k is not None else None


def _container_anchor(c: Container) -> Span:
    return _value_span(c.node.get("name")) or _key_span(c.node, "name") or Span(c.node.span.start, c.node.span.start)


def _at(node: YNode | None, *keys: str) -> YNode | None:
    for k in keys:
        node = node.get(k) if isinstance(node, YMap) else None
    return node


def _statuses(pod: JSON) -> Iterator[tuple[str, JSON]]:
    st = pod.get("status") or {}
    for list_key, key in (("initContainers", "initContainerStatuses"), ("containers", "containerStatuses")):
        for cs in st.get(key) or []:
            if isinstance(cs, dict) and cs.get("name"):
                yield list_key, cs


def _pod_name(pod: JSON) -> str:
    return str((pod.get("metadata") or {}).get("name", ""))


def _pod_events(ctx: _Ctx, pod: JSON) -> list[JSON]:
    name, uid = _pod_name(pod), (pod.get("metadata") or {}).get("uid")
    out = []
    for ev in ctx.obs.events:
        ref = ev.get("involvedObject") or ev.get("regarding") or {}
        if ref.get("kind") == "Pod" and ref.get("name") == name and (not uid or not ref.get("uid")
                                                                        or ref.get("uid") == uid):
            out.append(ev)
    return sorted(out, key=lambda e: -(event_time(e) or 0))


def _event_container(ev: JSON) -> tuple[str, str] | None:
    ref = ev.get("involvedObject") or ev.get("regarding") or {}
    m = _FIELD_PATH_RE.search(str(ref.get("fieldPath") or ""))
    return (m.group(1), m.group(2)) if m else None


def _pods_note(pods: list[str]) -> str:
    if len(pods) == 1:
        return f"pod {pods[0]}"
    return f"{len(pods)} pods, e.g. {pods[0]}"


def _container_findings(ctx: _Ctx) -> None:
    """Image pulls, OOM kills, crash loops and failing probes of the pods, on their containers' lines."""
    pull: dict[tuple[str, str], tuple[str, float | None, list[str]]] = {}
    for pod in sorted(ctx.obs.pods, key=lambda p: _pod_name(p)):
        events = _pod_events(ctx, pod)
        pname = _pod_name(pod)
        for list_key, cs in _statuses(pod):
            c = _container(ctx, list_key, str(cs["name"]))
            if c is None:
                continue
            state, last = cs.get("state") or {}, cs.get("lastState") or {}
            waiting = state.get("waiting") or {}
            reason = str(waiting.get("reason") or "")
            cname = str(cs["name"])
            if reason in IMAGE_PULL_REASONS:
                failed = next((e for e in events if e.get("reason") in ("Failed", "ErrImagePull")
                               and _event_container(e) in (None, (list_key, cname))
                               and "pull" in str(e.get("message", "")).lower()), None)
                detail = str(failed.get("message")) if failed else str(waiting.get("message") or reason)
                when = event_time(failed) if failed else None
                entry = pull.setdefault((list_key, cname), (f"{reason}: {detail}", when, []))
                entry[2].append(pname)
            term = state.get("terminated") or last.get("terminated") or {}
            if term.get("reason") == "OOMKilled":
                limit = _at(c.node, "resources", "limits", "memory")
                span = _value_span(limit) or _container_anchor(c)
                limit_text = f"its memory limit {limit.value}" if isinstance(limit, YScalar) else "the memory available"
                ctx.add(OOM_KILLED, span,
                        f"OOMKilled: container \"{cname}\" was killed for using more memory than {limit_text} "
                        f"(exit code {term.get('exitCode', 137)}, {_int(cs.get('restartCount'))} restarts, pod "
                        f"{pname}, {ctx.seen(parse_time(term.get('finishedAt')))}); raise the limit or lower the "
                        "usage", path=f"{c.path}.resources.limits.memory" if limit is not None else c.path)
            if reason == "CrashLoopBackOff":
                lt = last.get("terminated") or {}
                why = str(lt.get("message") or lt.get("reason") or "").strip()
                ctx.add(CRASH_LOOP, _container_anchor(c),
                        f"CrashLoopBackOff: container \"{cname}\" keeps exiting (last exit code "
                        f"{lt.get('exitCode', '?')}{f': {why}' if why else ''}; {_int(cs.get('restartCount'))} "
                        f"restarts, pod {pname}, {ctx.seen(parse_time(lt.get('finishedAt')))})", path=c.path)
        probes: dict[tuple[str, str, str], JSON] = {}
        current = {(lk, str(cs["name"])): cs for lk, cs in _statuses(pod)}
        only = [k for k in current if k[0] == "containers"]
        for ev in events:
            m = _PROBE_RE.match(str(ev.get("message", "")))
            # An event without a fieldPath is about the pod: with one container, that container.
            where = _event_container(ev) or (only[0] if len(only) == 1 else None)
            if ev.get("reason") != "Unhealthy" or not m or where is None:
                continue
            status = current.get(where)
            if status is not None and status.get("ready"):
                started = parse_time(((status.get("state") or {}).get("running") or {}).get("startedAt"))
                when = event_time(ev)
                if m.group(1).lower() == "readiness" or (started is not None and when is not None
                                                         and when < started):
                    continue  # ready now: the failures were before (or of a container since restarted)
            probes.setdefault((*where, m.group(1).lower()), ev)
        for (list_key, cname, probe), ev in probes.items():
            c = _container(ctx, list_key, cname)
            if c is None:
                continue
            key = f"{probe}Probe"
            span = _key_span(c.node, key) or _container_anchor(c)
            n = event_count(ev)
            ctx.add(PROBE_FAILING, span,
                    f"{str(ev.get('message', '')).strip()} ({n} time{'s' if n != 1 else ''}, pod {pname}, "
                    f"{ctx.seen(event_time(ev))})", path=f"{c.path}.{key}")
    for (list_key, cname), (text, when, pods) in pull.items():
        c = _container(ctx, list_key, cname)
        if c is None:
            continue
        image = c.node.get("image")
        ctx.add(IMAGE_PULL, _value_span(image) or _container_anchor(c),
                f"{text} ({_pods_note(pods)}, {ctx.seen(when)})", path=f"{c.path}.image")


def _scheduling_findings(ctx: _Ctx) -> None:
    """FailedScheduling for want of cpu/memory on the requests; unbound claims on claimName."""
    if ctx.template is None:
        return
    for pod in ctx.obs.pods:
        if (pod.get("status") or {}).get("phase") not in (None, "Pending"):
            continue
        cond = _condition(pod, "PodScheduled")
        if cond is not None and cond.get("status") == "True":
            continue  # scheduled since: older FailedScheduling events are history
        texts: list[tuple[str, float | None]] = []
        if cond is not None and cond.get("status") == "False" and cond.get("message"):
            texts.append((str(cond["message"]), parse_time(cond.get("lastTransitionTime"))))
        else:  # the scheduler's latest word
            texts += [(str(e.get("message", "")), event_time(e)) for e in _pod_events(ctx, pod)
                      if e.get("reason") == "FailedScheduling"][:1]
        for text, when in texts:
            for resource in sorted(set(_INSUFFICIENT_RE.findall(text))):
                spans = []
                for c in containers(ctx.template, ("initContainers", "containers")):
                    req = _at(c.node, "resources", "requests", resource)
                    if req is None:
                        req = _at(c.node, "resources", "limits", resource)  # requests default to limits
                    if isinstance(req, YScalar):
                        spans.append((req.span, f"{c.path}.resources.requests.{resource}", req.value))
                for span, path, value in spans:
                    ctx.add(UNSCHEDULABLE, span,
                            f"FailedScheduling: {text.strip()} (this container requests {resource} {value}; pod "
                            f"{_pod_name(pod)}, {ctx.seen(when)})", path=path)
    volumes = ctx.template.spec.get("volumes")
    claims = dict(ctx.obs.claims)
    for i, vol in enumerate(volumes.items if isinstance(volumes, YSeq) else []):
        claim = _at(vol, "persistentVolumeClaim", "claimName")
        if not isinstance(claim, YScalar) or str(claim.value) not in claims:
            continue
        pvc = claims[str(claim.value)]
        path = f"{ctx.template.path}.volumes[{i}].persistentVolumeClaim.claimName"
        if pvc is None:
            ctx.add(CLAIM_UNBOUND, claim.span, f"PersistentVolumeClaim \"{claim.value}\" not found in namespace "
                    f"{ctx.obs.namespace}: pods that mount it stay Pending ({ctx.seen(None)})", path=path)
            continue
        phase = (pvc.get("status") or {}).get("phase") or "Pending"
        if phase == "Bound":
            continue
        ref_events = [e for e in ctx.obs.events if (e.get("involvedObject") or {}).get("kind")
                      == "PersistentVolumeClaim" and (e.get("involvedObject") or {}).get("name") == claim.value]
        ref_events.sort(key=lambda e: -(event_time(e) or 0))
        detail = f": {ref_events[0].get('reason')}: {ref_events[0].get('message')}" if ref_events else ""
        ctx.add(CLAIM_UNBOUND, claim.span,
                f"PersistentVolumeClaim \"{claim.value}\" is {phase}, not bound to a volume{detail} "
                f"({ctx.seen(event_time(ref_events[0]) if ref_events else None)})", path=path)


def _selector_findings(ctx: _Ctx) -> None:
    live, obs = ctx.obs.live, ctx.obs
    if live is None:
        return
    spec = as_map(live.get("spec"))
    sel_key = _at(ctx.root, "spec")
    span = _key_span(sel_key, "selector") if isinstance(sel_key, YMap) else None
    if span is None:
        return
    query = selector_query(spec.get("selector")) or ""
    if obs.kind in LONG_RUNNING and obs.selected is not None:
        desired = _int((live.get("status") or {}).get("desiredNumberScheduled")) if obs.kind == "DaemonSet" \
            else _int(spec.get("replicas"), 1)
        running = [p for p in obs.selected if (p.get("status") or {}).get("phase") == "Running"]
        if desired > 0 and not running:
            phases: dict[str, int] = {}
            for p in obs.selected:
                ph = str((p.get("status") or {}).get("phase") or "Unknown")
                phases[ph] = phases.get(ph, 0) + 1
            found = ", ".join(f"{n} {ph}" for ph, n in sorted(phases.items())) or "none"
            cond = _condition(live, "Available")
            when = parse_time(cond.get("lastTransitionTime")) if cond and cond.get("status") == "False" else None
            ctx.add(NO_RUNNING_POD, span, f"no running pod matches the selector {query} ({desired} desired; pods "
                    f"found: {found}; {ctx.seen(when)})", path="spec.selector")
    elif obs.kind == "Service" and obs.slices is not None and spec.get("selector") \
            and spec.get("type") != "ExternalName":
        ready, not_ready = _endpoint_counts(obs.slices)
        if ready == 0:
            matched = obs.selected
            n_running = sum(1 for p in matched or () if (p.get("status") or {}).get("phase") == "Running")
            if matched is None:
                why = f"{not_ready} endpoint{'s' if not_ready != 1 else ''} not ready"
            elif not matched:
                why = "no pod matches the selector"
            else:
                n = len(matched)
                why = (f"{n} pod{'s' if n != 1 else ''} match{'es' if n == 1 else ''} the selector ({n_running} "
                       f"running) but no endpoint is ready ({not_ready} not ready)")
            ctx.add(NO_ENDPOINTS, span, f"Service \"{obs.name}\" has no ready endpoints: {why} ({query}; "
                    f"{ctx.seen(None)}); traffic to it fails", path="spec.selector")


def configured(findings: Iterable[Finding], lines: list[str], first_line: int,
               severity_for: Callable[[str, Severity], Severity | None] | None = None) -> list[Finding]:
    """Live findings as the user configured them: `# kube-lsp: ignore=KL956` comments (on the finding's line or
    `ignore-document` in its YAML document, whose `lines` start at `first_line`) and per-rule severities or
    `off` from the settings."""
    per_line, whole = directives(lines, first_line)
    out = []
    for f in findings:
        severity = severity_for(f.code, f.severity) if severity_for is not None else f.severity
        if severity is None or is_suppressed(f, per_line, whole):
            continue
        out.append(f if severity == f.severity else replace(f, severity=severity))
    return out


def assess(root: YMap, doc: int, obs: Observation, now: float, mask: Masker | None = None) -> LiveState:
    """The live state of the object `root` (document `doc` of its file) from what the cluster reported."""
    mask = mask or Masker()
    summary = summarise(obs)
    if obs.error:
        finding = Finding(span=object_anchor(root), severity=Severity.INFO, code=READ_DENIED,
                          message=f"live state unavailable: {mask(obs.error)}", doc=doc,
                          data={"live": True, "context": obs.context})
        return LiveState(summary, False, obs.context, error=mask(obs.error),
                         findings=[finding] if obs.forbidden else [])
    live = obs.live
    if live is None:
        return LiveState(summary, False, obs.context)
    group = str(live.get("apiVersion", "")).rpartition("/")[0] if "/" in str(live.get("apiVersion", "")) else ""
    ctx = _Ctx(root, doc, obs, now, mask, pod_template(root, group, obs.kind))
    _container_findings(ctx)
    _scheduling_findings(ctx)
    _selector_findings(ctx)
    created = parse_time((live.get("metadata") or {}).get("creationTimestamp"))
    images: list[str] = []
    for pod in obs.pods:
        for _, cs in _statuses(pod):
            image = str(cs.get("image") or "")
            if image and image not in images:
                images.append(image)
    events = sorted(obs.events, key=lambda e: (e.get("type") != "Warning", -(event_time(e) or 0)))
    lines = []
    for ev in events[:MAX_EVENTS]:
        ref = ev.get("involvedObject") or ev.get("regarding") or {}
        t = event_time(ev)
        lines.append(EventLine(str(ev.get("type") or ""), mask(str(ev.get("reason") or "")),
                               mask(str(ev.get("message") or ev.get("note") or "").strip()),
                               ago(now - t) if t is not None else "?", event_count(ev),
                               f"{ref.get('kind', '')} {ref.get('name', '')}".strip()))
    findings = sorted(ctx.out.values(), key=lambda f: f.sort_key)
    return LiveState(summary, True, obs.context, ago(now - created) if created is not None else "",
                     _conditions(live, now, mask), images,
                     [mask(pod_line(p)) for p in sorted(obs.pods, key=_pod_name)][:MAX_EVENTS], lines, findings,
                     notes=[mask(n) for n in obs.notes])
