"""The admin groups' ids, followed when Telegram upgrades a group (core.platform.admin_groups)."""

from __future__ import annotations

from core.platform.admin_groups import LiveAdminGroups, follow
from core.relay.conversations import admin_group_for

A, B, C = -1001500000001, -4002, -4003
B_NEW, C_NEW = -1001500000002, -1001500000003


def test_a_migrated_group_keeps_its_place_so_users_keep_their_group() -> None:
    groups = LiveAdminGroups([A, B, C])
    before = {user: admin_group_for(user, groups.ids) for user in range(30)}
    assert groups.learn(B, B_NEW)
    assert groups.ids == (A, B_NEW, C)
    after = {user: admin_group_for(user, groups.ids) for user in range(30)}
    assert after == {user: B_NEW if g == B else g for user, g in before.items()}


def test_only_admin_groups_are_learnt() -> None:
    groups = LiveAdminGroups([A, B])
    assert not groups.learn(-5005, -1009999)
    assert not groups.learn(B, B)
    assert groups.ids == (A, B)
    assert groups.learn(B, B_NEW)
    assert groups.learn(B, B_NEW)  # again: no harm
    assert groups.ids == (A, B_NEW)


def test_loaded_migrations_and_chains_are_followed() -> None:
    groups = LiveAdminGroups([A, C])
    groups.load({C: -1001500000077, -1001500000077: C_NEW, -5005: -1009999})
    assert groups.ids == (A, C_NEW)
    assert groups.configured == (A, C)
    assert groups.concerns(C, C_NEW)
    assert follow({1: 2, 2: 1}, 1) in (1, 2)  # a loop in the data does not hang


def test_equal_by_content() -> None:
    one, two = LiveAdminGroups([A, B]), LiveAdminGroups([A, B])
    assert one == two
    assert hash(one) == hash(two)
    two.learn(B, B_NEW)
    assert one != two
