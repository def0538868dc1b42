"""Read models built from the ledger's event log, and the engine that keeps them current."""
