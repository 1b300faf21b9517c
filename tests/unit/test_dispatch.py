"""Routers and typed button payloads: packing, reading back, refusing, duplicates."""

from __future__ import annotations

import enum
from dataclasses import dataclass

import pytest

from core import billing, campaigns, experience
from core.billing.buttons import AutoRechargeOn, Buy, HistoryCsv, HistoryPage, Pay
from core.billing.rails import Rail
from core.dispatch import command_menu
from core.dispatch.callback_data import BadCallbackData, CallbackData
from core.dispatch.router import Context, Dispatcher, DuplicateRoute, Router
from core.experience.tutorial import TourStart, TourStep
from core.telegram.updates import Command


class Colour(enum.StrEnum):
    RED = "red"


@dataclass(frozen=True)
class Sample(CallbackData, prefix="s"):
    n: int
    flag: bool
    colour: Colour
    rest: str


async def _stale(ctx: Context) -> str:
    return "stale"


def test_a_payload_packs_and_reads_back_with_its_types() -> None:
    packed = Sample(-7, True, Colour.RED, "a:b").pack()
    assert packed == "s:-7:1:red:a:b"
    assert Sample.unpack(packed) == Sample(-7, True, Colour.RED, "a:b")
    assert Pay(Rail.STARS, "pack10").pack() == "pay:stars:pack10"
    assert AutoRechargeOn.unpack("ar:on:pack25:5") == AutoRechargeOn("pack25", 5)
    assert HistoryCsv.unpack("hist:csv") == HistoryCsv()


@pytest.mark.parametrize("data", [
    "s:x:1:red:z", "s:1:2:red:z", "s:1:1:blue:z", "s:1:1:red:", "s:1:1", "s", "t:1:1:red:z",
    "s:99999999999999999999:1:red:z",
])
def test_malformed_data_is_refused_with_a_clear_error(data: str) -> None:
    with pytest.raises(BadCallbackData):
        Sample.unpack(data)


def test_packing_checks_telegrams_64_bytes_and_separators() -> None:
    Buy("p" * 60).pack()  # 64 bytes exactly
    with pytest.raises(ValueError, match="64 bytes"):
        Buy("p" * 61).pack()
    with pytest.raises(ValueError, match="64 bytes"):
        Buy("ü" * 31).pack()  # 66 bytes in 35 characters
    with pytest.raises(ValueError, match="may not contain"):
        AutoRechargeOn("a:b", 5).pack()  # a field before the last may not hold the separator


def test_the_longest_declared_prefix_wins() -> None:
    dispatcher = Dispatcher([experience.router, billing.router], stale_notice=_stale)
    assert dispatcher.route_of("tut:start") is not None
    assert dispatcher.route_of("tut:start")[0] is TourStart  # type: ignore[index]
    assert dispatcher.route_of("tut:2")[0] is TourStep  # type: ignore[index]
    assert dispatcher.route_of("hist:csv")[0] is HistoryCsv  # type: ignore[index]
    assert dispatcher.route_of("hist:3")[0] is HistoryPage  # type: ignore[index]
    assert dispatcher.route_of("tutorial") is None
    assert dispatcher.route_of("") is None


def test_two_features_claiming_a_command_or_a_prefix_fail_when_combined() -> None:
    one, two = Router("one"), Router("two")

    @one.command("buy")
    async def a(ctx: Context, command: Command) -> None: ...

    @two.command("buy")
    async def b(ctx: Context, command: Command) -> None: ...

    with pytest.raises(DuplicateRoute, match="/buy in both one and two"):
        Dispatcher([one, two], stale_notice=_stale)
    with pytest.raises(DuplicateRoute, match="buy"):
        Dispatcher([billing.router, one], stale_notice=_stale)

    three = Router("three")

    @three.callback(HistoryCsv)
    async def c(ctx: Context, data: HistoryCsv) -> str | None: ...

    with pytest.raises(DuplicateRoute, match="hist:csv"):
        Dispatcher([billing.router, three], stale_notice=_stale)
    with pytest.raises(DuplicateRoute, match="twice in router three"):
        three.callback(HistoryCsv)(c)


def test_the_product_routers_combine_and_declare_the_user_commands() -> None:
    dispatcher = Dispatcher([experience.router, billing.router, campaigns.router], stale_notice=_stale)
    assert set(command_menu.USER_COMMANDS) <= dispatcher.commands
