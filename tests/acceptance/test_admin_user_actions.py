"""What operators do to users: credits, bans, tiers and passes, typed or through the
card's buttons with a confirmation; refusals change nothing; each applies once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests import builders
from tests.acceptance.admin_kit import (
    audit_rows,
    balance,
    buttons,
    ledger_rows,
    press,
    say,
    screen,
    start,
    texts_to,
)
from tests.builders import MARIA, OWNER
from tests.harness import System


async def _state(system: System) -> tuple[object, ...]:
    """Everything an action on Maria could change."""
    user = await system.pool.fetchrow(
        "SELECT credits, tier, pass_expires_at, is_banned, ban_reason FROM users WHERE telegram_id = $1",
        MARIA.id)
    counts = await system.pool.fetchrow(
        "SELECT (SELECT count(*) FROM credit_ledger) AS ledger, (SELECT count(*) FROM pass_grants) AS passes,"
        " (SELECT count(*) FROM admin_audit) AS audit")
    return (*user.values(), *counts.values())


async def test_credits_given_and_taken_by_command_are_audited_ledger_rows(system: System) -> None:
    await start(system, MARIA)
    update = builders.private_text(OWNER, "/credits @maria_s +5 thanks for waiting")
    await system.write(update)
    assert (await texts_to(system, OWNER))[-1] == "✅ Maria Silva (@maria_s): 3 → 8 credits (+5)."
    # The same update delivered again applies nothing more.
    await system.write(update)
    assert await balance(system, MARIA) == 8
    key = f"operator:telegram:{update['update_id']}"
    assert (await ledger_rows(system, MARIA))[-1] == (5, "operator_grant", key)
    assert (await texts_to(system, MARIA))[-1] == "🎁 Você recebeu +5 créditos da equipe. Saldo: 8 créditos."

    take = await say(system, OWNER, f"/credits {MARIA.id} -2 double charge")
    assert take["text"] == "✅ Maria Silva (@maria_s): 8 → 6 credits (-2)."
    assert (await texts_to(system, MARIA))[-1] == (
        "ℹ️ A equipe removeu 2 créditos do seu saldo. Saldo: 6 créditos.")
    assert [(d, r) for d, r, _ in await ledger_rows(system, MARIA)] == [
        (3, "signup_bonus"), (5, "operator_grant"), (-2, "operator_take")]
    assert await audit_rows(system) == [
        (OWNER.id, "user.credits", {"credits": 3}, {"credits": 8, "reason": "thanks for waiting"}),
        (OWNER.id, "user.credits", {"credits": 8}, {"credits": 6, "reason": "double charge"}),
    ]

    # With announce_credit_takes off, takes are silent; grants are always announced.
    await system.pool.execute("UPDATE bot_settings SET value = 'false' WHERE key = 'announce_credit_takes'")
    told = len(await texts_to(system, MARIA))
    await say(system, OWNER, "/credits @maria_s -1")
    assert len(await texts_to(system, MARIA)) == told
    await say(system, OWNER, "/credits @maria_s +1")
    assert len(await texts_to(system, MARIA)) == told + 1
    assert await balance(system, MARIA) == 6


async def test_bad_credit_changes_are_refused_and_change_nothing(system: System) -> None:
    await start(system, MARIA)
    before = await _state(system)
    answers = {
        "/credits @maria_s -4": "Maria Silva (@maria_s) has 3 credits: cannot take 4. Nothing was changed.",
        "/credits @maria_s +": "“+” is not a change of credits",
        "/credits @maria_s 1e9": "“1e9” is not a change of credits",
        "/credits @maria_s 99999999999999": "“99999999999999” is not a change of credits",
        "/credits @maria_s +99999999": "“+99999999” is not a change of credits",
        "/credits @maria_s -0": "A change of 0 credits changes nothing",
        "/credits @maria_s 5": "“5” is not a change of credits: write +N or -N",
        "/credits @maria_s +5x": "“+5x” is not a change of credits",
        "/credits @maria_s +5 " + "x" * 300: "Give a reason of at most 200 characters",
        "/credits @nobody_here +5": "No user @nobody_here is known to the bot. Nothing was changed.",
        "/credits 4242 +5": "No user with the Telegram id 4242 is known to the bot. Nothing was changed.",
        "/credits @maria_s": "Usage: /credits <id|@username> +N|-N [reason].",
        "/credits": "Usage: /credits <id|@username> +N|-N [reason].",
        "/credits +5": "“+5” is not a Telegram id or an @username.",
    }
    for command, answer in answers.items():
        reply = await say(system, OWNER, command)
        assert reply["text"].startswith(answer), (command, reply["text"])
    assert await _state(system) == before
    assert len(await texts_to(system, MARIA)) == 1  # the welcome only


async def test_a_grant_lets_held_messages_through(system: System) -> None:
    await start(system, MARIA)
    await system.write(*(builders.private_text(MARIA, f"msg {i}") for i in range(4)))
    held = await system.pool.fetchval("SELECT count(*) FROM messages WHERE status = 'held'")
    assert held == 1
    await say(system, OWNER, "/credits @maria_s +2")
    statuses = [r["status"] for r in await system.pool.fetch("SELECT status FROM messages ORDER BY id")]
    assert statuses == ["relayed"] * 4
    assert await balance(system, MARIA) == 1


async def test_credits_through_the_card_ask_confirm_and_apply_once(system: System) -> None:
    await start(system, MARIA)
    card = await say(system, OWNER, "/user @maria_s")
    assert await press(system, OWNER, card, buttons(card)["💰 Credits ±"]) is None
    prompt = await screen(system, OWNER, card["message_id"])
    assert "has 3 credits" in prompt["text"]
    assert "/cancel" in prompt["text"]

    # A typo is answered and asked again; nothing changes.
    refused = await say(system, OWNER, "5 thanks")
    assert refused["text"] == (
        "“5” is not a change of credits: write +N or -N, e.g. +5 or -3. Try again, or /cancel.")
    refused = await say(system, OWNER, "-9 oops")
    assert refused["text"].startswith("Maria Silva (@maria_s) has 3 credits: cannot take 9.")
    await say(system, OWNER, "+5 thanks <3")
    proposal = await screen(system, OWNER, card["message_id"])
    assert proposal["text"] == ("💰 Maria Silva (@maria_s): 3 → 8 credits (+5).\nReason: thanks <3\n"
                                "They will be told.")
    assert len(await ledger_rows(system, MARIA)) == 1  # nothing before the Confirm

    confirm = buttons(proposal)["✅ Confirm"]
    assert await press(system, OWNER, proposal, confirm) == "✅ Maria Silva (@maria_s): 3 → 8 credits (+5)."
    assert await press(system, OWNER, proposal, confirm) == "Already done."
    assert await balance(system, MARIA) == 8
    assert [(d, r) for d, r, _ in await ledger_rows(system, MARIA)] == [
        (3, "signup_bonus"), (5, "operator_grant")]
    refreshed = await screen(system, OWNER, card["message_id"])
    assert "💳 Balance: 8 credits" in refreshed["text"]
    assert "user.credits credits 3 → 8 “thanks <3”" in refreshed["text"]

    # Cancel drops a proposal: its Confirm no longer works.
    await press(system, OWNER, refreshed, buttons(refreshed)["💰 Credits ±"])
    await say(system, OWNER, "-8 all of it")
    proposal = await screen(system, OWNER, card["message_id"])
    cancel = buttons(proposal)["✖️ Cancel"]
    confirm = buttons(proposal)["✅ Confirm"]
    assert await press(system, OWNER, proposal, cancel) == "Cancelled."
    assert await press(system, OWNER, proposal, confirm) == "Already done."
    assert await balance(system, MARIA) == 8


async def test_a_ban_stops_charging_and_relaying_until_unbanned(system: System) -> None:
    await start(system, MARIA)
    assert (await say(system, OWNER, "/ban @maria_s spam links"))["text"] == (
        "⛔ Maria Silva (@maria_s) is banned: their messages are neither charged nor relayed, "
        "and they are told once.")
    again = await say(system, OWNER, "/ban @maria_s again")
    assert again["text"] == "Maria Silva (@maria_s) is banned already."
    user = await system.pool.fetchrow("SELECT is_banned, ban_reason, banned_at FROM users")
    assert (user["is_banned"], user["ban_reason"]) == (True, "spam links")
    assert user["banned_at"] is not None

    await system.write(builders.private_text(MARIA, "hello?"), builders.private_text(MARIA, "anyone?"))
    assert (await texts_to(system, MARIA))[1:] == ["Você não pode mais enviar mensagens para este bot."]
    assert await balance(system, MARIA) == 3
    assert await system.pool.fetchval("SELECT count(*) FROM messages") == 0

    unbanned = await say(system, OWNER, "/unban @maria_s")
    assert unbanned["text"] == "✅ Maria Silva (@maria_s) is no longer banned."
    assert (await texts_to(system, MARIA))[-1] == "✅ Você pode enviar mensagens para este bot novamente."
    user = await system.pool.fetchrow("SELECT is_banned, ban_reason, banned_at, ban_notified_at FROM users")
    assert tuple(user.values()) == (False, None, None, None)
    await system.write(builders.private_text(MARIA, "back again"))
    assert await balance(system, MARIA) == 2
    assert await system.pool.fetchval("SELECT status FROM messages") == "relayed"
    assert [(a[1], a[2], a[3]) for a in await audit_rows(system)] == [
        ("user.ban", {"banned": False}, {"banned": True, "reason": "spam links"}),
        ("user.unban", {"banned": True, "reason": "spam links"}, {"banned": False}),
    ]
    assert (await say(system, OWNER, "/unban @maria_s"))["text"] == "Maria Silva (@maria_s) is not banned."


async def test_ban_and_unban_by_button_need_a_confirmation(system: System) -> None:
    await start(system, MARIA)
    card = await say(system, OWNER, "/user @maria_s")
    await press(system, OWNER, card, buttons(card)["⛔ Ban"])
    proposal = await screen(system, OWNER, card["message_id"])
    assert proposal["text"].startswith("⛔ Ban Maria Silva (@maria_s)?")
    assert await system.pool.fetchval("SELECT is_banned FROM users") is False
    assert await press(system, OWNER, proposal, buttons(proposal)["⛔ Ban"]) == (
        "⛔ Maria Silva (@maria_s) is banned: their messages are neither charged nor relayed, and they are "
        "told once.")
    card = await screen(system, OWNER, card["message_id"])
    assert "⛔ Banned just now" in card["text"]
    await press(system, OWNER, card, buttons(card)["✅ Unban"])
    proposal = await screen(system, OWNER, card["message_id"])
    assert await press(system, OWNER, proposal, buttons(proposal)["✅ Unban"]) == (
        "✅ Maria Silva (@maria_s) is no longer banned.")
    assert await system.pool.fetchval("SELECT is_banned FROM users") is False
    assert [a[1] for a in await audit_rows(system)] == ["user.ban", "user.unban"]


async def test_tiers_come_from_the_tiers_table(system: System) -> None:
    await start(system, MARIA)
    before = await _state(system)
    assert (await say(system, OWNER, "/tier @maria_s gold"))["text"] == (
        "“gold” is not a tier. Tiers: free, paying, vip.")
    assert (await say(system, OWNER, "/tier @maria_s"))["text"].startswith("Usage: /tier")
    assert await _state(system) == before
    changed = await say(system, OWNER, "/tier @maria_s VIP")
    assert changed["text"] == "✅ Maria Silva (@maria_s): tier free → vip."
    again = await say(system, OWNER, "/tier @maria_s vip")
    assert again["text"] == "Maria Silva (@maria_s) is vip already."

    card = await say(system, OWNER, "/user @maria_s")
    await press(system, OWNER, card, buttons(card)["🏷 Tier"])
    picker = await screen(system, OWNER, card["message_id"])
    assert list(buttons(picker))[:3] == ["free", "paying", "• vip"]
    await press(system, OWNER, picker, buttons(picker)["paying"])
    proposal = await screen(system, OWNER, card["message_id"])
    assert proposal["text"] == "🏷 Maria Silva (@maria_s): tier vip → paying?"
    await press(system, OWNER, proposal, buttons(proposal)["✅ Confirm"])
    assert await system.pool.fetchval("SELECT tier FROM users") == "paying"
    assert [(a[1], a[2], a[3]) for a in await audit_rows(system)] == [
        ("user.tier", {"tier": "free"}, {"tier": "vip"}), ("user.tier", {"tier": "vip"}, {"tier": "paying"})]


async def test_passes_are_granted_extended_and_ended_through_pass_grants(system: System) -> None:
    await start(system, MARIA)
    before = await _state(system)
    answers = {
        "/pass @maria_s -3": "“-3” is not a number of days.",
        "/pass @maria_s 99999": "At most 3,650 days.",
        "/pass @maria_s 1.5": "“1.5” is not a number of days.",
        "/pass @maria_s 0": "Maria Silva (@maria_s) has no active pass: nothing to end.",
        "/pass @maria_s": "Usage: /pass",
    }
    for command, answer in answers.items():
        assert (await say(system, OWNER, command))["text"].startswith(answer), command
    assert await _state(system) == before

    await say(system, OWNER, "/pass @maria_s 7")
    first = await system.pool.fetchval("SELECT pass_expires_at FROM users")
    assert abs(first - (datetime.now(UTC) + timedelta(days=7))) < timedelta(minutes=1)
    told = (await texts_to(system, MARIA))[-1]
    assert told.startswith("🎁 A equipe liberou mensagens ilimitadas para você até")
    await say(system, OWNER, "/pass @maria_s 3")  # extends from its end
    assert await system.pool.fetchval("SELECT pass_expires_at FROM users") == first + timedelta(days=3)
    await say(system, OWNER, "/pass @maria_s 0")
    assert await system.pool.fetchval("SELECT pass_expires_at <= now() FROM users") is True
    assert (await texts_to(system, MARIA))[-1] == (
        "ℹ️ A equipe encerrou seu passe: as mensagens voltam a custar créditos.")
    grants = await system.pool.fetch("SELECT seconds, reason, idempotency_key FROM pass_grants ORDER BY id")
    assert [(g["seconds"] > 0, g["reason"]) for g in grants] == [(True, "operator"), (True, "operator"),
                                                                (False, "operator")]
    assert all(g["idempotency_key"].startswith("operator:telegram:") for g in grants)
    assert [a[1] for a in await audit_rows(system)] == ["user.pass"] * 3

    card = await say(system, OWNER, "/user @maria_s")
    await press(system, OWNER, card, buttons(card)["🎟 Pass"])
    picker = await screen(system, OWNER, card["message_id"])
    assert "⏹ End the pass" not in buttons(picker)
    await press(system, OWNER, picker, buttons(picker)["+30 days"])
    proposal = await screen(system, OWNER, card["message_id"])
    assert "none → until" in proposal["text"]
    confirm = buttons(proposal)["✅ Confirm"]
    await press(system, OWNER, proposal, confirm)
    await press(system, OWNER, proposal, confirm)
    assert await system.pool.fetchval("SELECT count(*) FROM pass_grants") == 4
    assert await system.pool.fetchval(
        "SELECT pass_expires_at > now() + interval '29 days' FROM users") is True


async def test_commands_in_a_customers_topic_act_on_that_customer(system: System) -> None:
    await start(system, MARIA)
    await system.write(builders.private_text(MARIA, "hello"))
    topic = await system.pool.fetchval("SELECT topic_id FROM conversations")

    def typed(text: str) -> dict[str, object]:
        return builders.with_command_entity(builders.topic_message(OWNER, topic, text))

    await system.write(typed("/credits +5 for the wait"), typed("/tier vip"), typed("/pass 2"),
                       typed("/ban rude words"))
    user = await system.pool.fetchrow(
        "SELECT credits, tier, pass_expires_at > now() AS pass, is_banned, ban_reason FROM users")
    assert tuple(user.values()) == (7, "vip", True, True, "rude words")
    await system.write(typed("/card"))
    in_topic = [m for m in await system.sent(system.settings.admin_group_id) if m["thread_id"] == topic]
    assert in_topic[-1]["text"].startswith("👤 Maria Silva (@maria_s)")
    # The card in a topic asks nothing there: a typed answer would reach the customer.
    await press(system, OWNER, in_topic[-1], buttons(in_topic[-1])["💰 Credits ±"])
    assert await system.pool.fetchval("SELECT count(*) FROM admin_pending") == 0
    # Maria heard about the credits and the pass, nothing of the commands themselves.
    told = (await texts_to(system, MARIA))[2:]
    assert len(told) == 2
    assert "+5" in told[0]
    assert await system.pool.fetchval("SELECT count(*) FROM messages WHERE direction = 'out'") == 0
