"""Security tests: one per protection promise, on both backends (issue 11)."""
