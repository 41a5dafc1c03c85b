"""The PoC threat matrix as a document: HTML (self-contained, in English or French: its headings, labels and risk
bands; threats' descriptions, response options and indicators stay as the core writes them; six columns that fit a
laptop, each row's details folding out, a print style that unfolds them on A4 landscape) and XLSX, every row
linked to its evidence. Unknown exposure, vulnerability and capacity are written as unknown, never as 0."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import xlsxwriter

from pochub.core.threats.matrix import ThreatMatrix, ThreatRecord
from pochub.documents.spreadsheet_cells import neutralised, neutralised_row
from pochub.documents.templating import render
from pochub.i18n import DEFAULT_LANGUAGE, localise


def render_html(
    matrix: ThreatMatrix,
    events: dict[int, dict[str, Any]],
    area: str | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> str:
    """The matrix and, below it, each threat's evidence events, linked both ways."""
    return render("threat_matrix.html.j2", language, matrix=matrix, events=events, area=area)


MATRIX_COLUMNS = (
    "rank",
    "key",
    "threat type",
    "description",
    "perpetrator",
    "perpetrator's capability (1-5)",
    "perpetrator's intent (1-5)",
    "area p-code",
    "area",
    "people at risk",
    "people at risk from",
    "largest communities at risk",
    "vulnerable groups",
    "vulnerability (1-5)",
    "other actors' capacity (1-5)",
    "severity of the threat type (1-5)",
    "events",
    "fatalities",
    "civilian fatalities",
    "victims",
    "likelihood (1-5)",
    "impact (1-5)",
    "risk (1-25)",
    "band",
    "main drivers",
    "confidence",
    "horizon",
    "phase",
    "response options",
    "indicators",
    "status",
    "review date",
    "evidence events",
    "overrides",
)
EVIDENCE_COLUMNS = (
    "threat rank",
    "threat key",
    "event id",
    "date",
    "source",
    "source id",
    "grade",
    "location",
    "latitude",
    "longitude",
    "fatalities",
    "civilian fatalities",
    "notes",
)


UNKNOWN = "unknown (scored at mid-scale)"
"""What a spreadsheet cell says for a factor the data do not give (see ``core.threats.risk``)."""


def _row(record: ThreatRecord, language: str = DEFAULT_LANGUAGE) -> list[Any]:
    def text(value: object) -> str:  # the core's texts (marked strings or messages) in the sheet's language
        return localise(value, language)

    options = "; ".join(f"{o.tier.value}: {text(o.action)} ({text(o.lead)})" for o in record.response_options)
    overrides = "; ".join(
        f"{o.field}={o.value} (computed {o.computed}) by {o.analyst}: {o.reason}" for o in record.overrides
    )
    return [
        record.rank,
        record.key,
        record.threat_type,
        text(record.description),
        record.perpetrator,
        record.capability,
        record.intent,
        record.area_pcode,
        record.area_name,
        UNKNOWN if record.population_at_risk is None else record.population_at_risk,
        record.exposure_basis,
        ", ".join(record.communities_at_risk),
        ", ".join(record.vulnerable_groups),
        UNKNOWN if record.vulnerability is None else record.vulnerability,
        UNKNOWN if record.other_actors_capacity is None else record.other_actors_capacity,
        record.severity,
        record.harm.events,
        record.harm.fatalities,
        record.harm.civilian_fatalities,
        "not given by the source" if record.harm.victims is None else record.harm.victims,
        record.likelihood,
        record.impact,
        record.risk,
        record.band,
        ", ".join(record.drivers),
        record.confidence,
        record.horizon,
        record.phase.value,
        options,
        "; ".join(text(i) for i in record.indicators),
        record.status,
        record.review_date.isoformat(),
        len(record.evidence_ids),
        overrides,
    ]


def write_xlsx(
    matrix: ThreatMatrix, events: dict[int, dict[str, Any]], path: Path, language: str = DEFAULT_LANGUAGE
) -> None:
    """Two sheets: the matrix, whose evidence cell links to the threat's first row on the Evidence sheet. The
    core's texts (descriptions, indicators, response options) are written in ``language``."""
    # text from data is never a formula or a link: written as strings, neutralised (documents.spreadsheet_cells)
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    bold = workbook.add_format({"bold": True, "bg_color": "#EDF2F7", "text_wrap": True, "valign": "top"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    sheet = workbook.add_worksheet("Threat matrix")
    evidence = workbook.add_worksheet("Evidence")
    sheet.write_row(0, 0, MATRIX_COLUMNS, bold)
    evidence.write_row(0, 0, EVIDENCE_COLUMNS, bold)
    evidence_row = 1
    for row_number, record in enumerate(matrix.records, start=1):
        values = _row(record, language)
        sheet.write_row(row_number, 0, neutralised_row(values[:-2]), wrap)
        first = evidence_row + 1
        for event_id in record.evidence_ids:
            e = events.get(event_id)
            if e is None:
                continue
            evidence.write_row(
                evidence_row,
                0,
                neutralised_row(
                    [
                        record.rank,
                        record.key,
                        event_id,
                        str(e["event_date"]),
                        e["source"],
                        e["source_id"],
                        e["source_grade"],
                        e.get("location") or "",
                        e["latitude"],
                        e["longitude"],
                        e["fatalities_best"],
                        e["civilian_fatalities"],
                        e.get("notes") or "",
                    ]
                ),
            )
            evidence_row += 1
        sheet.write_url(
            row_number,
            len(MATRIX_COLUMNS) - 2,
            f"internal:'Evidence'!A{first}",
            string=f"{values[-2]} event(s)",
        )
        sheet.write(row_number, len(MATRIX_COLUMNS) - 1, neutralised(values[-1]), wrap)
    sheet.freeze_panes(1, 2)
    sheet.autofilter(0, 0, max(len(matrix.records), 1), len(MATRIX_COLUMNS) - 1)
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, len(MATRIX_COLUMNS) - 1, 18)
    sheet.set_column(3, 3, 50)
    evidence.freeze_panes(1, 0)
    evidence.set_column(0, len(EVIDENCE_COLUMNS) - 1, 14)
    evidence.set_column(len(EVIDENCE_COLUMNS) - 1, len(EVIDENCE_COLUMNS) - 1, 80)
    workbook.close()
