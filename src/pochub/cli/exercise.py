"""`pochub exercise`: training exercises on the mission's engine (create, team, start, pause, speed, advance,
inject, status, feed, act, cap, score, report)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from pochub.cli.console import err, state
from pochub.cli.options import DocumentLanguage, LanguageOption

exercise_app = typer.Typer(
    help="Training exercises: scenarios, the exercise clock, injects, teams, scores and after-action review.",
    no_args_is_help=True,
)

AsUser = Annotated[
    str, typer.Option("--as", help="Act as this user (trainer or admin; trainees for feed/act).")
]
ExerciseRef = Annotated[str, typer.Argument(help="The exercise's id or name.")]


def _context(ctx: typer.Context, username: str) -> tuple[Any, Any, Any]:
    from pochub.services.access import get_user

    st = state(ctx)
    engine = st.engine()
    return st, engine, get_user(engine, username)


def _exercise_id(engine: Any, ref: str) -> int:
    from pochub.services.exercises import exercise_by_name

    return exercise_by_name(engine, ref)


def _print(value: Any) -> None:
    print(json.dumps(value, indent=1, default=str))


def _date(text: str, option: str) -> date:
    from pochub.errors import InvalidInput

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{option}: {text!r} is not a date such as 2014-01-31") from None


@exercise_app.command("create")
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The exercise's name.")],
    as_user: AsUser,
    demo: Annotated[bool, typer.Option("--demo", help="From the demo mission in the store.")] = False,
    difficulty: Annotated[str, typer.Option(help="easy | normal | hard (demo scenarios).")] = "normal",
    seed: Annotated[int, typer.Option(help="Seed of the demo scenario.")] = 1,
    source: Annotated[Path | None, typer.Option("--from", help="A real event file to replay.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="acled | ucdp | hxl (with --from).")] = "acled",
    first: Annotated[
        str | None,
        typer.Option(
            "--start",
            help="First day of the real period (YYYY-MM-DD), or the "
            "exercise start (ISO time) with --injects.",
        ),
    ] = None,
    last: Annotated[
        str | None, typer.Option("--end", help="Last day of the real period (YYYY-MM-DD).")
    ] = None,
    admin1: Annotated[
        list[str] | None, typer.Option("--admin1", help="Area: admin-1 name (repeatable).")
    ] = None,
    bbox: Annotated[str | None, typer.Option(help="Area: min_lon,min_lat,max_lon,max_lat.")] = None,
    injects: Annotated[
        Path | None, typer.Option("--injects", help="A facilitator's YAML of injects.")
    ] = None,
    duration: Annotated[float, typer.Option(help="Exercise hours (replays and scripted exercises).")] = 24.0,
    limit: Annotated[int, typer.Option(help="At most this many replayed events.")] = 12,
    speed: Annotated[float, typer.Option(help="Exercise seconds per real second.")] = 60.0,
    standard: Annotated[float, typer.Option(help="Response standard in hours, for coverage scores.")] = 2.0,
) -> None:
    """Create an exercise from the demo mission, from a real period of real data, or from scripted injects."""
    from pochub.errors import InvalidInput
    from pochub.services import exercises

    _, engine, user = _context(ctx, as_user)
    chosen = [demo, source is not None, injects is not None and source is None]
    if sum(chosen) != 1:
        raise InvalidInput("give exactly one of --demo, --from FILE or --injects FILE")
    if demo:
        result = exercises.create_demo_exercise(
            engine, user, name=name, level=difficulty, seed=seed, speed=speed, standard_hours=standard
        )
    elif source is not None:
        if not first or not last:
            raise InvalidInput("a replay needs --start and --end (the real period)")
        box = None
        if bbox:
            try:
                parts = tuple(float(v) for v in bbox.split(","))
            except ValueError:
                raise InvalidInput("--bbox is min_lon,min_lat,max_lon,max_lat") from None
            if len(parts) != 4:
                raise InvalidInput("--bbox is min_lon,min_lat,max_lon,max_lat")
            box = (parts[0], parts[1], parts[2], parts[3])
        result = exercises.create_replay_exercise(
            engine, user, name=name, path=source, fmt=fmt, first=_date(first, "--start"), last=_date(last, "--end"),
            area=exercises.Area(tuple(admin1 or ()), box), duration_hours=duration, limit=limit, speed=speed,
            standard_hours=standard,
        )  # fmt: skip
    else:
        assert injects is not None
        if not injects.exists():
            raise InvalidInput(f"{injects}: no such file")
        try:
            start = datetime.fromisoformat(first) if first else datetime.now(UTC)
        except ValueError:
            raise InvalidInput("--start is an ISO time with its zone") from None
        if start.tzinfo is None:
            raise InvalidInput("--start needs a time zone")
        result = exercises.create_scripted_exercise(
            engine, user, name=name, injects_yaml=injects.read_text(encoding="utf-8"), start=start,
            duration_hours=duration, speed=speed, standard_hours=standard,
        )  # fmt: skip
    if injects is not None and (source is not None or demo):
        result = exercises.add_injects(
            engine, result["exercise_id"], user, injects.read_text(encoding="utf-8")
        )
    err.print(f"exercise {result['exercise_id']} {result['name']!r}: {result['injects']['total']} injects, "
              f"{result['scenario_start'][:16]} to {result['scenario_end'][:16]} exercise time")  # fmt: skip
    print(result["exercise_id"])


@exercise_app.command("list")
def list_(ctx: typer.Context) -> None:
    """Every exercise."""
    from pochub.services.exercises import list_exercises

    _print(list_exercises(state(ctx).engine()))


@exercise_app.command("team")
def team(
    ctx: typer.Context,
    exercise: ExerciseRef,
    name: Annotated[str, typer.Argument(help="The team's name.")],
    as_user: AsUser,
    member: Annotated[list[str], typer.Option("--member", help="USERNAME or USERNAME:POST (repeatable).")],
) -> None:
    """Add a team of trainees, each playing a post of the coordination structure."""
    from pochub.services.exercises import add_team

    _, engine, user = _context(ctx, as_user)
    members = [(m.split(":", 1)[0], m.split(":", 1)[1] if ":" in m else None) for m in member]
    _print(add_team(engine, _exercise_id(engine, exercise), user, name=name, members=members))


def _clock_command(change: str) -> Any:
    def command(ctx: typer.Context, exercise: ExerciseRef, as_user: AsUser) -> None:
        from pochub.services import exercises

        _, engine, user = _context(ctx, as_user)
        status = getattr(exercises, change)(engine, _exercise_id(engine, exercise), user)
        _print(status)

    command.__doc__ = {
        "start": "Start or resume the exercise clock (injects due are delivered).",
        "pause": "Pause exercise time (trainees cannot act meanwhile).",
        "finish": "End the exercise.",
    }[change]
    return command


for _change in ("start", "pause", "finish"):
    exercise_app.command(_change)(_clock_command(_change))


@exercise_app.command("speed")
def speed_(ctx: typer.Context, exercise: ExerciseRef, speed: float, as_user: AsUser) -> None:
    """Run the clock at SPEED exercise seconds per real second."""
    from pochub.services.exercises import set_speed

    _, engine, user = _context(ctx, as_user)
    _print(set_speed(engine, _exercise_id(engine, exercise), user, speed))


@exercise_app.command("advance")
def advance_(ctx: typer.Context, exercise: ExerciseRef, hours: float, as_user: AsUser) -> None:
    """Move exercise time on by HOURS (injects falling due are delivered, overdue alerts escalate)."""
    from pochub.services.exercises import advance

    _, engine, user = _context(ctx, as_user)
    _print(advance(engine, _exercise_id(engine, exercise), user, hours))


@exercise_app.command("inject")
def inject(
    ctx: typer.Context,
    exercise: ExerciseRef,
    file: Annotated[
        Path, typer.Argument(help="YAML of injects (offsets count from the current exercise time).")
    ],
    as_user: AsUser,
) -> None:
    """Add the facilitator's injects to a running exercise."""
    from pochub.errors import InvalidInput
    from pochub.services.exercises import add_injects

    _, engine, user = _context(ctx, as_user)
    if not file.exists():
        raise InvalidInput(f"{file}: no such file")
    _print(add_injects(engine, _exercise_id(engine, exercise), user, file.read_text(encoding="utf-8")))


