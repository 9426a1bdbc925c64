"""An agent as the opponent of a person in the browser (WebSocket), and the
computer taking over when the agent goes quiet."""

from __future__ import annotations

import asyncio
from typing import Any

from server import keys

from .conftest import call, call_error, mcp_client


async def test_agent_plays_player_1_against_a_person_and_the_computer_takes_over(
        start_server: Any, aiohttp_client: Any, ws_connect: Any) -> None:
    server = await start_server(agent_grace_s=1.5)
    async with mcp_client(server) as client:
        wrong = await call_error(client, "create_game", {"opponent": "agent", "seat": 0})
        assert wrong["code"] == "invalid_arguments" and "player 1" in wrong["error"]
        seat_info = await call(client, "create_game", {"difficulty": "easy", "opponent": "agent", "seat": 1})
        assert seat_info["player"] == 1 and seat_info["play_url"].startswith(f"/?room={seat_info['room']}")
        seat = {"room": seat_info["room"], "token": seat_info["token"]}
        room = server.app[keys.ROOMS].get(seat_info["room"])

        http = await aiohttp_client(server)
        person = await ws_connect(http, f"?room={seat_info['room']}&as=player")
        welcome = await person.wait_for("welcome")
        assert welcome["player"] == 0
        # A second visitor never gets the agent's seat (nor its token): they watch.
        visitor = await ws_connect(http, f"?room={seat_info['room']}&as=player")
        assert (await visitor.wait_for("welcome"))["player"] is None

        # The agent plays player 1: its orders are player 1's, and the computer no longer plays it.
        answer = await call(client, "act", {**seat, "actions": [
            {"action": "build_building", "building_type": "power_plant"}]})
        assert answer["results"] == [{"ok": True}]
        state = await call(client, "get_state", seat)
        assert state["player"] == 1 and any(b["type"] == "power_plant" for b in state["buildings"])
        assert [p for _, p, _ in room.game.order_log] == [1]
        # A token acts for its own seat only: the person's token reads the person's side.
        assert (await call(client, "get_state", {**seat, "token": welcome["token"]}))["player"] == 0

        # The agent stops calling: after the grace period the computer plays player 1 and says so.
        left = await person.wait_for(lambda m: m.get("kind") == "player_left", timeout=10)
        assert left["player"] == 1
        assert (await call_error(client, "get_state", seat))["code"] == "forbidden"
        orders_before = len(room.game.order_log)
        for _ in range(100):  # the easy computer waits for the agent's power plant, then builds on
            if any(p == 1 for _, p, _ in room.game.order_log[orders_before:]):
                break
            await asyncio.sleep(0.25)
        else:
            raise AssertionError("the computer did not play player 1 after taking over")
        await person.ws.close()
        await visitor.ws.close()


async def test_an_agent_that_keeps_calling_keeps_its_seat(start_server: Any) -> None:
    server = await start_server(agent_grace_s=1.0)
    async with mcp_client(server) as client:
        seat_info = await call(client, "create_game", {"difficulty": "easy", "opponent": "agent"})
        seat = {"room": seat_info["room"], "token": seat_info["token"]}
        for _ in range(3):  # a wait longer than the grace period counts as activity
            await call(client, "wait", {**seat, "ticks": 30, "until_event": False})
        state = await call(client, "get_state", seat)
        assert state["player"] == 1


async def test_seats_are_forgotten_with_their_room(start_server: Any) -> None:
    server = await start_server(room_grace_s=0.5)
    rooms, seats = server.app[keys.ROOMS], server.app[keys.SEATS]
    async with mcp_client(server) as client:
        seat_info = await call(client, "create_game", {"difficulty": "easy"})
        seat = {"room": seat_info["room"], "token": seat_info["token"]}
        # A seat in use keeps its room open though nobody is connected over a WebSocket.
        for _ in range(3):
            await asyncio.sleep(0.3)
            await call(client, "get_state", seat)
            assert await rooms.reap() == 0
        assert (seat_info["room"], 0) in seats.held
        # Unused past the grace period, the room is closed like any empty room, and its seat record goes too.
        await asyncio.sleep(0.8)
        assert await rooms.reap() == 1
        seats.watch_once()
        assert not seats.held
        assert (await call_error(client, "get_state", seat))["code"] == "unknown_room"
