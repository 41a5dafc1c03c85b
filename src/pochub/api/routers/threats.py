"""Threats: the PoC threat matrix (filtered, paged, each row with its evidence), Gi* hot spots on H3 cells, and
the coverage of communities by the mission's units, as GeoJSON."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import Engine

from pochub.api.filters import AreaCode, AsOfDate, Day
from pochub.api.geojson import (
    Feature,
    FeatureCollection,
    FeaturePage,
    GeoJSONResponse,
    Point,
    Polygon,
    cell_geometry,
    collection,
    feature,
    finite,
    point_geometry,
)
from pochub.api.pagination import Page, PageRequest, page_fields, paging
from pochub.api.responses import SIGNED_IN
from pochub.core.allocation.travel import Season
from pochub.core.models.taxonomy import ThreatType
from pochub.core.threats.matrix import ThreatRecord
from pochub.http.auth import current_user
from pochub.http.database import get_engine
from pochub.services.allocation import coverage
from pochub.services.threat_listing import bounded_hotspots, list_threats
from pochub.services.warning import CellPlace

router = APIRouter(
    prefix="/api/v1/threats", tags=["threats"], dependencies=[Depends(current_user)], responses=SIGNED_IN
)

EngineDep = Annotated[Engine, Depends(get_engine)]
ThreatPaging = Annotated[PageRequest, Depends(paging(default=100, maximum=1000))]
CoveragePaging = Annotated[PageRequest, Depends(paging(default=5000, maximum=5000))]


class ResponseOptionOut(BaseModel):
    """Something the mission can do about a threat."""

    tier: str = Field(
        description="PoC tier: I dialogue and engagement, II physical protection, III environment."
    )
    action: str
    lead: str
    supporting: list[str]


class OverrideOut(BaseModel):
    """An analyst's value for a field, beside the computed one."""

    field: str
    computed: float | str | None
    value: float | str | None
    analyst: str
    at: datetime
    reason: str


class ThreatRow(BaseModel):
    """One row of the PoC threat matrix (DOMAIN.md section 3)."""

    key: str = Field(description="AREA|THREAT_TYPE|PERPETRATOR: what overrides refer to.")
    rank: int = Field(description="Rank by risk in the whole matrix (filters do not renumber).")
    threat_type: str
    description: str
    perpetrator: str
    capability: float
    intent: float
    area_pcode: str
    area_name: str
    communities_at_risk: list[str] = Field(description="The area's most populous communities (at most five).")
    population_at_risk: int | None = Field(
        description="People in the area; null when unknown (never 0 for it)."
    )
    exposure_basis: str = Field(description="communities, population grid, area population or unknown.")
    vulnerable_groups: list[str]
    vulnerability: float | None = Field(description="1-5; null when unknown (scored 3 by the declared rule).")
    vulnerability_factors: list[str]
    other_actors_capacity: float | None = Field(description="1-5; null when unknown (scored 3).")
    severity: float = Field(description="Severity of the threat type, 1-5.")
    harm: dict[str, int | None] = Field(
        description="Observed harm of the evidence: events, fatalities, civilian_fatalities, victims (null where "
        "the source does not give them)."
    )
    drivers: list[str] = Field(description="The two largest drivers of the risk score.")
    driver_weights: dict[str, float] = Field(
        description="Risk points each driver adds (see core.threats.risk)."
    )
    likelihood: float
    impact: float
    risk: float = Field(description="Likelihood times impact, 1-25.")
    band: str
    confidence: str
    horizon: str
    indicators: list[str]
    phase: str
    response_options: list[ResponseOptionOut]
    status: str
    review_date: date
    evidence_ids: list[int] = Field(description="Ids of the events behind the row (GET /api/v1/events).")
    recent_events: int
    last_event: date | None
    overrides: list[OverrideOut]


class ThreatPage(Page[ThreatRow]):
    """One page of the matrix's rows."""

    as_of: datetime | None = Field(description="When the matrix was assessed; null when no event is stored.")
    window_days: int = Field(description="Days of evidence the matrix reads.")
    level: int = Field(description="Admin level of the areas.")


def _override_value(value: Any) -> float | str | None:
    if value is None or isinstance(value, str):
        return value
    return float(value)


def threat_row(record: ThreatRecord) -> ThreatRow:
    """A matrix record as an API row."""
    return ThreatRow(
        **{
            name: getattr(record, name)
            for name in ThreatRow.model_fields
            if name
            not in (
                "phase",
                "response_options",
                "overrides",
                "harm",
                "drivers",
                "driver_weights",
                "description",
                "indicators",
                "vulnerability_factors",
            )
        },
        description=str(record.description),
        indicators=[str(i) for i in record.indicators],
        vulnerability_factors=[str(f) for f in record.vulnerability_factors],
        harm=dict(record.harm.__dict__),
        drivers=list(record.drivers),
        driver_weights=dict(record.driver_weights),
        phase=record.phase.value,
        response_options=[
            ResponseOptionOut(tier=o.tier.value, action=o.action, lead=o.lead, supporting=list(o.supporting))
            for o in record.response_options
        ],
        overrides=[
            OverrideOut(
                field=o.field,
                computed=_override_value(o.computed),
                value=_override_value(o.value),
                analyst=o.analyst,
                at=o.at,
                reason=o.reason,
            )
            for o in record.overrides
        ],
    )


