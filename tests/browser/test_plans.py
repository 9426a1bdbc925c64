"""Every example order the page shows (the chips from GET /api/nl/examples, in each language),
clicked on a fresh game, ends with the effect it names within the game time it needs.

The real server runs as a subprocess (model off: the parser reads the examples) with an operator
token, so the test fast-forwards each room (POST /api/admin/rooms/{id}/advance: the room's own
tick, run now) instead of waiting in real time. The page is real: it shows the chips, the click
fills the order box, Enter sends it (with the selection), the plans panel shows the plan and its
steps, the answer and the game state come over the WebSocket. Also: a question's buttons run the
chain, the plans panel's cancel button cancels, and plans come back after a reload.
"""
from __future__ import annotations

import json
import os
import urllib.request

import pytest

from .conftest import CHROMIUM, serve_app, wait_game

ADMIN = "browser-test-admin"
TICKS_PER_S = 20


@pytest.fixture(scope="module")
def server_url(tmp_path_factory):
    """The game server with an operator token (fast-forward); the model is off."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    with serve_app(tmp_path_factory, LLM_BACKEND="disabled", ADMIN_TOKEN=ADMIN) as url:
        yield url


def advance(page, seconds: float) -> None:
    """Fast-forward the page's room by that much game time."""
    room = page.evaluate("() => window.__game.room")
    req = urllib.request.Request(f"{page.base}/api/admin/rooms/{room}/advance", method="POST",
                                 data=json.dumps({"ticks": int(seconds * TICKS_PER_S)}).encode(),
                                 headers={"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        tick = json.loads(r.read())["tick"]
    page.wait_for_function(f"() => window.__game.state.tick >= {tick}", timeout=15000)


def examples(base: str, lang: str) -> list[str]:
    with urllib.request.urlopen(f"{base}/api/nl/examples?lang={lang}", timeout=5) as r:
        return json.loads(r.read())["examples"]


def mine(page, what: str) -> list[dict]:
    return page.evaluate(f"() => window.__game.state.{what}.filter(e => e.owner === window.__game.playerId)")


def built(page, btype: str) -> bool:
    return any(b["type"] == btype and b.get("built", 1) >= 1 for b in mine(page, "buildings"))


def fresh_game(page, lang: str) -> None:
    page.goto(page.base + "/")
    wait_game(page)
    page.select_option("#lang-select", lang)
    page.wait_for_function("() => window.__game.lang === " + json.dumps(lang))


def send(page, text: str) -> None:
    before = page.locator(".nl-entry").count()
    page.fill("#nl-input", text)
    page.press("#nl-input", "Enter")
    page.wait_for_function(f"() => document.querySelectorAll('.nl-entry').length > {before} && "
                           "document.querySelector('.nl-entry:last-child').dataset.status === 'done'", timeout=10000)


# What each shown example (by position) names, and the game time it needs.
def check_sequence(page, start):
    assert built(page, "power_plant") and built(page, "barracks")


def check_refinery(page, start):
    assert built(page, "power_plant") and built(page, "refinery")
    assert sum(1 for u in mine(page, "units") if u["type"] == "harvester") == 2  # the refinery's free one


def check_army_north(page, start):
    new = [u for u in mine(page, "units") if u["type"] == "infantry" and u["id"] not in start["infantry"]]
    assert built(page, "barracks") and len(new) == 3, new
    # sent north: the base is in the north-west, so north is the top edge
    assert all(u["order"] == "move" or u["y"] < 4 for u in new), new
    assert all(u["id"] not in start["infantry"] or u["order"] == "idle" for u in mine(page, "units")
               if u["type"] == "infantry")
    panel = page.locator('#plans-panel .plan[data-status="done"]')
    assert panel.count() >= 1


def check_center(page, start):
    units = mine(page, "units")
    combat = [u for u in units if u["type"] != "harvester"]
    assert combat and all(u["order"] == "move" or (abs(u["x"] - 32) < 5 and abs(u["y"] - 24) < 5) for u in combat)
    assert all(u["order"] in ("harvest", "return") for u in units if u["type"] == "harvester")


SHOWN = [(check_sequence, 22), (check_refinery, 24), (check_army_north, 50), (check_center, 1)]


@pytest.mark.parametrize("lang", ["en", "fr", "zh-TW"])
def test_every_shown_example_does_what_it_says(page, lang):
    texts = examples(page.base, lang)[:len(SHOWN)]
    for i, (check, seconds) in enumerate(SHOWN):
        fresh_game(page, lang)
        chips = page.locator('[data-testid="nl-chip"]')
        chips.first.wait_for(timeout=5000)
        # the page shows these very examples (once the chosen language's chips replaced the first ones)
        page.wait_for_function("([want, n]) => JSON.stringify([...document.querySelectorAll("
                               "'[data-testid=\"nl-chip\"]')].slice(0, n).map(c => c.innerText)) === want",
                               arg=[json.dumps(texts, ensure_ascii=False, separators=(",", ":")), len(SHOWN)],
                               timeout=5000)
        assert chips.all_inner_texts()[:len(SHOWN)] == texts
        start = {"infantry": [u["id"] for u in mine(page, "units") if u["type"] == "infantry"]}
        chips.nth(i).click()
        assert page.input_value("#nl-input") == texts[i]
        page.press("#nl-input", "Enter")
        page.wait_for_function("() => { const e = document.querySelector('.nl-entry:last-child');"
                               " return e && e.dataset.status === 'done'; }", timeout=10000)
        entry = page.locator(".nl-entry").last
        assert entry.locator(".nl-res").count() == 0 or "✗" not in entry.inner_text()
        assert entry.locator("li.bad").count() == 0, entry.inner_text()
        advance(page, seconds)
        check(page, start)
    assert page.errors == [], page.errors


def test_a_question_buttons_run_the_chain_and_plans_can_be_cancelled_and_come_back(page):
    fresh_game(page, "fr")
    send(page, "construis un char")
    box = page.locator('.nl-entry:last-child [data-testid="clarify"]')
    box.wait_for(timeout=5000)
    labels = box.locator('[data-testid="clarify-option"]').all_inner_texts()
    assert labels[0].startswith("centrale → caserne → raffinerie → usine → char") and labels[-1] == "Aucune de ces options"
    assert not mine(page, "buildings")[1:]  # nothing ran while the question was open
    box.locator('[data-testid="clarify-option"]').first.click()
    page.locator('#plans-panel .plan[data-status="active"]').wait_for(timeout=5000)
    steps = page.locator('#plans-panel .plan[data-status="active"] li.step')
    assert steps.count() == 5 and steps.first.get_attribute("data-status") == "running"
    assert "en attente" in steps.nth(1).inner_text()
    # the plan survives a reload (welcome.plans)
    page.reload()
    wait_game(page)
    page.locator('#plans-panel .plan[data-status="active"]').wait_for(timeout=5000)
    # the cancel button cancels it: the power plant under way stays, nothing after it starts
    page.locator('[data-testid="plan-cancel"]').first.click()
    page.locator('#plans-panel .plan[data-status="cancelled"]').wait_for(timeout=5000)
    advance(page, 40)
    types = sorted(b["type"] for b in mine(page, "buildings"))
    assert types == ["hq", "power_plant"], types
    assert page.errors == [], page.errors


def test_these_units_are_the_units_selected_on_the_page(page):
    fresh_game(page, "en")
    infantry = [u for u in mine(page, "units") if u["type"] == "infantry"]
    u = infantry[0]
    page.evaluate("([x, y]) => window.__game.centerOn(x, y)", [u["x"], u["y"]])
    page.wait_for_timeout(200)
    u = next(x for x in mine(page, "units") if x["id"] == u["id"])
    p = page.evaluate("([x, y]) => window.__game.worldToScreen(x, y)", [u["x"], u["y"]])
    page.mouse.click(p["x"], p["y"])
    page.wait_for_function(f"() => window.__game.selection.length === 1 && window.__game.selection[0] === {u['id']}",
                           timeout=3000)
    send(page, "these units go to the bottom right corner")
    advance(page, 1)
    units = {x["id"]: x for x in mine(page, "units")}
    assert units[u["id"]]["order"] == "move"
    assert all(units[x["id"]]["order"] == "idle" for x in infantry[1:])
    assert page.errors == [], page.errors
