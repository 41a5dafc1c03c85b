"""The lifecycle actions a person takes on an alert, with the fields each needs: one model per action, the one
description the API (its request bodies and OpenAPI), the alert pages' forms and the CLI read an action from.

Unknown fields are refused, so a misspelt field is an error rather than silently ignored."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pochub.core.models.alerts import (
    ActionName,
    Decision,
    FeedbackChannel,
    Phase,
    Tier,
    Urgency,
    Verification,
)
from pochub.core.models.taxonomy import ThreatType
from pochub.core.workflow import lifecycle
from pochub.errors import InvalidInput

Note: Any = Field(
    default="", max_length=4000, description="Why, or what was done (stored with the transition)."
)
Units: Any = Field(default_factory=list, max_length=50, description="Unit ids (`pochub import units`).")


class Body(BaseModel):
    """Unknown fields are refused, so a misspelt field is an error rather than silently ignored."""

    model_config = ConfigDict(extra="forbid")


class ActionBody(Body):
    """The fields of one lifecycle action."""

    def action(self) -> lifecycle.Action:
        """The core action these fields describe."""
        raise NotImplementedError


class AcknowledgeIn(ActionBody):
    note: str = Note

    def action(self) -> lifecycle.Action:
        return lifecycle.Acknowledge(self.note)


class VerifyIn(ActionBody):
    result: Verification
    note: str = Note

    def action(self) -> lifecycle.Action:
        return lifecycle.Verify(self.result, self.note)


class ClassifyIn(ActionBody):
    threat_type: ThreatType
    urgency: Urgency
    note: str = Note

    def action(self) -> lifecycle.Action:
        return lifecycle.Classify(self.threat_type, self.urgency, self.note)


class TransmitIn(ActionBody):
    note: str = Note

    def action(self) -> lifecycle.Action:
        return lifecycle.Transmit(self.note)


class DecideIn(ActionBody):
    decision: Decision
    tier: Tier | None = None
    phase: Phase | None = None
    units: list[str] = Units
    reason: str = Note

    def action(self) -> lifecycle.Action:
        return lifecycle.Decide(self.decision, self.tier, self.phase, tuple(self.units), self.reason)


class DeployIn(ActionBody):
    units: list[str] = Units
    note: str = Note

    def action(self) -> lifecycle.Action:
        return lifecycle.Deploy(tuple(self.units), self.note)


class RecordOutcomeIn(ActionBody):
    outcome: str = Field(min_length=1, max_length=4000)
    civilians_harmed: int | None = Field(default=None, ge=0, le=1_000_000)

    def action(self) -> lifecycle.Action:
        return lifecycle.RecordOutcome(self.outcome, self.civilians_harmed)


class GiveFeedbackIn(ActionBody):
    channel: FeedbackChannel
    message: str = Field(min_length=1, max_length=1000, description="What the community was told.")
    given_at: datetime | None = Field(default=None, description="When (default: now).")

    def action(self) -> lifecycle.Action:
        return lifecycle.GiveFeedback(self.channel, self.message, self.given_at)


class CloseIn(ActionBody):
    note: str = Note

    def action(self) -> lifecycle.Action:
        return lifecycle.Close(self.note)


class ReviewIn(ActionBody):
    lessons: str = Field(min_length=1, max_length=4000)

    def action(self) -> lifecycle.Action:
        return lifecycle.AfterActionReview(self.lessons)


ACTION_BODIES: Mapping[str, type[ActionBody]] = {
    ActionName.ACKNOWLEDGE: AcknowledgeIn,
    ActionName.VERIFY: VerifyIn,
    ActionName.CLASSIFY: ClassifyIn,
    ActionName.TRANSMIT: TransmitIn,
    ActionName.DECIDE: DecideIn,
    ActionName.DEPLOY: DeployIn,
    ActionName.RECORD_OUTCOME: RecordOutcomeIn,
    ActionName.GIVE_FEEDBACK: GiveFeedbackIn,
    ActionName.CLOSE: CloseIn,
    ActionName.AFTER_ACTION_REVIEW: ReviewIn,
}
"""The lifecycle actions a person takes, by action name, with the fields each needs (URLs and the CLI spell
the names with hyphens: record-outcome)."""
TRAINEE_ACTIONS = frozenset(ACTION_BODIES) - {ActionName.AFTER_ACTION_REVIEW}
"""What a trainee does in an exercise (the after-action review is the facilitator's)."""


def action_from_json(action: str, fields: str, *, allowed: frozenset[str] | None = None) -> lifecycle.Action:
    """The lifecycle action named ``action`` (hyphens or underscores) with its fields given as JSON."""
    name = action.replace("-", "_")
    known = [a for a in ACTION_BODIES if allowed is None or a in allowed]
    if name not in known:
        raise InvalidInput(
            f"unknown action {action!r} (known: {', '.join(a.replace('_', '-') for a in known)})"
        )
    try:
        body = ACTION_BODIES[name].model_validate_json(fields)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'fields'}: {e['msg']}" for e in exc.errors())
        raise InvalidInput(f"--fields for {action}: {problems}") from exc
    return body.action()
