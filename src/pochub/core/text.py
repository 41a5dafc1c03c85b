"""Texts for people, marked for translation without the core knowing any language.

The core writes English and marks each text a person reads: ``N_("...")`` for a fixed text (it returns the
text unchanged, and ``pybabel extract`` collects it), ``Message(N_("... {name} ..."), name=value)`` for a text with
values in it (the msgid marked with ``N_`` too). The edges (web pages, documents, the CLI) translate both with the user's catalogue
(:func:`pochub.i18n.localise`); ``str(message)`` is the English text, for logs and tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


def N_(msgid: str) -> str:  # noqa: N802 - gettext's conventional name for "mark, do not translate yet"
    """Mark ``msgid`` for extraction into the catalogues; returns it unchanged (translated at the edge)."""
    return msgid


@dataclass(frozen=True, init=False)
class Message:
    """A translatable text with named values: ``Message(N_("{count} of {total} bodies"), count=3, total=5)``.

    Values may themselves be :class:`Message` s (translated first) or plain values (numbers, names from the
    data, which are never translated). The placeholders are ``str.format`` fields.
    """

    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=True)

    def __init__(self, msgid: str, /, **params: Any) -> None:
        object.__setattr__(self, "msgid", msgid)
        object.__setattr__(self, "params", MappingProxyType(dict(params)))

    def __str__(self) -> str:
        return self.msgid.format(**self.params) if self.params else self.msgid


Text = str | Message
"""What the core hands the edges for a person to read: a marked fixed text or a message with values."""


def joined(parts: Sequence[Text], separator: str = ", ") -> Message:
    """Several texts joined by ``separator``, each translated on its own."""
    return Message(
        separator.join(f"{{p{i}}}" for i in range(len(parts))),
        **{f"p{i}": part if isinstance(part, Message) else Message(part) for i, part in enumerate(parts)},
    )


def to_document(text: Text) -> Any:
    """``text`` as JSON can store it: a string, or ``{"msgid": ..., "params": {...}}`` for a message."""
    if isinstance(text, Message):
        return {"msgid": text.msgid, "params": {k: to_document(v) for k, v in text.params.items()}}
    return text


def from_document(value: Any) -> Any:
    """The text :func:`to_document` stored (a message comes back as a :class:`Message`)."""
    if isinstance(value, Mapping) and isinstance(value.get("msgid"), str):
        return Message(
            value["msgid"], **{k: from_document(v) for k, v in (value.get("params") or {}).items()}
        )
    return value
