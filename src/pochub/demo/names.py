"""Fictional place and person names for the demo mission, built from syllables so that none is a real place.

Every name comes from the generator's own random stream, so a seed always gives the same names. Place names
are unique across the whole country, which keeps them unique within every admin-2 area as importers expect.
"""

from __future__ import annotations

import numpy as np

ONSETS = (
    "b", "d", "g", "k", "l", "m", "n", "s", "t", "w", "y", "z", "ng", "mb", "nd", "ts", "kw", "gb", "bw", "",
)  # fmt: skip
VOWELS = ("a", "a", "e", "i", "o", "u", "ou")
CODAS = ("", "", "", "", "n", "la", "ro", "mbe", "ka", "li")

GIVEN_NAMES = (
    "Amina", "Joseph", "Marie", "Daniel", "Grace", "Samuel", "Esther", "Paul", "Ruth", "Emmanuel", "Clarisse",
    "Innocent", "Fatime", "Ibrahim", "Aline", "Hassan", "Josiane", "Moussa", "Pascaline", "Abdel", "Odette",
    "Thierry", "Mariam", "Jonas", "Blandine", "Yusuf", "Nadia", "Patrice", "Halima", "Didier",
)  # fmt: skip


class NameMaker:
    """Draws fictional names from a random generator, never repeating a place name."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._used: set[str] = set()

    def _word(self, min_syllables: int, max_syllables: int) -> str:
        """A capitalised word of consonant-vowel syllables and an optional ending."""
        count = int(self._rng.integers(min_syllables, max_syllables + 1))
        # only a first syllable may start with a vowel (the empty onset is the last one)
        onsets = self._rng.integers(0, [len(ONSETS)] + [len(ONSETS) - 1] * (count - 1))
        vowels = self._rng.integers(0, len(VOWELS), size=count)
        word = "".join(ONSETS[o] + VOWELS[v] for o, v in zip(onsets, vowels, strict=True))
        word += CODAS[int(self._rng.integers(0, len(CODAS)))]
        return word.capitalize()

    def place(self, min_syllables: int = 2, max_syllables: int = 3) -> str:
        """A new place name, different from every place name drawn before."""
        while True:
            name = self._word(min_syllables, max_syllables)
            if name not in self._used and len(name) >= 4:
                self._used.add(name)
                return name

    def places(self, count: int) -> list[str]:
        """``count`` new place names."""
        return [self.place() for _ in range(count)]

    def person(self) -> str:
        """A fictional person's name: a common given name and an invented family name."""
        given = GIVEN_NAMES[int(self._rng.integers(0, len(GIVEN_NAMES)))]
        return f"{given} {self._word(2, 3)}"
