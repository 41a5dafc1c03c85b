"""Joint protection teams and joint assessment missions on the command line: `pochub teams request|plan|deploy|
report|close|cancel|list|show`.

Every command acts as a stored user (``--as``): their role and area apply here as on the web. What a person reads
is in ``--language`` (English or French).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from pochub.cli.console import acting_user, err, gettext_for, in_language, out, state
from pochub.cli.options import DocumentLanguage

teams_app = typer.Typer(
    help="Joint protection teams and joint assessment missions: request, plan, deploy, report.",
    no_args_is_help=True,
)

AsUser = Annotated[str, typer.Option("--as", help="Act as this user (their role and area apply).")]
Language = Annotated[DocumentLanguage, typer.Option("--language", help="en (English) or fr (French).")]


def _status(team: Any, language: DocumentLanguage) -> str:
    from pochub.core.teams.missions import STATUS_LABELS

    return in_language(STATUS_LABELS[team.status], language.value)


@teams_app.command("request")
def teams_request(
    ctx: typer.Context,
    community: str,
    as_user: AsUser,
    purpose: Annotated[str, typer.Option(help="What the team is for.")],
    member: Annotated[
        list[str],
        typer.Option(
            help="component:post, repeated (civil_affairs, human_rights, child_protection, "
            "unpol, force, cla)."
        ),
    ],
    kind: Annotated[
        str, typer.Option(help="jpt (joint protection team) or jam (joint assessment mission).")
    ] = "jpt",
    threat: Annotated[str, typer.Option(help="The threat matrix row it answers (its key).")] = "",
    alert: Annotated[str, typer.Option(help="The alert it answers (its reference).")] = "",
    language: Language = DocumentLanguage.en,
) -> None:
    """Request a team for a community, from a threat row, an alert or (by default) the community's own request."""
    from pochub.core.teams.missions import COMPONENT_LABELS, Component, Member, Origin, Team, TeamKind
    from pochub.errors import InvalidInput
    from pochub.services.joint_teams import request_team

    _ = gettext_for(language.value)
    try:
        members = tuple(
            Member(Component(c.strip()), p.strip()) for c, _s, p in (m.partition(":") for m in member)
        )
        chosen = TeamKind(kind)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    origin, ref = (
        (Origin.THREAT, threat)
        if threat
        else (Origin.ALERT, alert)
        if alert
        else (Origin.COMMUNITY, community)
    )
    team = Team(chosen, origin, ref, community, purpose, members)
    team_id = request_team(state(ctx).engine(), acting_user(ctx, as_user), team)
    err.print(_("team %(number)s requested") % {"number": team_id})
    if team.missing:
        missing = ", ".join(in_language(COMPONENT_LABELS[c], language.value) for c in team.missing)
        err.print(_("missing components: %(components)s") % {"components": missing})


@teams_app.command("plan")
def teams_plan(
    ctx: typer.Context,
    team: int,
    as_user: AsUser,
    departs: Annotated[str, typer.Option(help="When it leaves (ISO 8601, UTC when no zone).")],
    season: Annotated[str, typer.Option(help="dry or rainy: the roads it travels.")] = "dry",
    offroad_speed: Annotated[float, typer.Option("--offroad-speed", help="km/h off the roads.")] = 5.0,
    route: Annotated[str, typer.Option(help="A note on the route or the security clearance.")] = "",
    language: Language = DocumentLanguage.en,
) -> None:
    """Plan a team: the fastest available ground unit escorts it; the travel time is by road in the season."""
    from pochub.errors import InvalidInput
    from pochub.services.joint_teams import plan_team

    _ = gettext_for(language.value)
    try:
        leaves = datetime.fromisoformat(departs)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    leaves = leaves if leaves.tzinfo else leaves.replace(tzinfo=UTC)
    after = plan_team(
        state(ctx).engine(), acting_user(ctx, as_user), team, departs=leaves, season=season, off_road_kmh=offroad_speed,
        route_note=route,
    )  # fmt: skip
    assert after.plan is not None
    err.print(
        _("team %(number)s planned: escort %(unit)s from %(base)s, %(hours)s h by road") % {
            "number": team, "unit": after.plan.escort_unit, "base": after.plan.base,
            "hours": f"{after.plan.travel_hours:.1f}",
        }
    )  # fmt: skip


@teams_app.command("deploy")
def teams_deploy(
    ctx: typer.Context, team: int, as_user: AsUser, language: Language = DocumentLanguage.en
) -> None:
    """The team has left."""
    from pochub.services.joint_teams import deploy_team

    after = deploy_team(state(ctx).engine(), acting_user(ctx, as_user), team)
    err.print(
        gettext_for(language.value)("team %(number)s: %(status)s")
        % {"number": team, "status": _status(after, language)}
    )


@teams_app.command("report")
def teams_report(
    ctx: typer.Context,
    team: int,
    as_user: AsUser,
    threat: Annotated[
        list[str], typer.Option(help="type:perpetrator as named, repeated (a type of the threat taxonomy).")
    ] = [],  # noqa: B006 - typer reads the default
    need: Annotated[list[str], typer.Option(help="A need heard, repeated.")] = [],  # noqa: B006
    recommend: Annotated[list[str], typer.Option(help="A recommendation, repeated.")] = [],  # noqa: B006
    language: Language = DocumentLanguage.en,
) -> None:
    """Report what the team heard: it updates the community's profile and the threat matrix's evidence."""
    from pochub.core.models.taxonomy import ThreatType
    from pochub.core.teams.missions import Finding, Findings
    from pochub.errors import InvalidInput
    from pochub.services.joint_teams import report_team

    try:
        heard = tuple(
            Finding(ThreatType(t.strip()), p.strip()) for t, _s, p in (x.partition(":") for x in threat)
        )
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    after = report_team(
        state(ctx).engine(), acting_user(ctx, as_user), team, Findings(heard, tuple(need), tuple(recommend))
    )
    err.print(
        gettext_for(language.value)("team %(number)s: %(status)s")
        % {"number": team, "status": _status(after, language)}
    )


