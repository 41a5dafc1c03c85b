"""Local perspectives on the command line: `pochub communities` (profiles), `pochub surveys` (perception surveys),
`pochub engagements` (meetings and commitments), `pochub plans` (protection plans) and `pochub divergence`.

Every command acts as a stored user (``--as``): their role and area apply here as on the web. What a person reads
is in ``--language`` (English or French).
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
from pochub.cli.options import DocumentLanguage, LanguageOption

communities_app = typer.Typer(
    help="Community profiles: what communities say about themselves.", no_args_is_help=True
)
surveys_app = typer.Typer(
    help="Perception surveys (KoBo/ODK exports) and their results.", no_args_is_help=True
)
engagements_app = typer.Typer(
    help="Engagements with communities and the commitments made in them.", no_args_is_help=True
)
plans_app = typer.Typer(help="Community protection plans.", no_args_is_help=True)

AsUser = Annotated[str, typer.Option("--as", help="Act as this user (their role and area apply).")]
Language = Annotated[DocumentLanguage, typer.Option("--language", help="en (English) or fr (French).")]


class Format(StrEnum):
    """How a listing prints."""

    table = "table"
    json = "json"


def _figure(estimate: Any, language: DocumentLanguage) -> str:
    if estimate.suppressed:
        return f"— ({in_language(estimate.why, language.value)})"
    return f"{estimate.share:.0%} ({estimate.low:.0%}–{estimate.high:.0%}, n={estimate.respondents})"


# --- communities -------------------------------------------------------------------------------------------------


@communities_app.command("show")
def community_show(
    ctx: typer.Context, community: str, as_user: AsUser, language: Language = DocumentLanguage.en
) -> None:
    """A community's profile as YAML (edit it and save it with `pochub communities edit`), then its history."""
    from pochub.core.perspectives.profiles import to_document
    from pochub.services.profiles import community_profile, profile_history

    st, _ = state(ctx), gettext_for(language.value)
    user = acting_user(ctx, as_user)
    current = community_profile(st.engine(), user, community)
    out.print(yaml.safe_dump({"community": current.community, "version": current.version,
                              "profile": to_document(current.profile)}, allow_unicode=True, sort_keys=False), end="",
              highlight=False, markup=False)  # fmt: skip
    for entry in profile_history(st.engine(), user, community):
        changes = "; ".join(in_language(c, language.value) for c in entry.changes)
        err.print(_("version %(version)s, %(when)s, %(who)s: %(changes)s") % {
            "version": entry.version, "when": entry.changed_at.isoformat(timespec="minutes"), "who": entry.changed_by,
            "changes": changes}, highlight=False, markup=False)  # fmt: skip


@communities_app.command("edit")
def community_edit(
    ctx: typer.Context,
    community: str,
    file: Annotated[
        Path, typer.Option("--file", help="The profile as YAML (the output of `communities show`).")
    ],
    as_user: AsUser,
    note: Annotated[str, typer.Option(help="Where the change comes from (a visit, a meeting).")] = "",
    language: Language = DocumentLanguage.en,
) -> None:
    """Save a new version of a community's profile; refused if someone saved another since the file's version."""
    from pochub.core.perspectives.profiles import from_document
    from pochub.errors import InvalidInput
    from pochub.services.profiles import save_profile

    _ = gettext_for(language.value)
    document = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    if not isinstance(document, dict) or "version" not in document:
        raise InvalidInput(f"{file}: expected the YAML of `pochub communities show` (version and profile)")
    version = save_profile(state(ctx).engine(), acting_user(ctx, as_user), community, from_document(document.get("profile") or {}),
                           based_on=int(document["version"]), note=note)  # fmt: skip
    err.print(
        _("saved version %(version)s of the profile of %(community)s")
        % {"version": version, "community": community}
    )


# --- surveys -----------------------------------------------------------------------------------------------------


@surveys_app.command("import")
def survey_import(
    ctx: typer.Context,
    export: Path,
    mapping: Annotated[
        Path, typer.Option("--mapping", help="The mapping file: which question measures what.")
    ],
    form: Annotated[
        Path | None, typer.Option("--form", help="The XLSForm, for labels in both languages.")
    ] = None,
    replace: Annotated[bool, typer.Option(help="Replace waves already imported.")] = False,
    language: Language = DocumentLanguage.en,
) -> None:
    """Import a KoBo/ODK export (CSV or XLSX) through a mapping file; all rows or none."""
    from pochub.services.perspectives import import_survey

    _ = gettext_for(language.value)
    summary = import_survey(state(ctx).engine(), export, mapping, form, replace=replace)
    err.print(_("%(survey)s: %(respondents)s respondents in %(communities)s communities, waves %(waves)s") % {
        "survey": summary.survey, "respondents": summary.respondents, "communities": summary.communities,
        "waves": ", ".join(summary.waves)}, highlight=False)  # fmt: skip
    if summary.replaced:
        err.print(_("%(count)s earlier answers replaced") % {"count": summary.replaced})


