"""The `pochub` command line, one module per command group.

- main.py: the Typer app, the global options (--database) and the registration of every group; the console
  script is ``pochub.cli.main:main``.
- console.py: what the commands share (consoles, output formats, the running command's state, progress bars);
  options.py: the options several groups share (--language, --as-of).
- one module per group: database, imports, events, threats, warning (hotspots, surges, forecast), allocation
  (coverage, allocate), structure (and checklist), users (and gateways, audit), keys, alerts (with
  alert_stats), webhooks, exercise, actors, demo, server.

No module of the package imports main.py (a test checks it); ``from pochub.cli import app`` still works, loading
main.py only when asked.
"""

from __future__ import annotations

import os
from typing import Any

# the optimisers' BLAS calls are tiny: threads only contend for the cores (set before NumPy loads)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def __getattr__(name: str) -> Any:
    """``pochub.cli.app``: the Typer app of main.py, imported on first use (keeps this package light)."""
    if name == "app":
        from pochub.cli.main import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
