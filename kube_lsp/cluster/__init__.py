"""The user's cluster: schemas, server-side dry-run and diff. Only `transport` talks to the network."""
