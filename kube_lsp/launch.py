"""The `kube-lsp` command (and `python -m kube_lsp`): `serve` over stdio answers the client's `initialize`
before the CLI and the server are imported (kube_lsp/lsp/early.py); everything else goes to the CLI."""

from __future__ import annotations

import sys


def main() -> int:
    if sys.argv[1:2] == ["serve"]:
        from kube_lsp.lsp.early import serve_early

        serve_early(sys.argv[1:], sys.stdin.buffer, sys.stdout.buffer)
    from kube_lsp.cli import main as cli_main

    return cli_main()
