"""The cluster directory on Redis (`REDIS_URL` set).

Keys (all under a prefix, `rts:` by default):

    node:<id>           hash  id, url, rooms, clients, max_rooms, started; EXPIREs after NODE_TTL_S
                              unless the node's heartbeat refreshes it: a dead node simply vanishes
    nodes               zset  node id -> rooms (its load); members whose node:<id> is gone are dead
    node-rooms:<id>     set   the rooms node <id> runs (to mark them lost when it dies)
    reserved:<id>       zset  rooms placed on node <id> and not started yet -> when the reservation ends
    room:<room id>      hash  node, state (reserved | active | lost), difficulty, seed,
                              seat0/seat1 (kind), token0/token1 (seat tokens of human seats)
    count:<kind>:<id>   hash  client address -> slots of <kind> held on node <id>; expires with the node

Placement, shared counters and the dead-node sweep are Lua scripts, so each is
one atomic step however many nodes call it at once. The scripts touch keys they
compute from the prefix, which standalone Redis (and Sentinel) allow; Redis
Cluster does not, and one small Redis is plenty for this directory.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from .directory import (
    DirectoryUnavailable,
    NodeInfo,
    NodeLoad,
    RoomLoad,
    RoomLocation,
    RoomState,
    SeatRecord,
    new_room_id,
    owner_of,
    valid_node_id,
)

log = logging.getLogger("cluster")

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])

# A room that was reserved on a node but never started is forgotten after this.
RESERVE_TTL_S = 300
# A lost room is remembered this long, so players who come back are told what happened.
LOST_KEEP_S = 3600

# KEYS: none (the script derives them from the prefix). ARGV: prefix, self id.
# The least-loaded live node with room for one more game; ties go to this node.
PLACE_LUA = """
local prefix, me = ARGV[1], ARGV[2]
local ids = redis.call('ZRANGE', prefix .. 'nodes', 0, -1, 'WITHSCORES')
local best, best_score = nil, nil
for i = 1, #ids, 2 do
  local id, score = ids[i], tonumber(ids[i + 1])
  local cap = redis.call('HGET', prefix .. 'node:' .. id, 'max_rooms')
  if cap and (tonumber(cap) == 0 or score < tonumber(cap)) then
    if best == nil or score < best_score or (score == best_score and id == me) then
      best, best_score = id, score
    end
  end
end
if best == nil then return nil end
redis.call('ZINCRBY', prefix .. 'nodes', 1, best)
return best
"""

# ARGV: prefix, kind, self id, address, limit, ttl. Sums the address's slots over
# the live nodes and takes one on this node if the sum is under the limit.
ACQUIRE_LUA = """
local prefix, kind, me, address = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local limit, ttl = tonumber(ARGV[5]), tonumber(ARGV[6])
local ids = redis.call('ZRANGE', prefix .. 'nodes', 0, -1)
local total = 0
local mine = prefix .. 'count:' .. kind .. ':' .. me
local seen_me = false
for _, id in ipairs(ids) do
  if id == me or redis.call('EXISTS', prefix .. 'node:' .. id) == 1 then
    if id == me then seen_me = true end
    total = total + tonumber(redis.call('HGET', prefix .. 'count:' .. kind .. ':' .. id, address) or '0')
  end
end
if not seen_me then
  total = total + tonumber(redis.call('HGET', mine, address) or '0')
end
if total >= limit then return 0 end
redis.call('HINCRBY', mine, address, 1)
redis.call('EXPIRE', mine, ttl)
return 1
"""

HELD_LUA = """
local prefix, kind, address = ARGV[1], ARGV[2], ARGV[3]
local ids = redis.call('ZRANGE', prefix .. 'nodes', 0, -1)
local total = 0
for _, id in ipairs(ids) do
  if redis.call('EXISTS', prefix .. 'node:' .. id) == 1 then
    total = total + tonumber(redis.call('HGET', prefix .. 'count:' .. kind .. ':' .. id, address) or '0')
  end
