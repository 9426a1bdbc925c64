"""Rebuilding a logged game at any tick, checking its hashes, and replay files.

A game is fully described by its seed, map size, rules version and its orders: the engine is
deterministic. :class:`Replay` holds those inputs in memory and moves a :class:`Game` to any
tick: forward by stepping, backward (or far forward) by restoring the latest keyframe at or
before the target and stepping from there (at most ``keyframe_ticks`` steps). Every stored
state hash it passes is compared; the first mismatch is kept in :attr:`Replay.desync` so the
page can say "this replay desyncs at tick T" instead of showing a different game.

Replay files (``GET /api/replays/{id}``): JSON lines, format in docs/WIRE.md.
"""
from __future__ import annotations

import time
import zlib
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

import orjson

from ..sim import Game
from ..sim.orders import parse_action
from ..sim.snapshot import SnapshotError, restore, rules_version, snapshot
from .gamelog import GameLog, GameLogError, GameSummary, LogRecord

FILE_FORMAT = "red-alert-nl-replay"
FILE_VERSION = 1
MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_FILE_TICKS = 20 * 60 * 60 * 4          # 4 hours of game time
RECORD_KINDS = ("order", "hash", "nl", "seat", "restored", "end")


class ReplayError(ValueError):
    """A replay that cannot be played here (another rules version, corrupt log, not a replay file)."""


