"""The alert lifecycle of DOMAIN.md section 4 as a transition table: ``apply(state, action, actor, now)``.

received -> acknowledged -> verified -> classified -> transmitted -> response decided -> response deployed ->
outcome recorded -> feedback given -> closed -> after-action review. A non-response (or a referral to another
protection actor) skips deployment and carries its reason; an alert found unfounded goes from verification
straight to feedback, because the community still hears back. Escalation and merged reports keep the status.

``apply`` refuses, and changes nothing, when the actor's role may not take the action (Forbidden) or when the
action is not allowed in the alert's status (InvalidTransition). It returns the new state and the effects the
service must persist in the same transaction: the transition record and the notifications. Routing, deadlines and
escalation paths come from ``rules`` (the coordination structure), never from this code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import ClassVar, Protocol

from pochub.core.models.access import Role
from pochub.core.models.alerts import (
    OPEN_STATUSES,
    ActionName,
    AlertState,
    AlertStatus,
    Decision,
    Feedback,
    FeedbackChannel,
    Phase,
    Response,
    Tier,
    Urgency,
    Verification,
)
from pochub.core.models.taxonomy import ThreatType
from pochub.core.text import N_, Message, Text
from pochub.core.workflow.structure import Route
from pochub.errors import Forbidden, InvalidInput, InvalidTransition

SYSTEM = "system"
"""The role of the mission's own machinery (intake, the escalation worker): no person can act as it."""
MINIMUM_STEP = timedelta(minutes=15)
"""Shortest time a body is given for one step, also after an escalation."""


@dataclass(frozen=True)
class Actor:
    """Who acts: a user name and their role (a ``Role`` value, or ``system``)."""

    username: str
    role: str


class WorkflowRules(Protocol):
    """What the lifecycle needs from the coordination structure."""

    def route(self, threat_type: str | None, urgency: str, pcode: str | None) -> Route:
        """The body responsible for an alert of this threat type, urgency and place."""

    def deadline(self, step: str, urgency: str) -> timedelta:
        """When ``step`` is due, counted from the alert's receipt."""

    def escalation_target(self, body_id: str, level: int) -> str | None:
        """The body ``level`` steps up ``body_id``'s escalation path (None when the path is exhausted)."""

    @property
    def escalation_roles(self) -> tuple[str, ...]:
        """Roles told of every escalation (the Senior PoC Adviser, the JOC)."""


# --- actions: one frozen class each, carrying what the person decided ---


@dataclass(frozen=True)
class Acknowledge:
    """A CLA or focal point confirms the alert reached the mission (the sender is told so)."""

    name: ClassVar[ActionName] = ActionName.ACKNOWLEDGE
    note: str = ""


@dataclass(frozen=True)
class Verify:
    """Triangulation result (other sources, a call back, a patrol)."""

    name: ClassVar[ActionName] = ActionName.VERIFY
    result: Verification = Verification.CONFIRMED
    note: str = ""


@dataclass(frozen=True)
class Classify:
    """Threat type and urgency: they decide the routing and every later deadline."""

    name: ClassVar[ActionName] = ActionName.CLASSIFY
    threat_type: ThreatType = ThreatType.KILLING
    urgency: Urgency = Urgency.HIGH
    note: str = ""


@dataclass(frozen=True)
class Transmit:
    """Hand the alert to the body the structure makes responsible for it."""

    name: ClassVar[ActionName] = ActionName.TRANSMIT
    note: str = ""


@dataclass(frozen=True)
class Decide:
    """The response decision: tier, phase and units, or no response / referral with a reason."""

    name: ClassVar[ActionName] = ActionName.DECIDE
    decision: Decision = Decision.RESPOND
    tier: Tier | None = None
    phase: Phase | None = None
    units: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class Deploy:
    """Units are on their way (by default the decided units)."""

    name: ClassVar[ActionName] = ActionName.DEPLOY
    units: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class RecordOutcome:
    """What happened: the response's effect and any harm to civilians."""

    name: ClassVar[ActionName] = ActionName.RECORD_OUTCOME
    outcome: str = ""
    civilians_harmed: int | None = None


