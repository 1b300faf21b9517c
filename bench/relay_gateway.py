"""An in-memory Telegram for the relay benchmark: answers at once and writes down the relays.

It implements :class:`core.telegram.gateway.TelegramGateway` without any network, so
the benchmark measures the pipeline (ingress, queue, worker, Postgres) and not
Telegram. Every ``copy_messages`` call is appended to a JSON-lines file as
``{"t": wall-clock seconds, "chat": admin chat, "from": user chat, "ids": [...]}``
the moment the worker hands it over; the benchmark reads that file while it
runs (progress) and at the end (verification, latency).

Message ids must not collide between worker processes (the admin group's
message ids are unique in ``messages``), so each process numbers from its own
block.
"""

from __future__ import annotations

import itertools
import json
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from core.telegram.gateway import LabeledPrice, ReplyMarkup, Sent

#: Ids below this are left to the topics the benchmark seeds itself.
ID_BLOCK = 10_000_000


class RecordingGateway:
    def __init__(self, records: Path, *, index: int) -> None:
        self._ids = itertools.count(ID_BLOCK * (index + 1))
        self._file: IO[str] = records.open("a", encoding="utf-8")
        self.calls: Counter[str] = Counter()

    def close(self) -> None:
        self._file.close()

    def _sent(self, chat_id: int) -> Sent:
        return Sent(chat_id=chat_id, message_id=next(self._ids))

    async def prepare(self, chat_ids: Sequence[int]) -> None:
        pass

    async def send_message(
        self,
        chat_id: int,
        text: str,
        *,
        thread_id: int | None = None,
        reply_markup: ReplyMarkup | None = None,
        parse_mode: str | None = None,
        reply_to_message_id: int | None = None,
        paid_broadcast: bool = False,
        random_id: int | None = None,
    ) -> Sent:
        self.calls["send_message"] += 1
        return self._sent(chat_id)

    async def copy_messages(
        self,
        chat_id: int,
        from_chat_id: int,
        message_ids: Sequence[int],
        *,
        thread_id: int | None = None,
        reply_to_message_id: int | None = None,
        reply_markup: ReplyMarkup | None = None,
        random_ids: Sequence[int] | None = None,
        paid_broadcast: bool = False,
    ) -> list[Sent]:
        now = time.time()
        self.calls["copy_messages"] += 1
        line = json.dumps({"t": now, "chat": chat_id, "from": from_chat_id, "ids": list(message_ids)})
        # One write per call, flushed: the benchmark watches the file for progress.
        self._file.write(line + "\n")
        self._file.flush()
        return [self._sent(chat_id) for _ in message_ids]

    async def forward_messages(
        self,
        chat_id: int,
        from_chat_id: int,
        message_ids: Sequence[int],
        *,
        thread_id: int | None = None,
    ) -> list[Sent]:
        self.calls["forward_messages"] += 1
        return [self._sent(chat_id) for _ in message_ids]

    async def edit_message_text(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        *,
        reply_markup: ReplyMarkup | None = None,
        parse_mode: str | None = None,
    ) -> None:
        self.calls["edit_message_text"] += 1

    async def answer_callback_query(
        self, callback_query_id: str, *, text: str | None = None, show_alert: bool = False
    ) -> None:
        self.calls["answer_callback_query"] += 1

    async def create_forum_topic(self, chat_id: int, name: str) -> int:
        self.calls["create_forum_topic"] += 1
        return next(self._ids)

    async def edit_forum_topic(self, chat_id: int, thread_id: int, *, name: str) -> None:
        self.calls["edit_forum_topic"] += 1

    async def close_forum_topic(self, chat_id: int, thread_id: int) -> None:
        self.calls["close_forum_topic"] += 1

    async def reopen_forum_topic(self, chat_id: int, thread_id: int) -> None:
        self.calls["reopen_forum_topic"] += 1

    async def send_invoice(
        self,
        chat_id: int,
        *,
        title: str,
        description: str,
        payload: str,
        currency: str,
        prices: Sequence[LabeledPrice],
        provider_token: str = "",
    ) -> Sent:
        self.calls["send_invoice"] += 1
        return self._sent(chat_id)

    async def answer_pre_checkout_query(
        self, pre_checkout_query_id: str, *, ok: bool, error_message: str | None = None
    ) -> None:
        self.calls["answer_pre_checkout_query"] += 1

    async def send_document(
        self,
        chat_id: int,
        document: bytes,
        *,
        file_name: str,
        caption: str | None = None,
        thread_id: int | None = None,
    ) -> Sent:
        self.calls["send_document"] += 1
        return self._sent(chat_id)

    async def send_photo(
        self,
        chat_id: int,
        photo: bytes,
        *,
        caption: str | None = None,
        thread_id: int | None = None,
    ) -> Sent:
        self.calls["send_photo"] += 1
        return self._sent(chat_id)


def read_calls(path: Path) -> Mapping[str, Any]:
    """The per-method call counts a worker wrote when it stopped ({} if it did not)."""
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}