@dataclass
class Replay:
    """The inputs of one game and a cursor over it."""
    summary: GameSummary
    orders: dict[int, list[tuple[int, dict[str, Any]]]]   # tick -> [(player, action)] in applied order
    hashes: dict[int, str]
    notes: list[LogRecord]                                # nl, seat, restored, end: the timeline
    keyframes: dict[int, bytes] = field(default_factory=dict)   # zlib'd snapshots made while watching
    stored_keyframes: list[int] = field(default_factory=list)   # ticks available from the log
    gamelog: GameLog | None = None
    keyframe_ticks: int = 200
    game: Game | None = None
    desync: int | None = None        # first tick whose hash differs
    checked: int = 0                 # hashes compared equal so far

    # ------------------------------------------------------------------ loading
    @classmethod
    def from_log(cls, gamelog: GameLog, game_id: str, keyframe_ticks: int = 200) -> Replay:
        summary = gamelog.game(game_id)
        if summary is None:
            raise KeyError(game_id)
        check_rules(summary.rules_version)
        records = gamelog.records(game_id)
        rep = cls.from_records(summary, records)
        rep.gamelog = gamelog
        rep.stored_keyframes = gamelog.keyframe_ticks(game_id)
        rep.keyframe_ticks = keyframe_ticks
        return rep

    @classmethod
    def from_records(cls, summary: GameSummary, records: Iterable[LogRecord]) -> Replay:
        orders: dict[int, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
        hashes: dict[int, str] = {}
        notes: list[LogRecord] = []
        for r in records:
            if r.kind == "order":
                if not isinstance(r.body, dict) or r.player not in (0, 1):
                    raise ReplayError(f"bad order record at tick {r.tick}")
                orders[r.tick].append((r.player, r.body))
            elif r.kind == "hash":
                if not isinstance(r.body, str):
                    raise ReplayError(f"bad hash record at tick {r.tick}")
                hashes[r.tick] = r.body
            else:
                notes.append(r)
        return cls(summary=summary, orders=dict(orders), hashes=hashes, notes=notes)

    @property
    def length(self) -> int:
        return self.summary.last_tick

    # ------------------------------------------------------------------ moving
    def seek(self, tick: int) -> Game:
        """The game at ``tick`` (clamped to the game's length): the state before that tick's orders."""
        tick = max(0, min(tick, self.length))
        g = self.game
        base = self.nearest_keyframe(tick)
        # keep stepping the current game when it is behind the target and no keyframe is closer
        if g is None or g.tick > tick or (base is not None and base[0] > g.tick):
            g = self._start_from(base)
        self.game = g
        while g.tick < tick:
            self._step(g)
        return g

    def advance(self, ticks: int) -> Game:
        g = self.game or self.seek(0)
        return self.seek(g.tick + ticks)

    def verify(self) -> tuple[int, int | None]:
        """Play the whole game from the start; (hashes checked, first desync tick or None)."""
        self.game = None
        self.checked = 0
        self.desync = None
        g = self._start_from(None)
        self.game = g
        while g.tick < self.length and self.desync is None:
            self._step(g)
        return self.checked, self.desync

    def nearest_keyframe(self, tick: int) -> tuple[int, bytes | None] | None:
        k_mem = max((t for t in self.keyframes if t <= tick), default=-1)
        i = bisect_right(self.stored_keyframes, tick)
        k_log = self.stored_keyframes[i - 1] if i else -1
        if k_mem < 0 and k_log < 0:
            return None
        if k_mem >= k_log:
            return k_mem, self.keyframes[k_mem]
        return k_log, None

    def _start_from(self, base: tuple[int, bytes | None] | None) -> Game:
        if base is None:
            s = self.summary
            g = Game(seed=s.seed, width=s.width, height=s.height)
            self._check_hash(g)
            return g
        t, data = base
        if data is None:
            assert self.gamelog is not None
            try:
                kf = self.gamelog.keyframe_at(self.summary.id, t)
            except GameLogError as e:
                raise ReplayError(str(e)) from None
            if kf is None:
                return self._start_from(None)
            data = kf[2]
        else:
            data = zlib.decompress(data)
        try:
            g = restore(data)
        except SnapshotError as e:
            raise ReplayError(str(e)) from None
        self._check_hash(g)              # the keyframe itself is checked against the hash logged with it
        return g

    def _step(self, g: Game) -> None:
        for player, action in self.orders.get(g.tick, ()):
            g.apply(player, action)
        g.step()
        g.drain_events()
        if g.tick % self.keyframe_ticks == 0 and g.tick not in self.keyframes and not self._stored(g.tick):
            self.keyframes[g.tick] = zlib.compress(snapshot(g), 1)   # an upload gets keyframes as it is watched
        self._check_hash(g)

    def _stored(self, tick: int) -> bool:
        i = bisect_right(self.stored_keyframes, tick)
        return bool(i) and self.stored_keyframes[i - 1] == tick

    def _check_hash(self, g: Game) -> None:
        want = self.hashes.get(g.tick)
        if want is None:
            return
        if g.state_hash() == want:
            self.checked += 1
        elif self.desync is None or g.tick < self.desync:
            self.desync = g.tick

    # ------------------------------------------------------------------ the timeline
    def timeline(self) -> list[dict[str, Any]]:
        """Orders and words, in tick order, for the page (what each player did and what it became)."""
        out: list[dict[str, Any]] = []
        for tick in sorted(self.orders):
            for player, action in self.orders[tick]:
                out.append({"tick": tick, "kind": "order", "player": player, "action": action})
        for r in self.notes:
            entry = {"tick": r.tick, "kind": r.kind, "player": r.player}
            if isinstance(r.body, dict):
                entry.update({k: v for k, v in r.body.items() if k not in entry})
            out.append(entry)
        out.sort(key=lambda e: e["tick"])
        return out


def check_rules(version: str) -> None:
    here = rules_version()
    if version != here:
        raise ReplayError(f"this game was recorded under rules version {version[:12]}; this server plays "
                          f"{here[:12]}, so it cannot be replayed here")


# ---------------------------------------------------------------------- replay files (JSON lines)
def export_lines(gamelog: GameLog, game_id: str) -> Iterator[bytes]:
    """The replay file of a logged game, line by line (no seat tokens)."""
    summary = gamelog.game(game_id)
    if summary is None:
        raise KeyError(game_id)
    records = gamelog.records(game_id)
    head = {"format": FILE_FORMAT, "version": FILE_VERSION, "game": summary.id, "created": summary.created,
            "seed": summary.seed, "width": summary.width, "height": summary.height,
            "difficulty": summary.difficulty, "rules_version": summary.rules_version,
            "players": [s.get("kind", "open") for s in summary.seats], "ticks": summary.last_tick,
            "winner": summary.winner, "status": summary.status}
    yield orjson.dumps(head) + b"\n"
    for r in records:
        yield orjson.dumps({"tick": r.tick, "kind": r.kind, "player": r.player, "body": r.body}) + b"\n"
    yield orjson.dumps({"kind": "end_of_file", "records": len(records)}) + b"\n"


def parse_file(data: bytes) -> tuple[GameSummary, list[LogRecord]]:
    """Read an uploaded replay file; raises :class:`ReplayError` with a reason a person can act on."""
    if len(data) > MAX_FILE_BYTES:
        raise ReplayError(f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    lines = data.split(b"\n")
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise ReplayError("the file is empty")
    try:
        head = orjson.loads(lines[0])
    except orjson.JSONDecodeError:
        raise ReplayError("this is not a replay file (the first line is not JSON)") from None
    if not isinstance(head, dict) or head.get("format") != FILE_FORMAT:
        raise ReplayError("this is not a replay file of this game")
    if head.get("version") != FILE_VERSION:
        raise ReplayError(f"replay file version {head.get('version')!r} is not supported (this server reads "
                          f"version {FILE_VERSION})")
    try:
        summary = GameSummary(
            id=str(head["game"]), created=float(head["created"]), updated=time.time(), status="uploaded",
            seed=_int(head["seed"]), width=_int(head["width"]), height=_int(head["height"]),
            difficulty=str(head["difficulty"]), rules_version=str(head["rules_version"]),
            seats=[{"kind": str(k)} for k in head["players"]][:2], last_tick=_int(head["ticks"]),
            winner=head["winner"] if head.get("winner") in (0, 1) else None, ended=None)
    except (KeyError, TypeError, ValueError) as e:
        raise ReplayError(f"the replay file's header is incomplete ({e})") from None
    if not (16 <= summary.width <= 256 and 16 <= summary.height <= 256):
        raise ReplayError("the replay file's map size is out of range")
    if not 0 <= summary.last_tick <= MAX_FILE_TICKS:
        raise ReplayError("the replay file's length is out of range")
    records: list[LogRecord] = []
    ended = False
    for n, line in enumerate(lines[1:], start=2):
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError:
            raise ReplayError(f"line {n} of the replay file is not JSON (a damaged file?)") from None
        if not isinstance(obj, dict):
            raise ReplayError(f"line {n} of the replay file is not a record")
        if obj.get("kind") == "end_of_file":
            if obj.get("records") != len(records):
                raise ReplayError("the replay file lost records (its count does not match)")
            ended = True
            break
        kind, tick, player = obj.get("kind"), obj.get("tick"), obj.get("player")
        if kind not in RECORD_KINDS or not isinstance(tick, int) or not 0 <= tick <= summary.last_tick:
            raise ReplayError(f"line {n} of the replay file is not a valid record")
        if player is not None and player not in (0, 1):
            raise ReplayError(f"line {n} of the replay file names an unknown player")
        body = obj.get("body")
        if kind == "order":
            act, err = parse_action(body)
            if act is None:
                raise ReplayError(f"line {n} of the replay file holds an invalid order ({err})")
        records.append(LogRecord(tick, kind, player, body))
    if not ended:
        raise ReplayError("the replay file is cut short (no end marker)")
    return summary, records


def _int(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValueError(f"{v!r} is not an integer")
    return v
