"""`python -m kube_lsp` runs the command-line interface."""

import sys

from kube_lsp.launch import main

sys.exit(main())
