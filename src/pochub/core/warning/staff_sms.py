"""Structured SMS for staff without data (issue 18, item 4): one line any phone can send, read into an alert's fields.

A field officer or CLA with no data connection texts the intake number::

    ALERT <P-code or community id> <threat> <urgency> <text>
    ALERTE <P-code ou id de communauté> <menace> <urgence> <texte>

for example ``ALERT KT0102 abduction immediate 3 children taken near the school`` or
``alerte kt0102 enlèvement immédiat 3 enfants enlevés près de l'école``. Words are separated by spaces (commas and
semicolons too); accents and case do not matter; the text is optional. The keyword's language (``ALERT``:
English, ``ALERTE``: French) is the language of the answer. The threat is a keyword of either language (below) or
a threat type of the taxonomy (``abduction_forced_disappearance``, DOMAIN.md section 3); the urgency is
``immediate``/``immédiat``, ``urgent`` or ``routine`` (or a level's code: ``immediate``, ``high``, ``routine``).

This module only reads the words: whether the place exists and whether the sender is a registered staff number
is the service's to check (a message from any other number is an ordinary community alert, never read here). A
message that begins with the keyword but lacks a field, or names an unknown one, is still an alert: it is stored
unclassified for the desk, and the answer names the field, the reason and the valid forms, short enough for one
SMS (160 characters).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from enum import StrEnum

from pochub.core.models.alerts import Urgency
from pochub.core.models.taxonomy import ThreatType as T
from pochub.core.text import N_, Message

SMS_LANGUAGES = ("en", "fr")
KEYWORDS: dict[str, str] = {"alert": "en", "alerte": "fr"}
"""The first word of a structured SMS (folded: no accents, lower case) and the language it is written in."""

THREAT_WORDS: dict[str, T] = {
    word: threat
    for threat, words in {
        T.KILLING: "kill killing killed killings murder murders meurtre meurtres tuerie tueries assassinat tue tues",
        T.MAIMING_INJURY: (
            "attack attacks attaque attaques injury injuries injured wounded maiming assault blessure blessures "
            "blesse blesses mutilation agression"
        ),
        T.SEXUAL_VIOLENCE: "rape rapes sexual sgbv gbv viol viols sexuelle sexuelles vbg vsbg",
        T.ABDUCTION: (
            "abduction abductions abducted kidnap kidnapping kidnapped disappearance enlevement enlevements enleve "
            "enleves rapt disparition disparitions"
        ),
        T.FORCED_RECRUITMENT: "recruitment recruiting conscription recrutement recrutements enrolement",
        T.ATTACK_ON_SCHOOL_OR_HOSPITAL: "school schools hospital hospitals clinic ecole ecoles hopital hopitaux clinique",
        T.LOOTING_PROPERTY_DESTRUCTION: "looting loot arson burning destruction pillage pillages incendie incendies",
        T.FORCED_DISPLACEMENT: "displacement displaced eviction deplacement deplacements deplaces expulsion",
        T.DENIAL_OF_HUMANITARIAN_ACCESS: "access blockade roadblock acces blocus barrage",
        T.INCITEMENT_HATE_SPEECH: "hate incitement haine incitation",
        T.INDISCRIMINATE_EXPLOSIVE_WEAPONS: (
            "explosive explosives bomb bombs bombing shelling ied mine mines explosif explosifs bombe bombes "
            "bombardement obus"
        ),
    }.items()
    for word in words.split()
}
"""Threat keywords of both languages (folded). ``attack`` is maiming and injury, as ACLED's attacks without
reported deaths are: an attack that killed is ``kill``."""

SHOWN_THREAT_WORDS: dict[str, tuple[str, ...]] = {
    "en": (
        "kill", "injury", "rape", "abduction", "recruitment", "school", "looting", "displacement", "access",
        "hate", "explosive",
    ),
    "fr": (
        "meurtre", "blessure", "viol", "enlevement", "recrutement", "ecole", "pillage", "deplacement", "acces",
        "haine", "explosif",
    ),
}  # fmt: skip
"""One keyword per threat type, in the taxonomy's order, as an answer lists them (accents left out: any phone
types them)."""

URGENCY_WORDS: dict[str, Urgency] = {
    word: urgency
    for urgency, words in {
        Urgency.IMMEDIATE: "immediate immediat immediately immediatement critical critique",
        Urgency.HIGH: "urgent urgente high haute haut eleve elevee",
        Urgency.ROUTINE: "routine low basse faible normal normale",
    }.items()
    for word in words.split()
}
"""Urgency keywords of both languages (folded): immediate > urgent (the ``high`` level) > routine."""

SHOWN_URGENCY_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("immediate", "urgent", "routine"),
    "fr": ("immediat", "urgent", "routine"),
}

MAX_PLACE = 64
"""The longest place a structured SMS names (a community id is at most 64 characters)."""

_WORD = re.compile(r"[^\s,;]+")
_SEPARATORS = " \t\r\n,;"
_PUNCTUATION = ".:!?#*\"'()[]<>"


class SmsField(StrEnum):
    """The fields of a structured SMS after its keyword, in their order."""

    PLACE = "place"
    THREAT = "threat"
    URGENCY = "urgency"


class Fault(StrEnum):
    """Why a field could not be read."""

    MISSING = "missing"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Problem:
    """The first field of a structured SMS that could not be read, why, and what was written there."""

    field: SmsField
    fault: Fault
    given: str = ""


@dataclass(frozen=True)
class StaffSms:
    """A structured SMS as read: its language, its fields (None when not read) and its free text.

    ``place`` is the word as written (the service finds whether it is a P-code or a community id); ``problem`` is
    the first field that could not be read, None when every field was.
    """

    language: str
    place: str | None
    threat_type: str | None
    urgency: Urgency | None
    text: str
    problem: Problem | None = None

    @property
    def classified(self) -> bool:
        """Every field read: the alert can be stored with its place, threat type and urgency."""
        return self.problem is None

    def unknown_place(self) -> StaffSms:
        """This SMS once the service found that its place is neither a stored P-code nor a community id."""
        return replace(self, problem=Problem(SmsField.PLACE, Fault.UNKNOWN, self.place or ""))


def fold(word: str) -> str:
    """``word`` as the keyword tables hold it: without accents, in lower case, without surrounding punctuation
    (``"Enlèvement,"`` -> ``"enlevement"``)."""
    decomposed = unicodedata.normalize("NFKD", word)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.casefold().strip(_PUNCTUATION)


def threat_from_word(word: str) -> str | None:
    """The threat type a word names: a keyword of either language, or a taxonomy code or name; None otherwise."""
    folded = fold(word)
    if folded in THREAT_WORDS:
        return THREAT_WORDS[folded].value
    code = folded.replace("-", "_")
    for threat in T:
        if code in (threat.value, threat.name.lower()):
            return threat.value
    return None


def urgency_from_word(word: str) -> Urgency | None:
    """The urgency a word names (a keyword of either language, or a level's code); None otherwise."""
    folded = fold(word)
    if folded in URGENCY_WORDS:
        return URGENCY_WORDS[folded]
    try:
        return Urgency(folded)
    except ValueError:
        return None


def read_staff_sms(text: str) -> StaffSms | None:
    """The structured SMS ``text`` is, when it begins with ``ALERT`` or ``ALERTE``; None when it does not (an
    ordinary message). Fields are read in order; the first that is missing or unknown is the problem and the
    fields after it are not read (the alert is stored unclassified)."""
    words = list(_WORD.finditer(text))
    if not words or fold(words[0].group()) not in KEYWORDS:
        return None
    language = KEYWORDS[fold(words[0].group())]
    fields = words[1:4]

    def rest() -> str:
        """The free text after the urgency (or the last word read), as written."""
        end = fields[-1].end() if fields else words[0].end()
        return text[end:].lstrip(_SEPARATORS).rstrip()

    def missing(field: SmsField, place: str | None = None, threat: str | None = None) -> StaffSms:
        return StaffSms(language, place, threat, None, rest(), Problem(field, Fault.MISSING))

    if not fields:
        return missing(SmsField.PLACE)
    place = fields[0].group().strip(_PUNCTUATION)
    if not place or len(place) > MAX_PLACE:
        given = fields[0].group()[:MAX_PLACE]
        return StaffSms(language, None, None, None, rest(), Problem(SmsField.PLACE, Fault.UNKNOWN, given))
    if len(fields) < 2:
        return missing(SmsField.THREAT, place)
    threat = threat_from_word(fields[1].group())
    if threat is None:
        problem = Problem(SmsField.THREAT, Fault.UNKNOWN, fields[1].group())
        return StaffSms(language, place, None, None, rest(), problem)
    if len(fields) < 3:
        return missing(SmsField.URGENCY, place, threat)
    urgency = urgency_from_word(fields[2].group())
    if urgency is None:
        problem = Problem(SmsField.URGENCY, Fault.UNKNOWN, fields[2].group())
        return StaffSms(language, place, threat, None, rest(), problem)
    return StaffSms(language, place, threat, urgency, rest())


FORMAT = N_("ALERT <pcode|community> <threat> <urgency> <text>")
"""The format as an answer recalls it (the French catalogue says ALERTE and the French field names)."""

_RECORDED = N_("Alert {reference} recorded. Thank you.")
_MISSING: dict[SmsField, str] = {
    SmsField.PLACE: N_("Alert {reference} logged unclassified: the place is missing. {format}"),
    SmsField.THREAT: N_("Alert {reference} logged unclassified: the threat is missing. {format}"),
    SmsField.URGENCY: N_("Alert {reference} logged unclassified: the urgency is missing. {format}"),
}
_UNKNOWN: dict[SmsField, str] = {
    SmsField.PLACE: N_("Alert {reference} logged unclassified: unknown place. {format}"),
    SmsField.THREAT: N_("Alert {reference} logged unclassified: unknown threat. Use: {forms}"),
    SmsField.URGENCY: N_("Alert {reference} logged unclassified: unknown urgency. Use: {forms}"),
}


def reply(sms: StaffSms, reference: str) -> Message:
    """The answer to a structured SMS stored as alert ``reference``: the reference and nothing else about the
    alert (not its body, area or routing); when a field could not be read, that field, why, and its valid forms
    (in the SMS's language: the edge translates the message into ``sms.language``)."""
    problem = sms.problem
    if problem is None:
        return Message(_RECORDED, reference=reference)
    if problem.fault is Fault.MISSING:
        return Message(_MISSING[problem.field], reference=reference, format=Message(FORMAT))
    if problem.field is SmsField.PLACE:
        return Message(_UNKNOWN[SmsField.PLACE], reference=reference, format=Message(FORMAT))
    shown = SHOWN_THREAT_WORDS if problem.field is SmsField.THREAT else SHOWN_URGENCY_WORDS
    language = sms.language if sms.language in shown else "en"
    return Message(_UNKNOWN[problem.field], reference=reference, forms=" ".join(shown[language]))


EXAMPLES: dict[str, str] = {
    "en": "ALERT KT0102 abduction immediate 3 children taken near the school",
    "fr": "ALERTE KT0102 enlevement immediat 3 enfants enleves pres de l'ecole",
}
"""A documented example of each language's structured SMS (as any phone types it: no accents)."""

_GUIDE = (
    N_("Structured SMS for staff without data, one line:"),
    N_("Place: an admin area's P-code or a community's id (any case)."),
    N_("Threat: {words} (or a threat type of the taxonomy)."),
    N_("Urgency: {words}."),
    N_("Text: optional, what happened."),
    N_("Example: {example}"),
    N_("Only an SMS from a registered staff number (pochub users phone add) is read this way; the answer gives "
       "the alert's reference, or the field to correct. Any other sender's SMS is an ordinary community alert."),
)  # fmt: skip


def format_guide(language: str) -> list[Message]:
    """The structured SMS's format as staff are taught it, line by line, with the keywords and the example of
    ``language`` (English for a language without its own keywords); the edge translates each line."""
    shown = language if language in SMS_LANGUAGES else "en"
    intro, place, threat, urgency, text, example, who = _GUIDE
    return [
        Message(intro),
        Message(FORMAT),
        Message(place),
        Message(threat, words=" ".join(SHOWN_THREAT_WORDS[shown])),
        Message(urgency, words=" ".join(SHOWN_URGENCY_WORDS[shown])),
        Message(text),
        Message(example, example=EXAMPLES[shown]),
        Message(who),
    ]
