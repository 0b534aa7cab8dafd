"""The content-hash cache of `kube-lsp check`: findings of a file (or, in a big file, of one document) that were
already computed under the same conditions are read back instead of analysed again.

Key. The findings of the files of one directory are one entry, keyed by the run's context and the directory (as
the paths were given); in it, each file (its path, whether it is a kustomize patch) has the SHA-256 of its text
and its findings, which are used only while the text has that hash. A file too big to analyse in one piece has
an entry of its own, keyed by the context, its path and whether it is a patch, that maps the SHA-256 of each
document's text to that document's findings (an edit re-analyses one document). The context holds everything
else that can change a finding: the cache format, kube-lsp's version and the size and modification time of each
of its own source and overlay files (an edited development checkout invalidates itself), ruamel.yaml's files,
every setting that is not about which files are checked (target version, severities, ...), the identity of the
schemas (the bundled files' size and modification time, or a hash of the cluster's schemas) and a hash of every
input that holds a Namespace's Pod Security label (path and text: they apply to every file). One entry per
directory rather than per file: a file costs a read or a write of its own on a cold run (about 0.3 ms here), a
directory's entry is one for all its files.

CRDs. Each file's (or document's) findings also record which (apiVersion, kind) entries of the CRD table its
analysis read (kube_lsp/schema/catalog.py records them: its own kind, the kinds it refers to, a kind in any
version, or the whole table), with a hash of the CRD documents of the run that define them (path, line, text:
CrdDefs); they are used only while that hash is the same. So a changed CRD re-checks its custom resources and
itself, a new CRD also the documents that looked for its kind in vain, and nothing else. What a CRD file
defines is cached by its text: an unchanged run parses no CRD.

Cross-file findings (the KL5xx workspace rules) depend on every file: they are one more entry, keyed by the
context, the current directory (messages name other files relative to it) and the path, patch flag and text
hash of every input in order, and hold each file's cross-file findings; any change recomputes them all, over
the indexes of every file (stored pickled with each file's findings, read only then). The rule table the JSON
and SARIF formats print is an entry too, and so is a run's whole report (kube_lsp/cli.py `_replay_key`): an
unchanged re-run prints it again without reading any other entry.

Layout. `<cache dir>/v1/<2 hex>/<62 hex>`: a magic line, the key, then a pickle of {name: (content hash,
document count, findings, pickled workspace index, CRD reads, their hash)} (or of the cross-file findings, the
CRD definitions, the rule table). The cache directory is `$XDG_CACHE_HOME/kube-lsp/check` when
XDG_CACHE_HOME is set, else `~/.cache/kube-lsp/check` (Linux and other Unix), `~/Library/Caches/kube-lsp/check` (macOS),
`%LOCALAPPDATA%\\kube-lsp\\cache\\check` (Windows). Directories are created private to the user (an entry is a
pickle: whoever can write there can run code as the user, as with any cache of Python objects).

Concurrency. An entry is written to a temporary file in its directory and moved into place with `os.replace`, so
readers see a whole entry or none. When two runs rewrite the same entry at once, the last one wins and what only
the other one added is analysed again by the next run. A reader ignores an entry it cannot read or that does not
hold what its key promises (truncated, corrupt, another format): it is a miss, and the entry is written again. A
directory's entry keeps the files a run did not check (pre-commit checks only the changed ones) and replaces
those it did.

Size. At most `KUBE_LSP_CACHE_MAX_MB` megabytes (default 256). After a run that wrote entries (at most once
every 10 minutes) the directory is measured and, when it is bigger, the least recently used entries are removed
(a hit refreshes an entry's modification time once a day) until it is below 80 % of the limit; temporary files
older than an hour (left by a killed run) go too.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import pickle
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Final

import kube_lsp
from kube_lsp.collector import paused
from kube_lsp.model import Finding

if TYPE_CHECKING:  # not imported at run time: an unchanged re-run needs neither
    from kube_lsp.config import Settings
    from kube_lsp.workspace.index import FileIndex

# The directory's layout (`v1/`, pruned as a whole); the entries' format is in the magic line and the context:
# entries of another format are misses, and the least recently used go first as ever.
FORMAT: Final = "v1"
_ENTRIES: Final = "entries-3"
_MAGIC: Final = b"kube-lsp check cache v1 entries-3\n"
DEFAULT_MAX_MB: Final = 256
MAX_MB_VAR: Final = "KUBE_LSP_CACHE_MAX_MB"
# Settings that choose which files are checked, not what is found in them.
_NOT_FINDINGS: Final = frozenset({"exclude", "exclude_root", "warnings"})
_PRUNE_EVERY_S: Final = 600
_TOUCH_AFTER_S: Final = 86_400
_STALE_TMP_S: Final = 3600


def cache_dir() -> Path:
    """Where `kube-lsp check` keeps its cache (see the module docstring)."""
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        base = Path(xdg)
    elif sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        base = Path(local) / "kube-lsp" / "cache" if local else Path.home() / "AppData" / "Local" / "kube-lsp" / "cache"
        return base / "check"
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path.home() / ".cache"
    return base / "kube-lsp" / "check"


def max_bytes() -> int:
    """The size limit: KUBE_LSP_CACHE_MAX_MB megabytes (default 256); an unreadable value is the default."""
    try:
        mb = float(os.environ.get(MAX_MB_VAR, DEFAULT_MAX_MB))
    except ValueError:
        mb = DEFAULT_MAX_MB
    if not math.isfinite(mb):  # nan, inf: not a size
        mb = DEFAULT_MAX_MB
    return int(max(mb, 0) * 1e6)


def _code_identity() -> list[object]:
    """kube-lsp's version and the size and modification time of its own source and overlay files."""
    here = Path(kube_lsp.__file__).resolve().parent
    from kube_lsp.resources import schemas_dir

    stamps: list[object] = [kube_lsp.__version__]
    for top in (here, schemas_dir()):
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = sorted(d for d in dirnames if d not in ("__pycache__", "_schemas"))
            for name in sorted(filenames):
                if name.endswith((".py", ".yaml", ".yml", ".json")):
                    try:
                        st = os.stat(os.path.join(dirpath, name))
                    except OSError:
                        continue
                    stamps.append((os.path.relpath(os.path.join(dirpath, name), top), st.st_size, st.st_mtime_ns))
    return stamps


