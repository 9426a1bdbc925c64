"""Benchmark: what plans cost the tick, in the engine, under the same load.

    python bench/bench_plans.py [--ticks 2400] [--plans 8] [--seed 1]

Two copies of bench_sim's mid-game (~150 units fighting, ~30 buildings) step in lockstep, one
tick each in turn, so both see the same machine load: in one, every player also holds ``--plans``
active plans whose conditions never hold (each look counts units, searches buildings, reads
credits: the executor's whole waiting path), with a ``{"step": k}`` reference in each. Prints the
thread CPU time per ``Game.step()`` (p50/p99/max) of both and the difference. The end-to-end
figure is ``bench/bench_server.py tick --plans 0,8``.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from bench_server import waiting_plan  # noqa: E402
from bench_sim import orders, pct, reinforce, setup  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ticks", type=int, default=2400)
    ap.add_argument("--plans", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    games = {0: setup(args.seed), args.plans: setup(args.seed)}
    g = games[args.plans]
    for p in (0, 1):
        for k in range(args.plans):
            r = g.apply(p, waiting_plan(k))
            assert r.ok, r.error
    cpu: dict[int, list[float]] = {n: [] for n in games}
    tt = time.thread_time
    for t in range(args.ticks):
        for n, game in games.items():
            if t % 200 == 0:
                if t:
                    for p in (0, 1):
                        reinforce(game, p)
                orders(game, t // 200)
            c0 = tt()
            game.step()
            cpu[n].append((tt() - c0) * 1000)
            game.drain_events()
    active = sum(1 for p in (0, 1) for x in g.plans(p) if x["status"] == "active")
    out = {"ticks": args.ticks, "seed": args.seed, "active_plans_at_end": active, "load1": os.getloadavg()[0]}
    for n, xs in cpu.items():
        out[f"plans_{n}"] = {"p50_ms": round(pct(xs, 0.5), 3), "p99_ms": round(pct(xs, 0.99), 3),
                             "max_ms": round(max(xs), 3), "mean_ms": round(sum(xs) / len(xs), 3)}
    base, with_plans = out["plans_0"], out[f"plans_{args.plans}"]
    out["difference_ms"] = {k: round(with_plans[k] - base[k], 3) for k in base}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
