"""Coordination in practice on the command line: `pochub forums` (record a meeting, draft the next agenda, write
the minutes) and `pochub actions` (the action points board, updating one, a checklist's measures as action points).

Every command acts as a stored user (``--as``): their role, post and area apply here as on the web. What a person
reads is in ``--language`` (English or French).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.table import Table

from pochub.cli.console import acting_user, err, gettext_for, in_language, out, state
from pochub.cli.options import DocumentLanguage

forums_app = typer.Typer(
    help="Forum meetings of the structure's bodies: record, draft the next agenda, minutes.",
    no_args_is_help=True,
)
actions_app = typer.Typer(
    help="Action points: the board, updates, a checklist's measures.", no_args_is_help=True
)

AsUser = Annotated[str, typer.Option("--as", help="Act as this user (their role, post and area apply).")]
Language = Annotated[DocumentLanguage, typer.Option("--language", help="en (English) or fr (French).")]


class Format(StrEnum):
    """How a listing prints."""

    table = "table"
    json = "json"


def _date(value: Any, what: str) -> date:
    from pochub.errors import InvalidInput

    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"{what}: expected a date as YYYY-MM-DD, got {value!r}") from None


def meeting_from_document(document: Any, source: str) -> Any:
    """A meeting from its YAML document (body, held_on, agenda, attendance, decisions with action points)."""
    from pochub.core.coordination_practice.actions import ActionLinks, ActionPoint
    from pochub.core.coordination_practice.forums import Decision, Meeting
    from pochub.errors import InvalidInput

    if not isinstance(document, dict) or "body" not in document or "held_on" not in document:
        raise InvalidInput(f"{source}: expected a meeting with at least body, held_on and attendance")
    body = str(document["body"])
    decisions = []
    for d in document.get("decisions") or []:
        points = tuple(
            ActionPoint(
                str(p.get("what", "")), str(p.get("owner", "")), _date(p.get("due"), f"{source}: due"), body,
                links=ActionLinks(
                    str(p.get("threat", "")), str(p.get("alert", "")), str(p.get("community", "")),
                    int(p["commitment"]) if p.get("commitment") is not None else None, str(p.get("checklist", "")),
                ),
            )
            for p in d.get("action_points") or []
        )  # fmt: skip
        decisions.append(Decision(str(d.get("text", "")), points))
    return Meeting(
        body, _date(document["held_on"], f"{source}: held_on"), tuple(str(a) for a in document.get("agenda") or []),
        tuple(str(p) for p in document.get("attendance") or []), tuple(decisions), str(document.get("note") or ""),
    )  # fmt: skip


@forums_app.command("record")
def forums_record(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Option(
            "--file",
            help="The meeting as YAML: body, held_on, agenda, attendance, "
            "decisions (text, action_points: what, owner, due, threat, alert, community, "
            "commitment, checklist), note.",
        ),
    ],
    as_user: AsUser,
    language: Language = DocumentLanguage.en,
) -> None:
    """Record a meeting of a body; says the attendance flags (quorum, missing components)."""
    from pochub.services.forums import meeting, record_meeting

    _ = gettext_for(language.value)
    user = acting_user(ctx, as_user)
    engine = state(ctx).engine()
    meeting_id = record_meeting(
        engine, user, meeting_from_document(yaml.safe_load(file.read_text("utf-8")), str(file))
    )
    recorded = meeting(engine, user, meeting_id)
    out.print(str(meeting_id), highlight=False)
    err.print(_("recorded meeting %(number)s of %(body)s") % {"number": meeting_id, "body": recorded.body},
              highlight=False, markup=False)  # fmt: skip
    for flag in recorded.check.flags():
        err.print(in_language(flag, language.value), highlight=False, markup=False)


@forums_app.command("list")
def forums_list(
    ctx: typer.Context,
    body: Annotated[str, typer.Option(help="The body's id (see pochub structure).")],
    as_user: AsUser,
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
) -> None:
    """A body's meetings, newest first."""
    from pochub.services.forums import body_meetings, forum_structure

    engine = state(ctx).engine()
    records = body_meetings(engine, acting_user(ctx, as_user), body)
    if fmt is Format.json:
        structure = forum_structure(engine)
        out.print_json(json.dumps([r.as_dict(structure) for r in records]))
        return
    table = Table("id", "held on", "present", "quorate", "decisions")
    for r in records:
        table.add_row(str(r.meeting_id), r.held_on.isoformat(), str(len(r.attendance)), "yes" if r.check.quorate else "no",
                      str(len(r.decisions)))  # fmt: skip
    out.print(table)


