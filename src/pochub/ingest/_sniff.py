"""What a file is, from its bytes: a spreadsheet, delimited text (and its encoding and delimiter), or something
else named for what it is ("a PNG image"), so that nobody is told to change the text encoding of a picture.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from pochub.errors import InvalidInput

SPREADSHEETS = ("xlsx", "xls", "ods")
"""Spreadsheet kinds read through the workbook reader."""

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image (a raster)"),
    (b"MM\x00*", "a TIFF image (a raster)"),
    (b"%PDF", "a PDF document"),
    (b"BZh", "a bzip2 archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x00\x00\x00\x0cjP", "a JPEG 2000 image"),
)
"""Leading bytes of common files that are not tables."""

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = (b"PK\x03\x04", b"PK\x05\x06")
GZIP = b"\x1f\x8b"

ENCODING_LABELS = {
    "utf-8-sig": "UTF-8 (with byte-order mark)",
    "utf-8": "UTF-8",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16 LE",
    "utf-16-be": "UTF-16 BE",
    "cp1252": "Windows-1252 (cp1252)",
    "latin-1": "Latin-1",
}
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
SAMPLE_BYTES = 1 << 16
UTF8_CHECK_BYTES = 1 << 26
"""Compressed files are checked for UTF-8 over this many decompressed bytes; plain files over all of them."""


@dataclass(frozen=True)
class FileKind:
    """How a tabular file is to be read."""

    kind: str
    """``csv`` (delimited text, plain or gzip) or one of ``SPREADSHEETS``."""
    encoding: str = ""
    delimiter: str = ","
    compressed: bool = False

    def describe(self) -> str:
        """For the import summary: e.g. "CSV, UTF-16 LE, semicolon-separated" or "XLSX workbook"."""
        if self.kind in SPREADSHEETS:
            return f"{self.kind.upper()} workbook"
        name = "TSV" if self.delimiter == "\t" else "CSV"
        gz = " (gzip)" if self.compressed else ""
        label = ENCODING_LABELS.get(self.encoding.lower(), self.encoding)
        return f"{name}{gz}, {label}, {DELIMITERS.get(self.delimiter, repr(self.delimiter))}-separated"


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
                return "xlsx"
            if "mimetype" in names:
                mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                if mimetype == "application/vnd.oasis.opendocument.spreadsheet":
                    return "ods"
                if "opendocument.text" in mimetype:
                    raise InvalidInput(f"{path}: this is an OpenDocument text document, not a table")
            if "word/document.xml" in names:
                raise InvalidInput(f"{path}: this is a Word document, not a table")
    except zipfile.BadZipFile as exc:
        raise InvalidInput(f"{path}: this is a damaged ZIP archive ({exc})") from exc
    raise InvalidInput(
        f"{path}: this is a ZIP archive that is not a spreadsheet; unpack it and import the CSV or XLSX inside"
    )


def _text_encoding(head: bytes) -> str | None:
    """The encoding given by a byte-order mark, or by the zero bytes of UTF-16 text without one."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:4096]
    if len(sample) >= 4 and sample.count(0) > len(sample) // 4:
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        if odd > 3 * even:
            return "utf-16-le"
        if even > 3 * odd:
            return "utf-16-be"
    return None


def _is_utf8(path: Path, compressed: bool) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    read = 0
    try:
        with gzip.open(path, "rb") if compressed else path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
                read += len(chunk)
                if compressed and read >= UTF8_CHECK_BYTES:
                    return True
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    except (OSError, EOFError) as exc:
        raise InvalidInput(f"{path}: cannot read the file: {exc}") from exc
    return True


def _single_byte(head: bytes) -> str:
    """cp1252 (Excel's Western European text) unless it leaves bytes undefined; then Latin-1."""
    try:
        head.decode("cp1252")
    except UnicodeDecodeError:
        return "latin-1"
    return "cp1252"


def detect_delimiter(sample: str) -> str:
    """The delimiter that gives the first lines one consistent number of fields (more than one), comma if none."""
    lines = sample.splitlines(keepends=True)
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample may cut the last line
    text = "".join(lines[:50])
    best, best_score = ",", (0.0, 0)
    for candidate in DELIMITERS:
        rows = [r for r in csv.reader(io.StringIO(text), delimiter=candidate) if r]
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        score = (sum(len(r) == width for r in rows) / len(rows), width)
        if score > best_score:
            best, best_score = candidate, score
    return best


def sniff(path: Path, encoding: str = "auto") -> FileKind:
    """What ``path`` holds: a spreadsheet, or delimited text with its encoding and delimiter (``encoding`` other
    than "auto" is taken as given). Anything else is refused, naming what it is."""
    if not path.exists():
        raise InvalidInput(f"{path}: no such file")
    if path.is_dir():
        raise InvalidInput(f"{path}: this is a folder, not a file")
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    if not head:
        raise InvalidInput(f"{path}:1: the file is empty")
    if head.startswith(ZIP):
        return FileKind(_zip_kind(path))
    if head.startswith(OLE2):
        return FileKind("xls")
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise InvalidInput(f"{path}: this is {what}, not a table; give a CSV, TSV, XLSX, XLS or ODS file")
    compressed = head.startswith(GZIP)
    if compressed:
        try:
            with gzip.open(path, "rb") as inner:
                head = inner.read(SAMPLE_BYTES)
        except (OSError, EOFError) as exc:
            raise InvalidInput(f"{path}: cannot decompress: {exc}") from exc
        if head.startswith((*ZIP, OLE2)) or any(head.startswith(m) for m, _ in _MAGIC):
            raise InvalidInput(f"{path}: a compressed file that is not text; only CSV may be gzip-compressed")
    found = _text_encoding(head)
    if encoding.lower() != "auto":
        found = encoding
    elif found is None:
        if b"\x00" in head:
            raise InvalidInput(
                f"{path}: this is a binary file, not a table; give a CSV, TSV, XLSX, XLS or ODS file"
            )
        found = "utf-8" if _is_utf8(path, compressed) else _single_byte(head)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if found.startswith("utf-8") and stripped[:1] in (b"{", b"["):
        raise InvalidInput(
            f"{path}: this is a JSON document, not a table; name it .geojson if it holds features"
        )
    if found.startswith("utf-8") and stripped[:5].lower() in (b"<!doc", b"<html", b"<?xml"):
        raise InvalidInput(f"{path}: this is an HTML or XML document, not a table")
    try:
        sample = head.decode(found, errors="ignore")
    except LookupError as exc:
        raise InvalidInput(f"{path}: unknown encoding {encoding!r} (e.g. utf-8, cp1252, utf-16)") from exc
    return FileKind("csv", found, detect_delimiter(sample.lstrip("\ufeff")), compressed)