end
return total
"""

RELEASE_SLOT_LUA = """
local key, address = KEYS[1], ARGV[1]
local left = redis.call('HINCRBY', key, address, -1)
if left <= 0 then redis.call('HDEL', key, address) end
return left
"""

# ARGV: prefix, self id, rooms running, now, then the ids of the rooms running.
# Load = rooms running + reservations not started and not expired.
SET_LOAD_LUA = """
local prefix, me, rooms, now = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local reserved = prefix .. 'reserved:' .. me
redis.call('ZREMRANGEBYSCORE', reserved, '-inf', now)
for i = 5, #ARGV do redis.call('ZREM', reserved, ARGV[i]) end
local pending = redis.call('ZCARD', reserved)
redis.call('ZADD', prefix .. 'nodes', rooms + pending, me)
redis.call('HSET', prefix .. 'node:' .. me, 'reserved', pending)
return pending
"""

# ARGV: prefix, lost keep seconds. Every node whose heartbeat key expired: its
# rooms become lost (kept a while for players who come back), and it leaves the set.
SWEEP_LUA = """
local prefix, keep = ARGV[1], tonumber(ARGV[2])
local dead = {}
for _, id in ipairs(redis.call('ZRANGE', prefix .. 'nodes', 0, -1)) do
  if redis.call('EXISTS', prefix .. 'node:' .. id) == 0 then
    for _, rid in ipairs(redis.call('SMEMBERS', prefix .. 'node-rooms:' .. id)) do
      local key = prefix .. 'room:' .. rid
      if redis.call('HGET', key, 'node') == id then
        redis.call('HSET', key, 'state', 'lost', 'lost_at', ARGV[3])
        redis.call('EXPIRE', key, keep)
      end
    end
    redis.call('DEL', prefix .. 'node-rooms:' .. id)
    redis.call('ZREM', prefix .. 'nodes', id)
    table.insert(dead, id)
  end
