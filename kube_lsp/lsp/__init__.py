"""The language server: a thin shell over the engine (only this package imports pygls/lsprotocol)."""