@surveys_app.command("results")
def survey_results(
    ctx: typer.Context,
    survey: str,
    as_user: AsUser,
    wave: Annotated[str | None, typer.Option(help="One wave only.")] = None,
    output: Annotated[Format, typer.Option("--format")] = Format.table,
    language: Language = DocumentLanguage.en,
) -> None:
    """The survey's figures per community and wave, with intervals; withheld figures say why."""
    from pochub.core.perspectives.surveys import Estimate
    from pochub.services.perspectives import survey_results as results_of

    _ = gettext_for(language.value)
    results = results_of(state(ctx).engine(), acting_user(ctx, as_user), survey, wave=wave)
    if output is Format.json:

        def shown(e: Estimate) -> dict[str, Any]:
            if e.suppressed:
                return {"withheld": in_language(e.why, language.value)}
            return {"share": e.share, "low": e.low, "high": e.high, "respondents": e.respondents}

        rows = [{"community_id": c.community_id, "community": c.community, "pcode": c.pcode, "wave": c.wave,
                 "figures": {k: shown(v) if isinstance(v, Estimate) else {code: shown(e) for code, e in v.items()}
                             for k, v in c.figures.items()}} for c in results.communities]  # fmt: skip
        print(
            json.dumps({"survey": results.survey, "minimum": results.minimum, "communities": rows}, indent=1)
        )
        return
    simple = [m for m in results.measures if not m.per_choice]
    table = Table(_("community"), _("wave"), *(m.label(language.value) for m in simple),
                  title=_("%(survey)s (no figure from fewer than %(minimum)s respondents)") % {
                      "survey": results.survey, "minimum": results.minimum})  # fmt: skip
    for c in results.communities:
        table.add_row(
            f"{c.community} ({c.community_id})", c.wave, *(_figure(c.figures[m.id], language) for m in simple)
        )
    out.print(table)


# --- engagements -------------------------------------------------------------------------------------------------


@engagements_app.command("board")
def engagements_board(
    ctx: typer.Context,
    as_user: AsUser,
    closed: Annotated[
        bool, typer.Option("--closed", help="Include commitments closed with feedback.")
    ] = False,
    language: Language = DocumentLanguage.en,
) -> None:
    """The commitments the mission made to communities: overdue first, then those awaiting feedback."""
    from pochub.core.perspectives.engagements import COMMITMENT_LABELS
    from pochub.services.engagements import commitments_board

    _ = gettext_for(language.value)
    board = commitments_board(state(ctx).engine(), acting_user(ctx, as_user), include_closed=closed)
    table = Table(_("number"), _("community"), _("commitment"), _("owner"), _("due"), _("status"),
                  title=_("Commitments to communities: %(count)s") % {"count": len(board)})  # fmt: skip
    for r in board:
        status = in_language(COMMITMENT_LABELS[r.commitment.status], language.value)
        if r.overdue:
            status = f"[bold red]{_('overdue')}[/] — {status}"
        table.add_row(str(r.commitment_id), r.community, r.commitment.what, r.commitment.owner_post,
                      r.commitment.due.isoformat(), status)  # fmt: skip
    out.print(table)


@engagements_app.command("act")
def engagements_act(
    ctx: typer.Context,
    commitment: int,
    action: Annotated[str, typer.Argument(help="start, deliver, give_up or close.")],
    as_user: AsUser,
    outcome: Annotated[str, typer.Option(help="What was done, or why it cannot be kept.")] = "",
    feedback: Annotated[str, typer.Option(help="What the community was told (closing needs it).")] = "",
    channel: Annotated[
        str, typer.Option(help="How it was told: phone, sms, radio, in_person, community_meeting.")
    ] = "in_person",
    language: Language = DocumentLanguage.en,
) -> None:
    """Take a commitment a step further; closing needs the feedback given to the community."""
    from pochub.core.models.alerts import Feedback, FeedbackChannel
    from pochub.core.perspectives.engagements import COMMITMENT_LABELS, CommitmentAction
    from pochub.errors import InvalidInput
    from pochub.services.engagements import act_on_commitment

    _ = gettext_for(language.value)
    try:
        chosen, told_by = CommitmentAction(action), FeedbackChannel(channel)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    told = Feedback(told_by, feedback, datetime.now(UTC)) if feedback.strip() else None
    after = act_on_commitment(
        state(ctx).engine(), acting_user(ctx, as_user), commitment, chosen, outcome=outcome, feedback=told
    )
    err.print(_("commitment %(number)s: %(status)s") % {"number": commitment,
                                                      "status": in_language(COMMITMENT_LABELS[after.status], language.value)})  # fmt: skip


# --- plans -------------------------------------------------------------------------------------------------------


