"""A marked, self-exciting spatio-temporal Hawkes process, simulated by its cluster representation.

Immigrants (background events) arrive as a Poisson process whose intensity is a sum of components, each a
time profile times a spatial distribution over sites. Every event then triggers a Poisson(branching ratio)
number of offspring of the same stream (mark), after an exponential delay and at a Gaussian displacement.
Offspring are drawn a whole generation at a time with numpy, so the cost grows with the number of
generations (a few dozen for a branching ratio of 0.6), not with the number of events.

Why Hawkes: conflict events cluster in space and time (attacks bring reprisals, clashes spread), and the
demo's early-warning tools (hotspots, surge detection, forecasting) need data with that structure to show
anything.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Background:
    """One component of the immigrant intensity: stream, expected count, when (per day), where (per site)."""

    stream: int
    expected: float
    day_weights: FloatArray
    site_weights: FloatArray


@dataclass(frozen=True)
class Kernel:
    """The triggering kernel of one stream: branching ratio, exponential delay, Gaussian displacement."""

    branching_ratio: float
    mean_delay_days: float
    sigma_km: float


@dataclass(frozen=True)
class Catalogue:
    """Simulated events sorted by time: time in days from the start, position in km, stream, family tree."""

    time: FloatArray
    xy: FloatArray
    stream: IntArray
    generation: IntArray
    parent: IntArray

    def __len__(self) -> int:
        return len(self.time)

    @classmethod
    def sorted_from(
        cls, time: FloatArray, xy: FloatArray, stream: IntArray, generation: IntArray, parent: IntArray
    ) -> Catalogue:
        """A catalogue from unsorted columns; parent indices are renumbered to the sorted order."""
        order = np.argsort(time, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        new_parent = parent[order]
        new_parent = np.where(new_parent >= 0, rank[np.maximum(new_parent, 0)], -1)
        return cls(time[order], xy[order], stream[order], generation[order], new_parent)

    def merged(self, other: Catalogue) -> Catalogue:
        """The superposition of two independent catalogues (again a Hawkes process with summed background)."""
        shift = np.where(other.parent >= 0, other.parent + len(self), -1)
        return Catalogue.sorted_from(
            np.concatenate((self.time, other.time)),
            np.vstack((self.xy, other.xy)),
            np.concatenate((self.stream, other.stream)),
            np.concatenate((self.generation, other.generation)),
            np.concatenate((self.parent, shift)),
        )


def immigrants(
    rng: np.random.Generator, sites_xy: FloatArray, backgrounds: list[Background]
) -> tuple[FloatArray, FloatArray, IntArray]:
    """Background events of every component: (time in days, position in km, stream)."""
    times: list[FloatArray] = []
    places: list[FloatArray] = []
    streams: list[IntArray] = []
    for component in backgrounds:
        count = int(rng.poisson(component.expected))
        day_p = component.day_weights / component.day_weights.sum()
        site_p = component.site_weights / component.site_weights.sum()
        times.append(rng.choice(len(day_p), size=count, p=day_p) + rng.random(count))
        places.append(sites_xy[rng.choice(len(site_p), size=count, p=site_p)])
        streams.append(np.full(count, component.stream, dtype=np.int64))
    return np.concatenate(times), np.vstack(places), np.concatenate(streams)


def simulate(
    rng: np.random.Generator,
    sites_xy: FloatArray,
    backgrounds: list[Background],
    kernels: tuple[Kernel, ...],
    horizon_days: float,
) -> Catalogue:
    """Simulate the process on [0, horizon_days): immigrants, then offspring generation by generation."""
    branching = np.array([k.branching_ratio for k in kernels])
    delay = np.array([k.mean_delay_days for k in kernels])
    sigma = np.array([k.sigma_km for k in kernels])
    time, xy, stream = immigrants(rng, sites_xy, backgrounds)
    columns_time, columns_xy, columns_stream = [time], [xy], [stream]
    columns_generation = [np.zeros(len(time), dtype=np.int64)]
    columns_parent = [np.full(len(time), -1, dtype=np.int64)]
    first_index, generation = 0, 0
    while len(time):
        generation += 1
        children = rng.poisson(branching[stream])
        parent = np.repeat(np.arange(len(time)), children)
        child_stream = stream[parent]
        child_time = time[parent] + rng.exponential(delay[child_stream])
        child_xy = xy[parent] + rng.normal(size=(len(parent), 2)) * sigma[child_stream][:, None]
        keep = child_time < horizon_days
        time, xy, stream = child_time[keep], child_xy[keep], child_stream[keep]
        columns_time.append(time)
        columns_xy.append(xy)
        columns_stream.append(stream)
        columns_generation.append(np.full(len(time), generation, dtype=np.int64))
        columns_parent.append(parent[keep] + first_index)
        first_index += len(columns_time[-2])
    return Catalogue.sorted_from(
        np.concatenate(columns_time),
        np.vstack(columns_xy),
        np.concatenate(columns_stream),
        np.concatenate(columns_generation),
        np.concatenate(columns_parent),
    )