@teams_app.command("close")
def teams_close(
    ctx: typer.Context, team: int, as_user: AsUser, language: Language = DocumentLanguage.en
) -> None:
    """Close a reported team."""
    from pochub.services.joint_teams import close_team

    after = close_team(state(ctx).engine(), acting_user(ctx, as_user), team)
    err.print(
        gettext_for(language.value)("team %(number)s: %(status)s")
        % {"number": team, "status": _status(after, language)}
    )


@teams_app.command("cancel")
def teams_cancel(
    ctx: typer.Context,
    team: int,
    as_user: AsUser,
    reason: Annotated[str, typer.Option(help="Why the team will not go.")],
    language: Language = DocumentLanguage.en,
) -> None:
    """Cancel a team that has not reported, with the reason."""
    from pochub.services.joint_teams import cancel_team

    after = cancel_team(state(ctx).engine(), acting_user(ctx, as_user), team, reason)
    err.print(
        gettext_for(language.value)("team %(number)s: %(status)s")
        % {"number": team, "status": _status(after, language)}
    )


@teams_app.command("list")
def teams_list(
    ctx: typer.Context,
    as_user: AsUser,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    language: Language = DocumentLanguage.en,
) -> None:
    """The teams of your area, newest first, with their escort, travel time and missing components."""
    from pochub.core.teams.missions import COMPONENT_LABELS, KIND_LABELS
    from pochub.services.joint_teams import list_teams, team_document

    _ = gettext_for(language.value)
    records = list_teams(state(ctx).engine(), acting_user(ctx, as_user))
    if as_json:
        print(json.dumps([team_document(r) for r in records], ensure_ascii=False, indent=1))
        return
    table = Table(_("number"), _("kind"), _("community"), _("status"), _("escort"), _("travel time"),
                  _("missing components"), title=_("Joint teams: %(count)s") % {"count": len(records)})  # fmt: skip
    for r in records:
        plan = r.team.plan
        table.add_row(
            str(r.team_id), in_language(KIND_LABELS[r.team.kind], language.value), r.community, _status(r.team, language),
            plan.escort_unit if plan else "", f"{plan.travel_hours:.1f} h" if plan else "",
            ", ".join(in_language(COMPONENT_LABELS[c], language.value) for c in r.team.missing),
        )  # fmt: skip
    out.print(table)


@teams_app.command("show")
def teams_show(
    ctx: typer.Context,
    team: int,
    as_user: AsUser,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    language: Language = DocumentLanguage.en,
) -> None:
    """One team of your area: what it answers (a threat row named by its area, threat and perpetrator), its members
    and the components it lacks, its plan, its findings and its steps."""
    from pochub.core.models.taxonomy import threat_label
    from pochub.core.teams.missions import (
        COMPONENT_LABELS,
        KIND_LABELS,
        ORIGIN_LABELS,
        SEASON_LABELS,
        STATUS_LABELS,
        TeamStatus,
    )
    from pochub.services import joint_teams

    _ = gettext_for(language.value)
    engine = state(ctx).engine()
    record = joint_teams.team(engine, acting_user(ctx, as_user), team)
    if as_json:
        print(json.dumps(joint_teams.team_document(record), ensure_ascii=False, indent=1))
        return
    found, titles = record.team, joint_teams.post_titles(engine, language.value)
    lines = [
        f"{in_language(KIND_LABELS[found.kind], language.value)} {record.team_id} — {record.community}",
        in_language(STATUS_LABELS[found.status], language.value) + " · " + _("requested from %(origin)s: %(reference)s")
        % {"origin": in_language(ORIGIN_LABELS[found.origin], language.value),
           "reference": in_language(record.origin_text, language.value)},
        found.purpose, "", _("Members"),
        *(f"  {in_language(COMPONENT_LABELS[m.component], language.value)}: {titles.get(m.post, m.post)}"
          for m in found.members),
    ]  # fmt: skip
    if found.missing:
        lines.append(_("Missing components:") + " " + ", ".join(
            in_language(COMPONENT_LABELS[c], language.value) for c in found.missing))  # fmt: skip
    lines += ["", _("Plan")]
    plan = found.plan
    lines.append(_("Not planned yet.") if plan is None else _(
        "Escort: %(unit)s from %(base)s, %(hours)s h by road in the %(season)s season, leaving %(departs)s."
    ) % {"unit": plan.escort_unit, "base": plan.base, "hours": f"{plan.travel_hours:.1f}",
         "season": in_language(SEASON_LABELS.get(plan.season, plan.season), language.value),
         "departs": plan.departs.strftime("%Y-%m-%d %H:%M UTC")})  # fmt: skip
    if found.findings is not None:
        lines += ["", _("Threats heard")]
        lines += [f"  {in_language(threat_label(f.threat_type.value), language.value)}"
                  + (f" — {f.perpetrator}" if f.perpetrator else "") for f in found.findings.threats]  # fmt: skip
        lines += [_("Needs"), *(f"  {n}" for n in found.findings.needs)]
        lines += [_("Recommendations"), *(f"  {r}" for r in found.findings.recommendations)]
    lines += ["", _("Steps")]
    lines += [f"  {at:%Y-%m-%d %H:%M} · {actor} · {in_language(STATUS_LABELS[TeamStatus(status)], language.value)}"
              + (f" · {note}" if note else "") for _a, status, note, actor, at in record.steps]  # fmt: skip
    out.print("\n".join(lines), highlight=False, markup=False)
