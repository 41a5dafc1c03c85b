"""`pochub users ...`, `pochub gateways add` and `pochub audit`: accounts, tokens, staff phone numbers, gateways
and the audit log.

Whoever runs these commands has the database itself, so they act as the administrator; their actions are
audited as ``cli:<operating-system user>``.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, NoReturn

import typer
from rich.table import Table

from pochub.cli.console import cli_actor, err, in_language, out, state
from pochub.cli.options import DocumentLanguage
from pochub.core.models.access import Role
from pochub.core.text import N_, Message
from pochub.errors import InvalidInput, PocHubError

users_app = typer.Typer(help="User accounts, their roles and areas, and API tokens.", no_args_is_help=True)
phone_app = typer.Typer(
    help="Staff phone numbers: a registered number's structured SMS (ALERT ...) becomes a classified alert.",
    no_args_is_help=True,
)
users_app.add_typer(phone_app, name="phone")
gateways_app = typer.Typer(
    help="SMS and form gateways: one credential each, good for posting alerts and nothing else.",
    no_args_is_help=True,
)

_RELATIVE = re.compile(r"^(\d+(?:\.\d+)?)([dhm])$")


class ListFormat(StrEnum):
    """How a listing is printed."""

    table = "table"
    json = "json"


def parse_since(value: str, now: datetime) -> datetime:
    """An ISO date or date-time (UTC when naive), or a duration back from now: 7d, 12h, 30m."""
    match = _RELATIVE.match(value.strip())
    if match:
        amount, unit = float(match.group(1)), match.group(2)
        return (
            now
            - {"d": timedelta(days=amount), "h": timedelta(hours=amount), "m": timedelta(minutes=amount)}[
                unit
            ]
        )
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidInput(
            f"--since {value!r}: an ISO date or date-time, or a duration like 7d, 12h, 30m"
        ) from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _read_password(password: str | None, password_stdin: bool) -> str:
    if password is not None and password_stdin:
        raise InvalidInput("give --password or --password-stdin, not both")
    if password_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise InvalidInput("--password-stdin: no password on standard input")
        return line
    if password is not None:
        return password
    if not sys.stdin.isatty():
        raise InvalidInput("no password: use --password-stdin when standard input is not a terminal")
    entered: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return entered


@users_app.command("add")
def users_add(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Sign-in name.")],
    role: Annotated[Role, typer.Option("--role", help="What the user does; decides what they see.")],
    field_office: Annotated[
        str | None,
        typer.Option("--field-office", help="Field office id in the structure (field_officer, cla)."),
    ] = None,
    area: Annotated[
        list[str] | None,
        typer.Option(
            "--area", help="Area P-code of responsibility (repeatable; default: the field office's)."
        ),
    ] = None,
    name: Annotated[str, typer.Option("--name", help="Display name.")] = "",
    structure_role: Annotated[
        str | None, typer.Option("--structure-role", help="The post the user holds in the structure.")
    ] = None,
    password: Annotated[
        str | None,
        typer.Option("--password", help="The password (visible in shell history: prefer the prompt)."),
    ] = None,
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from the first line of standard input."),
    ] = False,
) -> None:
    """Create a user (asks for the password unless --password or --password-stdin is given)."""
    from pochub.services.access import create_user

    secret = _read_password(password, password_stdin)
    user = create_user(
        state(ctx).engine(),
        username,
        secret,
        role,
        field_office=field_office,
        area_pcodes=tuple(area or ()),
        display_name=name,
        structure_role=structure_role,
        actor=cli_actor(),
    )
    scope = "mission-wide"
    if not user.mission_wide:
        scope = f"field office {user.field_office or '-'}, areas {', '.join(user.area_pcodes) or '-'}"
    err.print(f"user {user.username} created: {user.role.value}, {scope}")


@users_app.command("list")
def users_list(
    ctx: typer.Context,
    output: Annotated[ListFormat, typer.Option("--format", help="Table or JSON.")] = ListFormat.table,
) -> None:
    """List users with their role, scope, status and any setup problem."""
    from pochub.services.access import list_users

    records = list_users(state(ctx).engine())
    if output == ListFormat.json:
        print(
            json.dumps(
                [
                    {
                        "username": r.user.username,
                        "display_name": r.user.display_name,
                        "role": r.user.role.value,
                        "field_office": r.user.field_office,
                        "area_pcodes": list(r.user.area_pcodes),
                        "structure_role": r.user.structure_role,
                        "active": r.active,
                        "created_at": r.created_at.isoformat(),
                        "problem": r.problem,
                    }
                    for r in records
                ]
            )
        )
        return
    table = Table(title="users")
    for column in ("username", "name", "role", "field office", "areas", "active", "problem"):
        table.add_column(column)
    for r in records:
        table.add_row(
            r.user.username,
            r.user.display_name,
            r.user.role.value,
            r.user.field_office or "",
            ", ".join(r.user.area_pcodes) if not r.user.mission_wide else "(mission-wide)",
            "yes" if r.active else "no",
            r.problem,
        )
    out.print(table)


@users_app.command("deactivate")
def users_deactivate(
    ctx: typer.Context, username: Annotated[str, typer.Argument(help="The user to deactivate.")]
) -> None:
    """Deactivate a user and revoke their sessions and tokens (users are never deleted: the log names them)."""
    from pochub.services.access import deactivate_user

    deactivate_user(state(ctx).engine(), username, actor=cli_actor())
    err.print(f"user {username} deactivated; their sessions and tokens are revoked")


@users_app.command("token")
def users_token(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Whose token.")],
    name: Annotated[str, typer.Option("--name", help="What the token is for (shown in the audit log).")] = "",
    days: Annotated[
        float | None, typer.Option("--days", min=0.01, help="Lifetime in days (default: POCHUB_TOKEN_DAYS).")
    ] = None,
) -> None:
    """Issue an API bearer token for a user and print it (shown once)."""
    from pochub.services.access import get_user, issue_credential, token_lifetime

    st = state(ctx)
    engine = st.engine()
    user = get_user(engine, username)
    lifetime = token_lifetime(
        user.role, days, default_days=st.settings.token_days, max_days=st.settings.token_max_days
    )
    token = issue_credential(engine, user, "token", lifetime, name=name or "cli", actor=cli_actor())
    print(token)
    err.print(
        f"token for {username}, valid {lifetime.total_seconds() / 86400:g} days: "
        "send it as 'Authorization: Bearer TOKEN'"
    )


@users_app.command("tokens")
def users_tokens(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Whose sessions and tokens.")],
    output: Annotated[ListFormat, typer.Option("--format", help="Table or JSON.")] = ListFormat.table,
) -> None:
    """List a user's live sessions and API tokens (never their secrets), newest first."""
    from pochub.services.access import get_user, list_credentials

    engine = state(ctx).engine()
    records = list_credentials(engine, get_user(engine, username))
    if output == ListFormat.json:
        print(
            json.dumps(
                [
                    {
                        "credential_id": r.credential_id,
                        "kind": r.kind,
                        "name": r.name,
                        "created_at": r.created_at.isoformat(),
                        "expires_at": r.expires_at.isoformat(),
                    }
                    for r in records
                ]
            )
        )
        return
    table = Table(title=f"live sessions and tokens of {username}")
    for column in ("id", "kind", "name", "created (UTC)", "expires (UTC)"):
        table.add_column(column)
    for r in records:
        table.add_row(
            str(r.credential_id),
            r.kind,
            r.name,
            r.created_at.strftime("%Y-%m-%d %H:%M"),
            r.expires_at.strftime("%Y-%m-%d %H:%M"),
        )
    out.print(table)


