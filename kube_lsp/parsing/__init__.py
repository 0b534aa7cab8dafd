"""YAML text → independent documents with a position tree."""