@dataclass(frozen=True)
class GiveFeedback:
    """The community hears what was done: channel, message, time (now when not given)."""

    name: ClassVar[ActionName] = ActionName.GIVE_FEEDBACK
    channel: FeedbackChannel = FeedbackChannel.PHONE
    message: str = ""
    given_at: datetime | None = None


@dataclass(frozen=True)
class Close:
    """Nothing is left to do for this alert."""

    name: ClassVar[ActionName] = ActionName.CLOSE
    note: str = ""


@dataclass(frozen=True)
class AfterActionReview:
    """Lessons from the alert, after it closed."""

    name: ClassVar[ActionName] = ActionName.AFTER_ACTION_REVIEW
    lessons: str = ""


@dataclass(frozen=True)
class Escalate:
    """A deadline passed: the alert goes one step up the escalation path."""

    name: ClassVar[ActionName] = ActionName.ESCALATE
    reason: str = "deadline missed"


@dataclass(frozen=True)
class MergeReport:
    """Another report of the same incident joined the alert."""

    name: ClassVar[ActionName] = ActionName.MERGE_REPORT
    note: str = ""


Action = (
    Acknowledge
    | Verify
    | Classify
    | Transmit
    | Decide
    | Deploy
    | RecordOutcome
    | GiveFeedback
    | Close
    | AfterActionReview
    | Escalate
    | MergeReport
)
ACTION_TYPES: Mapping[ActionName, type[Action]] = {
    cls.name: cls
    for cls in (
        Acknowledge,
        Verify,
        Classify,
        Transmit,
        Decide,
        Deploy,
        RecordOutcome,
        GiveFeedback,
        Close,
        AfterActionReview,
        Escalate,
        MergeReport,
    )
}

# --- effects: what the service persists with the new state ---


@dataclass(frozen=True)
class TransitionRecorded:
    """One stored line of the alert's history: time, actor, action, statuses, reason and details."""

    action: ActionName
    from_status: AlertStatus
    to_status: AlertStatus
    actor: str
    role: str
    at: datetime
    reason: str
    detail: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Notify:
    """A notification to a body or a role, delivered later through the outbox."""

    kind: str
    target: str
    reason: str


Effect = TransitionRecorded | Notify

# --- the tables: who may do what, and from which status to which ---

_PEOPLE = frozenset(Role) - {Role.VIEWER, Role.PARTNER}
ACTION_ROLES: Mapping[ActionName, frozenset[str]] = {
    ActionName.ACKNOWLEDGE: frozenset({Role.ADMIN, Role.CLA, Role.FIELD_OFFICER, Role.POC_ADVISER}),
    ActionName.VERIFY: frozenset({Role.ADMIN, Role.FIELD_OFFICER, Role.POC_ADVISER, Role.ANALYST}),
    ActionName.CLASSIFY: frozenset({Role.ADMIN, Role.FIELD_OFFICER, Role.POC_ADVISER, Role.ANALYST}),
    ActionName.TRANSMIT: frozenset({Role.ADMIN, Role.FIELD_OFFICER, Role.POC_ADVISER}),
    ActionName.DECIDE: frozenset({Role.ADMIN, Role.FIELD_OFFICER, Role.POC_ADVISER}),
    ActionName.DEPLOY: frozenset({Role.ADMIN, Role.PLANNER, Role.FIELD_OFFICER, Role.POC_ADVISER}),
    ActionName.RECORD_OUTCOME: frozenset({Role.ADMIN, Role.PLANNER, Role.FIELD_OFFICER, Role.POC_ADVISER}),
    ActionName.GIVE_FEEDBACK: frozenset({Role.ADMIN, Role.CLA, Role.FIELD_OFFICER}),
    ActionName.CLOSE: frozenset({Role.ADMIN, Role.FIELD_OFFICER, Role.POC_ADVISER}),
    ActionName.AFTER_ACTION_REVIEW: frozenset({Role.ADMIN, Role.POC_ADVISER, Role.ANALYST, Role.TRAINER}),
    ActionName.ESCALATE: frozenset({SYSTEM}),
    ActionName.MERGE_REPORT: frozenset({SYSTEM}),
}
"""Roles that may take each action (viewers and partners take none; ``system`` only what machinery does)."""

