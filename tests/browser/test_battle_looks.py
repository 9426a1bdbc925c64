"""A first game played in the browser: the guide's steps, the sound settings, a formation after a
move, and a battle with shots in flight and explosions. One real game on the real server, in
order (each test continues where the one before stopped); screenshots in artifacts/screenshots/
named battle_looks_*.png (looked at by a person; the asserts check what the page reports)."""
from __future__ import annotations

import json
import math
import urllib.request

import pytest

from .conftest import SHOTS, wait_game

pytestmark = pytest.mark.browser


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"battle_looks_{name}.png"))


def own(page, kind):
    return page.evaluate(
        "([kind]) => { const g = window.__game; const s = g.state;"
        " return (kind === 'unit' ? s.units : s.buildings).filter(e => e.owner === g.playerId); }", [kind])


def guide_step(page) -> int:
    return int(page.get_attribute("#guide", "data-step") or 0)


@pytest.fixture(scope="module")
def game(browser, server_url):
    """One page in a fresh browser profile (nothing remembered: a first game), in an easy room."""
    body = json.dumps({"difficulty": "easy", "first_game": True}).encode()
    req = urllib.request.Request(server_url + "/api/rooms", data=body,
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        room = json.loads(r.read())["room"]
    ctx = browser.new_context(viewport={"width": 1280, "height": 720}, locale="en-US")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    page.errors = errors
    page.goto(f"{server_url}/?room={room}")
    wait_game(page)
    yield page
    ctx.close()


def type_order(page, words_from_guide: bool = True, text: str | None = None) -> None:
    if words_from_guide:
        page.click('[data-testid="guide-words"]')
    else:
        page.fill("#nl-input", text or "")
    page.press("#nl-input", "Enter")


def follow_the_fight(page) -> None:
    """Centre the camera on our units that are fighting (else on all of them)."""
    page.evaluate("""() => { const g = window.__game;
        const us = g.state.units.filter(u => u.owner === g.playerId && u.type !== 'harvester');
        if (!us.length) return;
        const fighting = us.filter(u => u.target != null);
        const at = fighting.length ? fighting : us;
        g.centerOn(at.reduce((s, u) => s + u.x, 0) / at.length, at.reduce((s, u) => s + u.y, 0) / at.length); }""")


def test_first_game_guide_shows_the_first_step_and_nothing_sounds_before_a_click(game):
    page = game
    page.wait_for_selector("#guide:not(.hidden)", timeout=5000)
    assert guide_step(page) == 1
    text = page.inner_text("#guide")
    assert "power plant" in text.lower() and "build a power plant" in text
    # the sidebar's power plant button is pointed at
    assert page.evaluate("() => document.querySelector('.build-btn[data-build=\"power_plant\"]')"
                         ".classList.contains('guide-target')")
    snd = page.evaluate("() => window.__game.sound")
    assert snd["unlocked"] is False and snd["state"] == "none" and snd["played"] == {}
    shot(page, "guide_step1")
    assert page.errors == [], page.errors


def test_the_guide_s_first_three_steps_played_from_its_hints(game):
    page = game
    for step, building in ((1, "power_plant"), (2, "refinery"), (3, "barracks")):
        assert guide_step(page) == step
        type_order(page)                      # the words from the hint, into the order box, sent
        page.wait_for_function(
            "(t) => window.__game.state.buildings.some(b => b.type === t && b.owner === window.__game.playerId)",
            arg=building, timeout=15000)
        # the next step comes once it stands (the next building needs it)
        page.wait_for_function("(n) => Number(document.getElementById('guide').dataset.step) === n",
                               arg=step + 1, timeout=40000)
        shot(page, f"guide_step{step + 1}")
    assert "infantry" in page.inner_text("#guide").lower()
    # the click on the hint unlocked the sound: construction complete is heard once a building is done
    page.wait_for_function("() => window.__game.state.buildings.some(b => b.type === 'power_plant' && b.built >= 1"
                           " && b.owner === window.__game.playerId)", timeout=30000)
    page.wait_for_function("() => (window.__game.sound.played.building_done || 0) >= 1", timeout=5000)
    assert page.evaluate("() => window.__game.sound.unlocked")
    assert page.errors == [], page.errors


def test_sound_settings_are_in_the_page_and_remembered(game):
    page = game
    vol = page.locator('[data-testid="sound-volume"]')
    page.click('[data-testid="sound-mute"]')
    assert page.evaluate("() => window.__game.sound.muted") is True and vol.is_disabled()
    page.click('[data-testid="sound-mute"]')
    assert page.evaluate("() => window.__game.sound.muted") is False
    vol.evaluate("(el) => { el.value = '30'; el.dispatchEvent(new Event('input')); }")
    assert page.evaluate("() => window.__game.sound.volume") == 0.3
    page.click('[data-testid="sound-mute"]')
    shot(page, "sound_settings_muted")
    page.reload()
    wait_game(page)
    snd = page.evaluate("() => window.__game.sound")
    assert snd["muted"] is True and snd["volume"] == 0.3 and snd["unlocked"] is False
    assert page.input_value('[data-testid="sound-volume"]') == "30"
    page.click('[data-testid="sound-mute"]')              # sound back on for the rest of the game
    assert page.evaluate("() => window.__game.sound.muted") is False
    # the guide remembers where it was
    page.wait_for_selector("#guide:not(.hidden)", timeout=5000)
    assert guide_step(page) == 4
    shot(page, "sound_settings")
    # the page fits a 1920x1080 screen as well as 1280x720
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.wait_for_timeout(400)
    for sel in ("#topbar", "#sidebar", "#dock", '[data-testid="sound-settings"]', "#guide"):
        box = page.locator(sel).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 1920 and box["y"] + box["height"] <= 1080, sel
    shot(page, "1920x1080")
    page.set_viewport_size({"width": 1280, "height": 720})
    assert page.errors == [], page.errors


def test_an_army_moves_and_ends_in_a_formation(game):
    page = game
    type_order(page)                                     # "train 3 infantry": the army step
    page.wait_for_function("() => window.__game.state.units.filter(u => u.owner === window.__game.playerId"
                           " && u.type === 'infantry').length >= 5", timeout=60000)
    hq = next(b for b in own(page, "building") if b["type"] == "hq")
    mp = page.evaluate("() => window.__game.map")
    # a point 8 tiles from the HQ towards the map centre
    cx, cy = mp["width"] / 2, mp["height"] / 2
    d = math.hypot(cx - hq["x"], cy - hq["y"]) or 1
    tx, ty = int(hq["x"] + 1 + 8 * (cx - hq["x"]) / d), int(hq["y"] + 1 + 8 * (cy - hq["y"]) / d)
    type_order(page, False, f"move all units to {tx} {ty}")
    page.wait_for_function(
        "([x, y]) => { const us = window.__game.state.units.filter(u => u.owner === window.__game.playerId"
        " && u.type === 'infantry'); return us.length >= 5 && us.every(u => u.order === 'idle'"
        " && Math.hypot(u.x - x - 0.5, u.y - y - 0.5) < 4); }", arg=[tx, ty], timeout=40000)
    inf = [u for u in own(page, "unit") if u["type"] == "infantry"]
    closest = min(math.hypot(a["x"] - b["x"], a["y"] - b["y"]) for i, a in enumerate(inf) for b in inf[i + 1:])
    assert closest >= 0.6, closest
    page.evaluate("([x, y]) => window.__game.centerOn(x, y)", [tx + 0.5, ty + 0.5])
    page.wait_for_timeout(300)
    shot(page, "formation")
    assert page.errors == [], page.errors


def test_a_battle_shows_shots_in_flight_and_explosions(game):
    page = game
    type_order(page)                                     # "attack the enemy base with all units"
    page.wait_for_function("() => window.__game.guide.step >= 5", timeout=10000)
    # follow the army with the camera until its shots are seen in flight
    seen = None
    for _ in range(240):
        follow_the_fight(page)
        fx = page.evaluate("() => window.__game.effects")
        if fx["inFlight"] >= 2:
            seen = fx
            shot(page, "battle_shots_in_flight")
            break
        page.wait_for_timeout(500)
    assert seen, "no shots in flight were drawn during the attack"
    # and an explosion (a death or a shell landing) burning on screen
    burning = None
    for _ in range(240):
        follow_the_fight(page)
        fx = page.evaluate("() => window.__game.effects")
        if fx["burning"] >= 1:
            burning = fx
            shot(page, "battle_explosion")
            break
        page.wait_for_timeout(250)
    assert burning, "no explosion was drawn during the attack"
    snd = page.evaluate("() => window.__game.sound")
    assert sum(v for k, v in snd["played"].items() if k in ("bullet", "shell", "missile", "artillery")) >= 1
    assert page.errors == [], page.errors