def settings_identity(settings: Settings) -> list[object]:
    """Every setting that can change a finding, in a stable form (a new setting is included by default)."""
    out: list[object] = []
    for f in fields(settings):
        if f.name in _NOT_FINDINGS:
            continue
        value = getattr(settings, f.name)
        if isinstance(value, Mapping):
            value = sorted((str(k), repr(v)) for k, v in value.items())
        out.append((f.name, repr(value)))
    return out


def _ruamel_identity() -> list[object]:
    """ruamel.yaml as installed (where, size and modification time of its files), without importing it."""
    # Where `import ruamel.yaml` finds it: the first entry of sys.path that has it (importlib's own search,
    # find_spec, would list every directory of sys.path, site-packages included).
    found = [os.path.join(entry or ".", "ruamel", "yaml") for entry in sys.path
             if os.path.isfile(os.path.join(entry or ".", "ruamel", "yaml", "__init__.py"))][:1]
    import importlib.util

    if not found:
        try:
            spec = importlib.util.find_spec("ruamel.yaml")
        except (ImportError, ValueError):
            return ["-"]
        found = list(spec.submodule_search_locations or []) if spec is not None else []
    stamps: list[object] = []
    for top in found:
        try:
            names = sorted(os.listdir(top))
        except OSError:
            continue
        for name in names:
            if name.endswith(".py"):
                try:
                    st = os.stat(os.path.join(top, name))
                except OSError:
                    continue
                stamps.append((os.path.join(top, name), st.st_size, st.st_mtime_ns))
    for top in found:  # its C extension, _ruamel_yaml, is next to the package
        site = os.path.dirname(os.path.dirname(top))
        try:
            names = sorted(n for n in os.listdir(site) if n.startswith("_ruamel_yaml"))
        except OSError:
            names = []
        for name in names:
            try:
                st = os.stat(os.path.join(site, name))
            except OSError:
                continue
            stamps.append((os.path.join(site, name), st.st_size, st.st_mtime_ns))
    return stamps


