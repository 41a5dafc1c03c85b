"""Forecast evaluation on every real event dataset of ``shared/data`` (and the demo mission), by command.

For each dataset: import it into a fresh SQLite database with ``pochub import``, then run
``pochub forecast evaluate`` (rolling origins over the last 24 months the data allow) for admin-1 areas (the
source's names) and for H3 cells (resolution 5, cells with events and their rings). Reproduce one table with the
two commands printed above it.

    .venv/bin/python bench/forecast.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from _common import DATA_DIR, REPO_ROOT, RESULTS_DIR, machine_info, machine_markdown, shared_dir, utc_now

POCHUB = str(Path(sys.executable).with_name("pochub"))


@dataclass(frozen=True)
class Dataset:
    """A real dataset and how to import it."""

    name: str
    kind: str
    path: str
    note: str = ""


DATASETS = (
    Dataset("ACLED DRC 1997-2014", "acled", "acled-legacy-perse/ACLED_DRC_97_14.csv"),
    Dataset("ACLED CAR 2000-2014", "acled", "acled-legacy-perse/ACLED_CAR_00_14.csv"),
    Dataset("ACLED Sudan and South Sudan 2000-2014", "acled", "acled-legacy-perse/ACLED_AllSudan_00_14.csv"),
    Dataset("ACLED Mali 1997-2020 (HDX)", "acled", "acled-mali/conflict_data_mli_hdx.csv"),
    Dataset("UCDP GED South Sudan 2011-2021 (HDX)", "ucdp", "ucdp-ged-ssd-hdx/conflict_data_ssd.csv"),
    Dataset("UCDP GED Syria 2016-2019", "ucdp", "ucdp-ged-syria/ged_syria_20160101_20191130.csv.gz"),
)
SKIPPED = (
    "ACLED Mali 2017-2019 export: 26 months, too short for 24 rolling origins (its events are in the HDX file).",
    "UCDP GED 20.1 points: years only, no months.",
    "OSAC humanitarian incidents: attacks on aid workers in AWSD's own typology, not an ACLED or UCDP export.",
)


def pochub(database: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `pochub --database DATABASE ARGS`, failing loudly."""
    done = subprocess.run(
        [POCHUB, "--database", database, *args], capture_output=True, text=True, check=False, cwd=REPO_ROOT
    )
    if done.returncode != 0:
        raise RuntimeError(f"pochub {' '.join(args)} failed: {done.stderr[-2000:]}")
    return done


def months_available(database: str) -> int:
    """Months from the first to the last month holding events."""
    import json

    rows = json.loads(pochub(database, "events", "summary", "--by", "month", "--format", "json").stdout)
    first, last = (tuple(int(p) for p in rows[i]["key"].split("-")) for i in (0, -1))
    return (last[0] - first[0]) * 12 + last[1] - first[1] + 1


def evaluate(database: str, label: str, unit_args: Sequence[str], origins: int) -> str:
    """One evaluation table with the command that reproduces it."""
    started = time.perf_counter()
    done = pochub(database, "forecast", "evaluate", *unit_args, "--origins", str(origins))
    seconds = time.perf_counter() - started
    command = f"pochub forecast evaluate {' '.join(unit_args)} --origins {origins}"
    return f"#### {label}\n\n`{command}` ({seconds:.1f} s; {done.stderr.strip().splitlines()[0]})\n\n{done.stdout}"


