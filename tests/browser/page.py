"""The console page as a person uses it, through its ``data-testid`` hooks (Selenium)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement

#: A liveness bound: the workers answer in well under a second, but the machine is shared.
WAIT = 30.0
T = TypeVar("T")

_BUBBLES = """
return [...document.querySelectorAll('[data-testid="message"]')].map(n => ({
  id: Number(n.dataset.messageId), from: n.dataset.from, kind: n.dataset.kind,
  out: n.classList.contains('out'),
  text: (() => { const t = n.querySelector('.text'); if (!t) return '';
                 const c = t.cloneNode(true); c.querySelectorAll('.meta').forEach(m => m.remove());
                 return c.textContent; })(),
  edited: !!n.querySelector('[data-testid="edited-mark"]'),
  quote: (n.querySelector('[data-testid="reply-quote"]') || {innerText: null}).innerText,
  photo: (() => { const i = n.querySelector('img[data-testid="photo"]');
                  return i ? i.naturalWidth : null; })(),
  buttons: [...n.querySelectorAll('[data-testid="inline-button"]')].map(b => b.innerText.trim()),
}));
"""


def hook(testid: str, **attrs: object) -> str:
    """The CSS selector of a ``data-testid`` hook, narrowed by ``data-*`` attributes."""
    more = "".join(f'[data-{k.replace("_", "-")}="{v}"]' for k, v in attrs.items())
    return f'[data-testid="{testid}"]{more}'


class Console:
    def __init__(self, driver: Any, base_url: str, shots: Path) -> None:
        self.driver = driver
        self.base_url = base_url
        self.shots = shots
        self._count = 0

    # --- looking ---

    def until(self, found: Callable[[], T | None], what: str, timeout: float = WAIT) -> T:
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = found()
            except (StaleElementReferenceException, WebDriverException, LookupError, IndexError):
                value = None
            if value:
                return value
            if time.monotonic() > deadline:
                self.shot("timeout")
                raise AssertionError(f"not seen within {timeout} s: {what}")
            time.sleep(0.1)

    def find(self, testid: str, **attrs: object) -> WebElement:
        return self.until(lambda: self.visible(testid, **attrs), f"{hook(testid, **attrs)} shown")

    def visible(self, testid: str, **attrs: object) -> WebElement | None:
        found = [e for e in self.driver.find_elements(By.CSS_SELECTOR, hook(testid, **attrs))
                 if e.is_displayed()]
        return found[0] if found else None

    def all(self, testid: str, **attrs: object) -> list[WebElement]:
        return list(self.driver.find_elements(By.CSS_SELECTOR, hook(testid, **attrs)))

    def bubbles(self) -> list[dict[str, Any]]:
        return list(self.driver.execute_script(_BUBBLES))

    def bubble(self, contains: str, *, from_bot: bool | None = None) -> dict[str, Any]:
        """The newest message bubble whose text contains ``contains`` (waiting for it)."""
        def match() -> dict[str, Any] | None:
            for b in reversed(self.bubbles()):
                if contains in b["text"] and (from_bot is None or (b["from"] == "bot") == from_bot):
                    return b
            return None
        return self.until(match, f"a message saying {contains!r}")

    def text(self, testid: str, **attrs: object) -> str:
        return str(self.find(testid, **attrs).text)

    def js(self, script: str, *args: object) -> Any:
        return self.driver.execute_script(script, *args)

    # --- acting ---

    def open(self, path: str = "/") -> None:
        self.driver.get(f"{self.base_url}{path}")
        self.until(lambda: self.text("live-status") == "live", "the live updates connected")

    def _click(self, find: Callable[[], WebElement], what: str) -> WebElement:
        """Click what ``find`` finds; the page redraws lists and messages as updates arrive,
        so an element found a moment ago may be gone: then it is found again."""
        def clicked() -> WebElement:
            element = find()
            self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
            element.click()
            return element
        return self.until(clicked, what)

    def click(self, testid: str, **attrs: object) -> None:
        self._click(lambda: self.find(testid, **attrs), f"a click on {hook(testid, **attrs)}")

    def press(self, label: str, message_id: int | None = None) -> WebElement:
        """Press the inline button labelled ``label`` (on the newest message that has it)."""
        def button() -> WebElement | None:
            scope = f'[data-testid="message"][data-message-id="{message_id}"] ' if message_id else ""
            found = [b for b in self.driver.find_elements(By.CSS_SELECTOR, f'{scope}{hook("inline-button")}')
                     if label in b.text and b.is_enabled()]
            return found[-1] if found else None
        def found() -> WebElement:
            return self.until(button, f"a button {label!r}")
        return self._click(found, f"a click on the button {label!r}")

    def type(self, text: str) -> None:
        self.find("composer-input").send_keys(text)

    def say(self, text: str) -> None:
        self.type(text)
        self.click("composer-send")
        self.until(lambda: self.find("composer-input").get_attribute("value") == "", "the composer emptied")

    def balance(self) -> str:
        return str(self.js('return document.querySelector(\'[data-testid="panel-balance"]\').textContent'))

    def wait_balance(self, credits: int) -> None:
        self.until(lambda: self.balance() == str(credits), f"the panel's balance at {credits}")

    def script_errors(self) -> list[str]:
        """What the page's scripts threw (answers refused on purpose are not errors)."""
        logs = self.driver.get_log("browser")
        return [str(e["message"]) for e in logs if "Failed to load resource" not in str(e["message"])]

    def shot(self, name: str) -> Path:
        self._count += 1
        path = self.shots / f"{self._count:02d}-{name}.png"
        self.driver.save_screenshot(str(path))
        return path
