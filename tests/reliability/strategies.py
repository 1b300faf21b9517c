"""Hypothesis strategies: Telegram updates and Stripe events in the shapes their APIs
send (tests/fixtures), with random and hostile values.

Every field is valid most of the time and otherwise missing, of the wrong type,
huge, negative, empty or odd Unicode, so most examples reach deep into the
workers while the rest probe the ingress's checks. Update ids are not drawn:
the runner numbers the examples (a repeated id is a redelivery, which has its
own tests).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from core.platform.config import SANDBOX_ADMIN_GROUP_ID
from tests.builders import BOT, OWNER

#: Users of the fuzz: few enough that they meet again (a held message, then a
#: payment, then a button), far from the ids other tests use.
USERS = tuple(range(770_000_001, 770_000_013))

ODD_TEXTS = (
    "",
    " ",
    "\u202egnp.exe",  # right-to-left override
    "\u200b\u200c\u200d\ufeff",  # zero-width characters
    "e\u0301\u0301\u0301\u0301",  # stacked combining marks
    "𝕳𝖊𝖑𝖑𝖔 🏳️‍🌈👨‍👩‍👧‍👦",  # astral plane, joiners
    "\x1b[31mred\x1b[0m\r\n\t",
    "'; DROP TABLE users; --",
    "<b>bold</b><script>alert(1)</script>&amp;",
    "*bold* _it_ `code` [link](tg://user?id=1)",
    "%s %d {0} {user} {{}}",
    "/start",
    "/start paid_x",
    "/buy",
    "/balance@paid_desk_bot extra",
    "/ not a command",
    "//note",
    "x" * 4096,
    "ж" * 4096,
    "🙂" * 4096,
    "x" * 4097,
)

#: What JSON carries and Postgres cannot store: the ingress refuses it.
UNSTORABLE_TEXTS = (
    "\ud800",  # a lone surrogate (valid JSON, invalid Unicode)
    "\x00nul",  # NUL (Postgres stores no NUL in text or jsonb)
    "a\x00",
)

HUGE_INTS = (0, -1, -(2**31), 2**31, 2**53 + 1, 2**63 - 1, 2**63, -(2**63) - 1, 2**64, 10**30)

#: Mostly plausible (positive, 32-bit), now and then negative, and 1 in 60 extreme.
ints = st.integers(0, 59).flatmap(
    lambda n: st.sampled_from(HUGE_INTS) if n == 29 else st.integers(-1000, 2**31 - 1) if n in (7, 37)
    else st.integers(1, 2**31 - 1))
# An update has a dozen text fields or more: one unstorable among them refuses it whole.
#: A chat numbers its messages from 1 in 32 bits; the stand-in Telegram takes the
#: next after the highest it saw, so ids near 2**31 would exhaust a chat at once
#: (which Telegram never does). Wrong types, and values past 32 bits, are still drawn.
message_ids = st.integers(1, 2**30)
texts = st.integers(0, 199).flatmap(
    lambda n: st.sampled_from(UNSTORABLE_TEXTS) if n == 97 else st.sampled_from(ODD_TEXTS) if n > 120
    else st.text(max_size=40))
wrong = st.one_of(
    st.none(), st.booleans(), st.floats(), st.text(max_size=8), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2), ints,
)


#: Anything but an integer a chat could number a message with.
not_an_id = st.one_of(
    st.none(), st.booleans(), st.floats(), st.text(max_size=8), st.lists(st.integers(), max_size=3),
    st.sampled_from([0, -1, 2**31, 2**53 + 1, 2**63, 10**30]),
)


def sometimes(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Usually ``valid`` (19 times in 20), otherwise a value of any other shape."""
    return st.integers(0, 19).flatmap(lambda n: wrong if n == 9 else valid)


ids_or_wrong = st.integers(0, 19).flatmap(lambda n: not_an_id if n == 9 else message_ids)


