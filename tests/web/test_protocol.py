"""Deltas must rebuild the full view exactly, tick after tick, in a real game and in a big
battle, in Python (server.protocol.apply_delta) and in the page's store (static/server-state.js)."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from server.ai import Opponent
from server.protocol import apply_delta, make_delta
from server.sim import Game

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
MIX = ("infantry", "infantry", "tank", "infantry", "artillery", "tank", "infantry", "helicopter")


def canonical(view: dict[str, Any]) -> dict[str, Any]:
    out = dict(view)
    for key in ("units", "buildings"):
        out[key] = sorted(view[key], key=lambda e: e["id"])
    return out


def wire(message: dict[str, Any]) -> dict[str, Any]:
    """What a client holds after the message went over the socket."""
    return orjson.loads(orjson.dumps(message))


def test_deltas_rebuild_every_view_of_a_real_game() -> None:
    game = Game(seed=21)
    bots = [Opponent(player=p, difficulty="hard", seed=21, map_info=game.map_info()) for p in (0, 1)]
    held: dict[Any, dict[str, Any]] = {}
    delta_bytes = full_bytes = 0
    for _ in range(2400):  # two game-minutes: building, training, first fights
        for bot in bots:
            for action in bot.decide(game.view(bot.player), game.tick) or ():
                game.apply(bot.player, action)
        game.step()
        for perspective in (0, 1, None):
            view = game.view(perspective)
            if perspective in held:
                delta = make_delta(held[perspective], view)
                rebuilt = apply_delta(wire(held[perspective]), wire(delta))
                assert canonical(rebuilt) == canonical(wire(view))
                if perspective == 0:
                    delta_bytes += len(orjson.dumps(delta))
                    full_bytes += len(orjson.dumps(view))
            held[perspective] = view
    # Sending changes, not states, is the point: far less than full states.
    assert delta_bytes < 0.5 * full_bytes


def battle(ticks: int, seed: int = 3) -> Iterator[Game]:
    """30 units a side meeting in the middle of the map, reinforced every 10 s (as
    bench/bench_battle.py, but in the fog: what player 0 explores grows during the fight)."""
    game = Game(seed=seed)

    def reinforce(count: int) -> None:
        cx, cy = game.w // 2, game.h // 2
        for p, x0 in ((0, cx - 7), (1, cx + 6)):
            for k in range(count // 2):
                x, y = x0 + (k % 4) * (1 if p == 0 else -1) + 0.5, cy - 5 + k // 4 + 0.5
                i = int(y) * game.w + int(x)
                if game.water[i] or game.bocc[i] >= 0:
                    x, y = cx + 0.5, cy + 0.5
                game.add_unit(p, MIX[k % len(MIX)], x, y)

    def attack() -> None:
        for p in (0, 1):
            ids = [u.id for u in game.units.values() if u.owner == p and u.type != "harvester"]
            if ids:
                game.apply(p, {"action": "attack", "units": {"ids": ids}, "target": {"place": "enemy_base"}})

    reinforce(60)
    attack()
    for t in range(1, ticks + 1):
        if t % 200 == 0:
            reinforce(60 - sum(1 for u in game.units.values() if u.type != "harvester"))
            attack()
        game.step()
        game.drain_events()
        yield game


def test_a_client_applying_every_delta_of_a_long_battle_holds_the_full_state() -> None:
    held: dict[Any, dict[str, Any]] = {}
    client: dict[Any, dict[str, Any]] = {}
    used: set[str] = set()
    sizes: list[int] = []
    for game in battle(1200):  # a minute of a 60-unit fight
        for perspective in (0, 1, None):
            view = game.view(perspective)
            if perspective not in held:
                client[perspective] = wire({"type": "state", **view})
            else:
                delta = make_delta(held[perspective], view)
                used.update(delta)
                used.update(f"units.{k}" for k in delta.get("units", {}))
                if perspective == 0:
                    sizes.append(len(orjson.dumps(delta)))
                # The client keeps what it rebuilt, never the server's view: errors would add up.
                client[perspective] = apply_delta(client[perspective], wire(delta))
                expected = wire({"type": "state", **view})
                assert canonical(client[perspective]) == canonical(expected), (perspective, game.tick)
            held[perspective] = view
    # The compact forms are what the battle exercised.
    assert {"units.mv", "units.upd", "units.set", "units.del", "visible_flips", "explored_flips", "fx"} <= used
    # 20 KB/s at 20 ticks a second is 1000 bytes a tick, for a player in the middle of the fight.
    assert sum(sizes) / len(sizes) < 1000


def test_unchanged_entities_are_left_out_and_moves_are_hundredths() -> None:
    prev = {"tick": 1, "units": [{"id": 1, "x": 1.0, "y": 2.5, "hp": 5}, {"id": 2, "x": 0.0, "y": 0.0, "hp": 5},
                                 {"id": 4, "x": 3.0, "y": 3.0, "hp": 5}, {"id": 5, "x": 9.99, "y": 9.99, "hp": 5}],
            "buildings": [], "effects": [], "player": {"credits": 5}}
    cur = {"tick": 2, "units": [{"id": 1, "x": 1.5, "y": 2.5, "hp": 5}, {"id": 3, "x": 2.0, "y": 2.0, "hp": 9},
                                {"id": 4, "x": 2.97, "y": 3.01, "hp": 4}, {"id": 5, "x": 10.125, "y": 9.99, "hp": 5}],
           "buildings": [], "effects": [], "player": {"credits": 5}}
    delta = make_delta(prev, cur)
    assert delta == {"type": "delta", "tick": 2, "base": 1,
                     "units": {"set": [{"id": 3, "x": 2.0, "y": 2.0, "hp": 9}],
                               "upd": [{"hp": 4, "id": 4},
                                       {"x": 10.125, "id": 5}],  # off the hundredths grid: sent whole
                               "mv": [1, 50, 0, 4, -3, 1],
                               "del": [2]}}
    assert canonical(apply_delta(wire(prev), wire(delta))) == canonical(cur)


def mask(bits: list[int], n: int) -> str:
    return base64.b64encode(sum(1 << i for i in bits).to_bytes((n + 7) // 8, "little")).decode("ascii")


def test_a_mask_that_changes_a_little_travels_as_flipped_runs() -> None:
    n = 64 * 48
    seen = list(range(100, 140)) + list(range(164, 204))
    moved = list(range(101, 141)) + list(range(164, 203)) + [3000]   # one column on, one off, a new tile
    prev = {"tick": 5, "explored": mask(seen, n), "visible": mask(seen, n)}
    cur = {"tick": 6, "explored": mask(seen + [3000], n), "visible": mask(moved, n)}
    delta = make_delta(prev, cur)
    assert "visible" not in delta and "explored" not in delta
    # gap from tile 0 / from the previous run's end, then the run's length
    assert delta["visible_flips"] == [100, 1, 39, 1, 62, 1, 2796, 1]
    assert delta["explored_flips"] == [3000, 1]
    assert apply_delta(prev, delta) == {**cur, "effects": []}
    assert make_delta(cur, cur) == {"type": "delta", "tick": 6, "base": 6}  # nothing changed, nothing sent


def test_a_mask_that_changes_a_lot_is_sent_whole() -> None:
    n = 64 * 48
    prev = {"tick": 1, "visible": mask(list(range(0, n, 2)), n)}   # every other tile
    cur = {"tick": 2, "visible": mask(list(range(0, n, 3)), n)}    # every third: runs would be longer
    delta = make_delta(prev, cur)
    assert delta["visible"] == cur["visible"] and "visible_flips" not in delta
    assert apply_delta(prev, delta)["visible"] == cur["visible"]


def test_effects_travel_as_rows_of_their_fields() -> None:
    shot = {"kind": "shot", "from": 62, "x": 33.86, "y": 23.49, "tx": 31.28, "ty": 24.32,
            "weapon": "missile", "to": 24, "ticks": 5}
    blast = {"kind": "explosion", "from": None, "x": 31.3, "y": 24.98, "tx": 31.3, "ty": 24.98}
    odd = {"kind": "explosion", "x": 1.0, "y": 1.0, "tx": 1.0, "ty": 1.0}   # no "from": sent whole
    prev = {"tick": 1, "effects": [blast]}
    cur = {"tick": 2, "effects": [shot, blast, odd]}
    delta = make_delta(prev, cur)
    assert delta["fx"] == [["shot", 62, 33.86, 23.49, 31.28, 24.32, "missile", 24, 5],
                           ["explosion", None, 31.3, 24.98, 31.3, 24.98], odd]
    assert apply_delta(wire(prev), wire(delta))["effects"] == [shot, blast, odd]
    quiet = make_delta(cur, {"tick": 3, "effects": []})
    assert quiet == {"type": "delta", "tick": 3, "base": 2}       # no effects this tick: nothing sent
    assert apply_delta(wire(cur), quiet)["effects"] == []


@pytest.mark.browser
def test_the_page_store_applying_a_battles_deltas_holds_the_full_state() -> None:
    """The same battle through static/server-state.js in Chromium: units, fog and player as the
    server's full state says after hundreds of deltas with moves and flipped fog runs, and every
    tick's effects as the full state lists them."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing")
    sync_api = pytest.importorskip("playwright.sync_api")
    messages: list[dict[str, Any]] = []
    effects: list[list[dict[str, Any]]] = []
    prev = None
    game = None
    for game in battle(600, seed=4):
        view = game.view(0)
        messages.append({"type": "state", **view} if prev is None else make_delta(prev, view))
        effects.append(wire(view)["effects"])
        prev = view
    assert game is not None and prev is not None
    kinds = {k for m in messages for k in m} | {f"units.{k}" for m in messages for k in m.get("units", {})
                                                 if m["type"] == "delta"}
    assert {"units.mv", "visible_flips", "explored_flips", "fx"} <= kinds
    source = (ROOT / "static" / "server-state.js").read_text()
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            held = page.evaluate("""async ([source, map, messages]) => {
                const { ServerState } = await import('data:text/javascript,' + encodeURIComponent(source));
                const s = new ServerState();
                s.applyWelcome({room: 'r', player: 0, map, rules: {}, tick_rate: 20});
                let refused = 0;
                const effects = [];
                for (const [i, m] of messages.entries()) {
                    const fx = m.type === 'state' ? s.applyFull(m, i * 50) : s.applyDelta(m, i * 50);
                    if (fx === null) refused++;
                    else effects.push(fx);
                }
                return {refused, tick: s.tick, player: s.player, effects,
                        units: [...s.units.values()].sort((a, b) => a.id - b.id),
                        explored: Array.from(s.explored), visible: Array.from(s.visible)};
            }""", [source, game.map_info(), messages])
        finally:
            browser.close()

    def bits(b64: str) -> list[int]:
        value = int.from_bytes(base64.b64decode(b64), "little")
        return [(value >> i) & 1 for i in range(game.w * game.h)]

    assert held["refused"] == 0 and held["tick"] == prev["tick"]
    assert held["units"] == sorted(wire(prev)["units"], key=lambda u: u["id"])
    assert held["player"] == wire(prev)["player"]
    assert held["effects"] == effects                     # every tick's shots and explosions, whole
    assert held["explored"] == bits(prev["explored"]) and held["visible"] == bits(prev["visible"])
