"""Room behaviour that is hard to provoke through a real socket: a client that
never reads, a tick that raises, drift over many ticks. The room is real; only
the transports are stand-ins (a socket whose reader never reads cannot be
made deterministic over loopback)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import orjson
import pytest

from server.room_manager import RoomManager
from server.rooms import Room
from server.sim.combat import damage

pytestmark = pytest.mark.timeout(60)


class Recorder:
    def __init__(self) -> None:
        self.got: list[dict[str, Any]] = []
        self.closed: tuple[int, str] | None = None
        self.arrived = asyncio.Event()

    async def send(self, data: bytes) -> None:
        self.got.append(orjson.loads(data))
        self.arrived.set()

    async def wait_for(self, pred: Callable[[dict[str, Any]], bool], timeout: float = 5.0) -> dict[str, Any]:
        """The first message (already received or to come) that matches."""
        async with asyncio.timeout(timeout):
            seen = 0
            while True:
                for m in self.got[seen:]:
                    if pred(m):
                        return m
                seen = len(self.got)
                self.arrived.clear()
                await self.arrived.wait()

    async def close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)


class NeverReads(Recorder):
    """A peer whose socket buffer is full: every send blocks forever."""

    async def send(self, data: bytes) -> None:
        await asyncio.Event().wait()


def state_ticks(rec: Recorder) -> list[int]:
    return [m["tick"] for m in rec.got if m["type"] in ("state", "delta")]


async def test_a_client_that_never_reads_does_not_slow_the_room_or_others() -> None:
    room = Room("r1", seed=1)
    good, stuck = Recorder(), NeverReads()
    room.join(good)
    stuck_client, _ = room.join(stuck, "spectator")
    room.start()
    try:
        await asyncio.sleep(2.0)
    finally:
        await room.close()
    ticks = state_ticks(good)
    assert len(ticks) >= 36
    assert ticks == list(range(ticks[0], ticks[0] + len(ticks)))
    assert stuck_client.skipped_states >= 30  # it was skipped forward, not buffered
    assert sorted(room.tick_lateness)[int(0.99 * len(room.tick_lateness))] < 0.05


async def test_a_failing_tick_is_logged_and_the_room_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    room = Room("r2", seed=2)
    rec = Recorder()
    room.join(rec)
    original = room.game.step
    calls = {"n": 0}

    def flaky_step() -> None:
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("boom")
        original()

    room.game.step = flaky_step  # type: ignore[method-assign]
    room.start()
    await asyncio.sleep(0.6)
    await room.close()
    assert room.errors == 1
    assert "tick" in caplog.text and "boom" in caplog.text
    assert len(state_ticks(rec)) >= 8


async def test_fixed_rate_does_not_drift() -> None:
    room = Room("r3", seed=3)
    loop = asyncio.get_running_loop()
    started = loop.time()
    room.start()
    await asyncio.sleep(3.0)
    elapsed = loop.time() - started
    ticks = room.game.tick
    await room.close()
    # 20 ticks per second, within one tick, however long each tick took.
    assert abs(ticks - elapsed * 20) <= 2, (ticks, elapsed)


async def test_orders_are_applied_at_the_tick_with_results() -> None:
    room = Room("r4", seed=4)
    room.start()
    results = await room.submit_many(0, [
        {"action": "build_building", "building_type": "power_plant"},
        {"action": "build_building", "building_type": "war_factory"},
        {"action": "fly_to_the_moon"},
    ])
    await room.close()
    assert [r.ok for r in results] == [True, False, False]
    assert all(r.error for r in results[1:])


async def test_manager_reaps_idle_rooms_and_reclaims_when_full() -> None:
    manager = RoomManager(max_rooms=2, grace_s=0.1)
    a = await manager.create()
    b = await manager.create()
    a.join(Recorder())
    c = await manager.create()  # b was empty the longest: reclaimed
    assert set(manager.rooms) == {a.id, c.id} and b.closed
    assert await manager.reap() == 0  # c is still within its grace
    assert await manager.reap(now=time.monotonic() + 0.2) == 1  # c is empty past its grace, a has a client
    assert set(manager.rooms) == {a.id}
    await manager.close_all()
    assert a.closed


async def test_game_over_reaches_clients_with_whole_game_tallies() -> None:
    """The game-over screen must not depend on what one tab happened to see."""
    room = Room("r5", seed=5)
    rec = Recorder()
    room.join(rec)
    room.start()
    await rec.wait_for(lambda m: m["type"] == "state")
    for b in [b for b in room.game.buildings.values() if b.owner == 1]:
        damage(room.game.world, b, 100_000, None, 0)  # the computer's base falls
    over = (await rec.wait_for(lambda m: bool(m.get("game_over")), timeout=3))["game_over"]
    await room.close()
    assert over["winner"] == 0
    assert over["stats"][1]["buildings_lost"] >= 1 and over["stats"][0]["buildings_lost"] == 0
    assert any(m["type"] == "event" and m["kind"] == "game_over" for m in rec.got)
