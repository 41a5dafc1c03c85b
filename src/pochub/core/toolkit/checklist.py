"""The ten PoC coordination tasks as a self-assessment checklist with remedial measures (DPKO/DFS toolkit, tool 2).

Each task has check questions answered yes / partial / no with evidence, a remedial measure, its owner and a
due date. Some questions can be answered from the coordination structure itself (is there a focal point in
every field office, are the reporting lines free of loops); those findings fill the gaps a mission has not
answered yet, marked as coming from the structure. A task scores the share of its questions met (yes 1,
partial 1/2, no or unanswered 0), so an unassessed task never looks healthy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from pochub.core.models.coordination import Level, Structure
from pochub.core.text import N_, Message, Text, joined
from pochub.core.toolkit.coordinator_models import MODEL_LABELS
from pochub.core.workflow.structure import escalation_path, reporting_cycles

STATUSES = ("yes", "partial", "no")
POINTS = {"yes": 1.0, "partial": 0.5, "no": 0.0}


@dataclass(frozen=True)
class Finding:
    """What the structure itself says about a check question."""

    status: str
    evidence: Text


@dataclass(frozen=True)
class CheckQuestion:
    """One check question of a coordination task and the remedial measure when it is not met."""

    key: str
    question: str
    remedial_measure: str
    from_structure: Callable[[Structure], Finding] | None = None


@dataclass(frozen=True)
class CoordinationTask:
    """One of the ten coordination tasks of the DPKO/DFS study."""

    key: str
    title: str
    purpose: str
    questions: tuple[CheckQuestion, ...]


# --- findings from the structure -------------------------------------------------------------------------


def _status(met: int, total: int) -> str:
    return "yes" if total and met == total else "partial" if met else "no"


def _of(met: int, total: int, msgid: str, **values: object) -> Message:
    """'{met} of {total} ...': the common shape of a finding's evidence."""
    return Message(msgid, met=met, total=total, **values)


def _with_missing(evidence: Message, missing: list[str], msgid: str) -> Message:
    """The evidence followed by the names it found lacking (``msgid`` has ``{evidence}`` and ``{names}``)."""
    return Message(msgid, evidence=evidence, names=", ".join(missing)) if missing else evidence


def _strategic_forum(structure: Structure) -> Finding:
    strategic = [b for b in structure.bodies if b.level == Level.STRATEGIC]
    if not strategic:
        return Finding("no", Message(N_("the structure has no strategic-level body")))
    body = strategic[0]
    chair = structure.title_of(body.chair)
    if not body.meeting_frequency:
        return Finding(
            "partial",
            Message(N_("{body}, chaired by {chair}, meets irregularly"), body=body.name, chair=chair),
        )
    return Finding(
        "yes",
        Message(
            N_("{body}, chaired by {chair}, meets {frequency}"),
            body=body.name,
            chair=chair,
            frequency=Message(body.meeting_frequency),
        ),
    )


def _coordinator(structure: Structure) -> Finding:
    model = structure.mission.coordinator_model
    if model is None:
        return Finding(
            "no", Message(N_("no coordinator model is set in the structure (mission.coordinator_model)"))
        )
    return Finding(
        "partial",
        Message(
            N_("coordinator model: {model}; written mandate not checked"),
            model=Message(MODEL_LABELS.get(model.value, model.value.replace("_", " "))),
        ),
    )


def _terms_of_reference(structure: Structure) -> Finding:
    complete = [
        b for b in structure.bodies if b.chair and b.secretariat and b.member_roles and b.purpose and b.quorum
    ]
    missing = [b.id for b in structure.bodies if b not in complete]
    evidence = _of(
        len(complete),
        len(structure.bodies),
        N_("{met} of {total} bodies have chair, secretariat, members, purpose, quorum"),
    )
    evidence = _with_missing(evidence, missing, N_("{evidence}; incomplete: {names}"))
    return Finding(_status(len(complete), len(structure.bodies)), evidence)


