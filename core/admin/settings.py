"""⚙️ Settings: every key of ``bot_settings`` by group, and one setting's screen.

The list shows each setting's value in force; a setting's screen shows what
it does, its type and range, its default, its value and who changed it last,
with buttons to change it (core.admin.settings_edit proposes and applies the
change). ``/settings <key>`` opens a setting's screen directly.
"""

from __future__ import annotations

from core.admin import fmt
from core.admin import settings_registry as registry
from core.admin import settings_store as store
from core.admin import settings_values as values
from core.admin.navigation import PAGE_SIZE, nav_row, pager
from core.admin.roles import Can
from core.admin.router import AdminContext, AdminRouter
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
from core.admin.settings_registry import Kind, Spec
from core.telegram.markup import Button, button, keyboard

router = AdminRouter("settings")

USAGE = ("Type <code>/set &lt;key&gt; &lt;value&gt;</code>: on/off, a number, or a text"
         " (<code>/set welcome_text pt Olá {name}!</code>); <code>default</code> restores a default.")


#: Whom a preview greets when the operator never wrote to the bot (no name known).
SAMPLE_NAME = "Maria Silva"


def preview_name(ctx: AdminContext) -> str:
    """The operator's own name in previews, so a {name} shows filled in as users get it."""
    known = ctx.operator.name != str(ctx.operator.telegram_id)
    return ctx.operator.name if known else SAMPLE_NAME


def page_of(key: str) -> int:
    keys = [s.key for s in registry.ordered()]
    return keys.index(key) // PAGE_SIZE if key in keys else 0


