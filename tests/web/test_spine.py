"""The running skeleton, end to end: real app, real WebSocket clients."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from server.protocol import apply_delta
from tests.conftest import eventually

pytestmark = pytest.mark.timeout(60)


def states(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in messages if m.get("type") in ("state", "delta")]


async def collect(probe: Any, seconds: float) -> list[dict[str, Any]]:
    end = time.monotonic() + seconds
    got = []
    while time.monotonic() < end:
        try:
            got.append(await probe.next(timeout=max(0.01, end - time.monotonic())))
        except TimeoutError:
            break
    return got


async def first_state(probe: Any) -> dict[str, Any]:
    return await probe.wait_for("state")


async def test_welcome_then_twenty_states_per_second(app_client: Any, ws_connect: Any) -> None:
    client = await app_client()
    probe = await ws_connect(client)
    welcome = await probe.next()
    assert welcome["type"] == "welcome"
    assert welcome["player"] == 0 and welcome["room"]
    assert welcome["map"]["width"] == 64 and len(welcome["map"]["tiles"]) == 64 * 48
    arrivals = []
    end = time.monotonic() + 3.0
    while time.monotonic() < end:
        msg = await probe.next()
        if msg["type"] in ("state", "delta"):
            arrivals.append((time.monotonic(), msg))
    got = [m for _, m in arrivals]
    rate = (len(arrivals) - 1) / (arrivals[-1][0] - arrivals[0][0])
    assert rate >= 19.0, f"{rate:.1f} states per second"
    ticks = [m["tick"] for m in got]
    assert ticks == list(range(ticks[0], ticks[0] + len(ticks))), "ticks are not consecutive"
    assert got[0]["type"] == "state"  # the first message after welcome is full
    for m in got[1:]:
        if m["type"] == "delta":
            assert m["base"] == m["tick"] - 1


async def test_an_order_changes_the_state(app_client: Any, ws_connect: Any) -> None:
    client = await app_client()
    probe = await ws_connect(client)
    me = (await probe.next())["player"]
    state = await first_state(probe)
    soldier = next(u for u in state["units"] if u["owner"] == me and u["type"] == "infantry")
    target = {"x": soldier["x"] + 4, "y": soldier["y"] + 3}
    await probe.send({"type": "command", "ref": 7,
                      "action": {"action": "move", "units": {"ids": [soldier["id"]]}, "target": target}})
    result = await probe.wait_for("command_result")
    assert result == {"type": "command_result", "ok": True, "ref": 7, "tick": result["tick"]}
    current = dict(state)
    deadline = time.monotonic() + 5
    moved = None
    while time.monotonic() < deadline:
        msg = await probe.wait_for(lambda m: m.get("type") in ("state", "delta"))
        current = apply_delta(current, msg) if msg["type"] == "delta" and msg["base"] == current["tick"] else (
            msg if msg["type"] == "state" else current)
        unit = next((u for u in current["units"] if u["id"] == soldier["id"]), None)
        if unit and (abs(unit["x"] - soldier["x"]) + abs(unit["y"] - soldier["y"])) > 1.0:
            moved = unit
            break
    assert moved is not None, "the soldier never moved"


async def test_an_illegal_order_is_refused_with_a_reason(app_client: Any, ws_connect: Any) -> None:
    client = await app_client()
    probe = await ws_connect(client)
    await probe.next()
    await probe.send({"type": "command", "ref": "w",
                      "action": {"action": "build_building", "building_type": "war_factory"}})
    result = await probe.wait_for("command_result")
    assert result["ok"] is False and result["ref"] == "w"
    assert result["error"]


async def test_two_rooms_are_independent(app_client: Any, ws_connect: Any) -> None:
    client = await app_client()
    a = await ws_connect(client)
    b = await ws_connect(client)
    wa, wb = await a.next(), await b.next()
    assert wa["room"] != wb["room"]
    await first_state(a)
    await first_state(b)
    # Room A starts a power plant: accepted, and A's base shows it.
    await a.send({"type": "command", "action": {"action": "build_building", "building_type": "power_plant"}})
    result = await a.wait_for("command_result")
    assert result["ok"], result
    await a.send({"type": "snapshot"})
    sa = await a.wait_for(lambda m: m.get("type") == "state"
                          and any(x["type"] == "power_plant" for x in m["buildings"]))
    assert any(x["type"] == "power_plant" and x["owner"] == 0 for x in sa["buildings"])
    # Room B is a different game: nothing of A's order shows there, at a tick after A's.
    await b.send({"type": "snapshot"})
    sb = await b.wait_for(lambda m: m.get("type") == "state" and m["tick"] >= result["tick"])
    assert not any(x["type"] == "power_plant" for x in sb["buildings"])
    assert sb["player"]["credits"] == 5000
    assert all(x["type"] == "hq" for x in sb["buildings"] if x["owner"] == 0)


async def test_spectator_sees_both_sides_and_cannot_order(app_client: Any, ws_connect: Any) -> None:
    client = await app_client()
    player = await ws_connect(client)
    room = (await player.next())["room"]
    spectator = await ws_connect(client, f"?room={room}&as=spectator")
    welcome = await spectator.next()
    assert welcome["player"] is None and welcome["role"] == "spectator"
    state = await first_state(spectator)
    assert {u["owner"] for u in state["units"]} == {0, 1}
    assert {b["owner"] for b in state["buildings"]} == {0, 1}
    await spectator.send({"type": "command", "action": {"action": "stop", "units": {"type": "all"}}})
    err = await spectator.wait_for("error")
    assert "spectator" in err["error"]


async def test_player_view_hides_what_fog_covers(app_client: Any, ws_connect: Any) -> None:
    client = await app_client()
    probe = await ws_connect(client)
    await probe.next()
    state = await first_state(probe)
    # The enemy base is in the far corner, out of sight at the start.
    assert all(u["owner"] == 0 for u in state["units"])
    assert all(b["owner"] == 0 or b.get("stale") for b in state["buildings"])


@pytest.mark.parametrize("frame", [
    "not json", "[1,2,3]", '{"no":"type"}', '{"type":"launch_rockets"}', '{"type":"command"}',
    '{"type":"command","action":"move"}', '{"type":"nl","text":""}', '{"type":"set_language","lang":"de"}',
    '{"type":"ping","t":"soon"}', '{"type":"command","action":{"action":"move","units":{"ids":["x"]}}}',
])
async def test_malformed_messages_get_errors_and_the_socket_stays_open(app_client: Any, ws_connect: Any,
                                                                     frame: str) -> None:
    client = await app_client()
    probe = await ws_connect(client)
    await probe.next()
    await probe.ws.send_str(frame)
    reply = await probe.wait_for(lambda m: m.get("type") in ("error", "command_result"))
    if reply["type"] == "command_result":
        assert reply["ok"] is False and reply["error"]
    else:
        assert reply["error"]
    await probe.send({"type": "ping", "t": 123})
    pong = await probe.wait_for("pong")
    assert pong["t"] == 123


async def test_binary_and_oversized_frames(app_client: Any, ws_connect: Any) -> None:
    client = await app_client()
    probe = await ws_connect(client)
    await probe.next()
    await probe.ws.send_bytes(b"\x00\xff\x13")
    assert (await probe.wait_for("error"))["error"]
    await probe.ws.send_str('{"type":"ping","pad":"' + "x" * 70_000 + '"}')
    msg = await probe.ws.receive(timeout=5)
    while msg.type.name == "TEXT":
        msg = await probe.ws.receive(timeout=5)
    assert probe.ws.close_code == 1009


async def test_set_language_and_unknown_room(app_client: Any, ws_connect: Any) -> None:
    client = await app_client()
    probe = await ws_connect(client)
    await probe.next()
    await probe.send({"type": "set_language", "lang": "fr"})
    assert (await probe.wait_for("language"))["lang"] == "fr"
    lost = await ws_connect(client, "?room=nope")
    err = await lost.next()
    assert err["type"] == "error" and err["code"] == "unknown_room"


async def test_reconnect_with_token_gets_the_same_seat(app_client: Any, ws_connect: Any) -> None:
    client = await app_client()
    first = await ws_connect(client)
    welcome = await first.next()
    await first.ws.close()
    again = await ws_connect(client, f"?room={welcome['room']}&token={welcome['token']}")
    back = await again.next()
    assert back["room"] == welcome["room"] and back["player"] == welcome["player"]


async def test_second_player_replaces_the_computer(app_client: Any, ws_connect: Any) -> None:
    client = await app_client()
    host = await ws_connect(client)
    room = (await host.next())["room"]
    friend = await ws_connect(client, f"?room={room}&as=player")
    welcome = await friend.next()
    assert welcome["player"] == 1
    assert [p["kind"] for p in welcome["players"]] == ["human", "human"]
    third = await ws_connect(client, f"?room={room}&as=player")
    assert (await third.next())["player"] is None  # both seats taken: watch instead


async def test_http_routes(app_client: Any) -> None:
    client = await app_client()
    page = await client.get("/")
    assert page.status == 200 and "<canvas" in await page.text()
    script = await client.get("/static/main.js")
    assert script.status == 200 and script.headers["Cache-Control"] == "no-cache"
    health = await (await client.get("/healthz")).json()
    assert health == {"status": "ok", "rooms": 0, "model": {"state": "disabled"}}
    created = await client.post("/api/rooms", json={"difficulty": "hard", "seed": 3})
    assert created.status == 201 and (await created.json())["room"]
    bad = await client.post("/api/rooms", json={"difficulty": "impossible"})
    assert bad.status == 400 and "difficulty" in (await bad.json())["error"]
    bad = await client.post("/api/rooms", data="{oops")
    assert bad.status == 400
    assert (await (await client.get("/healthz")).json())["rooms"] == 1

    async def metrics_after_a_tick() -> str:
        text = await (await client.get("/metrics")).text()
        return text if "rts_tick_duration_seconds_count" in text and "_count 0.0" not in text else ""

    metrics = await eventually(metrics_after_a_tick)
    assert "rts_tick_duration_seconds_bucket" in metrics and "rts_rooms 1.0" in metrics
    assert (await client.get("/api/admin/rooms")).status == 404


async def test_admin_routes_need_the_token(app_client: Any) -> None:
    client = await app_client(admin_token="s3cret")
    assert (await client.get("/api/admin/rooms")).status == 401
    ok = await client.get("/api/admin/rooms", headers={"Authorization": "Bearer s3cret"})
    assert ok.status == 200 and (await ok.json())["rooms"] == []
    created = await (await client.post("/api/rooms", json={})).json()

    async def rooms_after_a_tick() -> list[dict[str, Any]]:
        got = await (await client.get("/api/admin/rooms", headers={"Authorization": "Bearer s3cret"})).json()
        return got["rooms"] if got["rooms"] and got["rooms"][0]["tick"] > 0 else []

    rooms = await eventually(rooms_after_a_tick)
    assert [r["id"] for r in rooms] == [created["room"]] and rooms[0]["tick"] > 0
    assert set(rooms[0]["tick_ms"]) == {"p50", "p99", "max"}
    runtime = await (await client.get("/api/admin/runtime", headers={"Authorization": "Bearer s3cret"})).json()
    assert runtime["rooms"] == 1 and runtime["rss_bytes"] > 0


async def test_foreign_origin_is_refused(app_client: Any, ws_connect: Any) -> None:
    client = await app_client()
    resp = await client.get("/ws", headers={"Origin": "https://evil.example", "Connection": "Upgrade",
                                            "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
                                            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="})
    assert resp.status == 403
    probe = await ws_connect(client, headers={"Origin": "http://localhost:7860"})
    assert (await probe.next())["type"] == "welcome"


async def test_shutdown_closes_clients_with_1001() -> None:
    """A real runner on a real port, cleaned up the way run_app does on SIGTERM."""
    from aiohttp import ClientSession, web

    from server.web.app import create_app
    from tests.conftest import free_port, make_settings

    runner = web.AppRunner(create_app(make_settings()))
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    async with ClientSession() as session:
        ws = await session.ws_connect(f"http://127.0.0.1:{port}/ws")
        await ws.receive(timeout=5)
        cleanup = asyncio.get_running_loop().create_task(runner.cleanup())
        while True:
            msg = await ws.receive(timeout=5)
            if msg.type.name in ("CLOSE", "CLOSED", "CLOSING"):
                break
        assert ws.close_code == 1001
        await asyncio.wait_for(cleanup, 5)


def test_page_language_follows_accept_language() -> None:
    from server.web.i18n import pick_language

    assert pick_language(None, "de-DE,fr-CA;q=0.8,en;q=0.5") == "fr"
    assert pick_language(None, "zh-Hant-TW,zh;q=0.9") == "zh-TW"
    assert pick_language("en", "fr") == "en"
    assert pick_language("xx", None) == "en"
