"""The checklist over time (issue 17, item 4): an assessment kept as plain values, compared task by task with the
previous one (score change, questions that improved or slipped)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pochub.core.toolkit.checklist import ChecklistAssessment

STATUS_ORDER = {"yes": 3, "partial": 2, "no": 1}
"""Better is higher; unanswered counts as 0."""


def assessment_document(assessment: ChecklistAssessment) -> dict[str, Any]:
    """An assessment as JSON can store it: by task, its score and each question's status."""
    return {
        "mission": assessment.mission,
        "as_of": assessment.as_of.isoformat(),
        "tasks": {
            t.task.key: {"score": t.score, "questions": {i.question.key: i.status for i in t.items}}
            for t in assessment.tasks
        },
    }


@dataclass(frozen=True)
class TaskChange:
    """One task then and now."""

    task: str
    previous_score: float | None
    score: float
    improved: tuple[str, ...]
    slipped: tuple[str, ...]

    @property
    def change(self) -> float | None:
        """Score now minus score then (None when the task was not assessed then)."""
        return None if self.previous_score is None else round(self.score - self.previous_score, 1)


def compare_assessments(previous: dict[str, Any] | None, current: dict[str, Any]) -> tuple[TaskChange, ...]:
    """Each task of ``current`` against ``previous`` (documents of :func:`assessment_document`)."""
    before = (previous or {}).get("tasks", {})
    changes = []
    for key, task in current["tasks"].items():
        then = before.get(key)
        improved: list[str] = []
        slipped: list[str] = []
        if then is not None:
            for question, status in task["questions"].items():
                old = STATUS_ORDER.get(then["questions"].get(question) or "", 0)
                new = STATUS_ORDER.get(status or "", 0)
                if new > old:
                    improved.append(question)
                elif new < old:
                    slipped.append(question)
        changes.append(
            TaskChange(key, then["score"] if then else None, task["score"], tuple(improved), tuple(slipped))
        )
    return tuple(changes)
