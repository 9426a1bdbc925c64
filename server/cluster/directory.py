"""The directory: which game nodes are alive, which node owns which room, and
counters shared by every node.

One interface (`Directory`), two implementations: `LocalDirectory` for the
single process (the default: one node, counters in memory, nothing else) and
`RedisDirectory` (cluster mode, `REDIS_URL` set). The web layer talks to the
interface only, so the single-process server runs no cluster code path that
could change its behaviour.

Room ids carry their owner: in cluster mode a room id is `<node id>.<random>`,
so a reverse proxy can route a request by its room without asking Redis, and
a node can tell the owner of a room even before the owner's record is written.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Literal, Protocol

from ..limits import AddressLimits

NODE_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
ROOM_SEPARATOR = "."

# What a node knows about a room it does not hold in memory.
RoomState = Literal["reserved", "active", "lost", "unrecorded"]


class DirectoryUnavailable(Exception):
    """The shared directory cannot be reached (Redis down or unreachable)."""


def valid_node_id(node_id: str) -> bool:
    """Lowercase letters, digits and '-', 1-32 characters: safe in a room id,
    a Redis key, a host name and an nginx map."""
    return bool(NODE_ID_RE.match(node_id))


def new_room_id(node_id: str | None) -> str:
    """A fresh room id; prefixed with its node in cluster mode."""
    token = secrets.token_urlsafe(12)
    return f"{node_id}{ROOM_SEPARATOR}{token}" if node_id else token


def owner_of(room_id: str) -> str | None:
    """The node id a cluster room id names, or None (a single-process id)."""
    node, sep, rest = room_id.partition(ROOM_SEPARATOR)
    return node if sep and rest and valid_node_id(node) else None


@dataclass(frozen=True)
class NodeInfo:
    """One game node as the directory sees it."""

    id: str
    url: str  # where clients reach this node (NODE_URL); "" for the single process
    rooms: int = 0
    clients: int = 0
    max_rooms: int = 0
    alive: bool = True


@dataclass(frozen=True)
class SeatRecord:
    kind: str  # "human" | "ai" | "open"
    token: str | None = None  # the seat token of a human seat


@dataclass(frozen=True)
class RoomLoad:
    """What a node reports about one of its rooms at each heartbeat."""

    id: str
    difficulty: str
    seed: int
    seats: tuple[SeatRecord, ...] = ()
    clients: int = 0


@dataclass(frozen=True)
class NodeLoad:
    """A node's heartbeat: its rooms and how busy it is."""

    rooms: tuple[RoomLoad, ...] = ()
    clients: int = 0

    @property
    def room_count(self) -> int:
        return len(self.rooms)


@dataclass(frozen=True)
class RoomLocation:
    """The answer to "where is this room?" for a room this node does not run.

    state: "reserved" (placed on `node`, not started yet: the owner starts it
    on its first request), "active" (running on `node`), "lost" (its node
    stopped answering; the game cannot be reached any more), "unrecorded"
    (no record, but the id names a live node: created a moment ago, or ended
    since; only that node can say which, and it keeps the game's replay).
    """

    room_id: str
    node: NodeInfo
    state: RoomState
    difficulty: str = "normal"
    seed: int | None = None
    seats: tuple[SeatRecord, ...] = field(default=())

    @property
    def lost(self) -> bool:
        return self.state == "lost" or not self.node.alive


class Directory(Protocol):
    """What the web layer needs from the cluster (see module docstring)."""

    @property
    def node(self) -> NodeInfo:
        """This node."""
        ...

    @property
    def clustered(self) -> bool:
        """False for the single process: every room is local, nothing to look up."""
        ...

    async def start(self) -> None: ...

    async def close(self) -> None:
        """Stop heartbeats and leave the cluster (this node's rooms become lost)."""
        ...

    async def heartbeat(self, load: NodeLoad) -> list[str]:
        """Register or refresh this node with its load; reconcile its room
        records; mark the rooms of nodes that stopped heartbeating as lost.
        Returns the ids of nodes found dead by this call."""
        ...

    async def nodes(self) -> list[NodeInfo]:
        """The live nodes."""
        ...

    async def place(self) -> NodeInfo:
        """The least-loaded live node with room for one more game (ties go to
        this node); it is charged one room at once so concurrent placements spread."""
        ...

    async def reserve(self, node: NodeInfo, difficulty: str, seed: int) -> str:
        """A new room id on `node`, recorded as reserved until `node` starts it."""
        ...

    async def claim(self, room: RoomLoad) -> None:
        """Record that this node runs `room` now."""
        ...

    async def release(self, room_id: str) -> None:
        """This node closed the room: forget it."""
        ...

    async def locate(self, room_id: str) -> RoomLocation | None:
        """Where a room is, or None if nobody knows it. Raises DirectoryUnavailable
        (as do `nodes`, `place` and `reserve`)."""
        ...

    async def acquire(self, kind: str, address: str, limit: int) -> bool:
        """Take one of `limit` slots of `kind` for a client address, counted
        over every node; False when the address holds them all."""
        ...

    async def release_slot(self, kind: str, address: str) -> None: ...

    async def held(self, kind: str, address: str) -> int:
        """Slots of `kind` the address holds over every live node."""
        ...


class LocalDirectory:
    """The single process: one node, every room local, counters in memory."""

    def __init__(self, node_id: str = "local", url: str = "") -> None:
        self._node = NodeInfo(id=node_id, url=url)
        self._limits: dict[str, AddressLimits] = {}

    @property
    def node(self) -> NodeInfo:
        return self._node

    @property
    def clustered(self) -> bool:
        return False

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def heartbeat(self, load: NodeLoad) -> list[str]:
        self._node = NodeInfo(id=self._node.id, url=self._node.url, rooms=load.room_count, clients=load.clients)
        return []

    async def nodes(self) -> list[NodeInfo]:
        return [self._node]

    async def place(self) -> NodeInfo:
        return self._node

    async def reserve(self, node: NodeInfo, difficulty: str, seed: int) -> str:
        return new_room_id(None)

    async def claim(self, room: RoomLoad) -> None:
        return None

    async def release(self, room_id: str) -> None:
        return None

    async def locate(self, room_id: str) -> RoomLocation | None:
        return None  # every room of the single process is in its RoomManager

    async def acquire(self, kind: str, address: str, limit: int) -> bool:
        limits = self._limits.setdefault(kind, AddressLimits(limit))
        limits.limit = limit
        return limits.acquire(address)

    async def release_slot(self, kind: str, address: str) -> None:
        if kind in self._limits:
            self._limits[kind].release(address)

    async def held(self, kind: str, address: str) -> int:
        return self._limits[kind].open[address] if kind in self._limits else 0
