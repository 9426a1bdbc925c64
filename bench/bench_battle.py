"""A big battle with shots in flight: bytes per second to a player who watches it, and the tick.

    python bench/bench_battle.py --units 60 --seconds 60

Sets up a 64x48 game with each side's HQ, then ``--units`` units in all (half per side: infantry,
tanks, artillery, helicopters) a few tiles apart in the middle of the map, both players ordered to
attack-move through each other, reinforced every 10 s so the fight lasts. Every tick it builds
player 0's view and encodes it exactly as the room does (``server.protocol.make_delta`` of the
previous view + ``protocol.encode``), so the bytes are the WebSocket payloads a player in the
middle of the battle receives (every enemy in sight: the worst case for a player). Reports bytes/s
(mean, busiest second), the share that is ``effects`` (shots and explosions), shots per second,
and the step time (wall and thread CPU, p50/p99).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from server import protocol  # noqa: E402
from server.sim import Game  # noqa: E402
from server.sim import rules as R  # noqa: E402

MIX = ("infantry", "infantry", "tank", "infantry", "artillery", "tank", "infantry", "helicopter")


def setup(n_units: int, seed: int) -> Game:
    g = Game(seed=seed)
    full = (1 << (g.w * g.h)) - 1
    for pl in g.players:
        pl.explored = full          # the fight is in explored ground for both
    add(g, n_units)
    return g


def add(g: Game, n_units: int) -> None:
    """Half of ``n_units`` per side, in two blocks facing each other across the middle."""
    cx, cy = g.w // 2, g.h // 2
    for p, x0 in ((0, cx - 7), (1, cx + 6)):
        for k in range(n_units // 2):
            x = x0 + (k % 4) * (1 if p == 0 else -1) + 0.5
            y = cy - 5 + k // 4 + 0.5
            i = int(y) * g.w + int(x)
            if g.water[i] or g.bocc[i] >= 0:
                x, y = cx + 0.5, cy + 0.5
            g.add_unit(p, MIX[k % len(MIX)], x, y)


def attack(g: Game) -> None:
    for p in (0, 1):
        ids = [u.id for u in g.units.values() if u.owner == p and u.type != "harvester"]
        if ids:
            g.apply(p, {"action": "attack", "units": {"ids": ids}, "target": {"place": "enemy_base"}})


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))] if s else 0.0


def run(n_units: int, seconds: float, seed: int) -> dict:
    g = setup(n_units, seed)
    attack(g)
    ticks = int(seconds * R.TICK_RATE)
    prev = None
    per_tick: list[int] = []
    effects_bytes = 0
    shots = 0
    alive: list[int] = []
    step_ms: list[float] = []
    cpu_ms: list[float] = []
    for t in range(ticks):
        if t and t % (10 * R.TICK_RATE) == 0:
            lost = n_units - sum(1 for u in g.units.values() if u.type != "harvester")
            if lost > 0:
                add(g, lost)
            attack(g)
        c0, t0 = time.thread_time(), time.perf_counter()
        g.step()
        step_ms.append((time.perf_counter() - t0) * 1000)
        cpu_ms.append((time.thread_time() - c0) * 1000)
        g.drain_events()
        view = g.view(0)
        msg = protocol.make_delta(prev, view) if prev is not None else {"type": "state", **view}
        data = protocol.encode(msg)
        per_tick.append(len(data))
        effects_bytes += len(protocol.encode({"effects": view["effects"]}))
        shots += sum(1 for e in g.effects if e["kind"] == "shot")
        alive.append(sum(1 for u in g.units.values() if u.type != "harvester"))
        prev = view
        if g.over:
            break
    secs = [sum(per_tick[i:i + R.TICK_RATE]) for i in range(R.TICK_RATE, len(per_tick) - R.TICK_RATE + 1, R.TICK_RATE)]
    dur = len(per_tick) / R.TICK_RATE
    return {"units": n_units, "seconds": dur, "seed": seed,
            "bytes_per_s_mean": round(sum(per_tick[1:]) / max(1e-9, dur)),
            "bytes_busiest_second": max(secs) if secs else 0,
            "bytes_per_s_p95_second": pct(secs, 0.95),
            "effects_share": round(effects_bytes / max(1, sum(per_tick)), 3),
            "shots_per_s": round(shots / dur, 1),
            "units_fighting_mean": round(sum(alive) / len(alive), 1),
            "step_ms": {"p50": round(pct(step_ms, 0.5), 2), "p99": round(pct(step_ms, 0.99), 2)},
            "step_cpu_ms": {"p50": round(pct(cpu_ms, 0.5), 2), "p99": round(pct(cpu_ms, 0.99), 2),
                            "max": round(max(cpu_ms), 2)}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--units", type=int, default=60)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    res = run(a.units, a.seconds, a.seed)
    print(json.dumps(res, indent=1))
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
