"""One error hierarchy for PoC Hub.

Errors are raised by the core, ingest, store and services; only the edges (CLI, API) map them to exit codes
and HTTP status codes, through ``exit_code`` and ``http_status``.

An error a person reads can be raised with a translatable text: ``Forbidden(Message(N_("..."), name=...))``
or ``Forbidden(N_("..."))``. ``str(exc)`` stays English (logs, tests); ``exc.message`` is the text the edges
translate into the reader's language (``pochub.i18n.error_text``).
"""

from __future__ import annotations

from dataclasses import dataclass

from pochub.core.text import Message, Text


class PocHubError(Exception):
    """Base of every error PoC Hub raises on purpose."""

    exit_code = 1
    http_status = 500

    def __init__(self, *args: object) -> None:
        first = args[0] if args else ""
        self.message: Text = first if isinstance(first, Message | str) else str(first)
        """What a person reads: a marked text or a message, translated at the edge."""
        super().__init__(*(str(a) if isinstance(a, Message) else a for a in args))


class InvalidInput(PocHubError):
    """Input (a file, a request, an argument) is malformed or violates a rule."""

    exit_code = 1
    http_status = 422


class NotFound(PocHubError):
    """A referenced record does not exist."""

    exit_code = 1
    http_status = 404


class Forbidden(PocHubError):
    """The caller's role or area does not allow this."""

    exit_code = 1
    http_status = 403


class Conflict(PocHubError):
    """The request conflicts with the stored state."""

    exit_code = 1
    http_status = 409


class InvalidTransition(Conflict):
    """A workflow action is not allowed in the current state."""


class Infeasible(PocHubError):
    """An optimisation or planning request has no solution."""

    exit_code = 1
    http_status = 422


@dataclass(frozen=True)
class RowError:
    """One rejected value in an input file: where it is and why it was rejected."""

    file: str
    line: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
        return f"{self.file}:{self.line}: column {self.column!r}: {self.reason} (value {shown!r})"


class InvalidRows(InvalidInput):
    """An import found invalid rows; nothing was written."""

    def __init__(self, errors: list[RowError], total: int, *, file: str) -> None:
        self.errors = errors
        self.total = total
        self.file = file
        shown = "\n".join(f"  {e}" for e in errors[:20])
        more = f"\n  ... and {total - 20} more" if total > 20 else ""
        super().__init__(
            f"{file}: {total} invalid value(s); nothing was written "
            f"(use --skip-invalid --rejects FILE to store the valid rows):\n{shown}{more}"
        )
