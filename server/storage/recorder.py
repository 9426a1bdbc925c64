"""What a room records while it plays: its inputs, periodic state hashes and keyframes.

The room calls :meth:`GameRecorder.ticked` after each tick (after ``game.step()``). Everything
the engine accepted through its one gate is in ``game.order_log`` already, with its tick; the
recorder only remembers how far it has read, so logging adds no work to the gate. Records are
handed to the writer thread every ``flush_ticks`` ticks (a crash loses at most that much), a
state hash is taken every ``hash_ticks`` and a snapshot every ``keyframe_ticks``.

Tick convention (docs/WIRE.md): a ``hash`` or keyframe at tick T is the state after T steps,
before the orders of tick T; an ``order`` at tick T was applied just before the T-th step.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from ..sim import Game
from ..sim.snapshot import rules_version, snapshot
from .gamelog import GameLog, GameSummary

log = logging.getLogger("storage")


@dataclass(frozen=True)
class RecordingPolicy:
    keyframe_ticks: int = 200      # 10 s of game time: a seek steps at most this many ticks
    hash_ticks: int = 100          # 5 s: a desync is located to within this
    flush_ticks: int = 10          # 0.5 s: what a crash may lose

    def __post_init__(self) -> None:
        if min(self.keyframe_ticks, self.hash_ticks, self.flush_ticks) < 1:
            raise ValueError("recording periods must be at least one tick")


class GameRecorder:
    """Records one room's game into a :class:`GameLog` (implements rooms.Recorder)."""

    def __init__(self, gamelog: GameLog, game_id: str, policy: RecordingPolicy = RecordingPolicy()) -> None:
        self.log = gamelog
        self.game_id = game_id
        self.policy = policy
        self._read = 0                       # entries of game.order_log already recorded
        self._pending: list[tuple[int, str, int | None, Any]] = []
        self._ended = False
        self.snapshot_s = 0.0                # time spent in snapshots and hashes (the tick pays it)

    # ------------------------------------------------------------------ lifecycle
    def started(self, game: Game, difficulty: str, seats: list[dict[str, Any]], *, restored: bool = False) -> None:
        """A new game (tick 0 keyframe) or a game restored from this log (a ``restored`` record)."""
        self._read = len(game.order_log)
        if restored:
            self._pending.append((game.tick, "restored", None, {"at": time.time()}))
            self._flush(game.tick)
            return
        now = time.time()
        self.log.begin(GameSummary(id=self.game_id, created=now, updated=now, status="live", seed=game.seed,
                                   width=game.width, height=game.height, difficulty=difficulty,
                                   rules_version=rules_version(), seats=seats, last_tick=game.tick,
                                   winner=None, ended=None))
        self._keyframe(game)

    def seats_changed(self, tick: int, seats: list[dict[str, Any]]) -> None:
        """A seat changed hands (a human took it); tokens are stored so a reconnect after a restart works."""
        self.log.set_seats(self.game_id, seats)
        self._pending.append((tick, "seat", None, {"players": [s.get("kind", "open") for s in seats]}))

    def note(self, tick: int, player: int | None, kind: str, body: dict[str, Any]) -> None:
        """A record that is not an engine input (words and what they became); shown on the replay timeline."""
        self._pending.append((tick, kind, player, body))

    def ticked(self, game: Game) -> None:
        """After each ``game.step()``: collect the orders, hash, snapshot and hand over on schedule."""
        olog = game.order_log
        if len(olog) > self._read:
            for t, p, action in olog[self._read:]:
                self._pending.append((t, "order", p, action))
            self._read = len(olog)
        tick = game.tick
        pol = self.policy
        if game.over and not self._ended:
            self._ended = True
            self._pending.append((tick, "hash", None, game.state_hash()))
            self._pending.append((tick, "end", game.winner, {"winner": game.winner}))
            self._flush(tick)
            self.log.finish(self.game_id, "finished", tick, game.winner)
            return
        if tick % pol.keyframe_ticks == 0:
            self._keyframe(game)
        elif tick % pol.hash_ticks == 0:
            t0 = time.perf_counter()
            self._pending.append((tick, "hash", None, game.state_hash()))
            self.snapshot_s += time.perf_counter() - t0
        if tick % pol.flush_ticks == 0:
            self._flush(tick)

    def closed(self, game: Game, *, shutdown: bool) -> None:
        """The room closes: on a server shutdown the game stays ``live`` (restored at the next start);
        otherwise it was given up (nobody came back, or it was reclaimed)."""
        if self._ended:
            return
        self.ticked_orders_only(game)
        self._flush(game.tick)
        if not shutdown:
            self._ended = True
            self.log.finish(self.game_id, "abandoned", game.tick, None)

    def ticked_orders_only(self, game: Game) -> None:
        olog = game.order_log
        for t, p, action in olog[self._read:]:
            self._pending.append((t, "order", p, action))
        self._read = len(olog)

    # ------------------------------------------------------------------ internals
    def _keyframe(self, game: Game) -> None:
        t0 = time.perf_counter()
        h = game.state_hash()
        data = snapshot(game)
        self.snapshot_s += time.perf_counter() - t0
        self._pending.append((game.tick, "hash", None, h))
        self.log.keyframe(self.game_id, game.tick, h, data)

    def _flush(self, tick: int) -> None:
        records, self._pending = self._pending, []
        self.log.append(self.game_id, tick, records)
