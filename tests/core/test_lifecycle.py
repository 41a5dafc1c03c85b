"""The alert lifecycle: every step, the refusals, deadlines and escalation; no illegal transition is accepted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import event, given, settings, target
from hypothesis import strategies as st

from pochub.core.models.access import Role
from pochub.core.models.alerts import (
    ActionName,
    AlertState,
    AlertStatus,
    Decision,
    FeedbackChannel,
    Phase,
    Tier,
    Urgency,
    Verification,
)
from pochub.core.models.taxonomy import ThreatType
from pochub.core.workflow.lifecycle import (
    ACTION_ROLES,
    SYSTEM,
    TRANSITIONS,
    Acknowledge,
    Action,
    Actor,
    AfterActionReview,
    Classify,
    Close,
    Decide,
    Deploy,
    Escalate,
    GiveFeedback,
    MergeReport,
    Notify,
    RecordOutcome,
    TransitionRecorded,
    Transmit,
    Verify,
    allowed_actions,
    apply,
    receive,
)
from pochub.core.workflow.structure import Route
from pochub.errors import Forbidden, InvalidInput, InvalidTransition

T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
HOURS = {
    "acknowledge": 1, "verify": 12, "classify": 12, "transmit": 14, "decide": 24, "deploy": 48,
    "record_outcome": 72, "give_feedback": 96, "close": 168, "after_action_review": 336,
}  # fmt: skip
FACTOR = {"immediate": 0.5, "high": 1.0, "routine": 2.0}


@dataclass(frozen=True)
class Rules:
    """A small structure: field office FO1 for KT01, JOC for immediate alerts, paths up to the SMG."""

    @property
    def escalation_roles(self) -> tuple[str, ...]:
        return ("senior_poc_adviser",)

    def route(self, threat_type: str | None, urgency: str, pcode: str | None) -> Route:
        if urgency == "immediate":
            return Route("joc", "poc_fp_fo1", "fo1", ("fwg1", "mwg"))
        if pcode and pcode.startswith("KT01"):
            return Route("fwg1", "poc_fp_fo1", "fo1")
        return Route("mwg", "poc_officer", None)

    def deadline(self, step: str, urgency: str) -> timedelta:
        return timedelta(hours=HOURS[step] * FACTOR[urgency])

    def escalation_target(self, body_id: str, level: int) -> str | None:
        path = {"fwg1": ["fwg1", "mwg", "smg"], "mwg": ["mwg", "smg"], "joc": ["joc", "smg"]}[body_id]
        return path[level] if level < len(path) else None


RULES = Rules()
CLA = Actor("amina", Role.CLA)
FO = Actor("jean", Role.FIELD_OFFICER)
PLANNER = Actor("u3", Role.PLANNER)
ADVISER = Actor("spa", Role.POC_ADVISER)
VIEWER = Actor("v", Role.VIEWER)
SYS = Actor("worker", SYSTEM)


def new_alert(pcode: str = "KT0102", urgency: Urgency = Urgency.HIGH) -> AlertState:
    state, _ = receive(received_at=T0, urgency=urgency, threat_type=None, pcode=pcode, rules=RULES, actor=SYS)
    return state


def walk(state: AlertState, steps: list[tuple[Action, Actor]], start: datetime = T0) -> AlertState:
    for i, (action, actor) in enumerate(steps):
        state, _ = apply(state, action, actor, start + timedelta(hours=i + 1), rules=RULES)
    return state


FULL = [
    (Acknowledge(), CLA),
    (Verify(Verification.CONFIRMED, "called back the chief"), FO),
    (Classify(ThreatType.ABDUCTION, Urgency.HIGH), FO),
    (Transmit(), FO),
    (Decide(Decision.RESPOND, Tier.PHYSICAL_PROTECTION, Phase.PRE_EMPTION, ("BATT-1",)), FO),
    (Deploy(), PLANNER),
    (RecordOutcome("patrol deterred the group", 0), FO),
    (GiveFeedback(FeedbackChannel.PHONE, "A patrol came and stays tonight."), CLA),
    (Close(), FO),
    (AfterActionReview("acknowledged in 1 h"), ADVISER),
]


def test_receipt_routes_by_area_and_sets_the_first_deadline() -> None:
    state, effects = receive(
        received_at=T0, urgency=Urgency.HIGH, threat_type=None, pcode="KT0102", rules=RULES, actor=SYS
    )
    assert (state.status, state.body_id, state.field_office) == (AlertStatus.RECEIVED, "fwg1", "fo1")
    assert (state.next_step, state.due_at) == ("acknowledge", T0 + timedelta(hours=1))
    assert isinstance(effects[0], TransitionRecorded) and effects[0].action is ActionName.RECEIVE
    assert Notify("alert.routed", "fwg1", "new alert") in effects


def test_every_step_in_order_and_each_one_is_recorded() -> None:
    state = new_alert()
    statuses = []
    for i, (action, actor) in enumerate(FULL):
        state, effects = apply(state, action, actor, T0 + timedelta(hours=i + 1), rules=RULES)
        record = effects[0]
        assert isinstance(record, TransitionRecorded)
        assert (record.action, record.actor, record.role, record.to_status) == (
            action.name,
            actor.username,
            actor.role,
            state.status,
        )
        statuses.append(state.status)
    assert statuses == [
        AlertStatus.ACKNOWLEDGED, AlertStatus.VERIFIED, AlertStatus.CLASSIFIED, AlertStatus.TRANSMITTED,
        AlertStatus.RESPONSE_DECIDED, AlertStatus.RESPONSE_DEPLOYED, AlertStatus.OUTCOME_RECORDED,
        AlertStatus.FEEDBACK_GIVEN, AlertStatus.CLOSED, AlertStatus.REVIEWED,
    ]  # fmt: skip
    assert state.deployed_units == ("BATT-1",)
    assert state.feedback is not None and state.feedback.channel is FeedbackChannel.PHONE
    assert state.next_step is None and state.due_at is None


def test_wrong_role_is_forbidden_and_wrong_state_is_a_conflict() -> None:
    state = new_alert()
    with pytest.raises(Forbidden):
        apply(state, Acknowledge(), VIEWER, T0, rules=RULES)
    with pytest.raises(Forbidden):
        apply(state, Deploy(), CLA, T0, rules=RULES)
    with pytest.raises(InvalidTransition):
        apply(state, Verify(), FO, T0, rules=RULES)  # not acknowledged yet
    with pytest.raises(Forbidden):
        apply(state, Escalate(), ADVISER, T0, rules=RULES)  # only the worker escalates


def test_closing_needs_feedback_and_a_non_response_needs_a_reason() -> None:
    state = walk(new_alert(), FULL[:4])
    with pytest.raises(InvalidInput, match="reason"):
        apply(state, Decide(Decision.NO_RESPONSE), FO, T0, rules=RULES)
    state = walk(state, [(Decide(Decision.NO_RESPONSE, reason="host-state police already on site"), FO)])
    assert state.next_step == "record_outcome"
    with pytest.raises(InvalidTransition, match="nothing to deploy"):
        apply(state, Deploy(), PLANNER, T0, rules=RULES)
    state = walk(state, [(RecordOutcome("police patrol deployed"), FO)])
    with pytest.raises(InvalidTransition):
        apply(state, Close(), FO, T0, rules=RULES)
    with pytest.raises(InvalidInput, match="feedback message"):
        apply(state, GiveFeedback(FeedbackChannel.SMS, "  "), CLA, T0 + timedelta(days=1), rules=RULES)


def test_unfounded_alerts_go_to_feedback_and_tier_two_needs_units() -> None:
    state = walk(new_alert(), [(Acknowledge(), CLA), (Verify(Verification.UNFOUNDED, "rumour"), FO)])
    assert state.next_step == "give_feedback"
    assert ActionName.CLASSIFY not in allowed_actions(state, Role.FIELD_OFFICER)
    state = walk(state, [(GiveFeedback(FeedbackChannel.RADIO, "Checked: no armed group seen."), CLA)])
    assert state.status is AlertStatus.FEEDBACK_GIVEN
    transmitted = walk(new_alert(), FULL[:4])
    with pytest.raises(InvalidInput, match="at least one unit"):
        apply(
            transmitted,
            Decide(Decision.RESPOND, Tier.PHYSICAL_PROTECTION, Phase.RESPONSE),
            FO,
            T0,
            rules=RULES,
        )


def test_classification_reroutes_on_transmission_and_scales_deadlines() -> None:
    state = walk(
        new_alert(),
        [(Acknowledge(), CLA), (Verify(), FO), (Classify(ThreatType.KILLING, Urgency.IMMEDIATE), FO)],
    )
    assert state.due_at == T0 + timedelta(hours=14 * 0.5)
    state, effects = apply(state, Transmit(), FO, T0 + timedelta(hours=4), rules=RULES)
    assert state.body_id == "joc"
    assert {e.target for e in effects if isinstance(e, Notify)} == {"joc", "fwg1", "mwg"}


def test_escalation_climbs_the_path_and_restarts_the_clock() -> None:
    state = new_alert()
    now = T0 + timedelta(hours=3)
    state, effects = apply(state, Escalate(), SYS, now, rules=RULES)
    assert (state.body_id, state.escalation_level, state.status) == ("mwg", 1, AlertStatus.RECEIVED)
    assert state.due_at == now + timedelta(hours=1)
    assert {e.target for e in effects if isinstance(e, Notify)} == {"mwg", "senior_poc_adviser"}
    state, _ = apply(state, Escalate(), SYS, now + timedelta(hours=2), rules=RULES)
    assert state.body_id == "smg"
    state, _ = apply(state, Escalate(), SYS, now + timedelta(hours=4), rules=RULES)
    assert (state.body_id, state.escalation_level) == ("smg", 3)  # the path is exhausted: it stays at the top
    closed = walk(new_alert(), FULL[:9])
    with pytest.raises(InvalidTransition):
        apply(closed, Escalate(), SYS, now, rules=RULES)
    with pytest.raises(InvalidTransition):
        apply(closed, MergeReport(), SYS, now, rules=RULES)


ACTIONS: list[Action] = [
    Acknowledge(),
    Verify(),
    Verify(Verification.UNFOUNDED),
    Classify(),
    Transmit(),
    Decide(Decision.RESPOND, Tier.DIALOGUE_ENGAGEMENT, Phase.PREVENTION),
    Decide(Decision.RESPOND, Tier.PHYSICAL_PROTECTION, Phase.RESPONSE, ("BATT-1",)),
    Decide(Decision.REFER, reason="handed to the Protection Cluster"),
    Deploy(),
    RecordOutcome("done"),
    GiveFeedback(FeedbackChannel.SMS, "We came."),
    Close(),
    AfterActionReview("lesson"),
    Escalate(),
    MergeReport(),
]
ROLES = [*Role, SYSTEM]


def every_attempt(state: AlertState, now: datetime) -> list[tuple[Action, str, AlertState]]:
    """Try every (action, role) on ``state``: an attempt the transition table or the role table forbids must be
    refused, one that is accepted must lead where the table says and be recorded; returns the accepted ones."""
    accepted = []
    for action in ACTIONS:
        for role in ROLES:
            allowed_pair = (state.status, action.name) in TRANSITIONS and role in ACTION_ROLES[action.name]
            offered = action.name in allowed_actions(state, role)
            try:
                after, effects = apply(state, action, Actor("x", role), now, rules=RULES)
            except (Forbidden, InvalidTransition):
                assert not offered, (state.status, action.name, role)
                continue
            except InvalidInput:
                assert allowed_pair  # a legal step whose fields this alert's facts refuse
                continue
            assert allowed_pair and offered, (state.status, action.name, role)
            assert after.status is TRANSITIONS[(state.status, action.name)]
            assert isinstance(effects[0], TransitionRecorded) and effects[0].from_status is state.status
            if after.status is AlertStatus.CLOSED:
                assert after.feedback is not None
            accepted.append((action, role, after))
    return accepted


def test_legal_paths_reach_every_state_and_every_illegal_step_is_refused_in_each() -> None:
    """Breadth-first over the legal steps from a new alert (one alert per status, verification and response reached):
    every status is reached, and at each one every illegal (action, role) is refused."""
    start = new_alert()
    frontier = [start]
    seen = {(start.status, start.verification, start.response)}
    reached = {start.status}
    now = T0
    while frontier:
        now += timedelta(hours=1)
        following = []
        for state in frontier:
            for _action, _role, after in every_attempt(state, now):
                key = (after.status, after.verification, after.response)
                if key not in seen:
                    seen.add(key)
                    reached.add(after.status)
                    following.append(after)
        frontier = following
    assert reached == set(AlertStatus)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_random_legal_paths_refuse_every_illegal_step(data: st.DataObject) -> None:
    """Random walks along legal steps (drawn among the accepted ones, so walks get past the first states);
    at every state on the way every illegal (action, role) is refused."""
    state = new_alert()
    now = T0
    depth = 0
    for _ in range(30):
        now += timedelta(hours=1)
        accepted = every_attempt(state, now)
        if not accepted:
            break
        _action, _role, state = data.draw(st.sampled_from(accepted))
        depth += 1
        event(f"reached {state.status.value}")
    target(float(list(AlertStatus).index(state.status)), label="furthest status")
    assert depth > 0  # a new alert always has a legal step (acknowledge, escalate, merge)
