"""Record players' views from computer-vs-computer games, for the advisor's evaluation.

    python bench/record_views.py --out tests/nl/advisor_views.jsonl

Plays headless matches (server.ai.match.play_game, the real engine and bots) and keeps
the fogged view of each side at fixed game minutes. Each line:
{"id", "seed", "p0", "p1", "player", "minute", "phase": early|mid|late,
 "standing": winning|losing|even, "view": <WIRE.md state body>}.
"standing" compares the two sides' combat strength and buildings from the spectator's
view at that moment (not what the player can see), so losing views include threats
the player may not have noticed yet.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.ai.match import play_game
from server.sim import rules as sim_rules

MINUTES = (1.5, 3, 4.5, 6, 8, 10.5, 13, 16, 20, 24)
MATCHES = (("easy", "easy"), ("normal", "normal"), ("easy", "normal"), ("hard", "easy"), ("normal", "easy"),
           ("easy", "easy"), ("normal", "normal"), ("hard", "normal"), ("hard", "hard"), ("normal", "hard"))


def phase_of(minute: float) -> str:
    return "early" if minute < 5 else "mid" if minute < 12 else "late"


def strength(units: list[dict], buildings: list[dict], pid: int) -> float:
    army = sum(sim_rules.UNITS[u["type"]].cost * u["hp"] / max(1, u["max_hp"])
               for u in units if u.get("owner") == pid and u["type"] != "harvester")
    base = sum(sim_rules.BUILDINGS[b["type"]].cost for b in buildings if b.get("owner") == pid)
    return army + 0.5 * base


def record(out: Path, seed0: int, max_minutes: float) -> int:
    rows: list[dict] = []
    ticks = {int(m * 60 * sim_rules.TICK_RATE) for m in MINUTES}
    for i, (p0, p1) in enumerate(MATCHES):
        seed = seed0 + i
        taken: set[tuple[int, int]] = set()
        game_ref: dict = {}

        def keep(pid: int, tick: int, view: dict, actions: list, seed: int = seed, p0: str = p0, p1: str = p1,
                 taken: set = taken, game_ref: dict = game_ref) -> None:
            # the bots think every few ticks: take the first view at or after each chosen minute
            due = [t for t in ticks if t <= tick and (pid, t) not in taken and tick - t < 200]
            if not due:
                return
            taken.add((pid, due[0]))
            minute = round(tick / sim_rules.TICK_RATE / 60, 2)
            mine = strength(view["units"], view["buildings"], pid)
            spectator = game_ref["game"].view(None) if "game" in game_ref else None
            if spectator is not None:
                mine = strength(spectator["units"], spectator["buildings"], pid)
                theirs = strength(spectator["units"], spectator["buildings"], 1 - pid)
            else:
                theirs = mine
            standing = "winning" if mine > 1.3 * theirs else "losing" if theirs > 1.3 * mine else "even"
            rows.append({"id": f"s{seed}-p{pid}-t{tick}", "seed": seed, "p0": p0, "p1": p1, "player": pid,
                         "minute": minute, "phase": phase_of(minute), "standing": standing, "view": view})

        _play_with_game(seed, p0, p1, max_minutes, keep, game_ref)
        print(f"seed {seed} {p0} vs {p1}: {sum(1 for r in rows if r['seed'] == seed)} views", file=sys.stderr)
    out.write_text("".join(json.dumps(r, separators=(",", ":")) + "\n" for r in rows))
    return len(rows)


def _play_with_game(seed: int, p0: str, p1: str, max_minutes: float, keep, game_ref: dict) -> None:
    """play_game with a handle on the Game (to judge who is ahead from the spectator's view)."""
    from server import sim

    original = sim.Game

    class Recorded(original):  # type: ignore[misc, valid-type]
        def __init__(self, *a, **kw) -> None:
            super().__init__(*a, **kw)
            game_ref["game"] = self

    sim.Game = Recorded
    try:
        play_game(seed, p0, p1, max_minutes=max_minutes, record=keep)
    except (TypeError, AttributeError) as err:  # its end-of-game tally, after every view was taken
        print(f"  (match summary failed: {err!r}; the views are kept)", file=sys.stderr)
    finally:
        sim.Game = original


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="tests/nl/advisor_views.jsonl")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--max-minutes", type=float, default=25.0)
    args = ap.parse_args()
    n = record(Path(args.out), args.seed, args.max_minutes)
    print(f"{n} views -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