@router.get("")
def threat_matrix(
    request: Request,
    engine: EngineDep,
    page: ThreatPaging,
    area: AreaCode = None,
    threat_type: ThreatType | None = None,
    min_risk: Annotated[
        float | None, Query(ge=0, le=25, description="Only rows with at least this risk.")
    ] = None,
    as_of: AsOfDate = None,
    level: Annotated[int, Query(ge=1, le=2, description="Admin level of the areas (1 or 2).")] = 2,
) -> ThreatPage:
    """The PoC threat matrix, highest risk first, one page at a time; every row lists its evidence events."""
    listing = list_threats(
        engine,
        level=level,
        as_of=as_of,
        area=area,
        threat_type=threat_type.value if threat_type else None,
        min_risk=min_risk,
    )
    chosen = listing.records[page.offset : page.offset + page.limit]
    return ThreatPage(
        items=[threat_row(r) for r in chosen],
        as_of=listing.as_of,
        window_days=listing.window_days,
        level=level,
        **page_fields(request, page, len(listing.records)),
    )


class HotspotClass(StrEnum):
    """Gi* classes: hot or cold at 99, 95 or 90 % confidence, or none."""

    HOT99 = "hot99"
    HOT95 = "hot95"
    HOT90 = "hot90"
    NONE = "none"
    COLD90 = "cold90"
    COLD95 = "cold95"
    COLD99 = "cold99"


class HotspotProperties(BaseModel):
    """One cell's Gi* statistic."""

    cell: str = Field(description="H3 cell index.")
    count: int = Field(description="Events in the cell in the window.")
    z: float | None = Field(description="Gi* z-score (null where undefined).")
    p: float | None = Field(
        description="Two-sided p-value: analytic (normal) when permutations is 0, else the pseudo p-value of "
        "total randomisation."
    )
    p_fdr: float | None = Field(
        description="Benjamini-Hochberg adjusted p-value (ArcGIS's FDR correction); the class is read from it."
    )
    hotspot_class: HotspotClass = Field(alias="class")
    area_pcode: str | None = Field(
        default=None, description="Area holding the cell's centre (significant and top cells; null beyond)."
    )
    area_name: str | None = Field(default=None, description="Name of that area.")
    nearest_community: str | None = Field(default=None, description="Nearest stored community to the centre.")
    community_km: float | None = Field(default=None, description="Its distance from the centre, km.")


class HotspotFeature(Feature[Polygon, HotspotProperties]):
    """An H3 cell with its Gi* statistic."""


class HotspotCollection(FeatureCollection[HotspotFeature]):
    """Gi* hot and cold spots, and what the analysis covered."""

    as_of: datetime
    window_days: int
    resolution: int
    k: int
    permutations: int
    events: int = Field(description="Events inside the analysed cells.")
    cells: int = Field(description="Cells analysed (features may list only the significant ones).")


def _place(place: CellPlace | None) -> dict[str, Any]:
    """A cell's area and nearest community, when the run located it."""
    if place is None:
        return {}
    return {
        "area_pcode": place.area_pcode,
        "area_name": place.area_name,
        "nearest_community": place.community,
        "community_km": place.community_km,
    }


