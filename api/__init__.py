"""The HTTP API: Litestar controllers over the ledger's commands and the views."""
