"""Editor assistance as pure functions over text and schemas: cursor context, completion, hover,
symbols and references. The language server converts their results to LSP types."""
