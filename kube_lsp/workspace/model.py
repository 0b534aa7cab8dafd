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
"""

from __future__ import annotations

import os
import posixpath
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Final

from kube_lsp.suggest import suggest
from kube_lsp.workspace.index import FileIndex, Obj, Ref, Selector

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
        self._by_kind: dict[str, dict[int, Obj]] = {}
        self._by_name: dict[tuple[str, str], dict[int, Obj]] = {}
        self._by_name_dir: dict[tuple[str, str, str], dict[int, Obj]] = {}  # (kind, name, directory)
        self._dirs: dict[str, str] = {}  # origin → its normalised directory
        self._pods: dict[int, Obj] = {}
        self._pods_by_label: dict[tuple[str, str], dict[int, Obj]] = {}
        self._pods_by_part: dict[str, dict[int, Obj]] = {}
        self._ns: dict[tuple[str, int, str], str | None] = {}
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
            k = id(o)
            self._by_kind.setdefault(o.kind, {})[k] = o
            self._by_name.setdefault((o.kind, o.name), {})[k] = o
            self._by_name_dir.setdefault((o.kind, o.name, self._dir(o.origin)), {})[k] = o
            if o.pod_labels is not None and not o.partial:
                self._pods[k] = o
                for kv in o.pod_labels:
                    self._pods_by_label.setdefault(kv, {})[k] = o
                for part in {x for kv in o.pod_labels for x in kv}:
                    self._pods_by_part.setdefault(part, {})[k] = o

    def _take_out(self, fi: FileIndex) -> None:
        for o in fi.objects:
            k = id(o)
            self._by_kind.get(o.kind, {}).pop(k, None)
            named = self._by_name.get((o.kind, o.name))
            if named is not None:
                named.pop(k, None)
                if not named:
                    del self._by_name[(o.kind, o.name)]
            in_dir = self._by_name_dir.get((o.kind, o.name, self._dir(o.origin)))
            if in_dir is not None:
                in_dir.pop(k, None)
                if not in_dir:
                    del self._by_name_dir[(o.kind, o.name, self._dir(o.origin))]
            if self._pods.pop(k, None) is not None:
                for kv in o.pod_labels or ():
                    self._pods_by_label.get(kv, {}).pop(k, None)
                for part in {x for kv in o.pod_labels or () for x in kv}:
                    self._pods_by_part.get(part, {}).pop(k, None)

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
        self._by_kind, self._by_name, self._pods = {}, {}, {}
        self._by_name_dir = {}
        self._pods_by_label, self._pods_by_part = {}, {}
        self._effective = {}
        for origin, fi in self.files.items():
            if not fi.partial and _norm(origin) in self._patches:
                fi = replace(fi, partial=True, objects=tuple(replace(o, partial=True) for o in fi.objects))
                self._effective[origin] = fi
            self._put_in(fi)
        self._built = True
        self._ns = {}
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
        if o.cluster_scoped:
            return None
        if o.namespace:
            return o.namespace
        if self.namespace:
            return self.namespace
        self._build()
        if not self._kust_ns:
            return None
        key = (o.origin, 0, "")
        if key not in self._ns:
            self._ns[key] = self._kust_ns.get(_norm(o.origin))
        return self._ns[key]

    def selected(self, selector: Selector, ns: str | None) -> list[Obj]:
        """The pod templates a selector matches in a namespace (through an index of labels)."""
        return list(self._selected(selector, ns))

    def selects_any(self, selector: Selector, ns: str | None) -> bool:
        """Whether the selector matches a pod template in the namespace (`selected`, stopping at the first)."""
        return any(True for _ in self._selected(selector, ns))

    def _selected(self, selector: Selector, ns: str | None) -> Iterator[Obj]:
        self._build()
        first = next((t for t in selector.terms if t.op == "="), None)
        pool = (self._pods_by_label.get((first.key, first.values[0]), {}) if first is not None
                else self._pods).values()
        return (p for p in pool if self.same_namespace(ns, self.namespace_of(p))
                and selector.matches(dict(p.pod_labels or ())))

    def has_pods_in(self, ns: str | None) -> bool:
        """Whether a workload of the workspace runs pods in the namespace."""
        self._build()
        return any(self.same_namespace(ns, self.namespace_of(p)) for p in self._pods.values())

    def pods_sharing(self, selector: Selector, ns: str | None) -> list[Obj]:
        """The pod templates of a namespace with a label key or value that the selector names (the only ones
        a one-label typo can have missed)."""
        self._build()
        seen: dict[int, Obj] = {}
        for t in selector.terms:
            for part in (t.key, *t.values):
                for k, p in self._pods_by_part.get(part, {}).items():
                    seen.setdefault(k, p)
        return [p for p in seen.values() if self.same_namespace(ns, self.namespace_of(p))]

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
        return list(self._by_kind.get(kind, {}).values())

    def named(self, kind: str, name: str) -> list[Obj]:
        self._build()
        found = self._by_name.get((kind, name))
        return sorted(found.values(), key=lambda o: (o.origin, o.first_line)) if found else []

    def pods(self) -> list[Obj]:
        self._build()
        return list(self._pods.values())

    def same_namespace(self, a: str | None, b: str | None) -> bool:
        """Whether two resolved namespaces may be the same one (unknown matches any)."""
        return a is None or b is None or a == b

    def ref_namespace(self, src: Obj, ref: Ref) -> str | None:
        """The namespace a reference looks in: the one written next to it, else its object's."""
        return ref.namespace or self.namespace_of(src)

    def resolve(self, src: Obj, ref: Ref) -> list[Obj]:
        """The objects a reference names (full definitions first, patches after)."""
        ns = self.ref_namespace(src, ref)
        out = [o for kind in ref.kinds for o in self.named(kind, ref.name)
               if o.cluster_scoped or self.same_namespace(ns, self.namespace_of(o))]
        out.sort(key=lambda o: o.partial)
        return out

    def candidates(self, src: Obj, ref: Ref) -> list[Obj]:
        """Objects of the kinds a reference wants, in a namespace it can reach."""
        ns = self.ref_namespace(src, ref)
        return [o for kind in ref.kinds for o in self.objects(kind)
                if not o.partial and (o.cluster_scoped or self.same_namespace(ns, self.namespace_of(o)))]

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


def all_files(ws: Workspace) -> Iterable[FileIndex]:
    return ws.files.values()
