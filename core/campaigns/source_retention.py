"""Keeping what campaigns were made from bounded: old album items and uploaded id lists.

Both are read when an operator starts a campaign (an album to copy, a list to
select from), and a campaign keeps what it needs of them, except that a list
is read again by each selection while the campaign runs: a list goes only when
no unfinished campaign names it. Maintenance calls :func:`prune` with the
``RETENTION_CAMPAIGN_SOURCES_DAYS`` setting.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from core.ops.retention import DAY
from core.platform.database import connection
from core.platform.sql import q


@dataclass(frozen=True)
class Pruned:
    album_items: int
    id_lists: int


async def prune(pool: asyncpg.Pool, days: float) -> Pruned:
    async with connection(pool) as conn:
        status = await conn.execute(q("source_retention_albums"), days * DAY)
    albums = int(status.split()[-1])
    lists = 0
    # One list per statement: a list can name 100,000 users.
    while True:
        async with connection(pool) as conn:
            if await conn.fetchval(q("source_retention_list"), days * DAY) is None:
                return Pruned(album_items=albums, id_lists=lists)
        lists += 1
