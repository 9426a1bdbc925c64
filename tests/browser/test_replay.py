"""The replay page in headless Chromium: a recorded computer-vs-computer game is listed, plays, plays
faster, seeks, switches between either player's fogged view and the whole map, jumps from the timeline,
and its file downloads and opens again."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import orjson
import pytest

from server.storage.gamelog import GameLog
from tests.browser.conftest import CHROMIUM, ROOT, _free_port, _healthy, serve_app, wait_game
from tests.storage.conftest import record_game

GAME_TICKS = 3600          # three minutes of game time: bases, harvesters, a first army


def start_app(env: dict[str, str], log_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    with open(log_path, "ab") as log:
        proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{env['PORT']}"
    deadline = time.monotonic() + 40
    while not _healthy(url):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            pytest.fail("server did not become healthy:\n" + log_path.read_text(errors="replace")[-3000:])
        time.sleep(0.2)
    return proc, url


@pytest.fixture(scope="module")
def replay_server(tmp_path_factory):
    """A server whose DATA_DIR already holds one finished recorded game."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    data = tmp_path_factory.mktemp("data")
    gamelog = GameLog.open_dir(data)
    record_game(gamelog, "recorded-game", seed=3, ticks=GAME_TICKS, levels=("hard", "normal"))
    gamelog.close()
    with serve_app(tmp_path_factory, LLM_BACKEND="disabled", DATA_DIR=str(data)) as url:
        yield url


@pytest.fixture
def rpage(browser, replay_server, page):
    page.base = replay_server
    return page


def replay_state(pg) -> dict:
    return pg.evaluate("""() => { const r = window.__replay; return {ready: r.ready, tick: r.tick, end: r.end,
        playing: r.playing, speed: r.speed, view: r.view, frames: r.framesApplied, desync: r.desync,
        checked: r.checked, error: r.error, spectator: r.isSpectator, playerId: r.playerId,
        units: r.units, buildings: r.buildings, visible: r.visibleTiles()}; }""")


def wait_ready(pg) -> None:
    pg.wait_for_function("() => window.__replay && window.__replay.ready && window.__replay.framesApplied > 0",
                         timeout=30000)


def seek_to(pg, tick: int) -> None:
    pg.evaluate("""(t) => { const s = document.getElementById('seek'); s.value = String(t);
        s.dispatchEvent(new Event('change')); }""", tick)
    pg.wait_for_function(f"() => window.__replay.tick === {tick} && !window.__replay.seeking", timeout=20000)


def test_the_list_shows_the_recorded_game_and_opens_it(rpage) -> None:
    pg = rpage
    pg.goto(pg.base + "/replays")
    row = pg.locator('tr.game-row[data-id="recorded-game"]')
    assert row.count() == 1
    assert row.get_attribute("data-status") == "abandoned"      # recorded for 3 minutes, then left
    assert "3.0 min" in row.inner_text()
    row.locator("a.watch").click()
    pg.wait_for_url("**/replays/recorded-game")
    wait_ready(pg)
    s = replay_state(pg)
    assert s["tick"] == 0 and s["end"] == GAME_TICKS and s["spectator"] and s["error"] is None
    assert {u["owner"] for u in s["units"]} == {0, 1}       # the whole map: both sides
    assert not pg.errors


def test_play_pause_faster_and_seek(rpage) -> None:
    pg = rpage
    pg.goto(pg.base + "/replays/recorded-game")
    wait_ready(pg)
    pg.click("#play-btn")
    pg.wait_for_function("() => window.__replay.tick >= 40", timeout=20000)
    pg.click("#play-btn")                                 # pause
    paused_at = replay_state(pg)["tick"]
    time.sleep(0.6)
    assert replay_state(pg)["tick"] == paused_at
    pg.select_option("#speed-select", "16")
    pg.wait_for_function("() => !window.__replay.seeking && window.__replay.speed === 16", timeout=20000)
    pg.click("#play-btn")
    pg.wait_for_function(f"() => window.__replay.tick >= {paused_at} + 400", timeout=30000)
    pg.click("#play-btn")
    s = replay_state(pg)
    assert s["speed"] == 16 and (s["tick"] - paused_at) % 16 == 0    # x16: sixteen ticks per frame
    # seek forward to a late tick, then back to an early one: the game is where the log says
    seek_to(pg, 3000)
    late = replay_state(pg)
    seek_to(pg, 200)
    early = replay_state(pg)
    assert len(late["buildings"]) > len(early["buildings"])     # bases grew in between
    assert late["desync"] is None and late["checked"] > 0          # stored hashes recomputed equal
    assert pg.input_value("#seek") == "200"
    assert "0:10" in pg.inner_text("#replay-time")
    assert not pg.errors


