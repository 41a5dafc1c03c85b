"""Points on the sphere: great-circle distances (vectorised haversine) and unit vectors for k-d trees.

A k-d tree over unit vectors answers nearest-neighbour and radius queries on the sphere exactly: the chord
length is a monotone function of the great-circle angle, so "nearest by chord" is "nearest by great circle".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG)."""

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


class Located(Protocol):
    """Anything with a latitude and a longitude in degrees (communities, bases, units' positions)."""

    @property
    def latitude(self) -> float: ...

    @property
    def longitude(self) -> float: ...


@dataclass(frozen=True, eq=False)
class Points:
    """Locations in degrees (WGS 84): two float arrays of the same length."""

    latitude: FloatArray
    longitude: FloatArray

    def __post_init__(self) -> None:
        lat = np.ascontiguousarray(self.latitude, dtype=np.float64).reshape(-1)
        lon = np.ascontiguousarray(self.longitude, dtype=np.float64).reshape(-1)
        if lat.shape != lon.shape:
            raise ValueError(f"{lat.size} latitudes but {lon.size} longitudes")
        if not (np.isfinite(lat).all() and np.isfinite(lon).all()):
            raise ValueError("a latitude or longitude is not a finite number")
        if lat.size and (np.abs(lat).max() > 90.0 or np.abs(lon).max() > 180.0):
            raise ValueError("latitude must lie in [-90, 90] and longitude in [-180, 180]")
        lat.setflags(write=False)
        lon.setflags(write=False)
        object.__setattr__(self, "latitude", lat)
        object.__setattr__(self, "longitude", lon)

    @classmethod
    def from_arrays(cls, latitude: ArrayLike, longitude: ArrayLike) -> Points:
        """Points from latitude and longitude arrays (degrees)."""
        return cls(np.asarray(latitude, dtype=np.float64), np.asarray(longitude, dtype=np.float64))

    @classmethod
    def of(cls, located: Iterable[Located]) -> Points:
        """Points of communities, bases or anything else with ``latitude`` and ``longitude``."""
        items = list(located)
        return cls(
            np.fromiter((p.latitude for p in items), dtype=np.float64, count=len(items)),
            np.fromiter((p.longitude for p in items), dtype=np.float64, count=len(items)),
        )

    def __len__(self) -> int:
        return int(self.latitude.size)

    def unit_vectors(self) -> FloatArray:
        """Unit vectors (n, 3) of the points, for k-d trees on the sphere."""
        return unit_vectors(self.latitude, self.longitude)


def unit_vectors(latitude: FloatArray, longitude: FloatArray) -> FloatArray:
    """Unit vectors (n, 3) of points given in degrees."""
    lat = np.radians(latitude)
    lon = np.radians(longitude)
    cos_lat = np.cos(lat)
    return np.column_stack((cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)))


def chord_to_km(chord: FloatArray) -> FloatArray:
    """Great-circle kilometres of chord lengths between unit vectors."""
    result: FloatArray = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.clip(chord / 2.0, 0.0, 1.0))
    return result


def km_to_chord(km: float) -> float:
    """Chord length between unit vectors ``km`` apart along the great circle (half the globe at most)."""
    return float(2.0 * np.sin(min(km / EARTH_RADIUS_KM, np.pi) / 2.0))


def haversine_km(lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray) -> FloatArray:
    """Great-circle kilometres between points, element-wise with numpy broadcasting."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    half_dphi = (phi2 - phi1) / 2.0
    half_dlambda = np.radians(np.asarray(lon2) - np.asarray(lon1)) / 2.0
    a = np.sin(half_dphi) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(half_dlambda) ** 2
    result: FloatArray = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return result


def distance_matrix_km(origins: Points, destinations: Points) -> FloatArray:
    """Great-circle kilometres (n_origins, n_destinations), by broadcasting."""
    return haversine_km(
        origins.latitude[:, None], origins.longitude[:, None],
        destinations.latitude[None, :], destinations.longitude[None, :],
    )  # fmt: skip


def hilbert_order(latitude: FloatArray, longitude: FloatArray, bits: int = 16) -> IntArray:
    """A permutation sorting points along a Hilbert curve over their bounding box (for memory locality)."""
    if latitude.size == 0:
        return np.zeros(0, dtype=np.int64)
    side = (1 << bits) - 1

    def scaled(values: FloatArray) -> IntArray:
        low, high = float(values.min()), float(values.max())
        span = high - low if high > low else 1.0
        return np.rint((values - low) / span * side).astype(np.int64)

    x, y = scaled(longitude), scaled(latitude)
    key = np.zeros_like(x)
    s = 1 << (bits - 1)
    while s > 0:
        rx = (x & s) > 0
        ry = (y & s) > 0
        key += s * s * ((3 * rx.astype(np.int64)) ^ ry.astype(np.int64))
        flip = ~ry & rx
        x = np.where(flip, side - x, x)
        y = np.where(flip, side - y, y)
        x, y = np.where(~ry, y, x), np.where(~ry, x, y)
        s >>= 1
    return np.argsort(key, kind="stable").astype(np.int64)


def with_existing_sites(
    candidates: Points, existing_sites: Points | None
) -> tuple[Points, NDArray[np.int64]]:
    """The candidates followed by the existing sites, and the column indices of the existing ones."""
    sites = candidates
    if existing_sites is not None and len(existing_sites):
        sites = Points(
            np.concatenate((candidates.latitude, existing_sites.latitude)),
            np.concatenate((candidates.longitude, existing_sites.longitude)),
        )
    return sites, np.arange(len(candidates), len(sites), dtype=np.int64)