S = AlertStatus
TRANSITIONS: Mapping[tuple[AlertStatus, ActionName], AlertStatus] = {
    (S.RECEIVED, ActionName.ACKNOWLEDGE): S.ACKNOWLEDGED,
    (S.ACKNOWLEDGED, ActionName.VERIFY): S.VERIFIED,
    (S.VERIFIED, ActionName.CLASSIFY): S.CLASSIFIED,
    (S.CLASSIFIED, ActionName.TRANSMIT): S.TRANSMITTED,
    (S.TRANSMITTED, ActionName.DECIDE): S.RESPONSE_DECIDED,
    (S.RESPONSE_DECIDED, ActionName.DEPLOY): S.RESPONSE_DEPLOYED,
    (S.RESPONSE_DEPLOYED, ActionName.RECORD_OUTCOME): S.OUTCOME_RECORDED,
    (S.RESPONSE_DECIDED, ActionName.RECORD_OUTCOME): S.OUTCOME_RECORDED,  # guarded: no response / referral
    (S.OUTCOME_RECORDED, ActionName.GIVE_FEEDBACK): S.FEEDBACK_GIVEN,
    (S.VERIFIED, ActionName.GIVE_FEEDBACK): S.FEEDBACK_GIVEN,  # guarded: unfounded alerts
    (S.FEEDBACK_GIVEN, ActionName.CLOSE): S.CLOSED,
    (S.CLOSED, ActionName.AFTER_ACTION_REVIEW): S.REVIEWED,
    **{(status, ActionName.ESCALATE): status for status in OPEN_STATUSES},
    **{(status, ActionName.MERGE_REPORT): status for status in OPEN_STATUSES},
}
"""The only allowed (status, action) pairs and the status each leads to."""

NEXT_STEP: Mapping[AlertStatus, str | None] = {
    S.RECEIVED: "acknowledge",
    S.ACKNOWLEDGED: "verify",
    S.VERIFIED: "classify",
    S.CLASSIFIED: "transmit",
    S.TRANSMITTED: "decide",
    S.RESPONSE_DECIDED: "deploy",
    S.RESPONSE_DEPLOYED: "record_outcome",
    S.OUTCOME_RECORDED: "give_feedback",
    S.FEEDBACK_GIVEN: "close",
    S.CLOSED: "after_action_review",
    S.REVIEWED: None,
}
"""The step each status waits for (its deadline comes from the structure)."""
STEPS = tuple(step for step in NEXT_STEP.values() if step)
"""The lifecycle steps in doctrine's order (the keys of a structure's deadlines)."""
STEP_BEFORE: Mapping[str, str] = dict(zip(STEPS[1:], STEPS[:-1], strict=True))


def next_step(state: AlertState) -> str | None:
    """The step the alert waits for, following the guarded branches."""
    if state.status is S.VERIFIED and state.verification is Verification.UNFOUNDED:
        return "give_feedback"
    if (
        state.status is S.RESPONSE_DECIDED
        and state.response
        and state.response.decision is not Decision.RESPOND
    ):
        return "record_outcome"
    return NEXT_STEP[state.status]


def allowed_actions(state: AlertState, role: str) -> tuple[ActionName, ...]:
    """The actions ``role`` may take in ``state`` (what a page offers as buttons)."""
    return tuple(
        action
        for (status, action), _ in TRANSITIONS.items()
        if status is state.status and role in ACTION_ROLES[action] and _guard_problem(state, action) is None
    )


