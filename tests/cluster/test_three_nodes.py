"""Three game nodes (`python app.py` processes) and one redis-server on
loopback, as an operator would run them: rooms spread over the nodes, a
player joins through a node that does not own the room and plays, an invite
link opened on a third node seats the friend, a connection cap holds across
nodes, and a node killed with SIGKILL is noticed within its expiry and its
players are told their game is lost."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp import ClientSession, WSMsgType, WSServerHandshakeError
from mcp import Client

from server.cluster import owner_of
from tests.cluster.conftest import RedisServer
from tests.cluster.harness import HEARTBEAT_S, TTL_S, Node, start_nodes
from tests.conftest import WSProbe, free_port

pytestmark = pytest.mark.timeout(300)

CONN_CAP = 6
NL_CAP = 2


@pytest.fixture(scope="module")
def silent_model() -> Iterator[str]:
    """A model server that holds every request: language requests stay pending."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("silent_model.py")), str(port)])
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while True:
        try:
            urllib.request.urlopen(url + "/v1/models", timeout=0.5).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "silent model server did not start"
            time.sleep(0.05)
    yield url
    proc.kill()
    proc.wait()


@pytest.fixture(scope="module")
def nodes(redis_server: RedisServer, silent_model: str,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Node]]:
    started = start_nodes(3, redis_server.url, "three:", tmp_path_factory.mktemp("nodes"),
                          MAX_CONN_PER_IP=str(CONN_CAP), NL_MAX_PER_CLIENT=str(NL_CAP),
                          LLM_BACKEND="remote", LLM_REMOTE_URL=silent_model, NL_FAST_PATH="0",
                          NL_TIMEOUT_S="60")
    yield started
    for n in started:
        n.stop()
    for n in started:
        assert "Traceback" not in n.log(), n.log()


@pytest.fixture
async def http() -> AsyncIterator[ClientSession]:
    async with ClientSession() as session:
        yield session


def by_id(nodes: list[Node]) -> dict[str, Node]:
    return {n.id: n for n in nodes}


async def create_room(http: ClientSession, node: Node, **body: Any) -> str:
    async with http.post(node.url + "/api/rooms", json=body) as resp:
        assert resp.status == 201, await resp.text()
        return str((await resp.json())["room"])


async def join(http: ClientSession, node: Node, room: str | None = None,
               **query: str) -> tuple[WSProbe, dict[str, Any]]:
    """A real WebSocket client asking `node` for `room` (it follows a redirect
    to the owner); without a room the node starts one. Returns the first message."""
    params = "&".join(f"{k}={v}" for k, v in {**({"room": room} if room else {}), **query}.items())
    ws = await http.ws_connect(f"{node.url}/ws?{params}")
    probe = WSProbe(ws)
    return probe, await probe.next()


async def test_thirty_rooms_spread_over_three_nodes_and_start_on_their_owner(
        nodes: list[Node], http: ClientSession) -> None:
    entry = nodes[0]
    rooms = [await create_room(http, entry) for _ in range(30)]
    owners = Counter(owner_of(r) for r in rooms)
    assert owners == {"node1": 10, "node2": 10, "node3": 10}
    # Every room is reachable through the entry node and starts on its owner.
    for rid in rooms:
        probe, welcome = await join(http, entry, rid, **{"as": "spectator"})
        assert welcome["type"] == "welcome" and welcome["room"] == rid
        await probe.ws.close()
    for n in nodes:
        assert n.get_json("/healthz")["rooms"] >= 10
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        listed = {x["id"]: x for x in entry.get_json("/api/cluster/nodes")["nodes"]}
        if all(listed[n.id]["rooms"] >= 10 for n in nodes):
            break
        await asyncio.sleep(0.2)
    assert set(listed) == {"node1", "node2", "node3"}
    assert all(listed[n.id]["rooms"] >= 10 for n in nodes), listed
    assert {x["url"] for x in listed.values()} == {n.url for n in nodes}