def crps_summary(tables: str) -> str:
    """How the model fares on CRPS against the best baseline over every dataset x level x step row."""
    rows = []
    dataset = level = ""
    for line in tables.splitlines():
        if line.startswith("### "):
            dataset = line[4:]
        elif line.startswith("#### "):
            level = line[5:]
        elif line.startswith("- CRPS:"):
            for step, word in re.findall(r"step ([0-9-]+): (beats|ties with|does NOT beat) ", line):
                rows.append((f"{dataset}, {level}, step {step}", word))
    counts = {
        word: [row for row, said in rows if said == word] for word in ("beats", "ties with", "does NOT beat")
    }
    text = (
        f"**CRPS, the model against the best baseline, every dataset x level x step row ({len(rows)} rows): "
        f"{len(counts['beats'])} beats, {len(counts['ties with'])} ties (difference below 0.5 %), "
        f"{len(counts['does NOT beat'])} losses.**"
    )
    for word, label in (("does NOT beat", "Losses"), ("ties with", "Ties")):
        if counts[word]:
            text += f" {label}: " + "; ".join(counts[word]) + "."
    short = counts["does NOT beat"] + counts["ties with"]
    if short and all("Admin-1" in row for row in short):
        text += (
            " Where the model only ties or loses, the few admin-1 areas leave few scored unit-months to choose "
            "the weights on, and the unit's own year of history (conflictology) is already as good."
        )
    return text + (
        " The weights minimise CRPS only: on the other metrics the model can still lose, as the verdicts under "
        "each table say. For quiet units conflictology and zero are the same law (no event), so how their weight "
        "splits between them carries no meaning.\n"
    )


def run(argv: Sequence[str] | None = None) -> str:
    """Evaluate on every dataset; return the Markdown section."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="two datasets, 6 origins")
    args = parser.parse_args(list(argv or []))
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    datasets = DATASETS[:2] if args.quick else DATASETS
    parts = [
        "## Forecast evaluation on real data\n",
        f"Run {utc_now()}. Violence against civilians (events with a threat type), monthly. The model is the "
        "ensemble: per step, a mixture of a regularised negative-binomial regression on temporal and spatial "
        "lags, conflictology (the unit's last 12 months), zero and Poisson-of-the-last-month, with weights "
        "chosen at each origin to minimise the mixture's exact CRPS on the latest earlier origins whose "
        "outcome was known (at least 24, more for panels of few units: enough for 960 scored unit-months), "
        "separately for units quiet for 12 months and active ones; its 3-month total is the sum of its "
        "months. It is scored against the five VIEWS baselines (and its regression component alone) on rolling "
        "origins over the last months each dataset allows (at most 24); a tie is a difference below 0.5 % of "
        "the larger score. Each table is reproducible with `pochub import KIND FILE` then the command above "
        "it.\n",
    ]
    load_before = os.getloadavg()
    started_at = utc_now()
    for dataset in datasets:
        database_file = DATA_DIR / f"forecast-{dataset.kind}-{Path(dataset.path).stem}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database_file}{suffix}").unlink(missing_ok=True)
        database = f"sqlite:///{database_file}"
        pochub(database, "import", dataset.kind, str(shared_dir() / "data" / dataset.path))
        months = months_available(database)
        origins = 6 if args.quick else min(24, months - 15)
        parts.append(
            f"### {dataset.name}\n\n`pochub import {dataset.kind} {dataset.path}`: {months} months.\n"
        )
        if origins < 3:
            parts.append(f"Too few months ({months}) for a rolling-origin evaluation.\n")
            continue
        parts.append(evaluate(database, "Admin-1 areas", ["--level", "1"], origins))
        parts.append(
            evaluate(database, "H3 cells (resolution 5)", ["--unit", "cell", "--resolution", "5"], origins)
        )
    load_after = os.getloadavg()
    parts.insert(
        2,
        f"Machine: {machine_info()['CPU']}, {machine_info()['Cores']}, {machine_info()['RAM']} RAM. "
        f"Started {started_at}; load average (1, 5, 15 min) {', '.join(f'{x:.1f}' for x in load_before)} at the "
        f"start and {', '.join(f'{x:.1f}' for x in load_after)} at the end (the machine was shared with other "
        "jobs: times are wall-clock under that load).\n",
    )
    parts.insert(3, crps_summary("\n".join(parts)))
    parts.append("Not evaluated:\n\n" + "\n".join(f"- {reason}" for reason in SKIPPED) + "\n")
    text = "\n".join(parts)
    if not args.quick:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        (RESULTS_DIR / "forecast.md").write_text(text, encoding="utf-8")
    return text


if __name__ == "__main__":
    text = machine_markdown() + "\n" + run(sys.argv[1:])
    out = DATA_DIR / "forecast.md"
    out.write_text(text, encoding="utf-8")
    print(text)
