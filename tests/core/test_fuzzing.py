"""Location fuzzing: within the distance, deterministic per key, never the original, uniform over the disc."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pochub.core.geography.fuzzing import EARTH_RADIUS_KM, fuzz_point

latitudes = st.floats(min_value=-90, max_value=90, allow_nan=False)
longitudes = st.floats(min_value=-180, max_value=180, allow_nan=False)
distances = st.floats(min_value=0.001, max_value=500, allow_nan=False)
keys = st.one_of(st.binary(max_size=64), st.text(max_size=40))


def angle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance from unit vectors (atan2 of cross and dot): an oracle independent of haversine."""

    def unit(lat: float, lon: float) -> tuple[float, float, float]:
        phi, lam = math.radians(lat), math.radians(lon)
        return math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi)

    a, b = unit(lat1, lon1), unit(lat2, lon2)
    cross = (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return EARTH_RADIUS_KM * math.atan2(math.hypot(*cross), dot)


@given(latitudes, longitudes, distances, keys)
@settings(max_examples=400)
def test_always_within_the_distance(lat: float, lon: float, km: float, key: str | bytes) -> None:
    fuzzed_lat, fuzzed_lon = fuzz_point(lat, lon, km, key)
    assert -90 <= fuzzed_lat <= 90
    assert -180 <= fuzzed_lon <= 180
    assert angle_km(lat, lon, fuzzed_lat, fuzzed_lon) <= km * (1 + 1e-9) + 1e-9


@given(latitudes, longitudes, distances, keys)
def test_deterministic_per_key(lat: float, lon: float, km: float, key: str | bytes) -> None:
    assert fuzz_point(lat, lon, km, key) == fuzz_point(lat, lon, km, key)


@given(latitudes, longitudes, distances, keys)
def test_never_exactly_the_original(lat: float, lon: float, km: float, key: str | bytes) -> None:
    assert fuzz_point(lat, lon, km, key) != (lat, lon)


@given(latitudes, longitudes, keys)
def test_zero_distance_keeps_the_point(lat: float, lon: float, key: str | bytes) -> None:
    assert fuzz_point(lat, lon, 0.0, key) == (lat, lon)


def test_different_keys_move_differently() -> None:
    points = {fuzz_point(-1.5, 29.2, 5.0, f"alert-{i}") for i in range(200)}
    assert len(points) == 200


@pytest.mark.parametrize("latitude", [0.0, -1.68, 45.0, 80.0])
def test_uniform_over_the_disc(latitude: float) -> None:
    """Area shares: a quarter of the points within km/2, each quadrant a quarter, no drift of the centre."""
    km, n = 5.0, 8000
    east, north, inner = [], [], 0
    for i in range(n):
        lat, lon = fuzz_point(latitude, 10.0, km, f"uniformity-{i}")
        distance = angle_km(latitude, 10.0, lat, lon)
        inner += distance <= km / 2
        north.append((lat - latitude) * math.pi / 180 * EARTH_RADIUS_KM)
        east.append((lon - 10.0) * math.pi / 180 * EARTH_RADIUS_KM * math.cos(math.radians(latitude)))
    # binomial standard deviation of a 1/4 share over 8000 draws is 0.0048: allow five of them
    assert abs(inner / n - 0.25) < 0.025
    quadrants = [0, 0, 0, 0]
    for x, y in zip(east, north, strict=True):
        quadrants[(x >= 0) + 2 * (y >= 0)] += 1
    assert all(abs(q / n - 0.25) < 0.025 for q in quadrants)
    # the mean offset of a uniform disc point is 0 with standard deviation km/2/sqrt(n) per axis
    assert abs(sum(east) / n) < 5 * km / 2 / math.sqrt(n)
    assert abs(sum(north) / n) < 5 * km / 2 / math.sqrt(n)
    # and no point hugs the centre or escapes the rim
    assert max(math.hypot(x, y) for x, y in zip(east, north, strict=True)) <= km * 1.001


def test_across_the_antimeridian_and_at_the_pole() -> None:
    for i in range(100):
        lat, lon = fuzz_point(0.0, 179.99, 5.0, f"dateline-{i}")
        assert angle_km(0.0, 179.99, lat, lon) <= 5.0 + 1e-9
        lat, lon = fuzz_point(90.0, 0.0, 5.0, f"pole-{i}")
        assert 90.0 - 5.0 / EARTH_RADIUS_KM * 180 / math.pi - 1e-9 <= lat < 90.0


@pytest.mark.parametrize(
    ("lat", "lon", "km"), [(91.0, 0.0, 1.0), (0.0, 181.0, 1.0), (0.0, 0.0, -1.0), (math.nan, 0.0, 1.0)]
)
def test_invalid_input_is_refused(lat: float, lon: float, km: float) -> None:
    with pytest.raises(ValueError):
        fuzz_point(lat, lon, km, "k")