def _guard_problem(state: AlertState, action: ActionName) -> Text | None:
    """Why a table-allowed transition is still refused in this state, or None."""
    if action is ActionName.CLASSIFY and state.verification is Verification.UNFOUNDED:
        return N_("an unfounded alert is not classified: give the community feedback, then close it")
    if (
        action is ActionName.GIVE_FEEDBACK
        and state.status is S.VERIFIED
        and state.verification is not (Verification.UNFOUNDED)
    ):
        return N_("feedback before the response is only for alerts verified as unfounded")
    decided = state.response.decision if state.response else None
    if action is ActionName.DEPLOY and decided is not Decision.RESPOND:
        return Message(N_("nothing to deploy: the decision was {decision}"), decision=Message(str(decided)))
    if (
        action is ActionName.RECORD_OUTCOME
        and state.status is S.RESPONSE_DECIDED
        and decided is Decision.RESPOND
    ):
        return N_("the response must be deployed before its outcome is recorded")
    if action is ActionName.CLOSE and state.feedback is None:
        return N_("an alert closes only after feedback to the community is recorded")
    return None


ACTION_LABELS: dict[ActionName, str] = {
    ActionName(code): label
    for code, label in (
        ("receive", N_("receive")),
        ("acknowledge", N_("acknowledge")),
        ("verify", N_("verify")),
        ("classify", N_("classify")),
        ("transmit", N_("transmit")),
        ("decide", N_("decide")),
        ("deploy", N_("deploy")),
        ("record_outcome", N_("record the outcome of")),
        ("give_feedback", N_("give feedback on")),
        ("close", N_("close")),
        ("after_action_review", N_("review after action")),
        ("escalate", N_("escalate")),
        ("merge_report", N_("merge a report into")),
    )
}
"""Each action as the refusals name it ("a cla may not {action} an alert"), translated at the edge."""


def _check(state: AlertState, action: Action, actor: Actor) -> AlertStatus:
    """The status ``action`` leads to; raises when the role or the status does not allow it."""
    if actor.role not in ACTION_ROLES[action.name]:
        raise Forbidden(
            Message(
                N_("a {role} may not {action} an alert"),
                role=Message(actor.role),
                action=Message(ACTION_LABELS.get(action.name, action.name.value)),
            )
        )
    target = TRANSITIONS.get((state.status, action.name))
    if target is None:
        raise InvalidTransition(
            Message(
                N_("cannot {action} an alert that is {status}"),
                action=Message(ACTION_LABELS.get(action.name, action.name.value)),
                status=Message(state.status.value.replace("_", " ")),
            )
        )
    problem = _guard_problem(state, action.name)
    if problem:
        raise InvalidTransition(problem)
    return target


def _text(value: str, field: str, *, required: bool = False, limit: int = 4000) -> str:
    """A stripped free-text value, checked for presence and length."""
    value = value.strip()
    if required and not value:
        raise InvalidInput(Message(N_("{field} is required"), field=Message(field)))
    if len(value) > limit:
        raise InvalidInput(
            Message(N_("{field} is longer than {limit} characters"), field=Message(field), limit=limit)
        )
    return value


def _decided(action: Decide) -> Response:
    """The response of a decision, validated against doctrine's minimum content."""
    if action.decision is Decision.RESPOND:
        if action.tier is None or action.phase is None:
            raise InvalidInput(N_("a response needs its tier (I, II or III) and phase"))
        if action.tier is Tier.PHYSICAL_PROTECTION and not action.units:
            raise InvalidInput(N_("physical protection (tier II) needs at least one unit"))
    else:
        _text(action.reason, N_("reason (a non-response or referral always has one)"), required=True)
    return Response(action.decision, action.tier, action.phase, tuple(action.units), action.reason.strip())


def _step_allowance(rules: WorkflowRules, step: str, urgency: str) -> timedelta:
    """Time one step normally gets: its deadline minus the previous step's."""
    previous = STEP_BEFORE.get(step)
    allowance = rules.deadline(step, urgency) - (
        rules.deadline(previous, urgency) if previous else timedelta(0)
    )
    return max(allowance, MINIMUM_STEP)


