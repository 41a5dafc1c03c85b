"""Outbox delivery to webhooks on both backends: retries with back-off, once per effect, the delivery log."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx2
import pytest
from sqlalchemy import Engine, insert, select

from pochub.errors import Conflict, InvalidInput, NotFound
from pochub.services.notifications import (
    Backoff,
    add_endpoint,
    deliver_pending,
    deliveries_for,
    list_endpoints,
    outbox_entries,
    run_worker,
    set_endpoint_active,
)
from pochub.store.tables import deliveries, outbox
from tests.conftest import CliRunner

T0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
SECRET = "s3cret-for-tests"


def half() -> float:
    """Jitter fixed at the middle: every delay is 75% of its exponential value."""
    return 0.5


def add_effect(
    engine: Engine,
    key: str,
    target: str = "fo-north-forum",
    *,
    exercise_id: int | None = None,
    due: datetime = T0,
) -> int:
    """An outbox row as the alerts service writes it; its effect id."""
    payload = {"alert": f"ALT-{key}", "state": "received", "urgency": "high", "pcode": "KT0101"}
    with engine.begin() as conn:
        return int(
            conn.execute(
                insert(outbox)
                .values(
                    dedupe_key=key,
                    created_at=T0,
                    kind="alert.routed",
                    target=target,
                    payload=json.dumps(payload),
                    status="pending",
                    next_attempt_at=due,
                    exercise_id=exercise_id,
                )
                .returning(outbox.c.effect_id)
            ).scalar_one()
        )


def row(engine: Engine, effect_id: int) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(outbox).where(outbox.c.effect_id == effect_id)).mappings().one()


def utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass
class Receiver:
    """A webhook receiver that honours Idempotency-Key: a repeated key is acknowledged, not processed again."""

    fail_first: int = 0
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    processed: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def answer(self, headers: dict[str, str], body: bytes) -> int:
        with self.lock:
            self.requests.append((headers, body))
            if self.fail_first > 0:
                self.fail_first -= 1
                return 500
            key = headers["idempotency-key"]
            if key not in self.processed:
                self.processed[key] += 1
            return 200

    def keys(self) -> Counter[str]:
        return Counter(h["idempotency-key"] for h, _ in self.requests)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP server in a thread."""
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            code = state.answer({k.lower(): v for k, v in self.headers.items()}, body)
            reply = b'{"ok": true}' if code == 200 else b"server error"
            self.send_response(code)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the test reads the requests, not the log."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def mock_client(answers: dict[str, list[int]], seen: list[httpx2.Request]) -> httpx2.Client:
    """A client whose transport answers each host from its list of status codes (the last one repeats)."""

    def handle(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        codes = answers[request.url.host]
        return httpx2.Response(codes.pop(0) if len(codes) > 1 else codes[0])

    return httpx2.Client(transport=httpx2.MockTransport(handle))


def test_retry_with_backoff_after_a_500_then_success(engine: Engine, receiver: Receiver) -> None:
    receiver.fail_first = 1
    add_endpoint(engine, "north-forum", receiver.url, ["fo-north-forum"], secret=SECRET)
    effect = add_effect(engine, "alert:1:routed")

    first = deliver_pending(engine, T0, jitter=half)
    assert (first.claimed, first.retrying, first.delivered, first.posts, first.accepted_posts) == (
        1,
        1,
        0,
        1,
        0,
    )
    waiting = row(engine, effect)
    assert waiting["status"] == "pending" and waiting["attempts"] == 1
    assert utc(waiting["next_attempt_at"]) == T0 + timedelta(seconds=22.5)  # 30 s x 2^0 x (0.5 + 0.5 x 0.5)

    early = deliver_pending(engine, T0 + timedelta(seconds=10), jitter=half)
    assert early.claimed == 0 and len(receiver.requests) == 1

    second = deliver_pending(engine, T0 + timedelta(seconds=23), jitter=half)
    assert (second.claimed, second.delivered, second.posts) == (1, 1, 1)
    done = row(engine, effect)
    assert done["status"] == "delivered" and done["attempts"] == 2
    assert utc(done["delivered_at"]) == T0 + timedelta(seconds=23)

    assert len(receiver.requests) == 2
    for headers, body in receiver.requests:
        assert headers["idempotency-key"] == "alert:1:routed"
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert headers["x-pochub-signature"] == expected
        sent = json.loads(body)
        assert sent["kind"] == "alert.routed" and sent["target"] == "fo-north-forum"
        assert sent["payload"]["alert"] == "ALT-alert:1:routed"
    assert receiver.processed == Counter({"alert:1:routed": 1})

    log = deliveries_for(engine, effect)
    assert [(d.attempt, d.status_code, d.delivered) for d in log] == [(1, 500, False), (2, 200, True)]
    assert log[0].endpoint == "north-forum" and "server error" in log[0].error


def test_two_concurrent_runs_deliver_each_effect_once(engine: Engine, receiver: Receiver) -> None:
    add_endpoint(engine, "everything", receiver.url, ["*"])
    effects = [add_effect(engine, f"alert:{i}:routed", f"body-{i % 3}") for i in range(24)]
    start = threading.Barrier(2)
    runs: list[Any] = []

    def run() -> None:
        with httpx2.Client(timeout=10) as client:
            start.wait()
            runs.append(deliver_pending(engine, T0, client=client, limit=100))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(runs) == 2
    assert sum(r.claimed for r in runs) == 24
    assert sum(r.delivered for r in runs) == 24
    assert set(receiver.keys().values()) == {1} and len(receiver.keys()) == 24
    with engine.connect() as conn:
        ok = conn.execute(select(deliveries.c.effect_id).where(deliveries.c.delivered.is_(True))).scalars()
        assert sorted(ok) == effects
    assert {e.status for e in outbox_entries(engine)} == {"delivered"}


class Crash(Exception):
    """The process dies after the receiver got the post and before the outcome was recorded."""


class CrashingClient(httpx2.Client):
    def post(self, *args: Any, **kwargs: Any) -> httpx2.Response:
        super().post(*args, **kwargs)
        raise Crash


def test_a_crash_between_post_and_record_delivers_once(engine: Engine, receiver: Receiver) -> None:
    add_endpoint(engine, "north-forum", receiver.url, ["fo-north-forum"])
    effect = add_effect(engine, "alert:7:escalated")

    with CrashingClient(timeout=10) as crashing, pytest.raises(Crash):
        deliver_pending(engine, T0, client=crashing)
    assert len(receiver.requests) == 1
    claimed = row(engine, effect)
    assert claimed["status"] == "pending" and claimed["attempts"] == 1
    assert deliveries_for(engine, effect) == []

    assert deliver_pending(engine, T0 + timedelta(minutes=1)).claimed == 0  # still leased to the dead run
    again = deliver_pending(engine, T0 + timedelta(minutes=16))
    assert again.delivered == 1

    assert receiver.keys() == Counter({"alert:7:escalated": 2})  # posted twice, with one key ...
    assert receiver.processed == Counter({"alert:7:escalated": 1})  # ... so processed once
    log = deliveries_for(engine, effect)
    assert [(d.attempt, d.delivered) for d in log] == [(2, True)]
    assert row(engine, effect)["status"] == "delivered"
    assert deliver_pending(engine, T0 + timedelta(days=1)).claimed == 0


def test_an_endpoint_that_accepted_is_not_posted_again(engine: Engine) -> None:
    add_endpoint(engine, "forum", "http://forum.example/hook", ["fo-north-forum"])
    add_endpoint(engine, "joc", "http://joc.example/hook", ["*"])
    seen: list[httpx2.Request] = []
    effect = add_effect(engine, "alert:2:routed")
    with mock_client({"forum.example": [200], "joc.example": [502, 200]}, seen) as client:
        first = deliver_pending(engine, T0, client=client, jitter=half)
        assert first.retrying == 1 and first.accepted_posts == 1
        second = deliver_pending(engine, T0 + timedelta(minutes=1), client=client, jitter=half)
    assert second.delivered == 1 and second.posts == 1
    assert [r.url.host for r in seen] == ["forum.example", "joc.example", "joc.example"]
    log = deliveries_for(engine, effect)
    assert [(d.endpoint, d.attempt, d.delivered) for d in log] == [
        ("forum", 1, True),
        ("joc", 1, False),
        ("joc", 2, True),
    ]


def test_failed_after_max_attempts_with_growing_back_off(engine: Engine) -> None:
    add_endpoint(engine, "joc", "http://joc.example/hook")
    effect = add_effect(engine, "alert:3:routed")
    seen: list[httpx2.Request] = []
    now = T0
    waits = []
    with mock_client({"joc.example": [503]}, seen) as client:
        for _ in range(3):
            run = deliver_pending(engine, now, client=client, max_attempts=3, jitter=half)
            assert run.claimed == 1
            after = row(engine, effect)
            if after["status"] == "pending":
                waits.append(utc(after["next_attempt_at"]) - now)
                now = utc(after["next_attempt_at"])
        assert run.failed == 1
        assert deliver_pending(engine, now + timedelta(days=1), client=client).claimed == 0
    assert waits == [timedelta(seconds=22.5), timedelta(seconds=45)]
    assert row(engine, effect)["status"] == "failed" and row(engine, effect)["attempts"] == 3
    assert len(seen) == 3
    assert [d.status_code for d in deliveries_for(engine, effect)] == [503, 503, 503]


def test_transport_errors_are_logged_attempts(engine: Engine) -> None:
    add_endpoint(engine, "joc", "http://joc.example/hook")
    effect = add_effect(engine, "alert:4:routed")

    def refuse(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("connection refused", request=request)

    with httpx2.Client(transport=httpx2.MockTransport(refuse)) as client:
        run = deliver_pending(engine, T0, client=client, jitter=half)
    assert run.retrying == 1
    (attempt,) = deliveries_for(engine, effect)
    assert attempt.status_code is None and not attempt.delivered and "ConnectError" in attempt.error


def test_exercise_rows_and_rows_without_endpoint_are_skipped(engine: Engine) -> None:
    add_endpoint(engine, "forum", "http://forum.example/hook", ["fo-north-forum"])
    add_endpoint(engine, "old-joc", "http://old.example/hook", ["*"])
    set_endpoint_active(engine, "old-joc", False)
    exercise = add_effect(engine, "exercise:1:routed", exercise_id=5)
    nobody = add_effect(engine, "alert:5:routed", target="fo-south-forum")
    later = add_effect(engine, "alert:6:routed", due=T0 + timedelta(hours=1))
    seen: list[httpx2.Request] = []
    with mock_client({"forum.example": [200], "old.example": [200]}, seen) as client:
        run = deliver_pending(engine, T0, client=client)
    assert (run.skipped, run.posts, run.delivered) == (2, 0, 0)
    assert seen == []
    assert row(engine, exercise)["status"] == "skipped" and row(engine, exercise)["attempts"] == 0
    assert row(engine, nobody)["status"] == "skipped" and row(engine, nobody)["attempts"] == 0
    assert row(engine, later)["status"] == "pending"
    assert {e.effect_id: e.status for e in outbox_entries(engine, status="skipped")}.keys() == {
        exercise,
        nobody,
    }


def test_endpoints_are_validated_and_listed_without_secrets(engine: Engine) -> None:
    add_endpoint(
        engine, "forum", "https://forum.example/hook", ["fo-north-forum", "fo-north-forum"], secret="x"
    )
    with pytest.raises(Conflict):
        add_endpoint(engine, "forum", "https://other.example/hook")
    with pytest.raises(InvalidInput):
        add_endpoint(engine, "ftp", "ftp://forum.example/hook")
    with pytest.raises(InvalidInput):
        add_endpoint(engine, "", "https://forum.example/hook")
    with pytest.raises(NotFound):
        set_endpoint_active(engine, "nobody", False)
    with pytest.raises(NotFound):
        deliveries_for(engine, 12345)
    (listed,) = list_endpoints(engine)
    assert listed.targets == ("fo-north-forum",) and listed.has_secret
    assert "secret" not in listed.as_dict()


def test_back_off_doubles_up_to_its_cap() -> None:
    backoff = Backoff(base=timedelta(seconds=10), cap=timedelta(minutes=5))
    assert [backoff.delay(a, 1.0).total_seconds() for a in (1, 2, 3, 6, 40)] == [10, 20, 40, 300, 300]
    assert backoff.delay(2, 0.0) == timedelta(seconds=10)
    with pytest.raises(InvalidInput):
        backoff.delay(0, 0.5)


def test_the_worker_delivers_until_stopped(engine: Engine, receiver: Receiver) -> None:
    from pochub.config import Settings

    add_endpoint(engine, "everything", receiver.url)
    add_effect(engine, "alert:8:routed")
    stop = threading.Event()
    settings = Settings(outbox_interval_seconds=0.05)
    worker = threading.Thread(target=run_worker, args=(engine, settings, stop), kwargs={"clock": lambda: T0})
    worker.start()
    try:
        for _ in range(200):
            if receiver.processed:
                break
            stop.wait(0.05)
    finally:
        stop.set()
        worker.join(timeout=10)
    assert not worker.is_alive()
    assert receiver.processed == Counter({"alert:8:routed": 1})


def test_webhooks_commands(cli: CliRunner, database_url: str, engine: Engine) -> None:
    added = cli("--database", database_url, "webhooks", "add", "forum", "http://127.0.0.1:9/hook",
                "--target", "fo-north-forum", "--secret", "abc")  # fmt: skip
    assert added.code == 0, added.err
    listed = cli("--database", database_url, "webhooks", "list", "--json")
    assert json.loads(listed.out)[0]["targets"] == ["fo-north-forum"]
    effect = add_effect(engine, "exercise:2:routed", exercise_id=1)
    delivered = cli("--database", database_url, "webhooks", "deliver", "--json")
    assert json.loads(delivered.out)["skipped"] == 1
    log = cli("--database", database_url, "webhooks", "log", "--effect", str(effect), "--json")
    assert log.code == 0 and json.loads(log.out) == []
    missing = cli("--database", database_url, "webhooks", "log", "--effect", "999")
    assert missing.code == 1 and "no notification" in missing.err
