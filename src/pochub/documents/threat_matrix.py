"""The PoC threat matrix as a document: HTML (self-contained, in English or French: its headings, labels, risk
bands and the core's descriptions, response options and indicators; six columns that fit a
laptop, each row's details folding out, a print style that unfolds them on A4 landscape) and XLSX (in English or French too), every row
linked to its evidence. Unknown exposure, vulnerability and capacity are written as unknown, never as 0."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import xlsxwriter

from pochub.core.geography.areas import OUTSIDE
from pochub.core.models.taxonomy import threat_label
from pochub.core.text import N_
from pochub.core.threats.matrix import ThreatMatrix, ThreatRecord
from pochub.documents.spreadsheet_cells import neutralised, neutralised_row
from pochub.documents.templating import render
from pochub.i18n import DEFAULT_LANGUAGE, localise, translations


def render_html(
    matrix: ThreatMatrix,
    events: dict[int, dict[str, Any]],
    area: str | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> str:
    """The matrix and, below it, each threat's evidence events, linked both ways."""
    return render("threat_matrix.html.j2", language, matrix=matrix, events=events, area=area)


MATRIX_COLUMNS = (
    N_("rank"),
    N_("key"),
    N_("threat type"),
    N_("description"),
    N_("perpetrator"),
    N_("perpetrator's capability (1-5)"),
    N_("perpetrator's intent (1-5)"),
    N_("area p-code"),
    N_("area"),
    N_("people at risk"),
    N_("people at risk from"),
    N_("largest communities at risk"),
    N_("vulnerable groups"),
    N_("vulnerability (1-5)"),
    N_("why this vulnerability"),
    N_("other actors' capacity (1-5)"),
    N_("why this capacity"),
    N_("severity of the threat type (1-5)"),
    N_("events"),
    N_("fatalities"),
    N_("civilian fatalities"),
    N_("victims"),
    N_("likelihood (1-5)"),
    N_("impact (1-5)"),
    N_("risk (1-25)"),
    N_("band"),
    N_("main drivers"),
    N_("confidence"),
    N_("horizon"),
    N_("phase"),
    N_("response options"),
    N_("indicators"),
    N_("status"),
    N_("review date"),
    N_("evidence events"),
    N_("overrides"),
)
EVIDENCE_COLUMNS = (
    N_("threat rank"),
    N_("threat key"),
    N_("event id"),
    N_("date"),
    N_("source"),
    N_("source id"),
    N_("grade"),
    N_("location"),
    N_("latitude"),
    N_("longitude"),
    N_("fatalities"),
    N_("civilian fatalities"),
    N_("notes"),
)


UNKNOWN = N_("unknown (scored at mid-scale)")
"""What a spreadsheet cell says for a factor the data do not give (see ``core.threats.risk``)."""


DRIVER_NAMES = {
    "likelihood": N_("likelihood"),
    "severity": N_("severity of the threat type"),
    "harm": N_("harm in the evidence"),
    "exposure": N_("people exposed"),
    "vulnerability": N_("vulnerability"),
    "capacity": N_("weak capacity of other actors"),
}
EXPOSURE_NAMES = (
    N_("communities"),
    N_("population grid"),
    N_("partial population grid"),
    N_("area population"),
    N_("partial communities"),
    N_("unknown"),
    N_("next 30 days"),
)
"""Where people at risk come from (``core.threats.matrix.EXPOSURE_BASES``) and the default horizon, marked so
that the spreadsheet shows them in its language."""


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
        text(threat_label(record.threat_type)),
        text(record.description),
        record.perpetrator,
        record.capability,
        record.intent,
        record.area_pcode,
        text(record.area_name) if record.area_pcode == OUTSIDE else record.area_name,
        text(UNKNOWN) if record.population_at_risk is None else record.population_at_risk,
        text(record.exposure_basis),
        ", ".join(record.communities_at_risk),
        ", ".join(record.vulnerable_groups),
        text(UNKNOWN) if record.vulnerability is None else record.vulnerability,
        "; ".join(text(f) for f in record.vulnerability_factors),
        text(UNKNOWN) if record.other_actors_capacity is None else record.other_actors_capacity,
        "; ".join(text(f) for f in record.capacity_factors),
        record.severity,
        record.harm.events,
        record.harm.fatalities,
        record.harm.civilian_fatalities,
        text(N_("not given by the source")) if record.harm.victims is None else record.harm.victims,
        record.likelihood,
        record.impact,
        record.risk,
        text(record.band),
        ", ".join(text(DRIVER_NAMES.get(name, name)) for name in record.drivers),
        text(record.confidence),
        text(record.horizon),
        text(record.phase.value),
        options,
        "; ".join(text(i) for i in record.indicators),
        text(record.status),
        record.review_date.isoformat(),
        len(record.evidence_ids),
        overrides,
    ]


def write_xlsx(
    matrix: ThreatMatrix, events: dict[int, dict[str, Any]], path: Path, language: str = DEFAULT_LANGUAGE
) -> None:
    """Two sheets: the matrix, whose evidence cell links to the threat's first row on the Evidence sheet. The
    core's texts (descriptions, indicators, response options) are written in ``language``."""
    _ = translations(language).gettext
    # text from data is never a formula or a link: written as strings, neutralised (documents.spreadsheet_cells)
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    bold = workbook.add_format({"bold": True, "bg_color": "#EDF2F7", "text_wrap": True, "valign": "top"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    evidence_sheet = _("Evidence")[:31]
    sheet = workbook.add_worksheet(_("Threat matrix")[:31])
    evidence = workbook.add_worksheet(evidence_sheet)
    sheet.write_row(0, 0, [_(c) for c in MATRIX_COLUMNS], bold)
    evidence.write_row(0, 0, [_(c) for c in EVIDENCE_COLUMNS], bold)
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
            f"internal:'{evidence_sheet}'!A{first}",
            string=_("%(count)s event(s)") % {"count": values[-2]},
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