@forums_app.command("agenda")
def forums_agenda(
    ctx: typer.Context,
    body: Annotated[str, typer.Option(help="The body's id.")],
    as_user: AsUser,
    on: Annotated[str | None, typer.Option("--date", help="The meeting's date (default: today).")] = None,
    coverage: Annotated[bool, typer.Option("--coverage", help="Add coverage gaps (slower).")] = False,
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
    language: Language = DocumentLanguage.en,
) -> None:
    """Draft the next agenda of a body from the data."""
    from pochub.services.forums import draft_next_agenda

    _ = gettext_for(language.value)
    st = state(ctx)
    agenda = draft_next_agenda(
        st.engine(), acting_user(ctx, as_user), body, meeting_on=_date(on, "--date") if on else None, settings=st.settings,
        with_coverage=coverage,
    )  # fmt: skip
    if fmt is Format.json:
        out.print_json(json.dumps({
            "body": agenda.body_id, "meeting_on": agenda.meeting_on.isoformat(),
            "last_meeting_on": agenda.last_meeting_on.isoformat() if agenda.last_meeting_on else None,
            "items": [{"key": i.key, "title": in_language(i.title, language.value), "lines": [in_language(x, language.value) for x in i.lines]}
                      for i in agenda.items],
        }))  # fmt: skip
        return
    for number, item in enumerate(agenda.items, 1):
        out.print(f"{number}. {in_language(item.title, language.value)}", highlight=False, markup=False)
        for line in item.lines or (_("nothing to report"),):
            out.print(f"   - {in_language(line, language.value)}", highlight=False, markup=False)


@forums_app.command("minutes")
def forums_minutes(
    ctx: typer.Context,
    meeting_id: int,
    as_user: AsUser,
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write: .html, .pdf or .docx.")],
    language: Language = DocumentLanguage.en,
) -> None:
    """Write a meeting's minutes as HTML, PDF or DOCX."""
    from pochub.documents import minutes
    from pochub.errors import InvalidInput
    from pochub.services.forums import forum_structure, meeting

    engine = state(ctx).engine()
    record = meeting(engine, acting_user(ctx, as_user), meeting_id)
    structure = forum_structure(engine)
    suffix = output.suffix.lower()
    if suffix == ".html":
        output.write_text(minutes.render_html(record, structure, language.value), encoding="utf-8")
    elif suffix == ".pdf":
        output.write_bytes(minutes.render_pdf(record, structure, language.value))
    elif suffix == ".docx":
        output.write_bytes(minutes.render_docx(record, structure, language.value))
    else:
        raise InvalidInput(f"{output}: write minutes as .html, .pdf or .docx")
    err.print(str(output), highlight=False, markup=False)


# --- action points -----------------------------------------------------------------------------------------------


