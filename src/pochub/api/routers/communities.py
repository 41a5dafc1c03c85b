"""Communities: where civilians live, as GeoJSON points, filtered by box, P-code and population, paged.

Focal points' names are left out (they are people at risk if identified); ``has_focal_point`` says whether the
community has one.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from pochub.api.filters import AreaCode, BBoxText, parse_bbox
from pochub.api.geojson import Feature, FeaturePage, Point
from pochub.api.pagination import PageRequest, page_fields, paging
from pochub.api.responses import NOT_FOUND, SIGNED_IN
from pochub.core.models.filters import CommunityFilter
from pochub.errors import NotFound
from pochub.http.auth import current_user
from pochub.http.database import DbConnection
from pochub.services import place_views

router = APIRouter(
    prefix="/api/v1/communities",
    tags=["communities"],
    dependencies=[Depends(current_user)],
    responses=SIGNED_IN,
)

CommunityPaging = Annotated[PageRequest, Depends(paging(default=500, maximum=5000))]


class CommunityProperties(BaseModel):
    """What is known of a community."""

    community_id: str
    name: str
    population: int
    pcode: str | None = Field(description="The admin area it lies in.")
    vulnerable_groups: list[str]
    self_protection_capacities: list[str]
    has_focal_point: bool
    phone_coverage: bool | None = Field(description="Mobile phone coverage; null when unknown.")
    radio_coverage: bool | None = Field(description="Radio coverage; null when unknown.")


class CommunityFeature(Feature[Point, CommunityProperties]):
    """A community at its location."""


class CommunityCollection(FeaturePage[CommunityFeature]):
    """One page of communities."""


@router.get("", response_model=CommunityCollection)
def list_communities(
    request: Request,
    conn: DbConnection,
    page: CommunityPaging,
    bbox: BBoxText = None,
    area: AreaCode = None,
    min_population: Annotated[int | None, Query(ge=0, le=1_000_000_000)] = None,
) -> dict[str, Any]:
    """Communities as a GeoJSON FeatureCollection, in id order, one page at a time."""
    chosen = CommunityFilter(bbox=parse_bbox(bbox), area=area, min_population=min_population)
    found = place_views.community_page(conn, chosen, page.limit, page.offset)
    return {"type": "FeatureCollection", "features": found.items, **page_fields(request, page, found.total)}


@router.get("/{community_id}", response_model=CommunityFeature, responses=NOT_FOUND)
def get_community(
    conn: DbConnection, community_id: Annotated[str, Path(min_length=1, max_length=64)]
) -> dict[str, Any]:
    """One community as a GeoJSON Feature."""
    found = place_views.community(conn, community_id)
    if found is None:
        raise NotFound(f"no community {community_id!r}")
    return found
