"""A community protection plan as the fields of a simple form, and back: one item a line, in words people write.

- ``agreed_on``: the day the plan was agreed (YYYY-MM-DD);
- ``threats``: ``threat type: perpetrator as the community names them``, a line each;
- ``vulnerabilities``: free text;
- ``community_measures``: ``strategy: how the community does it``, a line each;
- ``commitments``: ``mission or authorities | who | what | due YYYY-MM-DD | done`` (done optional), a line each;
- ``indicators``: what calls for a review, a line each; ``threat type: what`` watches events of that type nearby.

Reviews are not fields: the form keeps the plan's reviews and may add one (its day, findings, whether it revised
the plan). A field that cannot be read says why in words the edges translate, and no plan is made.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date

from pochub.core.models.taxonomy import ThreatType
from pochub.core.perspectives.plans import (
    Indicator,
    Party,
    PlanCommitment,
    ProtectionPlan,
    Review,
    check_plan,
)
from pochub.core.perspectives.profiles import NamedThreat, Strategy
from pochub.core.text import N_, Message, Text
from pochub.errors import InvalidInput

PLAN_FIELDS = ("agreed_on", "threats", "vulnerabilities", "community_measures", "commitments", "indicators")
DONE = frozenset({"done", "fait", "yes", "oui"})
PARTIES = {"mission": Party.MISSION, "authorities": Party.AUTHORITIES, "autorités": Party.AUTHORITIES,
           "autorites": Party.AUTHORITIES}  # fmt: skip
"""The words for who commits (the codes, and the French for the authorities)."""


def _pair(code: str, text: str) -> str:
    return f"{code}: {text}" if text.strip() else code


def plan_to_fields(plan: ProtectionPlan | None, today: date) -> dict[str, str]:
    """The text of each field as the form shows it (what :func:`plan_from_fields` reads back); an empty form
    agreed ``today`` without a plan."""
    if plan is None:
        return {name: "" for name in PLAN_FIELDS} | {"agreed_on": today.isoformat()}
    return {
        "agreed_on": plan.agreed_on.isoformat(),
        "threats": "\n".join(_pair(t.threat_type.value, t.perpetrator) for t in plan.threats),
        "vulnerabilities": plan.vulnerabilities,
        "community_measures": "\n".join(_pair(s.value, how) for s, how in plan.community_measures),
        "commitments": "\n".join(
            " | ".join([c.party.value, c.who, c.what, c.due.isoformat(), *(["done"] if c.done else [])])
            for c in plan.commitments
        ),
        "indicators": "\n".join(
            f"{i.threat_type.value}: {i.what}" if i.threat_type else i.what for i in plan.indicators
        ),
    }


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r", "\n").split("\n") if line.strip()]


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _threats(text: str) -> tuple[tuple[NamedThreat, ...], Text | None]:
    threats = []
    for line in _lines(text):
        code, _, perpetrator = line.partition(":")
        try:
            threats.append(NamedThreat(ThreatType(code.strip()), perpetrator.strip()))
        except ValueError:
            return (), Message(N_("'{code}' is not a threat type (the codes are listed below the field)"),
                               code=code.strip())  # fmt: skip
    return tuple(threats), None


def _measures(text: str) -> tuple[tuple[tuple[Strategy, str], ...], Text | None]:
    measures = []
    for line in _lines(text):
        code, _, how = line.partition(":")
        try:
            measures.append((Strategy(code.strip()), how.strip()))
        except ValueError:
            return (), Message(N_("'{code}' is not a self-protection strategy (the codes are listed below the field)"),
                               code=code.strip())  # fmt: skip
    return tuple(measures), None


def _commitments(text: str) -> tuple[tuple[PlanCommitment, ...], Text | None]:
    commitments = []
    for number, line in enumerate(_lines(text), start=1):
        parts = [part.strip() for part in line.split("|")]
        if len(parts) not in (4, 5):
            return (), Message(
                N_(
                    "line {line}: write 'mission or authorities | who | what | due date', and '| done' when kept"
                ),
                line=number,
            )
        party = PARTIES.get(parts[0].lower())
        if party is None:
            return (), Message(N_("line {line}: '{party}' is neither mission nor authorities"),
                               line=number, party=parts[0])  # fmt: skip
        due = _day(parts[3])
        if due is None:
            return (), Message(N_("line {line}: '{due}' is not a date such as 2026-12-31"), line=number,
                               due=parts[3])  # fmt: skip
        if len(parts) == 5 and parts[4] and parts[4].lower() not in DONE:
            return (), Message(N_("line {line}: write 'done' at the end of a commitment kept, or nothing"),
                               line=number)  # fmt: skip
        commitments.append(PlanCommitment(party, parts[1], parts[2], due, len(parts) == 5 and bool(parts[4])))
    return tuple(commitments), None


def _indicators(text: str) -> tuple[Indicator, ...]:
    indicators = []
    for line in _lines(text):
        code, colon, what = line.partition(":")
        try:
            watched: ThreatType | None = ThreatType(code.strip()) if colon else None
        except ValueError:
            watched = None
        indicators.append(Indicator(what.strip(), watched) if watched else Indicator(line))
    return tuple(indicators)


def plan_from_fields(
    community_id: str,
    fields: Mapping[str, str],
    current: ProtectionPlan | None = None,
    new_review: Review | None = None,
) -> tuple[ProtectionPlan | None, dict[str, Text]]:
    """The plan the form's fields say, checked: the ``current`` plan's reviews kept (and ``new_review`` added), and
    the actor registry's link of each threat it names again; or no plan and the reason per field (``plan`` for
    what concerns the whole plan)."""
    errors: dict[str, Text] = {}
    agreed_on = _day(fields.get("agreed_on", ""))
    if agreed_on is None:
        errors["agreed_on"] = N_("write the day the plan was agreed as a date such as 2026-12-31")
    threats, problem = _threats(fields.get("threats", ""))
    if problem:
        errors["threats"] = problem
    measures, problem = _measures(fields.get("community_measures", ""))
    if problem:
        errors["community_measures"] = problem
    commitments, problem = _commitments(fields.get("commitments", ""))
    if problem:
        errors["commitments"] = problem
    if errors or agreed_on is None:
        return None, errors
    linked = {(t.threat_type, t.perpetrator): t.registry_actor for t in (current.threats if current else ())}
    threats = tuple(
        replace(t, registry_actor=linked.get((t.threat_type, t.perpetrator), "")) for t in threats
    )
    plan = ProtectionPlan(
        community_id=community_id,
        agreed_on=agreed_on,
        threats=threats,
        vulnerabilities=fields.get("vulnerabilities", "").strip(),
        community_measures=measures,
        commitments=commitments,
        indicators=_indicators(fields.get("indicators", "")),
        reviews=(*(current.reviews if current else ()), *([new_review] if new_review else [])),
    )
    try:
        return check_plan(plan), {}
    except InvalidInput as exc:
        return None, {"plan": exc.message}
