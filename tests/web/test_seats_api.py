"""Seats over HTTP: a script takes player 0, reads its state, acts and gives
orders in words without a WebSocket; a wrong token changes nothing."""

from __future__ import annotations

from typing import Any

from server import keys
from server.rooms import Room


def orders_of(room: Room, player: int) -> int:
    return sum(1 for _, p, _ in room.game.order_log if p == player)


async def seated(client: Any) -> tuple[dict[str, Any], Room]:
    r = await client.post("/api/rooms", json={"difficulty": "easy", "seat": True})
    assert r.status == 201
    seat = await r.json()
    room = client.server.app[keys.ROOMS].get(seat["room"])
    return seat, room


async def test_a_script_takes_a_seat_reads_and_acts(app_client: Any, ws_connect: Any) -> None:
    client = await app_client()
    seat, room = await seated(client)
    assert seat["player"] == 0 and len(seat["token"]) >= 16
    r = await client.get(f"/api/rooms/{seat['room']}/state", params={"player": "0", "token": seat["token"]})
    assert r.status == 200
    state = await r.json()
    # The same shape as the WebSocket state of that seat (the token also reconnects it there).
    probe = await ws_connect(client, f"?room={seat['room']}&token={seat['token']}")
    assert (await probe.wait_for("welcome"))["player"] == 0
    ws_state = await probe.wait_for("state")
    assert set(state) == set(ws_state)
    assert state["player"]["credits"] == 5000 and state["player"]["id"] == 0

    tick_before = room.tick
    r = await client.post(f"/api/rooms/{seat['room']}/actions", json={
        "player": 0, "token": seat["token"],
        "actions": [{"action": "build_building", "building_type": "power_plant"},
                    {"action": "build_unit", "unit_type": "infantry"}]})
    assert r.status == 200
    answer = await r.json()
    assert answer["results"][0] == {"ok": True}
    assert answer["results"][1]["ok"] is False and answer["results"][1]["code"]  # no barracks yet
    assert answer["tick"] > tick_before
    r = await client.get(f"/api/rooms/{seat['room']}/state", params={"player": "0", "token": seat["token"]})
    assert (await r.json())["player"]["credits"] <= 5000 - 300 + 100  # paid (minus a little ore income)
    await probe.ws.close()


async def test_orders_in_words_act_for_the_token_seat(app_client: Any) -> None:
    client = await app_client()
    seat, room = await seated(client)
    r = await client.post("/api/nl/translate", json={"text": "construis une centrale", "lang": "fr",
                                                     "room": seat["room"], "player": 0, "token": seat["token"]})
    assert r.status == 200
    answer = await r.json()
    assert answer["executed"] is True and answer["results"] == [{"ok": True}]
    assert orders_of(room, 0) == 1
    r = await client.post("/api/nl/translate", json={"text": "build a barracks", "room": seat["room"],
                                                     "player": 0, "token": "wrong-token"})
    assert r.status == 403
    assert orders_of(room, 0) == 1


async def test_wrong_token_other_seat_and_bad_bodies_change_nothing(app_client: Any) -> None:
    client = await app_client(agent_rate=2.0, agent_burst=4)
    seat, room = await seated(client)
    other, other_room = await seated(client)
    url = f"/api/rooms/{seat['room']}"
    build = [{"action": "build_building", "building_type": "power_plant"}]
    cases = [
        ({"player": 0, "token": "x" * 22, "actions": build}, 403),
        ({"player": 1, "token": seat["token"], "actions": build}, 403),      # the computer's seat
        ({"player": 0, "token": other["token"], "actions": build}, 403),     # another room's seat
        ({"player": 0, "token": seat["token"], "actions": []}, 400),
        ({"player": 0, "token": seat["token"], "actions": build * 21}, 400),
        ({"player": 0, "token": seat["token"], "actions": [{"action": "build_building"}]}, 400),
        ({"player": 0, "token": seat["token"], "actions": build, "credits": 10**6}, 400),
        ({"player": "0", "token": seat["token"], "actions": build}, 400),
    ]
    for body, status in cases:
        r = await client.post(f"{url}/actions", json=body)
        assert r.status == status, (body, await r.text())
        assert "error" in await r.json()
    r = await client.post(f"{url}/actions", data="not json", headers={"Content-Type": "application/json"})
    assert r.status == 400
    r = await client.post(f"{url}/actions", data="x" * 40000, headers={"Content-Type": "application/json"})
    assert r.status == 413
    r = await client.get(f"{url}/state", params={"player": "0", "token": "wrong"})
    assert r.status == 403
    r = await client.get(f"{url}/state", params={"player": "1", "token": seat["token"]})
    assert r.status == 403
    r = await client.get(f"{url}/state", params={"player": "2", "token": seat["token"]})
    assert r.status == 400
    r = await client.get("/api/rooms/nope/state", params={"player": "0", "token": seat["token"]})
    assert r.status == 404
    assert orders_of(room, 0) == 0 and orders_of(other_room, 0) == 0

    # The seat's rate limit: 429 with Retry-After, and still nothing applied.
    statuses = []
    for _ in range(8):
        r = await client.get(f"{url}/state", params={"player": "0", "token": seat["token"]})
        statuses.append(r.status)
        if r.status == 429:
            assert int(r.headers["Retry-After"]) >= 1
            assert (await r.json())["code"] == "rate_limited"
    assert 429 in statuses
    assert orders_of(room, 0) == 0
