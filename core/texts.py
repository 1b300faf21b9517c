"""Texts users see. Names are escaped for HTML, the parse mode the bot uses."""

from __future__ import annotations

from html import escape

PARSE_MODE = "HTML"


def welcome(name: str, *, new: bool) -> str:
    if new:
        return (
            f"Welcome, <b>{escape(name)}</b>!\n\n"
            "Write your message here and our team answers you in this chat."
        )
    return f"Welcome back, <b>{escape(name)}</b>!"


def help_text() -> str:
    return (
        "<b>How it works</b>\n"
        "Write to this bot and the team answers you here.\n\n"
        "/start - start over\n/help - this help"
    )


def payments_unavailable() -> str:
    return "Payments are not available right now. Please try again later."


def welcome_with_balance(name: str, *, new: bool, credits: int, cost: int) -> str:
    head = welcome(name, new=new)
    return f"{head}\n\nBalance: <b>{credits}</b> credits · one message costs {credits_word(cost)}."


def credits_word(n: int) -> str:
    return f"{n} credit" if n == 1 else f"{n} credits"


def payment_pending() -> str:
    return "Thanks for your payment! Your credits appear here as soon as it is confirmed."


def delivered(count: int, balance: int, *, pass_active: bool) -> str:
    what = "Message delivered" if count == 1 else f"{count} messages delivered"
    rest = "pass active" if pass_active else f"{credits_word(balance)} left"
    return f"✓ {what} · {rest}"


def not_enough_credits(balance: int, cost: int) -> str:
    return (
        f"Not enough credits: you have {credits_word(balance)}, a message costs {credits_word(cost)}.\n"
        "Your message is saved and will be delivered automatically as soon as you top up."
    )


def held_released(count: int, balance: int, *, pass_active: bool) -> str:
    rest = "pass active" if pass_active else f"{credits_word(balance)} left"
    return f"✓ Your {count} saved message{'s' if count != 1 else ''} went through · {rest}"


def banned() -> str:
    return "You can no longer send messages to this bot."


def unsupported_message() -> str:
    return "This kind of message cannot be delivered. Please send text, a photo, a file or a voice note."


def topic_name(first_name: str, last_name: str | None, username: str | None, telegram_id: int) -> str:
    name = " ".join(p for p in (first_name, last_name) if p) or "User"
    parts = [name[:64]]
    if username:
        parts.append(f"@{username}")
    parts.append(str(telegram_id))
    return " · ".join(parts)[:128]


def customer_summary(
    *, name: str, username: str | None, telegram_id: int, credits: int, tier: str,
    member_since: str, language: str | None, pass_until: str | None,
) -> str:
    handle = f" (@{escape(username)})" if username else ""
    lines = [
        f"👤 <b>{escape(name)}</b>{handle} · id <code>{telegram_id}</code>",
        f"Balance: {credits_word(credits)} · tier: {escape(tier)}",
        f"Member since {member_since} · language: {escape(language or 'unknown')}",
    ]
    if pass_until:
        lines.append(f"Pass active until {pass_until}")
    return "\n".join(lines)


def not_delivered_notice(reason: str) -> str:
    return f"⚠️ Not delivered: {escape(reason)}"


def user_edited(text: str | None) -> str:
    return f"✏️ The user edited this message:\n{escape(text or '')}"


def operator_edited(text: str | None) -> str:
    return f"✏️ Edited:\n{escape(text or '')}"


def buy_keyboard(products: list[tuple[str, str]]) -> dict[str, object]:
    """Inline buttons ``buy:<code>``, two per row."""
    buttons = [{"text": label, "callback_data": f"buy:{code}"} for code, label in products]
    return {"inline_keyboard": [buttons[i : i + 2] for i in range(0, len(buttons), 2)]}
