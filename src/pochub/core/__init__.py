"""The pure core: domain models and engines. No database, web or network imports (enforced by a test)."""
