"""Units: the mission's troops, police and teams, each with its home base and where that base is."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from pochub.api.filters import AreaCode
from pochub.api.pagination import Page, PageRequest, page_fields, paging
from pochub.api.responses import NOT_FOUND, SIGNED_IN
from pochub.core.models.capacities import BaseType, Readiness, UnitType
from pochub.core.models.filters import UnitFilter
from pochub.errors import NotFound
from pochub.http.auth import current_user
from pochub.http.database import DbConnection
from pochub.services import capacity_views

router = APIRouter(
    prefix="/api/v1/units", tags=["units"], dependencies=[Depends(current_user)], responses=SIGNED_IN
)

UnitPaging = Annotated[PageRequest, Depends(paging(default=500, maximum=5000))]


class HomeBase(BaseModel):
    """Where a unit is based."""

    base_id: str
    name: str
    base_type: BaseType
    latitude: float
    longitude: float
    pcode: str | None


class UnitOut(BaseModel):
    """A unit of the mission."""

    unit_id: str
    name: str
    unit_type: UnitType
    strength: int = Field(description="Personnel (or aircraft for helicopter units).")
    tiers: list[str] = Field(description="The PoC tiers (I, II, III) it can act in.")
    road_speed_kmh: float
    air: bool = Field(description="Whether it flies.")
    readiness: Readiness
    home_base: HomeBase


class UnitPage(Page[UnitOut]):
    """One page of units."""


@router.get("")
def list_units(
    request: Request,
    conn: DbConnection,
    page: UnitPaging,
    unit_type: UnitType | None = None,
    readiness: Readiness | None = None,
    area: AreaCode = None,
    home_base: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    air: bool | None = None,
) -> UnitPage:
    """Units in id order, one page at a time; ``area`` selects by the P-code of the home base."""
    chosen = UnitFilter(
        unit_type=unit_type.value if unit_type else None,
        readiness=readiness.value if readiness else None,
        area=area,
        home_base=home_base,
        air=air,
    )
    found = capacity_views.unit_page(conn, chosen, page.limit, page.offset)
    return UnitPage.model_validate({"items": found.items, **page_fields(request, page, found.total)})


@router.get("/{unit_id}", responses=NOT_FOUND)
def get_unit(conn: DbConnection, unit_id: Annotated[str, Path(min_length=1, max_length=64)]) -> UnitOut:
    """One unit with its home base."""
    row: dict[str, Any] | None = capacity_views.unit(conn, unit_id)
    if row is None:
        raise NotFound(f"no unit {unit_id!r}")
    return UnitOut.model_validate(row)
