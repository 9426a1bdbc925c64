"""Wall time of one headless computer-vs-computer match, with an optional profile.

    python bench/bench_match.py --seed 1 --p0 normal --p1 normal --minutes 20 [--profile]

Prints the wall time per simulated game-minute, the share spent in the
opponents (decide + their views) and, with --profile, the top of a cProfile
sorted by cumulative time (to see whether the engine or the AI is the cost).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from server.ai.match import _fmt, play_game


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--p0", default="normal")
    ap.add_argument("--p1", default="normal")
    ap.add_argument("--minutes", type=float, default=20.0)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--top", type=int, default=25)
    a = ap.parse_args()
    prof = cProfile.Profile() if a.profile else None
    if prof:
        prof.enable()
    r = play_game(a.seed, a.p0, a.p1, max_minutes=a.minutes)
    if prof:
        prof.disable()
    print(_fmt(r))
    per_min = r.wall_s / max(r.minutes, 1e-9)
    print(f"wall {r.wall_s:.1f} s for {r.minutes:.1f} game-min = {per_min:.2f} s per game-minute "
          f"(20 game-min ~ {20 * per_min:.0f} s); opponents {r.ai_s:.1f} s "
          f"({100 * r.ai_s / max(r.wall_s, 1e-9):.0f}%)")
    if prof:
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(a.top)
        print(s.getvalue())
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats("tottime").print_stats(a.top)
        print(s.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
