"""`python -m kube_lsp` runs the command-line interface."""

import sys

from kube_lsp.cli import main

sys.exit(main())
