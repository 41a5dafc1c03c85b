"""The coordination structure seen as the lifecycle's rules: routing, deadlines and escalation paths."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from pochub.core.models.coordination import Structure
from pochub.core.workflow import structure as structure_rules
from pochub.core.workflow.structure import Route


@dataclass(frozen=True)
class StructureRules:
    """``WorkflowRules`` read from one mission's structure (data, not code)."""

    structure: Structure

    @property
    def escalation_roles(self) -> tuple[str, ...]:
        """Roles told of every escalation."""
        return self.structure.escalation.notify_roles

    @property
    def grace(self) -> timedelta:
        """How long past a deadline the worker waits before escalating."""
        return timedelta(hours=self.structure.escalation.grace_hours)

    def route(self, threat_type: str | None, urgency: str, pcode: str | None) -> Route:
        """The responsible body for this alert."""
        return structure_rules.route(self.structure, threat_type=threat_type, urgency=urgency, pcode=pcode)

    def deadline(self, step: str, urgency: str) -> timedelta:
        """When ``step`` is due after receipt."""
        return structure_rules.deadline(self.structure, step, urgency)

    def escalation_target(self, body_id: str, level: int) -> str | None:
        """The body ``level`` steps up ``body_id``'s path."""
        return structure_rules.escalation_target(self.structure, body_id, level)
