"""A short seeded headless match through the real engine: progress and no fog cheating."""
from __future__ import annotations

import base64

import pytest

from server.ai import Opponent
from server.ai import match as match_mod


def _explored(view: dict, w: int):
    bits = base64.b64decode(view["explored"])

    def get(x: float, y: float) -> bool:
        i = int(y) * w + int(x)
        return bool((bits[i >> 3] >> (i & 7)) & 1)
    return get


class Recorder:
    """Checks every order against the view it was decided on (independently of the bot's own filter)."""

    def __init__(self, width: int):
        self.w = width
        self.actions: list[tuple[int, int, dict]] = []
        self.violations: list[str] = []

    def __call__(self, pid: int, tick: int, view: dict, actions: list[dict]) -> None:
        ids = {e["id"] for e in view["units"]} | {e["id"] for e in view["buildings"]}
        mine = {u["id"] for u in view["units"] if u["owner"] == pid}
        explored = _explored(view, self.w)
        for a in actions:
            self.actions.append((pid, tick, a))
            t = a.get("target") or {}
            if "entity" in t and t["entity"] not in ids:
                self.violations.append(f"tick {tick}: entity {t['entity']} not in view: {a}")
            if "x" in t and not explored(t["x"], t["y"]):
                self.violations.append(f"tick {tick}: unexplored tile: {a}")
            sel = a.get("units") or {}
            for i in sel.get("ids", []):
                if i not in mine:
                    self.violations.append(f"tick {tick}: unit {i} not ours: {a}")


@pytest.fixture(scope="module")
def short_match():
    rec = Recorder(64)
    made: list[Opponent] = []
    real = match_mod.Opponent

    def make(pid, level, seed, map_info):
        # normal, with an early first wave so that 4 game-minutes show an attack
        bot = real(pid, level, seed=seed, map_info=map_info, overrides={"first_wave_s": 120.0, "wave_size": 4})
        made.append(bot)
        return bot
    match_mod.Opponent = make
    try:
        result = match_mod.play_game(seed=3, p0="idle", p1="normal", max_minutes=4.0, record=rec)
    finally:
        match_mod.Opponent = real
    return result, rec, made[0]


def test_economy_grows_and_attack_launched(short_match):
    result, rec, bot = short_match
    side = result.sides[1]
    assert side.buildings_built >= 4, side
    assert side.credits_mined > 0 or side.units_built >= 3, side
    kinds = {a["action"] for pid, _t, a in rec.actions if pid == 1}
    assert {"build_building", "build_unit"} <= kinds
    assert bot.stats["waves"] >= 1, bot.stats
    assert any(a["action"] == "attack" for pid, _t, a in rec.actions if pid == 1)


def test_never_orders_through_fog(short_match):
    _result, rec, bot = short_match
    assert rec.actions
    assert rec.violations == []
    # Nothing leaked (above), and not because its last-chance fog filter caught it: the
    # opponent chose only from what it saw, so the filter had nothing to drop.
    assert bot.stats["orders"] == sum(1 for pid, _t, _a in rec.actions if pid == 1)
    assert bot.stats["dropped_fog"] == 0, bot.stats


def test_few_orders_refused(short_match):
    result, _rec, _bot = short_match
    side = result.sides[1]
    assert side.orders > 0
    assert side.refused <= max(1, 0.02 * side.orders), side.refusals
