"""Durable game logs (SQLite): what a room records, how a restarted server restores it, and replays.

- :mod:`.gamelog`: the database (schema, one writer thread, readers, retention).
- :mod:`.recorder`: the per-room recorder the room calls after each tick.
- :mod:`.replay`: rebuilding a game at any tick from its log, hash checks, replay files.
- :mod:`.restore`: ``restore_room(log, game_id) -> Room`` for a server (re)starting.

Imports flow ``web -> storage -> rooms -> sim``; rooms and sim never import this package.
"""
from .gamelog import GameLog, GameLogError, GameSummary, LogRecord

__all__ = ["GameLog", "GameLogError", "GameSummary", "LogRecord"]