def schedule(state: AlertState, rules: WorkflowRules, now: datetime, *, restart: bool = False) -> AlertState:
    """Set the next step and its deadline: from receipt, or (after an escalation) from now."""
    step = next_step(state)
    if step is None:
        return replace(state, next_step=None, due_at=None)
    if restart:
        return replace(state, next_step=step, due_at=now + _step_allowance(rules, step, state.urgency))
    return replace(state, next_step=step, due_at=state.received_at + rules.deadline(step, state.urgency))


_Change = tuple[AlertState, list[Notify], dict[str, str]]
Changer = Callable[[AlertState, Action, WorkflowRules, datetime], _Change]


def _acknowledge(state: AlertState, action: Action, _r: WorkflowRules, _n: datetime) -> _Change:
    return state, [Notify("alert.transition", state.body_id, "acknowledged")], {}


def _verify(state: AlertState, action: Action, _r: WorkflowRules, _n: datetime) -> _Change:
    assert isinstance(action, Verify)
    note = _text(action.note, "note")
    return replace(state, verification=action.result, verification_note=note), [], {"result": action.result}


def _classify(state: AlertState, action: Action, _r: WorkflowRules, _n: datetime) -> _Change:
    assert isinstance(action, Classify)
    changed = replace(state, threat_type=action.threat_type.value, urgency=action.urgency)
    return changed, [], {"threat_type": action.threat_type.value, "urgency": action.urgency.value}


def _transmit(state: AlertState, action: Action, rules: WorkflowRules, _n: datetime) -> _Change:
    routed = rules.route(state.threat_type, state.urgency, state.pcode)
    changed = replace(
        state,
        body_id=routed.body_id,
        focal_point_role=routed.focal_point_role,
        field_office=routed.field_office or state.field_office,
    )
    notes = [Notify("alert.routed", routed.body_id, "transmitted to the responsible body")]
    notes += [Notify("alert.routed", target, "for information") for target in routed.notify]
    return changed, notes, {"body": routed.body_id}


def _decide(state: AlertState, action: Action, _r: WorkflowRules, _n: datetime) -> _Change:
    assert isinstance(action, Decide)
    response = _decided(action)
    detail = {"decision": response.decision.value, "tier": response.tier or "", "phase": response.phase or ""}
    detail["units"] = ",".join(response.units)
    return (
        replace(state, response=response),
        [Notify("alert.transition", state.body_id, "response decided")],
        detail,
    )


def _deploy(state: AlertState, action: Action, _r: WorkflowRules, _n: datetime) -> _Change:
    assert isinstance(action, Deploy)
    units = tuple(action.units) or (state.response.units if state.response else ())
    return replace(state, deployed_units=units), [], {"units": ",".join(units)}


def _record_outcome(state: AlertState, action: Action, _r: WorkflowRules, _n: datetime) -> _Change:
    assert isinstance(action, RecordOutcome)
    outcome = _text(action.outcome, "outcome", required=True)
    if action.civilians_harmed is not None and action.civilians_harmed < 0:
        raise InvalidInput(N_("civilians_harmed cannot be negative"))
    changed = replace(state, outcome=outcome, civilians_harmed=action.civilians_harmed)
    return changed, [Notify("alert.feedback_due", state.body_id, "outcome recorded")], {}


def _give_feedback(state: AlertState, action: Action, _r: WorkflowRules, now: datetime) -> _Change:
    assert isinstance(action, GiveFeedback)
    message = _text(action.message, "feedback message", required=True, limit=1000)
    given = action.given_at or now
    if given > now + timedelta(minutes=5):
        raise InvalidInput(N_("feedback cannot be given in the future"))
    if given < state.received_at:
        raise InvalidInput(N_("feedback cannot predate the alert"))
    feedback = Feedback(action.channel, message, given)
    return replace(state, feedback=feedback), [], {"channel": action.channel.value}


def _close(state: AlertState, action: Action, _r: WorkflowRules, _n: datetime) -> _Change:
    return state, [Notify("alert.transition", state.body_id, "closed")], {}


