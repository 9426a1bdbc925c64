"""The game log database: one SQLite file (WAL), written by one thread, read by anyone.

Why a dedicated writer thread rather than aiosqlite: every write comes from the rooms' tick on
the event loop and must cost it nothing but a ``queue.put``; one thread that drains the whole
queue into one transaction turns 30 rooms x 20 ticks/s into a few commits per second (group
commit), which aiosqlite's one-await-per-statement API would not do by itself. The same
object is used synchronously where there is no loop (tests, benchmarks, the restore at
start-up), and it needs no extra dependency.

Durability: WAL with ``synchronous=NORMAL`` keeps every committed transaction through a
process crash (``kill -9``); what can be lost is what was still in the queue, which rooms hand
over every ``FLUSH_TICKS`` ticks (0.5 s) and the writer commits at once.

Tables (see docs/WIRE.md "Game logs and replay files" for the meaning of each record):

- ``games``: one row per game (seed, map size, rules version, difficulty, seats, status,
  last tick logged, winner, dates);
- ``records``: the game's inputs and checks in order: ``order``, ``nl``, ``hash``, ``seat``,
  ``restored``, ``end``;
- ``keyframes``: compressed snapshots (``server.sim.snapshot``) every N ticks, for restores
  and fast seeking.
"""
from __future__ import annotations

import logging
import os
import queue
import sqlite3
import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

log = logging.getLogger("storage")

