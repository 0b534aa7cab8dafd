"""The workspace: the objects of every file of a run (CLI) or of the workspace folders and open documents
(server), with namespaces resolved and lookups by kind, name and labels.

Namespaces. An object's namespace is the one its document gives, else the `namespace` of `.kube-lsp.yaml`,
else the `namespace:` of a Kustomization that lists its file (directly, or through a directory it lists),
else unknown: applied with `kubectl apply -n`, it may land anywhere, so it matches a reference of any
namespace and is shown as `default`. Cluster-scoped kinds have none.

Which copies are applied together. Two definitions of one object are a duplicate only when they would be
applied together: in one file, in one directory (`kubectl apply -f dir/`), or both listed (directly or
through their directories) by one Kustomization. Kustomize patches are partial objects, never definitions;
an overlay redefining a base's object is what overlays are for; two example folders each defining `web`
are alternatives.

Limits. At most MAX_FILES files and MAX_OBJECTS objects are indexed (the rest is left out, and the server
says so); an index entry holds names, labels and spans only, never the trees.

Scale. A monorepo defines one name, or one set of labels, in thousands of places (a copy per team, overlay or
environment, often each in a namespace of its own), and a check asks about each copy. So no lookup scans
every object or every copy: each index keeps its objects by namespace too (`_Pool`), pod templates are also
indexed by their distinct sets of labels, and what a lookup derives from many objects is remembered (`memo`)
until the workspace next changes.
"""

from __future__ import annotations

import heapq
import os
import posixpath
import re
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Final, TypeVar, cast

from kube_lsp.suggest import suggest
from kube_lsp.workspace.index import FileIndex, Obj, Ref, Selector

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)
Labels = tuple[tuple[str, str], ...]  # a pod template's labels, as its index holds them
_DIGITS: Final = re.compile(r"[0-9]+")
MAX_FILES: Final = 20_000
MAX_OBJECTS: Final = 200_000

# Kinds whose objects run pods.
POD_KINDS: Final = frozenset({"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob",
                              "ReplicationController", "PodTemplate"})


@dataclass(frozen=True, slots=True)
class Target:
    """A resolved reference: the object and the reference that names it."""

    obj: Obj
    ref: Ref


class _Pool:
    """The objects under one key of an index, in index order, and the same by namespace (None: unknown or
    cluster-scoped), so that a lookup in one namespace reaches its objects without passing the others'."""

    __slots__ = ("all", "_by_ns")

    def __init__(self) -> None:
        self.all: dict[int, Obj] = {}
        self._by_ns: dict[str | None, dict[int, Obj]] = {}

    def add(self, k: int, o: Obj, ns: str | None) -> None:
        self.all[k] = o
        self._by_ns.setdefault(ns, {})[k] = o

    def discard(self, k: int, ns: str | None) -> None:
        if self.all.pop(k, None) is not None:
            bucket = self._by_ns.get(ns)
            if bucket is not None:
                bucket.pop(k, None)
                if not bucket:
                    del self._by_ns[ns]

    def reach(self, ns: str | None, order: Callable[[int], int]) -> Iterable[Obj]:
        """The objects a lookup in namespace `ns` may find (an unknown namespace matches any), in index order
        (`order`: an object's place in it)."""
        if ns is None:
            return self.all.values()
        here, anywhere = self._by_ns.get(ns), self._by_ns.get(None)
        if here is None or anywhere is None:
            return (here or anywhere or {}).values()
        return (o for _, o in heapq.merge(here.items(), anywhere.items(), key=lambda kv: order(kv[0])))


def _norm(path: str) -> str:
    """A path or URI in one spelling, for comparing directories."""
    if path.startswith("file://"):
        path = path[len("file://"):]
    return posixpath.normpath(path.replace(os.sep, "/"))


