"""The demo mission's coordination structure as plain data (written to ``structure.yaml``).

It follows the DPKO/DFS comparative study (DOMAIN.md section 5): a strategic Senior Management Group on
Protection chaired by the Head of Mission, an operational mission PoC working group chaired by the Senior PoC
Adviser, a tactical field PoC working group per field office chaired by the Head of Office, the JOC and the
JMAC; OCHA and the Protection Cluster attend as observers. Routing rules (threat type x urgency -> body),
deadlines per alert lifecycle step and the escalation paths are data too, so that the workflow engine derives
everything from this file.
"""

from __future__ import annotations

from typing import Any

from pochub.core.models.taxonomy import ThreatType
from pochub.demo.geography import Geography
from pochub.demo.mission import FieldOffice, Footprint
from pochub.demo.names import NameMaker

MISSION_NAME = "United Nations Stabilization Mission in Kanthara"
MISSION_ACRONYM = "UNSMIK"
COUNTRY_NAME = "Republic of Kanthara"
BOUNDARY_VERSION = "KT-DEMO-2026"
OBSERVERS = ["OCHA", "Protection Cluster"]
SMG = "smg_protection"
MISSION_WG = "mission_poc_wg"
JOC = "joc"
JMAC = "jmac"

URGENCY_LEVELS = {
    "immediate": "violence imminent or under way (response phase)",
    "high": "attack anticipated within days (pre-emption phase)",
    "routine": "risk without a clear threat yet (prevention or consolidation phase)",
}
MISSION_LEVEL_THREATS = (ThreatType.DENIAL_OF_HUMANITARIAN_ACCESS, ThreatType.INCITEMENT_HATE_SPEECH)
"""Threats handled mission-wide, with humanitarian partners and national authorities, rather than locally."""
DEADLINES_HOURS = {
    "acknowledge": 1, "verify": 12, "classify": 12, "transmit": 14, "decide": 24, "deploy": 48,
    "record_outcome": 72, "give_feedback": 96, "close": 168, "after_action_review": 336,
}  # fmt: skip
"""Deadline of each alert lifecycle step, in hours after the alert was received (for high urgency)."""
DEADLINE_FACTOR = {"immediate": 0.5, "high": 1.0, "routine": 2.0}
IMMEDIATE_DEADLINES_HOURS = {
    "acknowledge": 0.25, "verify": 1, "classify": 1, "transmit": 1.5, "decide": 2, "deploy": 4,
}  # fmt: skip
"""An immediate alert (violence imminent or under way) is acknowledged within 15 minutes, decided within 2 h and
answered on the ground within 4 h; its later steps keep the factor (half the high-urgency hours)."""

HQ_ROLES = (
    ("head_of_mission", "Head of Mission (SRSG)", "civilian"),
    ("deputy_head_of_mission", "Deputy Head of Mission (DSRSG)", "civilian"),
    ("chief_of_staff", "Chief of Staff", "civilian"),
    ("force_commander", "Force Commander", "military"),
    ("police_commissioner", "Police Commissioner", "police"),
    ("senior_poc_adviser", "Senior Protection of Civilians Adviser", "civilian"),
    ("poc_officer", "Protection of Civilians Officer (PoC Unit)", "civilian"),
    ("director_human_rights", "Director, Human Rights Division", "civilian"),
    ("chief_civil_affairs", "Chief, Civil Affairs Division", "civilian"),
    ("senior_child_protection_adviser", "Senior Child Protection Adviser", "civilian"),
    ("senior_women_protection_adviser", "Senior Women Protection Adviser", "civilian"),
    ("chief_joc", "Chief, Joint Operations Centre", "civilian"),
    ("joc_duty_officer", "JOC Duty Officer", "civilian"),
    ("chief_jmac", "Chief, Joint Mission Analysis Centre", "civilian"),
    ("force_u3", "Force Chief of Operations (U3)", "military"),
    ("police_operations", "Police Chief of Operations", "police"),
)
"""(role id, title, component) of mission headquarters."""
OFFICE_ROLES = (
    ("head_of_office", "Head of Office", "civilian"),
    ("poc_focal_point", "PoC Focal Point", "civilian"),
    ("sector_commander", "Sector Commander", "military"),
    ("police_sector_coordinator", "UN Police Sector Coordinator", "police"),
    ("civil_affairs_officer", "Civil Affairs Officer", "civilian"),
    ("human_rights_officer", "Human Rights Officer", "civilian"),
    ("cla_coordinator", "Community Liaison Assistant Coordinator", "civilian"),
)
"""(role id prefix, title, component) of every field office."""


def _by_component(role_ids: list[str], components: dict[str, str]) -> dict[str, list[str]]:
    """Members grouped by component (civilian, military, police)."""
    grouped: dict[str, list[str]] = {"civilian": [], "military": [], "police": []}
    for role in role_ids:
        grouped[components[role]].append(role)
    return grouped


