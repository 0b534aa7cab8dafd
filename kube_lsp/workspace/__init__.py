"""The workspace index: objects across files, their references and the cross-resource rules' data."""