@users_app.command("revoke-token")
def users_revoke_token(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Whose session or token.")],
    credential_id: Annotated[int, typer.Argument(help="Its id, from `pochub users tokens USER`.")],
) -> None:
    """Revoke one of a user's sessions or API tokens (audited)."""
    from pochub.services.access import get_user, revoke_credential_id

    engine = state(ctx).engine()
    revoke_credential_id(engine, get_user(engine, username), credential_id, actor=cli_actor())
    err.print(f"session or token {credential_id} of {username} revoked")


@users_app.command("password")
def users_password(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Whose password to set.")],
    password: Annotated[
        str | None,
        typer.Option("--password", help="The new password (visible in shell history: prefer the prompt)."),
    ] = None,
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the new password from the first line of standard input."),
    ] = False,
) -> None:
    """Set a user's password as the administrator (a reset): all their sessions and tokens are revoked."""
    from pochub.services.access import reset_password

    secret = _read_password(password, password_stdin)
    reset_password(state(ctx).engine(), username, secret, actor=cli_actor())
    err.print(f"password of {username} set; their sessions and tokens are revoked")


Language = Annotated[DocumentLanguage, typer.Option("--language", help="en (English) or fr (French).")]


def _fail(error: PocHubError, language: DocumentLanguage) -> NoReturn:
    """Print ``error`` in ``language`` as the CLI prints every error, and exit with its code."""
    from pochub.i18n import error_text

    print(f"error: {error_text(error, language.value)}", file=sys.stderr)
    raise typer.Exit(error.exit_code)


