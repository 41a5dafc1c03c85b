"""Running a background worker's loop once in a test."""

from __future__ import annotations

import threading


class OnePass(threading.Event):
    """A stop event that stops the worker after its first pass (its wait between passes sets it)."""

    def wait(self, timeout: float | None = None) -> bool:
        self.set()
        return True
