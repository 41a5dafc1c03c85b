"""Location fuzzing: move a point to a pseudo-random place within a distance, the same place every time.

Alert locations can identify the people who alerted (DOMAIN.md section 7). Exports and the viewer and partner
roles see each alert moved by up to ``km``. The move is derived from a key, not drawn afresh: if every read drew
a new offset, a reader could average many reads back to the true place. Callers pass a *secret* key (for
instance an HMAC of the alert's reference under the mission's secret key, see
``pochub.services.protection.Protector.fuzz_key``): with a public key anyone could recompute and undo the move.

The point is uniform over the disc of radius ``km`` around the original (radius ``km * sqrt(u)``, bearing
uniform) and placed with the great-circle destination formula, so distances are right at any latitude,
near the poles and across the antimeridian.
"""

from __future__ import annotations

import hashlib
import math

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG), the same as the rest of PoC Hub's geodesy."""

_UNIT = 2.0**64


def _uniforms(key: str | bytes) -> tuple[float, float]:
    """Two numbers derived from ``key``: one in (0, 1] (for the radius) and one in [0, 1) (for the bearing)."""
    raw = key.encode("utf-8") if isinstance(key, str) else key
    digest = hashlib.sha256(b"pochub location fuzz\x00" + raw).digest()
    first = int.from_bytes(digest[:8], "big")
    second = int.from_bytes(digest[8:16], "big")
    return (first + 1) / _UNIT, second / _UNIT


def destination(latitude: float, longitude: float, bearing_radians: float, km: float) -> tuple[float, float]:
    """The point ``km`` along the great circle from a point at ``bearing_radians`` (clockwise from north)."""
    phi1 = math.radians(latitude)
    lambda1 = math.radians(longitude)
    delta = km / EARTH_RADIUS_KM
    sin_phi2 = math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(bearing_radians)
    phi2 = math.asin(max(-1.0, min(1.0, sin_phi2)))
    lambda2 = lambda1 + math.atan2(
        math.sin(bearing_radians) * math.sin(delta) * math.cos(phi1),
        math.cos(delta) - math.sin(phi1) * sin_phi2,
    )
    lon = (math.degrees(lambda2) + 540.0) % 360.0 - 180.0
    return math.degrees(phi2), lon


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance between two points, in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def fuzz_point(latitude: float, longitude: float, km: float, key: str | bytes) -> tuple[float, float]:
    """``(latitude, longitude)`` moved to a point of the disc of radius ``km``, always the same for ``key``.

    ``km == 0`` returns the point unchanged. For ``km > 0`` the result is never exactly the original: if the
    drawn radius is so small that the move vanishes in floating point, the point moves the full ``km`` on the
    same bearing instead (an event of probability about 2**-64 that keeps the promise).
    """
    if not (math.isfinite(latitude) and -90.0 <= latitude <= 90.0):
        raise ValueError(f"latitude {latitude!r} is not in [-90, 90]")
    if not (math.isfinite(longitude) and -180.0 <= longitude <= 180.0):
        raise ValueError(f"longitude {longitude!r} is not in [-180, 180]")
    if not (math.isfinite(km) and km >= 0):
        raise ValueError(f"fuzzing distance {km!r} km is not a non-negative number")
    if km == 0:
        return latitude, longitude
    radius_share, bearing_share = _uniforms(key)
    bearing = 2 * math.pi * bearing_share
    moved = destination(latitude, longitude, bearing, km * math.sqrt(radius_share))
    if moved == (latitude, longitude):
        moved = destination(latitude, longitude, bearing, km)
    return moved
