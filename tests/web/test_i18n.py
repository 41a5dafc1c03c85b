"""The web catalogues: every string the pages use is translated in English and French; the language choice."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from pochub.web import i18n
from pochub.web.i18n import LANGUAGES, accepted_languages, choose_language, translations

WEB = Path(i18n.__file__).parent
PLACEHOLDER = re.compile(r"\{[a-z_]+\}|%\([a-z_]+\)s")


def extracted_messages() -> set[str]:
    """Every translatable string in the web package's templates and modules (as pybabel extract finds them)."""
    method_map = [("templates/**.html", "jinja2"), ("**.py", "python")]
    options_map = {"templates/**.html": {"trimmed": "true"}}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(WEB, method_map, options_map):
        found.update(message if isinstance(message, tuple) else (message,))
    return {m for m in found if m}


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_page_string_is_translated(language: str) -> None:
    messages = extracted_messages()
    assert len(messages) > 100
    with i18n.catalogue_path(language).open("rb") as handle:
        catalogue = read_po(handle, locale=language)
    translated = {m.id: m.string for m in catalogue if m.id and not m.fuzzy}
    missing = sorted(m for m in messages if not translated.get(m))
    assert not missing, f"{language}: untranslated {missing[:10]}"
    for message in messages:
        assert sorted(PLACEHOLDER.findall(translated[message])) == sorted(PLACEHOLDER.findall(message)), (
            message
        )


SOURCE = WEB.parent
CORE_TEXTS = [
    ("core/**.py", "python"),
    ("services/**.py", "python"),
    ("ingest/**.py", "python"),
    ("cli/**.py", "python"),
    ("errors.py", "python"),
]
"""Where the texts the core, the services and the commands write for people are marked (``N_``, see
pochub.core.text), as src/pochub/web/babel.cfg extracts them."""


def core_messages() -> set[str]:
    """Every text marked for translation outside the web package's pages (threat labels, checklist, ToR,
    matrix, scores, errors...)."""
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(SOURCE, CORE_TEXTS):
        found.update(message if isinstance(message, tuple) else (message,))
    return {m for m in found if m}


def untranslated(messages: set[str], language: str) -> list[str]:
    """The messages ``language``'s catalogue lacks (or holds only as fuzzy or empty)."""
    with i18n.catalogue_path(language).open("rb") as handle:
        catalogue = read_po(handle, locale=language)
    translated = {m.id: m.string for m in catalogue if m.id and not m.fuzzy}
    return sorted(m for m in messages if not translated.get(m))


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_core_text_is_translated(language: str) -> None:
    messages = core_messages()
    assert len(messages) > 300  # checklist, models, ToR, matrix, responses, scores, errors
    assert "Is there a current mission-wide PoC strategy, endorsed by the Head of Mission?" in messages
    assert "a {role} may not {action} an alert" in messages
    missing = untranslated(messages, language)
    assert not missing, f"{language}: untranslated {missing[:10]}"
    french = translations("fr")
    for message in messages:
        shown = french.gettext(message) if language == "fr" else translations("en").gettext(message)
        assert sorted(re.findall(r"\{[^{}]*\}", shown)) == sorted(re.findall(r"\{[^{}]*\}", message)), message


def test_an_untranslated_core_text_is_caught() -> None:
    assert untranslated({"a text nobody translated yet", "Killing"}, "fr") == ["a text nobody translated yet"]


def test_french_differs_from_english_and_compiles() -> None:
    french = translations("fr")
    assert french.gettext("Sign in") == "Se connecter"
    assert french.gettext("Operational picture") == "Situation opérationnelle"
    assert translations("en").gettext("Sign in") == "Sign in"
    same = {m for m in extracted_messages() if french.gettext(m) == m}
    # a few words are the same in both languages; each is listed here knowingly, any other is an untranslated text
    assert same <= SAME_IN_FRENCH, sorted(same - SAME_IN_FRENCH)


SAME_IN_FRENCH = frozenset({
    "Bases", "consolidation", "Coordination", "Date", "Forums", "Horizon", "Impact", "Latitude", "Longitude", "Menu",
    "Notes", "P-code", "Phase", "Plan", "Population", "Quorum", "Source", "6. Coordination",
})  # fmt: skip
"""Texts written alike in English and French."""


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        translations("de")


@pytest.mark.parametrize(
    ("cookie", "header", "chosen"),
    [
        (None, None, "en"),
        (None, "fr-CD,fr;q=0.9,en;q=0.8", "fr"),
        (None, "en-GB,en;q=0.9,fr;q=0.8", "en"),
        (None, "de-DE,de;q=0.9,fr;q=0.5", "fr"),
        (None, "de, en;q=0.1, fr;q=0.2", "fr"),
        (None, "fr;q=0, en", "en"),
        (None, "sw, ln", "en"),
        ("en", "fr-FR", "en"),
        ("fr", "en-US", "fr"),
        ("xx", "fr", "fr"),
        (None, "fr;q=abc, en", "en"),
    ],
)
def test_language_choice(cookie: str | None, header: str | None, chosen: str) -> None:
    assert choose_language(cookie, header) == chosen


def test_accept_language_order() -> None:
    assert accepted_languages("en;q=0.5, fr-FR, de;q=0.7") == ["fr", "de", "en"]
