"""The inbox of the user's area (its filters, its page of alerts, the response times) and the live desk the open
pages poll: the inbox's alerts or the map's, and one alert's state (unchanged answers are a 304 without a body)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from pochub.core.models.access import User
from pochub.core.models.filters import AlertFilter
from pochub.core.workflow.metrics import STEPS
from pochub.errors import Forbidden, NotFound
from pochub.http.auth import OptionalUser
from pochub.services import alert_live, alert_views
from pochub.services.alert_metrics import response_times
from pochub.web.alert_pages.common import CHOICES, POLL_SECONDS, may_log_alerts, structure_names
from pochub.web.rendering import language_of, local_times, mission_zone, render, to_login

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
"""Alerts per inbox page."""
SHOWN = ("open", "overdue", "all")
"""Which alerts the inbox shows: still needing action (the default), past their deadline, or every one."""


@dataclass(frozen=True)
class InboxQuery:
    """The inbox's filters, as read from the query string (unknown values ignored)."""

    state: str = ""
    urgency: str = ""
    show: str = "open"
    page: int = 1

    def alert_filter(self, now: datetime) -> AlertFilter:
        """The service's filter for these choices."""
        return AlertFilter(
            states=(self.state,) if self.state else (),
            urgency=self.urgency or None,
            open_only=self.show == "open",
            overdue_at=now if self.show == "overdue" else None,
        )

    def parameters(self, **changes: str) -> str:
        """This query's string with ``changes`` (defaults left out)."""
        values = {"state": self.state, "urgency": self.urgency, "show": self.show, "page": str(self.page)}
        values.update(changes)
        if values["show"] == "open":
            values["show"] = ""
        if values["page"] == "1":
            values["page"] = ""
        return urlencode({k: v for k, v in values.items() if v})


def read_inbox_query(given: Mapping[str, str]) -> InboxQuery:
    """The inbox's filters from a query string's values."""
    state = given.get("state", "")
    urgency = given.get("urgency", "")
    show = given.get("show", "open")
    page = given.get("page", "1")
    return InboxQuery(
        state=state if state in CHOICES["states"] else "",
        urgency=urgency if urgency in CHOICES["urgencies"] else "",
        show=show if show in SHOWN else "open",
        page=int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1,
    )


def _response_chart(user: User, request: Request, offices: Mapping[str, str]) -> dict[str, Any]:
    """Median and 90th-percentile hours to each step, overall and per field office (of the user's area)."""
    result = response_times(
        request.app.state.engine, viewer=user, dimensions=("field_office",), now=datetime.now(UTC)
    )

    def group(found: Any) -> dict[str, Any]:
        return {
            "group": found.group,
            "name": offices.get(found.group, found.group),
            "alerts": found.alerts,
            "steps": {s.step: s.as_dict() for s in found.steps},
        }

    return {
        "steps": list(STEPS),
        "overall": group(result.overall),
        "offices": [group(found) for found in result.groups.get("field_office", ())],
    }


@router.get("/alerts")
def alert_inbox(request: Request, user: OptionalUser) -> Response:
    """The alerts of the user's area, most urgent and soonest due first, with filters and response times."""
    if user is None:
        return to_login(request)
    query = read_inbox_query(request.query_params)
    engine, settings = request.app.state.engine, request.app.state.settings
    now = datetime.now(UTC)
    items, total = alert_views.list_alerts(
        engine, settings, user, query.alert_filter(now), limit=PAGE_SIZE, offset=(query.page - 1) * PAGE_SIZE
    )
    with engine.connect() as conn:
        names = structure_names(conn, language_of(request))
    areas = alert_views.area_names(engine, {item["pcode"] for item in items if item["pcode"]})
    return render(
        request,
        "alert_inbox.html",
        user=user,
        items=items,
        total=total,
        query=query,
        page_size=PAGE_SIZE,
        choices=CHOICES,
        names=names,
        areas=areas,
        can_log=may_log_alerts(user),
        chart=_response_chart(user, request, names["offices"]),
        poll_seconds=POLL_SECONDS,
    )


