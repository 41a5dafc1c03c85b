"""The demo mission's local perspectives: what its communities say, generated for a seed.

Profiles, a year of engagements (visits, meetings, focus groups by sex and age) with concerns and commitments,
two perception-survey waves as a KoBo export (with its XLSForm and mapping file) and protection plans. The generator
only invents the content; the demo service stores it through the same services a field office uses, so every rule
(areas, transitions, feedback before closing, suppression) applies to the demo as to a mission.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import xlsxwriter

from pochub.core.models.taxonomy import ThreatType
from pochub.core.perspectives.engagements import (
    AgeGroup,
    Commitment,
    Concern,
    Engagement,
    EngagementKind,
    Sex,
)
from pochub.core.perspectives.plans import Indicator, Party, PlanCommitment, ProtectionPlan, Review
from pochub.core.perspectives.profiles import (
    Access,
    CommunityProfile,
    NamedThreat,
    Strategy,
    Trust,
    VulnerableGroup,
)

PERPETRATORS = (
    "the men from the hills",
    "the militia of the river",
    "bandits on the road",
    "soldiers at the checkpoint",
)
PLACES = ("the road to the fields", "the market", "the river crossing", "the school path", "the water point")
REQUESTS = (
    "a patrol on market days", "a night presence near the river crossing", "phone credit for the alert focal point",
    "a meeting with the territorial administrator", "lighting at the water point",
)  # fmt: skip
PROMISES = (
    "Patrol the road to the fields on market days", "Raise the checkpoint abuses with the sector commander",
    "Bring the territorial administrator to the next meeting", "Give the alert focal point a phone and credit",
    "Visit again within two weeks with the child protection officer",
)  # fmt: skip
OUTCOMES = ("Patrols run twice a week since", "Raised at the security meeting of", "Done during the visit of")
FEEDBACK = (
    "Told the community meeting what was done and when the next visit is.",
    "Explained by phone to the alert focal point, who passed it on.",
)
THREATS = (ThreatType.ABDUCTION, ThreatType.KILLING, ThreatType.SEXUAL_VIOLENCE, ThreatType.LOOTING_PROPERTY_DESTRUCTION,
           ThreatType.FORCED_RECRUITMENT)  # fmt: skip


@dataclass(frozen=True)
class DemoCommunity:
    """What the generator needs of a community: id, name and whether it is on the demo's list of hot places."""

    community_id: str
    name: str
    tense: bool


def profile(rng: random.Random, community: DemoCommunity) -> CommunityProfile:
    """A plausible profile: a few groups, named threats, self-protection, means of alert and access."""
    threats = rng.sample(THREATS, k=2 if community.tense else 1)
    return CommunityProfile(
        population_groups={"residents": rng.randrange(800, 9000), "displaced people": rng.randrange(0, 3000)},
        vulnerable_groups=frozenset(rng.sample(list(VulnerableGroup), k=rng.randint(1, 3))),
        named_threats=tuple(NamedThreat(t, rng.choice(PERPETRATORS)) for t in threats),
        strategies=frozenset(rng.sample(list(Strategy)[:9], k=rng.randint(1, 3))),
        capacities_note="A committee of elders meets on Sundays." if rng.random() < 0.5 else "",
        needs=tuple(
            rng.sample(["safe access to fields", "a health post open at night", "school protection"], k=1)
        ),
        phone_operators={"Vodacom": rng.random() < 0.8, "Airtel": rng.random() < 0.5},
        radio_coverage=rng.random() < 0.7,
        languages=("Swahili", rng.choice(["Kinande", "Kihunde", "Lingala"])),
        alert_network="Alert focal point and the parish radio",
        focal_point=f"Focal point of {community.name} (demo), +243 81 {rng.randrange(100, 999)} {rng.randrange(1000, 9999)}",
        access_by_season={
            "dry": Access.OPEN,
            "rainy": rng.choice([Access.OPEN, Access.LIMITED, Access.CLOSED]),
        },
        trust={"the mission": rng.choice(list(Trust)), "the police": rng.choice(list(Trust))},
    )


def engagement(
    rng: random.Random, community: DemoCommunity, held_on: datetime, post: str, promise: bool
) -> Engagement:
    """A meeting with participants in aggregate, a concern or two, a request, and maybe a commitment."""
    kind = rng.choice(list(EngagementKind))
    if kind is EngagementKind.FOCUS_GROUP:  # focus groups meet one sex and age group at a time
        participants = {(rng.choice(list(Sex)), rng.choice(list(AgeGroup))): rng.randint(6, 14)}
    else:
        participants = {(sex, age): rng.randint(0, 12) for sex in Sex for age in AgeGroup}
        participants[(Sex.FEMALE, AgeGroup.ADULT)] += 1
    concerns = tuple(
        Concern(rng.choice(THREATS), rng.choice(PLACES), rng.choice(PERPETRATORS))
        for _ in range(rng.randint(1, 2) if community.tense else rng.randint(0, 1))
    )
    commitments: tuple[Commitment, ...] = ()
    if promise:
        commitments = (
            Commitment(rng.choice(PROMISES), post, held_on.date() + timedelta(days=rng.randint(7, 45))),
        )
    return Engagement(
        community.community_id,
        kind,
        held_on,
        (post,),
        participants,
        concerns,
        (rng.choice(REQUESTS),),
        commitments,
    )


