"""Allocation: travel-time matrices, coverage and protection gaps, and the location models (MCLP, LSCP,
p-median, capacitated assignment) with their explicit HiGHS solver."""

from __future__ import annotations

from pochub.core.allocation.coverage import (
    CoverageResult,
    PostureComparison,
    StandardComparison,
    assess_coverage,
    compare_postures,
    posture_times,
)
from pochub.core.allocation.models import (
    AllocationResult,
    CapacitatedAssignment,
    MaximalCovering,
    PMedian,
    Reduction,
    SetCovering,
)
from pochub.core.allocation.solver import HighsSolver, SolverLimit
from pochub.core.allocation.travel import (
    Points,
    RoadGraph,
    Season,
    SeasonRule,
    SpeedProfile,
    great_circle_coverage,
    great_circle_time_matrix,
    helicopter_time_matrix,
    network_hours,
    travel_time_matrix,
)

__all__ = [
    "AllocationResult",
    "CapacitatedAssignment",
    "CoverageResult",
    "HighsSolver",
    "MaximalCovering",
    "PMedian",
    "Points",
    "PostureComparison",
    "Reduction",
    "RoadGraph",
    "Season",
    "SeasonRule",
    "SetCovering",
    "SolverLimit",
    "SpeedProfile",
    "StandardComparison",
    "assess_coverage",
    "compare_postures",
    "great_circle_coverage",
    "great_circle_time_matrix",
    "helicopter_time_matrix",
    "network_hours",
    "posture_times",
    "travel_time_matrix",
]
