"""RoomManager: creates, finds, adopts and reclaims the server's rooms (each a `server.rooms.Room`)."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any

from .cluster import new_room_id
from .rooms import Room, RoomFull
from .sim.rules import MAX_PLANS_PER_PLAYER

log = logging.getLogger("room")


class RoomManager:
    """Creates, finds and reclaims rooms. Closing empty rooms after the grace
    period happens in `reap()`, called by the web layer's housekeeping."""

    def __init__(self, *, max_rooms: int = 40, grace_s: float = 60.0, width: int = 64, height: int = 48,
                 max_spectators: int = 250, join_window_s: float = 120.0, control_limit: int = 256,
                 metrics: Any = None, max_plans: int = MAX_PLANS_PER_PLAYER) -> None:
        self.rooms: dict[str, Room] = {}
        self.max_rooms = max_rooms
        self.grace_s = grace_s
        self.width, self.height = width, height
        self.max_spectators = max_spectators
        self.join_window_s = join_window_s
        self.control_limit = control_limit
        self.metrics = metrics
        self.max_plans = max_plans
        self.on_room_created: list[Callable[[Room], None]] = []
        self.on_room_closed: list[Callable[[str], None]] = []
        # Cluster mode: room ids start with this node's id, so any node (or a proxy) knows the owner.
        self.node_id: str | None = None
        self.stopping = False  # close_all() began: rooms close because the process stops, not the games
        # Cluster mode: the URL of the node that runs a room this one does not, for callers
        # that cannot be redirected (MCP tools); set by server/web/cluster.py.
        self.owner_url: Callable[[str], str | None] = lambda room_id: None

    def get(self, room_id: str) -> Room | None:
        return self.rooms.get(room_id)

    async def create(self, difficulty: str = "normal", seed: int | None = None, room_id: str | None = None) -> Room:
        """A new room; `room_id` is given for a room another node placed here (cluster mode)."""
        if room_id is not None and room_id in self.rooms:
            return self.rooms[room_id]
        if len(self.rooms) >= self.max_rooms and not await self._reclaim_one():
            raise RoomFull("the server has no room for another game right now")
        if room_id is not None and room_id in self.rooms:  # started by a concurrent request meanwhile
            return self.rooms[room_id]
        room_id = room_id or new_room_id(self.node_id)
        room = Room(room_id, seed=secrets.randbelow(2**31) if seed is None else seed, difficulty=difficulty,
                    width=self.width, height=self.height, max_spectators=self.max_spectators,
                    join_window_s=self.join_window_s, control_limit=self.control_limit, metrics=self.metrics,
                    max_plans=self.max_plans)
        self.rooms[room_id] = room
        for hook in self.on_room_created:
            hook(room)
        room.start()
        log.info("room %s created (difficulty %s, seed %d)", room_id, difficulty, room.seed)
        return room

    def room_options(self) -> dict[str, Any]:
        """The per-room limits every room of this manager gets (a restored room too)."""
        return {"max_spectators": self.max_spectators, "join_window_s": self.join_window_s,
                "control_limit": self.control_limit, "metrics": self.metrics}

    def adopt(self, room: Room) -> None:
        """Take in a room made elsewhere (rebuilt from its game log: server.storage.restore) and start it."""
        if room.id in self.rooms:
            raise ValueError(f"room {room.id} already exists")
        self.rooms[room.id] = room
        for hook in self.on_room_created:
            hook(room)
        room.start()
        log.info("room %s adopted at tick %d", room.id, room.tick)

    async def _reclaim_one(self) -> bool:
        """Free the room that has been empty the longest, if any."""
        idle = [r for r in self.rooms.values() if r.empty_since is not None]
        if not idle:
            return False
        oldest = min(idle, key=lambda r: r.empty_since or 0.0)
        await self.close(oldest.id, reason="reclaimed")
        return True

    async def reap(self, now: float | None = None) -> int:
        """Close rooms with nobody connected for longer than the grace period."""
        now = time.monotonic() if now is None else now
        expired = [r.id for r in self.rooms.values()
                   if r.empty_since is not None and now - r.empty_since > self.grace_s]
        for rid in expired:
            await self.close(rid, reason="idle")
        return len(expired)

    async def close(self, room_id: str, code: int = 1001, reason: str = "room closed") -> None:
        room = self.rooms.pop(room_id, None)
        if room is not None:
            for hook in self.on_room_closed:
                hook(room_id)
            await room.close(code, reason, shutdown=self.stopping)
            log.info("room %s closed (%s)", room_id, reason)

    async def close_all(self, code: int = 1001, reason: str = "server shutting down") -> None:
        self.stopping = True
        await asyncio.gather(*(self.close(rid, code, reason) for rid in list(self.rooms)))

    def client_count(self) -> int:
        return sum(len(r.clients) for r in self.rooms.values())
