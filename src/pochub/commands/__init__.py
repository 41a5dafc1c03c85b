"""Command groups of the `pochub` CLI, one module per group; each has ``register(app)``, called by cli.py."""