def _body(
    body_id: str,
    name: str,
    level: str,
    chair: str,
    members: list[str],
    secretariat: str,
    frequency: str,
    area: list[str],
    reports_to: str | None,
    components: dict[str, str],
    **extra: Any,
) -> dict[str, Any]:
    """One coordination body in the terms-of-reference shape."""
    return {
        "id": body_id, "name": name, "level": level, "chair": chair,
        "members": _by_component(members, components), "secretariat": secretariat,
        "observers": list(OBSERVERS), "meeting_frequency": frequency, "area_pcodes": area,
        "reports_to": reports_to, **extra,
    }  # fmt: skip


def field_wg(office: FieldOffice) -> str:
    """Id of a field office's PoC working group."""
    return f"field_poc_wg_{office.office_id.removeprefix('fo_')}"


def _roles(names: NameMaker, offices: tuple[FieldOffice, ...]) -> list[dict[str, Any]]:
    """Every role with a fictional holder; field roles carry their field office."""
    roles: list[dict[str, Any]] = [
        {"id": role, "title": title, "component": component, "name": names.person(), "field_office": None}
        for role, title, component in HQ_ROLES
    ]
    for office in offices:
        for prefix, title, component in OFFICE_ROLES:
            roles.append(
                {
                    "id": f"{prefix}_{office.office_id}",
                    "title": f"{title}, {office.name}",
                    "component": component,
                    "name": names.person(),
                    "field_office": office.office_id,
                }
            )
    return roles


def _bodies(
    offices: tuple[FieldOffice, ...], all_areas: list[str], components: dict[str, str]
) -> list[dict[str, Any]]:
    """The strategic, operational and tactical bodies, the JOC and the JMAC."""
    leaders = [
        "deputy_head_of_mission",
        "chief_of_staff",
        "force_commander",
        "police_commissioner",
        "senior_poc_adviser",
        "director_human_rights",
        "chief_civil_affairs",
        "chief_joc",
        "chief_jmac",
    ]
    working_group = [
        "poc_officer",
        "force_u3",
        "police_operations",
        "director_human_rights",
        "chief_civil_affairs",
        "senior_child_protection_adviser",
        "senior_women_protection_adviser",
        "chief_joc",
        "chief_jmac",
    ]
    inputs = ["threat_matrix", "alerts", "trends"]
    outputs = ["decisions", "action_points"]
    bodies = [
        _body(
            SMG,
            "Senior Management Group on Protection",
            "strategic",
            "head_of_mission",
            ["head_of_mission", *leaders],
            "senior_poc_adviser",
            "monthly",
            all_areas,
            None,
            components,
            purpose="mission-wide PoC priorities, strategy and resources",
            quorum=5,
            extraordinary_meeting_trigger="mass-casualty attack or a threat beyond a sector's means",
            standing_inputs=inputs,
            outputs=outputs,
        ),
        _body(
            MISSION_WG,
            "Mission PoC Working Group",
            "operational",
            "senior_poc_adviser",
            ["senior_poc_adviser", *working_group],
            "poc_officer",
            "weekly",
            all_areas,
            SMG,
            components,
            purpose="runs the mission PoC threat matrix and coordinates the response across sectors",
            quorum=5,
            extraordinary_meeting_trigger="an alert of immediate urgency affecting more than one sector",
            standing_inputs=inputs,
            outputs=outputs,
        ),
    ]
    for office in offices:
        members = [f"{prefix}_{office.office_id}" for prefix, _, _ in OFFICE_ROLES]
        bodies.append(
            _body(
                field_wg(office),
                f"Field PoC Working Group, {office.name}",
                "tactical",
                f"head_of_office_{office.office_id}",
                members,
                f"poc_focal_point_{office.office_id}",
                "weekly",
                list(office.area_pcodes),
                MISSION_WG,
                components,
                field_office=office.office_id,
                purpose="local threat matrix, alerts and response",
                quorum=4,
                extraordinary_meeting_trigger="an alert of high or immediate urgency",
                standing_inputs=inputs,
                outputs=outputs,
            )
        )
    bodies.append(
        _body(
            JOC,
            "Joint Operations Centre",
            "operational",
            "chief_joc",
            ["chief_joc", "joc_duty_officer", "force_u3", "police_operations"],
            "joc_duty_officer",
            "daily (24/7 watch)",
            all_areas,
            SMG,
            components,
            purpose="situational awareness and crisis management",
            quorum=2,
            extraordinary_meeting_trigger="any alert of immediate urgency",
            standing_inputs=["alerts", "incident reports"],
            outputs=["flash reports", "daily reports"],
        )
    )
    bodies.append(
        _body(
            JMAC,
            "Joint Mission Analysis Centre",
            "operational",
            "chief_jmac",
            ["chief_jmac", "force_u3", "police_operations", "senior_poc_adviser"],
            "chief_jmac",
            "weekly",
            all_areas,
            SMG,
            components,
            purpose="integrated analysis, trends and forecasts",
            quorum=2,
            extraordinary_meeting_trigger="a surge detected by the early-warning tools",
            standing_inputs=["events", "trends"],
            outputs=["threat assessments", "forecasts"],
        )
    )
    return bodies


