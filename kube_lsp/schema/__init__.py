"""Schemas: bundled Kubernetes definitions, CRDs, project overlays, and the validator."""