@actions_app.command("list")
def actions_list(
    ctx: typer.Context,
    as_user: AsUser,
    body: Annotated[str | None, typer.Option(help="Only this body's action points.")] = None,
    post: Annotated[str | None, typer.Option(help="Only those this post owns.")] = None,
    team: Annotated[
        int | None, typer.Option(help="Only those from this joint team's recommendations.")
    ] = None,
    include_ended: Annotated[bool, typer.Option("--all", help="Include done and dropped ones.")] = False,
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
    language: Language = DocumentLanguage.en,
) -> None:
    """The action points board: overdue first."""
    from pochub.core.coordination_practice.actions import ACTION_STATUS_LABELS
    from pochub.core.models.coordination import structure_in
    from pochub.services.action_points import action_points_board
    from pochub.services.forums import forum_structure
    from pochub.services.threat_names import threat_texts_of

    _ = gettext_for(language.value)
    engine = state(ctx).engine()
    records = action_points_board(engine, acting_user(ctx, as_user), body_id=body, owner_post=post,
                                  team_id=team, include_ended=include_ended)  # fmt: skip
    if fmt is Format.json:
        out.print_json(json.dumps([r.as_dict() for r in records]))
        return
    threats = threat_texts_of(engine, (r.point.links.threat_key for r in records))
    structure = structure_in(forum_structure(engine), language.value) if records else None
    table = Table(
        _("Action point"), _("Owner"), _("Due"), _("Status"), _("Body"), _("Threat"), _("Joint team")
    )
    for r in records:
        assert structure is not None
        status = in_language(ACTION_STATUS_LABELS[r.point.status], language.value) + (
            f" ({_('overdue')})" if r.overdue else ""
        )
        body_of = structure.body(r.point.body_id)
        key = r.point.links.threat_key
        table.add_row(
            f"{r.reference} {in_language(r.what_text, language.value)}",
            structure.title_of(r.point.owner_post),
            r.point.due.isoformat(),
            status,
            str(body_of.name) if body_of is not None else r.point.body_id,
            in_language(threats[key], language.value) if key else "",
            _("team %(number)s") % {"number": r.team_id} if r.team_id is not None else "",
        )
    out.print(table)


@actions_app.command("update")
def actions_update(
    ctx: typer.Context,
    action_point_id: int,
    step: Annotated[str, typer.Argument(help="start, complete or drop")],
    as_user: AsUser,
    note: Annotated[str, typer.Option(help="What was done, or why it is dropped (required to drop).")] = "",
    language: Language = DocumentLanguage.en,
) -> None:
    """Move an action point: start, complete, or drop (with a reason)."""
    from pochub.core.coordination_practice.actions import ACTION_STATUS_LABELS, ActionStep
    from pochub.errors import InvalidInput
    from pochub.services.action_points import update_action_point

    _ = gettext_for(language.value)
    try:
        chosen = ActionStep(step)
    except ValueError:
        raise InvalidInput(f"unknown step {step!r} (start, complete, drop)") from None
    record = update_action_point(
        state(ctx).engine(), acting_user(ctx, as_user), action_point_id, chosen, note=note
    )
    err.print(_("%(reference)s is now %(status)s") % {"reference": record.reference,
              "status": in_language(ACTION_STATUS_LABELS[record.point.status], language.value)}, highlight=False, markup=False)  # fmt: skip


class ExportFormat(StrEnum):
    """What `pochub actions export` writes."""

    hxl = "hxl"
    csv = "csv"


@actions_app.command("export")
def actions_export(
    ctx: typer.Context,
    as_user: AsUser,
    output: Annotated[Path, typer.Option("-o", "--output", help="The CSV file to write.")],
    fmt: Annotated[
        ExportFormat, typer.Option("--format", help="hxl (HXL hashtags under the header) or csv (without).")
    ] = ExportFormat.hxl,
    body: Annotated[str | None, typer.Option(help="Only this body's action points.")] = None,
    post: Annotated[str | None, typer.Option(help="Only those this post owns.")] = None,
    include_ended: Annotated[bool, typer.Option("--all", help="Include done and dropped ones.")] = False,
    language: Language = DocumentLanguage.en,
) -> None:
    """The action points the user may read as HXL-tagged CSV for partners' tools (README: "Partners' formats"):
    owner post, due date, status (its label in --language), what they address; no notes; a community named only
    as the user may see it; formulas neutralised. Audited."""
    from pochub.services.partner_exports import export_action_points_hxl

    _ = gettext_for(language.value)
    table, count = export_action_points_hxl(
        state(ctx).engine(), acting_user(ctx, as_user), language=language.value, body_id=body, owner_post=post,
        include_ended=include_ended, tags=fmt is ExportFormat.hxl,
    )  # fmt: skip
    output.write_text(table, encoding="utf-8")
    err.print(_("%(count)s action point(s) written to %(file)s") % {"count": count, "file": output},
              highlight=False, markup=False)  # fmt: skip


