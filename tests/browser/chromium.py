"""Finding the machine's Chromium and starting it as the browser tests need it.

Debian's ``chromium`` and ``chromium-driver`` (``apt-get install chromium
chromium-driver``); Playwright's own browser download cannot run here, and
nothing is fetched: the machine may be offline.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from typing import Any

#: What Chromium needs to start in a container, offline, and quietly.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--disable-extensions", "--hide-scrollbars", "--lang=en-US")


@dataclass(frozen=True)
class Found:
    browser: str
    driver: str


def find() -> Found | str:
    """The Chromium and chromedriver to use, or why the browser tests cannot run."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (./scripts/setup installs the dev dependencies)"
    names = ("chromium", "chromium-browser", "google-chrome")
    browser = shutil.which(os.environ["CHROMIUM"]) if os.environ.get("CHROMIUM") else next(
        (p for n in names if (p := shutil.which(n))), None)
    driver = shutil.which(os.environ.get("CHROMEDRIVER") or "chromedriver")
    if browser is None or driver is None:
        missing = " and ".join(n for n, p in (("chromium", browser), ("chromedriver", driver)) if p is None)
        return f"no {missing} on PATH (Debian: apt-get install -y chromium chromium-driver)"
    return Found(browser, driver)


def start(found: Found, *, width: int, height: int, phone: bool = False) -> Any:
    """A new Chromium with a fresh profile: a laptop window, or a phone's viewport."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = found.browser
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tempfile.mkdtemp(prefix='paid-desk-chromium-')}")
    # The page's own errors, read back after the test (Console.script_errors).
    options.set_capability("goog:loggingPrefs", {"browser": "SEVERE"})
    if phone:
        # A window cannot be narrower than 500 px; the phone's viewport is emulated.
        options.add_experimental_option("mobileEmulation", {
            "deviceMetrics": {"width": width, "height": height, "pixelRatio": 2, "touch": True},
            "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko)"
                         " Chrome/130.0 Mobile Safari/537.36",
        })
    else:
        options.add_argument(f"--window-size={width},{height}")
    driver = webdriver.Chrome(service=Service(found.driver), options=options)
    driver.set_page_load_timeout(30)
    return driver
