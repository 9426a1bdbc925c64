"""The directory against a real redis-server: registration and expiry,
placement on the least-loaded node, room records, shared counters; and the
single-process directory that keeps the default unchanged."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from server.cluster import (
    DirectoryUnavailable,
    LocalDirectory,
    NodeLoad,
    RoomLoad,
    SeatRecord,
    new_room_id,
    owner_of,
    valid_node_id,
)
from server.cluster.redis_directory import RedisDirectory
from tests.cluster.conftest import RedisServer

pytestmark = pytest.mark.timeout(60)


def load(*room_ids: str, clients: int = 0) -> NodeLoad:
    return NodeLoad(rooms=tuple(RoomLoad(rid, "normal", 1, (SeatRecord("open"), SeatRecord("ai")))
                                for rid in room_ids), clients=clients)


@pytest.fixture
async def make_node(redis_server: RedisServer, redis_prefix: str) -> AsyncIterator[Callable[..., RedisDirectory]]:
    made: list[RedisDirectory] = []

    def make(node_id: str, *, ttl_s: float = 30, max_rooms: int = 40) -> RedisDirectory:
        d = RedisDirectory(redis_server.url, node_id=node_id, node_url=f"http://{node_id}.test:7860/",
                           max_rooms=max_rooms, ttl_s=ttl_s, prefix=redis_prefix)
        made.append(d)
        return d

    yield make
    for d in made:
        await d.redis.aclose()


def test_room_ids_name_their_node() -> None:
    rid = new_room_id("game-2")
    assert owner_of(rid) == "game-2" and rid.startswith("game-2.")
    assert owner_of(new_room_id(None)) is None  # single-process ids carry no node
    assert owner_of("Abc.def") is None  # not a node id: uppercase
    assert not valid_node_id("") and not valid_node_id("a.b") and not valid_node_id("x" * 33)


async def test_nodes_register_and_list_with_their_url(make_node: Callable[..., RedisDirectory]) -> None:
    a, b = make_node("a"), make_node("b")
    await a.start()
    await b.start()
    await b.heartbeat(load("b.r1", clients=3))
    nodes = {n.id: n for n in await a.nodes()}
    assert set(nodes) == {"a", "b"}
    assert nodes["b"].url == "http://b.test:7860" and nodes["b"].rooms == 1 and nodes["b"].clients == 3


async def test_placement_picks_least_loaded_node_and_charges_it(make_node: Callable[..., RedisDirectory]) -> None:
    a, b, c = make_node("a"), make_node("b"), make_node("c")
    for d in (a, b, c):
        await d.start()
    await a.heartbeat(load("a.1", "a.2", "a.3"))
    await b.heartbeat(load("b.1"))
    await c.heartbeat(load("c.1", "c.2"))
    # b has the fewest rooms and is charged one at once, so concurrent placements spread.
    first = await a.place()
    assert first.id == "b" and first.url == "http://b.test:7860"
    # Now a=3, b=2, c=2: b (first of the tie), then c, then all tie at 3 and the asker wins.
    assert [(await a.place()).id for _ in range(4)] == ["b", "c", "a", "b"]


async def test_placement_spreads_evenly(make_node: Callable[..., RedisDirectory]) -> None:
    a, b, c = make_node("a"), make_node("b"), make_node("c")
    for d in (a, b, c):
        await d.start()
    counts = {"a": 0, "b": 0, "c": 0}
    for _ in range(30):
        counts[(await b.place()).id] += 1
    assert counts == {"a": 10, "b": 10, "c": 10}


async def test_placement_ties_go_to_the_asking_node_and_full_nodes_are_skipped(
        make_node: Callable[..., RedisDirectory]) -> None:
    a, b = make_node("a", max_rooms=2), make_node("b", max_rooms=2)
    await a.start()
    await b.start()
    assert (await b.place()).id == "b"
    assert (await a.place()).id == "a"
    await a.heartbeat(load("a.1", "a.2"))  # a is full
    await b.heartbeat(load("b.1"))
    assert (await a.place()).id == "b"
    await b.heartbeat(load("b.1", "b.2"))
    assert (await a.place()).id == "a"  # nobody has room: stay here, the room manager refuses


async def test_reserved_then_claimed_room_is_located_with_its_seats(make_node: Callable[..., RedisDirectory]) -> None:
    a, b = make_node("a"), make_node("b")
    await a.start()
    await b.start()
    rid = await a.reserve(b.node, "hard", 77)
    assert owner_of(rid) == "b"
    where = await a.locate(rid)
    assert where is not None and where.state == "reserved" and where.node.id == "b"
    assert where.difficulty == "hard" and where.seed == 77 and not where.lost
    await b.claim(RoomLoad(rid, "hard", 77, (SeatRecord("human", "tok-0"), SeatRecord("ai"))))
    where = await a.locate(rid)
    assert where is not None and where.state == "active" and where.node.url == "http://b.test:7860"
    assert where.seats == (SeatRecord("human", "tok-0"), SeatRecord("ai"))
    await b.release(rid)
    assert (await a.redis.exists(a._k("room", rid))) == 0


async def test_reserved_rooms_count_as_load_until_started(make_node: Callable[..., RedisDirectory]) -> None:
    a, b = make_node("a"), make_node("b")
    await a.start()
    await b.start()
    await a.heartbeat(load("a.1", "a.2"))
    first = await a.reserve(await a.place(), "normal", 1)
    second = await a.reserve(await a.place(), "normal", 2)
    assert owner_of(first) == owner_of(second) == "b"
    await b.heartbeat(load())  # b has started neither: still two rooms' worth of load
    assert (await a.place()).id == "a"
    await b.heartbeat(load(first, second))  # started: counted once, as rooms
    nodes = {n.id: n for n in await a.nodes()}
    assert nodes["b"].rooms == 2


async def test_unknown_rooms_are_not_located(make_node: Callable[..., RedisDirectory]) -> None:
    a = make_node("a")
    await a.start()
    assert await a.locate("plainid") is None
    assert await a.locate("ghost.abcdef") is None  # names a node nobody has seen
    # A fresh id of a live node is sent to that node even before its record lands.
    where = await a.locate("a.fresh")
    assert where is not None and where.node.id == "a" and where.state == "unrecorded" and not where.lost


async def test_heartbeat_reconciles_room_records(make_node: Callable[..., RedisDirectory]) -> None:
    a, b = make_node("a"), make_node("b")
    await a.start()
    await b.start()
    await b.heartbeat(load("b.1", "b.2"))
    assert (await a.locate("b.2")).state == "active"  # type: ignore[union-attr]
    await b.heartbeat(load("b.1"))  # b.2 was closed
    assert await a.redis.exists(a._k("room", "b.2")) == 0
    assert await a.redis.smembers(a._k("node-rooms", "b")) == {"b.1"}


async def test_a_node_declared_dead_by_a_stall_writes_its_rooms_back(
        make_node: Callable[..., RedisDirectory]) -> None:
    a, b = make_node("a", ttl_s=30), make_node("b", ttl_s=1)
    await a.start()
    await b.start()
    await b.heartbeat(load("b.1"))
    await asyncio.sleep(1.3)  # b stalls past its expiry; a sweeps: b.1 is lost
    await a.heartbeat(load())
    assert (await a.locate("b.1")).state == "lost"  # type: ignore[union-attr]
    await b.heartbeat(load("b.1"))  # b is back with the room it still runs
    where = await a.locate("b.1")
    assert where is not None and where.state == "active" and where.node.alive
    assert await a.redis.ttl(a._k("room", "b.1")) == -1  # no longer expiring


async def test_a_node_that_stops_heartbeating_expires_and_its_rooms_are_lost(
        make_node: Callable[..., RedisDirectory]) -> None:
    a, b = make_node("a", ttl_s=30), make_node("b", ttl_s=1)
    await a.start()
    await b.start()
    await b.heartbeat(load("b.1", "b.2"))
    await asyncio.sleep(1.3)
    # Lost as soon as the entry expired, even before anyone sweeps.
    where = await a.locate("b.1")
    assert where is not None and where.lost and not where.node.alive
    assert await a.heartbeat(load()) == ["b"]
    assert [n.id for n in await a.nodes()] == ["a"]
    where = await a.locate("b.2")
    assert where is not None and where.state == "lost"
    assert 0 < await a.redis.ttl(a._k("room", "b.2")) <= 3600
    assert (await a.place()).id == "a"  # never placed on a dead node
    assert await a.heartbeat(load()) == []  # swept once


async def test_leaving_for_good_loses_the_rooms_at_once(make_node: Callable[..., RedisDirectory]) -> None:
    a, b = make_node("a"), make_node("b")
    await a.start()
    await b.start()
    await b.heartbeat(load("b.1"))
    await b.leave()
    assert [n.id for n in await a.nodes()] == ["a"]
    assert (await a.locate("b.1")).state == "lost"  # type: ignore[union-attr]


async def test_shared_counter_holds_across_nodes(make_node: Callable[..., RedisDirectory]) -> None:
    a, b, c = make_node("a"), make_node("b", ttl_s=1), make_node("c")
    for d in (a, b, c):
        await d.start()
    assert await a.acquire("ws", "10.0.0.1", 3)
    assert await b.acquire("ws", "10.0.0.1", 3)
    assert await c.acquire("ws", "10.0.0.1", 3)
    assert not await a.acquire("ws", "10.0.0.1", 3)  # three over three nodes: the limit
    assert not await c.acquire("ws", "10.0.0.1", 3)
    assert await a.acquire("ws", "10.0.0.2", 3)  # another address has its own
    assert await a.acquire("nl", "10.0.0.1", 3)  # another kind too
    assert await a.held("ws", "10.0.0.1") == 3
    await c.release_slot("ws", "10.0.0.1")
    assert await a.held("ws", "10.0.0.1") == 2
    assert await a.acquire("ws", "10.0.0.1", 3)
    # b dies: its slots go with it.
    await asyncio.sleep(1.3)
    assert await a.held("ws", "10.0.0.1") == 2
    assert await c.acquire("ws", "10.0.0.1", 3)


async def test_concurrent_acquires_never_exceed_the_limit(make_node: Callable[..., RedisDirectory]) -> None:
    nodes = [make_node(f"n{i}") for i in range(3)]
    for d in nodes:
        await d.start()
    got = await asyncio.gather(*(nodes[i % 3].acquire("ws", "1.2.3.4", 5) for i in range(30)))
    assert sum(got) == 5


async def test_without_redis_lookups_fail_clearly_and_limits_count_per_node(redis_prefix: str) -> None:
    from tests.conftest import free_port

    d = RedisDirectory(f"redis://127.0.0.1:{free_port()}/0", node_id="a", node_url="http://a", max_rooms=4,
                       ttl_s=10, prefix=redis_prefix)
    try:
        with pytest.raises(DirectoryUnavailable):
            await d.locate("b.room")
        with pytest.raises(DirectoryUnavailable):
            await d.place()
        # Connection caps fail open per node rather than refuse every player.
        assert await d.acquire("ws", "1.2.3.4", 2) and await d.acquire("ws", "1.2.3.4", 2)
        assert not await d.acquire("ws", "1.2.3.4", 2)
        await d.release_slot("ws", "1.2.3.4")
        assert await d.acquire("ws", "1.2.3.4", 2)
    finally:
        await d.redis.aclose()


async def test_local_directory_is_one_node_with_local_counters() -> None:
    d = LocalDirectory()
    assert not d.clustered
    assert await d.place() == d.node
    assert await d.locate("anything") is None
    assert owner_of(await d.reserve(d.node, "normal", 1)) is None
    assert await d.acquire("ws", "a", 2) and await d.acquire("ws", "a", 2)
    assert not await d.acquire("ws", "a", 2)
    await d.release_slot("ws", "a")
    assert await d.held("ws", "a") == 1
    assert await d.acquire("ws", "a", 2)
    assert await d.heartbeat(load("x")) == [] and d.node.rooms == 1
