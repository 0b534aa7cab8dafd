"""A real VS Code (code-server) for the extension's end-to-end test: install.py installs it, workbench.py runs it."""
