"""kube-lsp as users install it: an sdist and a wheel built from a clean copy of the tracked tree, the wheel
installed (not editable) into a fresh virtual environment outside the source tree.

`installation(workdir)` does it once per test session; the editor tests start their server from it, so a wheel
that forgets a module or a data file fails them too, not only tests/test_distribution.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Installation:
    sdist: Path
    wheel: Path
    venv: Path

    @property
    def bin(self) -> Path:
        return self.venv / ("Scripts" if os.name == "nt" else "bin")

    @property
    def python(self) -> Path:
        return self.bin / ("python.exe" if os.name == "nt" else "python")

    @property
    def kube_lsp(self) -> Path:
        return self.bin / ("kube-lsp.exe" if os.name == "nt" else "kube-lsp")

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a user who installed the wheel: its bin first on PATH, nothing of the source tree
        importable (no PYTHONPATH), so `import kube_lsp` can only find the installed copy."""
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
        env["PATH"] = os.pathsep.join([str(self.bin), env.get("PATH", "")])
        return {**env, **extra}


def _run(cmd: list[str], cwd: Path, timeout: float = 600) -> None:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")


def clean_copy(dest: Path) -> Path:
    """The files git tracks or would track (.gitignore'd build output, virtual environments and node_modules left
    out), as a fresh clone would have them."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src = ROOT / rel
        if src.is_file():
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)
    return dest


def build_and_install(workdir: Path) -> Installation:
    source = clean_copy(workdir / "src")
    dist = workdir / "dist"
    # `python -m build` makes the sdist, then the wheel from that sdist: a file missing from the sdist fails here.
    _run([sys.executable, "-m", "build", "--outdir", str(dist), str(source)], cwd=workdir)
    (sdist,) = dist.glob("kube_lsp-*.tar.gz")
    (wheel,) = dist.glob("kube_lsp-*.whl")
    venv = workdir / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=workdir)
    inst = Installation(sdist=sdist, wheel=wheel, venv=venv)
    _run([str(inst.python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)], cwd=workdir)
    return inst
