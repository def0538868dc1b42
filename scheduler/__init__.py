"""The clock of the ledger: deadlines derived from the log, fired exactly once as commands."""
