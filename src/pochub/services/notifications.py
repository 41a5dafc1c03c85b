"""Notifications: the outbox delivered to webhooks, with retries, back-off and a delivery log.

The alerts service writes one outbox row per effect in the transaction of the change that caused it, so no
effect is lost and none is invented. This module delivers them, at least once and in practice once:

1. **Claim** (one short transaction): due pending rows are taken with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL
   (SQLite has one writer; the claiming UPDATE takes its lock), their attempt number is raised and their
   ``next_attempt_at`` moved past a lease, so a concurrent run does not see them and a crashed run's rows come
   back once the lease ends.
2. **Post** (no transaction open): the JSON envelope goes to every active endpoint serving the row's target that
   has not already accepted this effect, signed with HMAC-SHA256 of the endpoint's secret
   (``X-PocHub-Signature: sha256=<hex>``) and carrying ``Idempotency-Key: <dedupe_key>``, so a receiver drops the
   repeat that a crash between post and record can cause.
3. **Record** (one transaction per effect): every attempt goes into ``deliveries``; the row is delivered when every
   serving endpoint has answered 2xx, failed after ``max_attempts``, else scheduled again with exponential
   back-off and jitter (injected). The update only applies while the row still carries this run's attempt number.

Rows with no serving endpoint are skipped; exercise rows (``exercise_id`` set) are never sent to real endpoints.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
from sqlalchemy import Connection, Engine, RowMapping, insert, select, update
from sqlalchemy.exc import IntegrityError

from pochub import __version__
from pochub.config import Settings
from pochub.errors import Conflict, InvalidInput, NotFound
from pochub.store import audit
from pochub.store.database import as_utc
from pochub.store.tables import deliveries, outbox, webhook_endpoints

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-PocHub-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
ALL_TARGETS = "*"
STATUSES = ("pending", "delivered", "failed", "skipped")
DEFAULT_LEASE = timedelta(minutes=15)
"""How long a claimed row stays invisible to other runs: longer than one pass of posts can take."""


@dataclass(frozen=True)
class Backoff:
    """Exponential back-off: ``base * 2**(attempt-1)`` capped, then scaled into [50%, 100%) by the jitter."""

    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=1)

    def delay(self, attempt: int, jitter: float) -> timedelta:
        """The wait after failed attempt ``attempt`` (1-based); ``jitter`` in [0, 1) spreads the retries."""
        if attempt < 1 or not 0.0 <= jitter <= 1.0:
            raise InvalidInput(f"back-off needs attempt >= 1 and jitter in [0, 1], got {attempt}, {jitter}")
        exponential: timedelta = min(self.cap, self.base * (2 ** min(attempt - 1, 30)))
        return exponential * (0.5 + 0.5 * jitter)


@dataclass(frozen=True)
class Endpoint:
    """A webhook receiver and the bodies or roles it serves (``*`` serves every target)."""

    endpoint_id: int
    name: str
    url: str
    targets: tuple[str, ...]
    active: bool
    has_secret: bool

    def serves(self, target: str) -> bool:
        """Does this endpoint receive notifications for ``target``?"""
        return self.active and (ALL_TARGETS in self.targets or target in self.targets)

    def as_dict(self) -> dict[str, Any]:
        """Plain values for JSON (never the secret)."""
        return {**asdict(self), "targets": list(self.targets)}


@dataclass(frozen=True)
class Delivery:
    """One attempt to post one effect to one endpoint."""

    delivery_id: int
    effect_id: int
    endpoint_id: int
    endpoint: str
    attempt: int
    at: datetime
    status_code: int | None
    error: str
    delivered: bool

    def as_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return {**asdict(self), "at": self.at.isoformat()}


@dataclass(frozen=True)
class OutboxEntry:
    """One notification effect and where its delivery stands."""

    effect_id: int
    dedupe_key: str
    kind: str
    target: str
    alert_id: int | None
    status: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    delivered_at: datetime | None
    exercise_id: int | None

    def as_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        values = asdict(self)
        for key in ("created_at", "next_attempt_at", "delivered_at"):
            values[key] = None if values[key] is None else values[key].isoformat()
        return values


@dataclass(frozen=True)
class DeliveryRun:
    """What one delivery pass did: rows claimed and how they ended, and the posts made."""

    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0
    posts: int = 0
    accepted_posts: int = 0

    def as_dict(self) -> dict[str, int]:
        """Plain values for JSON."""
        return asdict(self)


@dataclass(frozen=True)
class _Claim:
    """A claimed outbox row and the endpoints it still has to reach."""

    effect_id: int
    dedupe_key: str
    kind: str
    target: str
    created_at: datetime
    payload: str
    attempt: int
    endpoints: tuple[tuple[Endpoint, str], ...]  # (endpoint, its secret)


@dataclass(frozen=True)
class _Outcome:
    endpoint_id: int
    status_code: int | None
    error: str

    @property
    def accepted(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


# --- endpoints ---


def _endpoint(row: RowMapping) -> Endpoint:
    return Endpoint(
        endpoint_id=row["endpoint_id"],
        name=row["name"],
        url=row["url"],
        targets=tuple(json.loads(row["targets"])),
        active=bool(row["active"]),
        has_secret=bool(row["secret"]),
    )


def add_endpoint(
    engine: Engine,
    name: str,
    url: str,
    targets: Sequence[str] = (ALL_TARGETS,),
    *,
    secret: str = "",
    actor: str = "system",
    actor_role: str = "admin",
) -> Endpoint:
    """Register a webhook receiver for ``targets`` (body or role ids; ``*`` for all); audited, never the secret."""
    name = name.strip()
    if not name:
        raise InvalidInput("an endpoint needs a name")
    try:
        parsed = httpx2.URL(url)
    except httpx2.InvalidURL as exc:
        raise InvalidInput(f"{url!r} is not a URL: {exc}") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise InvalidInput(f"{url!r}: a webhook URL starts with http:// or https:// and names a host")
    chosen = tuple(dict.fromkeys(t.strip() for t in targets if t.strip())) or (ALL_TARGETS,)
    try:
        with engine.begin() as conn:
            endpoint_id = conn.execute(
                insert(webhook_endpoints)
                .values(name=name, url=url, targets=json.dumps(list(chosen)), secret=secret, active=True)
                .returning(webhook_endpoints.c.endpoint_id)
            ).scalar_one()
            audit.record(
                conn,
                actor=actor,
                role=actor_role,
                action="write",
                entity="webhook_endpoint",
                entity_id=name,
                detail=json.dumps({"added": url, "targets": list(chosen), "signed": bool(secret)}),
            )
    except IntegrityError as exc:
        raise Conflict(f"a webhook endpoint named {name!r} exists already") from exc
    return Endpoint(endpoint_id, name, url, chosen, True, bool(secret))


def set_endpoint_active(
    engine: Engine, name: str, active: bool, *, actor: str = "system", actor_role: str = "admin"
) -> Endpoint:
    """Switch an endpoint on or off (off: it receives nothing; its log stays); audited."""
    with engine.begin() as conn:
        changed = conn.execute(
            update(webhook_endpoints).where(webhook_endpoints.c.name == name).values(active=active)
        ).rowcount
        if not changed:
            raise NotFound(f"no webhook endpoint named {name!r}")
        audit.record(
            conn,
            actor=actor,
            role=actor_role,
            action="write",
            entity="webhook_endpoint",
            entity_id=name,
            detail=json.dumps({"active": active}),
        )
        row = conn.execute(select(webhook_endpoints).where(webhook_endpoints.c.name == name)).mappings().one()
    return _endpoint(row)


def list_endpoints(engine: Engine) -> list[Endpoint]:
    """Every registered endpoint, by name."""
    with engine.connect() as conn:
        rows = conn.execute(select(webhook_endpoints).order_by(webhook_endpoints.c.name)).mappings().all()
    return [_endpoint(row) for row in rows]


# --- the logs ---


def deliveries_for(engine: Engine, effect_id: int | None = None, *, limit: int = 100) -> list[Delivery]:
    """The delivery log of one effect (every attempt, oldest first), or the latest ``limit`` attempts."""
    query = select(deliveries, webhook_endpoints.c.name).join(
        webhook_endpoints, webhook_endpoints.c.endpoint_id == deliveries.c.endpoint_id
    )
    if effect_id is not None:
        query = query.where(deliveries.c.effect_id == effect_id).order_by(deliveries.c.delivery_id)
    else:
        query = query.order_by(deliveries.c.delivery_id.desc()).limit(limit)
    with engine.connect() as conn:
        if (
            effect_id is not None
            and conn.execute(select(outbox.c.effect_id).where(outbox.c.effect_id == effect_id)).first()
            is None
        ):
            raise NotFound(f"no notification with effect id {effect_id}")
        rows = conn.execute(query).mappings().all()
    found = [
        Delivery(
            r["delivery_id"],
            r["effect_id"],
            r["endpoint_id"],
            r["name"],
            r["attempt"],
            as_utc(r["at"]),
            r["status_code"],
            r["error"],
            bool(r["delivered"]),
        )
        for r in rows
    ]
    return found if effect_id is not None else found[::-1]


def outbox_entries(engine: Engine, *, status: str | None = None, limit: int = 100) -> list[OutboxEntry]:
    """The latest ``limit`` outbox rows, optionally of one status, newest first."""
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"status {status!r}: expected one of {', '.join(STATUSES)}")
    query = select(outbox).order_by(outbox.c.effect_id.desc()).limit(limit)
    if status is not None:
        query = query.where(outbox.c.status == status)
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [
        OutboxEntry(
            r["effect_id"],
            r["dedupe_key"],
            r["kind"],
            r["target"],
            r["alert_id"],
            r["status"],
            r["attempts"],
            as_utc(r["created_at"]),
            as_utc(r["next_attempt_at"]),
            None if r["delivered_at"] is None else as_utc(r["delivered_at"]),
            r["exercise_id"],
        )
        for r in rows
    ]


# --- delivery ---


def envelope(claim: _Claim) -> bytes:
    """The posted body: the effect's kind, target, idempotency key and payload, as compact JSON."""
    try:
        payload: Any = json.loads(claim.payload)
    except ValueError:
        payload = claim.payload
    body = {
        "idempotency_key": claim.dedupe_key,
        "kind": claim.kind,
        "target": claim.target,
        "created_at": as_utc(claim.created_at).isoformat(),
        "payload": payload,
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def signature(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of the body with the endpoint's secret."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def _claim(conn: Connection, now: datetime, limit: int, lease: timedelta) -> list[RowMapping]:
    """Take up to ``limit`` due pending rows: raise their attempt number and hide them for ``lease``."""
    due = (outbox.c.status == "pending") & (outbox.c.next_attempt_at <= now) & outbox.c.exercise_id.is_(None)
    chosen = (
        select(outbox.c.effect_id)
        .where(due)
        .order_by(outbox.c.next_attempt_at, outbox.c.effect_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = conn.execute(
        update(outbox)
        .where(outbox.c.effect_id.in_(chosen), due)
        .values(attempts=outbox.c.attempts + 1, next_attempt_at=now + lease)
        .returning(outbox)
    )
    return sorted(claimed.mappings().all(), key=lambda r: r["effect_id"])


def _claim_due(
    engine: Engine, now: datetime, limit: int, lease: timedelta
) -> tuple[list[_Claim], DeliveryRun]:
    """Claim due rows; settle at once those that need no post (exercise, no endpoint, all reached already)."""
    with engine.begin() as conn:
        # exercise rows never reach real endpoints (the training issue routes them to exercise endpoints)
        exercise = conn.execute(
            update(outbox)
            .where(
                outbox.c.status == "pending",
                outbox.c.next_attempt_at <= now,
                outbox.c.exercise_id.is_not(None),
            )
            .values(status="skipped")
        ).rowcount
        rows = _claim(conn, now, limit, lease)
        endpoint_rows = conn.execute(
            select(webhook_endpoints).where(webhook_endpoints.c.active.is_(True))
        ).mappings()
        endpoints = [(_endpoint(r), str(r["secret"])) for r in endpoint_rows]
        reached: set[tuple[int, int]] = set()
        if rows:
            reached = {
                (effect, endpoint)
                for effect, endpoint in conn.execute(
                    select(deliveries.c.effect_id, deliveries.c.endpoint_id).where(
                        deliveries.c.delivered.is_(True),
                        deliveries.c.effect_id.in_([r["effect_id"] for r in rows]),
                    )
                )
            }
        claims: list[_Claim] = []
        delivered = skipped = 0
        for row in rows:
            serving = [(e, s) for e, s in endpoints if e.serves(row["target"])]
            todo = tuple((e, s) for e, s in serving if (row["effect_id"], e.endpoint_id) not in reached)
            if todo:
                claims.append(
                    _Claim(
                        row["effect_id"],
                        row["dedupe_key"],
                        row["kind"],
                        row["target"],
                        row["created_at"],
                        row["payload"],
                        row["attempts"],
                        todo,
                    )
                )
                continue
            already = any(effect == row["effect_id"] for effect, _ in reached)
            settled = {"status": "delivered", "delivered_at": now} if already else {"status": "skipped"}
            conn.execute(
                update(outbox)
                .where(outbox.c.effect_id == row["effect_id"])
                .values(attempts=outbox.c.attempts - 1, next_attempt_at=now, **settled)
            )
            delivered += already
            skipped += not already
    return claims, DeliveryRun(claimed=len(rows), delivered=delivered, skipped=skipped + exercise)


def _post(client: httpx2.Client, claim: _Claim, endpoint: Endpoint, secret: str, body: bytes) -> _Outcome:
    """Post ``body`` to ``endpoint``; transport errors are outcomes, not exceptions."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"pochub/{__version__}",
        IDEMPOTENCY_HEADER: claim.dedupe_key,
        "X-PocHub-Event": claim.kind,
        "X-PocHub-Attempt": str(claim.attempt),
    }
    if secret:
        headers[SIGNATURE_HEADER] = signature(secret, body)
    try:
        response = client.post(endpoint.url, content=body, headers=headers)
    except httpx2.HTTPError as exc:
        return _Outcome(endpoint.endpoint_id, None, f"{type(exc).__name__}: {exc}"[:500])
    error = "" if 200 <= response.status_code < 300 else response.text[:500]
    return _Outcome(endpoint.endpoint_id, response.status_code, error)


def _record(
    engine: Engine,
    claim: _Claim,
    outcomes: Sequence[_Outcome],
    now: datetime,
    *,
    max_attempts: int,
    backoff: Backoff,
    jitter: Callable[[], float],
) -> str:
    """Log the attempts of one claim and settle its row; the row's new status."""
    if all(o.accepted for o in outcomes):
        settled: dict[str, Any] = {"status": "delivered", "delivered_at": now}
    elif claim.attempt >= max_attempts:
        settled = {"status": "failed"}
    else:
        settled = {"next_attempt_at": now + backoff.delay(claim.attempt, jitter())}
    with engine.begin() as conn:
        conn.execute(
            insert(deliveries),
            [
                {
                    "effect_id": claim.effect_id,
                    "endpoint_id": o.endpoint_id,
                    "attempt": claim.attempt,
                    "at": now,
                    "status_code": o.status_code,
                    "error": o.error,
                    "delivered": o.accepted,
                }
                for o in outcomes
            ],
        )
        still_ours = conn.execute(
            update(outbox)
            .where(
                outbox.c.effect_id == claim.effect_id,
                outbox.c.attempts == claim.attempt,
                outbox.c.status == "pending",
            )
            .values(**settled)
        ).rowcount
    if not still_ours:  # the lease ran out and another run took the row over: its record decides
        log.warning("outbox effect %s was taken over by another run; attempt %s logged only",
                    claim.effect_id, claim.attempt)  # fmt: skip
        return "taken_over"
    return str(settled.get("status", "retrying"))


def deliver_pending(
    engine: Engine,
    now: datetime,
    *,
    client: httpx2.Client | None = None,
    max_attempts: int = 8,
    limit: int = 100,
    backoff: Backoff | None = None,
    jitter: Callable[[], float] = random.random,
    lease: timedelta = DEFAULT_LEASE,
    timeout_seconds: float = 10.0,
) -> DeliveryRun:
    """One delivery pass over the due pending outbox rows (see the module's docstring for the guarantees).

    ``now``, ``client`` and ``jitter`` are injected so that tests decide time, transport and back-off.
    """
    if max_attempts < 1 or limit < 1:
        raise InvalidInput("max_attempts and limit must be at least 1")
    now = as_utc(now)
    backoff = backoff or Backoff()
    claims, run = _claim_due(engine, now, limit, lease)
    if not claims:
        return run
    own_client = client is None
    http = client if client is not None else httpx2.Client(timeout=timeout_seconds)
    counts = {"delivered": run.delivered, "failed": 0, "retrying": 0}
    posts = accepted = 0
    try:
        for claim in claims:
            body = envelope(claim)
            outcomes = [_post(http, claim, endpoint, secret, body) for endpoint, secret in claim.endpoints]
            posts += len(outcomes)
            accepted += sum(o.accepted for o in outcomes)
            status = _record(
                engine, claim, outcomes, now, max_attempts=max_attempts, backoff=backoff, jitter=jitter
            )
            if status in counts:
                counts[status] += 1
    finally:
        if own_client:
            http.close()
    return DeliveryRun(
        claimed=run.claimed,
        delivered=counts["delivered"],
        retrying=counts["retrying"],
        failed=counts["failed"],
        skipped=run.skipped,
        posts=posts,
        accepted_posts=accepted,
    )


def run_worker(
    engine: Engine,
    settings: Settings,
    stop_event: threading.Event,
    *,
    client: httpx2.Client | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> None:
    """Deliver pending notifications every ``settings.outbox_interval_seconds`` until ``stop_event`` is set.

    Meant for a daemon thread of ``pochub serve``; a failed pass is logged and the next one tried.
    """
    http = client if client is not None else httpx2.Client(timeout=10.0)
    try:
        while not stop_event.is_set():
            try:
                deliver_pending(engine, clock(), client=http, max_attempts=settings.outbox_max_attempts)
            except Exception:  # the worker must outlive a bad pass (database restart, a bug in one row)
                log.exception("notification delivery pass failed")
            stop_event.wait(settings.outbox_interval_seconds)
    finally:
        if client is None:
            http.close()
