"""Structured SMS from staff (issue 18, item 4): any well-formed message reads into its fields whatever its case,
accents and separators; a message without the keyword is no structured SMS; a malformed one names its first
faulty field; the answer gives the reference only, or the field, the reason and the valid forms, in the SMS's
language and within one SMS."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pochub.core.models.alerts import Urgency
from pochub.core.models.taxonomy import ThreatType
from pochub.core.warning.staff_sms import (
    KEYWORDS,
    SHOWN_THREAT_WORDS,
    SHOWN_URGENCY_WORDS,
    THREAT_WORDS,
    URGENCY_WORDS,
    Fault,
    Problem,
    SmsField,
    StaffSms,
    fold,
    read_staff_sms,
    reply,
    threat_from_word,
    urgency_from_word,
)
from pochub.i18n import localise

REFERENCE = "A261206-ABCDEFGH"  # the shape of intake's references (services.alerts._reference)
ACCENTED = {
    "enlevement": "enlèvement",
    "enleve": "enlevé",
    "blesse": "blessé",
    "ecole": "école",
    "hopital": "hôpital",
    "deplacement": "déplacement",
    "deplaces": "déplacés",
    "acces": "accès",
    "tue": "tué",
    "enrolement": "enrôlement",
    "immediat": "immédiat",
    "immediatement": "immédiatement",
    "eleve": "élevé",
}
"""Words as a French phone types them (with accents) for the folded keywords."""

places = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,19}", fullmatch=True)
separators = st.sampled_from([" ", "  ", ", ", ",", "\t", " ; ", "\n"])
free_texts = st.text(max_size=200)


@st.composite
def written(draw: st.DrawFn, word: str) -> str:
    """``word`` as someone may type it: with its accents or not, in any mix of upper and lower case."""
    if word in ACCENTED and draw(st.booleans()):
        word = ACCENTED[word]
    upper = draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    return "".join(c.upper() if up else c for c, up in zip(word, upper, strict=True))


threat_words = st.one_of(
    st.sampled_from(sorted(THREAT_WORDS)).map(lambda w: (w, THREAT_WORDS[w].value)),
    st.sampled_from(list(ThreatType)).map(lambda t: (t.value, t.value)),
    st.sampled_from(list(ThreatType)).map(lambda t: (t.value.replace("_", "-"), t.value)),
    st.sampled_from(list(ThreatType)).map(lambda t: (t.name, t.value)),
)
urgency_words = st.one_of(
    st.sampled_from(sorted(URGENCY_WORDS)).map(lambda w: (w, URGENCY_WORDS[w])),
    st.sampled_from(list(Urgency)).map(lambda u: (u.value, u)),
)


@given(
    keyword=st.sampled_from(sorted(KEYWORDS)).flatmap(lambda k: st.tuples(st.just(k), written(k))),
    place=places,
    threat=threat_words.flatmap(lambda t: st.tuples(st.just(t[1]), written(t[0]))),
    urgency=urgency_words.flatmap(lambda u: st.tuples(st.just(u[1]), written(u[0]))),
    seps=st.lists(separators, min_size=4, max_size=4),
    text=free_texts,
)
def test_any_well_formed_message_reads_into_its_fields(
    keyword: tuple[str, str],
    place: str,
    threat: tuple[str, str],
    urgency: tuple[Urgency, str],
    seps: list[str],
    text: str,
) -> None:
    message = keyword[1] + seps[0] + place + seps[1] + threat[1] + seps[2] + urgency[1] + seps[3] + text
    read = read_staff_sms(message)
    assert read == StaffSms(
        KEYWORDS[keyword[0]], place.strip("."), threat[0], urgency[0], text.lstrip(" \t\r\n,;").rstrip()
    )
    assert read.classified


def test_the_documented_examples() -> None:
    english = read_staff_sms("ALERT KT0102 abduction immediate 3 children taken near the school")
    assert english == StaffSms(
        "en", "KT0102", ThreatType.ABDUCTION.value, Urgency.IMMEDIATE, "3 children taken near the school"
    )
    french = read_staff_sms("alerte kt0102 Enlèvement IMMÉDIAT 3 enfants enlevés près de l'école")
    assert french == StaffSms(
        "fr", "kt0102", ThreatType.ABDUCTION.value, Urgency.IMMEDIATE, "3 enfants enlevés près de l'école"
    )
    attack = read_staff_sms("ALERTE: C-0042, attaque, urgent")
    assert attack == StaffSms("fr", "C-0042", ThreatType.MAIMING_INJURY.value, Urgency.HIGH, "")


@given(
    first=st.text(st.characters(exclude_categories=["Z", "Cc"], exclude_characters=",;"), min_size=1).filter(
        lambda w: fold(w) not in KEYWORDS
    ),
    sep=separators,
    text=free_texts,
)
def test_a_message_without_the_keyword_is_no_structured_sms(first: str, sep: str, text: str) -> None:
    assert read_staff_sms(first + sep + text) is None


@pytest.mark.parametrize(
    "message",
    [
        "Alerts KT0102 attack urgent",
        "alerted KT0102 attack urgent",
        "alarm KT0102",
        "",
        "   ",
        "KT0102 ALERT",
    ],
)
def test_words_near_the_keyword_are_not_it(message: str) -> None:
    assert read_staff_sms(message) is None


@given(
    place=places,
    word=st.text(alphabet=st.characters(categories=["L", "N"]), min_size=1, max_size=20).filter(
        lambda w: threat_from_word(w) is None
    ),
    text=free_texts,
)
def test_an_unknown_threat_is_named(place: str, word: str, text: str) -> None:
    read = read_staff_sms(f"ALERTE {place} {word} urgent {text}")
    assert read is not None and not read.classified
    assert read.problem == Problem(SmsField.THREAT, Fault.UNKNOWN, word)
    assert (read.place, read.threat_type, read.urgency, read.language) == (place.strip("."), None, None, "fr")


@given(
    place=places,
    word=st.text(alphabet=st.characters(categories=["L", "N"]), min_size=1, max_size=20).filter(
        lambda w: urgency_from_word(w) is None
    ),
)
def test_an_unknown_urgency_is_named(place: str, word: str) -> None:
    read = read_staff_sms(f"alert {place} rape {word}")
    assert read is not None and read.problem == Problem(SmsField.URGENCY, Fault.UNKNOWN, word)
    assert read.threat_type == ThreatType.SEXUAL_VIOLENCE.value and read.urgency is None


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ("ALERT", SmsField.PLACE),
        ("ALERT ,, ;", SmsField.PLACE),
        ("ALERT KT0102", SmsField.THREAT),
        ("ALERTE KT0102 viol", SmsField.URGENCY),
    ],
)
def test_a_missing_field_is_named(message: str, field: SmsField) -> None:
    read = read_staff_sms(message)
    assert read is not None and read.problem == Problem(field, Fault.MISSING)


def test_a_place_too_long_or_only_punctuation_is_unknown() -> None:
    for place in ("K" * 65, "?!"):
        read = read_staff_sms(f"ALERT {place} attack urgent")
        assert read is not None and read.problem is not None
        assert (read.problem.field, read.problem.fault) == (SmsField.PLACE, Fault.UNKNOWN)


def test_every_threat_and_urgency_has_its_shown_words() -> None:
    for language in ("en", "fr"):
        assert [threat_from_word(w) for w in SHOWN_THREAT_WORDS[language]] == [t.value for t in ThreatType]
        assert [urgency_from_word(w) for w in SHOWN_URGENCY_WORDS[language]] == list(Urgency)


SMS_OF_EVERY_KIND = [
    "ALERT KT0102 attack urgent",
    "ALERT",
    "ALERT KT0102",
    "ALERT KT0102 attack",
    "ALERT KT0102 wolves urgent",
    "ALERT KT0102 attack someday",
]


@pytest.mark.parametrize(
    "message", SMS_OF_EVERY_KIND + [m.replace("ALERT", "ALERTE") for m in SMS_OF_EVERY_KIND]
)
def test_the_answer_is_one_sms_in_the_sms_language(message: str) -> None:
    read = read_staff_sms(message)
    assert read is not None
    for sms in (read, read.unknown_place()) if read.classified else (read,):
        answer = localise(reply(sms, REFERENCE), sms.language)
        assert REFERENCE in answer and len(answer) <= 160, answer
        assert answer.startswith("Alerte " if sms.language == "fr" else "Alert "), answer
        if sms.language == "fr":
            assert "Thank" not in answer and "unclassified" not in answer, answer


def test_the_answer_names_the_field_and_the_valid_forms() -> None:
    def answer(message: str, place_known: bool = True) -> str:
        read = read_staff_sms(message)
        assert read is not None
        return localise(reply(read if place_known else read.unknown_place(), REFERENCE), read.language)

    assert answer("ALERT KT0102 attack urgent") == f"Alert {REFERENCE} recorded. Thank you."
    assert answer("alerte KT0102 attaque urgent") == f"Alerte {REFERENCE} enregistrée. Merci."
    assert "unknown place" in answer("ALERT KT9999 attack urgent", place_known=False)
    assert "lieu inconnu" in answer("ALERTE KT9999 attaque urgent", place_known=False)
    assert "ALERTE <pcode|communauté>" in answer("ALERTE KT9999 attaque urgent", place_known=False)
    french_threat = answer("ALERTE KT0102 loups urgent")
    assert (
        "menace inconnue" in french_threat and "enlevement" in french_threat and "loups" not in french_threat
    )
    assert "unknown threat" in answer("ALERT KT0102 wolves urgent")
    assert answer("ALERT KT0102 attack someday").endswith("Use: immediate urgent routine")
    assert answer("ALERTE KT0102 attaque unjour").endswith("Utilisez : immediat urgent routine")
    assert "l'urgence manque" in answer("ALERTE KT0102 attaque")


def test_the_answer_says_nothing_of_the_alert_but_its_reference() -> None:
    read = read_staff_sms("ALERT KT0102 abduction immediate taken at the river")
    assert read is not None
    for language in ("en", "fr"):
        answer = localise(reply(read, REFERENCE), language)
        for secret in ("KT0102", "abduction", "immediate", "river"):
            assert secret not in answer