DB_NAME = "games.sqlite3"
SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS games (
    id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    status TEXT NOT NULL,              -- live | finished | abandoned | broken | uploaded
    seed INTEGER NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    difficulty TEXT NOT NULL,
    rules_version TEXT NOT NULL,
    seats TEXT NOT NULL,               -- JSON [{"kind": "human"|"ai"|"open", "token"?: str}]
    last_tick INTEGER NOT NULL DEFAULT 0,
    winner INTEGER,
    ended REAL,
    note TEXT                          -- why a game is broken, where an upload came from
);
CREATE INDEX IF NOT EXISTS games_by_status ON games(status, updated);
CREATE TABLE IF NOT EXISTS records (
    game TEXT NOT NULL,
    tick INTEGER NOT NULL,
    kind TEXT NOT NULL,
    player INTEGER,
    body BLOB NOT NULL                 -- JSON
);
CREATE INDEX IF NOT EXISTS records_by_game ON records(game, tick);
CREATE TABLE IF NOT EXISTS keyframes (
    game TEXT NOT NULL,
    tick INTEGER NOT NULL,
    hash TEXT NOT NULL,
    data BLOB NOT NULL,                -- zlib(server.sim.snapshot.snapshot(game))
    PRIMARY KEY (game, tick)
);
"""
STATUSES = ("live", "finished", "abandoned", "broken", "uploaded")


class GameLogError(Exception):
    """The game log cannot be used (directory not writable, database unreadable)."""


@dataclass(frozen=True)
class LogRecord:
    tick: int
    kind: str
    player: int | None
    body: Any


@dataclass(frozen=True)
class GameSummary:
    """One row of ``games`` (the seats' tokens only where the caller asked for them)."""
    id: str
    created: float
    updated: float
    status: str
    seed: int
    width: int
    height: int
    difficulty: str
    rules_version: str
    seats: list[dict[str, Any]]
    last_tick: int
    winner: int | None
    ended: float | None
    note: str | None = None

    def public(self) -> dict[str, Any]:
        """What /replays may show: no seat tokens."""
        return {"id": self.id, "created": self.created, "updated": self.updated, "status": self.status,
                "seed": self.seed, "width": self.width, "height": self.height, "difficulty": self.difficulty,
                "rules_version": self.rules_version, "players": [s.get("kind", "open") for s in self.seats],
                "ticks": self.last_tick, "winner": self.winner, "ended": self.ended, "note": self.note}


@dataclass
class WriterStats:
    batches: int = 0
    records: int = 0
    keyframes: int = 0
    keyframe_bytes: int = 0
    record_bytes: int = 0
    errors: int = 0
    dropped: int = 0
    last_error: str = ""
    last_error_at: float = 0.0
    commit_s: list[float] = field(default_factory=list)


_STOP = object()


class GameLog:
    """The database of one data directory. Writes are queued (thread-safe, never block); reads are direct.

    ``max_bytes`` > 0 bounds the database file: past it, writes fail as on a full disk
    (``SQLITE_FULL``) and are counted and reported, never raised into a room.
    """

    def __init__(self, path: str | os.PathLike[str], *, max_bytes: int = 0) -> None:
        self.path = Path(path)
        self.max_bytes = max_bytes
        self.stats = WriterStats()
        self._queue: queue.Queue[Any] = queue.Queue()
        self._read_lock = threading.Lock()
        try:
            self._reader = self._connect()
            self._init_schema(self._reader)
        except sqlite3.DatabaseError as e:
            raise GameLogError(f"the game log {self.path} is not a readable database ({e})") from None
        except OSError as e:
            raise GameLogError(f"the game log {self.path} cannot be opened ({e})") from None
        self._thread = threading.Thread(target=self._run, name="gamelog-writer", daemon=True)
        self._closed = False
        self._thread.start()

    # ------------------------------------------------------------------ opening
    @classmethod
    def open_dir(cls, data_dir: str | os.PathLike[str], *, max_bytes: int = 0) -> GameLog:
        """The log in ``data_dir`` (created if missing). A corrupt database file is moved aside
        (``games.sqlite3.corrupt-<time>``) and a fresh one started, so the server keeps running;
        a directory that cannot be created or written raises :class:`GameLogError`."""
        d = Path(data_dir)
        try:
            d.mkdir(parents=True, exist_ok=True)
            probe = d / ".write-test"
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError as e:
            raise GameLogError(f"DATA_DIR {d} cannot be used: {e.strerror or e}") from None
        path = d / DB_NAME
        try:
            return cls(path, max_bytes=max_bytes)
        except GameLogError as e:
            if not path.exists():
                raise
            aside = path.with_name(f"{DB_NAME}.corrupt-{int(time.time())}")
            log.error("%s; moved it to %s and started a new log", e, aside)
            for suffix in ("", "-wal", "-shm"):
                src = Path(str(path) + suffix)
                if src.exists():
                    src.replace(Path(str(aside) + suffix))
            return cls(path, max_bytes=max_bytes)

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10.0)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        con.execute("PRAGMA foreign_keys=OFF")
        if self.max_bytes > 0:
            page = con.execute("PRAGMA page_size").fetchone()[0]
            con.execute(f"PRAGMA max_page_count={max(16, self.max_bytes // page)}")
        return con

    def _init_schema(self, con: sqlite3.Connection) -> None:
        version = con.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise GameLogError(f"the game log {self.path} was written by a newer server (schema {version})")
        con.executescript(_SCHEMA)
        con.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        # a quick structural check: a truncated file fails here rather than mid-game
        con.execute("SELECT count(*) FROM games").fetchone()

    # ------------------------------------------------------------------ writes (any thread, never block)
    def begin(self, game: GameSummary) -> None:
        """A new game (or an uploaded replay) starts being logged."""
        self._put(("begin", game))

    def append(self, game_id: str, last_tick: int, records: list[tuple[int, str, int | None, Any]]) -> None:
        """Records ``(tick, kind, player, body)`` and the last tick the game has reached."""
        self._put(("append", game_id, last_tick, records))

    def keyframe(self, game_id: str, tick: int, state_hash: str, snapshot: bytes) -> None:
        """A snapshot taken at ``tick`` (before that tick's orders); compressed by the writer."""
        self._put(("keyframe", game_id, tick, state_hash, snapshot))

    def set_seats(self, game_id: str, seats: list[dict[str, Any]]) -> None:
        self._put(("seats", game_id, seats))

    def finish(self, game_id: str, status: str, last_tick: int, winner: int | None = None,
               note: str | None = None) -> None:
        """The game ended (``finished``), was given up (``abandoned``) or cannot be restored (``broken``)."""
        if status not in STATUSES:
            raise ValueError(f"unknown game status {status!r}")
        self._put(("finish", game_id, status, last_tick, winner, note))

    def prune(self, max_age_s: float, max_games: int) -> None:
        """Delete ended games older than ``max_age_s`` and beyond the newest ``max_games`` (queued)."""
        self._put(("prune", max_age_s, max_games))

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything queued so far is committed (or failed); False on timeout."""
        if self._closed:
            return True
        done = threading.Event()
        self._put(("flush", done))
        return done.wait(timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Commit what is queued and stop the writer (a graceful stop loses nothing)."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(_STOP)
        self._thread.join(timeout)
        with self._read_lock:
            self._reader.close()

    def _put(self, op: tuple) -> None:
        if self._closed:
            self.stats.dropped += 1
            return
        self._queue.put(op)

    @property
    def queued(self) -> int:
        return self._queue.qsize()

    # ------------------------------------------------------------------ the writer thread
    def _run(self) -> None:
        try:
            con = self._connect()
        except sqlite3.Error as e:  # pragma: no cover - the reader opened the same file a moment ago
            self._failed(f"cannot open the game log for writing: {e}")
            return
        stop = False
        while not stop:
            ops = [self._queue.get()]
            while True:  # group commit: everything queued meanwhile goes in the same transaction
                try:
                    ops.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            events: list[threading.Event] = []
            batch: list[tuple] = []
            for op in ops:
                if op is _STOP:
                    stop = True
                elif op[0] == "flush":
                    events.append(op[1])
                else:
                    batch.append(op)
            if batch:
                self._write(con, batch)
            for ev in events:
                ev.set()
        con.close()

    def _write(self, con: sqlite3.Connection, batch: list[tuple]) -> None:
        t0 = time.perf_counter()
        prunes = [op for op in batch if op[0] == "prune"]
        try:
            con.execute("BEGIN")
            for op in batch:
                if op[0] != "prune":
                    self._apply(con, op)
            con.execute("COMMIT")
        except sqlite3.Error as e:
            try:
                con.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            self.stats.dropped += len(batch)
            self._failed(f"game log write failed ({e}); {len(batch)} writes dropped")
            # a full disk must not keep a game from being ended: retry the status changes alone
            ends = [op for op in batch if op[0] in ("finish", "seats")]
            if ends:
                try:
                    con.execute("BEGIN")
                    for op in ends:
                        self._apply(con, op)
                    con.execute("COMMIT")
                except sqlite3.Error:
                    try:
                        con.execute("ROLLBACK")
                    except sqlite3.Error:
                        pass
        else:
            self.stats.batches += 1
        for op in prunes:
            try:
                self._prune(con, op[1], op[2])
            except sqlite3.Error as e:
                self._failed(f"game log pruning failed ({e})")
        dt = time.perf_counter() - t0
        cs = self.stats.commit_s
        cs.append(dt)
        if len(cs) > 1000:
            del cs[:500]

    def _apply(self, con: sqlite3.Connection, op: tuple) -> None:
        kind = op[0]
        now = time.time()
        if kind == "begin":
            g: GameSummary = op[1]
            con.execute(
                "INSERT OR REPLACE INTO games (id, created, updated, status, seed, width, height, difficulty,"
                " rules_version, seats, last_tick, winner, ended, note) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (g.id, g.created, now, g.status, g.seed, g.width, g.height, g.difficulty, g.rules_version,
                 orjson.dumps(g.seats), g.last_tick, g.winner, g.ended, g.note))
        elif kind == "append":
            _, gid, last_tick, records = op
            rows = [(gid, t, k, p, orjson.dumps(b)) for t, k, p, b in records]
            if rows:
                con.executemany("INSERT INTO records (game, tick, kind, player, body) VALUES (?,?,?,?,?)", rows)
                self.stats.records += len(rows)
                self.stats.record_bytes += sum(len(r[4]) for r in rows)
            con.execute("UPDATE games SET last_tick=max(last_tick, ?), updated=? WHERE id=?", (last_tick, now, gid))
        elif kind == "keyframe":
            _, gid, tick, h, data = op
            blob = zlib.compress(data, 6)
            con.execute("INSERT OR REPLACE INTO keyframes (game, tick, hash, data) VALUES (?,?,?,?)",
                        (gid, tick, h, blob))
            self.stats.keyframes += 1
            self.stats.keyframe_bytes += len(blob)
        elif kind == "seats":
            con.execute("UPDATE games SET seats=?, updated=? WHERE id=?", (orjson.dumps(op[2]), now, op[1]))
        elif kind == "finish":
            _, gid, status, last_tick, winner, note = op
            # seat tokens are of no use once a game is over: they are not kept
            row = con.execute("SELECT seats FROM games WHERE id=?", (gid,)).fetchone()
            seats = [{"kind": s.get("kind", "open")} for s in orjson.loads(row[0])] if row else []
            con.execute("UPDATE games SET status=?, last_tick=max(last_tick, ?), winner=?, ended=?, updated=?,"
                        " note=coalesce(?, note), seats=? WHERE id=?",
                        (status, last_tick, winner, now, now, note, orjson.dumps(seats), gid))

    def _prune(self, con: sqlite3.Connection, max_age_s: float, max_games: int) -> None:
        now = time.time()
        old = [r[0] for r in con.execute(
            "SELECT id FROM games WHERE status != 'live' AND coalesce(ended, updated) < ?", (now - max_age_s,))]
        extra = [r[0] for r in con.execute(
            "SELECT id FROM games WHERE status != 'live' ORDER BY coalesce(ended, updated) DESC LIMIT -1 OFFSET ?",
            (max(0, max_games),))]
        doomed = sorted(set(old) | set(extra))
        if not doomed:
            return
        con.execute("BEGIN")
        for gid in doomed:
            con.execute("DELETE FROM records WHERE game=?", (gid,))
            con.execute("DELETE FROM keyframes WHERE game=?", (gid,))
            con.execute("DELETE FROM games WHERE id=?", (gid,))
        con.execute("COMMIT")
        log.info("game log: %d old games deleted", len(doomed))

    def _failed(self, message: str) -> None:
        self.stats.errors += 1
        self.stats.last_error = message
        now = time.monotonic()
        if now - self.stats.last_error_at > 60:  # loud once a minute, not once per batch
            log.error(message)
        self.stats.last_error_at = now

    # ------------------------------------------------------------------ reads (any thread)
    def _query(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._read_lock:
            try:
                return self._reader.execute(sql, args).fetchall()
            except sqlite3.ProgrammingError as e:  # closed: the server is stopping
                raise GameLogError(f"the game log is closed ({e})") from None

    def games(self, status: str | None = None, limit: int = 200) -> list[GameSummary]:
        """Newest first."""
        cols = "id, created, updated, status, seed, width, height, difficulty, rules_version, seats, last_tick," \
               " winner, ended, note"
        if status is None:
            rows = self._query(f"SELECT {cols} FROM games ORDER BY created DESC LIMIT ?", (limit,))
        else:
            rows = self._query(f"SELECT {cols} FROM games WHERE status=? ORDER BY created DESC LIMIT ?",
                               (status, limit))
        return [self._summary(r) for r in rows]

    def game(self, game_id: str) -> GameSummary | None:
        rows = self._query("SELECT id, created, updated, status, seed, width, height, difficulty, rules_version,"
                           " seats, last_tick, winner, ended, note FROM games WHERE id=?", (game_id,))
        return self._summary(rows[0]) if rows else None

    @staticmethod
    def _summary(r: tuple) -> GameSummary:
        try:
            seats = orjson.loads(r[9])
        except orjson.JSONDecodeError:
            seats = []
        return GameSummary(id=r[0], created=r[1], updated=r[2], status=r[3], seed=r[4], width=r[5], height=r[6],
                           difficulty=r[7], rules_version=r[8], seats=seats if isinstance(seats, list) else [],
                           last_tick=r[10], winner=r[11], ended=r[12], note=r[13])

    def records(self, game_id: str, kinds: tuple[str, ...] | None = None, from_tick: int = 0,
                to_tick: int | None = None) -> list[LogRecord]:
        """The game's records with ``from_tick <= tick <= to_tick``, in the order they were logged.

        A record whose body is not valid JSON (a corrupt file) raises :class:`GameLogError`."""
        sql = "SELECT tick, kind, player, body FROM records WHERE game=? AND tick>=?"
        args: list[Any] = [game_id, from_tick]
        if to_tick is not None:
            sql += " AND tick<=?"
            args.append(to_tick)
        if kinds:
            sql += f" AND kind IN ({','.join('?' * len(kinds))})"
            args.extend(kinds)
        sql += " ORDER BY rowid"
        try:
            rows = self._query(sql, tuple(args))
            return [LogRecord(t, k, p, orjson.loads(b)) for t, k, p, b in rows]
        except (sqlite3.DatabaseError, orjson.JSONDecodeError) as e:
            raise GameLogError(f"the log of game {game_id} is corrupt ({e})") from None

    def keyframe_at(self, game_id: str, tick: int) -> tuple[int, str, bytes] | None:
        """The latest keyframe at or before ``tick``: (tick, state hash, snapshot bytes)."""
        rows = self._query("SELECT tick, hash, data FROM keyframes WHERE game=? AND tick<=? ORDER BY tick DESC"
                           " LIMIT 1", (game_id, tick))
        if not rows:
            return None
        t, h, blob = rows[0]
        try:
            return t, h, zlib.decompress(blob)
        except zlib.error as e:
            raise GameLogError(f"keyframe {t} of game {game_id} is corrupt ({e})") from None

    def keyframe_ticks(self, game_id: str) -> list[int]:
        return [r[0] for r in self._query("SELECT tick FROM keyframes WHERE game=? ORDER BY tick", (game_id,))]

    def size_bytes(self) -> int:
        """The database on disk, write-ahead log included."""
        total = 0
        for suffix in ("", "-wal", "-shm"):
            try:
                total += os.path.getsize(str(self.path) + suffix)
            except OSError:
                pass
        return total

    def figures(self) -> dict[str, float]:
        """Gauges for /metrics (``rts_gamelog_*``)."""
        s = self.stats
        cs = sorted(s.commit_s)
        return {"bytes": self.size_bytes(), "queued": self.queued, "batches": s.batches, "records": s.records,
                "keyframes": s.keyframes, "keyframe_bytes": s.keyframe_bytes, "record_bytes": s.record_bytes,
                "errors": s.errors, "dropped": s.dropped,
                "commit_p99_s": cs[min(len(cs) - 1, int(0.99 * len(cs)))] if cs else 0.0}
