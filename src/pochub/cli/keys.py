"""`pochub keys generate|rotate`: the mission's secret key, made and changed without ever being printed to a log."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pochub.cli.console import cli_actor, err, state

keys_app = typer.Typer(
    help="The secret key that encrypts informants' details: generate one, or rotate to a new one.",
    no_args_is_help=True,
)


@keys_app.command("generate")
def keys_generate(
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", help="Write the key to this new file, readable only by you (default: print it)."
        ),
    ] = None,
) -> None:
    """Make a random secret key (256 bits). Point POCHUB_SECRET_KEY_FILE at the file it is written to."""
    from pochub.services.keys import new_key, write_key_file

    if output is None:
        print(new_key())
        return
    write_key_file(output)
    err.print(f"key written to {output} (mode 0600): set POCHUB_SECRET_KEY_FILE={output.resolve()}")


@keys_app.command("rotate")
def keys_rotate(
    ctx: typer.Context,
    new_key_file: Annotated[
        Path, typer.Option("--new-key-file", help="The new key (from `pochub keys generate -o FILE`).")
    ],
) -> None:
    """Re-encrypt every protected field under a new key, in one transaction (the current key reads them)."""
    from pochub.services.keys import read_key_file, rotate_key

    st = state(ctx)
    new = read_key_file(new_key_file)
    done = rotate_key(
        st.engine(), st.settings.key(), new, fuzz_km=st.settings.location_fuzz_km, actor=cli_actor()
    )
    err.print(
        f"re-encrypted {done.alerts} alerts, {done.reports} reports, {done.gateways} gateway signing secrets and "
        f"{done.staff_numbers} staff numbers under the new key: from now on set POCHUB_SECRET_KEY_FILE={new_key_file.resolve()} "
        "(the old key reads nothing any more)"
    )
