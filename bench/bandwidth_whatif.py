"""Where a player's bytes go, and what other delta encodings would send,
on a headless game (two normal computer players, no server, no sockets):

    python bench/bandwidth_whatif.py --minutes 3 --seeds 1,2

For every tick it builds player 0's view exactly as the room does, encodes
the current delta (server.protocol.make_delta + orjson) and, for comparison:

- fields: entities and the player object send only the fields that changed
  (`{"id": 7, "x": 12.5, "cargo": 40}`), whole objects only for new ones;
- fields+round: the same, with queue/construction progress and superweapon
  charge rounded to 0.01 and harvester cargo to steps of 25 credits before
  diffing (what the client draws does not change visibly).

Bytes per second = mean bytes per tick x 20. The room's bytes also include
events, command results and language answers (bench_server.py bandwidth
measures those on the wire: about 1% of the total).
"""

from __future__ import annotations

import argparse
import copy
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import machine, summary, write_json  # noqa: E402


def field_delta(prev: dict[str, Any], cur: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "delta", "tick": cur["tick"], "base": prev["tick"]}
    for key, value in cur.items():
        if key in ("tick", "type"):
            continue
        if key in ("units", "buildings"):
            old = {e["id"]: e for e in prev.get(key, [])}
            new_ids = set()
            set_, upd = [], []
            for e in value:
                new_ids.add(e["id"])
                o = old.get(e["id"])
                if o is None:
                    set_.append(e)
                elif o != e:
                    upd.append({"id": e["id"], **{k: v for k, v in e.items() if o.get(k) != v}})
            dels = [i for i in old if i not in new_ids]
            if set_ or upd or dels:
                out[key] = {k: v for k, v in (("set", set_), ("upd", upd), ("del", dels)) if v}
        elif key == "effects":
            if value:
                out[key] = value
        elif key == "resources":
            o = prev.get("resources", {})
            ch = {k: v for k, v in value.items() if o.get(k) != v}
            if ch:
                out[key] = ch
        elif key == "player" and isinstance(value, dict) and isinstance(prev.get(key), dict):
            ch = {k: v for k, v in value.items() if prev[key].get(k) != v}
            if ch:
                out[key] = ch
        elif prev.get(key) != value:
            out[key] = value
    return out


def rounded(view: dict[str, Any]) -> dict[str, Any]:
    v = copy.deepcopy(view)
    p = v.get("player")
    if isinstance(p, dict) and isinstance(p.get("superweapon"), dict):
        p["superweapon"]["charge"] = round(p["superweapon"]["charge"], 2)
    for b in v.get("buildings", []):
        if isinstance(b.get("built"), float):
            b["built"] = round(b["built"], 2)
        for q in b.get("queue") or []:
            q["progress"] = round(q["progress"], 2)
    for u in v.get("units", []):
        if u.get("cargo"):
            u["cargo"] = int(u["cargo"] // 25 * 25)
    return v


def run(seed: int, ticks: int) -> dict[str, Any]:
    from server import protocol
    from server.ai import Opponent
    from server.sim import Game

    game = Game(seed=seed, width=64, height=48)
    bots = [Opponent(player=p, difficulty="normal", seed=seed + p, map_info=game.map_info()) for p in (0, 1)]
    prev = prev_r = None
    sizes: dict[str, list[int]] = {"current": [], "fields": [], "fields+round": [], "full_state": []}
    keys: Counter[str] = Counter()
    changed_fields: Counter[str] = Counter()
    for _ in range(ticks):
        for b in bots:
            for a in b.decide(game.view(b.player), game.tick) or ():
                game.apply(b.player, a)
        game.step()
        if game.over:
            break
        view = game.view(0)
        vr = rounded(view)
        if prev is not None and prev_r is not None:
            d = protocol.make_delta(prev, view)
            sizes["current"].append(len(protocol.encode(d)))
            for k, v in d.items():
                keys[k] += len(orjson.dumps({k: v})) - 1
            sizes["fields"].append(len(orjson.dumps(field_delta(prev, view))))
            fr = field_delta(prev_r, vr)
            sizes["fields+round"].append(len(orjson.dumps(fr)))
            for ent in ("units", "buildings"):
                for u in fr.get(ent, {}).get("upd", []):
                    for k in u:
                        if k != "id":
                            changed_fields[f"{ent}.{k}"] += 1
        if game.tick % 100 == 0:
            sizes["full_state"].append(len(protocol.encode({"type": "state", **view})))
        prev, prev_r = view, vr
    n = max(1, len(sizes["current"]))
    return {"seed": seed, "ticks": game.tick, "over": game.over,
            "bytes_per_s_mean": {k: round(sum(v) / max(1, len(v)) * 20) for k, v in sizes.items()},
            "message_bytes": {k: summary([float(x) for x in v], 0) for k, v in sizes.items()},
            "current_delta_bytes_by_key_mean": {k: round(v / n, 1) for k, v in keys.most_common()},
            "fields+round_updates_per_tick": {k: round(v / n, 2) for k, v in changed_fields.most_common(12)}}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=3)
    ap.add_argument("--seeds", default="1,2")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    runs = [run(int(s), int(args.minutes * 60 * 20)) for s in args.seeds.split(",")]
    write_json(args.json, {"part": "bandwidth_whatif", "machine": machine(), "minutes": args.minutes, "runs": runs})
    return 0


if __name__ == "__main__":
    sys.exit(main())
