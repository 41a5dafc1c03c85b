"""Charts as PNG files (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def monthly_trend(rows: list[dict[str, Any]], path: Path, title: str = "Events per month") -> None:
    """Bars of events per month with a line of civilian fatalities on a second axis."""
    months = [str(r["key"]) for r in rows]
    figure, axis = plt.subplots(figsize=(11, 4.5), dpi=110)
    axis.bar(range(len(months)), [r["events"] for r in rows], color="#2b6cb0", label="events")
    axis.set_ylabel("events")
    second = axis.twinx()
    second.plot(
        range(len(months)),
        [r["civilian_fatalities"] for r in rows],
        color="#c53030",
        label="civilian fatalities",
    )
    second.set_ylabel("civilian fatalities")
    step = max(1, len(months) // 12)
    axis.set_xticks(range(0, len(months), step), months[::step], rotation=45, ha="right")
    axis.set_title(title)
    figure.legend(loc="upper left", bbox_to_anchor=(0.08, 0.88))
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