@phone_app.command("add")
def phone_add(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Whose phone (a user who logs alerts).")],
    number: Annotated[
        str,
        typer.Argument(
            help="The number, with + and the country code (or national, with POCHUB_COUNTRY_CODE)."
        ),
    ],
    language: Language = DocumentLanguage.en,
) -> None:
    """Register a staff phone number: its structured SMS to the intake number becomes a classified alert."""
    from pochub.services.staff_numbers import register_number

    st = state(ctx)
    try:
        done = register_number(st.engine(), st.settings, username, number, actor=cli_actor())
    except PocHubError as exc:
        _fail(exc, language)
    said = Message(
        N_("staff number {number} registered for {username}: their structured SMS become classified alerts"),
        number=done.masked,
        username=username,
    )
    err.print(in_language(said, language.value), highlight=False, soft_wrap=True)


@phone_app.command("remove")
def phone_remove(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Whose phone.")],
    number: Annotated[str | None, typer.Argument(help="The number (or give --id).")] = None,
    number_id: Annotated[
        int | None, typer.Option("--id", help="The number's id, from `pochub users phone list`.")
    ] = None,
    language: Language = DocumentLanguage.en,
) -> None:
    """Remove a staff phone number: its SMS are ordinary community alerts again."""
    from pochub.services.staff_numbers import unregister_number

    st = state(ctx)
    try:
        done = unregister_number(
            st.engine(), st.settings, username, number, number_id=number_id, actor=cli_actor()
        )
    except PocHubError as exc:
        _fail(exc, language)
    said = Message(
        N_("staff number {number} of {username} removed: their SMS are ordinary alerts again"),
        number=done.masked,
        username=username,
    )
    err.print(in_language(said, language.value), highlight=False, soft_wrap=True)


@phone_app.command("list")
def phone_list(
    ctx: typer.Context,
    username: Annotated[str | None, typer.Argument(help="Only this user's numbers.")] = None,
    output: Annotated[ListFormat, typer.Option("--format", help="Table or JSON.")] = ListFormat.table,
    language: Language = DocumentLanguage.en,
) -> None:
    """List the registered staff numbers, masked (the country code and the last two digits)."""
    from pochub.cli.console import gettext_for
    from pochub.services.staff_numbers import list_numbers

    st = state(ctx)
    try:
        numbers = list_numbers(st.engine(), st.settings, username)
    except PocHubError as exc:
        _fail(exc, language)
    if output == ListFormat.json:
        print(
            json.dumps(
                [
                    {
                        "id": n.number_id,
                        "username": n.username,
                        "number": n.masked,
                        "active": n.active,
                        "created_at": n.created_at.isoformat(),
                        "created_by": n.created_by,
                    }
                    for n in numbers
                ],
                ensure_ascii=False,
            )
        )
        return
    _ = gettext_for(language.value)
    if not numbers:
        err.print(_("no staff number registered"), highlight=False)
        return
    table = Table(title=_("staff numbers"))
    for column in (_("id"), _("user"), _("number"), _("active"), _("registered (UTC)"), _("by")):
        table.add_column(column)
    for n in numbers:
        table.add_row(
            str(n.number_id),
            n.username,
            n.masked,
            _("yes") if n.active else _("no"),
            n.created_at.strftime("%Y-%m-%d %H:%M"),
            n.created_by,
        )
    out.print(table)


