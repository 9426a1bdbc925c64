"""Plans, selections and clarification through the real server: real WebSocket clients and HTTP calls
against the real aiohttp app (model off: the parser reads the words). What a player would notice:
the question and its options, a choice that runs, plan messages, cancel, welcome after a reconnect."""
from __future__ import annotations

from typing import Any

from tests.conftest import eventually

ADMIN = "s3cret-admin"


async def seat(app_client: Any, ws_connect: Any, **settings: Any) -> tuple[Any, Any, dict[str, Any]]:
    client = await app_client(admin_token=ADMIN, **settings)
    probe = await ws_connect(client)
    welcome = await probe.next()
    assert welcome["type"] == "welcome" and welcome["plans"] == []
    return client, probe, welcome


async def seen(probe: Any, pred: Any, timeout: float = 5.0) -> dict[str, Any]:
    """A message already received that matches, else the next one that does."""
    for m in probe.messages:
        if pred(m):
            return m
    return await probe.wait_for(pred, timeout)


def plan_msg(status: str | None = None) -> Any:
    return lambda m: m.get("type") == "plan" and (status is None or m["plan"]["status"] == status)


async def advance(client: Any, room: str, ticks: int) -> int:
    resp = await client.post(f"/api/admin/rooms/{room}/advance", json={"ticks": ticks},
                             headers={"Authorization": f"Bearer {ADMIN}"})
    assert resp.status == 200, await resp.text()
    return int((await resp.json())["tick"])


async def test_a_missing_prerequisite_asks_and_one_click_runs_the_chain(app_client: Any, ws_connect: Any) -> None:
    client, probe, welcome = await seat(app_client, ws_connect)
    await probe.send({"type": "nl", "text": "train 3 infantry and send them north", "ref": "q"})
    asked = await probe.wait_for("nl_result")
    assert asked["actions"] == [] and asked["executed"] is False
    clarify = asked["clarify"]
    assert clarify["id"] and clarify["expires_in_s"] == 60 and clarify["options"][-1]["none"] is True
    first = clarify["options"][0]
    assert first["label"].startswith("power plant → barracks") and "$" in first["label"]
    assert [s["actions"][0].get("building_type") for s in first["plan"]["steps"][:2]] == ["power_plant", "barracks"]

    await probe.send({"type": "choose", "clarify_id": clarify["id"], "option": 0, "ref": "c"})
    ack = await probe.wait_for("nl_ack")
    chosen = await probe.wait_for(lambda m: m.get("type") == "nl_result" and m.get("request_id") == ack["request_id"])
    assert chosen["source"] == "choice" and chosen["executed"] is True and chosen["ref"] == "c"
    plan = chosen["plan"]
    assert plan["status"] == "active" and plan["steps"][0]["status"] == "running"
    pushed = await seen(probe, plan_msg())
    assert pushed["plan"]["id"] == plan["id"]
    # the same question cannot be answered twice
    await probe.send({"type": "choose", "clarify_id": clarify["id"], "option": 0})
    err = await probe.wait_for("error")
    assert err["code"] == "unknown_clarify"
    # fast-forward: power plant, barracks, three infantry out and sent north
    await advance(client, welcome["room"], 20 * 45)
    done = await seen(probe, plan_msg("done"), timeout=10)
    moved = done["plan"]["steps"][-1]["units"]
    assert len(moved) == 3