@exercise_app.command("status")
def status(ctx: typer.Context, exercise: ExerciseRef) -> None:
    """The exercise's clock, teams and injects (brought up to date)."""
    from pochub.services.exercises import tick

    engine = state(ctx).engine()
    _print(tick(engine, _exercise_id(engine, exercise), settings=state(ctx).settings))


@exercise_app.command("feed")
def feed(ctx: typer.Context, exercise: ExerciseRef, as_user: AsUser) -> None:
    """What a trainee's team sees: its alerts and situation messages."""
    from pochub.services.exercises import team_feed

    st, engine, user = _context(ctx, as_user)
    _print(team_feed(engine, st.settings, _exercise_id(engine, exercise), user))


@exercise_app.command("act")
def act(
    ctx: typer.Context,
    exercise: ExerciseRef,
    reference: str,
    action: Annotated[
        str, typer.Argument(help="acknowledge, verify, classify, transmit, decide, deploy, ...")
    ],
    as_user: AsUser,
    fields: Annotated[str, typer.Option("--fields", help="The action's fields as JSON.")] = "{}",
) -> None:
    """A trainee's lifecycle action on their team's alert, at exercise time."""
    from pochub.services.alert_actions import TRAINEE_ACTIONS, action_from_json
    from pochub.services.exercises import team_act

    chosen = action_from_json(action, fields, allowed=TRAINEE_ACTIONS)
    st, engine, user = _context(ctx, as_user)
    _print(team_act(engine, st.settings, _exercise_id(engine, exercise), reference, chosen, user))