async def test_a_player_joining_through_another_node_plays_normally(nodes: list[Node], http: ClientSession) -> None:
    room = await create_room(http, nodes[0])
    owner = by_id(nodes)[owner_of(room) or ""]
    via = next(n for n in nodes if n is not owner)
    # The page asked of the wrong node sends the browser to the owner.
    async with http.get(f"{via.url}/?room={room}", allow_redirects=False) as resp:
        assert resp.status == 307
        assert resp.headers["Location"] == f"{owner.url}/?room={room}"
    probe, welcome = await join(http, via, room)
    assert welcome["player"] == 0 and welcome["token"] and welcome["room"] == room
    await probe.send({"type": "command", "ref": 7,
                      "action": {"action": "build_building", "building_type": "power_plant"}})
    result = await probe.wait_for("command_result", timeout=5)
    assert result["ok"] is True and result["ref"] == 7
    # The game goes on and shows the new building under construction.
    seen: dict[int, dict[str, Any]] = {}

    def building_seen(m: dict[str, Any]) -> bool:
        if m.get("type") == "state":
            seen.clear()
            seen.update({b["id"]: b for b in m["buildings"]})
        elif m.get("type") == "delta":
            for b in m.get("buildings", {}).get("set", []):
                seen[b["id"]] = b
        return any(b["type"] == "power_plant" and b["owner"] == 0 for b in seen.values())

    await probe.wait_for(building_seen, timeout=5)
    await probe.send({"type": "ping", "t": 1})
    assert (await probe.wait_for("pong"))["t"] == 1
    # The HTTP seats API for that room answers through the wrong node too (307 to the owner).
    async with http.get(f"{via.url}/api/rooms/{room}/state?player=0&token={welcome['token']}") as resp:
        if resp.status != 404:  # the seats API exists: it must answer for the owner's room
            assert resp.status == 200, await resp.text()
            assert str(resp.url).startswith(owner.url)
    # An MCP client on the wrong node is told where the room runs; there, the tools act for the seat.
    async with Client(f"{via.url}/mcp") as agent:
        told = await agent.call_tool("get_state", {"room": room, "token": welcome["token"]})
        assert told.is_error and f"{owner.url}/mcp" in told.content[0].text
    async with Client(f"{owner.url}/mcp") as agent:
        state = await agent.call_tool("get_state", {"room": room, "token": welcome["token"]})
        assert not state.is_error and state.structured_content is not None
    await probe.ws.close()


async def test_invite_link_opened_on_a_third_node_seats_the_friend(nodes: list[Node], http: ClientSession) -> None:
    room = await create_room(http, nodes[1])
    owner = by_id(nodes)[owner_of(room) or ""]
    others = [n for n in nodes if n is not owner]
    host_probe, host = await join(http, others[0], room)
    assert host["player"] == 0
    # The friend opens the invite link on the third node: the page comes from the owner...
    async with http.get(f"{others[1].url}/?room={room}") as resp:
        assert resp.status == 200 and "text/html" in resp.headers["Content-Type"]
        assert str(resp.url) == f"{owner.url}/?room={room}"
    # ...and the friend's WebSocket, asked of the third node, seats them in place of the computer.
    friend_probe, friend = await join(http, others[1], room)
    assert friend["player"] == 1 and friend["token"] and friend["token"] != host["token"]
    assert [p["kind"] for p in friend["players"]] == ["human", "human"]
    joined = await host_probe.wait_for(lambda m: m.get("type") == "event" and m.get("kind") == "player_joined")
    assert joined["player"] == 1
    await host_probe.ws.close()
    await friend_probe.ws.close()


