"""PoC Hub: protection of civilians in peacekeeping, from evidence to response."""

__version__ = "0.1.0"