async def show_list(ctx: AdminContext, page: int) -> None:
    specs = registry.ordered()
    pages = max((len(specs) + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(page, 0), pages - 1)
    shown = specs[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
    now = await store.snapshot(ctx.tx.conn)
    paged = f" · page {page + 1}/{pages}" if pages > 1 else ""
    lines = [f"⚙️ <b>Settings</b> · {len(specs)} settings{paged}",
             "A change is in force in every process at its next update."]
    group: registry.Group | None = None
    for spec in shown:
        if spec.group is not group:
            group = spec.group
            lines += ["", f"<b>{group.value}</b>"]
        value = values.shown(spec, now.values[spec.key], limit=30)
        lines.append(f"• {spec.title} (<code>{spec.key}</code>): {value}")
    lines += ["", "Tap a setting to see and change it. " + USAGE]
    rows = [[button(spec.title, SettingOpen(spec.key).pack())] for spec in shown]
    await ctx.screen.show("\n".join(lines), keyboard(*rows, pager(page, len(specs), SettingsPage),
                                                     nav_row()))


def _stamp_line(stamp: store.Stamp | None) -> str:
    if stamp is None or stamp.by is None:
        return "Never changed here."
    who = fmt.esc(stamp.by_name) if stamp.by_name else f"<code>{stamp.by}</code>"
    return f"Last changed {fmt.ago(stamp.at)} by {who}."


def _buttons(spec: Spec, current: registry.Value) -> list[list[Button]]:
    if spec.kind is Kind.BOOL:
        return [[button(("• " if current else "") + "✅ On", SettingFlip(spec.key, True).pack()),
                 button(("• " if not current else "") + "⛔ Off", SettingFlip(spec.key, False).pack())]]
    if spec.kind is Kind.TEXTS:
        assert isinstance(current, dict)
        return [[button(f"{lang} · {'custom' if current.get(lang) else 'built-in'}",
                        SettingOpen(spec.key, lang).pack())] for lang in values.languages()]
    row = [button("✏️ Change…", SettingAsk(spec.key).pack())]
    if spec.kind is Kind.INT and spec.zero and current != 0 and spec.minimum == 0:
        row.append(button(f"⛔ Off ({spec.zero})", SettingOff(spec.key).pack()))
    extra = []
    if current != spec.default:
        label = "↩️ Built-in text" if spec.kind is Kind.TEXT and spec.default == "" else (
            f"↩️ Default ({values.shown(spec, spec.default)})")
        extra.append(button(label, SettingReset(spec.key).pack()))
    return [row, extra]


async def show_setting(ctx: AdminContext, key: str, lang: str | None = None, *, notice: str = "") -> None:
    spec = registry.BY_KEY[key]
    now = await store.snapshot(ctx.tx.conn)
    if lang is not None and spec.kind is Kind.TEXTS:
        await _show_language(ctx, spec, lang, now, notice)
        return
    current = now.values[key]
    lines = [notice, ""] if notice else []
    lines += [f"⚙️ <b>{spec.title}</b> · <code>{key}</code>", fmt.esc(spec.description), "",
              f"Type: {values.rule(spec)}",
              f"Default: {values.shown(spec, spec.default)}",
              f"Now: <b>{values.shown(spec, current, limit=200)}</b>",
              _stamp_line(now.stamps.get(key))]
    if key == "stripe_enabled" and ctx.settings.stripe_api_key is None:
        lines.append("⚠️ This deployment has no STRIPE_API_KEY: card payments stay off whatever this says.")
    if spec.kind is Kind.TEXT and values.has_preview(spec):
        lines += ["", f"As users see it ({values.languages()[0]}):",
                  values.preview(spec, str(current), lang=values.languages()[0], name=preview_name(ctx))]
    lines += ["", f"Or type <code>/set {key} {values.example(spec)}</code>."]
    await ctx.screen.show("\n".join(lines), keyboard(*_buttons(spec, current),
                                                     nav_row(SettingsPage(page_of(key)))))


async def _show_language(ctx: AdminContext, spec: Spec, lang: str, now: store.Snapshot, notice: str) -> None:
    current = values.text_of(now.values[spec.key], lang)
    assert isinstance(current, str)
    lines = [notice, ""] if notice else []
    lines += [f"⚙️ <b>{spec.title}</b> · {lang} · <code>{spec.key}</code>", fmt.esc(spec.description), "",
              f"Type: {values.rule(spec)}",
              f"Now: <b>{'custom text' if current else 'the built-in welcome'}</b>",
              _stamp_line(now.stamps.get(spec.key)), "",
              "As a new user sees it:",
              values.preview(spec, current, lang=lang, name=preview_name(ctx)), "",
              f"Or type <code>/set {spec.key} {lang} &lt;text&gt;</code>."]
    row = [button("✏️ Change…", SettingAsk(spec.key, lang).pack())]
    if current:
        row.append(button("🗑 Clear (built-in)", SettingReset(spec.key, lang).pack()))
    await ctx.screen.show("\n".join(lines), keyboard(row, nav_row(SettingOpen(spec.key))))


async def open_settings(ctx: AdminContext, payload: str) -> None:
    """``/settings`` (the list) or ``/settings <key> [language]`` (that setting)."""
    words = payload.split()
    if not words:
        await show_list(ctx, 0)
        return
    spec = registry.BY_KEY.get(words[0].lower())
    if spec is None:
        await ctx.screen.say(unknown_key(words[0]))
        return
    lang = None
    if spec.kind is Kind.TEXTS and len(words) > 1:
        try:
            lang = values.language(words[1])
        except values.Invalid as exc:
            await ctx.screen.say(str(exc))
            return
    await show_setting(ctx, spec.key, lang)


def unknown_key(typed: str) -> str:
    key = typed.lower()
    if key in registry.UNREAD:
        return (f"<code>{fmt.esc(key)}</code> is in the table but nothing in this version reads it"
                f" ({fmt.esc(registry.UNREAD[key])}), so it is not offered here.")
    close = registry.suggest(key)
    hint = (" Did you mean " + " or ".join(f"<code>{k}</code>" for k in close) + "?") if close else ""
    return f"Unknown setting “{fmt.esc(typed[:40])}”.{hint} /settings lists them all."


@router.callback(SettingsPage, can=Can.SETTINGS)
async def on_page(ctx: AdminContext, data: SettingsPage) -> str | None:
    await show_list(ctx, data.page)
    return None


@router.callback(SettingOpen, can=Can.SETTINGS)
async def on_open(ctx: AdminContext, data: SettingOpen) -> str | None:
    spec = registry.BY_KEY.get(data.key)
    lang = lang_of(data.lang)
    if spec is None or (lang is not None and lang not in values.languages()):
        return "This setting no longer exists."
    await show_setting(ctx, spec.key, lang if spec.kind is Kind.TEXTS else None)
    return None


__all__ = ["NO_LANG", "open_settings", "preview_name", "router", "show_list", "show_setting", "unknown_key"]
