"""Repeated reports of one incident: same area, close in time, similar text -> one alert with several reports.

Communities often alert several times about one attack (the chief calls, then a teacher sends an SMS). Merging
keeps the inbox to one alert per incident while keeping every report. Similarity is the better of a token-set
overlap (robust to word order and extra words) and difflib's sequence ratio (robust to spelling), on text with
case, accents and punctuation removed, so that it works the same in French and English.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from difflib import SequenceMatcher
from functools import lru_cache

import numpy as np

_WORD = re.compile(r"[a-z0-9]+")
STEM = 5
MIN_SHARED = 2
"""Two reports must share at least this many content words to merge on words alone."""
STOP_WORDS = frozenset(
    [
        "the",
        "and",
        "with",
        "from",
        "this",
        "that",
        "there",
        "have",
        "has",
        "are",
        "was",
        "were",
        "for",
        "not",
        "but",
        "our",
        "you",
        "they",
        "them",
        "les",
        "des",
        "une",
        "dans",
        "pour",
        "par",
        "sur",
        "avec",
        "est",
        "sont",
        "pas",
        "que",
        "qui",
        "nous",
        "vous",
        "ils",
        "elles",
        "aux",
        "ont",
    ]
)


@lru_cache(maxsize=8192)
def normalise_text(text: str) -> str:
    """Lower case, accents and punctuation removed, single spaces (remembered for recent texts: every intake
    compares the new report with the open alerts' reports of its area)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_WORD.findall(plain))


@lru_cache(maxsize=8192)
def _stems(normalised: str) -> frozenset[str]:
    """Content words cut to five letters: a cheap stemmer that treats attack/attacked/attaque alike."""
    return frozenset(word[:STEM] for word in normalised.split() if len(word) > 2 and word not in STOP_WORDS)


def similarity(first: str, second: str) -> float:
    """How alike two reports read, from 0 (nothing shared) to 1 (one says all the other says)."""
    a, b = normalise_text(first), normalise_text(second)
    if not a or not b:
        return 0.0
    stems_a, stems_b = _stems(a), _stems(b)
    shared = len(stems_a & stems_b)
    overlap = shared / min(len(stems_a), len(stems_b)) if shared >= MIN_SHARED else 0.0
    return max(overlap, SequenceMatcher(None, a, b).ratio())


@dataclass(frozen=True)
class Candidate:
    """An open alert a new report could belong to."""

    alert_id: int
    pcode: str | None
    last_report_at: datetime
    texts: tuple[str, ...]


def matching_alert(
    *,
    text: str,
    pcode: str | None,
    received_at: datetime,
    candidates: Iterable[Candidate],
    window: timedelta,
    threshold: float,
) -> int | None:
    """The open alert this report repeats (same area within ``window``, similar text), or None.

    A report without a place never merges: the area is what makes two similar messages one incident.
    """
    if pcode is None:
        return None
    eligible = [c for c in candidates if c.pcode == pcode and abs(received_at - c.last_report_at) <= window]
    bounds = iter(similarity_bounds(text, [seen for c in eligible for seen in c.texts]))
    best: tuple[float, int] | None = None
    for candidate in eligible:
        # the exact similarity only where its upper bound can reach the threshold: same result, far less work
        score = max(
            (similarity(text, seen) for seen in candidate.texts if next(bounds) >= threshold), default=0.0
        )
        if score >= threshold and (best is None or score > best[0]):
            best = (score, candidate.alert_id)
    return best[1] if best else None


def similarity_bounds(first: str, others: Sequence[str]) -> list[float]:
    """An upper bound of ``similarity(first, other)`` for each of ``others``, computed together and cheaply.

    difflib's ratio is 2M/T where its matching blocks (M characters) are a common subsequence, so
    2·LCS/T bounds it; the word overlap is computed exactly. The longest common subsequences of ``first`` with
    every other text come from one bit-parallel pass (Hyyrö's LCS recurrence, 2004) over ``first`` with the
    others side by side in one integer, a zero guard bit above each so that no carry crosses into the next.
    """
    a = normalise_text(first)
    normalised = [normalise_text(other) for other in others]
    if not a:
        return [0.0] * len(others)
    stems_a = _stems(a)
    lanes: list[tuple[int, int]] = []
    offset = 0
    for b in normalised:
        lanes.append((offset, len(b)))
        offset += len(b) + 1
    # normalised text is ASCII letters, digits and spaces; NUL marks the guard bits
    codes = np.frombuffer("".join(b + "\0" for b in normalised).encode("ascii"), dtype=np.uint8)

    def bits(where: np.ndarray) -> int:
        return int.from_bytes(np.packbits(where, bitorder="little").tobytes(), "little")

    # one comparison and one packing for every character of ``first`` at once (a row of bits each)
    characters = sorted(set(a))
    wanted = np.frombuffer("".join(characters).encode("ascii"), dtype=np.uint8)
    rows = np.packbits(codes[None, :] == wanted[:, None], axis=1, bitorder="little")
    masks = {
        character: int.from_bytes(row.tobytes(), "little")
        for character, row in zip(characters, rows, strict=True)
    }
    live = bits(codes != 0)
    vector = live
    for character in a:
        u = vector & masks[character]
        vector = ((vector + u) | (vector - u)) & live
    # ones left in a lane = its characters outside the common subsequence; counted for all lanes at once
    ones = np.unpackbits(
        np.frombuffer(vector.to_bytes((codes.size + 7) // 8, "little"), dtype=np.uint8), bitorder="little"
    )[: codes.size]
    before = np.concatenate(([0], np.cumsum(ones, dtype=np.int64)))
    bounds = []
    for (start, length), b in zip(lanes, normalised, strict=True):
        if not b:
            bounds.append(0.0)
            continue
        common = length - int(before[start + length] - before[start])
        stems_b = _stems(b)
        shared = len(stems_a & stems_b)
        overlap = shared / min(len(stems_a), len(stems_b)) if shared >= MIN_SHARED else 0.0
        bounds.append(max(overlap, 2 * common / (len(a) + length)))
    return bounds