def shaped(required: dict[str, st.SearchStrategy[Any]],
           optional: dict[str, st.SearchStrategy[Any]] | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """An object whose fields are each sometimes wrong; now and then one required field
    is missing, and each optional one is there or not."""
    fields = {k: sometimes(v) for k, v in required.items()}
    whole = st.fixed_dictionaries(fields, optional={k: sometimes(v) for k, v in (optional or {}).items()})
    names = sorted(required)
    # Hypothesis favours a range's ends: the rare branch takes values in its middle.
    return st.tuples(whole, st.integers(0, 9 * len(names))).map(
        lambda d_n: {k: v for k, v in d_n[0].items() if k != names[d_n[1] - 4 * len(names)]}
        if 4 * len(names) <= d_n[1] < 5 * len(names) else d_n[0])


user_ids = st.one_of(st.sampled_from(USERS), st.sampled_from(USERS), ints)
users = shaped(
    {"id": user_ids, "is_bot": st.booleans(), "first_name": texts},
    {"last_name": texts, "username": texts,
     "language_code": st.sampled_from(["en", "pt-br", "uk", "zz", ""])},
)


def private_chat(user: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    own = {"id": user.get("id"), "type": "private", "first_name": user.get("first_name")}
    return st.one_of(st.just(own), st.just(own), shaped({"id": ints, "type": texts}))


entities = st.lists(
    shaped({"type": st.sampled_from(["bot_command", "bold", "text_link", "mention", "custom_emoji", "x"]),
            "offset": ints, "length": ints},
           {"url": texts, "custom_emoji_id": texts}),
    max_size=4,
)
photo_sizes = st.lists(
    shaped({"file_id": texts, "file_unique_id": texts, "width": ints, "height": ints},
           {"file_size": ints}),
    max_size=3,
)
documents = shaped({"file_id": texts, "file_unique_id": texts},
                   {"file_name": texts, "mime_type": texts, "file_size": ints})
payments = shaped({"currency": st.sampled_from(["XTR", "USD", "", "xtr"]), "total_amount": ints,
                   "invoice_payload": texts, "telegram_payment_charge_id": texts,
                   "provider_payment_charge_id": texts})

content = st.one_of(
    st.fixed_dictionaries({"text": texts}, optional={"entities": sometimes(entities)}),
    st.fixed_dictionaries({"photo": sometimes(photo_sizes)},
                          optional={"caption": texts, "caption_entities": sometimes(entities),
                                    "media_group_id": texts}),
    st.fixed_dictionaries({"document": documents}, optional={"caption": texts, "media_group_id": texts}),
    st.fixed_dictionaries({"sticker": shaped({"file_id": texts, "type": texts})}),
    st.fixed_dictionaries({"voice": shaped({"file_id": texts, "duration": ints})}),
    st.fixed_dictionaries({"successful_payment": payments}),
    st.fixed_dictionaries({"refunded_payment": payments}),
    st.fixed_dictionaries({"forum_topic_created": shaped({"name": texts, "icon_color": ints})}),
    st.fixed_dictionaries({"new_chat_members": st.lists(users, max_size=2)}),
    st.fixed_dictionaries({"poll": shaped({"id": texts, "question": texts})}),
    st.fixed_dictionaries({}),  # a message with no content at all
)


@st.composite
def messages(draw: st.DrawFn, *, in_admin_group: bool = False) -> dict[str, Any]:
    sender = draw(st.one_of(users, st.just(OWNER.as_user()))) if in_admin_group else draw(users)
    message: dict[str, Any] = {"message_id": draw(ids_or_wrong), "date": draw(sometimes(ints))}
    if draw(st.integers(0, 9)) != 5:
        message["from"] = sender
    if in_admin_group:
        message["chat"] = draw(st.one_of(
            st.just({"id": SANDBOX_ADMIN_GROUP_ID, "type": "supergroup", "title": "Desk", "is_forum": True}),
            shaped({"id": ints, "type": texts})))
        if draw(st.booleans()):
            message["message_thread_id"] = draw(ids_or_wrong)
            message["is_topic_message"] = draw(sometimes(st.just(True)))
    elif draw(st.integers(0, 9)) != 5:
        message["chat"] = draw(private_chat(sender))
    if draw(st.integers(0, 3)) == 0:
        message["reply_to_message"] = draw(sometimes(st.fixed_dictionaries(
            {"message_id": ints, "date": ints, "chat": st.just(message.get("chat"))},
            optional={"from": st.just(BOT), "text": texts})))
    message.update(draw(content))
    return message


callback_data = st.one_of(
    texts,
    st.tuples(st.sampled_from(["buy:", "buy_", "lang:", "hist:", "hist:csv", "ar:p:", "ar:on", "menu:buy",
                               "bal:refresh", "pay:", "tx:", "adm:", "adm:us:", "adm:set:", "adm:ok:",
                               "adm:sys:jr:", "adm:prd:a:"]),
              st.one_of(texts, ints.map(str))).map("".join),
)


@st.composite
def callback_queries(draw: st.DrawFn) -> dict[str, Any]:
    sender = draw(users)
    query: dict[str, Any] = {"id": draw(sometimes(st.text(min_size=1, max_size=20))),
                             "chat_instance": draw(sometimes(texts))}
    if draw(st.integers(0, 9)) != 5:
        query["from"] = sender
    if draw(st.integers(0, 9)) != 5:
        query["data"] = draw(sometimes(callback_data))
    if draw(st.integers(0, 5)) != 3:
        query["message"] = draw(sometimes(st.fixed_dictionaries(
            {"message_id": ints, "date": ints, "chat": private_chat(sender)},
            optional={"from": st.just(BOT), "text": texts})))
    return query


pre_checkout_queries = shaped(
    {"id": texts, "from": users, "currency": st.sampled_from(["XTR", "USD", ""]), "total_amount": ints,
     "invoice_payload": texts},
)
my_chat_members = shaped(
    {"chat": shaped({"id": st.sampled_from(USERS), "type": st.just("private")}), "from": users,
     "date": ints, "old_chat_member": shaped({"status": texts, "user": st.just(BOT)}),
     "new_chat_member": shaped({"status": st.sampled_from(["kicked", "member", "left", ""]),
                                "user": st.just(BOT)})},
)
inline_queries = shaped({"id": texts, "from": users, "query": texts, "offset": texts},
                        {"chat_type": st.sampled_from(["supergroup", "private", ""])})
chosen_inline_results = shaped({"result_id": texts, "from": users, "query": texts})

UNKNOWN_KINDS = ("channel_post", "poll", "business_message", "message_reaction",
                 "purchased_paid_media", "a_type_from_2030")

updates = st.one_of(
    st.builds(lambda m: {"message": m}, messages()),
    st.builds(lambda m: {"message": m}, messages()),
    st.builds(lambda m: {"message": m}, messages(in_admin_group=True)),
    st.builds(lambda m: {"edited_message": m}, messages()),
    st.builds(lambda m: {"edited_message": m}, messages(in_admin_group=True)),
    st.builds(lambda q: {"callback_query": q}, callback_queries()),
    st.builds(lambda q: {"callback_query": q}, callback_queries()),
    st.builds(lambda q: {"pre_checkout_query": q}, pre_checkout_queries),
    st.builds(lambda m: {"my_chat_member": m}, my_chat_members),
    st.builds(lambda q: {"inline_query": q}, inline_queries),
    st.builds(lambda r: {"chosen_inline_result": r}, chosen_inline_results),
    st.tuples(st.sampled_from(UNKNOWN_KINDS), st.one_of(wrong, messages())).map(lambda kv: {kv[0]: kv[1]}),
    # Two kinds in one update (Telegram sends one): the first handled one counts.
    st.tuples(messages(), callback_queries()).map(lambda mc: {"message": mc[0], "callback_query": mc[1]}),
    # The right key with the wrong shape.
    st.tuples(st.sampled_from(("message", "edited_message", "callback_query", "pre_checkout_query",
                               "my_chat_member", "inline_query", "chosen_inline_result")), wrong)
    .map(lambda kv: {kv[0]: kv[1]}),
)


# --- Stripe ---------------------------------------------------------------------

STRIPE_TYPES = (
    "checkout.session.completed", "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed", "checkout.session.expired", "payment_intent.payment_failed",
    "payment_intent.succeeded", "charge.refunded", "charge.dispute.created", "invoice.paid",
    "customer.subscription.updated", "customer.subscription.deleted", "customer.created", "",
)

stripe_ids = st.one_of(
    st.tuples(st.sampled_from(["cs_", "pi_", "ch_", "in_", "sub_", "cus_", "re_", "dp_", ""]),
              st.text("abcdefXYZ0123456789", min_size=0, max_size=14)).map("".join),
    texts,
)
metadata = st.one_of(
    st.dictionaries(st.sampled_from(["telegram_id", "transaction_id", "product", "kind", "user_id"]),
                    # Small numbers name the fuzz's real pending purchases (transaction ids).
                    st.one_of(texts, ints.map(str), st.sampled_from([str(u) for u in USERS]),
                              st.sampled_from(["1", "2", "3", "01", "-1", "1.0", " 1"])), max_size=4),
    wrong,
)
stripe_objects = shaped(
    {"id": stripe_ids, "object": st.sampled_from(["checkout.session", "payment_intent", "charge", "invoice",
                                                  "subscription", "dispute"]),
     "metadata": metadata, "amount_total": ints},
    {"amount": ints, "amount_refunded": ints, "amount_paid": ints,
     "currency": st.sampled_from(["usd", "eur", ""]),
     "customer": st.one_of(stripe_ids, shaped({"id": stripe_ids})), "payment_intent": stripe_ids,
     "payment_status": st.sampled_from(["paid", "unpaid", "no_payment_required", ""]),
     "status": texts, "mode": st.sampled_from(["payment", "subscription", "setup"]),
     "subscription": stripe_ids,
     "invoice": stripe_ids, "charge": stripe_ids, "refunded": st.booleans(),
     "current_period_end": ints, "cancel_at_period_end": st.booleans(), "billing_reason": texts,
     "lines": st.fixed_dictionaries({"data": st.lists(
         shaped({"price": shaped({"id": stripe_ids}), "period": shaped({"end": ints})}), max_size=2)}),
     "refunds": st.fixed_dictionaries({"data": st.lists(
         shaped({"id": stripe_ids, "amount": ints}), max_size=2)})},
)
stripe_events = st.fixed_dictionaries(
    {"id": st.text("abcdef0123456789", min_size=6, max_size=12).map(lambda s: "evt_fuzz_" + s),
     "object": st.just("event"),
     "type": st.one_of(st.sampled_from(STRIPE_TYPES), st.sampled_from(STRIPE_TYPES), texts),
     "data": st.one_of(st.fixed_dictionaries({"object": stripe_objects}),
                       st.fixed_dictionaries({"object": stripe_objects}), wrong,
                       st.fixed_dictionaries({"object": wrong}))},
    optional={"created": ints, "livemode": st.booleans(), "api_version": texts},
)