def test_views_of_either_player_have_fog_and_the_whole_map_has_none(rpage) -> None:
    pg = rpage
    pg.goto(pg.base + "/replays/recorded-game")
    wait_ready(pg)
    seek_to(pg, 2000)
    whole = replay_state(pg)
    assert whole["spectator"]
    for player in (0, 1):
        pg.select_option("#view-select", str(player))
        pg.wait_for_function(f"() => window.__replay.playerId === {player} && !window.__replay.seeking"
                             f" && window.__replay.tick === 2000", timeout=20000)
        s = replay_state(pg)
        assert not s["spectator"]
        assert 0 < s["visible"] < 64 * 48                      # fog: part of the map in sight
        own_units = {u["id"] for u in s["units"] if u["owner"] == player}
        assert own_units == {u["id"] for u in whole["units"] if u["owner"] == player}
        enemy_seen = [u for u in s["units"] if u["owner"] != player]
        assert len(enemy_seen) < sum(1 for u in whole["units"] if u["owner"] != player)
    pg.select_option("#view-select", "all")
    pg.wait_for_function("() => window.__replay.isSpectator && !window.__replay.seeking", timeout=20000)
    assert not pg.errors


def test_the_timeline_lists_orders_in_words_and_jumps_to_them(rpage) -> None:
    pg = rpage
    pg.goto(pg.base + "/replays/recorded-game")
    wait_ready(pg)
    items = pg.locator("#timeline li[data-kind='order']")
    assert items.count() > 20
    text = items.nth(0).inner_text()
    assert "P1" in text or "P2" in text
    target = items.nth(items.count() // 2)
    tick = int(target.get_attribute("data-tick"))
    target.click()
    pg.wait_for_function(f"() => window.__replay.tick === {tick} && !window.__replay.seeking", timeout=20000)
    assert "now" in (target.get_attribute("class") or "")
    assert not pg.errors


def test_a_downloaded_replay_opens_again_and_a_bad_file_is_refused(rpage, tmp_path: Path) -> None:
    pg = rpage
    with urllib.request.urlopen(pg.base + "/api/replays/recorded-game", timeout=20) as resp:
        data = resp.read()
        assert "attachment" in resp.headers["Content-Disposition"]
    head = orjson.loads(data.split(b"\n", 1)[0])
    assert head["format"] == "red-alert-nl-replay" and head["ticks"] == GAME_TICKS
    good, bad = tmp_path / "game.jsonl", tmp_path / "notes.txt"
    good.write_bytes(data)
    bad.write_text("shopping list: milk, eggs\n")
    pg.goto(pg.base + "/replays")
    pg.set_input_files("#upload-file", str(bad))
    pg.click("#upload-btn")
    pg.wait_for_function("() => document.getElementById('upload-status').dataset.state === 'failed'")
    assert "not a replay" in pg.inner_text("#upload-status")
    pg.set_input_files("#upload-file", str(good))
    pg.click("#upload-btn")
    pg.wait_for_url("**/replays/up-*", timeout=20000)
    wait_ready(pg)
    seek_to(pg, 1000)            # an upload has no stored keyframes: the server steps there and checks hashes
    s = replay_state(pg)
    assert s["end"] == GAME_TICKS and s["desync"] is None and s["checked"] > 0
    # the only console error is the browser noting the refused upload's 400
    assert len(pg.errors) == 1 and "400" in pg.errors[0]


def test_an_unknown_replay_says_so(rpage) -> None:
    pg = rpage
    resp = pg.goto(pg.base + "/replays/no-such-game")
    assert resp is not None and resp.status == 404
    pg.wait_for_function("() => window.__replay && window.__replay.error")
    assert "no replay" in pg.inner_text("#replay-message").lower()


def test_the_game_page_says_its_game_was_restored_after_a_restart(browser, tmp_path: Path) -> None:
    """The server stops (a deployment) and comes back on the same port and DATA_DIR: the open page
    reconnects with its seat token to the same room and seat and says the game was restored."""
    env = dict(os.environ, PORT=str(_free_port()), HOST="127.0.0.1", LLM_BACKEND="disabled",
               DATA_DIR=str(tmp_path / "data"))
    log_path = tmp_path / "server.log"
    proc, url = start_app(env, log_path)
    ctx = browser.new_context(viewport={"width": 1280, "height": 720}, locale="en-US")
    try:
        pg = ctx.new_page()
        pg.goto(url + "/")
        wait_game(pg)
        room = pg.evaluate("window.__game.room")
        assert pg.evaluate("window.__game.playerId") == 0
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        proc, url = start_app(env, log_path)
        pg.wait_for_function("() => document.getElementById('event-feed').textContent.includes('restored')",
                             timeout=40000)
        assert pg.evaluate("window.__game.room") == room
        assert pg.evaluate("window.__game.playerId") == 0
        assert "restored" in log_path.read_text(errors="replace")
    finally:
        ctx.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
