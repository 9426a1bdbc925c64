"""Headless computer-vs-computer matches.

    python -m server.ai.match --seed 1 --p0 hard --p1 normal [--games 20] [--max-minutes 30]
    python -m server.ai.match --seed 1 --p0 idle --p1 normal --max-minutes 15

Each game is stepped as fast as possible (no real-time waiting).  Both sides go
through ``game.apply``, the same gate as a human; a side's view is built only
on the ticks its opponent thinks (``Opponent.thinks_at``), which is what a room
would hand it anyway.  ``--p0 idle`` gives player 0 no orders at all.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from .knowledge import COMBAT_TYPES
from .opponent import Opponent
from ..stats import STAT_EVENTS

if TYPE_CHECKING:
    from server.sim import Game

SIDES = ("easy", "normal", "hard", "idle")


@dataclass
class SideStats:
    level: str
    units_built: int = 0
    units_lost: int = 0
    buildings_built: int = 0
    buildings_lost: int = 0
    credits_mined: int = 0
    orders: int = 0
    refused: int = 0
    waves: int = 0
    superweapons: int = 0
    refusals: dict[str, int] = field(default_factory=dict)    # "action: code" -> times refused

    def count_events(self, tallies: dict[str, int]) -> None:
        """Take the game-event tallies (``server.stats.STAT_EVENTS``'s names) into their fields."""
        self.units_built = tallies["units_built"]
        self.units_lost = tallies["units_lost"]
        self.buildings_built = tallies["buildings_built"]
        self.buildings_lost = tallies["buildings_lost"]


@dataclass
class GameResult:
    seed: int
    winner: int | None
    minutes: float
    ticks: int
    wall_s: float
    sides: list[SideStats]
    ai_s: float = 0.0          # wall time spent in the opponents (decide + their views)

    def winner_level(self) -> str | None:
        return None if self.winner is None else self.sides[self.winner].level


# record(player, tick, view, actions): called with every view a side decided on and its actions
Recorder = Callable[[int, int, dict[str, Any], list[dict[str, Any]]], None]


def play_game(seed: int, p0: str, p1: str, max_minutes: float = 30.0, width: int = 64,
              height: int = 48, verbose: bool = False, record: Recorder | None = None) -> GameResult:
    from server.sim import Game  # imported here: the AI package itself needs only the view
    from server.sim import rules as sim_rules

    game = Game(seed=seed, width=width, height=height)
    info = game.map_info()
    tr = sim_rules.TICK_RATE
    levels = [p0, p1]
    bots: list[Opponent | None] = []
    for pid, lv in enumerate(levels):
        bots.append(None if lv == "idle" else Opponent(pid, lv, seed=seed, map_info=info))
    stats = [SideStats(level=lv) for lv in levels]
    tallies = [dict.fromkeys(STAT_EVENTS.values(), 0) for _ in levels]
    start_credits = [int(p.credits) for p in game.players]
    spent = [0, 0]                # credits that went into structures and units
    max_ticks = int(max_minutes * 60 * tr)
    t0 = time.perf_counter()
    ai_s = 0.0
    while not game.over and game.tick < max_ticks:
        tick = game.tick
        for pid, bot in enumerate(bots):
            if bot is None or not bot.thinks_at(tick):
                continue
            a0 = time.perf_counter()
            view = game.view(pid)
            actions = bot.decide(view, tick)
            ai_s += time.perf_counter() - a0
            if record is not None:
                record(pid, tick, view, actions)
            for action in actions:
                res = game.apply(pid, action)
                bot.feedback(action, res)
                stats[pid].orders += 1
                if not res.ok:
                    stats[pid].refused += 1
                    key = f"{action.get('action')}: {(res.info or {}).get('code', res.error)}"
                    stats[pid].refusals[key] = stats[pid].refusals.get(key, 0) + 1
                elif action.get("action") == "build_building":
                    spent[pid] += sim_rules.BUILDINGS[action["building_type"]].cost
        game.step()
        for ev in game.drain_events():
            stat = STAT_EVENTS.get(ev.get("kind", ""))
            owner = ev.get("player")
            if stat is not None and owner in (0, 1):
                tallies[owner][stat] += 1
                if ev["kind"] == "unit_ready":
                    spent[owner] += sim_rules.UNITS[ev["unit_type"]].cost
        if verbose and game.tick % (60 * tr) == 0:
            print(f"  [{game.tick / tr / 60:5.1f} min] " + _brief(game), file=sys.stderr)
    wall = time.perf_counter() - t0
    # units paid for but still in production count as spent
    for b in game.buildings.values():
        if b.alive and b.owner in (0, 1):
            spent[b.owner] += sum(sim_rules.UNITS[q.item].cost for q in b.queue if q.paid)
    for pid in (0, 1):
        stats[pid].count_events(tallies[pid])
        stats[pid].credits_mined = int(game.players[pid].credits) - start_credits[pid] + spent[pid]
        bot = bots[pid]
        if bot is not None:
            stats[pid].waves = bot.stats["waves"]
            stats[pid].superweapons = bot.stats["superweapons"]
    return GameResult(seed=seed, winner=game.winner, minutes=round(game.tick / tr / 60, 2), ticks=game.tick,
                      wall_s=round(wall, 2), sides=stats, ai_s=round(ai_s, 2))


def _brief(game: Game) -> str:
    v = game.view(None)
    parts = []
    for pid in (0, 1):
        us = [u for u in v.get("units") or () if u.get("owner") == pid]
        bs = [b for b in v.get("buildings") or () if b.get("owner") == pid]
        army = sum(1 for u in us if u["type"] in COMBAT_TYPES)
        harv = sum(1 for u in us if u["type"] == "harvester")
        cr = next((p.get("credits") for p in v.get("players") or () if p.get("id") == pid), "?")
        parts.append(f"p{pid}: {len(bs)}b {army}army {harv}harv {cr}cr")
    return " | ".join(parts)


def _fmt(r: GameResult) -> str:
    w = "none" if r.winner is None else f"p{r.winner} ({r.winner_level()})"
    lines = [f"seed {r.seed}: winner {w} after {r.minutes:.1f} game-min "
             f"({r.ticks} ticks, {r.wall_s:.1f} s wall, AI {r.ai_s:.1f} s)"]
    for pid, s in enumerate(r.sides):
        rate = 100.0 * s.refused / s.orders if s.orders else 0.0
        lines.append(f"  p{pid} {s.level:6s} units built {s.units_built:3d} lost {s.units_lost:3d} | "
                     f"buildings built {s.buildings_built:2d} lost {s.buildings_lost:2d} | "
                     f"mined {s.credits_mined:6d} | orders {s.orders:4d} refused {s.refused:3d} "
                     f"({rate:.1f}%) | waves {s.waves} sw {s.superweapons}")
        if s.refusals:
            lines.append("     refusals: " + ", ".join(f"{k} x{v}" for k, v in
                                                       sorted(s.refusals.items(), key=lambda kv: -kv[1])))
    return "\n".join(lines)


def summarize(results: list[GameResult]) -> str:
    n = len(results)
    if not n:
        return "no games"
    wins: dict[str, int] = {}
    for r in results:
        k = r.winner_level() if r.winner is not None else "none"
        side = f"p{r.winner}" if r.winner is not None else "-"
        wins[f"{side} {k}"] = wins.get(f"{side} {k}", 0) + 1
    mins = [r.minutes for r in results]
    walls = [r.wall_s for r in results]
    by_level: dict[str, list[int]] = {}
    for r in results:
        for s in r.sides:
            o = by_level.setdefault(s.level, [0, 0, 0])
            o[0] += s.orders
            o[1] += s.refused
        for pid, s in enumerate(r.sides):
            if r.winner == pid:
                by_level[s.level][2] += 1
    out = [f"== {n} games: " + ", ".join(f"{k}: {v} ({100.0 * v / n:.0f}%)" for k, v in sorted(wins.items())),
           "   wins by level: " + ", ".join(f"{lv} {o[2]}/{n} ({100.0 * o[2] / n:.0f}%)"
                                           for lv, o in sorted(by_level.items())),
           f"   game length min/avg/max: {min(mins):.1f}/{sum(mins) / n:.1f}/{max(mins):.1f} game-min; "
           f"no winner: {sum(1 for r in results if r.winner is None)}",
           f"   wall s min/avg/max: {min(walls):.1f}/{sum(walls) / n:.1f}/{max(walls):.1f}; "
           f"wall s per game-minute: {sum(walls) / max(1e-9, sum(mins)):.2f}"]
    for lv, (orders, refused, _wins) in sorted(by_level.items()):
        if lv != "idle":
            out.append(f"   {lv}: orders {orders}, refused {refused} ({100.0 * refused / orders if orders else 0:.2f}%)")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1, help="seed of the first game (game i uses seed+i)")
    ap.add_argument("--p0", choices=SIDES, default="normal", help="player 0 (top-left)")
    ap.add_argument("--p1", choices=SIDES, default="normal", help="player 1 (bottom-right)")
    ap.add_argument("--games", type=int, default=1)
    ap.add_argument("--max-minutes", type=float, default=30.0, help="game-minutes before a draw")
    ap.add_argument("--swap", action="store_true", help="swap sides every other game")
    ap.add_argument("--width", type=int, default=64)
    ap.add_argument("--height", type=int, default=48)
    ap.add_argument("--verbose", action="store_true", help="one line per game-minute")
    ap.add_argument("--json", help="write the results as JSON to this file")
    a = ap.parse_args(argv)
    results = []
    for i in range(a.games):
        p0, p1 = (a.p1, a.p0) if (a.swap and i % 2 == 1) else (a.p0, a.p1)
        r = play_game(a.seed + i, p0, p1, a.max_minutes, a.width, a.height, verbose=a.verbose)
        results.append(r)
        print(_fmt(r), flush=True)
    print(summarize(results), flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump([asdict(r) for r in results], f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
