"""Upgrades between Kubernetes versions: what an upgrade removes, deprecates or adds for a manifest
(`timeline`, `fields`, `analyse`), the migrations of removed apiVersions (`migrate`) and the Markdown report
(`markdown`)."""
