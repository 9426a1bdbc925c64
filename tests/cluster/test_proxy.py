"""deploy/nginx.conf itself (addresses rewritten to loopback ports) in front
of three real game nodes whose NODE_URL is the proxy: one public address,
requests routed by room, the client's real address counted across nodes, and
a dead node's games reported lost through the proxy."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp import ClientSession, TCPConnector, WSMsgType, WSServerHandshakeError

from server.cluster import owner_of
from tests.cluster.conftest import RedisServer
from tests.cluster.harness import HEARTBEAT_S, TTL_S, Node, start_nodes
from tests.conftest import ROOT, WSProbe, free_port

pytestmark = pytest.mark.timeout(300)

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CONF = ROOT / "deploy" / "nginx.conf"
CONN_CAP = 3


def render_config(nodes: list[Node], port: int, model_ports: list[int], workdir: Path) -> Path:
    """The shipped config with compose's service addresses replaced by loopback ports."""
    text = CONF.read_text()
    for n in nodes:
        text = text.replace(f"{n.id}:7860", f"127.0.0.1:{n.port}")
    for i, mp in enumerate(model_ports, start=1):
        text = text.replace(f"model{i}:8080", f"127.0.0.1:{mp}")
    text = text.replace("listen 8080;", f"listen 127.0.0.1:{port};")
    text = text.replace("listen 8081;", f"listen 127.0.0.1:{free_port()};")
    text = text.replace("worker_processes auto;", "worker_processes 1;")
    text = text.replace("/tmp/nginx", str(workdir / "nginx"))
    assert not re.search(r"\b(game|model)\d+:\d+", text), "an address was left unrewritten"
    path = workdir / "nginx.conf"
    path.write_text(text)
    return path