def _focal_points(structure: Structure) -> Finding:
    offices = structure.field_offices
    named = [o for o in offices if o.poc_focal_point is not None and o.poc_focal_point.name]
    unnamed = [o.name for o in offices if o not in named]
    evidence = _of(
        len(named), len(offices), N_("{met} of {total} field offices have a named PoC focal point")
    )
    evidence = _with_missing(evidence, unnamed, N_("{evidence}; none in {names}"))
    return Finding(_status(len(named), len(offices)), evidence)


def _body_names(structure: Structure) -> dict[str, str]:
    """The bodies' names by id: findings name bodies as people know them, not by the ids of the file."""
    return {b.id: b.name or b.id for b in structure.bodies}


def _reporting_lines(structure: Structure) -> Finding:
    cycles = reporting_cycles(structure)
    named = _body_names(structure)
    if cycles:
        return Finding(
            "no",
            Message(
                N_("reporting-line cycles: {cycles}"),
                cycles="; ".join(" -> ".join(named.get(b, b) for b in c) for c in cycles),
            ),
        )
    roots = [b.name or b.id for b in structure.bodies if b.reports_to is None]
    if len(roots) > 1:
        return Finding(
            "partial",
            Message(N_("{count} bodies report to no one: {names}"), count=len(roots), names=", ".join(roots)),
        )
    if not roots:
        return Finding("yes", Message(N_("every body reports up to a single top body; no loops")))
    return Finding("yes", Message(N_("every body reports up to {body}; no loops"), body=roots[0]))


def _joint_membership(structure: Structure) -> Finding:
    operational = [b for b in structure.bodies if b.level == Level.OPERATIONAL]
    joint = [b for b in operational if all(b.members_of(c) for c in ("civilian", "military", "police"))]
    return Finding(
        _status(len(joint), len(operational)),
        _of(
            len(joint),
            len(operational),
            N_("{met} of {total} operational bodies have civilian, military and police members"),
        ),
    )


def _field_forums(structure: Structure) -> Finding:
    with_forum = {b.field_office for b in structure.bodies if b.level == Level.TACTICAL and b.field_office}
    offices = structure.field_offices
    lacking = [o.name for o in offices if o.id not in with_forum]
    evidence = _of(
        len(offices) - len(lacking),
        len(offices),
        N_("{met} of {total} field offices have a tactical PoC forum"),
    )
    evidence = _with_missing(evidence, lacking, N_("{evidence}; none in {names}"))
    return Finding(_status(len(offices) - len(lacking), len(offices)), evidence)


def _field_escalation(structure: Structure) -> Finding:
    tactical = [b for b in structure.bodies if b.level == Level.TACTICAL]
    upward = [b for b in tactical if escalation_path(structure, b.id)]
    return Finding(
        _status(len(upward), len(tactical)),
        _of(
            len(upward),
            len(tactical),
            N_("{met} of {total} tactical bodies have an escalation path to a higher level"),
        ),
    )


def _routing(structure: Structure) -> Finding:
    rules = structure.routing.rules
    urgencies = {r.urgency for r in rules}
    covered = [u for u in structure.routing.urgencies if u in urgencies or None in urgencies]
    status = _status(len(covered), len(structure.routing.urgencies)) if rules else "partial"
    return Finding(
        status,
        Message(
            N_("{rules} routing rules covering {met} of {total} urgency levels; default body {body}"),
            rules=len(rules),
            met=len(covered),
            total=len(structure.routing.urgencies),
            body=_body_names(structure).get(structure.routing.default_body, structure.routing.default_body),
        ),
    )


_STEP_NAMES = {"acknowledge": N_("acknowledge"), "verify": N_("verify"), "decide": N_("decide")}
_TRIGGERS = {"deadline_missed": N_("a missed deadline")}
"""The escalation triggers the templates write as codes; any other trigger is the structure's own words."""


def _trigger(structure: Structure) -> Message | str:
    trigger = structure.escalation.trigger
    return Message(_TRIGGERS[trigger]) if trigger in _TRIGGERS else trigger