end
return dead
"""


def _unavailable_on_error(method: F) -> F:
    """Redis errors leave as DirectoryUnavailable: callers need not know the client library."""

    @functools.wraps(method)
    async def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return await method(*args, **kwargs)
        except (RedisError, OSError) as exc:
            raise DirectoryUnavailable(str(exc)) from exc

    return wrapped  # type: ignore[return-value]


class RedisDirectory:
    """`Directory` on a Redis server shared by every game node."""

    def __init__(self, url: str, *, node_id: str, node_url: str, max_rooms: int, ttl_s: float,
                 prefix: str = "rts:", client: aioredis.Redis | None = None) -> None:
        if not valid_node_id(node_id):
            raise ValueError(f"NODE_ID {node_id!r} must be 1-32 lowercase letters, digits or '-'")
        self.redis: aioredis.Redis = client or aioredis.from_url(
            url, decode_responses=True, socket_timeout=2.0, socket_connect_timeout=2.0)
        self.prefix = prefix
        self.ttl_s = max(1, int(round(ttl_s)))
        self.max_rooms = max_rooms
        self.started = time.time()
        self._node = NodeInfo(id=node_id, url=node_url.rstrip("/"), max_rooms=max_rooms)
        self._written: dict[str, RoomLoad] = {}  # room records as last written, to skip unchanged ones
        self._place = self.redis.register_script(PLACE_LUA)
        self._acquire = self.redis.register_script(ACQUIRE_LUA)
        self._held = self.redis.register_script(HELD_LUA)
        self._release_slot = self.redis.register_script(RELEASE_SLOT_LUA)
        self._sweep = self.redis.register_script(SWEEP_LUA)
        self._set_load = self.redis.register_script(SET_LOAD_LUA)
        # Slots taken while Redis was unreachable are counted here only (fail open
        # per node rather than refuse every player because the directory blinked).
        self._local_slots: dict[tuple[str, str], int] = {}
        self._kinds: set[str] = set()  # counter kinds this node has used (their hashes expire with it)

    # --- keys ----------------------------------------------------------------

    def _k(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    @property
    def node(self) -> NodeInfo:
        return self._node

    @property
    def clustered(self) -> bool:
        return True

    # --- life ----------------------------------------------------------------

    async def start(self) -> None:
        """Wait (a few seconds at most) for Redis, then register this node."""
        deadline = time.monotonic() + 10.0
        while True:
            try:
                await self.redis.ping()
                break
            except (RedisError, OSError) as exc:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"cannot reach Redis for cluster mode: {exc}") from exc
                await asyncio.sleep(0.25)
        await self.heartbeat(NodeLoad())
        log.info("node %s registered at %s (expires %d s after its last heartbeat)",
                 self._node.id, self._node.url, self.ttl_s)

    async def close(self) -> None:
        """Stop speaking for this node. Its entry is left to expire rather than
        deleted: a node that restarts within NODE_TTL_S (a deployment) and brings
        its rooms back from its game log keeps them; one that does not come back
        is declared dead by the others at expiry, and its rooms lost."""
        await self.redis.aclose()

    async def leave(self) -> None:
        """Leave for good at once (scale-down): our rooms are lost now, not at expiry."""
        await self.redis.delete(self._k("node", self._node.id))
        await self._sweep(args=[self.prefix, LOST_KEEP_S, int(time.time())])

    async def heartbeat(self, load: NodeLoad) -> list[str]:
        me = self._node.id
        node_key = self._k("node", me)
        rooms_key = self._k("node-rooms", me)
        local_ids = {r.id for r in load.rooms}
        known = {str(rid) for rid in await self.redis.smembers(rooms_key)}
        registered = await self.redis.exists(node_key)
        if not registered:
            # New, or declared dead meanwhile (a stall longer than the expiry, Redis
            # restarted): our records may be gone or marked lost, so write them all.
            self._written.clear()
        pipe = self.redis.pipeline(transaction=False)
        pipe.hset(node_key, mapping={"id": me, "url": self._node.url, "rooms": load.room_count,
                                     "clients": load.clients, "max_rooms": self.max_rooms,
                                     "started": int(self.started)})
        pipe.expire(node_key, self.ttl_s)
        # Rooms placed here and not started yet count as load, or a node that just took
        # ten reservations would look empty and take ten more; one atomic step, so a
        # placement charged meanwhile is not overwritten.
        await self._queue_set_load(pipe, load.room_count, local_ids)
        for room in load.rooms:
            if self._written.get(room.id) != room:  # only what changed since the last heartbeat
                self._write_room(pipe, room)
        for gone in known - local_ids:
            pipe.srem(rooms_key, gone)
            pipe.delete(self._k("room", gone))
        for kind in self._kinds:
            pipe.expire(self._k("count", kind, me), self.ttl_s)
        await pipe.execute()
        self._written = {room.id: room for room in load.rooms}
        self._node = NodeInfo(id=me, url=self._node.url, rooms=load.room_count, clients=load.clients,
                              max_rooms=self.max_rooms)
        dead = await self._sweep(args=[self.prefix, LOST_KEEP_S, int(time.time())])
        for node_id in dead:
            log.warning("node %s stopped heartbeating: its rooms are marked lost", node_id)
        return [str(node_id) for node_id in dead]

    async def _queue_set_load(self, pipe: Any, rooms: int, local_ids: set[str]) -> None:
        # Queued in the pipeline (the client loads the script there if Redis lacks it).
        await self._set_load(keys=[], args=[self.prefix, self._node.id, rooms, time.time(), *local_ids], client=pipe)

    def _write_room(self, pipe: Any, room: RoomLoad) -> None:
        key = self._k("room", room.id)
        fields: dict[str, Any] = {"node": self._node.id, "state": "active", "difficulty": room.difficulty,
                                  "seed": room.seed, "clients": room.clients}
        for i, seat in enumerate(room.seats):
            fields[f"seat{i}"] = seat.kind
            fields[f"token{i}"] = seat.token or ""
        pipe.hset(key, mapping=fields)
        pipe.persist(key)
        pipe.sadd(self._k("node-rooms", self._node.id), room.id)

    # --- nodes and placement ---------------------------------------------------

    @_unavailable_on_error
    async def nodes(self) -> list[NodeInfo]:
        ids = await self.redis.zrange(self._k("nodes"), 0, -1)
        pipe = self.redis.pipeline(transaction=False)
        for node_id in ids:
            pipe.hgetall(self._k("node", str(node_id)))
        return [_node_from(_text_map(data)) for data in await pipe.execute() if data]

    async def _node_info(self, node_id: str) -> NodeInfo | None:
        data = await self.redis.hgetall(self._k("node", node_id))
        return _node_from(_text_map(data)) if data else None

    @_unavailable_on_error
    async def place(self) -> NodeInfo:
        chosen = await self._place(args=[self.prefix, self._node.id])
        if chosen is None or str(chosen) == self._node.id:
            return self._node
        info = await self._node_info(str(chosen))
        return info or self._node

    @_unavailable_on_error
    async def reserve(self, node: NodeInfo, difficulty: str, seed: int) -> str:
        room_id = new_room_id(node.id)
        key = self._k("room", room_id)
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(key, mapping={"node": node.id, "state": "reserved", "difficulty": difficulty, "seed": seed,
                                "created": int(time.time())})
        pipe.expire(key, RESERVE_TTL_S)
        pipe.zadd(self._k("reserved", node.id), {room_id: time.time() + RESERVE_TTL_S})
        pipe.expire(self._k("reserved", node.id), RESERVE_TTL_S)
        await pipe.execute()
        return room_id

    # --- rooms ------------------------------------------------------------------

    @_unavailable_on_error
    async def claim(self, room: RoomLoad) -> None:
        pipe = self.redis.pipeline(transaction=True)
        self._write_room(pipe, room)
        await pipe.execute()
        self._written[room.id] = room

    @_unavailable_on_error
    async def release(self, room_id: str) -> None:
        key = self._k("room", room_id)
        if await self.redis.hget(key, "node") == self._node.id:
            await self.redis.delete(key)
        await self.redis.srem(self._k("node-rooms", self._node.id), room_id)
        self._written.pop(room_id, None)

    @_unavailable_on_error
    async def locate(self, room_id: str) -> RoomLocation | None:
        record = _text_map(await self.redis.hgetall(self._k("room", room_id)))
        node_id = record.get("node") or owner_of(room_id)
        if node_id is None:
            return None
        info = await self._node_info(node_id)
        if not record:
            # Created a moment ago and not recorded yet, or ended since: the owner knows.
            return RoomLocation(room_id, info, "unrecorded") if info is not None else None
        state: RoomState = record.get("state", "active")  # type: ignore[assignment]
        node = info or NodeInfo(id=node_id, url="", alive=False)
        if not node.alive:
            state = "lost"
        seats = tuple(SeatRecord(record.get(f"seat{i}", "open"), record.get(f"token{i}") or None)
                      for i in range(2) if f"seat{i}" in record)
        seed = record.get("seed")
        return RoomLocation(room_id, node, state, difficulty=record.get("difficulty", "normal"),
                            seed=int(seed) if seed is not None and seed.lstrip("-").isdigit() else None,
                            seats=seats)

    # --- shared counters -----------------------------------------------------------

    async def acquire(self, kind: str, address: str, limit: int) -> bool:
        self._kinds.add(kind)
        try:
            got = await self._acquire(args=[self.prefix, kind, self._node.id, address, limit, self.ttl_s])
            return bool(got)
        except (RedisError, OSError) as exc:
            log.warning("shared limit %s unavailable (%s): counting on this node only", kind, exc)
            key = (kind, address)
            if self._local_slots.get(key, 0) >= limit:
                return False
            self._local_slots[key] = self._local_slots.get(key, 0) + 1
            return True

    async def release_slot(self, kind: str, address: str) -> None:
        key = (kind, address)
        if self._local_slots.get(key):
            self._local_slots[key] -= 1
            if not self._local_slots[key]:
                del self._local_slots[key]
            return
        try:
            await self._release_slot(keys=[self._k("count", kind, self._node.id)], args=[address])
        except (RedisError, OSError) as exc:
            log.warning("could not release a %s slot: %s (it expires with this node's entry)", kind, exc)

    async def held(self, kind: str, address: str) -> int:
        return int(await self._held(args=[self.prefix, kind, address]))


def _text_map(data: Any) -> dict[str, str]:
    """A hash reply as text (the client decodes replies; its stubs say bytes | str)."""
    return {str(k): str(v) for k, v in data.items()}


def _node_from(data: dict[str, str]) -> NodeInfo:
    return NodeInfo(id=data.get("id", ""), url=data.get("url", ""), rooms=int(data.get("rooms", 0)),
                    clients=int(data.get("clients", 0)), max_rooms=int(data.get("max_rooms", 0)))