@exercise_app.command("cap")
def cap_document(
    ctx: typer.Context,
    exercise: ExerciseRef,
    reference: str,
    as_user: AsUser,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File to write (default: print it).")
    ] = None,
    language: LanguageOption = DocumentLanguage.en,
) -> None:
    """An exercise alert as a CAP 1.2 document with status Exercise (never Actual): the team's own alert for a
    trainee, any team's for trainers and admins. Audited."""
    import sys

    from pochub.cli.console import gettext_for
    from pochub.services.partner_exports import exercise_alert_cap

    st, engine, user = _context(ctx, as_user)
    document = exercise_alert_cap(engine, st.settings, _exercise_id(engine, exercise), reference, user)
    if output is None:
        sys.stdout.buffer.write(document)
        sys.stdout.flush()
        return
    output.write_bytes(document)
    _ = gettext_for(language.value)
    err.print(_("CAP 1.2 document written to %(file)s") % {"file": output}, highlight=False, markup=False)


@exercise_app.command("score")
def score_(
    ctx: typer.Context,
    exercise: ExerciseRef,
    as_user: AsUser,
    language: LanguageOption = DocumentLanguage.en,
) -> None:
    """Score every team, per decision and in total, each score with its explanation."""
    from pochub.services.exercises import score

    _, engine, user = _context(ctx, as_user)
    document = score(engine, _exercise_id(engine, exercise), user, language=language.value)
    for team_score in document["teams"]:
        err.print(f"{team_score['team']}: {team_score['total']} / 100")
    _print(document)


@exercise_app.command("report")
def report(
    ctx: typer.Context,
    exercise: ExerciseRef,
    as_user: AsUser,
    output: Annotated[Path, typer.Option("-o", "--output", help="aar.html or aar.pdf")],
    language: LanguageOption = DocumentLanguage.en,
) -> None:
    """The after-action review: timeline, the map at key moments with the optimal plan, scores, lessons."""
    from pochub.documents.after_action import write_review
    from pochub.services.exercises import review

    _, engine, user = _context(ctx, as_user)
    write_review(review(engine, _exercise_id(engine, exercise), user), output, language.value)
    err.print(f"wrote {output}")
