"""Changing a setting: buttons, a typed answer or ``/set``, then before → after and Confirm.

Whichever way a value arrives it is validated the same way (a refusal
changes nothing), then proposed: the screen shows the value before and after
(and a text as users will see it) with a Confirm that works once. Confirming
writes the row, records it in the audit log, and refuses when the value
changed since the proposal was shown (another operator got there first).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from core.admin import audit, confirm, fmt, pending
from core.admin import settings_registry as registry
from core.admin import settings_store as store
from core.admin import settings_values as values
from core.admin.navigation import confirm_row, nav_row
from core.admin.roles import Can
from core.admin.router import AdminContext, AdminRouter
from core.admin.settings import USAGE, preview_name, show_setting, unknown_key
from core.admin.settings_buttons import (
    NO_LANG,
    SettingAsk,
    SettingFlip,
    SettingOff,
    SettingOpen,
    SettingReset,
    SettingsPage,
    lang_of,
)
from core.admin.settings_registry import Kind, Spec, Value
from core.telegram.markup import keyboard
from core.telegram.updates import Command

router = AdminRouter("settings_edit")

#: The question "Change…" asks, and the confirmed action.
ASK = "setting.value"
ACTION = "setting.change"

_FIRST_WORD = re.compile(r"(\S+)\s*(.*)", re.DOTALL)


def _split(text: str) -> tuple[str, str]:
    found = _FIRST_WORD.match(text.strip())
    return (found.group(1), found.group(2).strip()) if found else ("", "")


def _label(spec: Spec, lang: str | None) -> str:
    return f"{spec.title} ({lang})" if lang else spec.title


def _before_after(spec: Spec, lang: str | None, before: Value, after: Value) -> list[str]:
    if spec.kind is Kind.TEXTS:
        return [f"{values.shown(spec, before) if before else '<i>the built-in welcome</i>'} → "
                f"<b>{values.shown(spec, after) if after else 'the built-in welcome'}</b>"]
    return [f"{values.shown(spec, before)} → <b>{values.shown(spec, after)}</b>"]


async def propose(ctx: AdminContext, spec: Spec, lang: str | None, after: Value) -> str | None:
    """Show before → after with Confirm; the notice when there is nothing to change."""
    now = await store.snapshot(ctx.tx.conn)
    before = values.text_of(now.values[spec.key], lang)
    if before == after:
        note = f"{_label(spec, lang)} is {values.shown(spec, before)} already: nothing to change."
        await show_setting(ctx, spec.key, lang, notice=note)
        return "Nothing to change."
    token = await confirm.propose(ctx.tx.conn, ctx.operator.telegram_id, ACTION,
                                  {"key": spec.key, "lang": lang, "before": before, "after": after})
    lines = [f"⚙️ <b>Change {fmt.esc(_label(spec, lang))}?</b> · <code>{spec.key}</code>",
             fmt.esc(spec.description), "", *_before_after(spec, lang, before, after)]
    if values.has_preview(spec):
        shown_lang = lang or values.languages()[0]
        lines += ["", f"As users will see it ({shown_lang}):",
                  values.preview(spec, str(after), lang=shown_lang, name=preview_name(ctx))]
    lines += ["", "In force in every process at its next update once confirmed."]
    await ctx.screen.show("\n".join(lines), keyboard(
        confirm_row(token), nav_row(SettingOpen(spec.key, lang or NO_LANG))))
    return None


def _spec_and_lang(key: str, lang_field: str) -> tuple[Spec, str | None] | None:
    """The setting a button or question names, with its language (a per-language text needs
    one, any other setting none); None for a stale or forged one."""
    spec = registry.BY_KEY.get(key)
    lang = lang_of(lang_field)
    if spec is None or (spec.kind is Kind.TEXTS) != (lang is not None):
        return None
    if lang is not None and lang not in values.languages():
        return None
    return spec, lang


@router.callback(SettingFlip, can=Can.SETTINGS)
async def on_flip(ctx: AdminContext, data: SettingFlip) -> str | None:
    spec = registry.BY_KEY.get(data.key)
    if spec is None or spec.kind is not Kind.BOOL:
        return "This setting no longer exists."
    return await propose(ctx, spec, None, data.on)


@router.callback(SettingOff, can=Can.SETTINGS)
async def on_off(ctx: AdminContext, data: SettingOff) -> str | None:
    spec = registry.BY_KEY.get(data.key)
    if spec is None or spec.kind is not Kind.INT or spec.minimum > 0:
        return "This setting no longer exists."
    return await propose(ctx, spec, None, 0)


@router.callback(SettingReset, can=Can.SETTINGS)
async def on_reset(ctx: AdminContext, data: SettingReset) -> str | None:
    found = _spec_and_lang(data.key, data.lang)
    if found is None:
        return "This setting no longer exists."
    spec, lang = found
    return await propose(ctx, spec, lang, "" if spec.kind is Kind.TEXTS else spec.default)


@router.callback(SettingAsk, can=Can.SETTINGS)
async def on_ask(ctx: AdminContext, data: SettingAsk) -> str | None:
    found = _spec_and_lang(data.key, data.lang)
    if found is None:
        return "This setting no longer exists."
    spec, lang = found
    await pending.ask(ctx.tx.conn, ctx.operator.telegram_id, ASK, {"key": spec.key, "lang": lang},
                      ctx.place, ctx.message_id)
    now = await store.snapshot(ctx.tx.conn)
    current = values.text_of(now.values[spec.key], lang)
    await ctx.screen.show(
        f"✏️ <b>{fmt.esc(_label(spec, lang))}</b> · <code>{spec.key}</code>\n"
        f"Now: {values.shown(spec, current)}\n\n"
        f"Send the new value: {values.rule(spec)}"
        + (" (formatting and tags are shown as typed)" if spec.kind in (Kind.TEXT, Kind.TEXTS)
           and not spec.symbols_only else "")
        + f". <code>{values.DEFAULT_WORD}</code> restores the default; /cancel keeps it as it is.",
        keyboard(nav_row(SettingOpen(spec.key, lang or NO_LANG))))
    return None


@router.answer(ASK, can=Can.SETTINGS)
async def on_answer(ctx: AdminContext, question: pending.Pending, text: str) -> None:
    found = _spec_and_lang(str(question.params.get("key")), str(question.params.get("lang") or NO_LANG))
    if found is None:
        await ctx.screen.say("That setting no longer exists; nothing was changed.")
        return
    spec, lang = found
    try:
        after = values.parse(spec, text)
    except values.Invalid as exc:
        # Asked again: a typo costs a retry, not the way back to the question.
        await pending.ask(ctx.tx.conn, ctx.operator.telegram_id, ASK, question.params, question.place,
                          question.message_id)
        await ctx.screen.say(f"{exc} Nothing was changed: send another value, or /cancel.")
        return
    await propose(ctx, spec, lang, after)


@router.command("set", can=Can.SETTINGS)
async def set_command(ctx: AdminContext, command: Command) -> None:
    """``/set <key> <value>``; ``/set welcome_text <lang> <text>``; ``/set <key>`` opens it."""
    key, rest = _split(command.payload)
    if not key:
        await ctx.screen.fresh().show(_usage(), keyboard(nav_row(SettingsPage(0))))
        return
    spec = registry.BY_KEY.get(key.lower())
    if spec is None:
        await ctx.screen.say(unknown_key(key))
        return
    lang = None
    if spec.kind is Kind.TEXTS:
        typed_lang, rest = _split(rest)
        if not typed_lang:
            await show_setting(ctx, spec.key)
            return
        try:
            lang = values.language(typed_lang)
        except values.Invalid as exc:
            await ctx.screen.say(f"{exc} Usage: <code>/set {spec.key} &lt;language&gt; &lt;text&gt;</code>.")
            return
    if not rest:
        await show_setting(ctx, spec.key, lang)
        return
    try:
        after = values.parse(spec, rest)
    except values.Invalid as exc:
        await ctx.screen.say(f"{exc} Nothing was changed.")
        return
    await propose(ctx, spec, lang, after)


def _usage() -> str:
    lines = ["⚙️ <b>/set</b>", USAGE, ""]
    for group in registry.Group:
        lines.append(f"<b>{group.value}</b>")
        lines += [f"• <code>{s.key}</code>: {values.rule(s)}" for s in registry.in_group(group)]
    return "\n".join(lines)


@router.action(ACTION, can=Can.SETTINGS)
async def apply(ctx: AdminContext, params: Mapping[str, Any]) -> str | None:
    found = _spec_and_lang(str(params.get("key")), str(params.get("lang") or NO_LANG))
    if found is None:
        return "This setting no longer exists."
    spec, lang = found
    conn = ctx.tx.conn
    whole = await store.locked(conn, spec.key)
    before = values.text_of(whole, lang)
    if before != params["before"]:
        await show_setting(ctx, spec.key, lang, notice=(
            f"⚠️ {fmt.esc(_label(spec, lang))} changed meanwhile (now {values.shown(spec, before)}):"
            " nothing was saved. Look again, then change it if you still want to."))
        return "Changed meanwhile: nothing was saved."
    after: Value = params["after"]
    if lang is not None:
        texts = dict(whole) if isinstance(whole, Mapping) else {}
        if after:
            texts[lang] = str(after)
        else:
            texts.pop(lang, None)
        await store.write(conn, spec.key, texts, ctx.operator.telegram_id)
        logged_before: dict[str, Any] = {"lang": lang, "value": before or None}
        logged_after: dict[str, Any] = {"lang": lang, "value": after or None}
    else:
        await store.write(conn, spec.key, after, ctx.operator.telegram_id)
        logged_before, logged_after = {"value": before}, {"value": after}
    await audit.record(conn, ctx.operator, "setting.change", cause=ctx.tx.cause, target=spec.key,
                       before=logged_before, after=logged_after)
    change = " ".join(_before_after(spec, lang, before, after))
    await show_setting(ctx, spec.key, lang, notice=f"✅ Saved: {change}. In force at the next update.")
    return "Saved."
