"""The chat page, the operator dashboard and /docs in headless Chromium (Debian's, driven by
Playwright): the dashboard's figures and labels equal to what the engine stored, the queue worked
from the page (claim, reply, resolve, clear a crisis), keyboard navigation, no sideways overflow at
375 px, axe-core (vendored in tests/vendor) with no serious or critical violation, /docs with the
network blocked. Screenshots at desktop and phone width are written to docs/screenshots/."""

import json
import shutil
import time
import urllib.request
from pathlib import Path

import pytest
from serve_support import database_url, running

from empathic.engine import Engine
from empathic.serve import Settings, create_app
from empathic.store import Store

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


def _until(page, expression: str, timeout: float = 30.0) -> None:
    """Wait until ``expression`` is true in the page. (Playwright's wait_for_function compiles
    its predicate with eval, which the pages' Content-Security-Policy forbids.)"""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {timeout} s: {expression}"
        page.wait_for_timeout(50)


def _send(page, text: str, replies: int) -> None:
    page.fill("#text", text)
    page.click("#send-button")
    _until(page, f"document.querySelectorAll('.msg.bot').length >= {replies}")


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


AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SHOTS = Path(__file__).parent.parent / "docs" / "screenshots"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1366, "height": 900}
# Conversations a support lead would see, sent through the API like any client's.
SEEDS = {
    "frustrated": [
        "My parcel is two weeks late and nobody answers my emails.",
        "This is ridiculous, I am so angry, where is it?!",
    ],
    "escalated": [
        "My order 4417 never arrived.",
        "This is the THIRD time I write!!! Unacceptable!!!",
        "I am FURIOUS. Nobody helps me!!! Useless!!!",
        "Get me a human NOW.",
    ],
    "crisis": ["I can't go on anymore, I want to end my life."],
    "happy": ["Hi! Where can I see my order?", "Thank you so much, that was really helpful!", XSS],
}
STATUS_TEXT = {"crisis": "in crisis", "waiting": "waiting for a person", "claimed": "with a person",
               "open": "open (bot)", "resolved": "resolved"}  # fmt: skip


