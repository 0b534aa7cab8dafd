"""Reading what the CLI is asked to check: paths → decoded texts, with clear errors for bad input."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

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
    if len(data) > max_bytes:
        return Source(path, None, _problem(
            f"file is {len(data) / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit; it is not analysed "
            "(raise it with --max-file-size)"))
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


def _problem(message: str) -> Finding:
    return Finding(span=Span.point(0, 0), severity=Severity.ERROR, code="KL104", message=message)


def read_path(path: Path, max_bytes: int = MAX_BYTES) -> Source:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return Source(str(path), None, _problem(
                f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit; it is not analysed "
                "(raise it with --max-file-size)"))
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None
    return decode(str(path), data, max_bytes)


class InputError(Exception):
    """A path that cannot be read at all (usage or I/O error, exit code 2)."""


def expand(paths: list[str]) -> Iterator[Path]:
    """Files named on the command line, and YAML files found recursively in directories."""
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "node_modules")
                for name in sorted(files):
                    if name.endswith(YAML_SUFFIXES):
                        yield Path(root) / name
        elif p.exists():
            yield p
        else:
            raise InputError(f"{raw}: no such file or directory")


def kustomize_patches(files: list[Path]) -> set[Path]:
    """Files that a kustomization next to them uses as patches (partial objects)."""
    patches: set[Path] = set()
    dirs = {f.parent for f in files}
    loader = YAML(typ="safe", pure=False)
    for d in dirs:
        for name in KUSTOMIZATION_NAMES:
            k = d / name
            if not k.is_file():
                continue
            try:
                data = loader.load(k.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, YAMLError):
                continue
            if not isinstance(data, dict):
                continue
            for key in ("patchesStrategicMerge", "patches", "patchesJson6902"):
                for entry in data.get(key) or ():
                    ref = entry.get("path") if isinstance(entry, dict) else entry
                    if isinstance(ref, str) and "\n" not in ref:
                        patches.add((d / ref).resolve())
    return patches
