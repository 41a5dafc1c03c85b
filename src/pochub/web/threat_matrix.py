"""The threat matrix page: the PoC threat matrix sorted and filtered on the server (usable without scripts on a
slow connection), each row with its evidence events and a link to them on the map; analysts override a value
with a reason, and the computed value stays beside it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import QueryParams

from pochub.core.models.access import Role, User
from pochub.core.threats.matrix import OVERRIDABLE, ThreatRecord, validate_override
from pochub.errors import InvalidInput
from pochub.http.auth import OptionalUser, client_address
from pochub.services.event_views import by_ids
from pochub.services.threat_listing import list_threats
from pochub.services.threats import add_override
from pochub.web.rendering import local_path, render, to_login

router = APIRouter(include_in_schema=False)

OVERRIDE_ROLES = frozenset({Role.ADMIN, Role.POC_ADVISER, Role.ANALYST})
"""Roles that may override a value of the matrix (the others read it)."""
SORT_KEYS = (
    "rank",
    "area_name",
    "threat_type",
    "perpetrator",
    "likelihood",
    "impact",
    "risk",
    "phase",
    "population_at_risk",
    "recent_events",
    "last_event",
    "review_date",
)
DESCENDING_FIRST = frozenset(
    {"likelihood", "impact", "risk", "population_at_risk", "recent_events", "last_event"}
)
"""Columns whose first click sorts largest (or latest) first."""
EVIDENCE_SHOWN = 10
"""Evidence events listed per row (the most recent); the map shows them all."""


@dataclass(frozen=True)
class MatrixQuery:
    """What the page shows: filters and order, as read from the query string (unknown values ignored)."""

    area: str = ""
    threat_type: str = ""
    band: str = ""
    phase: str = ""
    sort: str = "rank"
    descending: bool = False

    def keeps(self, record: ThreatRecord) -> bool:
        """Does ``record`` pass the filters?"""
        return (
            (not self.area or record.area_pcode.startswith(self.area))
            and (not self.threat_type or record.threat_type == self.threat_type)
            and (not self.band or record.band == self.band)
            and (not self.phase or record.phase.value == self.phase)
        )

    def ordered(self, records: Iterable[ThreatRecord]) -> list[ThreatRecord]:
        """The records in the chosen order (ties by rank), missing values last."""

        def key(record: ThreatRecord) -> tuple[bool, Any]:
            value = getattr(record, self.sort)
            value = value.value if hasattr(value, "value") else value
            return value is None, value if value is not None else 0

        by_rank = sorted(records, key=lambda r: r.rank)
        present = [r for r in by_rank if getattr(r, self.sort) is not None]
        missing = [r for r in by_rank if getattr(r, self.sort) is None]
        return sorted(present, key=key, reverse=self.descending) + missing

    def parameters(self, **changes: str) -> str:
        """This query's string with ``changes`` (empty values left out)."""
        values = {
            "area": self.area,
            "threat_type": self.threat_type,
            "band": self.band,
            "phase": self.phase,
            "sort": self.sort,
            "dir": "desc" if self.descending else "asc",
        }
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v})

    def sort_link(self, column: str) -> str:
        """The query that sorts by ``column``: reversed when it is the current column."""
        if column == self.sort:
            direction = "asc" if self.descending else "desc"
        else:
            direction = "desc" if column in DESCENDING_FIRST else "asc"
        return "?" + self.parameters(sort=column, dir=direction)


def read_query(given: Mapping[str, str]) -> MatrixQuery:
    """The page's filters and order from a query string's values."""
    sort = given.get("sort", "rank")
    return MatrixQuery(
        area=given.get("area", "")[:32],
        threat_type=given.get("threat_type", "")[:48],
        band=given.get("band", "")[:20],
        phase=given.get("phase", "")[:20],
        sort=sort if sort in SORT_KEYS else "rank",
        descending=given.get("dir") == "desc",
    )