def _local_rules(threat: str | None, urgency: str, offices: tuple[FieldOffice, ...]) -> list[dict[str, Any]]:
    """One rule per field office: its working group, or the JOC (telling the office) when immediate."""
    rules = []
    for office in offices:
        local = field_wg(office)
        body, notify = (JOC, [local, MISSION_WG]) if urgency == "immediate" else (local, [])
        rules.append(
            {"threat_type": threat, "urgency": urgency, "area_pcodes": list(office.area_pcodes), "body": body,
             "notify": notify}
        )  # fmt: skip
    return rules


def _routing(offices: tuple[FieldOffice, ...]) -> dict[str, Any]:
    """Routing rules: threat type x urgency (x area) -> body, first match wins.

    An alert not yet classified (no threat type) goes by urgency and area like a classified one.
    """
    rules: list[dict[str, Any]] = []
    for threat in ThreatType:
        for urgency in URGENCY_LEVELS:
            if threat in MISSION_LEVEL_THREATS and urgency != "immediate":
                rules.append(
                    {"threat_type": threat.value, "urgency": urgency, "area_pcodes": None, "body": MISSION_WG,
                     "notify": []}
                )  # fmt: skip
            else:
                rules += _local_rules(threat.value, urgency, offices)
    for urgency in URGENCY_LEVELS:
        rules += _local_rules(None, urgency, offices)
    return {"urgency_levels": URGENCY_LEVELS, "default_body": MISSION_WG, "rules": rules}


FRENCH = {
    "Head of Mission (SRSG)": "Chef de mission (RSSG)",
    "Deputy Head of Mission (DSRSG)": "Chef adjoint de mission (RSSG adjoint)",
    "Chief of Staff": "Chef de cabinet",
    "Force Commander": "Commandant de la Force",
    "Police Commissioner": "Chef de la composante Police",
    "Senior Protection of Civilians Adviser": "Conseiller principal pour la protection des civils",
    "Protection of Civilians Officer (PoC Unit)": "Spécialiste de la protection des civils (Unité PdC)",
    "Director, Human Rights Division": "Directeur, Division des droits de l'homme",
    "Chief, Civil Affairs Division": "Chef, Division des affaires civiles",
    "Senior Child Protection Adviser": "Conseiller principal pour la protection de l'enfance",
    "Senior Women Protection Adviser": "Conseiller principal pour la protection des femmes",
    "Chief, Joint Operations Centre": "Chef, Centre d'opérations conjoint",
    "JOC Duty Officer": "Officier de permanence du JOC",
    "Chief, Joint Mission Analysis Centre": "Chef, Cellule d'analyse conjointe de la mission",
    "Force Chief of Operations (U3)": "Chef des opérations de la Force (U3)",
    "Police Chief of Operations": "Chef des opérations de la Police",
    "Head of Office": "Chef de bureau",
    "PoC Focal Point": "Point focal PdC",
    "Sector Commander": "Commandant de secteur",
    "UN Police Sector Coordinator": "Coordonnateur de secteur de la Police des Nations Unies",
    "Civil Affairs Officer": "Spécialiste des affaires civiles",
    "Human Rights Officer": "Spécialiste des droits de l'homme",
    "Community Liaison Assistant Coordinator": "Coordonnateur des assistants de liaison communautaire",
    "Senior Management Group on Protection": "Groupe de gestion principal sur la protection",
    "Mission PoC Working Group": "Groupe de travail sur la protection des civils",
    "Field PoC Working Group": "Groupe de travail de terrain sur la protection des civils",
    "Joint Operations Centre": "Centre d'opérations conjoint",
    "Joint Mission Analysis Centre": "Cellule d'analyse conjointe de la mission",
    "mission-wide PoC priorities, strategy and resources": (
        "priorités, stratégie et ressources de PdC à l'échelle de la mission"
    ),
    "runs the mission PoC threat matrix and coordinates the response across sectors": (
        "tient la matrice des menaces PdC de la mission et coordonne la réponse entre les secteurs"
    ),
    "local threat matrix, alerts and response": "matrice locale des menaces, alertes et réponse",
    "situational awareness and crisis management": "connaissance de la situation et gestion des crises",
    "integrated analysis, trends and forecasts": "analyse intégrée, tendances et prévisions",
    "mass-casualty attack or a threat beyond a sector's means": (
        "attaque faisant de nombreuses victimes ou menace dépassant les moyens d'un secteur"
    ),
    "an alert of immediate urgency affecting more than one sector": (
        "une alerte d'urgence immédiate touchant plus d'un secteur"
    ),
    "an alert of high or immediate urgency": "une alerte d'urgence élevée ou immédiate",
    "any alert of immediate urgency": "toute alerte d'urgence immédiate",
    "a surge detected by the early-warning tools": "une hausse détectée par les outils d'alerte précoce",
    "monthly": "mensuelle",
    "weekly": "hebdomadaire",
    "daily (24/7 watch)": "quotidienne (veille 24 h/24, 7 j/7)",
    "threat_matrix": "matrice des menaces",
    "alerts": "alertes",
    "trends": "tendances",
    "decisions": "décisions",
    "action_points": "points d'action",
    "incident reports": "rapports d'incident",
    "flash reports": "rapports flash",
    "daily reports": "rapports quotidiens",
    "events": "événements",
    "threat assessments": "évaluations des menaces",
    "forecasts": "prévisions",
}
"""The French of the structure's free texts (UN peacekeeping PoC usage), written as language maps."""
BODY_TEXTS = ("name", "purpose", "meeting_frequency", "extraordinary_meeting_trigger")
FREE_TEXT_LISTS = ("standing_inputs", "outputs")


