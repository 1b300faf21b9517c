"""The ``broadcast`` queue: broadcasts and mass gifts, rate limited."""

from __future__ import annotations

from procrastinate import App

from workers.runtime import Container


def register(app: App, c: Container) -> None:
    """No broadcast task exists yet; the worker already listens on its queue."""
    del app, c