def row_anchor(key: str) -> str:
    """A stable HTML id for a row (keys hold spaces and bars)."""
    return "threat-" + hashlib.sha1(key.encode()).hexdigest()[:12]


def map_link(record: ThreatRecord, window_days: int) -> str:
    """The operational picture on the row's area over the evidence window, up to the row's last event."""
    last = record.last_event or record.review_date
    months = max(1, round(window_days / 30))
    return "/?" + urlencode({"area": record.area_pcode, "end": f"{last:%Y-%m}", "length": str(months)})


def may_override(user: User) -> bool:
    """May ``user`` override values of the matrix?"""
    return user.role in OVERRIDE_ROLES


def _page(
    request: Request,
    user: User,
    query: MatrixQuery,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    """Render the matrix for ``query`` (with an override form's errors when there are some)."""
    engine = request.app.state.engine
    listing = list_threats(engine, level=2)
    records = listing.records
    shown = query.ordered(r for r in records if query.keeps(r))
    ids = sorted({i for r in shown for i in r.evidence_ids})
    events = by_ids(engine, ids)
    evidence = {
        r.key: sorted(
            (events[i] for i in r.evidence_ids if i in events), key=lambda e: e["event_date"], reverse=True
        )
        for r in shown
    }
    areas = sorted({(r.area_pcode, r.area_name) for r in records}, key=lambda a: a[1])
    return render(
        request,
        "threats.html",
        status_code=status_code,
        user=user,
        records=shown,
        total=len(records),
        named_not_recorded=listing.named_not_recorded,
        as_of=listing.as_of,
        window_days=listing.window_days,
        evidence=evidence,
        evidence_shown=EVIDENCE_SHOWN,
        areas=areas,
        threat_types=sorted({r.threat_type for r in records}),
        query=query,
        row_anchor=row_anchor,
        map_link=map_link,
        can_override=may_override(user),
        overridable=OVERRIDABLE,
        errors=errors or {},
        form=form or {},
    )


@router.get("/threats")
def threat_matrix_page(request: Request, user: OptionalUser) -> Response:
    """The PoC threat matrix, sortable and filterable, each row with its evidence."""
    if user is None:
        return to_login(request)
    return _page(request, user, read_query(request.query_params))


@router.post("/threats/override")
def override(
    request: Request,
    user: OptionalUser,
    key: Annotated[str, Form(max_length=400)] = "",
    field: Annotated[str, Form(max_length=40)] = "",
    value: Annotated[str, Form(max_length=200)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    back: Annotated[str, Form(max_length=2000)] = "/threats",
) -> Response:
    """Record an analyst's value for one field of one row, with the reason; say what is wrong otherwise."""
    if user is None:
        return to_login(request)
    form = {"key": key, "field": field, "value": value.strip(), "reason": reason.strip()}
    errors: dict[str, str] = {}
    if not may_override(user):
        errors["form"] = "not_allowed"
    if field not in OVERRIDABLE:
        errors["field"] = "choose_field"
    if not form["value"]:
        errors["value"] = "missing_value"
    elif field in OVERRIDABLE:
        try:
            validate_override(field, form["value"])
        except ValueError:
            errors["value"] = (
                "bad_risk" if field == "risk" else "bad_phase" if field == "phase" else "bad_score"
            )
    if not form["reason"]:
        errors["reason"] = "missing_reason"
    if not errors:
        try:
            analyst = user.display_name or user.username
            add_override(
                request.app.state.engine, key, field, form["value"], analyst, form["reason"],
                actor=user.username, actor_role=user.role.value, client=client_address(request),
            )  # fmt: skip
        except InvalidInput:
            errors["form"] = "rejected"
    target = local_path(back)
    if errors:
        query = read_query(QueryParams(target.partition("?")[2]))
        status_code = 403 if "not_allowed" in errors.values() else 422
        return _page(request, user, query, status_code=status_code, errors=errors, form=form)
    return RedirectResponse(f"{target}#{row_anchor(key)}", status_code=303)
