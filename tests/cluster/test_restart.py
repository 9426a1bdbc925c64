"""A cluster node stopped for a deployment and started again (same NODE_ID,
same DATA_DIR) brings its games back, and its players find them through any
node: a stopping node keeps its room records (docs/DEPLOY.md)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiohttp import ClientSession

from server.cluster import owner_of
from tests.cluster.conftest import RedisServer
from tests.cluster.harness import Node
from tests.conftest import WSProbe

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def nodes(redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Node]]:
    workdir = tmp_path_factory.mktemp("restart")
    # Each node its own game log, as with compose's volumes.
    started = [Node(f"keep{i}", redis_server.url, "restart:", workdir, DATA_DIR=str(workdir / f"keep{i}-data"))
               for i in (1, 2)]
    for n in started:
        n.start()
    for n in started:
        n.wait_healthy()
    yield started
    for n in started:
        n.stop()
    for n in started:
        assert "Traceback" not in n.log(), n.log()


@pytest.fixture
async def http() -> AsyncIterator[ClientSession]:
    async with ClientSession() as session:
        yield session


async def first_message(http: ClientSession, url: str) -> tuple[WSProbe, dict[str, Any]]:
    probe = WSProbe(await http.ws_connect(url))
    return probe, await probe.next()


async def test_a_restarted_node_brings_its_games_back_for_players_coming_through_another_node(
        nodes: list[Node], http: ClientSession) -> None:
    entry, host = nodes
    probe, welcome = await first_message(http, f"{host.url}/ws")  # a game started on `host`
    room, token = welcome["room"], welcome["token"]
    assert owner_of(room) == host.id
    await probe.send({"type": "command", "ref": 1,
                      "action": {"action": "build_building", "building_type": "power_plant"}})
    assert (await probe.wait_for("command_result", timeout=10))["ok"] is True
    await probe.ws.close()

    host.restart()  # SIGTERM, then the same node again

    # The player comes back through the other node with their seat token: same game, same seat.
    probe, back = await first_message(http, f"{entry.url}/ws?room={room}&token={token}")
    assert back["type"] == "welcome", back
    assert back["room"] == room and back["player"] == 0 and back["token"] == token
    assert back.get("restored") is True
    await probe.ws.close()
