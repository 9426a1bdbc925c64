"""The example agent (examples/mcp_agent.py) plays a whole game against the
easy computer through MCP, its orders going through the game's gate.

Fast-forward: the test steps the agent's room itself (`Room.tick_once`, the
same tick the room's 20 Hz loop runs) as fast as the machine allows, yielding
between ticks so the agent's MCP calls are served; everything else is the real
server and the real SDK client. The refused-order count is printed."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

from server import keys

from .conftest import mcp_client

ROOT = Path(__file__).resolve().parents[2]
MAX_TICKS = 48_000  # 40 minutes of game time: the easy computer goes all in at 20


def load_example() -> Any:
    spec = importlib.util.spec_from_file_location("mcp_agent", ROOT / "examples" / "mcp_agent.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["mcp_agent"] = module
    spec.loader.exec_module(module)
    return module


async def fast_forward(server: Any, stop: asyncio.Event) -> None:
    rooms = server.app[keys.ROOMS]
    while not rooms.rooms and not stop.is_set():
        await asyncio.sleep(0.01)
    room = next(iter(rooms.rooms.values()))
    while not stop.is_set() and not room.game_over and room.tick < MAX_TICKS:
        room.tick_once()
        await asyncio.sleep(0)


@pytest.mark.slow
@pytest.mark.timeout(600)
async def test_the_example_agent_plays_a_game_to_the_end(start_server: Any) -> None:
    agent = load_example()
    server = await start_server(agent_rate=1000.0, agent_burst=1000, agent_grace_s=3600.0)
    stop = asyncio.Event()
    stepping = asyncio.get_running_loop().create_task(fast_forward(server, stop))
    lines: list[str] = []
    try:
        async with mcp_client(server) as client:
            summary = await agent.play(client, "easy", max_seconds=500, log=lines.append)
    finally:
        stop.set()
        await stepping
    print(f"\nexample agent: winner {summary['winner']} after {summary['ticks']} ticks, "
          f"{summary['orders']} orders, {summary['refused']} refused {summary['refused_by_code']}, "
          f"{summary['attacks']} attacks")
    assert summary["winner"] is not None, f"no winner after {summary['ticks']} ticks: {summary}"
    assert summary["orders"] > 20 and summary["attacks"] >= 1
    # Refusals are the game's gate speaking (credits spent meanwhile), not malformed orders.
    assert "malformed" not in summary["refused_by_code"]
    assert summary["refused"] <= summary["orders"] // 4
