"""`pochub webhooks`: the endpoints notifications go to, one delivery pass, and the delivery log."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from pochub.cli.console import cli_actor, err, out, state

webhooks_app = typer.Typer(
    help="Webhook endpoints for notifications, delivery of the outbox and the delivery log.",
    no_args_is_help=True,
)


@webhooks_app.command("add")
def webhooks_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A unique name for the endpoint.")],
    url: Annotated[str, typer.Argument(help="Where notifications are posted (http:// or https://).")],
    target: Annotated[
        list[str] | None,
        typer.Option("--target", help="A body or role id it serves (repeat; default * = every target)."),
    ] = None,
    secret: Annotated[
        str,
        typer.Option(help="Shared secret: posts carry X-PocHub-Signature: sha256=HMAC(secret, body)."),
    ] = "",
) -> None:
    """Register a webhook endpoint."""
    from pochub.services.notifications import add_endpoint

    endpoint = add_endpoint(state(ctx).engine(), name, url, target or ["*"], secret=secret, actor=cli_actor())
    err.print(f"endpoint {endpoint.name} ({endpoint.endpoint_id}) serves {', '.join(endpoint.targets)}")


@webhooks_app.command("list")
def webhooks_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the webhook endpoints (secrets are never shown)."""
    from pochub.services.notifications import list_endpoints

    endpoints = list_endpoints(state(ctx).engine())
    if as_json:
        print(json.dumps([e.as_dict() for e in endpoints]))
        return
    table = Table(title="Webhook endpoints")
    for column in ("Id", "Name", "URL", "Targets", "Active", "Signed"):
        table.add_column(column)
    for e in endpoints:
        table.add_row(
            str(e.endpoint_id), e.name, e.url, ", ".join(e.targets), "yes" if e.active else "no",
            "yes" if e.has_secret else "no",
        )  # fmt: skip
    out.print(table)


@webhooks_app.command("enable")
def webhooks_enable(ctx: typer.Context, name: str) -> None:
    """Switch an endpoint on."""
    from pochub.services.notifications import set_endpoint_active

    set_endpoint_active(state(ctx).engine(), name, True, actor=cli_actor())
    err.print(f"endpoint {name} enabled")


@webhooks_app.command("disable")
def webhooks_disable(ctx: typer.Context, name: str) -> None:
    """Switch an endpoint off: it receives nothing more; its log stays."""
    from pochub.services.notifications import set_endpoint_active

    set_endpoint_active(state(ctx).engine(), name, False, actor=cli_actor())
    err.print(f"endpoint {name} disabled")


@webhooks_app.command("deliver")
def webhooks_deliver(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, help="At most this many notifications.")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Deliver the due notifications once (the server's worker does this every few seconds)."""
    from pochub.services.notifications import deliver_pending

    st = state(ctx)
    run = deliver_pending(
        st.engine(), datetime.now(UTC), max_attempts=st.settings.outbox_max_attempts, limit=limit
    )
    if as_json:
        print(json.dumps(run.as_dict()))
        return
    out.print(
        f"{run.claimed} due: {run.delivered} delivered, {run.retrying} to retry, {run.failed} failed, "
        f"{run.skipped} skipped ({run.posts} posts, {run.accepted_posts} accepted)"
    )


@webhooks_app.command("log")
def webhooks_log(
    ctx: typer.Context,
    effect: Annotated[int | None, typer.Option("--effect", help="Every attempt of this effect id.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Without --effect: the latest this many attempts.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The delivery log: one line per attempt per endpoint."""
    from pochub.services.notifications import deliveries_for

    found = deliveries_for(state(ctx).engine(), effect, limit=limit)
    if as_json:
        print(json.dumps([d.as_dict() for d in found]))
        return
    table = Table(title="Deliveries" if effect is None else f"Deliveries of effect {effect}")
    for column in ("At", "Effect", "Endpoint", "Attempt", "Status", "Delivered", "Error"):
        table.add_column(column)
    for d in found:
        table.add_row(
            d.at.isoformat(timespec="seconds"), str(d.effect_id), d.endpoint, str(d.attempt),
            "-" if d.status_code is None else str(d.status_code), "yes" if d.delivered else "no", d.error[:80],
        )  # fmt: skip
    out.print(table)
