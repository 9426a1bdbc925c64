"""Bringing rooms back from their logs: after a restart, or on another node of a cluster.

``restore_room(gamelog, game_id, **room_options) -> Room`` rebuilds one room (``rebuild_room`` also
returns a :class:`RestoreReport` of what it did): its game from the
latest keyframe plus the orders logged after it (every stored hash on the way is checked), its
seats with their tokens (a client that reconnects with its token gets its seat back), and a
computer opponent for a seat the computer held. The room is not started; the caller adopts it
(``RoomManager.adopt``) and attaches a recorder so that it keeps logging into the same game.

``restore_live_rooms`` does that for every game still ``live`` in the log at start-up; a game
that cannot be restored (another rules version, a corrupt log, a desync) is marked ``broken``
with the reason and the others go on.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from ..rooms import Room, Seat
from ..sim.snapshot import rules_version
from .gamelog import GameLog, GameLogError
from .replay import Replay, ReplayError

log = logging.getLogger("storage")


class RestoreError(Exception):
    """A game that cannot be brought back (the message says why)."""


@dataclass(frozen=True)
class RestoreReport:
    game_id: str
    tick: int                 # where the room resumes
    from_keyframe: int        # tick of the keyframe it started from
    replayed_ticks: int       # ticks stepped after it
    hashes_checked: int


def restore_room(gamelog: GameLog, game_id: str, **room_options: Any) -> Room:
    """The room of ``game_id`` as its log leaves it, not started (``RoomManager.adopt`` starts it).
    Any node that reaches the log can call it (cluster mode). Raises :class:`RestoreError`."""
    return rebuild_room(gamelog, game_id, **room_options)[0]


def rebuild_room(gamelog: GameLog, game_id: str, **room_options: Any) -> tuple[Room, RestoreReport]:
    """:func:`restore_room`, with a report of where it resumed and what was checked on the way."""
    summary = gamelog.game(game_id)
    if summary is None:
        raise RestoreError(f"no game {game_id} in the log")
    if summary.status != "live":
        raise RestoreError(f"game {game_id} is {summary.status}, not live")
    if summary.rules_version != rules_version():
        raise RestoreError(f"game {game_id} was played under rules version {summary.rules_version[:12]}, "
                           f"this server plays {rules_version()[:12]}")
    try:
        replay = Replay.from_log(gamelog, game_id)
        keyframe = replay.nearest_keyframe(summary.last_tick)
        game = replay.seek(summary.last_tick)
    except (ReplayError, GameLogError, KeyError) as e:
        raise RestoreError(f"game {game_id} cannot be rebuilt: {e}") from None
    if replay.desync is not None:
        raise RestoreError(f"game {game_id} does not replay to its logged state (desync at tick {replay.desync})")
    seats = [Seat(s.get("kind", "open"), str(s.get("token") or "")) for s in summary.seats[:2]]
    while len(seats) < 2:
        seats.append(Seat("open"))
    for seat in seats:
        if seat.kind in ("human", "agent") and not seat.token:
            seat.kind = "open"        # a seat whose token was not kept cannot be claimed back as it was
    room = Room(game_id, seed=summary.seed, difficulty=summary.difficulty, width=summary.width,
                height=summary.height, game=game, seats=seats, restored=True, **room_options)
    start = keyframe[0] if keyframe is not None else 0
    report = RestoreReport(game_id=game_id, tick=game.tick, from_keyframe=start,
                           replayed_ticks=game.tick - start, hashes_checked=replay.checked)
    return room, report


def restore_live_rooms(gamelog: GameLog, limit: int, **room_options: Any) -> list[tuple[Room, RestoreReport]]:
    """Every game the log still has as ``live`` (newest first, at most ``limit``), rebuilt; the rest
    are marked ``abandoned`` (too many) or ``broken`` (cannot be rebuilt), with the reason logged."""
    out: list[tuple[Room, RestoreReport]] = []
    for summary in gamelog.games(status="live", limit=10_000):
        if len(out) >= limit:
            gamelog.finish(summary.id, "abandoned", summary.last_tick, note="not restored: room limit")
            continue
        try:
            out.append(rebuild_room(gamelog, summary.id, **room_options))
        except RestoreError as e:
            log.error("%s; the game is kept as a replay only", e)
            gamelog.finish(summary.id, "broken", summary.last_tick, note=str(e))
        except Exception as e:  # one bad game must not keep the server from starting
            log.exception("restoring game %s failed", summary.id)
            gamelog.finish(summary.id, "broken", summary.last_tick, note=f"restore failed: {e}")
    return out
