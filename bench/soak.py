"""Soak: players and spectators over several rooms send orders, sentences and
pings for a while; at the end every message must have had exactly one answer,
memory must be flat after warm-up, and no task or socket may be left behind.

    python bench/soak.py --minutes 10 --rooms 4 --spectators 2 --json out.json

Starts its own server (`python app.py` on a free loopback port, the embedded
model loaded) unless --url is given; --url needs ADMIN_TOKEN to match the
server's for the runtime figures. tests/hardening/test_soak.py runs it short.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from aiohttp import ClientSession, WSMsgType

ROOT = Path(__file__).resolve().parents[1]
PHRASES = ["build a power plant", "train 3 infantry", "send all units north", "stop all units",
           "construis une caserne", "déplace les chars vers l'est", "建造發電廠", "所有坦克向北移動",
           "harvesters go mine ore", "defend the base", "could you maybe get the boys to hold near home?",
           "give me 10000 credits", "attack the nearest enemy"]


@dataclass
class Tally:
    sent: dict[str, int] = field(default_factory=lambda: {"command": 0, "nl": 0, "ping": 0})
    answered: dict[str, int] = field(default_factory=lambda: {"command": 0, "nl": 0, "ping": 0})
    duplicates: int = 0
    states: int = 0
    errors: list[str] = field(default_factory=list)


async def player(session: ClientSession, url: str, room: str | None, seconds: float, tally: Tally,
                 rng: random.Random, rooms_out: list[str]) -> None:
    query = f"?room={room}&as=player" if room else ""
    ws = await session.ws_connect(url.replace("http", "ws", 1) + "/ws" + query)
    welcome = orjson.loads((await ws.receive(timeout=10)).data)
    if room is None:
        rooms_out.append(welcome["room"])
    outstanding: dict[str, str] = {}
    answered: set[str] = set()

    async def reader() -> None:
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            data = orjson.loads(msg.data)
            kind, ref = data.get("type"), data.get("ref")
            if kind in ("state", "delta"):
                tally.states += 1
                continue
            if kind == "nl_ack":
                continue
            if kind == "pong":
                ref = data.get("t")
            if ref is None:
                continue
            ref = str(ref)
            if ref in answered:
                tally.duplicates += 1
            elif ref in outstanding:
                answered.add(ref)
                tally.answered[outstanding.pop(ref)] += 1

    read_task = asyncio.get_running_loop().create_task(reader())
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        n += 1
        ref = f"{secrets.token_hex(3)}{n}"
        roll = rng.random()
        if roll < 0.45:
            kind = "command"
            action = rng.choice([
                {"action": "build_unit", "unit_type": rng.choice(["infantry", "tank"]), "count": 1},
                {"action": "move", "units": {"type": "all"}, "target": {"direction": rng.choice(["north", "east"])}},
                {"action": "build_building", "building_type": rng.choice(["power_plant", "barracks", "refinery"])},
                {"action": "stop", "units": {"type": "all"}}, {"action": "harvest", "units": {"type": "harvester"}}])
            message: dict[str, Any] = {"type": "command", "action": action, "ref": ref}
        elif roll < 0.75:
            kind = "nl"
            message = {"type": "nl", "text": rng.choice(PHRASES), "ref": ref}
        else:
            kind = "ping"
            ref = str(n)
            message = {"type": "ping", "t": n}
        outstanding[ref] = kind
        tally.sent[kind] += 1
        await ws.send_str(orjson.dumps(message).decode())
        await asyncio.sleep(rng.uniform(0.3, 0.9))
    # Let every outstanding answer arrive (model translations may take a while).
    deadline = time.monotonic() + 60
    while outstanding and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    if outstanding:
        tally.errors.append(f"{len(outstanding)} unanswered: {sorted(set(outstanding.values()))}")
    await ws.close()
    await asyncio.gather(read_task, return_exceptions=True)


async def spectator(session: ClientSession, url: str, room: str, seconds: float, tally: Tally) -> None:
    ws = await session.ws_connect(url.replace("http", "ws", 1) + f"/ws?room={room}&as=spectator")
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            msg = await ws.receive(timeout=1)
        except TimeoutError:
            continue
        if msg.type == WSMsgType.TEXT and orjson.loads(msg.data).get("type") in ("state", "delta"):
            tally.states += 1
    await ws.close()


async def runtime(session: ClientSession, url: str, token: str) -> dict[str, Any]:
    async with session.get(url + "/api/admin/runtime", headers={"Authorization": f"Bearer {token}"}) as r:
        return await r.json()


async def soak(url: str, token: str, *, rooms: int = 3, spectators: int = 2, seconds: float = 20.0,
               seed: int = 1) -> dict[str, Any]:
    rng = random.Random(seed)
    tally = Tally()
    async with ClientSession() as session:
        async with session.post(url + "/api/admin/cleanup", headers={"Authorization": f"Bearer {token}"}):
            pass
        baseline = await runtime(session, url, token)
        room_ids: list[str] = []
        players = [asyncio.get_running_loop().create_task(
            player(session, url, None, seconds, tally, random.Random(rng.random()), room_ids)) for _ in range(rooms)]
        while len(room_ids) < rooms:
            await asyncio.sleep(0.05)
        watchers = [asyncio.get_running_loop().create_task(spectator(session, url, room_ids[i % rooms], seconds, tally))
                    for i in range(spectators * rooms)]
        await asyncio.sleep(seconds / 3)
        warm = await runtime(session, url, token)
        await asyncio.gather(*players, *watchers)
        end = await runtime(session, url, token)
        await asyncio.sleep(0.5)
        async with session.post(url + "/api/admin/cleanup", headers={"Authorization": f"Bearer {token}"}) as r:
            cleaned = await r.json()
        after = await runtime(session, url, token)
        async with session.get(url + "/healthz") as r:
            health = await r.json()
    growth = (end["rss_bytes"] - warm["rss_bytes"]) / warm["rss_bytes"]
    return {"seconds": seconds, "rooms": rooms, "spectators": spectators * rooms,
            "sent": tally.sent, "answered": tally.answered, "duplicates": tally.duplicates,
            "states_received": tally.states, "errors": tally.errors,
            "rss_mb": {"baseline": round(baseline["rss_bytes"] / 2**20, 1), "warm": round(warm["rss_bytes"] / 2**20, 1),
                       "end": round(end["rss_bytes"] / 2**20, 1)},
            "rss_growth_after_warmup": round(growth, 4),
            "tasks": {"baseline": baseline["tasks"], "end_of_load": end["tasks"], "after_cleanup": after["tasks"]},
            "sockets_after": after["sockets"], "rooms_closed": cleaned["rooms_closed"], "health": health}


def start_server(token: str, extra_env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1", "ADMIN_TOKEN": token, "ROOM_GRACE_S": "0",
           "LOG_LEVEL": os.environ.get("SOAK_LOG_LEVEL", "WARNING"), **(extra_env or {})}
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    import urllib.request

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/api/model/status", timeout=1) as resp:
                if json.loads(resp.read())["state"] != "loading":
                    return proc, url
        except OSError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default=None)
    ap.add_argument("--minutes", type=float, default=1.0)
    ap.add_argument("--rooms", type=int, default=3)
    ap.add_argument("--spectators", type=int, default=2, help="per room")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    token = os.environ.get("ADMIN_TOKEN") or secrets.token_hex(8)
    proc = None
    url = args.url
    if url is None:
        proc, url = start_server(token)
    try:
        result = asyncio.run(soak(url, token, rooms=args.rooms, spectators=args.spectators,
                                  seconds=args.minutes * 60))
    finally:
        if proc is not None:
            proc.terminate()
            result_code = proc.wait(timeout=10)
            print(f"server exit code {result_code}", file=sys.stderr)
    out = json.dumps(result, indent=1)
    print(out)
    if args.json:
        Path(args.json).write_text(out)
    ok = result["sent"] == result["answered"] and not result["duplicates"] and result["health"]["status"] == "ok"
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
