"""Background workers of `pochub serve`: escalation of overdue alerts and delivery of notifications.

Each runs in a daemon thread with its own loop; a failed pass is logged and the next one tried, so a
database restart or an unreachable webhook never stops escalation for good.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy import Engine

from pochub.config import Settings
from pochub.errors import InvalidInput
from pochub.services import idempotency, notifications
from pochub.services.action_points import escalate_overdue_action_points
from pochub.services.alerts import escalate_overdue

log = logging.getLogger("pochub.workers")


PRUNE_INTERVAL_SECONDS = 3600.0
"""How often the escalation worker deletes expired idempotency keys."""


def run_escalation(engine: Engine, settings: Settings, stop: threading.Event) -> None:
    """Escalate overdue alerts and action points every ``settings.escalation_interval_seconds`` until ``stop`` is
    set; once an hour (and at start) also delete the idempotency keys past their keeping time."""
    pruned_at = -math.inf
    while not stop.is_set():
        if time.monotonic() - pruned_at >= PRUNE_INTERVAL_SECONDS:
            try:
                deleted = idempotency.prune(engine)
                pruned_at = time.monotonic()
                if deleted:
                    log.info("deleted %d expired idempotency key(s)", deleted)
            except Exception:  # a failed clean-up never stops escalation
                log.exception("idempotency key clean-up failed; retrying")
        try:
            escalated = escalate_overdue(engine)
            if escalated:
                log.info("escalated %d overdue alert(s): %s", len(escalated), ", ".join(escalated[:10]))
            points = escalate_overdue_action_points(engine)
            if points:
                log.info("escalated %d overdue action point(s): %s", len(points), ", ".join(points[:10]))
        except InvalidInput as exc:  # no structure stored yet: nothing can be escalated
            log.debug("escalation skipped: %s", exc)
        except Exception:  # keep the worker alive through database hiccups
            log.exception("escalation pass failed; retrying")
        stop.wait(settings.escalation_interval_seconds)


@dataclass
class Workers:
    """The running worker threads and the event that stops them."""

    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def shutdown(self, timeout: float = 5.0) -> None:
        """Ask every worker to stop and wait for them a little."""
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout)


def start_workers(engine: Engine, settings: Settings) -> Workers:
    """Start the escalation and notification workers."""
    workers = Workers()
    for name, target in (
        ("pochub-escalation", run_escalation),
        ("pochub-notifications", notifications.run_worker),
    ):
        thread = threading.Thread(
            target=target, args=(engine, settings, workers.stop), name=name, daemon=True
        )
        thread.start()
        workers.threads.append(thread)
    return workers