def plan(
    rng: random.Random, community: DemoCommunity, agreed_on: date, post: str, today: date
) -> ProtectionPlan:
    """A protection plan agreed some months ago, one review held."""
    threat = rng.choice(THREATS)
    reviews: tuple[Review, ...] = ()
    if (today - agreed_on).days > 90:
        reviews = (
            Review(
                agreed_on + timedelta(days=75),
                post,
                "The night watch works; the patrol came late twice.",
                True,
            ),
        )
    return ProtectionPlan(
        community.community_id, agreed_on, (NamedThreat(threat, rng.choice(PERPETRATORS)),),
        "Women and girls walk to the fields before dawn; no phone network at the river.",
        ((Strategy.NIGHT_WATCH, "Young men watch the river crossing at night"), (Strategy.SAFE_PLACES, "The church")),
        (
            PlanCommitment(Party.MISSION, post, "Patrol the road to the fields on market days", agreed_on + timedelta(days=30), True),
            PlanCommitment(Party.AUTHORITIES, "Chef de secteur", "Station two police officers at the market",
                           agreed_on + timedelta(days=120)),
        ),
        (Indicator("An abduction within 10 km", threat), Indicator("The night watch stops")),
        reviews,
    )  # fmt: skip


def write_survey(
    folder: Path, rng: random.Random, communities: list[DemoCommunity], today: date
) -> tuple[Path, Path, Path]:
    """Two survey waves (six months apart) as one KoBo CSV export, its XLSForm and its mapping file. Some
    communities have too few respondents, so the demo shows suppression too."""
    export, form, mapping = (
        folder / "perception_survey.csv",
        folder / "perception_form.xlsx",
        folder / "perception_mapping.yaml",
    )
    waves = (
        (f"{today.year - 1}-H2" if today.month <= 6 else f"{today.year}-H1"),
        f"{today.year}-H{2 if today.month > 6 else 1}",
    )
    with export.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";")  # KoBo's legacy CSV separator
        writer.writerow(["_id", "_uuid", "_submission_time", "community", "wave", "safety/safe_night", "safety/safe_fields",
                         "trust/trust_mission", "alert/whom", "weight"])  # fmt: skip
        n = 0
        for w, wave in enumerate(waves):
            for community in communities:
                size = rng.choice([4, 25, 30, 40]) if rng.random() < 0.9 else 6
                unsafe = (0.65 if community.tense else 0.3) - 0.1 * w
                for _ in range(size):
                    n += 1
                    whom = [c for c in ("mission", "police", "chief", "church") if rng.random() < 0.4] or [
                        "chief"
                    ]
                    writer.writerow([
                        n, f"demo-{n}", f"{wave}", community.community_id, wave,
                        "no" if rng.random() < unsafe else rng.choice(["yes", "yes", "dont_know"]),
                        "no" if rng.random() < unsafe + 0.1 else "yes",
                        rng.choice(["high", "some", "none", "none" if community.tense else "some"]),
                        " ".join(whom), rng.choice(["0.8", "1", "1.2"]),
                    ])  # fmt: skip
    workbook = xlsxwriter.Workbook(str(form))
    survey = workbook.add_worksheet("survey")
    rows = [
        ["type", "name", "label::English (en)", "label::Français (fr)"],
        ["text", "community", "Community", "Communauté"],
        ["text", "wave", "Wave", "Vague"],
        ["begin_group", "safety", "Safety", "Sécurité"],
        ["select_one yesno", "safe_night", "Do you feel safe walking at night?", "Vous sentez-vous en sécurité la nuit ?"],
        ["select_one yesno", "safe_fields", "Do you feel safe on the way to the fields?", "Vous sentez-vous en sécurité sur le chemin des champs ?"],
        ["end_group", "", "", ""],
        ["begin_group", "trust", "Trust", "Confiance"],
        ["select_one trust", "trust_mission", "Do you trust the mission to protect you?", "Faites-vous confiance à la mission pour vous protéger ?"],
        ["end_group", "", "", ""],
        ["begin_group", "alert", "Alert", "Alerte"],
        ["select_multiple whom", "whom", "Whom would you alert?", "Qui alerteriez-vous ?"],
        ["end_group", "", "", ""],
        ["decimal", "weight", "Weight", "Poids"],
    ]  # fmt: skip
    for r, row in enumerate(rows):
        survey.write_row(r, 0, row)
    choices = workbook.add_worksheet("choices")
    for r, row in enumerate([
        ["list_name", "name", "label::English (en)", "label::Français (fr)"],
        ["yesno", "yes", "Yes", "Oui"], ["yesno", "no", "No", "Non"], ["yesno", "dont_know", "Don't know", "Ne sait pas"],
        ["trust", "high", "A lot", "Beaucoup"], ["trust", "some", "Somewhat", "Un peu"], ["trust", "none", "Not at all", "Pas du tout"],
        ["whom", "mission", "The mission", "La mission"], ["whom", "police", "The police", "La police"],
        ["whom", "chief", "The chief", "Le chef"], ["whom", "church", "The church", "L'église"],
    ]):  # fmt: skip
        choices.write_row(r, 0, row)
    workbook.close()
    mapping.write_text(
        "survey: Perception survey\ncommunity: {question: community}\nwave: {question: wave}\nweight: {question: weight}\n"
        "minimum: 10\nmeasures:\n"
        "  feels_safe_night: {question: safety/safe_night, yes: [yes], no_answer: [dont_know]}\n"
        "  feels_safe_fields: {question: safety/safe_fields, yes: [yes]}\n"
        "  trusts_mission: {question: trust/trust_mission, yes: [high, some]}\n"
        "  would_alert: {question: alert/whom}\n",
        encoding="utf-8",
    )
    return export, mapping, form


def year_of_dates(rng: random.Random, today: datetime, count: int) -> list[datetime]:
    """``count`` working-day moments over the last year, oldest first."""
    moments = []
    for _ in range(count):
        day = today - timedelta(days=rng.randint(1, 365))
        moments.append(datetime(day.year, day.month, day.day, rng.randint(8, 16), tzinfo=UTC))
    return sorted(moments)
