"""kube-lsp: a language server and command-line checker for Kubernetes manifests."""

__version__ = "0.1.0"
