"""`pochub coverage` and `pochub allocate`: who reaches each community in time, and where to deploy."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.table import Table

from pochub.cli.console import err, first_steps, in_language, out, state
from pochub.cli.options import DocumentLanguage


class PlanFormat(StrEnum):
    """How coverage and plans are printed."""

    table = "table"
    json = "json"
    geojson = "geojson"


class LocationModel(StrEnum):
    """Location models."""

    mclp = "mclp"
    pmedian = "pmedian"
    lscp = "lscp"


Season = Annotated[str, typer.Option("--season", help="dry or rainy (rainy closes or slows earth roads).")]
OffRoad = Annotated[
    float,
    typer.Option(
        "--offroad-speed", help="Off-road speed (km/h), and great-circle speed when no road is imported."
    ),
]
Weight = Annotated[
    str,
    typer.Option(
        "--weight",
        help="Demand weight: population, risk (times the threat matrix's risk), perceived-risk (times the risk "
        "people say they feel in the latest perception survey) or blend (times the mean of both).",
    ),
]


def coverage_command(
    ctx: typer.Context,
    standard: Annotated[
        list[str] | None,
        typer.Option("--standard", help="Response standards, e.g. 1h 4h 24h (repeat the option)."),
    ] = None,
    season: Season = "dry",
    off_road: OffRoad = 20.0,
    weight: Weight = "population",
    output: Annotated[
        PlanFormat, typer.Option("--format", help="table, json or geojson.")
    ] = PlanFormat.table,
) -> None:
    """Which unit reaches each community first, how many within each standard, and the protection gap."""
    first_steps(ctx, "communities", "bases")
    from pochub.services.allocation import coverage, parse_hours, posture_words

    standards = tuple(sorted(parse_hours(s) for s in (standard or ["1h", "4h", "24h"])))
    run = coverage(
        state(ctx).engine(), standards=standards, season=season, off_road_kmh=off_road, weight=weight
    )
    result = run.result
    communities: list[dict[str, Any]] = [
        {
            "id": c.community_id,
            "name": c.name,
            "lat": c.latitude,
            "lon": c.longitude,
            "weight": float(result.weights[i]),
            "fastest_unit": run.responders[result.fastest_unit[i]].site_id
            if result.fastest_unit[i] >= 0
            else None,
            "fastest_hours": float(result.fastest_hours[i]) if np.isfinite(result.fastest_hours[i]) else None,
            **{f"units_within_{h:g}h": int(result.units_within[i, j]) for j, h in enumerate(standards)},
            **(
                {  # where its perceived risk comes from: its own survey figure, its area's mean or the mission's
                    "perceived_basis": run.perceived.basis[i].value,
                    "feels_unsafe": round(float(run.perceived.unsafe[i]), 4),
                }
                if run.perceived is not None
                else {}
            ),
        }
        for i, c in enumerate(run.communities)
    ]
    totals = [
        {
            "standard_hours": h,
            "covered_weight": float(result.covered_weight[j]),
            "gap_weight": float(result.gap_weight[j]),
            "covered_share": float(result.covered_share[j]),
        }
        for j, h in enumerate(standards)
    ]
    if output == PlanFormat.json:
        print(
            json.dumps(
                {
                    "season": run.network.season.value,
                    "roads": run.network.graph is not None,
                    "counted": run.posture.counted(),
                    "total_weight": result.total_weight,
                    "median_response_hours": result.median_response_hours
                    if np.isfinite(result.median_response_hours)
                    else None,
                    "standards": totals,
                    "communities": communities,
                }
            )
        )
        return
    if output == PlanFormat.geojson:
        features = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [c["lon"], c["lat"]]},
                "properties": c,
            }
            for c in communities
        ]
        print(json.dumps({"type": "FeatureCollection", "features": features}))
        return
    table = Table(
        "standard",
        "covered weight",
        "gap (weight beyond)",
        "covered share",
        title=f"coverage of {len(communities):,} communities by {posture_words(run.posture.counted())} "
        f"({run.network.season.value} season, {'roads' if run.network.graph else 'great circle'})",
    )
    for t in totals:
        table.add_row(
            f"{t['standard_hours']:g} h",
            f"{t['covered_weight']:,.0f}",
            f"{t['gap_weight']:,.0f}",
            f"{t['covered_share']:.1%}",
        )
    out.print(table)
    middle = standards[len(standards) // 2]
    beyond = [c for c in communities if c["fastest_hours"] is None or float(c["fastest_hours"]) > middle]
    gaps = sorted(beyond, key=lambda c: -float(c["weight"]))[:10]
    if gaps:
        gap_table = Table(
            "community",
            "weight",
            "fastest unit",
            "hours",
            title=f"largest protection gaps beyond {middle:g} h",
        )
        for c in gaps:
            gap_table.add_row(
                c["name"],
                f"{c['weight']:,.0f}",
                str(c["fastest_unit"]),
                "unreachable" if c["fastest_hours"] is None else f"{c['fastest_hours']:.1f}",
            )
        out.print(gap_table)


def allocate_command(
    ctx: typer.Context,
    model: Annotated[
        LocationModel, typer.Argument(help="mclp (maximal covering), pmedian or lscp (set covering).")
    ],
    p: Annotated[int, typer.Option("--p", help="New sites to open (mclp, pmedian).")] = 3,
    standard: Annotated[str, typer.Option("--standard", help="Response standard, e.g. 90m or 4h.")] = "4h",
    season: Season = "dry",
    off_road: OffRoad = 20.0,
    weight: Weight = "population",
    candidates: Annotated[
        Path | None,
        typer.Option("--candidates", help="CSV of candidate sites: id, lat, lon (default: the communities)."),
    ] = None,
    minimum_weight: Annotated[
        float, typer.Option(help="lscp: communities of at least this weight must be covered.")
    ] = 0.0,
    time_limit: Annotated[
        float, typer.Option(help="Solver time limit (s); the proven gap is reported.")
    ] = 60.0,
    plan: Annotated[Path | None, typer.Option("-o", "--output", help="Draw the plan to this PNG.")] = None,
    output: Annotated[
        PlanFormat, typer.Option("--format", help="table, json or geojson.")
    ] = PlanFormat.table,
    language: Annotated[
        DocumentLanguage,
        typer.Option(
            "--language", help="The language of each site's reason (perceived-risk weights): en or fr."
        ),
    ] = DocumentLanguage.en,
) -> None:
    """Optimise where to deploy: new sites chosen with the existing bases fixed, compared with today's posture."""
    first_steps(ctx, "communities")
    from pochub.core.perspectives.perceived import basis_reason
    from pochub.services.allocation import allocate, parse_hours, plan_map, posture_words, site_rows

    engine = state(ctx).engine()
    run = allocate(
        engine,
        model.value,
        p=p,
        standard_hours=parse_hours(standard),
        season=season,
        off_road_kmh=off_road,
        weight=weight,
        candidates_file=candidates,
        minimum_weight=minimum_weight,
        time_limit=time_limit,
    )
    result = run.result
    sites = [  # weighed by perceived risk: on what each site's newly covered communities' weights rest
        {**s, "weighted_by": in_language(basis_reason(s["perceived_risk"]), language.value)}
        if s.get("perceived_risk")
        else s
        for s in site_rows(run)
    ]
    if plan is not None:
        plan_map(run, engine, plan)
        err.print(f"plan drawn to {plan}")
    body = {
        "model": model.value,
        "status": result.status,
        "objective": result.objective,
        "gap": result.gap,
        "sites": sites,
        "covered_weight": result.covered_weight,
        "total_weight": result.total_weight,
        "season": run.season,
        "counted": run.posture.counted(),
        "current_covered_share": float(run.current.covered_share[0]),
        "proposed_covered_share": float(run.proposed.covered_share[0]),
    }
    if output == PlanFormat.json:
        print(json.dumps(body))
        return
    if output == PlanFormat.geojson:
        features = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [s["lon"], s["lat"]]},
                "properties": {**s, "kind": "proposed"},
            }
            for s in sites
        ]
        features += [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [b.longitude, b.latitude]},
                "properties": {"id": b.site_id, "name": b.name, "kind": "existing"},
            }
            for b in run.bases
        ]
        print(json.dumps({"type": "FeatureCollection", "features": features, "plan": body}))
        return
    table = Table(
        "id",
        "name",
        "area",
        "nearest community",
        "population newly covered",
        "lat",
        "lon",
        title=f"{model.value}: {len(sites)} new site(s), {result.status}, gap {result.gap:.2%}, "
        f"objective {result.objective:,.2f}",
        caption=f"in the order of the proposal: each site's population newly covered is beyond {standard} today "
        f"and reached by no site above it ({sum(s['population_newly_covered'] for s in sites):,} in all)",
    )
    reasons = any("weighted_by" in s for s in sites)
    if reasons:
        table.add_column("why (weights)")
    for s in sites:
        table.add_row(
            s["id"],
            s["name"],
            f"{s['area_name']} ({s['area_pcode']})" if s["area_pcode"] else "-",
            f"{s['nearest_community']} ({s['nearest_community_km']:g} km)",
            f"{s['population_newly_covered']:,}",
            f"{s['lat']:.4f}",
            f"{s['lon']:.4f}",
            *([s.get("weighted_by", "-")] if reasons else []),
        )
    out.print(table)
    compare = Table(
        "posture",
        f"covered within {standard}",
        "gap weight",
        "median response (h)",
        title=f"current posture ({posture_words(run.posture.counted())}, {run.season} season) vs proposed",
    )
    for name, cov in (("current", run.current), ("proposed", run.proposed)):
        compare.add_row(
            name,
            f"{cov.covered_share[0]:.1%}",
            f"{cov.gap_weight[0]:,.0f}",
            f"{cov.median_response_hours:.1f}" if np.isfinite(cov.median_response_hours) else "-",
        )
    out.print(compare)
