"""Places as every edge shows them: a community as a GeoJSON Feature without its focal point's name (a person at
risk if identified; ``has_focal_point`` says whether there is one), the same on the API and on the map."""

from __future__ import annotations

from typing import Any

from pochub.core.geography.geojson import feature, point_geometry


def community_feature(row: dict[str, Any]) -> dict[str, Any]:
    """A community row as a Feature (the focal point's name dropped)."""
    properties = {k: v for k, v in row.items() if k not in ("latitude", "longitude", "focal_point")}
    properties["has_focal_point"] = bool(row["focal_point"])
    return feature(point_geometry(row["longitude"], row["latitude"]), properties, row["community_id"])