async def test_none_of_these_runs_nothing_and_a_bad_option_is_an_error(app_client: Any, ws_connect: Any) -> None:
    client, probe, welcome = await seat(app_client, ws_connect)
    await probe.send({"type": "nl", "text": "build a tank"})
    clarify = (await probe.wait_for("nl_result"))["clarify"]
    await probe.send({"type": "choose", "clarify_id": clarify["id"], "option": 7})
    assert (await probe.wait_for("error"))["code"] == "bad_option"
    await probe.send({"type": "choose", "clarify_id": "nope", "option": 0})
    assert (await probe.wait_for("error"))["code"] == "unknown_clarify"
    await probe.send({"type": "choose", "clarify_id": clarify["id"], "option": len(clarify["options"]) - 1})
    res = await probe.wait_for("nl_result")
    assert res["source"] == "choice" and res["actions"] == [] and res["executed"] is False and res["message"]
    await probe.send({"type": "snapshot"})
    state = await probe.wait_for("state")
    assert state["player"]["credits"] == 5000 and len(state["buildings"]) == 1


async def test_a_typed_yes_answers_the_open_question(app_client: Any, ws_connect: Any) -> None:
    client, probe, welcome = await seat(app_client, ws_connect)
    await probe.send({"type": "nl", "text": "oui"})
    nothing = await probe.wait_for("nl_result")
    assert nothing["executed"] is False and nothing["actions"] == [] and nothing["message"]
    await probe.send({"type": "nl", "text": "建造防禦砲塔"})
    asked = await probe.wait_for("nl_result")
    assert "發電廠" in asked["clarify"]["question"]
    await probe.send({"type": "nl", "text": "好"})
    chosen = await probe.wait_for(lambda m: m.get("type") == "nl_result" and m.get("source") == "choice")
    assert chosen["executed"] is True and chosen["plan"]["status"] == "active"


async def test_cancel_plan_and_welcome_after_a_reconnect(app_client: Any, ws_connect: Any) -> None:
    client, probe, welcome = await seat(app_client, ws_connect)
    await probe.send({"type": "nl", "text": "build a power plant then a barracks"})
    plan = (await probe.wait_for("nl_result"))["plan"]
    again = await ws_connect(client, f"?room={welcome['room']}&token={welcome['token']}")
    back = await again.next()
    assert back["player"] == 0 and [p["id"] for p in back["plans"]] == [plan["id"]]
    await again.send({"type": "cancel_plan", "plan_id": 12345, "ref": 1})
    unknown = await again.wait_for("command_result")
    assert unknown["ok"] is False and unknown["code"] == "unknown_plan" and unknown["ref"] == 1
    await again.send({"type": "cancel_plan", "plan_id": plan["id"], "ref": 2})
    ok = await again.wait_for("command_result")
    assert ok["ok"] is True and ok["plan_id"] == plan["id"]
    cancelled = await seen(probe, plan_msg("cancelled"))
    assert cancelled["plan"]["steps"][1]["status"] == "cancelled"
    await advance(client, welcome["room"], 20 * 25)
    await probe.send({"type": "snapshot"})
    state = await probe.wait_for("state")
    assert sorted(b["type"] for b in state["buildings"]) == ["hq", "power_plant"]
    third = await ws_connect(client, f"?room={welcome['room']}&token={welcome['token']}")
    assert (await third.next())["plans"] == []
    # malformed cancel_plan / choose never reach the game
    await third.send({"type": "cancel_plan", "plan_id": "x"})
    assert "plan_id" in (await third.wait_for("error"))["error"]
    await third.send({"type": "choose", "clarify_id": 5, "option": 0})
    assert "clarify_id" in (await third.wait_for("error"))["error"]


async def test_these_units_are_the_ids_the_client_sent(app_client: Any, ws_connect: Any) -> None:
    client, probe, welcome = await seat(app_client, ws_connect)
    await probe.send({"type": "snapshot"})
    state = await probe.wait_for("state")
    infantry = sorted(u["id"] for u in state["units"] if u["type"] == "infantry")
    await probe.send({"type": "nl", "text": "these units go to the center"})
    refused = await probe.wait_for("nl_result")
    assert refused["executed"] is False and "select" in refused["message"].lower()
    await probe.send({"type": "nl", "text": "these units go to the center", "selection": infantry[:1]})
    res = await probe.wait_for("nl_result")
    assert res["executed"] is True and res["actions"][0]["units"] == {"ids": infantry[:1]}
    await probe.send({"type": "nl", "text": "stop", "selection": ["x"]})
    assert "selection" in (await probe.wait_for("error"))["error"]


