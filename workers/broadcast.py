"""The ``broadcast`` queue: broadcasts and mass gifts (core.campaigns), rate limited.

The runner is handed the control center's progress renderer here: the
campaign feature and the control center do not import each other.
"""

from __future__ import annotations

from procrastinate import App

from core import campaigns
from core.admin.campaign_progress import render_progress
from core.jobs.queues import Task
from workers.runtime import Container, job


def runner(c: Container) -> campaigns.Runner:
    return campaigns.Runner(c.courier, render_progress, campaigns.gift_notice, bus=c.bus)


def register(app: App, c: Container) -> None:
    @job(app, c, Task.BROADCAST_RUN, bind=lambda a: {"campaign_id": a["campaign_id"]})
    async def broadcast_run(c: Container, campaign_id: int) -> None:
        await campaigns.run(runner(c), campaign_id)
