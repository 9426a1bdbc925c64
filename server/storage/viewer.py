"""Replays being watched: one cursor per (game, viewer), computed on a thread of its own.

Why the server computes the frames: the engine is Python and deterministic; the page already
knows how to draw `state`/`delta` messages, so it replays a game exactly as it was watched live,
fog included, with no second engine in JavaScript. A chunk of frames costs the server at most one
keyframe restore plus the ticks it covers; the work runs on one dedicated thread so a replay never
blocks the rooms' event loop, and each viewer keeps its own cursor so playing on is only stepping.
"""
from __future__ import annotations

import asyncio
import secrets
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from .. import protocol
from ..sim.rules import TICK_RATE, rules_table
from .gamelog import GameLog
from .replay import Replay, ReplayError, check_rules, parse_file


@dataclass
class _Session:
    replay: Replay
    used: float


class ReplayService:
    """Replays being watched: one cursor per (game, viewer), computed on a thread of their own."""

    def __init__(self, gamelog: GameLog, *, keyframe_ticks: int = 200, max_sessions: int = 8) -> None:
        self.log = gamelog
        self.keyframe_ticks = keyframe_ticks
        self.max_sessions = max_sessions
        self._sessions: OrderedDict[tuple[str, str], _Session] = OrderedDict()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="replay")
        self.frames_served = 0
        self.compute_s = 0.0

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def run(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    # --- on the replay thread ------------------------------------------------------
    def _session(self, game_id: str, viewer: str) -> Replay:
        key = (game_id, viewer)
        s = self._sessions.get(key)
        summary = self.log.game(game_id)
        if summary is None:
            raise KeyError(game_id)
        if s is not None and s.replay.summary.last_tick == summary.last_tick:
            self._sessions.move_to_end(key)
            s.used = time.monotonic()
            return s.replay
        replay = Replay.from_log(self.log, game_id, keyframe_ticks=self.keyframe_ticks)
        if s is not None:  # a live game grew: keep the keyframes made while watching it
            replay.keyframes.update(s.replay.keyframes)
        self._sessions[key] = _Session(replay, time.monotonic())
        self._sessions.move_to_end(key)
        while len(self._sessions) > self.max_sessions:
            self._sessions.popitem(last=False)
        return replay

    def info(self, game_id: str) -> dict[str, Any]:
        summary = self.log.game(game_id)
        if summary is None:
            raise KeyError(game_id)
        check_rules(summary.rules_version)
        replay = self._session(game_id, "info")
        game = replay.seek(0)
        return {"game": summary.public(), "map": game.map_info(), "rules": rules_table(), "tick_rate": TICK_RATE,
                "keyframes": replay.stored_keyframes, "timeline": replay.timeline(),
                "file": f"/api/replays/{game_id}"}

    def frames(self, game_id: str, viewer: str, start: int, stride: int, count: int,
               view: int | None) -> dict[str, Any]:
        t0 = time.perf_counter()
        replay = self._session(game_id, viewer)
        game = replay.seek(start)
        out: list[dict[str, Any]] = []
        prev: dict[str, Any] | None = None
        while len(out) < count:
            state = game.view(view)
            out.append({"type": "state", **state} if prev is None else protocol.make_delta(prev, state))
            prev = state
            if game.tick >= replay.length:
                break
            game = replay.seek(game.tick + stride)
        self.frames_served += len(out)
        self.compute_s += time.perf_counter() - t0
        return {"frames": out, "end": replay.length, "live": replay.summary.status == "live",
                "desync": replay.desync, "checked": replay.checked}

    def upload(self, data: bytes) -> str:
        summary, records = parse_file(data)
        check_rules(summary.rules_version)
        replay = Replay.from_records(summary, records)   # shape checks only; hashes are checked as it plays
        del replay
        new_id = "up-" + secrets.token_urlsafe(9)
        self.log.begin(replace(summary, id=new_id, created=summary.created, note=f"uploaded, recorded as {summary.id}"))
        batch = [(r.tick, r.kind, r.player, r.body) for r in records]
        for i in range(0, len(batch), 2000):
            self.log.append(new_id, summary.last_tick, batch[i:i + 2000])
        if not self.log.flush():
            raise ReplayError("the game log is too busy to store this replay now; try again")
        return new_id