def _french(text: str) -> str:
    """The French of a demo text: 'Field Office <town>' and 'X, <office>' are composed."""
    if text.startswith("Field Office "):
        return f"Bureau de terrain de {text.removeprefix('Field Office ')}"
    head, separator, office = text.rpartition(", ")
    if separator and head in FRENCH and office.startswith("Field Office "):
        return f"{FRENCH[head]}, {_french(office)}"
    return FRENCH[text]


def _bilingual(items: list[dict[str, Any]], keys: tuple[str, ...]) -> list[dict[str, Any]]:
    """``items`` with their free texts (``keys`` and the lists) as language maps (``{en: ..., fr: ...}``)."""
    for item in items:
        for key in keys:
            if isinstance(item.get(key), str):
                item[key] = {"en": item[key], "fr": _french(item[key])}
        for key in FREE_TEXT_LISTS:
            if key in item:
                item[key] = [{"en": text, "fr": _french(text)} for text in item[key]]
    return items


def coordination_structure(names: NameMaker, geography: Geography, footprint: Footprint) -> dict[str, Any]:
    """The whole coordination structure as plain data for ``yaml.safe_dump``, its free texts in English and
    French."""
    offices = footprint.offices
    all_areas = [p.pcode for p in geography.provinces]
    roles = _roles(names, offices)
    components = {r["id"]: r["component"] for r in roles}
    holders = {r["id"]: r["name"] for r in roles}
    capital = geography.districts[geography.capital_district]
    paths = {field_wg(o): [field_wg(o), MISSION_WG, SMG] for o in offices}
    paths.update({MISSION_WG: [MISSION_WG, SMG], JOC: [JOC, SMG], JMAC: [JMAC, SMG], SMG: [SMG]})
    return {
        "mission": {
            "name": MISSION_NAME,
            "acronym": MISSION_ACRONYM,
            "country": COUNTRY_NAME,
            "country_code": "KT",
            "boundary_version": BOUNDARY_VERSION,
            "coordinator_model": "poc_advisers_as_coordinators",
            "headquarters": {
                "base": footprint.bases[0].base_id,
                "town": capital.name,
                "pcode": capital.pcode,
            },
            "reference_date": "2026-10-31",
        },
        "field_offices": [
            {
                "id": o.office_id,
                "name": {"en": o.name, "fr": _french(o.name)},
                "town": o.town,
                "base": o.base_id,
                "sector": o.sector,
                "area_pcodes": list(o.area_pcodes),
                "head_of_office": f"head_of_office_{o.office_id}",
                "poc_focal_point": {
                    "role": f"poc_focal_point_{o.office_id}",
                    "name": holders[f"poc_focal_point_{o.office_id}"],
                },
            }
            for o in offices
        ],
        "bodies": _bilingual(_bodies(offices, all_areas, components), BODY_TEXTS),
        "roles": _bilingual(roles, ("title",)),
        "routing": _routing(offices),
        "deadlines_hours": dict(DEADLINES_HOURS),
        "deadlines_measured_from": "received",
        "deadline_factor_by_urgency": dict(DEADLINE_FACTOR),
        "deadlines_hours_by_urgency": {"immediate": dict(IMMEDIATE_DEADLINES_HOURS)},
        "escalation": {
            "trigger": "deadline_missed",
            "grace_hours": 1,
            "path_rule": "reports_to",
            "paths": paths,
            "notify_roles": ["senior_poc_adviser", "chief_joc"],
        },
    }
