"""Benchmark: a two-player mid-game (~150 units, ~30 buildings, many moving and fighting).

    python bench/bench_sim.py [--ticks 1200] [--seed 1] [--profile]

Prints p50/p99/max milliseconds per ``Game.step()`` (and per set of three views,
as the room builds them each tick). Goal: p99 <= 10 ms.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from server.sim import Game  # noqa: E402
from server.sim.placement import auto_place  # noqa: E402
from server.sim.production import spawn_near, update_power  # noqa: E402

ARMY = (("infantry", 34), ("tank", 18), ("artillery", 8), ("helicopter", 6), ("harvester", 5))
BASE = ("power_plant", "power_plant", "power_plant", "barracks", "refinery", "refinery", "war_factory",
        "barracks", "power_plant", "defense_turret", "defense_turret", "defense_turret", "defense_turret",
        "power_plant")


def setup(seed: int) -> Game:
    g = Game(seed=seed)
    full = (1 << (g.w * g.h)) - 1
    for p in (0, 1):
        pl = g.players[p]
        saved = pl.explored
        pl.explored = full
        for bt in BASE:
            spot = auto_place(g.world, p, bt)
            if spot is not None:
                g.add_building(p, bt, spot[0], spot[1], built=True)
        pl.explored = saved
        pl.credits = 20000
    for p in (0, 1):
        reinforce(g, p)
    update_power(g.world)
    return g


def reinforce(g: Game, p: int) -> None:
    have: dict[str, int] = {}
    for u in g.units.values():
        if u.owner == p and u.alive:
            have[u.type] = have.get(u.type, 0) + 1
    hq = g.world.hq(p) or next((b for b in g.buildings.values() if b.owner == p), None)
    if hq is None:
        return
    for utype, n in ARMY:
        for _ in range(n - have.get(utype, 0)):
            spawn_near(g.world, p, utype, hq)


def orders(g: Game, k: int) -> None:
    for p in (0, 1):
        mine = [u.id for u in g.units.values() if u.owner == p and u.type != "harvester"]
        half = len(mine) // 2
        g.apply(p, {"action": "attack", "units": {"ids": mine[:half] or mine}, "target": {"place": "enemy_base"}})
        rest = mine[half:]
        if rest:
            if k % 2:
                g.apply(p, {"action": "defend_base", "units": {"ids": rest}})
            else:
                g.apply(p, {"action": "attack", "units": {"ids": rest}, "target": {"x": g.w // 2, "y": g.h // 2}})


def run(ticks: int, seed: int) -> tuple[list[float], list[float], list[float], Game]:
    g = setup(seed)
    orders(g, 0)
    steps: list[float] = []
    cpu: list[float] = []
    views: list[float] = []
    pc = time.perf_counter
    tt = time.thread_time
    for t in range(ticks):
        if t % 200 == 199:
            for p in (0, 1):
                reinforce(g, p)
            orders(g, t // 200)
        c0 = tt()
        t0 = pc()
        g.step()
        t1 = pc()
        cpu.append((tt() - c0) * 1000)
        g.view(0), g.view(1), g.view(None)
        t2 = pc()
        g.drain_events()
        steps.append((t1 - t0) * 1000)
        views.append((t2 - t1) * 1000)
        if g.over:
            break
    return steps, cpu, views, g


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ticks", type=int, default=1200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--profile", action="store_true")
    a = ap.parse_args()
    if a.profile:
        pr = cProfile.Profile()
        pr.enable()
        run(a.ticks, a.seed)
        pr.disable()
        pstats.Stats(pr).sort_stats("cumulative").print_stats(30)
        return
    steps, cpu, views, g = run(a.ticks, a.seed)
    nu = sum(1 for u in g.units.values())
    nb = len(g.buildings)
    print(f"ticks={len(steps)} units_end={nu} buildings_end={nb} over={g.over}")
    print(f"step ms: p50={statistics.median(steps):.2f} p99={pct(steps, 0.99):.2f} max={max(steps):.2f} "
          f"mean={statistics.fmean(steps):.2f}")
    print(f"step cpu ms (thread time, excludes waiting for a shared core): p50={statistics.median(cpu):.2f} "
          f"p99={pct(cpu, 0.99):.2f} max={max(cpu):.2f}")
    print(f"3 views ms: p50={statistics.median(views):.2f} p99={pct(views, 0.99):.2f}")


if __name__ == "__main__":
    main()