def _deadlines(structure: Structure) -> Finding:
    hours = dict(structure.deadlines_hours)
    key_steps = [s for s in ("acknowledge", "verify", "decide") if s in hours]
    escalates = bool(structure.escalation.trigger)
    met = len(key_steps) + int(escalates)
    if not key_steps:
        evidence = Message(N_("deadlines: none; escalation on {trigger}"), trigger=_trigger(structure))
    else:
        shown = [
            Message(N_("{step} {hours:g} h"), step=Message(_STEP_NAMES[s]), hours=hours[s]) for s in key_steps
        ]
        evidence = Message(
            N_("deadlines: {deadlines}; escalation on {trigger}"),
            deadlines=joined(shown),
            trigger=_trigger(structure),
        )
    return Finding(_status(met, 4), evidence)


def _situational_awareness(structure: Structure) -> Finding:
    names = " ".join(f"{b.id} {b.name}".lower() for b in structure.bodies)
    has_joc = "joc" in names or "joint operations" in names
    has_jmac = "jmac" in names or "joint mission analysis" in names
    found = [n for n, present in (("JOC", has_joc), ("JMAC", has_jmac)) if present]
    evidence = (
        Message(N_("in the structure: {names}"), names=", ".join(found))
        if found
        else Message(N_("in the structure: neither JOC nor JMAC"))
    )
    return Finding(_status(len(found), 2), evidence)


def _partners(structure: Structure) -> Finding:
    observers = {o for b in structure.bodies for o in b.observers}
    wanted = [o for o in ("OCHA", "Protection Cluster") if o in observers]
    evidence = (
        Message(N_("observers in the forums: {names}"), names=", ".join(sorted(observers)))
        if observers
        else Message(N_("observers in the forums: none"))
    )
    return Finding(_status(len(wanted), 2), evidence)


def _liaison_assistants(structure: Structure) -> Finding:
    offices = structure.field_offices
    with_cla = {
        p.field_office
        for p in structure.roles
        if p.field_office and ("cla" in p.id.lower() or "community liaison" in p.title.lower())
    }
    return Finding(
        _status(len(with_cla & {o.id for o in offices}), len(offices)),
        _of(
            len(with_cla),
            len(offices),
            N_("{met} of {total} field offices have a Community Liaison Assistant role"),
        ),
    )


def _feedback(structure: Structure) -> Finding:
    hours = dict(structure.deadlines_hours)
    if "give_feedback" in hours:
        return Finding(
            "yes",
            Message(
                N_("feedback to the community due {hours:g} h after receipt"), hours=hours["give_feedback"]
            ),
        )
    return Finding("no", Message(N_("no deadline for feedback to the community")))


def _decisions_recorded(structure: Structure) -> Finding:
    recording = [
        b
        for b in structure.bodies
        if any("action" in o.lower() or "decision" in o.lower() for o in b.outputs)
    ]
    return Finding(
        _status(len(recording), len(structure.bodies)),
        _of(
            len(recording),
            len(structure.bodies),
            N_("{met} of {total} bodies list decisions or action points among their outputs"),
        ),
    )


def _after_action(structure: Structure) -> Finding:
    hours = dict(structure.deadlines_hours)
    if "after_action_review" in hours:
        return Finding(
            "yes",
            Message(
                N_("after-action review due {hours:g} h after receipt"), hours=hours["after_action_review"]
            ),
        )
    return Finding("no", Message(N_("no after-action review step in the deadlines")))


def _review_dates(structure: Structure) -> Finding:
    dated = [b for b in structure.bodies if b.review_date is not None]
    return Finding(
        _status(len(dated), len(structure.bodies)),
        _of(
            len(dated),
            len(structure.bodies),
            N_("{met} of {total} bodies have a review date for their terms of reference"),
        ),
    )


# --- the ten tasks ---------------------------------------------------------------------------------------

Q = CheckQuestion

