"""The chat page and the dashboard in headless Chromium (Debian's, driven by Playwright)."""

import shutil

import pytest
from serve_support import database_url, running

from empathic.engine import Engine
from empathic.serve import Settings, create_app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium: apt-get install chromium (.ci/run installs it)"
)
XSS = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script> STILL NOTHING!!'


@pytest.fixture(scope="module")
def site(engine, tmp_path_factory):
    url = database_url("sqlite", tmp_path_factory.mktemp("browser"))
    app = create_app(Settings(db_url=url), engine=Engine(engine.perceiver, knowledge="demo"))
    with running(app) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    page = browser.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on("dialog", lambda dialog: (page.errors.append("dialog opened"), dialog.dismiss()))
    yield page
    page.close()


def _send(page, text: str, replies: int) -> None:
    page.fill("#text", text)
    page.click("#send-button")
    page.wait_for_function(f"document.querySelectorAll('.msg.bot').length >= {replies}")


def test_chat_shows_reading_plan_verdict_and_timeline(site, page):
    page.goto(site + "/")
    page.wait_for_selector("#conversation-id:not(:empty)")
    _send(page, "My parcel is two weeks late and nobody answers!!", 1)
    _send(page, XSS, 2)
    _send(page, "I want to talk to a human.", 3)
    users = page.locator(".msg.user")
    assert users.count() == 3
    # The payload is shown as the text it is: no element made from it, no script run.
    assert users.nth(1).inner_text().startswith(XSS)
    assert page.locator("#log img").count() == 0 and page.locator("#log script").count() == 0
    assert page.evaluate("window.__pwned") is None
    first = users.nth(0).locator(".chip.emotion")
    assert first.count() == 1 and first.inner_text().strip()
    bots = page.locator(".msg.bot")
    assert "critic:" in bots.nth(0).inner_text() and "empathy" in bots.nth(0).inner_text()
    assert page.locator("#timeline svg circle").count() >= 3
    assert page.locator(".handoff").count() == 1
    assert page.errors == []


def test_dashboard_shows_queue_conversations_and_rates(site, page):
    page.goto(site + "/")
    page.wait_for_selector("#conversation-id:not(:empty)")
    _send(page, XSS + " get me a human", 1)  # the hand-off summary quotes the payload
    page.goto(site + "/dashboard")
    page.wait_for_selector("body[data-loaded='1']")
    queue = page.locator("#handoffs tbody tr")
    assert queue.count() >= 1
    assert "Reason:" in page.locator("#handoffs").inner_text()
    assert page.locator("#handoffs img").count() == 0
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#conversations .badge").count() >= 1
    assert page.locator("#rates svg path").count() >= 1
    tiles = page.locator("#tiles").inner_text()
    assert "hand-off rate" in tiles and "frustration rate" in tiles
    assert page.locator("#mix svg rect").count() >= 1
    page.wait_for_function("document.getElementById('evaluation').textContent.length > 0")
    # a conversation opens with its timeline and turns, the payload still plain text
    page.locator("#conversations tbody tr").nth(0).click()
    page.wait_for_selector("#drill:not([hidden]) #drill-timeline svg")
    assert XSS in page.locator("#drill-turns").inner_text()
    assert page.locator("#drill img").count() == 0
    before = queue.count()
    queue.nth(0).locator("button").click()
    page.wait_for_function(f"document.querySelectorAll('#handoffs tbody tr').length < {before}")
    assert page.errors == []
