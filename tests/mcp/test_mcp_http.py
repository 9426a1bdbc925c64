"""End to end with the official MCP SDK client over streamable HTTP against
the real server: tools, a game played through them, bad input."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from server.rooms import Room
from tests.conftest import WSProbe

from .conftest import call, call_error, mcp_client

TOOLS = {"create_game", "get_state", "act", "order", "choose", "get_advice", "get_rules", "wait"}


def room_of(server: Any, room_id: str) -> Room:
    from server import keys

    room = server.app[keys.ROOMS].get(room_id)
    assert room is not None
    return room


def player0_orders(room: Room) -> int:
    """Orders the game accepted for player 0 (the computer plays player 1)."""
    return sum(1 for _, player, _ in room.game.order_log if player == 0)


async def wait_event(client: Client, seat: dict[str, Any], kind: str, timeout_ticks: int = 600) -> dict[str, Any]:
    """Wait (through the `wait` tool) until an event of `kind` arrives."""
    deadline = time.monotonic() + timeout_ticks / 20 + 10
    while time.monotonic() < deadline:
        answer = await call(client, "wait", {**seat, "ticks": 100, "until_event": True})
        for ev in answer["events"]:
            if ev["kind"] == kind:
                return ev
    raise TimeoutError(f"no {kind} event")


async def test_tools_are_listed_with_schemas_and_descriptions(start_server: Any) -> None:
    server = await start_server()
    async with mcp_client(server) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert TOOLS <= set(tools)
        for t in tools.values():
            assert t.description and len(t.description) > 120, t.name  # a paragraph written for a model
            assert t.input_schema["type"] == "object"
            assert t.input_schema.get("additionalProperties") is False
        assert {"room", "token"} <= set(tools["act"].input_schema["required"])
        resources = {str(r.uri) for r in (await client.list_resources()).resources}
        assert {"rts://rules", "rts://protocol"} <= resources
        rules = await client.read_resource("rts://rules")
        assert '"war_factory"' in rules.contents[0].text
        protocol = await client.read_resource("rts://protocol")
        assert "build_building" in protocol.contents[0].text


async def test_a_game_through_the_tools(start_server: Any) -> None:
    server = await start_server()
    async with mcp_client(server) as client:
        seat_info = await call(client, "create_game", {"difficulty": "easy"})
        assert seat_info["player"] == 0 and seat_info["opponent"] == "computer"
        seat = {"room": seat_info["room"], "token": seat_info["token"]}
        room = room_of(server, seat_info["room"])

        state = await call(client, "get_state", seat)
        assert state["player"] == 0 and state["credits"] == 5000
        assert state["units"]["infantry"]["count"] == 2 and state["units"]["harvester"]["count"] == 1
        assert [b["type"] for b in state["buildings"]] == ["hq"]
        # Compact: a few hundred bytes at the start, not the full state.
        assert len(str(state)) < 2000
        # The fog: only what player 0's own view holds (the enemy base is far away and hidden).
        fogged = room.view_for(0)
        seen_ids = {u["id"] for u in fogged["units"]} | {b["id"] for b in fogged["buildings"]}
        for group in state["enemy"]["units"].values():
            assert {u["id"] for u in group["units"]} <= seen_ids
        enemy_hq = [b for b in room.view_for(None)["buildings"] if b["owner"] == 1 and b["type"] == "hq"][0]
        assert enemy_hq["id"] not in {b["id"] for b in state["enemy"]["buildings"]}

        rules = await call(client, "get_rules")
        assert rules["buildings"]["power_plant"]["cost"] == 300

        # Build: a power plant, then (when it is done) a barracks; train; attack.
        answer = await call(client, "act", {**seat, "actions": [
            {"action": "build_building", "building_type": "power_plant"}]})
        assert answer["results"] == [{"ok": True}] and answer["tick"] > 0
        done = await wait_event(client, seat, "building_done")
        assert done["building_type"] == "power_plant"
        answer = await call(client, "act", {**seat, "actions": [
            {"action": "build_building", "building_type": "barracks"},
            {"action": "build_building", "building_type": "war_factory"}]})
        assert answer["results"][0] == {"ok": True}
        assert answer["results"][1]["ok"] is False and answer["results"][1]["code"]  # needs barracks and refinery
        await wait_event(client, seat, "building_done")
        answer = await call(client, "act", {**seat, "actions": [
            {"action": "build_unit", "unit_type": "infantry", "count": 2}]})
        assert answer["results"] == [{"ok": True}]
        state = await call(client, "get_state", seat)
        assert [p["item"] for p in state["production"]] == ["infantry", "infantry"]
        ready = await wait_event(client, seat, "unit_ready")
        assert ready["unit_type"] == "infantry"
        answer = await call(client, "act", {**seat, "actions": [
            {"action": "attack", "units": {"type": "infantry"}, "target": {"place": "enemy_base"}}]})
        assert answer["results"] == [{"ok": True}]
        state = await call(client, "get_state", seat)
        assert any(u["order"] == "attack" for u in state["units"]["infantry"]["units"])
        assert any(e["kind"] == "building_done" for e in state["events"])

        advice = await call(client, "get_advice", {**seat, "lang": "fr"})
        assert advice["lang"] == "fr" and len(advice["text"]) > 10

        before = room.tick
        waited = await call(client, "wait", {**seat, "ticks": 10, "until_event": False})
        assert waited["waited"] >= 10 and waited["tick"] >= before + 10


@pytest.mark.parametrize(("lang", "text", "build"), [
    ("en", "train 3 infantry", "build a power plant"),
    ("fr", "entraîne cinq fantassins", "construis une centrale"),
    ("zh-TW", "訓練五個步兵", "建造發電廠"),
])
async def test_orders_in_words_in_each_language(start_server: Any, lang: str, text: str, build: str) -> None:
    server = await start_server()
    async with mcp_client(server) as client:
        seat_info = await call(client, "create_game", {"difficulty": "easy"})
        seat = {"room": seat_info["room"], "token": seat_info["token"]}
        room = room_of(server, seat_info["room"])
        # A building order in words is executed for this seat.
        answer = await call(client, "order", {**seat, "text": build, "lang": lang})
        assert answer["status"] == "completed" and answer["language"] == lang
        assert answer["actions"] == [{"action": "build_building", "building_type": "power_plant"}]
        assert answer["executed"] is True and answer["results"] == [{"ok": True}]
        assert player0_orders(room) == 1
        # Training with no barracks: nothing runs, the answer asks (in the order's language) ...
        answer = await call(client, "order", {**seat, "text": text, "lang": lang})
        assert answer["actions"] == [] and answer["executed"] is False
        question = answer["clarify"]
        assert question["question"] and question["options"][0]["actions"][-1]["unit_type"] == "infantry"
        assert player0_orders(room) == 1
        # ... and choosing the first option runs the plan that builds what is missing.
        chosen = await call(client, "choose", {**seat, "clarify_id": question["id"], "option": 0})
        assert chosen["status"] == "completed" and chosen["results"] and chosen["results"][0]["ok"] is True
        assert player0_orders(room) > 1
        again = await call_error(client, "choose", {**seat, "clarify_id": question["id"], "option": 0})
        assert again["code"] == "unknown_clarify"  # a question is answered once
        state = await call(client, "get_state", seat)
        assert state["credits"] < 5000 and any(b["type"] == "power_plant" for b in state["buildings"])


async def test_bad_input_is_a_clear_error_and_changes_nothing(start_server: Any, ws_connect: Any,
                                                              aiohttp_client: Any) -> None:
    server = await start_server(agent_rate=5.0, agent_burst=10)
    async with mcp_client(server) as client:
        mine = await call(client, "create_game", {"difficulty": "easy"})
        other = await call(client, "create_game", {"difficulty": "easy"})
        seat = {"room": mine["room"], "token": mine["token"]}
        rooms = [room_of(server, mine["room"]), room_of(server, other["room"])]
        logs = [player0_orders(r) for r in rooms]

        # A bystander watching another room over the WebSocket.
        http = await aiohttp_client(server)
        bystander = WSProbe(await http.ws_connect(f"/ws?room={other['room']}&as=spectator"))
        await bystander.wait_for("welcome")

        build = [{"action": "build_building", "building_type": "power_plant"}]
        wrong = await call_error(client, "act", {"room": mine["room"], "token": "x" * 22, "actions": build})
        assert wrong["code"] == "forbidden"
        # Another player's seat: my token in the other room.
        cross = await call_error(client, "act", {"room": other["room"], "token": mine["token"], "actions": build})
        assert cross["code"] == "forbidden"
        assert (await call_error(client, "get_state", {"room": "nope", "token": mine["token"]}))["code"] == "unknown_room"
        malformed = await call_error(client, "act", {**seat, "actions": [{"action": "build_building"}]})
        assert malformed["code"] == "invalid_arguments" and "building_type" in malformed["error"]
        assert (await call_error(client, "act", {**seat, "actions": "all"}))["code"] == "invalid_arguments"
        assert (await call_error(client, "wait", {**seat, "ticks": 10**9}))["code"] == "invalid_arguments"
        assert (await call_error(client, "get_state", {**seat, "extra": 1}))["code"] == "invalid_arguments"
        assert (await call_error(client, "get_state", {"room": mine["room"]}))["code"] == "invalid_arguments"
        huge = await call_error(client, "order", {**seat, "text": "attack " * 3000})
        assert huge["code"] == "too_large"
        long_text = await call_error(client, "order", {**seat, "text": "a" * 501})
        assert long_text["code"] == "invalid_arguments"
        with pytest.raises(MCPError, match="unknown tool"):
            await client.call_tool("give_me_credits", {"amount": 10**6})

        # A flood of calls: the seat's rate limit answers, the server and the bystander go on.
        received: list[float] = []

        async def watch() -> None:
            while True:
                msg = await bystander.next(timeout=10)
                if msg["type"] in ("state", "delta"):
                    received.append(time.monotonic())

        watcher = asyncio.get_running_loop().create_task(watch())
        ticks_before = rooms[1].tick
        started = time.monotonic()
        answers = await asyncio.gather(*(client.call_tool("get_state", seat) for _ in range(60)))
        limited = [a for a in answers if a.is_error]
        assert limited and all(a.structured_content["code"] == "rate_limited" for a in limited)
        assert "retry_after_s" in limited[0].structured_content
        # Wrong-token floods cost nothing either.
        await asyncio.gather(*(client.call_tool("act", {"room": mine["room"], "token": "bad", "actions": build})
                               for _ in range(40)))
        await asyncio.sleep(max(0.0, 3.0 - (time.monotonic() - started)))
        elapsed = time.monotonic() - started
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)
        # The bystander's room kept its 20 Hz and its spectator kept receiving
        # (load on a shared 2-core box allows some slack).
        assert rooms[1].tick - ticks_before >= 0.8 * 20 * elapsed
        assert len([t for t in received if t >= started]) >= 0.7 * 20 * elapsed

        # Nothing reached either game: no order was applied in either room.
        assert [player0_orders(r) for r in rooms] == logs
        await bystander.ws.close()


async def test_raw_garbage_at_the_mcp_endpoint_is_refused_and_the_server_goes_on(start_server: Any) -> None:
    import aiohttp

    server = await start_server()
    url = server.make_url("/mcp")
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    async with aiohttp.ClientSession() as http:
        for body in (b"{not json", b"[]", b'{"jsonrpc":"2.0","id":1,"method":"tools/call"}', b"\xff\xfe"):
            async with http.post(url, data=body, headers=headers) as r:
                assert 400 <= r.status < 500, (body, r.status)
        async with http.post(url, data=b'{"x":"' + b"a" * 100_000 + b'"}', headers=headers) as r:
            assert r.status == 413
            assert b"too large" in await r.read()
        async with http.post(url, data=b"{}", headers={**headers, "Mcp-Session-Id": "no-such-session"}) as r:
            assert r.status == 404
    # The server still serves MCP.
    async with mcp_client(server) as client:
        assert (await call(client, "get_rules"))["tick_rate"] == 20
