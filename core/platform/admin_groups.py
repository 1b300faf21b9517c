"""The admin groups' ids: as configured, and as Telegram knows them now.

A basic group that Telegram upgrades to a supergroup (turning on Topics does
it) gets a new ``-100...`` id and the old one stops working. Every process
holds one :class:`LiveAdminGroups` in its settings; :mod:`core.delivery.chat_migrations`
keeps it current from the database, and the ingress teaches it a migration
as soon as it routes Telegram's service message about one, so the new group
is treated as an admin group from its first update.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

#: Longer chains mean a loop in the data, not upgrades: a chat migrates once.
MAX_CHAIN = 16


def follow(moves: Mapping[int, int], chat_id: int) -> int:
    """The chat's latest id through ``moves`` (old id -> new id)."""
    for _ in range(MAX_CHAIN):
        if chat_id not in moves:
            break
        chat_id = moves[chat_id]
    return chat_id


class LiveAdminGroups:
    """The configured admin groups, each under its current id, in configured order.

    Mutable on purpose, and the only mutable part of a process's settings
    (``Settings.live_admin_groups``): :meth:`learn` and :meth:`load` update it in
    place as migrations are recorded.

    The order and the count never change, so users keep their group
    (:func:`core.relay.conversations.admin_group_for`) across a migration.
    """

    def __init__(self, configured: Iterable[int]) -> None:
        self.configured: tuple[int, ...] = tuple(configured)
        self._moves: dict[int, int] = {}
        self._ids = self.configured

    @property
    def ids(self) -> tuple[int, ...]:
        """The groups' current ids."""
        return self._ids

    def concerns(self, old: int, new: int) -> bool:
        """Whether a migration from ``old`` to ``new`` is about one of the admin groups."""
        return old in self._ids or new in self._ids or old in self.configured

    def learn(self, old: int, new: int) -> bool:
        """Take in that ``old`` is now ``new``; False (nothing learnt) if no admin group moved."""
        if old == new or not self.concerns(old, new):
            return False
        self._moves[old] = new
        self._update()
        return True

    def load(self, moves: Mapping[int, int]) -> None:
        """Take in the migrations recorded in the database (core.delivery.chat_migrations)."""
        self._moves.update(moves)
        self._update()

    def _update(self) -> None:
        self._ids = tuple(follow(self._moves, g) for g in self.configured)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LiveAdminGroups):
            return NotImplemented
        return self._ids == other._ids and self.configured == other.configured

    def __hash__(self) -> int:
        return hash(self.configured)

    def __repr__(self) -> str:
        return f"LiveAdminGroups({list(self._ids)})"
