"""Use cases: each owns its transaction, calls the core, and persists the results."""