@plans_app.command("save")
def plans_save(
    ctx: typer.Context,
    file: Path,
    as_user: AsUser,
    based_on: Annotated[
        int, typer.Option("--based-on", help="The plan's version you edited (0 for a new plan).")
    ] = 0,
    language: Language = DocumentLanguage.en,
) -> None:
    """Save a protection plan written as YAML (threats, community measures, commitments, indicators, reviews)."""
    from pochub.services.protection_plans import load_plan_file, save_plan

    _ = gettext_for(language.value)
    plan = load_plan_file(str(file), file.read_text(encoding="utf-8"))
    version = save_plan(state(ctx).engine(), acting_user(ctx, as_user), plan, based_on=based_on)
    err.print(_("saved version %(version)s of the protection plan of %(community)s") % {
        "version": version, "community": plan.community_id})  # fmt: skip


@plans_app.command("list")
def plans_list(ctx: typer.Context, as_user: AsUser, language: Language = DocumentLanguage.en) -> None:
    """The protection plans of your area, those needing review first, with why."""
    from pochub.services.protection_plans import plans

    _ = gettext_for(language.value)
    found = plans(state(ctx).engine(), acting_user(ctx, as_user))
    table = Table(
        _("community"), _("version"), _("agreed"), _("needs review because"), title=_("Protection plans")
    )
    for p in found:
        reasons = "; ".join(in_language(r, language.value) for r in p.review_reasons) or _("no review due")
        table.add_row(
            f"{p.community} ({p.community_id})", str(p.version), p.plan.agreed_on.isoformat(), reasons
        )
    out.print(table)


@plans_app.command("document")
def plans_document(
    ctx: typer.Context,
    community: str,
    as_user: AsUser,
    output: Annotated[Path, typer.Option("-o", "--output", help="The file to write (.html or .pdf).")],
    language: LanguageOption = DocumentLanguage.en,
) -> None:
    """Write a community's protection plan as HTML or PDF, in English or French."""
    from pochub.documents import protection_plan
    from pochub.services.protection_plans import current_plan

    _ = gettext_for(language.value)
    plan = current_plan(state(ctx).engine(), acting_user(ctx, as_user), community)
    today = date.today()
    if output.suffix.lower() == ".pdf":
        output.write_bytes(
            protection_plan.render_pdf(
                plan.plan, plan.community, today, language.value, list(plan.review_reasons)
            )
        )
    else:
        output.write_text(protection_plan.render_html(plan.plan, plan.community, today, language.value,
                                                      list(plan.review_reasons)), encoding="utf-8")  # fmt: skip
    err.print(_("wrote %(file)s") % {"file": output})


# --- divergence --------------------------------------------------------------------------------------------------


def divergence_command(
    ctx: typer.Context,
    as_user: AsUser,
    level: Annotated[int, typer.Option(help="Admin level of the areas compared.")] = 2,
    survey: Annotated[str | None, typer.Option(help="The survey (default: the latest imported).")] = None,
    measure: Annotated[str | None, typer.Option(help="The survey's yes/no measure of feeling safe.")] = None,
    days: Annotated[int, typer.Option(help="Days of recorded events compared.")] = 365,
    language: Language = DocumentLanguage.en,
) -> None:
    """Areas where what communities say and recorded violence against civilians disagree, with the evidence."""
    from pochub.core.perspectives.divergence import DIVERGENCE_LABELS
    from pochub.services.perspectives import divergence

    _ = gettext_for(language.value)
    flagged = divergence(
        state(ctx).engine(), acting_user(ctx, as_user), level=level, survey=survey, measure=measure, days=days
    )
    if not flagged:
        out.print(_("No area where communities' accounts and recorded events clearly disagree."))
        return
    table = Table(
        _("area"),
        _("what disagrees"),
        _("evidence"),
        title=_("Divergence: %(count)s areas") % {"count": len(flagged)},
    )
    for area in flagged:
        table.add_row(f"{area.name} ({area.pcode})", in_language(DIVERGENCE_LABELS[area.kind], language.value),
                      "\n".join(in_language(e, language.value) for e in area.evidence))  # fmt: skip
    out.print(table)


@communities_app.command("import")
def community_import(
    ctx: typer.Context,
    file: Path,
    as_user: AsUser,
    note: Annotated[
        str, typer.Option(help="Where the profiles come from (a survey round, a workshop).")
    ] = "",
    language: Language = DocumentLanguage.en,
) -> None:
    """Import community profiles from a table (CSV, XLSX or a KoBo export), one row per community; all or none."""
    from pochub.services.profiles import import_profiles

    _ = gettext_for(language.value)
    done = import_profiles(state(ctx).engine(), acting_user(ctx, as_user), file, note=note)
    err.print(_("%(file)s: %(saved)s profiles saved as new versions, %(unchanged)s unchanged") % {
        "file": done.file, "saved": done.saved, "unchanged": done.unchanged})  # fmt: skip