TASKS: tuple[CoordinationTask, ...] = (
    CoordinationTask(
        "vision_and_policy",
        N_("Supporting vision and policy"),
        N_("A shared, leadership-owned understanding of what protecting civilians means for this mission."),
        (
            Q("vp_strategy", N_("Is there a current mission-wide PoC strategy, endorsed by the Head of Mission?"),
              N_("Draft or revise the PoC strategy through the operational PoC forum, submit it to the senior "
              "leadership forum for endorsement, and review it after every mandate renewal.")),
            Q("vp_leadership_forum", N_("Does a strategic-level body chaired by senior leadership set PoC "
              "priorities at a fixed meeting frequency?"),
              N_("Establish a Senior Management Group on Protection chaired by the Head of Mission, meeting monthly "
              "and on an agreed extraordinary-meeting trigger."), _strategic_forum),
            Q("vp_priorities", N_("Are the mandate's PoC tasks translated into priorities per area and phase "
              "(prevention, pre-emption, response, consolidation) that components cite in their plans?"),
              N_("Hold a mandate-interpretation session with all components; record priorities per area and phase "
              "in the threat matrix and in component work plans.")),
            Q("vp_shared_definition", N_("Do civilian, military and police staff share one definition of PoC and "
              "of its three tiers?"),
              N_("Circulate a short note on the PoC definition and the three tiers; brief it in every induction "
              "and component meeting.")),
        ),
    ),
    CoordinationTask(
        "roles_and_responsibilities",
        N_("Clarifying roles and responsibilities"),
        N_("Everyone knows who coordinates, who decides and who acts, at every level."),
        (
            Q("rr_coordinator", N_("Is a PoC coordinator (adviser, section, group or head of mission) designated "
              "in writing, with direct access to senior leadership?"),
              N_("Choose a coordinator model (see the model comparison) and issue a directive naming the "
              "coordinator and its reporting line to the Head of Mission."), _coordinator),
            Q("rr_terms_of_reference", N_("Does every coordination body have terms of reference naming chair, "
              "secretariat, members, quorum, outputs and escalation path?"),
              N_("Generate terms of reference from the structure, complete the missing fields and have each body "
              "adopt them at its next meeting."), _terms_of_reference),
            Q("rr_focal_points", N_("Does every field office have a named PoC focal point for its whole area of "
              "responsibility?"),
              N_("Appoint a PoC focal point in each field office, write the function into their work plan and "
              "record them in the structure."), _focal_points),
            Q("rr_reporting_lines", N_("Do tactical bodies report to operational ones and those to the strategic "
              "level, without gaps or loops?"),
              N_("Correct the reporting lines so that every field forum reports to the mission PoC forum and that "
              "one to the senior leadership forum."), _reporting_lines),
            Q("rr_component_roles", N_("Are each component's PoC roles, and who leads each tier, set out in "
              "writing?"),
              N_("Draw up a roles matrix per component and tier (lead / support) and annex it to the PoC strategy.")),
        ),
    ),
    CoordinationTask(
        "joined_up_planning",
        N_("Supporting joined-up operational and forward planning"),
        N_("Civilian, military and police components plan together from one threat picture, and plan ahead."),
        (
            Q("pl_joint_membership", N_("Are civilian, military and police components all members of the "
              "operational PoC bodies?"),
              N_("Add the force chief of operations (U3/U5) and police operations to the operational PoC forum and "
              "hold joint planning sessions."), _joint_membership),
            Q("pl_threat_matrix", N_("Do operational plans and patrol schedules cite the current PoC threat matrix?"),
              N_("Make the threat matrix a standing input of planning meetings and require each operation order to "
              "name the threats it addresses.")),
            Q("pl_contingency", N_("Is there a contingency plan, with triggers and pre-assigned units, for each of "
              "the highest-risk threats?"),
              N_("For each top-ten threat, write a contingency plan with indicators, triggers, units and "
              "deployment times, and test it in an exercise.")),
            Q("pl_forward_look", N_("Does planning look at least three months ahead (elections, seasons, "
              "armed-group movements)?"),
              N_("Add a forward-looking item to the strategic forum's monthly agenda, using forecasts and a "
              "calendar of risk events.")),
        ),
    ),
    CoordinationTask(
        "supporting_the_field",
        N_("Supporting the field"),
        N_("Field offices have forums, guidance, means and an answer from headquarters when they need one."),
        (
            Q("fd_field_forums", N_("Does every field office have a tactical PoC forum chaired by the Head of Office?"),
              N_("Establish a field PoC working group in each field office from the terms-of-reference template."),
              _field_forums),
            Q("fd_guidance", N_("Have field offices received written guidance and tools (threat matrix, alert "
              "procedures, local protection plans)?"),
              N_("Issue a field PoC guidance pack and walk each field office through it on a visit.")),
            Q("fd_means", N_("Do field focal points have the time, transport, communications and funds the work "
              "needs?"),
              N_("Review focal points' workloads; secure dedicated time, vehicles, airtime and programmatic funds.")),
            Q("fd_escalation", N_("Do issues beyond local means reach the operational level within the set "
              "deadline, and does the field get an answer?"),
              N_("Write the escalation path into each field forum's terms of reference and track escalated items "
              "to closure."), _field_escalation),
        ),
    ),
    CoordinationTask(
        "early_warning",
        N_("Supporting effective early warning and situational awareness"),
        N_("Warnings reach someone who must decide, in time, and the picture is shared across the mission."),
        (
            Q("ew_alert_network", N_("Do communities at risk have a working channel (hotline, SMS, HF radio) to a "
              "Community Liaison Assistant, with coverage tracked?"),
              N_("Map phone and radio coverage of communities at risk, extend the Community Alert Network and "
              "assign CLAs to the areas without it.")),
            Q("ew_routing", N_("Is it written who receives an alert, by threat type, urgency and area?"),
              N_("Write routing rules for every threat type and urgency into the structure and test them with "
              "sample alerts."), _routing),
            Q("ew_deadlines", N_("Are there deadlines to acknowledge, verify and decide on alerts, with escalation "
              "when one is missed?"),
              N_("Set deadlines per lifecycle step and urgency, switch on escalation and review reaction times "
              "every month."), _deadlines),
            Q("ew_joc_jmac", N_("Do the JOC and the JMAC feed the PoC bodies with daily situational awareness and "
              "integrated analysis?"),
              N_("Make JOC daily reports and JMAC threat assessments standing inputs of the operational PoC forum."),
              _situational_awareness),
            Q("ew_indicators", N_("Are early-warning indicators agreed and monitored for each priority threat?"),
              N_("Agree indicators and triggers per threat in the threat matrix and review them every week.")),
        ),
    ),
    CoordinationTask(
        "international_partners",
        N_("Working with international partners"),
        N_("The mission and humanitarian and UN partners protect in concert while respecting each other's roles."),
        (
            Q("ip_observers", N_("Do OCHA and the Protection Cluster take part in the PoC forums?"),
              N_("Invite OCHA and the Protection Cluster lead as standing observers and agree what can be shared."),
              _partners),
            Q("ip_information_sharing", N_("Is there an agreed protocol for sharing protection information that "
              "respects confidentiality and humanitarian principles?"),
              N_("Agree an information-sharing protocol with the Protection Cluster, with classification rules and "
              "one focal point on each side.")),
            Q("ip_division_of_labour", N_("Is the division of protection work with the UN country team and "
              "humanitarian partners written down?"),
              N_("Map who does what with the country team and humanitarian partners and record it in the "
              "integrated strategic framework.")),
            Q("ip_support_requests", N_("Can humanitarian actors request mission support (escorts, area security) "
              "and get an answer in time?"),
              N_("Open a single entry point for support requests with a response deadline.")),
        ),
    ),
    CoordinationTask(
        "local_communities",
        N_("Engaging with local communities"),
        N_("Communities shape their own protection, are heard, and hear back."),
        (
            Q("lc_liaison_assistants", N_("Does every field office have Community Liaison Assistants in regular "
              "contact with communities at risk?"),
              N_("Recruit or redeploy CLAs to the field offices lacking them and set visit schedules to communities "
              "at risk."), _liaison_assistants),
            Q("lc_feedback", N_("Do communities hear back what the mission did about their alerts?"),
              N_("Make feedback to the community a lifecycle step with a deadline and record it for every alert."),
              _feedback),
            Q("lc_participation", N_("Are women, youth and minorities consulted in local protection plans?"),
              N_("Consult women, youth and minority representatives for each local protection plan and record who "
              "was consulted.")),
            Q("lc_joint_protection_teams", N_("Are Joint Protection Teams sent to at-risk areas, and their "
              "recommendations followed up?"),
              N_("Plan Joint Protection Team visits to the areas at the top of the threat matrix and track their "
              "recommendations to closure.")),
            Q("lc_expectations", N_("Does the mission explain to communities what it can and cannot do?"),
              N_("Prepare key messages on the mandate and its limits and deliver them through CLAs and radio.")),
        ),
    ),
    CoordinationTask(
        "national_authorities",
        N_("Engaging with national authorities"),
        N_("The host state, which bears the primary responsibility to protect, is engaged and supported."),
        (
            Q("na_dialogue", N_("Is there a regular forum with national and local authorities on protection "
              "threats and their responsibilities?"),
              N_("Set up a regular protection dialogue with the authorities at national and provincial level.")),
            Q("na_host_state_forces", N_("Are alerts relayed to host-state security forces under agreed procedures, "
              "with the human rights due diligence policy applied?"),
              N_("Agree alert-relay procedures with host-state forces and apply the HRDDP risk assessment before "
              "any support.")),
            Q("na_capacity", N_("Does the mission support the authorities' capacity to protect (police, justice, "
              "local administration)?"),
              N_("Agree capacity-building priorities with the authorities and put them in component work plans.")),
            Q("na_advocacy", N_("Are violations by state actors raised at the right level and followed up?"),
              N_("Agree an advocacy ladder (field, province, capital, Head of Mission) and track every case raised.")),
        ),
    ),
    CoordinationTask(
        "follow_up_and_review",
        N_("Supporting follow-up and review"),
        N_("Decisions are carried out, responses are measured and lessons change practice."),
        (
            Q("fr_action_points", N_("Do bodies record decisions and action points with owner and deadline, and "
              "review them at the next meeting?"),
              N_("Adopt a standard record of decisions and action points; the secretariat reviews overdue points at "
              "every meeting."), _decisions_recorded),
            Q("fr_after_action", N_("Are after-action reviews held after major incidents and alerts, and their "
              "lessons acted on?"),
              N_("Hold an after-action review within two weeks of every major incident and feed its lessons into "
              "the strategy and training."), _after_action),
            Q("fr_metrics", N_("Are reaction times to alerts and protection gaps measured and reported to "
              "leadership?"),
              N_("Report response times and protection gaps to the strategic forum every month.")),
            Q("fr_structure_review", N_("Are the structure and its terms of reference reviewed on a set date?"),
              N_("Give every body's terms of reference a review date and review the structure after each mandate "
              "renewal."), _review_dates),
        ),
    ),
    CoordinationTask(
        "training",
        N_("Supporting training"),
        N_("Staff of every component know the strategy, the structure and the procedures, and practise them."),
        (
            Q("tr_induction", N_("Do all new staff receive a PoC induction covering the strategy, the structure and "
              "alert procedures?"),
              N_("Add a PoC module to the mission induction and track completion by component.")),
            Q("tr_exercises", N_("Are civilian-military-police PoC exercises on the alert and response procedures "
              "held at least twice a year?"),
              N_("Schedule PoC exercises with injects built on the mission's own data, score them and review them.")),
            Q("tr_role_training", N_("Do focal points, CLAs, analysts and planners receive training for their "
              "roles?"),
              N_("Design role-specific training and plan handovers so that knowledge survives rotations.")),
            Q("tr_predeployment", N_("Is contingents' pre-deployment training aligned with the mission's PoC "
              "context?"),
              N_("Share the mission's PoC scenarios with troop- and police-contributing countries.")),
        ),
    ),
)  # fmt: skip
"""The ten coordination tasks of the DPKO/DFS study, in its order, with their check questions."""