async def test_connection_cap_holds_across_nodes(nodes: list[Node], http: ClientSession) -> None:
    await asyncio.sleep(0.5)  # the sockets of earlier tests are released
    held = []
    for i in range(CONN_CAP):  # two per node: each node alone is under the cap
        probe, welcome = await join(http, nodes[i % 3])
        assert welcome["type"] == "welcome"
        held.append(probe)
    for n in nodes:
        with pytest.raises(WSServerHandshakeError) as refused:
            await http.ws_connect(f"{n.url}/ws")
        assert refused.value.status == 429
    await held.pop(0).ws.close()  # one of node1's
    deadline = time.monotonic() + 5
    while True:  # the slot comes back once node1 has seen the close
        try:
            probe, welcome = await join(http, nodes[2])
            break
        except WSServerHandshakeError:
            assert time.monotonic() < deadline, "the released slot never came back"
            await asyncio.sleep(0.1)
    assert welcome["type"] == "welcome"
    for p in [*held, probe]:
        await p.ws.close()


async def test_pending_language_requests_per_address_are_capped_across_nodes(
        nodes: list[Node], http: ClientSession) -> None:
    """The model never answers here, so each request stays pending and holds its slot."""
    async def translate(node: Node) -> tuple[int, dict[str, Any]]:
        async with http.post(node.url + "/api/nl/translate", json={"text": "scout around a bit", "wait": 0}) as r:
            return r.status, await r.json()

    first = await translate(nodes[0])
    second = await translate(nodes[1])
    assert first[0] == 202 and second[0] == 202
    # One node alone is under the cap, yet the address holds both slots over the cluster.
    status, body = await translate(nodes[2])
    assert status == 429 and "waiting for the model" in body["error"]
    # Ending one of them (its answer: cancelled) gives its slot back, for any node.
    async with http.delete(f"{nodes[0].url}/api/nl/requests/{first[1]['request_id']}") as r:
        assert r.status == 200 and (await r.json())["cancelled"] is True
    deadline = time.monotonic() + 5
    while (status := (await translate(nodes[2]))[0]) == 429:
        assert time.monotonic() < deadline, "the cancelled request's slot never came back"
        await asyncio.sleep(0.1)
    assert status == 202


async def test_killed_node_is_noticed_within_its_expiry_and_its_players_are_told(
        nodes: list[Node], http: ClientSession) -> None:
    victim = nodes[2]
    # A game on the victim (placement spreads them: a few tries find one) with a seated player.
    room = await create_room(http, nodes[0])
    while owner_of(room) != victim.id:
        room = await create_room(http, nodes[0])
    probe, welcome = await join(http, victim, room)
    token = welcome["token"]
    killed_at = time.monotonic()
    victim.kill()
    # The player's connection drops with the process (after the states already on their way)...
    msg = await probe.ws.receive(timeout=5)
    while msg.type == WSMsgType.TEXT:
        msg = await probe.ws.receive(timeout=5)
    assert msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING, WSMsgType.ERROR)
    # ...the others notice the death within the expiry...
    survivor = nodes[0]
    while victim.id in {x["id"] for x in survivor.get_json("/api/cluster/nodes")["nodes"]}:
        assert time.monotonic() - killed_at < TTL_S + 2 * HEARTBEAT_S + 1.0, "death not noticed in time"
        await asyncio.sleep(0.1)
    noticed = time.monotonic() - killed_at
    assert noticed <= TTL_S + 2 * HEARTBEAT_S + 1.0
    # ...and the player, reconnecting with their seat token through a live node, hears why.
    ws = await http.ws_connect(f"{survivor.url}/ws?room={room}&token={token}")
    told = orjson.loads((await ws.receive(timeout=5)).data)
    assert told["type"] == "error" and told["code"] == "room_lost" and "lost" in told["error"]
    closing = await ws.receive(timeout=5)
    assert closing.type in (WSMsgType.CLOSE, WSMsgType.CLOSED) and ws.close_code == 4410
    # The HTTP API says the same; new games go to the living nodes only.
    async with http.post(survivor.url + "/api/nl/translate",
                         json={"text": "build a power plant", "room": room, "token": token}) as resp:
        assert resp.status == 410 and (await resp.json())["code"] == "room_lost"
    fresh = [await create_room(http, nodes[1]) for _ in range(6)]
    assert all(owner_of(r) in ("node1", "node2") for r in fresh)
    assert Path(victim.log_path).exists()
