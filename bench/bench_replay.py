"""Benchmark: replays and the game log.

    python bench/bench_replay.py seek    [--minutes 20] [--seeks 60] [--seed 1]
    python bench/bench_replay.py logging [--rooms 30] [--seconds 60] [--warm 5] [--repeat 2]
    python bench/bench_replay.py all

seek     records a computer-vs-computer game (normal vs normal) into a fresh game log, then
         seeks to random ticks the way the replay page does: a cold seek (a new cursor: latest
         keyframe at or before the tick, then the ticks after it) and a chunk of 40 frames at
         x1 and x16 from there. Also: snapshot and restore time and size, bytes per game-minute
         (records, keyframes, database file), and the time to verify the whole game from tick 0.
logging  runs N real rooms (the room's own 20 Hz loop, its computer opponent, no clients) in
         one event loop for S seconds, once without recording and once with every room logging
         into a game log, and compares the rooms' tick durations and lateness (p50/p99/max),
         with the write rate (records/s, commits/s, bytes/s) of the logging run.
Prints one JSON document; docs/BENCHMARKS.md section 8 quotes it.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from server import protocol  # noqa: E402
from server.ai.opponent import Opponent  # noqa: E402
from server.room_manager import RoomManager  # noqa: E402
from server.sim import Game  # noqa: E402
from server.sim import rules as R  # noqa: E402
from server.sim.snapshot import restore, snapshot  # noqa: E402
from server.storage.gamelog import GameLog  # noqa: E402
from server.storage.recorder import GameRecorder, RecordingPolicy  # noqa: E402
from server.storage.replay import Replay, export_lines  # noqa: E402


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(q * len(xs)))], 2) if xs else 0.0


def ms(xs: list[float]) -> dict[str, float]:
    v = [x * 1000 for x in xs]
    return {"p50": pct(v, 0.5), "p99": pct(v, 0.99), "max": round(max(v), 2) if v else 0.0,
            "mean": round(statistics.fmean(v), 2) if v else 0.0, "n": len(v)}


# ---------------------------------------------------------------------- seek
def record(gamelog: GameLog, minutes: float, seed: int) -> tuple[Game, float, GameRecorder]:
    game = Game(seed=seed)
    bots = [Opponent(p, "normal", seed=seed, map_info=game.map_info()) for p in (0, 1)]
    rec = GameRecorder(gamelog, "bench", RecordingPolicy())
    rec.started(game, "normal", [{"kind": "ai"}, {"kind": "ai"}])
    t0 = time.perf_counter()
    limit = int(minutes * 60 * R.TICK_RATE)
    while game.tick < limit and not game.over:
        for pid, bot in enumerate(bots):
            if bot.thinks_at(game.tick):
                for action in bot.decide(game.view(pid), game.tick):
                    bot.feedback(action, game.apply(pid, action))
        game.step()
        game.drain_events()
        rec.ticked(game)
    rec.closed(game, shutdown=False)
    gamelog.flush()
    return game, time.perf_counter() - t0, rec


def part_seek(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as d:
        gamelog = GameLog.open_dir(d)
        game, play_s, rec = record(gamelog, args.minutes, args.seed)
        ticks = game.tick
        game_minutes = ticks / R.TICK_RATE / 60
        fig = gamelog.figures()
        # snapshot/restore of the final state
        snap_s, rest_s = [], []
        for _ in range(10):
            t = time.perf_counter()
            data = snapshot(game)
            snap_s.append(time.perf_counter() - t)
            t = time.perf_counter()
            restore(data)
            rest_s.append(time.perf_counter() - t)
        rnd = random.Random(args.seed)
        cold, cold_cpu, chunk1, chunk16 = [], [], [], []
        for _ in range(args.seeks):
            target = rnd.randrange(0, ticks)
            replay = Replay.from_log(gamelog, "bench")          # a new viewer: nothing cached
            t, c = time.perf_counter(), time.process_time()
            g = replay.seek(target)
            g.view(None)
            cold.append(time.perf_counter() - t)
            cold_cpu.append(time.process_time() - c)   # CPU spent: what the seek costs without neighbours
            for stride, out in ((1, chunk1), (16, chunk16)):
                t = time.perf_counter()
                prev = None
                g = replay.seek(target)
                for _ in range(40):
                    v = g.view(0)
                    if prev is not None:
                        protocol.make_delta(prev, v)
                    prev = v
                    if g.tick >= replay.length:
                        break
                    g = replay.seek(g.tick + stride)
                out.append(time.perf_counter() - t)
        replay = Replay.from_log(gamelog, "bench")
        t = time.perf_counter()
        checked, desync = replay.verify() if args.verify else (0, None)
        verify_s = time.perf_counter() - t
        file_bytes = sum(len(line) for line in export_lines(gamelog, "bench"))
        db_bytes = gamelog.size_bytes()
        gamelog.close()
    return {
        "game": {"ticks": ticks, "minutes": round(game_minutes, 2), "over": game.over, "play_s": round(play_s, 1),
                 "orders": fig["records"], "keyframes": fig["keyframes"]},
        "seek_cold_ms": ms(cold), "seek_cold_cpu_ms": ms(cold_cpu), "chunk40_x1_ms": ms(chunk1), "chunk40_x16_ms": ms(chunk16),
        "snapshot_ms": ms(snap_s), "restore_ms": ms(rest_s), "snapshot_bytes": len(data),
        "recorder_snapshot_and_hash_s_total": round(rec.snapshot_s, 3),
        "bytes_per_game_minute": {"records": round(fig["record_bytes"] / game_minutes),
                                  "keyframes": round(fig["keyframe_bytes"] / game_minutes),
                                  "database_file": round(db_bytes / game_minutes),
                                  "replay_file": round(file_bytes / game_minutes)},
        "verify": {"seconds": round(verify_s, 1), "hashes_checked": checked, "desync": desync},
    }


# ---------------------------------------------------------------------- logging cost
async def rooms_run(n: int, seconds: float, warm: float, gamelog: GameLog | None) -> dict[str, Any]:
    manager = RoomManager(max_rooms=n + 1, grace_s=3600)
    if gamelog is not None:
        def attach(room: Any) -> None:
            room.record_with(GameRecorder(gamelog, room.id, RecordingPolicy()))
        manager.on_room_created.append(attach)
    rooms = [await manager.create(difficulty="hard", seed=i + 1) for i in range(n)]
    await asyncio.sleep(warm)
    for r in rooms:
        r.tick_durations.clear()
        r.tick_lateness.clear()
    f0 = gamelog.figures() if gamelog else None
    t0 = time.perf_counter()
    durations: list[float] = []
    lateness: list[float] = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:  # room deques hold 1200 ticks: collect them as they go
        await asyncio.sleep(min(30.0, max(0.1, end - time.monotonic())))
        for r in rooms:
            durations.extend(r.tick_durations)
            lateness.extend(r.tick_lateness)
            r.tick_durations.clear()
            r.tick_lateness.clear()
    wall = time.perf_counter() - t0
    ticks = sum(r.tick for r in rooms)
    await manager.close_all()
    out: dict[str, Any] = {"rooms": n, "seconds": round(wall, 1), "ticks": len(durations),
                           "tick_ms": ms(durations), "lateness_ms": ms(lateness), "game_ticks_total": ticks}
    if gamelog is not None and f0 is not None:
        gamelog.flush()
        f1 = gamelog.figures()
        out["writes"] = {"records_per_s": round((f1["records"] - f0["records"]) / wall, 1),
                         "commits_per_s": round((f1["batches"] - f0["batches"]) / wall, 1),
                         "keyframes_per_s": round((f1["keyframes"] - f0["keyframes"]) / wall, 2),
                         "bytes_per_s": round((f1["record_bytes"] + f1["keyframe_bytes"]
                                               - f0["record_bytes"] - f0["keyframe_bytes"]) / wall),
                         "commit_p99_ms": round(f1["commit_p99_s"] * 1000, 2),
                         "errors": f1["errors"], "database_bytes": f1["bytes"]}
    return out


def part_logging(args: argparse.Namespace) -> dict[str, Any]:
    """Alternate runs without and with the log (the machine's other load drifts between runs)."""
    runs: dict[str, list[dict[str, Any]]] = {"without_log": [], "with_log": []}
    for _ in range(args.repeat):
        runs["without_log"].append(asyncio.run(rooms_run(args.rooms, args.seconds, args.warm, None)))
        with tempfile.TemporaryDirectory() as d:
            gamelog = GameLog.open_dir(Path(d))
            runs["with_log"].append(asyncio.run(rooms_run(args.rooms, args.seconds, args.warm, gamelog)))
            gamelog.close()
    return runs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("part", choices=("seek", "logging", "all"))
    ap.add_argument("--minutes", type=float, default=20.0)
    ap.add_argument("--seeks", type=int, default=60)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-verify", dest="verify", action="store_false", help="seek: skip the full replay check")
    ap.add_argument("--rooms", type=int, default=30)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--warm", type=float, default=5.0)
    ap.add_argument("--repeat", type=int, default=2, help="logging: pairs of runs (without, with)")
    args = ap.parse_args()
    out: dict[str, Any] = {"cpus": os.cpu_count(), "load_avg_at_start": os.getloadavg()}
    if args.part in ("seek", "all"):
        out["seek"] = part_seek(args)
    if args.part in ("logging", "all"):
        out["logging"] = part_logging(args)
    out["load_avg_at_end"] = os.getloadavg()
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
