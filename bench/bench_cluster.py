"""Cluster benchmarks: game nodes (`python app.py` with REDIS_URL) on one
redis-server, all on this machine, with this process as the load generator
(one connected player per room, on the room's owner).

    python bench/bench_cluster.py scale --nodes 1,2,3 --rooms 20,30,40 --seconds 30 --warm 10
    python bench/bench_cluster.py overhead --rooms 30 --seconds 30 --warm 10
    python bench/bench_cluster.py ops --n 2000

`scale`: for each node count and total room count, fresh nodes and a fresh
Redis; rooms are created through node 1 (so placement spreads them) and each
gets one player connected to its owner. Per node: the clients' state
interval percentiles, the worst room's tick duration and lateness, and the
node's CPU. A run passes when every node's client state interval p99 is
<= 55 ms. On a 2-core box more processes do not add cores: the figures show
how the same cores are shared, not how a real cluster (a core or more per
node) scales.

`overhead`: the same rooms on one process without REDIS_URL and on one
cluster node (its heartbeat, room records and Redis-counted connections).

`ops`: the directory's calls timed in-process against a local Redis
(locate, acquire+release, place, heartbeat with 40 rooms).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from harness import (Server, WSClient, admin, connect, free_port, load1, machine, session,  # noqa: E402
                     start_server, summary, write_json)

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


class Redis:
    """A throwaway redis-server on a free loopback port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tempfile.mkdtemp(prefix="bench-redis-")
        self.proc = subprocess.Popen([REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", self.dir, "--loglevel", "warning"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)

    def cpu_seconds(self) -> float:
        return process_cpu(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=5)
        shutil.rmtree(self.dir, ignore_errors=True)


def process_cpu(pid: int) -> float:
    t = psutil.Process(pid).cpu_times()
    return float(t.user + t.system)


def start_nodes(redis: Redis | None, count: int, rooms: int) -> list[Server]:
    """`count` nodes sharing one key prefix (without Redis: one plain process)."""
    prefix = f"b{secrets.token_hex(3)}:"
    servers = []
    for i in range(count):
        env = {"LLM_BACKEND": "disabled", "ANALYSIS_INTERVAL_S": "0", "MAX_ROOMS": str(rooms + 5),
               "MAX_CONN_PER_IP": str(rooms + 20)}
        if redis is not None:
            env.update({"REDIS_URL": redis.url, "NODE_ID": f"node{i + 1}", "REDIS_PREFIX": prefix})
        servers.append(start_server(env, wait_model=False))
    return servers


def worst_room(stats: dict[str, Any]) -> dict[str, Any]:
    rs = stats.get("rooms", [])
    if not rs:
        return {"rooms": 0}
    return {"rooms": len(rs),
            "tick_ms_p99_worst_room": max(r["tick_ms"]["p99"] for r in rs),
            "lateness_ms_p99_worst_room": max(r["lateness_ms"]["p99"] for r in rs),
            "lateness_ms_max_worst_room": max(r["lateness_ms"]["max"] for r in rs)}


def intervals(clients: list[WSClient]) -> dict[str, Any]:
    iv = [x for c in clients for x in c.intervals_ms()]
    out = summary(iv)
    if iv:
        out["over_55ms"] = sum(1 for x in iv if x > 55)
    return out


async def measure(servers: list[Server], redis: Redis | None, rooms: int, seconds: float,
                  warm_s: float) -> dict[str, Any]:
    """`rooms` rooms created through the first node, a player on each at its owner; figures per node."""
    urls = {s.url: s for s in servers}
    async with session() as http:
        clients: dict[str, list[WSClient]] = defaultdict(list)
        for _ in range(rooms):
            async with http.post(servers[0].url + "/api/rooms", json={}) as resp:
                body = await resp.json()
                if resp.status != 201:
                    raise RuntimeError(f"room creation refused: {body}")
            # NODE_URL defaults to http://<host name>:<port>: match the owner by port.
            port = urlsplit(body.get("node_url") or servers[0].url).port
            owner = next((u for u in urls if urlsplit(u).port == port), None)
            if owner is None:
                raise RuntimeError(f"unknown owner {body.get('node_url')}")
            clients[owner].append(await connect(http, owner, room=body["room"]))
        await asyncio.sleep(warm_s)
        for cs in clients.values():
            for c in cs:
                c.reset()
        cpu0 = {u: process_cpu(s.proc.pid) for u, s in urls.items()}
        r0 = redis.cpu_seconds() if redis else 0.0
        g0 = process_cpu(os.getpid())
        t0 = time.monotonic()
        await asyncio.sleep(seconds)
        dt = time.monotonic() - t0
        per_node = []
        for i, (u, s) in enumerate(urls.items()):
            stats = await admin(http, u, "/api/admin/rooms")
            per_node.append({"node": i + 1, "rooms": len(clients[u]),
                             "client_state_interval_ms": intervals(clients[u]),
                             "server": worst_room(stats),
                             "cpu_cores": round((process_cpu(s.proc.pid) - cpu0[u]) / dt, 2)})
        result = {"rooms": rooms, "nodes": len(servers), "per_node": per_node,
                  "all_clients_state_interval_ms": intervals([c for cs in clients.values() for c in cs]),
                  "generator_cores": round((process_cpu(os.getpid()) - g0) / dt, 2),
                  "redis_cores": round((redis.cpu_seconds() - r0) / dt, 3) if redis else None,
                  "pass_p99_le_55ms": all((n["client_state_interval_ms"].get("p99") or 1e9) <= 55.0
                                          for n in per_node if n["rooms"])}
        for cs in clients.values():
            for c in cs:
                await c.close()
        return result


async def part_scale(args: argparse.Namespace) -> dict[str, Any]:
    runs = []
    for n in [int(x) for x in args.nodes.split(",")]:
        for rooms in [int(x) for x in args.rooms.split(",")]:
            redis = Redis()
            servers: list[Server] = []
            try:
                load_start = load1()
                servers = start_nodes(redis, n, rooms)
                r = await measure(servers, redis, rooms, args.seconds, args.warm)
                r.update({"loadavg_start": load_start, "loadavg_end": load1()})
                runs.append(r)
                print(f"{n} nodes, {rooms} rooms: p99 per node "
                      f"{[x['client_state_interval_ms'].get('p99') for x in r['per_node']]} "
                      f"pass={r['pass_p99_le_55ms']} load {r['loadavg_end']}", file=sys.stderr)
            finally:
                for s in servers:
                    s.stop()
                redis.stop()
    return {"part": "scale", "machine": machine(), "runs": runs}


async def part_overhead(args: argparse.Namespace) -> dict[str, Any]:
    runs = []
    for mode in ("single", "cluster") * args.repeat:
        redis = Redis() if mode == "cluster" else None
        servers: list[Server] = []
        try:
            load_start = load1()
            servers = start_nodes(redis, 1, args.rooms)
            r = await measure(servers, redis, args.rooms, args.seconds, args.warm)
            r.update({"mode": mode, "loadavg_start": load_start, "loadavg_end": load1()})
            runs.append(r)
            node = r["per_node"][0]
            print(f"{mode}: p99 {node['client_state_interval_ms'].get('p99')} ms, "
                  f"tick p99 worst {node['server'].get('tick_ms_p99_worst_room')} ms, "
                  f"cpu {node['cpu_cores']}, load {r['loadavg_end']}", file=sys.stderr)
        finally:
            for s in servers:
                s.stop()
            if redis is not None:
                redis.stop()
    return {"part": "overhead", "machine": machine(), "runs": runs}


async def part_ops(args: argparse.Namespace) -> dict[str, Any]:
    from server.cluster import NodeLoad, RoomLoad, SeatRecord
    from server.cluster.redis_directory import RedisDirectory

    redis = Redis()
    try:
        prefix = f"ops{secrets.token_hex(3)}:"
        a = RedisDirectory(redis.url, node_id="a", node_url="http://a", max_rooms=40, ttl_s=10, prefix=prefix)
        b = RedisDirectory(redis.url, node_id="b", node_url="http://b", max_rooms=40, ttl_s=10, prefix=prefix)
        await a.start()
        await b.start()
        seats = (SeatRecord("human", secrets.token_urlsafe(16)), SeatRecord("ai"))
        load = NodeLoad(rooms=tuple(RoomLoad(f"b.r{i}", "normal", i, seats) for i in range(40)), clients=40)
        await b.heartbeat(load)

        async def timed(fn: Any, n: int) -> dict[str, Any]:
            """Wall time per call (includes waiting for Redis, another process on this
            box) and this process's CPU time per call (what the node's loop pays)."""
            xs = []
            cpu0 = time.process_time()
            for _ in range(n):
                t = time.perf_counter()
                await fn()
                xs.append((time.perf_counter() - t) * 1000)
            return {**summary(xs, 3), "cpu_ms_per_call": round((time.process_time() - cpu0) * 1000 / n, 3)}

        async def acquire_release() -> None:
            await a.acquire("ws", "10.0.0.1", 32)
            await a.release_slot("ws", "10.0.0.1")

        out = {"locate_ms": await timed(lambda: a.locate("b.r7"), args.n),
               "acquire_release_ms": await timed(acquire_release, args.n),
               "place_ms": await timed(a.place, min(args.n, 500)),
               "heartbeat_40_rooms_ms": await timed(lambda: b.heartbeat(load), min(args.n, 500))}
        # What Redis holds per room and per node (MEMORY USAGE, bytes).
        out["redis_bytes"] = {"room_record": await b.redis.memory_usage(b._k("room", "b.r0")),
                              "node_entry": await b.redis.memory_usage(b._k("node", "b")),
                              "node_room_set_40": await b.redis.memory_usage(b._k("node-rooms", "b"))}
        await a.redis.aclose()
        await b.redis.aclose()
        return {"part": "ops", "machine": machine(), "n": args.n, **out}
    finally:
        redis.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="part", required=True)
    s = sub.add_parser("scale")
    s.add_argument("--nodes", default="1,2,3")
    s.add_argument("--rooms", default="20,30,40")
    s.add_argument("--seconds", type=float, default=30)
    s.add_argument("--warm", type=float, default=10)
    o = sub.add_parser("overhead")
    o.add_argument("--rooms", type=int, default=30)
    o.add_argument("--seconds", type=float, default=30)
    o.add_argument("--warm", type=float, default=10)
    o.add_argument("--repeat", type=int, default=1)
    p = sub.add_parser("ops")
    p.add_argument("--n", type=int, default=2000)
    for x in (s, o, p):
        x.add_argument("--json", default=None, help="also write the result here")
    args = ap.parse_args()
    part = {"scale": part_scale, "overhead": part_overhead, "ops": part_ops}[args.part]
    result = asyncio.run(part(args))
    write_json(args.json, result)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.exit(main())