def question_keys() -> tuple[str, ...]:
    """Every question key, task by task."""
    return tuple(q.key for task in TASKS for q in task.questions)


# --- the self-assessment ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """A mission's answer to one check question."""

    question: str
    status: str | None
    evidence: str = ""
    remedial_measure: str = ""
    owner: str = ""
    due_date: date | None = None


@dataclass(frozen=True)
class AssessedQuestion:
    """A question with its answer (or the structure's finding) and the measure still to take."""

    question: CheckQuestion
    status: str | None
    source: str
    """'answer', 'structure' or 'unanswered'."""
    evidence: Text
    remedial_measure: str
    owner: str
    due_date: date | None
    overdue: bool


@dataclass(frozen=True)
class TaskScore:
    """One task's score: the share of its questions met, in percent."""

    task: CoordinationTask
    items: tuple[AssessedQuestion, ...]
    score: float
    counts: tuple[tuple[str, int], ...]
    """(status, count) for yes, partial, no, unanswered."""

    @property
    def rating(self) -> str:
        """strong (>= 80), partial (>= 50) or weak."""
        return "strong" if self.score >= 80 else "partial" if self.score >= 50 else "weak"

    @property
    def open_measures(self) -> tuple[AssessedQuestion, ...]:
        """The questions not fully met: their remedial measures are the action plan."""
        return tuple(i for i in self.items if i.status != "yes")