def run_context(settings: Settings, schemas: str, ns_inputs: Iterable[tuple[str, str]]) -> str:
    """The part of every key that is the same for a whole run: see the module docstring. `schemas` names the
    schemas (bundled_identity or a cluster's hash); `ns_inputs` are (path, text) of the inputs holding a
    Namespace's Pod Security label, in input order (CRDs are a dependency of each entry: CrdDefs)."""
    inputs = hashlib.sha256()
    for path, text in ns_inputs:
        inputs.update(f"{len(path)}:{path}{len(text)}:".encode("utf-8", "surrogatepass"))
        inputs.update(text.encode("utf-8", "surrogatepass"))
    parts = [FORMAT, _ENTRIES, _code_identity(), _ruamel_identity(), settings_identity(settings), schemas,
             inputs.hexdigest()]
    return hashlib.sha256(json.dumps(parts, default=repr).encode("utf-8")).hexdigest()


# A CRD of the run: (path, first line of its document, SHA-256 of the document's text).
CrdDoc = tuple[str, int, str]


class CrdDefs:
    """Which documents of the run's inputs define each (apiVersion, kind) as a CRD, to validate an entry's CRD
    dependencies (`Entry.crds`, recorded by kube_lsp/schema/catalog.py while it was analysed): the entry is
    used only while every (apiVersion, kind) it read is defined by the same CRD documents (same path, line
    and text) as when it was made; ("*", kind): the same for the kind in every apiVersion; when it read the
    CRD table as a whole (ALL_CRDS), while every CRD document of the run is the same. What a CRD file
    defines is cached by its text (`parse` reads it otherwise: (path, text) → [(apiVersion, kind, line of
    its document)], the engine's own reading of the file)."""

    ALL: Final = ("*", "*")

    def __init__(self, cache: CheckCache, inputs: Sequence[tuple[str, str]],
                 parse: Callable[[str, str], list[tuple[str, str, int]]]) -> None:
        self._cache, self._inputs, self._parse = cache, inputs, parse
        self._defs: dict[tuple[str, str], tuple[CrdDoc, ...]] | None = None
        self._all: tuple[CrdDoc, ...] = ()
        self._digests: dict[tuple[tuple[str, str], ...], str] = {}

    def _load(self) -> dict[tuple[str, str], tuple[CrdDoc, ...]]:
        if self._defs is not None:
            return self._defs
        from kube_lsp.parsing.text import split_documents

        key = self._cache.key("crd-definitions", "", False, "")
        raw = self._cache._load(key)
        known: dict[str, tuple[tuple[str, str, int], ...]] = raw if isinstance(raw, dict) else {}
        fresh: dict[str, tuple[tuple[str, str, int], ...]] = {}
        defs: dict[tuple[str, str], list[CrdDoc]] = {}
        every: list[CrdDoc] = []
        for path, text in self._inputs:
            digest = text_hash(text)
            found = known.get(digest)
            if not isinstance(found, tuple):
                found = fresh[digest] = tuple(self._parse(path, text))
            chunks = [c for c in split_documents(text) if c.has_content]
            docs: dict[int, CrdDoc] = {}
            for api_version, kind, line in found:
                chunk = next((c for c in chunks if c.start_line <= line < max(c.end_line, c.start_line + 1)),
                             None)
                doc = (path, chunk.start_line, text_hash(chunk.text)) if chunk is not None else (path, line, digest)
                docs.setdefault(doc[1], doc)
                defs.setdefault((api_version, kind), []).append(doc)
            every.extend(docs[line] for line in sorted(docs))
        if fresh:
            self._cache._store(key, {**{k: v for k, v in known.items() if isinstance(v, tuple)}, **fresh})
        self._defs = {k: tuple(v) for k, v in defs.items()}
        self._all = tuple(every)
        return self._defs

    def digest(self, reads: tuple[tuple[str, str], ...]) -> str:
        """What the CRD documents of the run are for these (apiVersion, kind) reads (sorted), as a hash."""
        out = self._digests.get(reads)
        if out is None:
            defs = self._load() if self._inputs else {}
            state = [(r, self._all if r == self.ALL else tuple(d for k, docs in defs.items() if k[1] == r[1]
                                                              for d in docs) if r[0] == "*" else defs.get(r, ()))
                     for r in reads]
            out = hashlib.sha256(repr(state).encode("utf-8", "surrogatepass")).hexdigest()
            self._digests[reads] = out
        return out


