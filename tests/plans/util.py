"""Helpers for plan tests: plans built as data, games stepped in fast-forward, final state read back."""
from __future__ import annotations

from typing import Any

from server.sim import Game
from server.sim import rules as R
from server.sim.combat import damage


def step_until(g: Game, done: Any, max_s: float) -> bool:
    """Step until ``done(g)`` or ``max_s`` seconds of game time; True if it happened."""
    for _ in range(R.ticks(max_s)):
        if done(g):
            return True
        g.step()
    return bool(done(g))


def run_s(g: Game, seconds: float) -> None:
    for _ in range(R.ticks(seconds)):
        g.step()


def plan(*steps: Any, text: str = "") -> dict:
    """``plan([a1, a2], ([a3], after), ...)``: a plan order; a step is a list of actions or (actions, after)."""
    out = []
    for s in steps:
        if isinstance(s, tuple):
            acts, after = s
            out.append({"actions": list(acts), "after": after})
        else:
            out.append({"actions": list(s)})
    return {"action": "plan", "text": text, "steps": out}


def build(bt: str) -> dict:
    return {"action": "build_building", "building_type": bt}


def train(ut: str, n: int = 1) -> dict:
    return {"action": "build_unit", "unit_type": ut, "count": n}


def move(units: dict, target: dict) -> dict:
    return {"action": "move", "units": units, "target": target}


def buildings(g: Game, p: int, btype: str, built: bool = True) -> list:
    return [b for b in g.buildings.values() if b.owner == p and b.alive and b.type == btype and (b.built or not built)]


def units(g: Game, p: int, utype: str) -> list:
    return [u for u in g.units.values() if u.owner == p and u.alive and u.type == utype]


def the_plan(g: Game, p: int, pid: int) -> dict:
    return next(x for x in g.plans(p, active_only=False) if x["id"] == pid)


def with_base(g: Game, p: int, *btypes: str) -> None:
    """Give player ``p`` completed buildings next to its HQ (test set-up, no placement rules)."""
    hx, hy = g.world.hq_sites[p]
    spots = [(hx + dx, hy + dy) for dy in (-6, 5, -3, 3) for dx in (-7, -4, 4, 7, 10)]
    for bt in btypes:
        for x, y in spots:
            r = R.BUILDINGS[bt]
            if all(0 <= x + i < g.w and 0 <= y + j < g.h and g.bocc[(y + j) * g.w + x + i] < 0
                   and not g.water[(y + j) * g.w + x + i] for i in range(r.w) for j in range(r.h)):
                g.add_building(p, bt, x, y)
                spots.remove((x, y))
                break
        else:  # pragma: no cover - the default map always has room
            raise AssertionError(f"no room for {bt}")


def destroy(g: Game, b: Any) -> None:
    """Destroy a building or unit as an enemy weapon would (events and all), then let the tick remove it."""
    damage(g.world, b, b.hp + 1, None, 1 - b.owner)
    g.step()
