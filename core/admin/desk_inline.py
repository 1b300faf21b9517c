"""Quick replies in inline mode: ``@bot refund`` in a topic lists matching replies.

Only operators who may use quick replies get results (anyone else an empty
list, nothing revealed). Choosing a result posts ``!name`` in the topic,
which sends the reply filled in for that topic's user (core.admin.desk_replies):
an inline query does not say which chat it was typed in, so the result
cannot be personal by itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.admin import roles
from core.admin.roles import Can
from core.delivery.effects import Effects
from core.desk import quick_replies
from core.platform.config import Settings
from core.telegram.updates import sender_of

RESULTS = 20


async def on_inline_query(tx: Effects, settings: Settings, query: Mapping[str, Any]) -> None:
    sender = sender_of(query)
    if sender is None or not isinstance(query.get("id"), str):
        return
    operator = await roles.resolve(tx.conn, settings.admin_user_ids, int(sender["id"]))
    results: list[dict[str, Any]] = []
    if operator is not None and operator.can(Can.QUICK_REPLIES_USE):
        for r in await quick_replies.matching(tx.conn, str(query.get("query") or ""), RESULTS):
            preview = " ".join(r.text.split())
            results.append({"type": "article", "id": f"qr:{r.id}", "title": f"!{r.name} · {r.category}",
                            "description": preview[:100] or r.media_kind or "",
                            "input_message_content": {"message_text": f"!{r.name}"}})
    # Personal and not cached: what one operator may see is not another's.
    await tx.send("answerInlineQuery", int(sender["id"]), inline_query_id=query["id"], results=results,
                  cache_time=0, is_personal=True)
