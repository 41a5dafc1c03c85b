"""Reading the exercise forms and addresses: numbers within bounds, whole numbers, exercise ids."""

from __future__ import annotations

import re


def number_in(text: str, low: float, high: float) -> float | None:
    """``text`` as a number in (low, high], else None."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if low < value <= high else None


def whole_in(text: str, low: int, high: int) -> int | None:
    """``text`` as a whole number in [low, high], else None."""
    return int(text) if re.fullmatch(r"-?\d{1,9}", text) and low <= int(text) <= high else None


def exercise_id_of(value: str) -> int | None:
    """The exercise id in an address, or None when it is not one."""
    return int(value) if value.isdigit() and 0 < int(value) < 2**31 else None