@dataclass(frozen=True, slots=True)
class Entry:
    documents: int
    findings: list[Finding]
    # The file's (or document's) workspace index; cross-file findings are cached per run (`workspace` entries),
    # computed over the indexes of every file of the run. Stored pickled, read only when needed (`file_index`).
    index: FileIndex | None = None
    # The (apiVersion, kind) CRD table entries its analysis read (CrdDefs.ALL: the whole table), and what the
    # run's CRDs were for them (CrdDefs.digest).
    crds: tuple[tuple[str, str], ...] = ()
    crd_digest: str = ""
    index_data: bytes | None = None

    def file_index(self) -> FileIndex | None:
        """The index, unpickled on first need; None when there is none (or it cannot be read)."""
        if self.index is not None or self.index_data is None:
            return self.index
        from kube_lsp.workspace.index import FileIndex

        try:
            with paused():
                value = pickle.loads(self.index_data)
        except Exception:  # noqa: BLE001 - a damaged entry of any kind is a miss
            return None
        return value if isinstance(value, FileIndex) else None


class CheckCache:
    """Entries under `root` for one run context."""

    def __init__(self, root: Path, context: str, limit: int | None = None) -> None:
        self.root = root
        self.base = root / FORMAT
        self.context = context
        self.limit = max_bytes() if limit is None else limit
        self.hits = self.misses = self.writes = 0
        self._made: set[str] = set()

    def key(self, unit: str, origin: str, partial: bool, text: str) -> str:
        """The key of a unit (`file` or `doc`) of the file `origin`."""
        h = hashlib.sha256(f"{self.context}\0{unit}\0{len(origin)}:{origin}\0{int(partial)}\0".encode(
            "utf-8", "surrogatepass"))
        h.update(text.encode("utf-8", "surrogatepass"))
        return h.hexdigest()

    def _path(self, key: str) -> Path:
        return self.base / key[:2] / key[2:]

    def _load(self, key: str) -> object:
        """The unpickled value stored under `key`, or None when there is none or it cannot be read."""
        path = self._path(key)
        try:
            with open(path, "rb") as fh:
                data = fh.read()
                mtime = os.fstat(fh.fileno()).st_mtime
        except OSError:
            return None
        head = _MAGIC + key.encode("ascii") + b"\n"
        if not data.startswith(head):
            return None
        try:
            with paused():
                value = pickle.loads(data[len(head):])
        except Exception:  # noqa: BLE001 - a damaged entry of any kind is a miss
            return None
        if time.time() - mtime > _TOUCH_AFTER_S:  # least recently used goes first when pruning
            try:
                os.utime(path)
            except OSError:
                pass
        return value

    def get(self, key: str) -> dict[str, tuple[str, Entry]]:
        """The entries stored under `key`: name → (content hash, entry); empty when there are none or the
        stored value cannot be trusted (then it is rewritten)."""
        value = self._load(key)
        out: dict[str, tuple[str, Entry]] = {}
        if isinstance(value, dict):
            for name, item in value.items():
                entry = _entry(item[1:]) if isinstance(item, tuple) and len(item) == 6 else None
                if not isinstance(name, str) or not isinstance(item[0], str) or entry is None:
                    out = {}
                    break
                out[name] = (item[0], entry)
        if out:
            self.hits += 1
        else:
            self.misses += 1
        return out

    def put(self, key: str, entries: dict[str, tuple[str, Entry]]) -> None:
        """Store the entries under `key`, replacing what was there."""
        self._store(key, {name: (h, e.documents, e.findings, _index_data(e), e.crds, e.crd_digest)
                          for name, (h, e) in entries.items()})

    def get_value(self, key: str) -> object:
        """Another kind of value stored under `key` (put_value), None when there is none."""
        return self._load(key)

    def put_value(self, key: str, value: object) -> None:
        self._store(key, value)

    def _store(self, key: str, value: object) -> None:
        """Write atomically; any failure (read-only or full disk) only loses the entry."""
        folder = self.base / key[:2]
        with paused():
            data = _MAGIC + key.encode("ascii") + b"\n" + pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        if len(data) > self.limit // 4:  # it would push most of the cache out: not kept
            return
        tmp = ""
        import tempfile  # here: with shutil and the compression modules it costs start-up time

        try:
            if key[:2] not in self._made:
                folder.mkdir(mode=0o700, parents=True, exist_ok=True)
                self._made.add(key[:2])
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, folder / key[2:])
            self.writes += 1
        except OSError:
            if tmp:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass

    def prune(self, force: bool = False) -> None:
        """Keep the directory under its limit (see the module docstring); never raises."""
        stamp = self.base / ".last-prune"
        try:
            if not force and (not self.writes or time.time() - stamp.stat().st_mtime < _PRUNE_EVERY_S):
                return
        except OSError:
            pass  # no stamp yet: prune now
        try:
            self.base.mkdir(mode=0o700, parents=True, exist_ok=True)
            stamp.touch()
        except OSError:
            return
        entries: list[tuple[float, int, str]] = []
        now = time.time()
        total = 0
        try:
            shards = list(os.scandir(self.base))
        except OSError:
            return
        for shard in shards:
            if not shard.is_dir(follow_symlinks=False):
                continue
            try:
                files = list(os.scandir(shard.path))
            except OSError:
                continue
            for f in files:
                try:
                    st = f.stat(follow_symlinks=False)
                except OSError:
                    continue
                if f.name.startswith(".tmp-"):
                    if now - st.st_mtime > _STALE_TMP_S:
                        _unlink(f.path)
                    continue
                entries.append((st.st_mtime, st.st_size, f.path))
                total += st.st_size
        if total <= self.limit:
            return
        goal = self.limit * 0.8
        for _, size, path in sorted(entries):
            if total <= goal:
                break
            if _unlink(path):
                total -= size


def _unlink(path: str) -> bool:
    try:
        os.unlink(path)
        return True
    except OSError:
        return False


def text_hash(text: str) -> str:
    """The SHA-256 of a file's or a document's text."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _index_data(entry: Entry) -> bytes | None:
    if entry.index is not None:
        with paused():
            return pickle.dumps(entry.index, protocol=pickle.HIGHEST_PROTOCOL)
    return entry.index_data


def _entry(value: object) -> Entry | None:
    if not isinstance(value, tuple) or len(value) != 5:
        return None
    documents, findings, index_data, crds, crd_digest = value
    if not isinstance(documents, int) or not isinstance(findings, list) or not all(
            isinstance(f, Finding) for f in findings) or not (index_data is None or isinstance(index_data, bytes)):
        return None
    if not isinstance(crds, tuple) or not isinstance(crd_digest, str) or not all(
            isinstance(r, tuple) and len(r) == 2 and all(isinstance(x, str) for x in r) for r in crds):
        return None
    return Entry(documents, findings, None, crds, crd_digest, index_data)
