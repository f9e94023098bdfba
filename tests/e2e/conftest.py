"""Browser fixtures: the test app served on a free local port, and Debian's chromium via Playwright.

These tests are marked `e2e` and run with `make test-browser` (pytest -m e2e tests/e2e).
Playwright drives /usr/bin/chromium from Debian; it never downloads a browser of its own.
"""

import os
import threading
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    """The session's app served on 127.0.0.1 on a free port, in a background thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    origin, app.config["PUBLIC_URL"] = (
        app.config["PUBLIC_URL"],
        f"http://127.0.0.1:{server.server_port}",
    )
    try:
        yield app.config["PUBLIC_URL"]  # the links in mail lead to this server
    finally:
        app.config["PUBLIC_URL"] = origin
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium from Debian's package, shared by the whole session."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's chromium. "
            "Install it with: apt-get install -y chromium",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, live_server, db):
    """A fresh context and page for each test; the database is emptied after it (db fixture)."""
    expect.set_options(timeout=TIMEOUT_MS)
    context = browser.new_context(base_url=live_server, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def open_page(browser, live_server, db) -> Iterator[Callable[[], Page]]:
    """open_page() -> a page in a browser context of its own: one session per person (a journey
    with several people); downloads are accepted."""
    expect.set_options(timeout=TIMEOUT_MS)
    contexts = []

    def make() -> Page:
        context = browser.new_context(base_url=live_server, locale="en-US", accept_downloads=True)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    try:
        yield make
    finally:
        for context in contexts:
            context.close()