# --- the live desk: what the inbox, the alert page and the map poll ---


def _live_item(
    item: Mapping[str, Any], zone: str, areas: Mapping[str, str], offices: Mapping[str, str]
) -> dict[str, Any]:
    """One alert as the live list draws it: codes the page names in its language, times in the mission's zone."""
    return {
        "reference": item["reference"],
        "excerpt": item["text"][:90] + ("…" if len(item["text"]) > 90 else ""),
        "urgency": item["urgency"],
        "state": item["state"],
        "next_step": item["next_step"],
        "due": local_times(item["due_at"], zone) if item["due_at"] else None,
        "received": local_times(item["received_at"], zone),
        "overdue": item["overdue"],
        "escalation_level": item["escalation_level"],
        "pcode": item["pcode"] or "",
        "area": areas.get(item["pcode"] or "", ""),
        "location_text": item["location_text"],
        "threat_type": item["threat_type"] or "",
        "field_office": offices.get(item["field_office"] or "", item["field_office"] or ""),
        "reports": item["reports"],
        "place": item.get("place"),
        "location_fuzzed_km": item["location_fuzzed_km"],
    }


def _live_answer(request: Request, version: str, body: Mapping[str, Any]) -> Response:
    """The poll's answer: 304 when the page already has this version (its ETag), else the JSON."""
    etag = f'"{version}"'
    checked = local_times(datetime.now(UTC), mission_zone(request))
    headers = {"ETag": etag, "Cache-Control": "private, no-cache", "X-Checked-At": checked["local"]}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return JSONResponse({**body, "checked": checked}, headers=headers)


@router.get("/alerts/live.json")
def alert_desk_live(request: Request, user: OptionalUser) -> Response:
    """The inbox's alerts (its filters and page) or, with ``map=1``, every open alert with its place on the map,
    and the counts of new and overdue alerts, through the same access rules as the inbox."""
    if user is None:
        return JSONResponse({"detail": "sign in"}, status_code=401)
    query = read_inbox_query(request.query_params)
    for_map = request.query_params.get("map") == "1"
    engine, settings = request.app.state.engine, request.app.state.settings
    now = datetime.now(UTC)
    snapshot = alert_live.desk(
        engine,
        settings,
        user,
        AlertFilter(open_only=True) if for_map else query.alert_filter(now),
        limit=alert_live.MAP_LIMIT if for_map else PAGE_SIZE,
        offset=0 if for_map else (query.page - 1) * PAGE_SIZE,
        with_places=for_map,
    )
    zone = mission_zone(request)
    with engine.connect() as conn:
        offices = structure_names(conn, language_of(request))["offices"]
    areas = alert_views.area_names(engine, {i["pcode"] for i in snapshot.items if i["pcode"]})
    body = {
        "items": [_live_item(item, zone, areas, offices) for item in snapshot.items],
        "total": snapshot.total,
        "new": snapshot.new,
        "overdue": snapshot.overdue,
        "placed": snapshot.placed,
        "unplaced": snapshot.unplaced,
    }
    return _live_answer(request, snapshot.version, body)


@router.get("/alerts/{reference}/live.json")
def alert_live_state(request: Request, user: OptionalUser, reference: str) -> Response:
    """An alert's state, next step and deadline, and how many transitions it has (the page's poll)."""
    if user is None:
        return JSONResponse({"detail": "sign in"}, status_code=401)
    if len(reference) > 32:
        return JSONResponse({"detail": "not found"}, status_code=404)
    engine, settings = request.app.state.engine, request.app.state.settings
    try:
        state = alert_live.alert_version(engine, settings, reference, user)
    except NotFound:
        return JSONResponse({"detail": "not found"}, status_code=404)
    except Forbidden:
        return JSONResponse({"detail": "outside your area"}, status_code=403)
    zone = mission_zone(request)
    state["due"] = local_times(state["due_at"], zone) if state["due_at"] else None
    return _live_answer(request, state["version"], state)