def _review(state: AlertState, action: Action, _r: WorkflowRules, _n: datetime) -> _Change:
    assert isinstance(action, AfterActionReview)
    return replace(state, review=_text(action.lessons, "lessons", required=True)), [], {}


def _escalate(state: AlertState, action: Action, rules: WorkflowRules, _n: datetime) -> _Change:
    level = state.escalation_level + 1
    origin = state.escalated_from or state.body_id
    target = rules.escalation_target(origin, level) or state.body_id
    changed = replace(state, escalation_level=level, escalated_from=origin, body_id=target)
    reason = f"{state.next_step or 'step'} overdue"
    notes = [Notify("alert.escalated", target, reason)]
    notes += [Notify("alert.escalated", role, reason) for role in rules.escalation_roles]
    return changed, notes, {"from_body": state.body_id, "to_body": target, "level": str(level)}


def _merge(state: AlertState, action: Action, _r: WorkflowRules, _n: datetime) -> _Change:
    changed = replace(state, reports=state.reports + 1)
    return changed, [Notify("alert.transition", state.body_id, "new report of the same incident")], {}


CHANGES: Mapping[ActionName, Changer] = {
    ActionName.ACKNOWLEDGE: _acknowledge,
    ActionName.VERIFY: _verify,
    ActionName.CLASSIFY: _classify,
    ActionName.TRANSMIT: _transmit,
    ActionName.DECIDE: _decide,
    ActionName.DEPLOY: _deploy,
    ActionName.RECORD_OUTCOME: _record_outcome,
    ActionName.GIVE_FEEDBACK: _give_feedback,
    ActionName.CLOSE: _close,
    ActionName.AFTER_ACTION_REVIEW: _review,
    ActionName.ESCALATE: _escalate,
    ActionName.MERGE_REPORT: _merge,
}


def _reason(action: Action) -> str:
    """The free-text reason stored with the transition."""
    for attribute in ("reason", "note", "lessons", "outcome", "message"):
        value = getattr(action, attribute, "")
        if value:
            return str(value).strip()[:4000]
    return ""


def apply(
    state: AlertState, action: Action, actor: Actor, now: datetime, *, rules: WorkflowRules
) -> tuple[AlertState, tuple[Effect, ...]]:
    """Take ``action`` on ``state``: the new state and its effects, or an error that changes nothing."""
    target = _check(state, action, actor)
    changed, notes, detail = CHANGES[action.name](state, action, rules, now)
    changed = replace(changed, status=target)
    changed = schedule(changed, rules, now, restart=action.name is ActionName.ESCALATE)
    record = TransitionRecorded(
        action.name,
        state.status,
        target,
        actor.username,
        actor.role,
        now,
        _reason(action),
        tuple(sorted(detail.items())),
    )
    return changed, (record, *notes)


def receive(
    *,
    received_at: datetime,
    urgency: Urgency,
    threat_type: str | None,
    pcode: str | None,
    rules: WorkflowRules,
    actor: Actor,
) -> tuple[AlertState, tuple[Effect, ...]]:
    """A new alert, routed by the structure at receipt so that its field office sees it at once."""
    routed = rules.route(threat_type, urgency, pcode)
    state = AlertState(
        status=S.RECEIVED,
        received_at=received_at,
        urgency=urgency,
        body_id=routed.body_id,
        threat_type=threat_type,
        pcode=pcode,
        field_office=routed.field_office,
        focal_point_role=routed.focal_point_role,
    )
    state = schedule(state, rules, received_at)
    record = TransitionRecorded(
        ActionName.RECEIVE, S.RECEIVED, S.RECEIVED, actor.username, actor.role, received_at, "",
        (("body", routed.body_id),),
    )  # fmt: skip
    notes = [Notify("alert.routed", routed.body_id, "new alert")]
    notes += [Notify("alert.routed", target, "for information") for target in routed.notify]
    return state, (record, *notes)