@actions_app.command("from-checklist")
def actions_from_checklist(
    ctx: typer.Context,
    as_user: AsUser,
    body: Annotated[
        str, typer.Option(help="The body that follows the measures up (e.g. the PoC working group).")
    ],
    answers: Annotated[
        Path | None, typer.Option(help="The filled checklist (pochub checklist --template).")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="The assessment's date (default: today).")
    ] = None,
    language: Language = DocumentLanguage.en,
) -> None:
    """Keep a checklist self-assessment, make its remedial measures action points and compare it, task by task,
    with the previous one."""
    from pochub.services.action_points import record_checklist_assessment
    from pochub.services.forums import forum_structure
    from pochub.services.structures import assess_checklist

    _ = gettext_for(language.value)
    engine = state(ctx).engine()
    day = _date(as_of, "--as-of") if as_of else datetime.now(UTC).date()
    assessment = assess_checklist(forum_structure(engine), answers, day)
    recorded = record_checklist_assessment(engine, acting_user(ctx, as_user), assessment, body_id=body)
    err.print(_("%(count)s action point(s) made from the checklist's measures") % {"count": len(recorded.action_points)},
              highlight=False, markup=False)  # fmt: skip
    table = Table(_("Task"), _("Previous"), _("Now"), _("Change"))
    for change in recorded.changes:
        table.add_row(change.task, "—" if change.previous_score is None else f"{change.previous_score:.0f}",
                      f"{change.score:.0f}", "—" if change.change is None else f"{change.change:+.0f}")  # fmt: skip
    out.print(table)


@actions_app.command("from-team")
def actions_from_team(
    ctx: typer.Context,
    team: Annotated[int, typer.Argument(help="The joint team (pochub teams list).")],
    as_user: AsUser,
    body: Annotated[str, typer.Option(help="The body that follows the recommendations up.")],
    owner: Annotated[str, typer.Option(help="The post that owns them (a role id of the structure).")],
    due: Annotated[str, typer.Option(help="When they are due (YYYY-MM-DD).")],
    language: Language = DocumentLanguage.en,
) -> None:
    """Make a reported team's recommendations action points of a body, each linked to the team (a recommendation
    already made one is not made again); prints their ids."""
    from pochub.services.joint_teams import recommendations_to_action_points

    _ = gettext_for(language.value)
    made = recommendations_to_action_points(
        state(ctx).engine(),
        acting_user(ctx, as_user),
        team,
        body_id=body,
        owner_post=owner,
        due=_date(due, "--due"),
    )
    for action_point_id in made:
        out.print(str(action_point_id), highlight=False)
    err.print(_("%(count)s action point(s) made from the team's recommendations") % {"count": len(made)},
              highlight=False, markup=False)  # fmt: skip


@actions_app.command("escalate")
def actions_escalate(ctx: typer.Context, language: Language = DocumentLanguage.en) -> None:
    """One escalation pass of the overdue action points now (`pochub serve` runs one with the alerts' every
    POCHUB_ESCALATION_INTERVAL_SECONDS): each climbs its body's escalation path, one outbox notification per body
    reached; prints the references escalated."""
    from pochub.services.action_points import escalate_overdue_action_points

    _ = gettext_for(language.value)
    escalated = escalate_overdue_action_points(state(ctx).engine(), worker="cli")
    for reference in escalated:
        out.print(reference, highlight=False)
    err.print(_("%(count)s overdue action point(s) escalated") % {"count": len(escalated)},
              highlight=False, markup=False)  # fmt: skip