@dataclass(frozen=True)
class ChecklistAssessment:
    """The whole self-assessment of one mission on one day."""

    mission: str
    as_of: date
    tasks: tuple[TaskScore, ...]

    @property
    def score(self) -> float:
        """The mean of the task scores (every task weighs the same)."""
        return sum(t.score for t in self.tasks) / len(self.tasks) if self.tasks else 0.0


def structure_findings(structure: Structure) -> dict[str, Finding]:
    """The answers the structure gives by itself, by question key."""
    return {
        q.key: q.from_structure(structure)
        for task in TASKS
        for q in task.questions
        if q.from_structure is not None
    }


def _assess_question(
    question: CheckQuestion, answer: Answer | None, finding: Finding | None, as_of: date
) -> AssessedQuestion:
    evidence: Text
    if answer is not None and answer.status is not None:
        status, source, evidence = answer.status, "answer", answer.evidence
    elif finding is not None:
        status, source, evidence = finding.status, "structure", finding.evidence
    else:
        status, source, evidence = None, "unanswered", answer.evidence if answer else ""
    measure = (answer.remedial_measure if answer else "") or (
        "" if status == "yes" else question.remedial_measure
    )
    due = answer.due_date if answer else None
    return AssessedQuestion(
        question=question,
        status=status,
        source=source,
        evidence=evidence,
        remedial_measure=measure,
        owner=answer.owner if answer else "",
        due_date=due,
        overdue=due is not None and due < as_of and status != "yes",
    )


def assess(
    answers: Iterable[Answer], as_of: date, *, structure: Structure | None = None, mission: str = ""
) -> ChecklistAssessment:
    """Score every task from the answers, the structure's findings filling unanswered questions."""
    by_key = {a.question: a for a in answers}
    findings = structure_findings(structure) if structure is not None else {}
    scores = []
    for task in TASKS:
        items = tuple(
            _assess_question(q, by_key.get(q.key), findings.get(q.key), as_of) for q in task.questions
        )
        points = sum(POINTS.get(i.status or "", 0.0) for i in items)
        counts = tuple(
            (status, sum(1 for i in items if (i.status or "unanswered") == status))
            for status in (*STATUSES, "unanswered")
        )
        scores.append(TaskScore(task, items, round(100 * points / len(items), 1), counts))
    name = mission or (structure.mission.name if structure is not None else "")
    return ChecklistAssessment(name, as_of, tuple(scores))