@router.get("/hotspots", response_model=HotspotCollection)
def threat_hotspots(
    engine: EngineDep,
    resolution: Annotated[int, Query(ge=3, le=8, description="H3 resolution (6 is about 36 km2).")] = 6,
    k: Annotated[int, Query(ge=1, le=3, description="Neighbours: cells within k steps.")] = 1,
    window_days: Annotated[int, Query(ge=7, le=730, description="Days of events before as_of.")] = 90,
    as_of: Annotated[Day | None, Query(description="End of the window (default: the latest event).")] = None,
    permutations: Annotated[
        int,
        Query(
            ge=0,
            le=9999,
            description="0: analytic p-values (default); else total randomisations of Gi* (p floor 2/(P+1)).",
        ),
    ] = 0,
    seed: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    all_events: Annotated[
        bool, Query(description="All events, not only violence against civilians.")
    ] = False,
    significant_only: Annotated[bool, Query(description="Only the cells of a hot or cold class.")] = False,
) -> GeoJSONResponse:
    """Getis-Ord Gi* hot and cold spots on H3 cells over the stored boundaries, as GeoJSON polygons. Large grids
    (fine resolutions over large countries, many permutations) are refused with 422 rather than left to run."""
    run = bounded_hotspots(
        engine,
        resolution=resolution,
        k=k,
        window_days=window_days,
        as_of=as_of,
        permutations=permutations,
        seed=seed,
        threat_only=not all_events,
    )
    result = run.result
    features = [
        feature(
            cell_geometry(cell),
            {
                "cell": cell,
                "count": run.counts[cell],
                "z": finite(z),
                "p": finite(p),
                "p_fdr": finite(q),
                "class": cls,
                **_place(run.places.get(cell)),
            },
            cell,
        )
        for cell, z, p, q, cls in zip(
            result.cells, result.z, result.p, result.p_fdr, result.classes, strict=True
        )
        if not significant_only or cls != "none"
    ]
    return GeoJSONResponse(
        collection(
            features,
            as_of=run.as_of.isoformat(),
            window_days=run.window_days,
            resolution=run.resolution,
            k=run.k,
            permutations=result.permutations,
            events=run.events,
            cells=len(result.cells),
        )
    )


class Weight(StrEnum):
    """What a community weighs in the coverage figures."""

    POPULATION = "population"
    RISK = "risk"


class CoverageProperties(BaseModel):
    """How fast the mission reaches a community."""

    community_id: str
    name: str
    population: int
    pcode: str | None
    weight: float = Field(description="Population, or population times its area's highest risk over 25.")
    fastest_unit: str | None = Field(description="The unit (or base) that reaches it first; null when none.")
    fastest_unit_name: str | None
    fastest_hours: float | None = Field(description="Hours for the fastest unit; null when none reaches it.")
    units_within: list[int] = Field(description="Units within each standard, in the order of `standards`.")


class CoverageFeature(Feature[Point, CoverageProperties]):
    """A community with its response times."""


class StandardCoverage(BaseModel):
    """Coverage of all communities within one response standard."""

    standard_hours: float
    covered_weight: float
    gap_weight: float
    covered_share: float


class CoverageCollection(FeaturePage[CoverageFeature]):
    """Response times to communities, one page at a time, with the mission-wide figures."""

    season: Season
    roads: bool = Field(description="Whether travel follows imported roads (else straight lines off-road).")
    total_weight: float
    median_response_hours: float | None
    standards: list[StandardCoverage]


Standard = Annotated[float, Field(gt=0, le=720)]


@router.get("/coverage", response_model=CoverageCollection)
def threat_coverage(
    request: Request,
    engine: EngineDep,
    page: CoveragePaging,
    standard: Annotated[
        list[Standard] | None,
        Query(max_length=6, description="Response standards in hours (repeat: 1, 4, 24 by default)."),
    ] = None,
    season: Season = Season.DRY,
    off_road_kmh: Annotated[float, Query(ge=1, le=120, description="Speed off the road network.")] = 20.0,
    weight: Weight = Weight.POPULATION,
    area: AreaCode = None,
) -> dict[str, Any]:
    """For each community: the fastest unit and its time, and the units within each standard; the figures of
    the whole mission beside them. ``area`` and paging select which communities are listed, not the figures."""
    standards = tuple(sorted(set(standard or (1.0, 4.0, 24.0))))
    run = coverage(
        engine, standards=standards, season=season.value, off_road_kmh=off_road_kmh, weight=weight.value
    )
    result = run.result
    chosen = [i for i, c in enumerate(run.communities) if area is None or (c.pcode or "").startswith(area)]
    features = []
    for i in chosen[page.offset : page.offset + page.limit]:
        community = run.communities[i]
        fastest = run.responders[result.fastest_unit[i]] if result.fastest_unit[i] >= 0 else None
        properties = {
            "community_id": community.community_id,
            "name": community.name,
            "population": community.population,
            "pcode": community.pcode,
            "weight": float(result.weights[i]),
            "fastest_unit": fastest.site_id if fastest else None,
            "fastest_unit_name": fastest.name if fastest else None,
            "fastest_hours": finite(result.fastest_hours[i]),
            "units_within": [int(n) for n in result.units_within[i]],
        }
        features.append(
            feature(
                point_geometry(community.longitude, community.latitude), properties, community.community_id
            )
        )
    shares = np.asarray(result.covered_share)
    return collection(
        features,
        **page_fields(request, page, len(chosen)),
        season=run.network.season,
        roads=run.network.graph is not None,
        total_weight=float(result.total_weight),
        median_response_hours=finite(result.median_response_hours),
        standards=[
            {
                "standard_hours": h,
                "covered_weight": float(result.covered_weight[j]),
                "gap_weight": float(result.gap_weight[j]),
                "covered_share": float(shares[j]),
            }
            for j, h in enumerate(standards)
        ],
    )
