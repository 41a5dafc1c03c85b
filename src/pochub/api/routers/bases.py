"""Bases: where the mission's units are, as GeoJSON points with the units each hosts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field

from pochub.api.filters import AreaCode, BBoxText, parse_bbox
from pochub.api.geojson import Feature, FeaturePage, Point, feature, point_geometry
from pochub.api.pagination import PageRequest, page_fields, paging
from pochub.api.responses import NOT_FOUND, SIGNED_IN
from pochub.core.models.capacities import BaseType
from pochub.core.models.filters import BaseFilter
from pochub.errors import NotFound
from pochub.http.auth import current_user
from pochub.http.database import DbConnection
from pochub.services import capacity_views

router = APIRouter(
    prefix="/api/v1/bases", tags=["bases"], dependencies=[Depends(current_user)], responses=SIGNED_IN
)

BasePaging = Annotated[PageRequest, Depends(paging(default=500, maximum=5000))]


class BaseProperties(BaseModel):
    """What is known of a base."""

    base_id: str
    name: str
    base_type: BaseType
    pcode: str | None = Field(description="The admin area it lies in.")
    capacity: int = Field(description="Personnel it can host.")
    unit_ids: list[str] = Field(description="Units whose home base it is.")


class BaseFeature(Feature[Point, BaseProperties]):
    """A base at its location."""


class BaseCollection(FeaturePage[BaseFeature]):
    """One page of bases."""


def base_feature(row: dict[str, Any]) -> dict[str, Any]:
    """A base row as a Feature."""
    properties = {k: v for k, v in row.items() if k not in ("latitude", "longitude")}
    return feature(point_geometry(row["longitude"], row["latitude"]), properties, row["base_id"])


@router.get("", response_model=BaseCollection)
def list_bases(
    request: Request,
    conn: DbConnection,
    page: BasePaging,
    base_type: BaseType | None = None,
    area: AreaCode = None,
    bbox: BBoxText = None,
) -> dict[str, Any]:
    """Bases as a GeoJSON FeatureCollection, in id order, one page at a time."""
    chosen = BaseFilter(base_type=base_type.value if base_type else None, area=area, bbox=parse_bbox(bbox))
    found = capacity_views.base_page(conn, chosen, page.limit, page.offset)
    return {
        "type": "FeatureCollection",
        "features": [base_feature(r) for r in found.items],
        **page_fields(request, page, found.total),
    }


@router.get("/{base_id}", response_model=BaseFeature, responses=NOT_FOUND)
def get_base(
    conn: DbConnection, base_id: Annotated[str, Path(min_length=1, max_length=64)]
) -> dict[str, Any]:
    """One base as a GeoJSON Feature."""
    row = capacity_views.base(conn, base_id)
    if row is None:
        raise NotFound(f"no base {base_id!r}")
    return base_feature(row)
