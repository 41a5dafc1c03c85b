"""The location models, in one place: each is built from a plain cost matrix (demand x candidates, hours) or a
boolean coverage matrix with ``from_cost_matrix`` / ``from_coverage_matrix``, has a thin geographic constructor
(``from_points``), and is solved explicitly with a :class:`~pochub.core.allocation.solver.HighsSolver`:

- :class:`MaximalCovering` (MCLP): ``p`` new sites maximising the weight within the standard;
- :class:`SetCovering` (LSCP): the fewest new sites covering every required demand point;
- :class:`PMedian`: ``p`` new sites minimising weighted hours to the nearest open site;
- :class:`CapacitatedAssignment`: units (strength) to sites (capacity), for coverage or response time.

Each returns a frozen :class:`AllocationResult` labelled ``optimal``, ``gap_limit`` or ``time_limit`` with its
proven gap; infeasible requests raise :class:`~pochub.errors.Infeasible`, impossible arguments ``ValueError``.
"""

from __future__ import annotations

from pochub.core.allocation.assignment import CapacitatedAssignment
from pochub.core.allocation.covering import MaximalCovering, SetCovering
from pochub.core.allocation.median import PMedian
from pochub.core.allocation.results import AllocationResult, Reduction

__all__ = [
    "AllocationResult",
    "CapacitatedAssignment",
    "MaximalCovering",
    "PMedian",
    "Reduction",
    "SetCovering",
]
