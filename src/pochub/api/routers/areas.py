"""Admin areas: boundaries as GeoJSON by level, simplified on request, for the offline base map."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from pochub.api.filters import AreaCode, BBoxText, parse_bbox
from pochub.api.geojson import (
    AreaGeometry,
    Feature,
    FeaturePage,
    GeoJSONResponse,
    collection,
    feature,
    shape_geometry,
)
from pochub.api.pagination import PageRequest, page_fields, paging
from pochub.api.responses import NOT_FOUND, SIGNED_IN
from pochub.core.geography.view import MAX_ZOOM, MIN_ZOOM
from pochub.core.models.filters import AreaFilter
from pochub.errors import NotFound
from pochub.http.auth import current_user
from pochub.http.database import DbConnection
from pochub.services import place_views

router = APIRouter(
    prefix="/api/v1/areas", tags=["areas"], dependencies=[Depends(current_user)], responses=SIGNED_IN
)

AreaPaging = Annotated[PageRequest, Depends(paging(default=1000, maximum=5000))]
Tolerance = Annotated[
    float,
    Query(
        ge=0,
        le=1,
        description="Simplify boundaries to this many degrees (0 keeps them exact; 0.001 is about 100 m, "
        "0.01 about 1 km: plenty for a country-wide map).",
    ),
]


Zoom = Annotated[
    int | None,
    Query(
        ge=MIN_ZOOM,
        le=MAX_ZOOM,
        description="The zoom of the web map that shows the boundaries (256-pixel tiles): they are simplified to "
        "about one screen pixel at it and their coordinates rounded to a tenth of one (fewer bytes on a slow "
        "connection); overrides tolerance.",
    ),
]


class AreaProperties(BaseModel):
    """What is known of an admin area."""

    pcode: str
    name: str
    level: int
    parent_pcode: str | None
    boundary_version: str = Field(description="The boundary set the P-code belongs to.")


class AreaFeature(Feature[AreaGeometry, AreaProperties]):
    """An admin area with its boundary."""


class AreaCollection(FeaturePage[AreaFeature]):
    """One page of admin areas."""


class AreaLevel(BaseModel):
    """One stored admin level."""

    level: int
    areas: int
    boundary_versions: list[str]


def area_feature(row: dict[str, Any]) -> dict[str, Any]:
    """An area row as a Feature, its bounding box from the stored bounds."""
    properties = {k: row[k] for k in ("pcode", "name", "level", "parent_pcode", "boundary_version")}
    item = feature(shape_geometry(row["geometry"]), properties, row["pcode"])
    item["bbox"] = row["bbox"]
    return item


@router.get("", response_model=AreaCollection)
def list_areas(
    request: Request,
    conn: DbConnection,
    page: AreaPaging,
    level: Annotated[
        int | None, Query(ge=0, le=9, description="Admin level (1 regions, 2 districts...).")
    ] = None,
    area: AreaCode = None,
    bbox: BBoxText = None,
    tolerance: Tolerance = 0.0,
    zoom: Zoom = None,
) -> GeoJSONResponse:
    """Admin areas as a GeoJSON FeatureCollection in P-code order, one page at a time. Boundaries are sent as
    stored or simplified (topology kept), not re-validated point by point, so large boundaries stay fast. A
    map asks with ``bbox`` (the areas whose bounds overlap its view) and its ``zoom``."""
    chosen = AreaFilter(level=level, area=area, bbox=parse_bbox(bbox))
    found = place_views.area_page(conn, chosen, page.limit, page.offset, tolerance, zoom)
    return GeoJSONResponse(
        collection(map(area_feature, found.items), **page_fields(request, page, found.total))
    )


@router.get("/levels")
def area_levels(conn: DbConnection) -> list[AreaLevel]:
    """The stored admin levels and how many areas each has."""
    return [AreaLevel.model_validate(row) for row in place_views.area_levels(conn)]


@router.get("/{pcode}", response_model=AreaFeature, responses=NOT_FOUND)
def get_area(
    conn: DbConnection,
    pcode: Annotated[str, Path(min_length=1, max_length=32)],
    tolerance: Tolerance = 0.0,
) -> GeoJSONResponse:
    """One admin area as a GeoJSON Feature."""
    row = place_views.area(conn, pcode, tolerance)
    if row is None:
        raise NotFound(f"no admin area {pcode!r}")
    return GeoJSONResponse(area_feature(row))