class Proxy:
    def __init__(self, conf: Path, port: int, workdir: Path) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = workdir / "nginx.log"
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(workdir), "-g", "daemon off;"],
                                         stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        import socket

        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"nginx did not start: {self.log_path.read_text()}") from None
                time.sleep(0.05)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def site(redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Proxy, list[Node]]]:
    if not Path(NGINX).exists():
        pytest.skip("nginx is not installed (apt-get install nginx-light)")
    workdir = tmp_path_factory.mktemp("proxy")
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    nodes = start_nodes(3, redis_server.url, "proxy:", workdir, name="game", NODE_URL=public,
                        FORWARDED_ALLOW_IPS="127.0.0.1", MAX_CONN_PER_IP=str(CONN_CAP))
    conf = render_config(nodes, port, [free_port(), free_port()], workdir)
    check = subprocess.run([NGINX, "-t", "-c", str(conf), "-p", str(workdir)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    proxy = Proxy(conf, port, workdir)
    yield proxy, nodes
    proxy.stop()
    for n in nodes:
        n.stop()
    for n in nodes:
        assert "Traceback" not in n.log(), n.log()


@pytest.fixture
async def http() -> AsyncIterator[ClientSession]:
    async with ClientSession() as session:
        yield session


async def new_room(http: ClientSession, proxy: Proxy) -> str:
    async with http.post(proxy.url + "/api/rooms", json={}) as resp:
        assert resp.status == 201, await resp.text()
        return str((await resp.json())["room"])


async def first_message(http: ClientSession, url: str) -> tuple[WSProbe, dict[str, Any]]:
    ws = await http.ws_connect(url)
    probe = WSProbe(ws)
    return probe, await probe.next()


async def test_one_address_routes_every_request_to_the_rooms_owner(
        site: tuple[Proxy, list[Node]], http: ClientSession) -> None:
    proxy, nodes = site
    rooms = [await new_room(http, proxy) for _ in range(6)]
    assert Counter(owner_of(r) for r in rooms) == {"game1": 2, "game2": 2, "game3": 2}
    for rid in rooms:
        # Routed straight to the owner: a wrong node could only answer 502 (NODE_URL is this proxy).
        async with http.get(f"{proxy.url}/?room={rid}", allow_redirects=False) as resp:
            assert resp.status == 200 and "text/html" in resp.headers["Content-Type"]
        probe, welcome = await first_message(http, f"{proxy.url}/ws?room={rid}")
        assert welcome["type"] == "welcome" and welcome["room"] == rid and welcome["player"] == 0
        token = welcome["token"]
        # The seats API is routed by the room in its path.
        async with http.get(f"{proxy.url}/api/rooms/{rid}/state?player=0&token={token}",
                            allow_redirects=False) as resp:
            assert resp.status == 200, await resp.text()
        # A body naming the room lands anywhere; a non-owner sends it back with ?room=, then it is routed.
        async with http.post(f"{proxy.url}/api/nl/translate",
                             json={"text": "build a power plant", "room": rid, "token": token}) as resp:
            assert resp.status == 200, await resp.text()
            answer = await resp.json()
            assert answer["executed"] is True and answer["results"][0]["ok"] is True
        await probe.ws.close()
    # A visitor without a room is sent to a room placed on the least-loaded node, through the proxy.
    async with http.get(proxy.url + "/?lang=fr", allow_redirects=False) as resp:
        assert resp.status == 307
        assert re.match(re.escape(proxy.url) + r"/\?lang=fr&room=game[123]\.", resp.headers["Location"])
    async with http.get(proxy.url + "/?lang=fr") as resp:
        assert resp.status == 200 and "text/html" in resp.headers["Content-Type"]
        room = resp.url.query["room"]
    probe, welcome = await first_message(http, f"{proxy.url}/ws?room={room}")
    assert welcome["type"] == "welcome" and welcome["room"] == room and welcome["player"] == 0
    await probe.ws.close()


async def test_the_connection_cap_counts_the_real_client_across_nodes(
        site: tuple[Proxy, list[Node]], http: ClientSession) -> None:
    proxy, _ = site
    await asyncio.sleep(0.5)  # sockets of the previous test are released
    held = []
    for _ in range(CONN_CAP):  # new games: least_conn spreads them over the nodes
        probe, welcome = await first_message(http, f"{proxy.url}/ws")
        assert welcome["type"] == "welcome"
        held.append(probe)
    assert len({owner_of(p.messages[0]["room"]) for p in held}) >= 2
    # A forged X-Forwarded-For does not make a new client: the proxy appends the real one.
    with pytest.raises(WSServerHandshakeError) as refused:
        await http.ws_connect(f"{proxy.url}/ws", headers={"X-Forwarded-For": "203.0.113.9"})
    assert refused.value.status == 429
    # Another real address has its own quota.
    async with ClientSession(connector=TCPConnector(local_addr=("127.0.0.2", 0))) as other:
        probe, welcome = await first_message(other, f"{proxy.url}/ws")
        assert welcome["type"] == "welcome"
        await probe.ws.close()
    for p in held:
        await p.ws.close()


async def test_a_dead_nodes_games_are_reported_lost_through_the_proxy(
        site: tuple[Proxy, list[Node]], http: ClientSession) -> None:
    proxy, nodes = site
    victim = nodes[2]
    room = await new_room(http, proxy)
    while owner_of(room) != victim.id:
        room = await new_room(http, proxy)
    probe, welcome = await first_message(http, f"{proxy.url}/ws?room={room}")
    token = welcome["token"]
    killed = time.monotonic()
    victim.kill()
    while (await probe.ws.receive(timeout=5)).type == WSMsgType.TEXT:  # states on their way, then the drop
        pass
    # The proxy falls back to another node, which first cannot tell (502) and,
    # once the victim's entry expired, says the game is lost.
    told: dict[str, Any] | None = None
    while told is None:
        assert time.monotonic() - killed < TTL_S + 4 * HEARTBEAT_S + 3, "never told"
        try:
            ws = await http.ws_connect(f"{proxy.url}/ws?room={room}&token={token}")
        except WSServerHandshakeError as exc:
            assert exc.status == 502
            await asyncio.sleep(0.2)
            continue
        told = orjson.loads((await ws.receive(timeout=5)).data)
        await ws.receive(timeout=5)
        assert ws.close_code == 4410
    assert told["code"] == "room_lost"
    # New games go to the living nodes.
    fresh = [await new_room(http, proxy) for _ in range(4)]
    assert {owner_of(r) for r in fresh} <= {"game1", "game2"}