async def test_http_translate_returns_the_plan_or_the_question_and_choose_runs_it(app_client: Any,
                                                                                 ws_connect: Any) -> None:
    client, probe, welcome = await seat(app_client, ws_connect)
    plain = await (await client.post("/api/nl/translate", json={"text": "build a power plant then a barracks"})).json()
    assert [a["building_type"] for a in plain["actions"]] == ["power_plant", "barracks"]
    assert len(plain["plan"]["steps"]) == 2 and "clarify" not in plain
    room, token = welcome["room"], welcome["token"]
    asked = await (await client.post("/api/nl/translate", json={"text": "construis un char", "room": room,
                                                                  "token": token})).json()
    assert asked["actions"] == [] and asked["clarify"]["options"][0]["plan"]
    url = f"/api/nl/requests/{asked['request_id']}/choose"
    assert (await client.post(url, json={"option": 0, "room": room, "token": "wrong"})).status == 403
    assert (await client.post(url, json={"option": 7, "room": room, "token": token})).status == 400
    assert (await client.post("/api/nl/requests/nope/choose", json={"option": 0})).status == 404
    resp = await client.post(url, json={"option": 0, "room": room, "token": token})
    body = await resp.json()
    assert resp.status == 200 and body["executed"] is True and body["plan"]["status"] == "active"
    polled = await (await client.get(f"/api/nl/requests/{body['request_id']}")).json()
    assert polled["plan"]["id"] == body["plan"]["id"]
    assert (await client.post(url, json={"option": 0, "room": room, "token": token})).status == 404


async def test_the_plan_limit_is_a_setting(app_client: Any, ws_connect: Any) -> None:
    client, probe, welcome = await seat(app_client, ws_connect, max_plans_per_player=2)
    for _ in range(3):
        await probe.send({"type": "nl", "text": "when we have 50 infantry, attack the enemy base"})
    answers = [await probe.wait_for("nl_result") for _ in range(3)]
    assert [a["executed"] for a in answers] == [True, True, False]
    assert answers[2]["results"][0]["code"] == "too_many_plans"


async def test_fast_forward_needs_the_operator_token(app_client: Any, ws_connect: Any) -> None:
    client, probe, welcome = await seat(app_client, ws_connect)
    url = f"/api/admin/rooms/{welcome['room']}/advance"
    assert (await client.post(url, json={"ticks": 10})).status == 401
    assert (await client.post(url, json={"ticks": 0}, headers={"Authorization": f"Bearer {ADMIN}"})).status == 400
    before = await advance(client, welcome["room"], 1)
    after = await advance(client, welcome["room"], 200)
    assert after >= before + 200
    await eventually(lambda: _tick_at_least(probe, after))


async def _tick_at_least(probe: Any, tick: int) -> bool:
    msg = await probe.wait_for(lambda m: m.get("type") in ("state", "delta"))
    return int(msg["tick"]) >= tick


async def test_the_status_endpoint_follows_the_plan(app_client: Any, ws_connect: Any) -> None:
    client, probe, welcome = await seat(app_client, ws_connect)
    resp = await client.post("/api/nl/translate", json={"text": "construis une centrale puis une caserne",
                                                        "room": welcome["room"], "token": welcome["token"]})
    body = await resp.json()
    assert resp.status == 200 and body["plan"]["status"] == "active"
    await advance(client, welcome["room"], 20 * 25)
    polled = await (await client.get(f"/api/nl/requests/{body['request_id']}")).json()
    assert polled["plan"]["id"] == body["plan"]["id"] and polled["plan"]["status"] == "done"
    assert [s["status"] for s in polled["plan"]["steps"]] == ["done", "done"]