@gateways_app.command("add")
def gateways_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The gateway's name (one per gateway: e.g. twilio-north).")],
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            help="twilio (posts signed with X-Twilio-Signature), rapidpro, kobo or generic (shared-secret header).",
        ),
    ],
    auth_token_stdin: Annotated[
        bool,
        typer.Option(
            "--auth-token-stdin",
            help="Twilio: read the account's auth token (that signs its posts) from standard input.",
        ),
    ] = False,
    days: Annotated[
        float | None,
        typer.Option(
            "--days", min=0.01, help="Lifetime of the credential (default and cap: the gateway role's)."
        ),
    ] = None,
) -> None:
    """Create a gateway account and print its credential (shown once): it may only post to the intake routes."""
    from pochub.services.access import token_lifetime
    from pochub.services.gateways import create_gateway

    st = state(ctx)
    signing = None
    if auth_token_stdin:
        signing = sys.stdin.readline().strip()
        if not signing:
            raise InvalidInput("--auth-token-stdin: no auth token on standard input")
    caps = st.settings.token_max_days
    lifetime = token_lifetime(
        Role.GATEWAY, days, default_days=caps.get(Role.GATEWAY.value, st.settings.token_days), max_days=caps
    )
    _, credential = create_gateway(
        st.engine(), name, kind, lifetime, secret_key=st.settings.secret_key, signing_secret=signing,
        actor=cli_actor(),
    )  # fmt: skip
    print(credential)
    err.print(
        f"gateway {name} ({kind}) created, its credential valid {lifetime.total_seconds() / 86400:g} days: send it "
        "as 'Authorization: Bearer CREDENTIAL' or 'X-Pochub-Gateway-Key: CREDENTIAL' (or as the password of the "
        "webhook URL's user:password@ for Twilio and KoBo), never in the query string"
    )


def audit_command(
    ctx: typer.Context,
    actor: Annotated[str | None, typer.Option("--actor", help="Only this actor.")] = None,
    entity: Annotated[
        str | None, typer.Option("--entity", help="Only this entity (user, alert, ...).")
    ] = None,
    entity_id: Annotated[str | None, typer.Option("--entity-id", help="Only this record.")] = None,
    action: Annotated[
        str | None, typer.Option("--action", help="Only this action (write, read_protected, login, ...).")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="ISO date or date-time, or a duration back: 7d, 12h, 30m.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many entries.")] = 200,
    output: Annotated[ListFormat, typer.Option("--format", help="Table or JSON.")] = ListFormat.table,
) -> None:
    """Show the audit log, newest first: every write, sign-in and read of protected fields."""
    from pochub.services.audit_views import AuditQuery, audit_log

    moment = parse_since(since, datetime.now(UTC)) if since else None
    chosen = AuditQuery(actor=actor, entity=entity, entity_id=entity_id, action=action, since=moment)
    entries = audit_log(state(ctx).engine(), chosen, limit=limit)
    if output == ListFormat.json:
        print(
            json.dumps(
                [
                    {
                        "audit_id": e.audit_id,
                        "at": e.at.isoformat(),
                        "actor": e.actor,
                        "role": e.role,
                        "action": e.action,
                        "entity": e.entity,
                        "entity_id": e.entity_id,
                        "detail": e.detail,
                        "client": e.client,
                    }
                    for e in entries
                ]
            )
        )
        return
    table = Table(title="audit log", caption=f"{len(entries)} entries, newest first")
    for column in ("at (UTC)", "actor", "role", "action", "entity", "id", "detail", "client"):
        table.add_column(column)
    for e in entries:
        table.add_row(
            e.at.strftime("%Y-%m-%d %H:%M:%S"),
            e.actor,
            e.role,
            e.action,
            e.entity,
            e.entity_id,
            e.detail,
            e.client,
        )
    out.print(table)