class Workspace:
    """Indexes of files, updated one file at a time (by content hash), and the lookups rules need."""

    def __init__(self, namespace: str | None = None, label: Callable[[str], str] | None = None) -> None:
        self.files: dict[str, FileIndex] = {}
        self.namespace = namespace  # `.kube-lsp.yaml` namespace
        self._label = label
        self.truncated = False
        self._built = False
        # Lookups, by object identity so that a file's objects can be taken out and put in again (an edit
        # updates the lookups by that file's objects only).
        self._by_kind: dict[str, _Pool] = {}
        self._by_name: dict[tuple[str, str], _Pool] = {}
        self._by_name_dir: dict[tuple[str, str, str], dict[int, Obj]] = {}  # (kind, name, directory)
        self._dirs: dict[str, str] = {}  # origin → its normalised directory
        self._pods = _Pool()
        self._pods_by_label: dict[tuple[str, str], _Pool] = {}
        self._pods_by_labels: dict[Labels, _Pool] = {}  # by the whole set of labels
        self._placed: dict[int, tuple[int, str | None]] = {}  # object → (its place in index order, namespace)
        self._next = 0
        self._sets_by_part: dict[str, dict[Labels, None]] = {}  # a label key or value → the sets holding it
        self._memo: dict[Hashable, object] = {}
        self._ns: dict[str, str | None] = {}  # origin as given → its `_kust_ns` (kept: normalising costs)
        self._kust_ns: dict[str, str] = {}  # file (normalised) → namespace from a Kustomization
        self._kust_sets: dict[str, set[int]] = {}  # file → ids of the Kustomizations that list it
        self._suggestions: dict[tuple[tuple[str, ...], str | None, str], list[str]] = {}
        self._labels: dict[str, str] = {}
        self._patches: set[str] = set()
        self._effective: dict[str, FileIndex] = {}
        self._objects = 0

    # ---------------------------------------------------------------------------------------- updates

    def update(self, fi: FileIndex) -> bool:
        """Replace a file's index; False when it was already indexed with this content (nothing to do)."""
        old = self.files.get(fi.origin)
        if old is not None and old.digest and old.digest == fi.digest and old.partial == fi.partial:
            return False
        if old is None and (len(self.files) >= MAX_FILES or self._objects + len(fi.objects) > MAX_OBJECTS):
            self.truncated = True
            return False
        self._objects += len(fi.objects) - (len(old.objects) if old is not None else 0)
        self._memo.clear()
        incremental = self._built and not fi.kustomizations and not (old is not None and old.kustomizations) \
            and _norm(fi.origin) not in self._patches
        if incremental and old is not None:
            self._take_out(self.file(fi.origin) or old)
        self.files[fi.origin] = fi
        if incremental:
            self._effective.pop(fi.origin, None)
            self._put_in(fi)
            self._forget_suggestions(old, fi)
        else:
            self._built = False
        return True

    def remove(self, origin: str) -> bool:
        old = self.files.get(origin)
        if old is None:
            return False
        self._memo.clear()
        if self._built and not old.kustomizations:
            self._take_out(self.file(origin) or old)
            self._forget_suggestions(old, None)
        else:
            self._built = False
        del self.files[origin]
        self._effective.pop(origin, None)
        self._objects -= len(old.objects)
        return True

    def _put_in(self, fi: FileIndex) -> None:
        for o in fi.objects:
            k, ns = id(o), self._resolved_namespace(o)
            self._placed[k] = (self._next, ns)
            self._next += 1
            self._by_kind.setdefault(o.kind, _Pool()).add(k, o, ns)
            self._by_name.setdefault((o.kind, o.name), _Pool()).add(k, o, ns)
            self._by_name_dir.setdefault((o.kind, o.name, self._dir(o.origin)), {})[k] = o
            if o.pod_labels is not None and not o.partial:
                self._pods.add(k, o, ns)
                for kv in o.pod_labels:
                    self._pods_by_label.setdefault(kv, _Pool()).add(k, o, ns)
                same = self._pods_by_labels.setdefault(o.pod_labels, _Pool())
                if not same.all:
                    for part in {x for kv in o.pod_labels for x in kv}:
                        self._sets_by_part.setdefault(part, {})[o.pod_labels] = None
                same.add(k, o, ns)

    def _take_out(self, fi: FileIndex) -> None:
        for o in fi.objects:
            k = id(o)
            placed = self._placed.pop(k, None)
            if placed is None:
                continue
            ns = placed[1]
            _discard(self._by_kind, o.kind, k, ns)
            _discard(self._by_name, (o.kind, o.name), k, ns)
            in_dir = self._by_name_dir.get((o.kind, o.name, self._dir(o.origin)))
            if in_dir is not None:
                in_dir.pop(k, None)
                if not in_dir:
                    del self._by_name_dir[(o.kind, o.name, self._dir(o.origin))]
            if o.pod_labels is not None and k in self._pods.all:
                self._pods.discard(k, ns)
                for kv in o.pod_labels:
                    _discard(self._pods_by_label, kv, k, ns)
                if _discard(self._pods_by_labels, o.pod_labels, k, ns):
                    for part in {x for kv in o.pod_labels for x in kv}:
                        sets = self._sets_by_part.get(part, {})
                        sets.pop(o.pod_labels, None)
                        if not sets:
                            self._sets_by_part.pop(part, None)

    def _order(self, k: int) -> int:
        return self._placed[k][0]

    def _forget_suggestions(self, old: FileIndex | None, new: FileIndex | None) -> None:
        """Drop the remembered suggestions of kinds whose names the update changed."""
        before = {(o.kind, o.name) for o in old.objects} if old is not None else set()
        after = {(o.kind, o.name) for o in new.objects} if new is not None else set()
        kinds = {kind for kind, _ in before ^ after}
        if kinds:
            self._suggestions = {key: v for key, v in self._suggestions.items() if not kinds & set(key[0])}

    def changed(self) -> None:
        """Something every lookup depends on changed (the configured namespace)."""
        self._built = False
        self._memo.clear()

    def memo(self, key: Hashable, make: Callable[[], T]) -> T:
        """`make()`, remembered under `key` until the workspace changes: for what a check derives from many
        objects and asks again for each copy of an object (see Scale in the module docstring)."""
        self._build()
        try:
            return cast(T, self._memo[key])
        except KeyError:
            got = self._memo[key] = make()
            return got

    def label(self, origin: str) -> str:
        if self._label is None:
            return origin
        got = self._labels.get(origin)
        if got is None:
            got = self._labels[origin] = self._label(origin)
        return got

    # ---------------------------------------------------------------------------------------- lookups

    def _build(self) -> None:
        if self._built:
            return
        self._kustomize()
        self._ns = {}
        self._by_kind, self._by_name, self._pods = {}, {}, _Pool()
        self._by_name_dir, self._placed = {}, {}
        self._pods_by_label, self._pods_by_labels, self._sets_by_part = {}, {}, {}
        self._effective = {}
        self._memo = {}
        for origin, fi in self.files.items():
            if not fi.partial and _norm(origin) in self._patches:
                fi = replace(fi, partial=True, objects=tuple(replace(o, partial=True) for o in fi.objects))
                self._effective[origin] = fi
            self._put_in(fi)
        self._built = True
        self._suggestions = {}

    def _kustomize(self) -> None:
        """Which files each Kustomization lists, and the namespace it gives them."""
        direct: dict[str, list[tuple[int, str | None]]] = defaultdict(list)
        by_dir: dict[str, list[tuple[int, str | None, tuple[str, ...]]]] = defaultdict(list)
        n = 0
        patches: set[str] = set()
        for origin, fi in self.files.items():
            base = posixpath.dirname(_norm(origin))
            for k in fi.kustomizations:
                n += 1
                patches.update(posixpath.normpath(posixpath.join(base, p)) for p in k.patches)
                entries = tuple(posixpath.normpath(posixpath.join(base, r)) for r in (*k.resources, *k.patches))
                by_dir[base].append((n, k.namespace, entries))
        for ks in by_dir.values():
            for kid, ns, entries in ks:
                for e in entries:
                    direct[e].append((kid, ns))
                    # A listed directory with a Kustomization of its own: its files come along.
                    for _, _, inner in by_dir.get(e, ()):
                        for f in inner:
                            direct[f].append((kid, ns))
        self._kust_sets = {f: {kid for kid, _ in v} for f, v in direct.items()}
        ns_of: dict[str, str] = {}
        for f, v in direct.items():
            named = [ns for _, ns in v if ns]
            if named:
                ns_of[f] = named[0]
        self._kust_ns = ns_of
        self._patches = patches

    def file(self, origin: str) -> FileIndex | None:
        """A file's index as the workspace sees it: a file a Kustomization uses as a patch holds partial
        objects, whatever its reader knew."""
        self._build()
        return self._effective.get(origin) or self.files.get(origin)

    def namespace_of(self, o: Obj) -> str | None:
        """The object's namespace (see the module docstring); None when cluster-scoped or unknown."""
        if not (o.cluster_scoped or o.namespace or self.namespace):
            self._build()  # it may come from a Kustomization
        return self._resolved_namespace(o)

    def _resolved_namespace(self, o: Obj) -> str | None:
        """`namespace_of` once the Kustomizations are read (while the lookups are being built)."""
        if o.cluster_scoped:
            return None
        if o.namespace or self.namespace:
            return o.namespace or self.namespace
        if not self._kust_ns:
            return None
        if o.origin not in self._ns:
            self._ns[o.origin] = self._kust_ns.get(_norm(o.origin))
        return self._ns[o.origin]

    def selected(self, selector: Selector, ns: str | None) -> list[Obj]:
        """The pod templates a selector matches in a namespace (through an index of labels)."""
        return list(self.memo(("selected", selector_key(selector), ns), lambda: tuple(self._selected(selector, ns))))

    def selects_any(self, selector: Selector, ns: str | None) -> bool:
        """Whether the selector matches a pod template in the namespace (`selected`, stopping at the first)."""
        return self.memo(("selects", selector_key(selector), ns),
                         lambda: any(True for _ in self._selected(selector, ns)))

    def _selected(self, selector: Selector, ns: str | None) -> Iterator[Obj]:
        self._build()
        first = next((t for t in selector.terms if t.op == "="), None)
        pool = self._pods_by_label.get((first.key, first.values[0])) if first is not None else self._pods
        reach = pool.reach(ns, self._order) if pool is not None else ()
        return (p for p in reach if selector.matches(dict(p.pod_labels or ())))

    def has_pods_in(self, ns: str | None) -> bool:
        """Whether a workload of the workspace runs pods in the namespace."""
        return self.memo(("pods in", ns), lambda: any(True for _ in self._pods.reach(ns, self._order)))

    def label_sets_sharing(self, selector: Selector) -> list[Labels]:
        """The distinct sets of labels of pod templates with a label key or value that the selector names
        (the only templates a one-label typo can have missed), each once however many templates share it."""
        self._build()
        seen: dict[Labels, None] = {}
        for t in selector.terms:
            for part in (t.key, *t.values):
                seen.update(self._sets_by_part.get(part, {}))
        return list(seen)

    def first_with_labels(self, labels: Labels, ns: str | None) -> Obj | None:
        """The first pod template (in file order) of a namespace with exactly these labels."""
        def first() -> Obj | None:
            pool = self._pods_by_labels.get(labels)
            return min(pool.reach(ns, self._order), key=lambda p: (p.origin, p.first_line),
                       default=None) if pool is not None else None
        return self.memo(("first with", labels, ns), first)

    def close_names(self, kinds: tuple[str, ...], ns: str | None, name: str, pool: Iterable[str]) -> list[str]:
        """`suggest(name, pool)`, remembered until the workspace changes."""
        key = (kinds, ns, name)
        found = self._suggestions.get(key)
        if found is None:
            # `data-3` is not a typo of `data-1`: names that differ only in their numbers are siblings.
            shape = _DIGITS.sub("#", name)
            found = self._suggestions[key] = [c for c in suggest(name, pool) if _DIGITS.sub("#", c) != shape]
        return found

    def shown_namespace(self, o: Obj) -> str:
        return self.namespace_of(o) or ("" if o.cluster_scoped else "default")

    def objects(self, kind: str | None = None) -> list[Obj]:
        self._build()
        if kind is None:
            return [o for fi in self.files.values() for o in fi.objects]
        pool = self._by_kind.get(kind)
        return list(pool.all.values()) if pool is not None else []

    def named(self, kind: str, name: str) -> list[Obj]:
        """The objects of a kind and name, in file order."""
        return list(self._named_in(kind, name, None))

    def _named_in(self, kind: str, name: str, ns: str | None) -> tuple[Obj, ...]:
        """The objects of a kind and name a lookup in namespace `ns` reaches, in file order."""
        def ordered() -> tuple[Obj, ...]:
            found = self._by_name.get((kind, name))
            return tuple(sorted(found.reach(ns, self._order), key=lambda o: (o.origin, o.first_line))
                         ) if found is not None else ()
        return self.memo(("named", kind, name, ns), ordered)

    def pods(self) -> list[Obj]:
        self._build()
        return list(self._pods.all.values())

    def same_namespace(self, a: str | None, b: str | None) -> bool:
        """Whether two resolved namespaces may be the same one (unknown matches any)."""
        return a is None or b is None or a == b

    def ref_namespace(self, src: Obj, ref: Ref) -> str | None:
        """The namespace a reference looks in: the one written next to it, else its object's."""
        return ref.namespace or self.namespace_of(src)

    def resolve(self, src: Obj, ref: Ref) -> list[Obj]:
        """The objects a reference names (full definitions first, patches after)."""
        ns = self.ref_namespace(src, ref)

        def found() -> tuple[Obj, ...]:
            out = [o for kind in ref.kinds for o in self._named_in(kind, ref.name, ns)]
            out.sort(key=lambda o: o.partial)
            return tuple(out)
        return list(self.memo(("resolve", ref.kinds, ref.name, ns), found))

    def candidates(self, src: Obj, ref: Ref) -> dict[str, Obj]:
        """The names of the objects of the kinds a reference wants, in a namespace it can reach, each with
        its first object (kind by kind, in index order)."""
        ns = self.ref_namespace(src, ref)

        def by_name() -> dict[str, Obj]:
            out: dict[str, Obj] = {}
            for kind in ref.kinds:
                pool = self._by_kind.get(kind)
                for o in pool.reach(ns, self._order) if pool is not None else ():
                    if not o.partial:
                        out.setdefault(o.name, o)
            return out
        return self.memo(("candidates", ref.kinds, ns), by_name)

    def references_to(self, target: Obj) -> Iterator[tuple[Obj, Ref]]:
        """Every reference in the workspace that names `target`."""
        self._build()
        tns = self.namespace_of(target)
        for origin in self.files:
            fi = self.file(origin)
            assert fi is not None
            for o in fi.objects:
                for r in o.refs:
                    if r.name == target.name and target.kind in r.kinds and (
                            target.cluster_scoped or self.same_namespace(self.ref_namespace(o, r), tns)):
                        yield o, r

    def _dir(self, origin: str) -> str:
        found = self._dirs.get(origin)
        if found is None:
            found = self._dirs[origin] = posixpath.dirname(_norm(origin))
        return found

    def applied_together(self, a: Obj, b: Obj) -> bool:
        """Whether two definitions are applied together (see the module docstring)."""
        if a.origin == b.origin or self._dir(a.origin) == self._dir(b.origin):
            return True
        self._build()
        ka, kb = self._kust_sets.get(_norm(a.origin), set()), self._kust_sets.get(_norm(b.origin), set())
        return bool(ka & kb)

    def named_together(self, o: Obj) -> list[Obj]:
        """`named(o.kind, o.name)` restricted to the objects `applied_together` with `o` (itself included),
        without comparing `o` with every same-named object of the workspace (a name defined in each of
        thousands of directories would make that quadratic): those of its directory, and, when a
        Kustomization lists its file, those that Kustomization brings along."""
        self._build()
        if self._kust_sets.get(_norm(o.origin)):
            return [x for x in self.named(o.kind, o.name) if self.applied_together(o, x)]
        found = self._by_name_dir.get((o.kind, o.name, self._dir(o.origin)))
        return sorted(found.values(), key=lambda x: (x.origin, x.first_line)) if found else []

    def certainly_together(self, a: Obj, b: Obj) -> bool:
        """Whether two definitions are certainly applied together: one file, or one Kustomization (two files
        of a directory may be alternatives, variants of one example)."""
        if a.origin == b.origin:
            return True
        self._build()
        return bool(self._kust_sets.get(_norm(a.origin), set()) & self._kust_sets.get(_norm(b.origin), set()))

    def find(self, origin: str, line: int, col: int) -> Obj | None:
        """The object whose `metadata.name` value is at the position."""
        fi = self.files.get(origin)
        if fi is None:
            return None
        for o in fi.objects:
            s = o.name_span
            if (s.start.line, s.start.col) <= (line, col) <= (s.end.line, s.end.col):
                return o
        return None

    def ref_at(self, origin: str, line: int, col: int) -> tuple[Obj, Ref] | None:
        """The reference whose name (or key) is at the position."""
        fi = self.files.get(origin)
        if fi is None:
            return None
        for o in fi.objects:
            for r in o.refs:
                for s in (r.span, r.key_span):
                    if s is not None and (s.start.line, s.start.col) <= (line, col) <= (s.end.line, s.end.col):
                        return o, r
        return None

    def object_at_line(self, origin: str, line: int) -> Obj | None:
        fi = self.files.get(origin)
        if fi is None:
            return None
        best = None
        for o in fi.objects:
            if o.first_line <= line and (best is None or o.first_line >= best.first_line):
                best = o
        return best


def _discard(index: dict[K, _Pool], key: K, k: int, ns: str | None) -> bool:
    """Take object `k` out of `index[key]`; True when that left the key with no objects (it is dropped)."""
    pool = index.get(key)
    if pool is None:
        return False
    pool.discard(k, ns)
    if pool.all:
        return False
    del index[key]
    return True


def selector_key(selector: Selector) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """What a selector selects by, without where it is written (copies of a Service have equal keys)."""
    return tuple((t.key, t.op, t.values) for t in selector.terms)


def all_files(ws: Workspace) -> Iterable[FileIndex]:
    return ws.files.values()
