"""`pochub alerts`: community alerts through the coordination structure (list, show, add, act, escalate, export)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from pochub.cli import alert_stats
from pochub.cli.console import acting_user, err, gettext_for, out, state
from pochub.cli.options import DocumentLanguage

alerts_app = typer.Typer(
    help="Community alerts: intake, lifecycle, escalation and response times.", no_args_is_help=True
)


class ListFormat(StrEnum):
    """How `pochub alerts list` prints."""

    table = "table"
    json = "json"


AsUser = Annotated[str, typer.Option("--as", help="Act as this user (their role and area apply).")]
Language = Annotated[DocumentLanguage, typer.Option("--language", help="en (English) or fr (French).")]


@alerts_app.command("list")
def list_alerts(
    ctx: typer.Context,
    as_user: AsUser,
    open_only: Annotated[bool, typer.Option("--open", help="Only alerts still needing action.")] = False,
    overdue: Annotated[bool, typer.Option(help="Only open alerts past their deadline.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    format: Annotated[ListFormat, typer.Option("--format")] = ListFormat.table,
) -> None:
    """The alerts a user sees, most urgent and soonest due first."""
    from rich.table import Table

    from pochub.core.models.filters import AlertFilter
    from pochub.services.alert_views import list_alerts as views

    st = state(ctx)
    chosen = AlertFilter(open_only=open_only, overdue_at=datetime.now(UTC) if overdue else None)
    items, total = views(st.engine(), st.settings, acting_user(ctx, as_user), chosen, limit=limit, offset=0)
    if format is ListFormat.json:
        print(json.dumps({"total": total, "items": items}, indent=1))
        return
    table = Table(
        "reference", "state", "urgency", "threat", "area", "body", "next step", "due", title=f"{total} alerts"
    )
    for item in items:
        due = (item["due_at"] or "")[:16] + (" OVERDUE" if item["overdue"] else "")
        table.add_row(
            item["reference"], item["state"], item["urgency"], item["threat_type"] or "-", item["pcode"] or "-",
            item["body"], item["next_step"] or "-", due,
        )  # fmt: skip
    out.print(table)


@alerts_app.command("show")
def show(ctx: typer.Context, reference: str, as_user: AsUser) -> None:
    """One alert with its history (sender details only for need-to-know roles; the read is audited)."""
    from pochub.services.alert_views import alert_detail

    st = state(ctx)
    print(json.dumps(alert_detail(st.engine(), st.settings, reference, acting_user(ctx, as_user)), indent=1))


@alerts_app.command("add")
def add(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="What the community reported.")],
    as_user: AsUser,
    pcode: Annotated[str | None, typer.Option(help="P-code of the place.")] = None,
    community: Annotated[str | None, typer.Option(help="Community id (its place is used).")] = None,
    urgency: Annotated[str | None, typer.Option(help="immediate | high | routine")] = None,
    sender_number: Annotated[str | None, typer.Option(help="Informant's number (encrypted at rest).")] = None,
    sender_name: Annotated[str | None, typer.Option(help="Informant's name (encrypted at rest).")] = None,
) -> None:
    """Log an alert received by phone or radio, as a CLA would."""
    from pochub.core.models.alerts import Channel, Report
    from pochub.core.workflow.lifecycle import Actor
    from pochub.ingest.alert_intake import urgency_from
    from pochub.services.alerts import receive_report

    st = state(ctx)
    user = acting_user(ctx, as_user)
    now = datetime.now(UTC)
    report = Report(
        Channel.MANUAL, f"cli:{user.username}:{now.isoformat()}", now, text, sender_name=sender_name,
        sender_number=sender_number, pcode=pcode, community_id=community, urgency=urgency_from(urgency),
    )  # fmt: skip
    result = receive_report(
        st.engine(), st.settings, report, actor=Actor(user.username, user.role.value), now=now
    )
    err.print(f"alert {result.reference}: {'merged into an open alert' if result.merged else 'new'}, "
              f"routed to {result.body_id} (field office {result.field_office or '-'}), next step due {result.due_at}")  # fmt: skip
    print(result.reference)


@alerts_app.command("act")
def act(
    ctx: typer.Context,
    reference: str,
    action: Annotated[
        str, typer.Argument(help="acknowledge, verify, classify, transmit, decide, deploy, ...")
    ],
    as_user: AsUser,
    fields: Annotated[
        str, typer.Option("--fields", help='The action\'s fields as JSON, e.g. \'{"result": "confirmed"}\'.')
    ] = "{}",
) -> None:
    """Take one lifecycle action (the same rules as the API: wrong role or state is refused)."""
    from pochub.services.alert_actions import action_from_json
    from pochub.services.alerts import act as take

    chosen = action_from_json(action, fields)
    st = state(ctx)
    new = take(st.engine(), st.settings, reference, chosen, acting_user(ctx, as_user))
    err.print(
        f"alert {reference}: {new.status.value}; next step {new.next_step or '-'} due {new.due_at or '-'}"
    )


@alerts_app.command("escalate")
def escalate(ctx: typer.Context) -> None:
    """One escalation pass now (`pochub serve` runs one every POCHUB_ESCALATION_INTERVAL_SECONDS)."""
    from pochub.services.alerts import escalate_overdue

    escalated = escalate_overdue(state(ctx).engine(), worker="cli")
    err.print(f"{len(escalated)} overdue alert(s) escalated")
    for reference in escalated:
        print(reference)


class ExportFormat(StrEnum):
    """What `pochub alerts export` writes."""

    geojson = "geojson"
    csv = "csv"
    hxl = "hxl"
    cap = "cap"


def export_format(output: Path, chosen: ExportFormat | None) -> ExportFormat:
    """``--format``, else the file's name: .csv, .hxl.csv (or .hxl), .zip (CAP), anything else GeoJSON; a CAP
    export to one .xml file is refused (CAP holds one alert per document)."""
    from pochub.errors import InvalidInput

    name = output.name.lower()
    if chosen is None:
        if name.endswith((".hxl.csv", ".hxl")):
            chosen = ExportFormat.hxl
        elif name.endswith(".zip"):
            chosen = ExportFormat.cap
        elif name.endswith(".csv"):
            chosen = ExportFormat.csv
        elif name.endswith(".xml"):
            chosen = ExportFormat.cap
        else:
            chosen = ExportFormat.geojson
    if chosen is ExportFormat.cap and not name.endswith(".zip"):
        raise InvalidInput(
            f"{output}: a CAP 1.2 document holds one alert; write the export as a .zip (one document per alert), "
            "or one alert with `pochub alerts cap REFERENCE`"
        )
    return chosen


@alerts_app.command("export")
def export(
    ctx: typer.Context,
    as_user: AsUser,
    output: Annotated[
        Path,
        typer.Option("-o", "--output", help="File to write: .geojson, .csv, .hxl.csv or .zip (CAP 1.2)."),
    ],
    format: Annotated[
        ExportFormat | None,
        typer.Option(
            "--format",
            help="geojson, csv, hxl (HXL-tagged CSV) or cap (a zip of CAP 1.2 documents); "
            "default: from the file's name.",
        ),
    ] = None,
    language: Language = DocumentLanguage.en,
) -> None:
    """Alerts for sharing: locations fuzzed, no sender details, no message text; the user's area only.

    cap writes a zip of CAP 1.2 documents, one per alert (named by the message's identifier, each checked against
    the OASIS schema); hxl a CSV with HXL hashtags under the header (README: "Partners' formats"). An exercise's
    alerts are never exported here (pochub exercise cap). Every export is audited.
    """
    from pochub.core.models.filters import AlertFilter
    from pochub.services.alert_views import export_alerts
    from pochub.services.partner_exports import export_alerts_cap, export_alerts_hxl

    _ = gettext_for(language.value)
    st = state(ctx)
    user = acting_user(ctx, as_user)
    fmt = export_format(output, format)
    if fmt is ExportFormat.cap:
        archive, count = export_alerts_cap(st.engine(), st.settings, user, AlertFilter())
        output.write_bytes(archive)
        message = _("%(count)s CAP 1.2 document(s), checked against the schema, written to %(file)s")
    elif fmt is ExportFormat.hxl:
        table, count = export_alerts_hxl(st.engine(), st.settings, user, AlertFilter())
        output.write_text(table, encoding="utf-8")
        message = _("%(count)s alert(s) written to %(file)s")
    else:
        text = export_alerts(st.engine(), st.settings, user, AlertFilter(), fmt=fmt.value)
        output.write_text(text, encoding="utf-8")
        count = text.count("\n") - 1 if fmt is ExportFormat.csv else text.count('"Feature"')
        message = _("%(count)s alert(s) written to %(file)s")
    err.print(message % {"count": count, "file": output}, highlight=False, markup=False)


@alerts_app.command("cap")
def cap_document(
    ctx: typer.Context,
    reference: str,
    as_user: AsUser,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File to write (default: print it).")
    ] = None,
    language: Language = DocumentLanguage.en,
) -> None:
    """One alert as a CAP 1.2 document for partners' warning systems (application/cap+xml): checked against the
    OASIS schema, an info block in English and one in French, the place fuzzed, never the sender or the message.

    Each change partners can see is a new message (REF.1 Alert, then REF.2... Update, or Cancel once found
    unfounded). An exercise's alert comes only from the exercise (pochub exercise cap). Audited.
    """
    from pochub.services.partner_exports import alert_cap

    _ = gettext_for(language.value)
    st = state(ctx)
    document = alert_cap(st.engine(), st.settings, reference, acting_user(ctx, as_user))
    if output is None:
        sys.stdout.buffer.write(document)
        sys.stdout.flush()
        return
    output.write_bytes(document)
    err.print(_("CAP 1.2 document written to %(file)s") % {"file": output}, highlight=False, markup=False)


alerts_app.command("stats")(alert_stats.alerts_stats)


@alerts_app.command("sms-format")
def sms_format(language: Language = DocumentLanguage.en) -> None:
    """Print the structured SMS format for staff without data (ALERT <place> <threat> <urgency> <text>)."""
    from pochub.cli.console import in_language
    from pochub.core.warning.staff_sms import format_guide

    for line in format_guide(language.value):
        print(in_language(line, language.value))
