"""Reading what the CLI is asked to check: paths → decoded texts, with clear errors for bad input."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final, TextIO

from kube_lsp.model import Finding, Severity, Span

YAML_SUFFIXES: Final = (".yaml", ".yml")
MAX_BYTES: Final = 16_000_000
KUSTOMIZATION_NAMES: Final = ("kustomization.yaml", "kustomization.yml", "Kustomization")


@dataclass(frozen=True, slots=True)
class Source:
    """A decoded input: its text (without BOM) or the finding that says why it cannot be read."""

    path: str
    text: str | None
    problem: Finding | None = None
    bom: bool = False


def decode(path: str, data: bytes, max_bytes: int = MAX_BYTES) -> Source:
    """Bytes → text; binary, non-UTF-8 or oversized input becomes one KL104 finding."""
    too_big = size_problem(len(data), max_bytes)
    if too_big is not None:
        return Source(path, None, too_big)
    if b"\x00" in data[:8192]:
        return Source(path, None, _problem("binary file (contains NUL bytes); it is not analysed"))
    bom = data.startswith(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start)
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1)
        return Source(path, None, Finding(
            span=Span.point(line, 0), severity=Severity.ERROR, code="KL104",
            message=(f"not valid UTF-8: byte 0x{data[exc.start]:02x} at line {line + 1}, byte {col + 1}; "
                     "Kubernetes manifests must be UTF-8"),
        ))
    return Source(path, text, None, bom)


def size_problem(size: int, max_bytes: int = MAX_BYTES, what: str = "file") -> Finding | None:
    """The KL104 finding for input over the size limit (the CLI's --max-file-size, the editor's
    kubeLsp.maxFileSize, both in MB), or None when `size` bytes are within it."""
    if size <= max_bytes:
        return None
    # max_bytes + 1 bytes is all a bounded read takes (stdin, a file that grew): the input is at least that long.
    how_big = f"more than {max_bytes / 1e6:g} MB" if size == max_bytes + 1 else f"{size / 1e6:.1f} MB"
    return _problem(f"this {what} is {how_big}; kube-lsp analyses files up to {max_bytes / 1e6:g} MB "
                    "(--max-file-size / kubeLsp.maxFileSize); it is not analysed")


def text_size_problem(text: str, max_bytes: int = MAX_BYTES, what: str = "document") -> Finding | None:
    """`size_problem` for decoded text, by its UTF-8 size (encoded only when the length leaves it open)."""
    if len(text) * 4 <= max_bytes:
        return None
    size = len(text) if len(text) > max_bytes else len(text.encode("utf-8", "surrogatepass"))
    return size_problem(size, max_bytes, what)


def _problem(message: str) -> Finding:
    return Finding(span=Span.point(0, 0), severity=Severity.ERROR, code="KL104", message=message)


@dataclass(frozen=True, slots=True)
class Entry:
    """A path to check: named on the command line (`explicit`) or found in a directory; `error` says
    why it cannot be read when that is known before reading (a broken link, a directory that cannot be
    listed)."""

    path: Path
    explicit: bool
    error: str | None = None


_FILE_TYPES: Final = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
                      (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def _not_regular(mode: int) -> str | None:
    """What a file of this mode is when it is not a regular file (a named pipe, a device, ...), else None:
    such files are never read (a pipe with no writer blocks whoever opens it; /dev/zero never ends)."""
    return next((what for test, what in _FILE_TYPES if test(mode)), None)


def _link_problem(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symbolic link loop (it resolves to itself); it is not analysed"
    try:
        target = os.readlink(path)
    except OSError:
        target = "?"
    return f"broken symbolic link: its target {target} does not exist; it is not analysed"


def _unreadable(path: Path, exc: OSError) -> str:
    if os.path.islink(path):
        return _link_problem(path, exc)
    return f"cannot be read: {exc.strerror or exc}; it is not analysed"


def entries(raw: str) -> Iterator[Entry]:
    """The file named `raw`, or the YAML files found recursively in the directory `raw`.

    Hidden directories and node_modules are skipped; symbolic links to directories are not followed
    (no loops). What cannot be read becomes an entry with an `error`, so one bad path never stops the
    others. Only a path that does not exist at all raises InputError (a usage error).
    """
    p = Path(raw)
    try:
        st = os.stat(p)
    except OSError as exc:
        if os.path.islink(p) or exc.errno not in (errno.ENOENT, errno.ENOTDIR):
            yield Entry(p, True, _unreadable(p, exc))
            return
        raise InputError(f"{raw}: no such file or directory") from None
    if not stat.S_ISDIR(st.st_mode):
        yield Entry(p, True)
        return
    failed: list[OSError] = []
    for root, dirs, files in os.walk(p, onerror=failed.append):
        yield from (_dir_entry(exc) for exc in failed)
        failed.clear()
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "node_modules")
        for name in sorted(files):
            if name.endswith(YAML_SUFFIXES):
                yield _walked(Path(root) / name)
    yield from (_dir_entry(exc) for exc in failed)


def _dir_entry(exc: OSError) -> Entry:
    path = Path(exc.filename)
    return Entry(path, False, f"directory cannot be read: {exc.strerror or exc}; its files are not analysed")


def _walked(path: Path) -> Entry:
    try:
        st = os.stat(path)
    except OSError as exc:
        return Entry(path, False, _unreadable(path, exc))
    what = _not_regular(st.st_mode)
    return Entry(path, False, None if what is None else f"not a regular file ({what}); it is not analysed")


def expand(paths: list[str]) -> Iterator[Path]:
    """Files named on the command line, and YAML files found recursively in directories."""
    for raw in paths:
        yield from (e.path for e in entries(raw))


def read_entry(entry: Entry, max_bytes: int = MAX_BYTES) -> Source:
    if entry.error is not None:
        return Source(str(entry.path), None, _problem(entry.error))
    return read_path(entry.path, max_bytes)


def read_path(path: Path, max_bytes: int = MAX_BYTES) -> Source:
    """The decoded file, or a KL104 finding when it cannot be read (permissions, a broken link, ...).

    Only regular files are read, and never more than `max_bytes` + 1 bytes: a named pipe with no writer would
    block forever and a device such as /dev/zero never ends (pipe their output to `kube-lsp check -`)."""
    try:
        st = os.stat(path)
        what = _not_regular(st.st_mode)
        if what is not None:
            return Source(str(path), None, _problem(
                f"not a regular file ({what}); it is not analysed (pipe it in instead: kube-lsp check - < FILE)"))
        too_big = size_problem(st.st_size, max_bytes)
        if too_big is not None:
            return Source(str(path), None, too_big)
        with path.open("rb") as fh:
            data = read_bounded(fh, max_bytes + 1)
    except OSError as exc:
        return Source(str(path), None, _problem(_unreadable(path, exc)))
    return decode(str(path), data, max_bytes)


_READ_CHUNK: Final = 1 << 20


def read_bounded(fh: BinaryIO, limit: int) -> bytes:
    """At most `limit` bytes of `fh`, read in chunks: `read(limit)` would allocate `limit` bytes up front,
    which fails for a limit of "no limit" (--max-file-size inf)."""
    if limit <= _READ_CHUNK:
        return fh.read(limit)
    parts: list[bytes] = []
    left = limit
    while left > 0:
        data = fh.read(min(left, _READ_CHUNK))
        if not data:
            break
        parts.append(data)
        left -= len(data)
    return b"".join(parts)


def read_stream(name: str, stream: TextIO, max_bytes: int = MAX_BYTES) -> Source:
    """Standard input (its bytes; a text-only stream, as tests pass, as UTF-8), read up to `max_bytes` + 1
    bytes: an endless stream (`< /dev/zero`) ends in a KL104 finding, not in memory exhaustion."""
    try:
        raw: BinaryIO | None = getattr(stream, "buffer", None)
        data = read_bounded(raw, max_bytes + 1) if raw is not None else stream.read(max_bytes + 1).encode("utf-8")
    except OSError as exc:
        return Source(name, None, _problem(f"cannot be read: {exc.strerror or exc}; it is not analysed"))
    return decode(name, data, max_bytes)


class InputError(Exception):
    """A path that does not exist (a usage error, exit code 2)."""


def kustomize_patches(files: list[Path]) -> set[Path]:
    """Files that a kustomization next to them uses as patches (partial objects)."""
    patches: set[Path] = set()
    dirs = {f.parent for f in files}
    loader = None
    for d in dirs:
        for name in KUSTOMIZATION_NAMES:
            k = d / name
            try:
                if not k.is_file():
                    continue
                text = k.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            from ruamel.yaml import YAML  # only where there is a kustomization: it costs start-up time
            from ruamel.yaml.error import YAMLError

            loader = loader or YAML(typ="safe", pure=False)
            try:
                data = loader.load(text)
            except YAMLError:
                continue
            if not isinstance(data, dict):
                continue
            for key in ("patchesStrategicMerge", "patches", "patchesJson6902"):
                for entry in data.get(key) or ():
                    ref = entry.get("path") if isinstance(entry, dict) else entry
                    if isinstance(ref, str) and "\n" not in ref:
                        patches.add(resolved(d / ref))
    return patches


def resolved(path: Path) -> Path:
    """The absolute path with symbolic links resolved, as far as they resolve (never raises: a link loop
    makes Python 3.11's Path.resolve raise RuntimeError)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return Path(os.path.abspath(path))
