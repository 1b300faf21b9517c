"""A person tries the whole product in the sandbox console, in a real Chromium.

Each step is checked in the page and in Postgres, and photographed
(artifacts/browser/<test>/). The system runs as ./scripts/run runs it: the
web process and a worker per queue, each a process of its own.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from core.platform.config import SANDBOX_ADMIN_GROUP_ID as GROUP
from core.platform.config import SANDBOX_ADMIN_USER_ID as OWNER
from tests.browser.conftest import LiveSystem
from tests.browser.page import Console, hook

pytestmark = pytest.mark.browser

def receipt(width: int = 480, height: int = 320) -> bytes:
    """A PNG of a receipt (a blue band, ruled lines): what a person attaches."""
    def pixel(x: int, y: int) -> bytes:
        if y < 56:
            return bytes((51, 144, 236))
        if y % 32 == 0 and 24 < x < width - 24:
            return bytes((190, 196, 204))
        return bytes((250, 250, 248))
    rows = b"".join(b"\x00" + b"".join(pixel(x, y) for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def create_user(page: Console, first: str, last: str, username: str, language: str) -> None:
    page.click("new-user-button")
    page.find("new-user-first-name").send_keys(first)
    page.find("new-user-last-name").send_keys(last)
    page.find("new-user-username").send_keys(username)
    page.js(f"document.querySelector('{hook('new-user-language')}').value = arguments[0]", language)
    page.shot("new-user-form")
    page.click("new-user-submit")
    page.find("start-button")


def photo_width(page: Console) -> int:
    """The natural width of the photo shown (once it has loaded)."""
    return int(page.until(lambda: next(b for b in page.bubbles() if b["kind"] == "photo")["photo"],
                          "the photo loaded"))


def user_id(system: LiveSystem, username: str) -> int:
    return int(system.value("SELECT id FROM sandbox_chats WHERE username = %s", username))


def test_a_new_user_takes_the_tour_buys_writes_and_hears_back(
    live_system: LiveSystem, laptop: Console
) -> None:
    page, db = laptop, live_system
    page.open()
    page.find("new-user-button")
    page.shot("empty-console")

    # 1. A new Telegram user opens the bot.
    create_user(page, "Ada", "Lovelace", "ada_l", "en")
    ada = user_id(db, "ada_l")
    assert page.visible("chat-item", chat_id=ada) is not None
    assert db.value("SELECT count(*) FROM users") == 0
    page.shot("new-chat")
    page.click("start-button")
    welcome = page.bubble("Welcome, Ada Lovelace!", from_bot=True)
    assert welcome["buttons"] == ["▶️ Take the tour", "☰ Menu"]
    page.wait_balance(3)
    assert db.eventually("SELECT credits = 3 FROM users WHERE telegram_id = %s", ada)
    assert db.rows("SELECT reason, delta FROM credit_ledger") == [("signup_bonus", 3)]
    page.shot("started")

    # 2. The tour: one message, edited in place, and the bonus at the end.
    page.press("Take the tour")
    step = page.bubble("Step 1/3", from_bot=True)
    page.press("Next", step["id"])
    edited = page.bubble("Step 2/3", from_bot=True)
    assert (edited["id"], edited["edited"]) == (step["id"], True)
    page.shot("tour-step-2-edited")
    page.press("Next", step["id"])
    page.bubble("Step 3/3", from_bot=True)
    page.press("Finish", step["id"])
    page.bubble("Tour finished!", from_bot=True)
    page.wait_balance(5)
    assert db.eventually("SELECT tutorial_completed FROM users WHERE telegram_id = %s", ada)
    assert db.value("SELECT credits FROM users WHERE telegram_id = %s", ada) == 5
    page.shot("tour-finished")

    # 3. Buying a pack: /buy from the command menu the bot registered, then the fake Stripe page.
    page.type("/bu")
    page.find("command-suggestion", command="buy")
    page.shot("command-suggestions")
    page.click("command-suggestion", command="buy")
    page.bubble("10 credits", from_bot=True)
    page.press("10 credits · $4.99")
    pay = page.bubble("Pay for 10 credits", from_bot=True)
    assert pay["buttons"] == ["Pay $4.99"]
    console_tab = page.driver.current_window_handle
    page.press("Pay $4.99")
    page.until(lambda: len(page.driver.window_handles) == 2, "the checkout opened in a new tab")
    page.driver.switch_to.window(next(h for h in page.driver.window_handles if h != console_tab))
    page.until(lambda: "Checkout" in page.driver.page_source, "the fake Stripe checkout page")
    page.shot("stripe-checkout")
    page.driver.find_element("xpath", "//button[text()='Pay']").click()
    # Paid, Stripe sends the person back into the bot (t.me/...?start=paid_...): the console's
    # stand-in for Telegram sends that /start as Ada, and the tab closes itself.
    page.until(lambda: len(page.driver.window_handles) == 1, "the checkout tab went back to the bot")
    page.driver.switch_to.window(console_tab)
    back = page.bubble("/start paid_", from_bot=False)
    assert back["out"]
    page.bubble("Payment received", from_bot=True)
    page.wait_balance(15)
    assert db.eventually(
        "SELECT status = 'succeeded' FROM transactions WHERE rail = 'stripe' ORDER BY id DESC LIMIT 1")
    assert db.value("SELECT credits FROM users WHERE telegram_id = %s", ada) == 15
    page.shot("paid")

    # 4. Writing to the team costs a credit; the message goes to the user's topic.
    page.say("Hello! My order #1234 has not arrived.")
    mine = page.bubble("My order #1234", from_bot=False)
    assert mine["out"]
    page.bubble("Message delivered", from_bot=True)
    page.wait_balance(14)
    assert db.eventually("SELECT count(*) = 1 FROM messages WHERE direction = 'in' AND status = 'relayed'")
    page.shot("written")

    # 5. The owner answers in the topic.
    topic = int(db.eventually("SELECT topic_id FROM conversations WHERE topic_id IS NOT NULL"))
    page.click("topic-item", chat_id=GROUP, thread_id=topic)
    copy = page.bubble("My order #1234", from_bot=True)
    assert not copy["out"]
    assert page.find("operator-picker").get_attribute("value") == str(OWNER)
    page.wait_balance(14)  # the topic's panel is the customer's
    page.say("Sorry about that, Ada: it ships today.")
    page.bubble("it ships today", from_bot=False)
    page.shot("operator-answered")
    assert db.eventually(
        "SELECT count(*) = 1 FROM sandbox_messages WHERE chat_id = %s AND from_bot AND text LIKE %s",
        ada, "%it ships today%")

    # 6. The user sees the answer, live: the chat list marked it unread first.
    badge = f"{hook('chat-item', chat_id=ada)} {hook('unread')}"
    page.until(lambda: page.js(f"return (document.querySelector('{badge}') || {{}}).textContent"),
               "the unread badge on Ada's chat")
    page.click("chat-item", chat_id=ada)
    answer = page.bubble("it ships today", from_bot=True)
    assert not answer["out"]
    page.wait_balance(14)
    page.shot("user-got-the-answer")


def test_on_a_phone_stars_pay_for_credits_in_the_users_language(
    live_system: LiveSystem, phone: Console
) -> None:
    page, db = phone, live_system
    page.open()
    page.shot("phone-chat-list")
    create_user(page, "Bruno", "Costa", "bruno_c", "pt-br")
    bruno = user_id(db, "bruno_c")
    page.shot("phone-new-chat")
    page.click("start-button")
    page.bubble("Boas-vindas, Bruno Costa!", from_bot=True)

    # Skipping the tour answers the button with a notice: a toast, as Telegram shows it.
    page.press("Fazer o tour")
    page.press("Pular")
    toast = page.find("toast")
    assert "Você pode fazer o tour quando quiser" in toast.text
    page.shot("phone-toast")

    # The command menu is the bot's Portuguese list.
    page.click("commands-button")
    suggestion = page.find("command-suggestion", command="buy")
    assert suggestion.text.split("\n") == ["/buy", "Comprar créditos"]
    page.shot("phone-commands")
    suggestion.click()
    page.press("⭐ 250")
    invoice = page.until(lambda: next((b for b in page.bubbles() if b["kind"] == "invoice"), None),
                         "the Stars invoice")
    assert invoice["buttons"] == ["Pay ⭐ 250"]
    page.shot("phone-invoice")
    page.press("Pay ⭐ 250")
    assert db.eventually(
        "SELECT status = 'succeeded' FROM transactions WHERE rail = 'stars' ORDER BY id DESC LIMIT 1")
    assert db.eventually("SELECT credits = 13 FROM users WHERE telegram_id = %s", bruno)
    page.until(lambda: any(b["text"].startswith("✅") and "+10" in b["text"] for b in page.bubbles()),
               "the payment's confirmation")
    paid = page.until(lambda: page.visible("service"), "the payment's line in the chat")
    assert paid.text == "Bruno Costa paid ⭐ 250"
    page.shot("phone-paid")

    # A tidy phone layout: nothing wider than the screen, the composer on it.
    assert page.js("return document.documentElement.scrollWidth") <= 390
    box = page.js(f"return document.querySelector('{hook('composer-input')}').getBoundingClientRect()")
    assert box["left"] >= 0
    assert box["right"] <= 390
    assert box["bottom"] <= 844
    page.click("back")
    page.find("chat-item", chat_id=bruno)
    page.shot("phone-back-to-list")


def test_photos_replies_and_mistakes(live_system: LiveSystem, laptop: Console, tmp_path: Path) -> None:
    page, db = laptop, live_system
    page.open()
    # A username Telegram would refuse: said in the form, nothing created.
    page.click("new-user-button")
    page.find("new-user-first-name").send_keys("Eve")
    page.find("new-user-username").send_keys("e!")
    page.click("new-user-submit")
    assert "a username has 5 to 32" in page.text("new-user-error")
    page.shot("new-user-refused")
    assert db.value("SELECT count(*) FROM sandbox_chats WHERE type = 'private'") == 0
    page.js("document.getElementById('new-user').close()")

    create_user(page, "Cleo", "", "cleo_p", "es")
    cleo = user_id(db, "cleo_p")
    page.click("start-button")
    page.bubble("¡Te damos la bienvenida, Cleo!", from_bot=True)

    # A photo with a caption, compressed by the page as a Telegram client does.
    picture = tmp_path / "receipt.png"
    picture.write_bytes(receipt())
    # The attach button opens this input (off screen): a person picks the file there.
    page.driver.find_element("css selector", hook("attach-input")).send_keys(str(picture))
    page.find("attachment-chip")
    page.type("my receipt")
    page.click("composer-send")
    photo = page.until(lambda: next((b for b in page.bubbles() if b["kind"] == "photo" and b["out"]), None),
                       "my photo")
    assert photo["text"] == "my receipt"
    page.bubble("Mensaje entregado", from_bot=True)
    assert db.eventually("SELECT count(*) = 1 FROM messages WHERE direction = 'in' AND status = 'relayed'")
    assert photo_width(page) == 480
    page.shot("photo-sent")

    # The owner replies to the photo in the topic: the quote shows in the page.
    topic = int(db.eventually("SELECT topic_id FROM conversations WHERE topic_id IS NOT NULL"))
    page.click("topic-item", chat_id=GROUP, thread_id=topic)
    copy = page.until(lambda: next((b for b in page.bubbles() if b["kind"] == "photo"), None), "the copy")
    assert photo_width(page) == 480  # the same file, kept by the sandbox, shown in the topic
    page.js(f"document.querySelector('[data-message-id=\"{copy['id']}\"] {hook('reply-button')}').click()")
    page.say("Thanks, got it.")
    reply = page.bubble("Thanks, got it.", from_bot=False)
    assert "my receipt" in (reply["quote"] or "")
    page.shot("operator-replied-to-the-photo")
    assert db.eventually(
        "SELECT count(*) = 1 FROM sandbox_messages WHERE chat_id = %s AND from_bot AND text = %s",
        cleo, "Thanks, got it.")
