"""Gateways: one credential each, good for posting to intake and nothing else; Twilio's signature checked; no
credential in a URL. Both backends.

The attacks: someone holding a gateway's credential (copied from the relay's configuration) reads alerts and
informants' numbers or acknowledges alerts; a forger posts fake alerts with a made-up X-Twilio-Signature; a
credential put in ``?token=`` ends up in the access log.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from starlette.testclient import TestClient
from starlette.types import Receive, Scope, Send

import pochub
from pochub.config import Settings
from pochub.http.app import create_app
from pochub.http.auth import CREDENTIALS
from pochub.services.access import revoke_credential
from pochub.services.capacities import store_structure
from pochub.services.gateways import create_gateway, twilio_signature_valid
from pochub.store import tables
from tests.api.access_helpers import auth_header, make_user

KEY = "gateway tests' secret key, long enough to use"
TWILIO_AUTH_TOKEN = "twilio-account-auth-token-0123456789abcdef"
STRUCTURE = Path(pochub.__file__).parent / "structures" / "templates" / "poc_advisers_as_coordinators.yaml"
SMS = {
    "From": "+243810000111",
    "Body": "Armed men at the water point",
    "MessageSid": "SM-1",
    "AccountSid": "AC1",
}
URL = "http://testserver/api/v1/intake/sms"


@pytest.fixture
def app_engine(engine: Engine) -> Engine:
    store_structure(engine, STRUCTURE)
    CREDENTIALS.clear()
    return engine


@pytest.fixture
def client(app_engine: Engine) -> Iterator[TestClient]:
    url = app_engine.url.render_as_string(hide_password=False)
    with TestClient(create_app(Settings(database_url=url, secret_key=KEY, workers=False))) as test_client:
        yield test_client


def _alerts(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(tables.alerts)).scalar_one())


def _gateway(engine: Engine, kind: str = "generic", name: str = "relay-1") -> str:
    signing = TWILIO_AUTH_TOKEN if kind == "twilio" else None
    _, credential = create_gateway(
        engine, name, kind, timedelta(days=30), secret_key=KEY, signing_secret=signing, actor="test"
    )
    return credential


def _twilio_signature(token: str, url: str, params: dict[str, str]) -> str:
    """Twilio's documented algorithm, written out here independently of PoC Hub's code."""
    data = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def test_a_gateway_credential_posts_alerts_and_opens_nothing_else(
    client: TestClient, app_engine: Engine
) -> None:
    credential = _gateway(app_engine)
    posted = client.post("/api/v1/intake/sms", data=SMS, headers=auth_header(credential))
    assert posted.status_code == 201, posted.text
    reference = posted.json()["reference"]
    bearer = auth_header(credential)
    for method, path in (
        ("GET", "/api/v1/alerts"),
        ("GET", f"/api/v1/alerts/{reference}"),
        ("GET", "/api/v1/alerts/export"),
        ("POST", f"/api/v1/alerts/{reference}/acknowledge"),
        ("GET", "/api/v1/auth/me"),
        ("POST", "/api/v1/auth/tokens"),
        ("GET", "/api/v1/events"),
        ("GET", "/api/v1/audit"),
    ):
        answer = client.request(method, path, headers=bearer, json={})
        assert answer.status_code == 403, (method, path, answer.status_code)
        assert "+243810000111" not in answer.text
    page = client.get("/alerts", headers=bearer, follow_redirects=False)
    assert page.status_code in (302, 303) and page.headers["location"].startswith("/login")
    # nor does it sign in to the pages with a password
    assert (
        client.post("/api/v1/auth/login", json={"username": "relay-1", "password": credential}).status_code
        == 401
    )


def test_shared_secret_headers_for_rapidpro_kobo_and_generic_relays(
    client: TestClient, app_engine: Engine
) -> None:
    credential = _gateway(app_engine, "rapidpro")
    flow = {"contact": {"urn": "tel:+243820000222"}, "input": {"text": "Abductions near the school"},
            "run": {"uuid": "run-1"}, "results": {"pcode": {"value": "XX0101"}}}  # fmt: skip
    by_header = client.post(
        "/api/v1/intake/rapidpro", json=flow, headers={"X-Pochub-Gateway-Key": credential}
    )
    assert by_header.status_code == 201, by_header.text
    basic = base64.b64encode(f"relay-1:{credential}".encode()).decode()
    by_basic = client.post("/api/v1/intake/sms", data=SMS, headers={"Authorization": f"Basic {basic}"})
    assert by_basic.status_code == 201, by_basic.text
    wrong = client.post(
        "/api/v1/intake/sms", data=SMS, headers={"X-Pochub-Gateway-Key": credential[:-2] + "xx"}
    )
    assert wrong.status_code == 401


def test_a_credential_in_the_url_is_refused_and_never_reaches_the_log(app_engine: Engine) -> None:
    credential = _gateway(app_engine)
    url = app_engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url, secret_key=KEY, workers=False))
    logged: list[bytes] = []

    async def server(scope: Scope, receive: Receive, send: Send) -> None:
        """What a server does: hand the request to the app, then log the query string of the same request."""
        await app(scope, receive, send)
        if scope["type"] == "http":
            logged.append(scope["query_string"])

    with TestClient(server) as client:
        posted = client.post(f"/api/v1/intake/sms?{urlencode({'token': credential})}", data=SMS)
    assert posted.status_code == 400 and "header" in posted.json()["detail"]
    assert _alerts(app_engine) == 0
    assert logged and all(credential.encode() not in line for line in logged)


def test_twilio_posts_need_a_valid_signature(client: TestClient, app_engine: Engine) -> None:
    credential = _gateway(app_engine, "twilio", "twilio-north")
    basic = {"Authorization": "Basic " + base64.b64encode(f"twilio-north:{credential}".encode()).decode()}
    signed = _twilio_signature(TWILIO_AUTH_TOKEN, URL, SMS)
    forged = [
        None,  # no signature
        "bm90IGEgc2lnbmF0dXJl",  # made up
        _twilio_signature("another account's auth token", URL, SMS),  # signed by someone else
        _twilio_signature(TWILIO_AUTH_TOKEN, URL, {**SMS, "Body": "a harmless text"}),  # body changed after
        _twilio_signature(TWILIO_AUTH_TOKEN, "http://testserver/elsewhere", SMS),  # replayed from another URL
    ]
    for signature in forged:
        headers = basic if signature is None else {**basic, "X-Twilio-Signature": signature}
        answer = client.post("/api/v1/intake/sms", data=SMS, headers=headers)
        assert answer.status_code == 403, (signature, answer.text)
    assert _alerts(app_engine) == 0
    good = client.post("/api/v1/intake/sms", data=SMS, headers={**basic, "X-Twilio-Signature": signed})
    assert good.status_code == 201, good.text


def test_each_gateway_has_its_own_credential_and_a_revoked_one_stops(
    client: TestClient, app_engine: Engine
) -> None:
    first, second = _gateway(app_engine, name="relay-a"), _gateway(app_engine, name="relay-b")
    assert first != second
    revoke_credential(app_engine, first)
    CREDENTIALS.clear()  # the per-process cache trusts a checked credential for a few seconds
    assert client.post("/api/v1/intake/sms", data=SMS, headers=auth_header(first)).status_code == 401
    assert client.post("/api/v1/intake/sms", data=SMS, headers=auth_header(second)).status_code == 201


def test_people_other_than_field_roles_cannot_post_intake(client: TestClient, app_engine: Engine) -> None:
    _, viewer = make_user(app_engine, "viewer")
    assert client.post("/api/v1/intake/sms", data=SMS, headers=auth_header(viewer)).status_code == 403


@given(
    st.dictionaries(st.text(min_size=1, max_size=12), st.text(max_size=40), min_size=1, max_size=6),
    st.data(),
)
def test_any_change_to_a_signed_post_breaks_its_signature(
    params: dict[str, str], data: st.DataObject
) -> None:
    signature = _twilio_signature(TWILIO_AUTH_TOKEN, URL, params)
    assert twilio_signature_valid(TWILIO_AUTH_TOKEN, URL, params.items(), signature)
    name = data.draw(st.sampled_from(sorted(params)))
    changed = data.draw(st.text(max_size=40).filter(lambda value: value != params[name]))
    assert not twilio_signature_valid(TWILIO_AUTH_TOKEN, URL, {**params, name: changed}.items(), signature)
    assert not twilio_signature_valid("another account's auth token", URL, params.items(), signature)