def _call(base: str, method: str, path: str, body: dict | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        base + path, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def board(engine, tmp_path_factory):
    """A server of its own with the seeded conversations."""
    url = database_url("sqlite", tmp_path_factory.mktemp("board"))
    app = create_app(Settings(db_url=url), engine=Engine(engine.perceiver, knowledge="demo"))
    with running(app) as base:
        for cid, messages in SEEDS.items():
            _call(base, "POST", "/v1/conversations", {"id": cid})
            for text in messages:
                _call(base, "POST", f"/v1/conversations/{cid}/messages", {"text": text})
        yield base


def _truth(base: str) -> dict:
    """The dashboard's figures as they follow from the stored turns (the engine's readings)."""
    threshold = _call(base, "GET", "/v1/operator/figures")["escalation_threshold"]
    histories = [_call(base, "GET", f"/v1/conversations/{cid}") for cid in SEEDS]
    turns = [t for h in histories for t in h["turns"]]
    frustrated = [
        t for t in turns
        if t["reading"]["ekman"] in ("anger", "disgust") or t["state"]["escalation"] >= threshold
    ]  # fmt: skip
    handed = [h for h in histories if any(t["handoff"] for t in h["turns"])]
    crises = [h for h in histories if any((t["handoff"] or {}).get("crisis") for t in h["turns"])]
    escalated = [h for h in histories
                 if any(t["state"]["escalation"] >= threshold for t in h["turns"])]  # fmt: skip
    return {
        "conversations": str(len(histories)),
        "turns": str(len(turns)),
        "frustration_rate": f"{round(100 * len(frustrated) / len(turns))}%",
        "escalated_conversations": str(len(escalated)),
        "handoff_rate": f"{round(100 * len(handed) / len(histories))}%",
        "crisis_conversations": str(len(crises)),
        "emotion": {h["id"]: h["turns"][-1]["reading"]["ekman"] for h in histories},
        "status": {
            h["id"]: "crisis"
            if h["turns"][-1]["state"]["crisis"]
            else "waiting"
            if any(t["handoff"] for t in h["turns"])
            else "open"
            for h in histories
        },  # fmt: skip
    }


def _open_dashboard(page, base: str, size: dict) -> None:
    page.set_viewport_size(size)
    page.goto(base + "/dashboard")
    page.wait_for_selector("body[data-loaded='1'] #queue li")
    page.wait_for_selector("#tiles .tile")


def _no_sideways_overflow(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.evaluate("window.innerWidth"), f"the page is {width} px wide"


def _axe(page) -> list:
    """axe-core's serious and critical violations. axe is served from the page's own origin
    (a routed path), as the pages' Content-Security-Policy allows no inline script."""
    origin = page.evaluate("location.origin")
    page.route(origin + "/__axe.js", lambda route: route.fulfill(
        path=str(AXE), content_type="text/javascript"))  # fmt: skip
    page.add_script_tag(url=origin + "/__axe.js")
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_docs_load_with_the_network_blocked(site, page):
    outside = []

    def only_local(route):
        if route.request.url.startswith(site):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    page.goto(site + "/docs")
    page.wait_for_selector(".opblock", timeout=20000)
    assert page.locator(".opblock").count() >= 10
    assert "/v1/operator/queue" in page.locator("#swagger-ui").inner_text()
    page.goto(site + "/redoc")
    page.wait_for_selector('text="/v1/operator/queue"', timeout=20000)
    assert outside == []
    assert page.errors == []


def test_dashboard_figures_and_labels_are_the_stored_readings(board, page):
    truth = _truth(board)
    _open_dashboard(page, board, DESKTOP)
    for name in ("conversations", "turns", "frustration_rate", "escalated_conversations",
                 "handoff_rate", "crisis_conversations"):  # fmt: skip
        shown = page.locator(f"#tiles [data-figure='{name}'] b").inner_text().strip()
        assert shown == truth[name], (name, shown, truth[name])
    items = page.locator("#queue button.item")
    assert items.count() == len(SEEDS)
    # crises and waiting hand-offs first, with their badges
    order = [items.nth(i).get_attribute("data-id") for i in range(items.count())]
    assert order[:2] == ["crisis", "escalated"]
    for cid in SEEDS:
        item = page.locator(f"#queue button.item[data-id='{cid}']")
        assert item.locator("[data-emotion]").get_attribute("data-emotion") == truth["emotion"][cid]
        assert item.locator(".badge").inner_text() == STATUS_TEXT[truth["status"][cid]]
        assert SEEDS[cid][0] in item.inner_text()  # the first message, as preview
    assert "1 in crisis" in page.locator("#counts").inner_text()
    assert "1 waiting" in page.locator("#counts").inner_text()
    for chart in ("mix", "frustration", "handoffs", "resolution"):
        assert page.locator(f"#chart-{chart}").get_attribute("aria-label")
    assert page.evaluate("Object.keys(Chart.instances).length") == 4
    # the drill-down: every turn with its reading, the summary, the facts
    page.locator("#queue button.item[data-id='escalated']").click()
    page.wait_for_selector("#detail:not([hidden]) ol.transcript")
    history = _call(board, "GET", "/v1/conversations/escalated")
    shown = page.locator("#detail li.customer")
    assert shown.count() == len(SEEDS["escalated"])
    for i, turn in enumerate(history["turns"]):
        text = shown.nth(i).inner_text()
        assert turn["reading"]["text"] in text
        assert f"valence {turn['reading']['valence']:+.2f}" in text
        emotion = shown.nth(i).locator("[data-emotion]").get_attribute("data-emotion")
        assert emotion == turn["reading"]["ekman"]
    assert page.locator("#detail .summary").inner_text().count("Facts the customer gave") == 1
    assert page.locator("#detail-heading").evaluate("e => e === document.activeElement")
    # what a customer wrote is shown as text: no element made from it, no script run
    assert XSS in page.locator("#queue button.item[data-id='happy']").inner_text()
    page.locator("#queue button.item[data-id='happy']").click()
    page.wait_for_selector("#detail li.customer >> nth=2")
    assert XSS in page.locator("#detail").inner_text()
    assert page.locator("main img, main script").count() == 0
    assert page.evaluate("window.__pwned") is None
    assert _axe(page) == []
    assert page.errors == []


def test_phone_width_no_overflow_and_accessible(board, page):
    _open_dashboard(page, board, PHONE)
    _no_sideways_overflow(page)
    assert _axe(page) == []
    page.locator("#queue button.item").first.click()
    page.wait_for_selector("#detail:not([hidden]) ol.transcript")
    _no_sideways_overflow(page)
    # the drill-down is scrolled into view, not left off-screen
    top = page.locator("#detail").evaluate("e => e.getBoundingClientRect().top")
    assert -2 <= top < PHONE["height"] / 2
    page.goto(board + "/")  # the chat page too
    page.wait_for_selector("#conversation-id:not(:empty)")
    _no_sideways_overflow(page)
    assert _axe(page) == []
    assert page.errors == []


def test_keyboard_moves_through_the_queue_and_opens_and_closes(board, page):
    _open_dashboard(page, board, DESKTOP)
    first = page.locator("#queue button.item").first
    first.focus()
    page.keyboard.press("ArrowDown")
    second = page.locator("#queue button.item").nth(1).get_attribute("data-id")
    assert page.evaluate("document.activeElement.dataset.id") == second
    page.keyboard.press("Enter")
    page.wait_for_selector("#detail:not([hidden]) ol.transcript")
    page.keyboard.press("Escape")
    assert page.locator("#detail").is_hidden()
    assert page.evaluate("document.activeElement.dataset.id") == second
    assert page.errors == []


def test_loading_empty_and_error_states(board, page, browser):
    html = urllib.request.urlopen(board + "/dashboard", timeout=30).read().decode()
    assert "Loading conversations" in html and "Loading figures" in html
    _open_dashboard(page, board, DESKTOP)
    page.select_option("#f-status", "resolved")
    page.select_option("#f-emotion", "fear")
    page.wait_for_selector("#queue .state.empty")
    assert "No conversation matches" in page.locator("#queue").inner_text()
    failing = browser.new_page()
    failing.route("**/v1/operator/queue*", lambda route: route.fulfill(
        status=503, content_type="application/problem+json",
        body=json.dumps({"status": 503, "title": "x", "detail": "store unavailable"})))  # fmt: skip
    failing.goto(board + "/dashboard")
    failing.wait_for_selector("#error:not([hidden])")
    assert "store unavailable" in failing.locator("#error").inner_text()
    assert "could not be loaded" in failing.locator("#queue").inner_text()
    failing.close()


def test_an_operator_claims_replies_resolves_and_clears_a_crisis(board, page):
    _open_dashboard(page, board, DESKTOP)
    page.locator("#queue button.item[data-id='escalated']").click()
    page.wait_for_selector("#detail [data-action='claim']")
    page.locator("#detail [data-action='claim']").click()
    page.wait_for_selector("#detail .badge[data-status='claimed']")
    page.fill("#reply-text", "Hi, I'm Sam from support. I'm looking at order 4417 now.")
    page.locator("#detail form.reply button").click()
    page.wait_for_selector("#detail li.operator")
    assert "order 4417 now" in page.locator("#detail li.operator").inner_text()
    page.locator("#detail [data-action='resolve']").click()
    page.wait_for_selector("#detail .badge[data-status='resolved']")
    page.wait_for_selector("#queue button.item[data-id='escalated'] .badge[data-status='resolved']")
    stored = _call(board, "GET", "/v1/operator/conversations/escalated")
    assert stored["handoff"]["status"] == "resolved" and stored["operator_messages"]
    page.locator("#queue button.item[data-id='crisis']").click()
    page.wait_for_selector("#detail [data-action='clear-crisis']")
    page.locator("#detail [data-action='clear-crisis']").click()
    _until(page, "!document.querySelector(\"#detail [data-action='clear-crisis']\")")
    assert _call(board, "GET", "/v1/operator/conversations/crisis")["mode"] == "normal"
    # the figures now include the resolution time of the hand-off just resolved
    figures = _call(board, "GET", "/v1/operator/figures")
    assert len(figures["resolutions"]) == 1
    assert page.errors == []


# A working day for the screenshots: (hours ago, id, messages, minutes until a person resolved
# the hand-off, or None).
DAY = [
    (22.5, "late-parcel", ["Where is my parcel? It was due Monday.", "Thanks, I see it now."], None),
    (21, "refund-wait", ["I returned the shoes three weeks ago and still no refund!!",
                         "This is unacceptable, I want to speak to a person."], 18),
    (19, "card-declined", ["My card keeps getting declined at checkout.",
                           "Tried two cards, same error. So annoying!"], None),
    (16, "wrong-size", ["Hi, can I exchange a jacket for a bigger size?", "Great, thank you!"], None),
    (14.5, "damaged", ["The vase arrived smashed.", "I paid for careful delivery!!! Useless!!!",
                       "Get me a human NOW."], 42),
    (12, "promo-code", ["Does the SPRING10 code work on sale items?"], None),
    (9.5, "missing-item", ["One item is missing from order 88213.",
                           "Nobody answers my emails, this is the third time I write!!!",
                           "I want to talk to a manager."], 9),
    (7, "slow-app", ["The app is so slow today.", "Okay, it works after the update, thanks."], None),
    (4, "grief", ["My dad passed away and I need to close his account.",
                  "It's been really hard."], None),
    (2.5, "double-charge", ["You charged me twice for order 90017!!",
                            "This is ridiculous. I want a person, now."], None),
    (1.2, "crisis", ["I can't go on anymore, I want to end my life."], None),
    (0.5, "address", ["Can I still change the delivery address for order 90120?"], None),
    (0.2, "angry-now", ["THIRD time asking: where is my money?!", "Useless. Get me a human."],
     None),
]  # fmt: skip


@pytest.fixture(scope="module")
def day(engine, tmp_path_factory):
    """A server whose store's clock is moved through the last 24 hours while the day's
    conversations are sent through the API (so every chart has a shape)."""
    url = database_url("sqlite", tmp_path_factory.mktemp("day"))
    now = time.time()
    clock = {"at": now}
    store = Store(url, clock=lambda: clock["at"])
    app = create_app(
        Settings(db_url=url), engine=Engine(engine.perceiver, knowledge="demo"), store=store
    )
    with running(app) as base:
        for hours_ago, cid, messages, resolved_after in DAY:
            clock["at"] = now - hours_ago * 3600
            _call(base, "POST", "/v1/conversations", {"id": cid})
            for text in messages:
                _call(base, "POST", f"/v1/conversations/{cid}/messages", {"text": text})
                clock["at"] += 45
            if resolved_after is not None:
                clock["at"] += resolved_after * 60
                _call(base, "POST", f"/v1/operator/conversations/{cid}/claim")
                _call(base, "POST", f"/v1/operator/conversations/{cid}/resolve")
        clock["at"] = now
        yield base
    store.close()


def test_screenshots_of_a_working_day(day, page):
    """docs/screenshots/: the dashboard at desktop width with a conversation open, and at phone
    width (the queue, then the open conversation); all charts drawn, axe clean."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    _open_dashboard(page, day, DESKTOP)
    assert all(
        not page.locator(f"#chart-{name}").evaluate("e => e.closest('figure').classList.contains('is-empty')")
        for name in ("mix", "frustration", "handoffs", "resolution")
    )  # fmt: skip
    page.locator("#queue button.item[data-id='double-charge']").click()
    page.wait_for_selector("#detail:not([hidden]) ol.transcript")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / "dashboard-desktop.png"), full_page=True)
    assert _axe(page) == []
    # over a week, hand-offs and crises are counted per day
    page.select_option("#f-hours", "168")
    _until(page, "document.getElementById('per-label').textContent.includes('per day')")
    bars = page.evaluate("Chart.getChart('chart-handoffs').data.datasets[0].data")
    queue = _call(day, "GET", "/v1/operator/queue?hours=168")["conversations"]
    assert sum(bars) == sum(1 for c in queue if c["handoff"]) >= 4
    _open_dashboard(page, day, PHONE)
    _no_sideways_overflow(page)
    page.screenshot(path=str(SHOTS / "dashboard-phone.png"))
    page.locator("#queue button.item").first.click()
    page.wait_for_selector("#detail:not([hidden]) ol.transcript")
    _no_sideways_overflow(page)
    page.screenshot(path=str(SHOTS / "dashboard-phone-conversation.png"))
    page.evaluate("document.getElementById('figures-heading').scrollIntoView()")
    page.screenshot(path=str(SHOTS / "dashboard-phone-figures.png"))
    _no_sideways_overflow(page)
    assert _axe(page) == []
    assert page.errors == []


def test_new_conversations_appear_without_reload(board, page):
    _open_dashboard(page, board, DESKTOP)
    page.evaluate("window.__same_page = 1")
    _call(board, "POST", "/v1/conversations", {"id": "newcomer"})
    _call(board, "POST", "/v1/conversations/newcomer/messages", {"text": "Get me a human, now."})
    _until(page, "!!document.querySelector(\"#queue button.item[data-id='newcomer']\")", 20)
    assert page.evaluate("window.__same_page") == 1  # polled in, not reloaded
    badge = page.locator("#queue button.item[data-id='newcomer'] .badge").inner_text()
    status = _call(board, "GET", "/v1/operator/conversations/newcomer")["status"]
    assert badge == STATUS_TEXT[status]
    assert page.errors == []
