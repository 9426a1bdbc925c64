"""Server benchmarks, end to end: each part starts its own `python app.py` on
a free loopback port (this process is the load generator: a separate process
that shares the same cores) and prints one JSON document with percentiles.

    python bench/bench_server.py tick --threads 1:1,1:2,2:2 --rooms 10 --seconds 60
    python bench/bench_server.py tick --threads 1:1 --rooms 10 --seconds 30 --plans 0,8   # plans cost
    python bench/bench_server.py latency --n 20
    python bench/bench_server.py burst --size 8 --rounds 3
    python bench/bench_server.py bandwidth --minutes 3 --rooms 2
    python bench/bench_server.py capacity --rooms-list 10,20,30,40 --seconds 40
    python bench/bench_server.py spectators --list 50,100,200,300 --seconds 30
    python bench/bench_server.py memory --mmap 1 --minutes 10 --rooms 10
    python bench/bench_server.py startup --runs 7

Every part records the machine (cores, memory) and the load average at its
start and end: the development box is shared, so compare figures from one
run, and read absolute times with the load next to them. docs/BENCHMARKS.md
holds the results.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import (FAST_TEXTS, WSClient, admin, connect, histogram_delta, load1, machine,  # noqa: E402
                     model_status, model_texts, session, start_server, summary, tick_lateness_histogram,
                     wait_prefix_primed, write_json)


async def _metrics_hist(s: Any, url: str) -> dict[str, dict[float, float]]:
    async with s.get(url + "/metrics") as r:
        text = await r.text()
    return {"lateness": tick_lateness_histogram(text),
            "duration": tick_lateness_histogram(text, "rts_tick_duration_seconds")}


def _hist(h0: dict[str, dict[float, float]], h1: dict[str, dict[float, float]]) -> dict[str, Any]:
    """Server-side figures over the window, from /metrics (all rooms together)."""
    return {"tick_lateness": histogram_delta(h0["lateness"], h1["lateness"]),
            "tick_duration": histogram_delta(h0["duration"], h1["duration"])}


def _server_rooms(rooms_stats: dict[str, Any]) -> dict[str, Any]:
    """Worst room's tick duration and lateness percentiles (each room keeps its last 1200 ticks)."""
    rs = rooms_stats.get("rooms", [])
    if not rs:
        return {"error": rooms_stats.get("error", "no rooms")}
    return {"rooms": len(rs),
            "lateness_ms_p50_median_room": sorted(r["lateness_ms"]["p50"] for r in rs)[len(rs) // 2],
            "lateness_ms_p99_worst_room": max(r["lateness_ms"]["p99"] for r in rs),
            "lateness_ms_max_worst_room": max(r["lateness_ms"]["max"] for r in rs),
            "tick_ms_p50_median_room": sorted(r["tick_ms"]["p50"] for r in rs)[len(rs) // 2],
            "tick_ms_p99_worst_room": max(r["tick_ms"]["p99"] for r in rs),
            "tick_ms_max_worst_room": max(r["tick_ms"]["max"] for r in rs),
            "errors": sum(r["errors"] for r in rs)}


def _intervals(clients: list[WSClient]) -> dict[str, Any]:
    iv: list[float] = []
    for c in clients:
        iv.extend(c.intervals_ms())
    out = summary(iv)
    if iv:
        out["over_55ms"] = sum(1 for x in iv if x > 55)
        out["over_100ms"] = sum(1 for x in iv if x > 100)
    return out


class CPUMeter:
    """CPU seconds used by the server and by this (generator) process over a window."""

    def __init__(self, server_pid: int) -> None:
        self.srv = psutil.Process(server_pid)
        self.me = psutil.Process()

    def start(self) -> None:
        self.t = time.monotonic()
        a, b = self.srv.cpu_times(), self.me.cpu_times()
        self.a = a.user + a.system
        self.b = b.user + b.system

    def stop(self) -> dict[str, float]:
        dt = time.monotonic() - self.t
        a, b = self.srv.cpu_times(), self.me.cpu_times()
        return {"server_cores": round((a.user + a.system - self.a) / dt, 2),
                "generator_cores": round((b.user + b.system - self.b) / dt, 2)}


async def model_driver(c: WSClient, texts: list[str], stop: asyncio.Event, tally: Counter[str],
                       latencies: list[float]) -> None:
    """Keep one model-path order outstanding on this client until stop."""
    i = 0
    loop = asyncio.get_running_loop()
    while not stop.is_set() and not c.closed:
        ref = f"m{i}"
        text = texts[i % len(texts)]
        i += 1
        fut = c.expect(f"nl_result:{ref}")
        t0 = loop.time()
        await c.send({"type": "nl", "text": text, "ref": ref})
        try:
            t1, data = await asyncio.wait_for(fut, 60)
        except asyncio.TimeoutError:
            tally["no_answer"] += 1
            continue
        tally[f"{data.get('status')}:{data.get('source')}"] += 1
        latencies.append((t1 - t0) * 1000)


# --- 1. tick under load --------------------------------------------------------------

# Plans that stay active the whole run (their conditions never hold in these games), so every look
# of the executor checks them: units counted, producers searched, credits read.
PLAN_CONDITIONS = [{"have": {"unit_type": "tank", "count": 150}}, {"have": {"unit_type": "helicopter", "count": 120}},
                   {"credits": 90000}, {"have": {"unit_type": "all", "count": 190}}]


def waiting_plan(k: int) -> dict[str, Any]:
    return {"action": "plan", "text": f"bench plan {k}", "steps": [
        {"actions": [{"action": "move", "units": {"type": "infantry"}, "target": {"place": "center"}}],
         "after": PLAN_CONDITIONS[k % len(PLAN_CONDITIONS)]},
        {"actions": [{"action": "attack", "units": {"step": 0}, "target": {"place": "enemy_base"}}]}]}


async def tick_once(threads: int, threads_batch: int, rooms: int, seconds: float, warm_s: float,
                    analysis_interval: float, extra_env: dict[str, str], gc_probe: str | None = None,
                    plans: int = 0) -> dict[str, Any]:
    env = {"LLM_THREADS": str(threads), "LLM_THREADS_BATCH": str(threads_batch),
           "ANALYSIS_INTERVAL_S": str(analysis_interval), "ANALYSIS_MIN_INTERVAL_S": "1",
           "MAX_ROOMS": str(rooms + 5), **extra_env}
    load_start = load1()
    probe = f"{gc_probe}-{threads}-{threads_batch}.json" if gc_probe else None
    srv = start_server(env, gc_probe=probe)
    result: dict[str, Any] = {}
    try:
        async with session() as s:
            warmup = await wait_prefix_primed(s, srv.url)
            clients = [await connect(s, srv.url) for _ in range(rooms)]
            for c in clients:  # --plans: every seated player holds that many active plans
                for k in range(plans):
                    await c.ws.send_str(json.dumps({"type": "command", "action": waiting_plan(k), "ref": f"p{k}"}))
            if plans:
                await asyncio.sleep(1.0)
            plans_announced = sum(c.count_by_type.get("plan", 0) for c in clients)
            stop = asyncio.Event()
            tally: Counter[str] = Counter()
            lat: list[float] = []
            texts = model_texts(4000, seed=threads * 100 + threads_batch)
            chunk = len(texts) // rooms
            drivers = [asyncio.get_running_loop().create_task(
                model_driver(c, texts[k * chunk:(k + 1) * chunk], stop, tally, lat)) for k, c in enumerate(clients)]
            await asyncio.sleep(warm_s)
            for c in clients:
                c.reset()
            tally.clear()
            lat.clear()
            st0 = await model_status(s, srv.url)
            h0 = await _metrics_hist(s, srv.url)
            cpu = CPUMeter(srv.proc.pid)
            cpu.start()
            busy_samples = 0
            samples = 0
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                await asyncio.sleep(0.5)
                st = await model_status(s, srv.url)
                samples += 1
                busy_samples += 1 if st.get("processing") else 0
            cpu_used = cpu.stop()
            h1 = await _metrics_hist(s, srv.url)
            st1 = await model_status(s, srv.url)
            rooms_stats = await admin(s, srv.url, "/api/admin/rooms")
            analyses = sum(c.count_by_type.get("analysis", 0) for c in clients)
            stop.set()
            result = {
                "threads": threads, "threads_batch": threads_batch, "rooms": rooms, "seconds": seconds,
                "loadavg_start": load_start, "loadavg_end": load1(),
                "client_state_interval_ms": _intervals(clients),
                "server": _server_rooms(rooms_stats),
                "server_metrics": _hist(h0, h1),
                "model_busy_share": round(busy_samples / max(1, samples), 3),
                "model_completed_in_window": st1.get("completed", 0) - st0.get("completed", 0),
                "model_preempted_in_window": st1.get("preempted", 0) - st0.get("preempted", 0),
                "orders_answered": dict(tally), "order_latency_ms": summary(lat),
                "analysis_messages": analyses, "cpu": cpu_used, "rss_mb": srv.rss_mb(),
                "plans_per_player": plans, "plans_announced": plans_announced,
                "warmup": warmup,
            }
            for d in drivers:
                d.cancel()
            await asyncio.gather(*drivers, return_exceptions=True)
            for c in clients:
                await c.close()
    finally:
        srv.stop()
    result.update(_gc_pauses(probe))
    return result


def _gc_pauses(probe: str | None) -> dict[str, Any]:
    """The collector probe's summary, when the server ran under it."""
    if probe and os.path.exists(probe):
        return {"gc_pauses": json.loads(Path(probe).read_text())}
    return {}


async def part_tick(args: argparse.Namespace) -> dict[str, Any]:
    configs = [tuple(int(x) for x in c.split(":")) for c in args.threads.split(",")]
    extra = {"NL_FAST_PATH": "0"} if args.no_fast_path else {}
    out = []
    plan_counts = [int(x) for x in str(args.plans).split(",")]
    for rep in range(args.repeat):
        for t, tb in configs:
            for n_plans in plan_counts:
                r = await tick_once(t, tb, args.rooms, args.seconds, args.warm, args.analysis_interval, extra,
                                    args.gc_probe, n_plans)
                r["repeat"] = rep
                out.append(r)
                print(f"threads {t}:{tb} plans {n_plans} -> {r['server']} load {r['loadavg_end']}", file=sys.stderr)
    return {"part": "tick", "machine": machine(), "runs": out}


# --- 2. order latency --------------------------------------------------------------------

async def _http_translate(s: Any, url: str, text: str) -> tuple[float, dict[str, Any]]:
    t0 = time.perf_counter()
    async with s.post(url + "/api/nl/translate", json={"text": text, "wait": 30}) as r:
        data = await r.json()
    return (time.perf_counter() - t0) * 1000, data


async def _ws_nl(c: WSClient, text: str, ref: str) -> tuple[float, dict[str, Any]]:
    loop = asyncio.get_running_loop()
    fut = c.expect(f"nl_result:{ref}")
    t0 = loop.time()
    await c.send({"type": "nl", "text": text, "ref": ref})
    t1, data = await asyncio.wait_for(fut, 60)
    return (t1 - t0) * 1000, data


async def latency_once(n: int, with_analyses: bool, seed: int) -> dict[str, Any]:
    env = {"ANALYSIS_INTERVAL_S": "1" if with_analyses else "0", "ANALYSIS_MIN_INTERVAL_S": "1"}
    load_start = load1()
    srv = start_server(env)
    res: dict[str, Any] = {"with_analyses": with_analyses, "loadavg_start": load_start}
    try:
        async with session() as s:
            res["first_order_after_start"] = await wait_prefix_primed(s, srv.url)
            c = await connect(s, srv.url)
            # Other rooms whose players get periodic model analyses (with_analyses only).
            others = [await connect(s, srv.url) for _ in range(3)] if with_analyses else []
            if with_analyses:
                await asyncio.sleep(3)
            st0 = await model_status(s, srv.url)
            texts = model_texts(4 * n + 2, seed=seed)
            sources: Counter[str] = Counter()
            figures: dict[str, dict[str, list[float]]] = {k: {"http": [], "ws": [], "server_ms": []}
                                                          for k in ("fast", "cache", "model")}
            # fast path
            for i in range(n):
                ms, d = await _http_translate(s, srv.url, FAST_TEXTS[i % len(FAST_TEXTS)])
                figures["fast"]["http"].append(ms)
                figures["fast"]["server_ms"].append(d.get("latency_ms") or 0)
                sources[f"fast:{d.get('source')}"] += 1
                ms, d = await _ws_nl(c, FAST_TEXTS[(i + 3) % len(FAST_TEXTS)], f"f{i}")
                figures["fast"]["ws"].append(ms)
            # model path (distinct texts, one at a time)
            for i in range(n):
                ms, d = await _http_translate(s, srv.url, texts[2 * i])
                figures["model"]["http"].append(ms)
                figures["model"]["server_ms"].append(d.get("latency_ms") or 0)
                sources[f"model:{d.get('source')}:{d.get('status')}"] += 1
                ms, d = await _ws_nl(c, texts[2 * i + 1], f"m{i}")
                figures["model"]["ws"].append(ms)
                sources[f"model-ws:{d.get('source')}:{d.get('status')}"] += 1
            # cache hits: repeat texts the model already translated
            for i in range(n):
                ms, d = await _http_translate(s, srv.url, texts[2 * (i % n)])
                figures["cache"]["http"].append(ms)
                figures["cache"]["server_ms"].append(d.get("latency_ms") or 0)
                sources[f"cache:{d.get('source')}"] += 1
                ms, d = await _ws_nl(c, texts[2 * (i % n) + 1], f"c{i}")
                figures["cache"]["ws"].append(ms)
            st1 = await model_status(s, srv.url)
            res["loadavg_end"] = load1()
            res["figures_ms"] = {k: {t: summary(v) for t, v in d.items()} for k, d in figures.items()}
            res["sources"] = dict(sources)
            res["model_requests"] = {k: st1.get(k, 0) - st0.get(k, 0)
                                     for k in ("completed", "preempted", "cancelled", "timeout")}
            res["analysis_messages_to_other_rooms"] = sum(o.count_by_type.get("analysis", 0) for o in others)
            for x in [c, *others]:
                await x.close()
    finally:
        srv.stop()
    return res


async def part_latency(args: argparse.Namespace) -> dict[str, Any]:
    runs = []
    for with_analyses in (False, True):
        r = await latency_once(args.n, with_analyses, seed=7)
        runs.append(r)
        print(f"analyses={with_analyses}: model {r['figures_ms']['model']}", file=sys.stderr)
    return {"part": "latency", "machine": machine(), "runs": runs}


# --- 2b. a burst of model orders at once --------------------------------------------------

async def part_burst(args: argparse.Namespace) -> dict[str, Any]:
    """Single model-path orders one after another (the reference latency), then
    ``--size`` distinct model-path orders sent at the same moment over HTTP,
    ``--rounds`` times: how long until the last answer, against the single-order
    p50 of the same run (the batched worker decodes them together)."""
    load_start = load1()
    env = {"ANALYSIS_INTERVAL_S": "0", **({"LLM_BATCH": str(args.batch)} if args.batch else {})}
    srv = start_server(env)
    res: dict[str, Any] = {"part": "burst", "machine": machine(), "loadavg_start": load_start,
                           "size": args.size, "rounds": args.rounds, "env": env}
    try:
        async with session() as s:
            res["first_order_after_start"] = await wait_prefix_primed(s, srv.url)
            texts = model_texts(args.single + args.size * args.rounds + 5, seed=31)
            single: list[float] = []
            sources: Counter[str] = Counter()
            for i in range(args.single):
                ms, d = await _http_translate(s, srv.url, texts[i])
                single.append(ms)
                sources[f"single:{d.get('source')}:{d.get('status')}"] += 1
            rounds = []
            k = args.single
            for _ in range(args.rounds):
                batch = texts[k:k + args.size]
                k += args.size
                got = await asyncio.gather(*(_http_translate(s, srv.url, t) for t in batch))
                for _, d in got:
                    sources[f"burst:{d.get('source')}:{d.get('status')}"] += 1
                lat = sorted(ms for ms, _ in got)
                rounds.append({"first_ms": round(lat[0], 1), "median_ms": round(lat[len(lat) // 2], 1),
                               "last_ms": round(lat[-1], 1)})
                await asyncio.sleep(0.5)
            p50 = summary(single)["p50"]
            res["single_order_ms"] = summary(single)
            res["burst_rounds"] = rounds
            res["last_over_single_p50"] = [round(r["last_ms"] / p50, 2) for r in rounds] if p50 else None
            res["sources"] = dict(sources)
            res["model_status"] = await model_status(s, srv.url)
            res["loadavg_end"] = load1()
    finally:
        srv.stop()
    print(f"single p50 {res.get('single_order_ms')}; bursts {res.get('burst_rounds')}", file=sys.stderr)
    return res


# --- 3. bandwidth -------------------------------------------------------------------------

BUILD_ORDER = [
    {"action": "build_building", "building_type": "power_plant"},
    {"action": "build_building", "building_type": "refinery"},
    {"action": "build_building", "building_type": "barracks"},
    {"action": "build_unit", "unit_type": "infantry", "count": 3},
    {"action": "build_building", "building_type": "power_plant"},
    {"action": "build_building", "building_type": "war_factory"},
    {"action": "build_unit", "unit_type": "harvester", "count": 1},
    {"action": "build_unit", "unit_type": "tank", "count": 3},
    {"action": "build_building", "building_type": "defense_turret"},
    {"action": "build_building", "building_type": "refinery"},
    {"action": "build_unit", "unit_type": "infantry", "count": 4},
    {"action": "build_building", "building_type": "power_plant"},
    {"action": "build_unit", "unit_type": "tank", "count": 4},
    {"action": "build_unit", "unit_type": "artillery", "count": 2},
]


async def scripted_player(c: WSClient, seconds: float, rng: random.Random) -> Counter[str]:
    """Builds economy and army by orders (repeating the build order when it
    runs out), sends a few words, and attacks from the second minute."""
    out: Counter[str] = Counter()
    start = time.monotonic()
    i = 0
    while time.monotonic() - start < seconds and not c.closed:
        t = time.monotonic() - start
        action = BUILD_ORDER[i % len(BUILD_ORDER)]
        i += 1
        await c.send({"type": "command", "action": action, "ref": f"b{i}"})
        out["command"] += 1
        if i % 4 == 0:
            await c.send({"type": "nl", "text": rng.choice(["harvesters go mine ore", "train 2 infantry",
                                                             "build a power plant", "defend the base"]),
                          "ref": f"n{i}"})
            out["nl"] += 1
        if t > 120 and i % 6 == 0:
            await c.send({"type": "command", "action": {"action": "attack", "units": {"type": "tank"},
                                                        "target": {"place": "enemy_base"}}, "ref": f"a{i}"})
            out["attack"] += 1
        elif t > 60 and i % 6 == 0:
            await c.send({"type": "command", "action": {"action": "move", "units": {"type": "infantry"},
                                                        "target": {"direction": rng.choice(["north", "east", "south"])}},
                          "ref": f"m{i}"})
            out["move"] += 1
        await asyncio.sleep(2.0)
    return out


async def part_bandwidth(args: argparse.Namespace) -> dict[str, Any]:
    load_start = load1()
    srv = start_server({"MAX_ROOMS": str(args.rooms + 5)})
    seconds = args.minutes * 60
    try:
        async with session() as s:
            players = [await connect(s, srv.url) for _ in range(args.rooms)]
            specs = [await connect(s, srv.url, room=p.room, as_="spectator") for p in players]
            for c in players + specs:
                c.breakdown_every = 10
            rng = random.Random(3)
            t0 = time.monotonic()
            orders = await asyncio.gather(*(scripted_player(p, seconds, rng) for p in players))
            elapsed = time.monotonic() - t0
            rooms_stats = await admin(s, srv.url, "/api/admin/rooms")

            def figures(cs: list[WSClient]) -> dict[str, Any]:
                per_client = []
                per_second: list[float] = []
                by_type: Counter[str] = Counter()
                count_type: Counter[str] = Counter()
                sizes: dict[str, list[float]] = {"state": [], "delta": []}
                for c in cs:
                    total = sum(c.bytes_by_type.values())
                    per_client.append(total / elapsed)
                    secs = sorted(c.bytes_per_second)[1:-1]  # whole seconds only
                    per_second.extend(c.bytes_per_second[k] for k in secs)
                    by_type.update(c.bytes_by_type)
                    count_type.update(c.count_by_type)
                    for k in sizes:
                        sizes[k].extend(c.sizes.get(k, []))
                total = sum(by_type.values())
                kb: Counter[str] = Counter()
                nb = 0
                for c in cs:
                    kb.update(c.delta_key_bytes)
                    nb += c.deltas_broken_down
                delta_keys = {k: round(v / max(1, nb), 1) for k, v in kb.most_common()}
                return {"delta_bytes_by_key_mean": delta_keys, "deltas_broken_down": nb,"bytes_per_s_per_client": [round(x) for x in per_client],
                        "bytes_per_s_mean": round(sum(per_client) / len(per_client)),
                        "bytes_in_one_second": summary(per_second, 0),
                        "share_by_type": {k: round(v / total, 4) for k, v in by_type.most_common()},
                        "bytes_by_type_per_s": {k: round(v / elapsed / len(cs)) for k, v in by_type.most_common()},
                        "messages_by_type": dict(count_type.most_common()),
                        "message_bytes": {k: summary(v, 0) for k, v in sizes.items()}}

            res = {"part": "bandwidth", "machine": machine(), "seconds": round(elapsed, 1),
                   "loadavg_start": load_start, "loadavg_end": load1(),
                   "player": figures(players), "spectator": figures(specs), "orders_sent": [dict(o) for o in orders],
                   "rooms": [{k: r[k] for k in ("tick", "game_over", "winner", "bot_orders")}
                             for r in rooms_stats.get("rooms", [])] or rooms_stats}
            for c in players + specs:
                await c.close()
            return res
    finally:
        srv.stop()


# --- 4. capacity ---------------------------------------------------------------------------

async def capacity_once(rooms: int, seconds: float, warm_s: float, gc_probe: str | None = None) -> dict[str, Any]:
    env = {"MAX_ROOMS": str(rooms + 5), "MAX_CONN_PER_IP": str(rooms + 20), "ANALYSIS_INTERVAL_S": "0"}
    load_start = load1()
    srv = start_server(env, gc_probe=f"{gc_probe}-{rooms}.json" if gc_probe else None)
    try:
        async with session() as s:
            clients = [await connect(s, srv.url) for _ in range(rooms)]
            await asyncio.sleep(warm_s)
            for c in clients:
                c.reset()
            h0 = await _metrics_hist(s, srv.url)
            cpu = CPUMeter(srv.proc.pid)
            cpu.start()
            await asyncio.sleep(seconds)
            cpu_used = cpu.stop()
            h1 = await _metrics_hist(s, srv.url)
            rooms_stats = await admin(s, srv.url, "/api/admin/rooms")
            res = {"rooms": rooms, "seconds": seconds, "loadavg_start": load_start, "loadavg_end": load1(),
                   "client_state_interval_ms": _intervals(clients), "server": _server_rooms(rooms_stats),
                   "server_metrics": _hist(h0, h1), "cpu": cpu_used,
                   }
            for c in clients:
                await c.close()
            return res
    finally:
        srv.stop()


async def part_capacity(args: argparse.Namespace) -> dict[str, Any]:
    runs = []
    for n in [int(x) for x in args.rooms_list.split(",")]:
        r = await capacity_once(n, args.seconds, args.warm, args.gc_probe)
        runs.append(r)
        print(f"{n} rooms -> {r['client_state_interval_ms']} {r['server']} load {r['loadavg_end']}", file=sys.stderr)
    return {"part": "capacity", "machine": machine(), "runs": runs}


async def spectators_once(n: int, seconds: float, warm_s: float, gc_probe: str | None = None) -> dict[str, Any]:
    env = {"MAX_SPECTATORS": str(n + 10), "MAX_CONN_PER_IP": str(n + 20), "ANALYSIS_INTERVAL_S": "0"}
    load_start = load1()
    probe = f"{gc_probe}-{n}.json" if gc_probe else None
    srv = start_server(env, gc_probe=probe)
    try:
        async with session() as s:
            player = await connect(s, srv.url)
            specs = []
            for _ in range(n):
                specs.append(await connect(s, srv.url, room=player.room, as_="spectator"))
            await asyncio.sleep(warm_s)
            for c in [player, *specs]:
                c.reset()
            h0 = await _metrics_hist(s, srv.url)
            cpu = CPUMeter(srv.proc.pid)
            cpu.start()
            await asyncio.sleep(seconds)
            cpu_used = cpu.stop()
            h1 = await _metrics_hist(s, srv.url)
            rooms_stats = await admin(s, srv.url, "/api/admin/rooms")
            expected = seconds * 20
            received = [len(c.state_times) for c in specs]
            res = {"spectators": n, "seconds": seconds, "loadavg_start": load_start, "loadavg_end": load1(),
                   "spectator_state_interval_ms": _intervals(specs),
                   "player_state_interval_ms": _intervals([player]),
                   "states_received_share": summary([r / expected for r in received], 3),
                   "server": _server_rooms(rooms_stats), "server_metrics": _hist(h0, h1),
                   "cpu": cpu_used, "closed_clients": sum(1 for c in specs if c.closed)}
            for c in [player, *specs]:
                await c.close()
    finally:
        srv.stop()
    res.update(_gc_pauses(probe))
    return res


async def part_spectators(args: argparse.Namespace) -> dict[str, Any]:
    runs = []
    for n in [int(x) for x in args.list.split(",")]:
        r = await spectators_once(n, args.seconds, args.warm, args.gc_probe)
        runs.append(r)
        print(f"{n} spectators -> {r['spectator_state_interval_ms']} {r['server']} load {r['loadavg_end']}",
              file=sys.stderr)
    return {"part": "spectators", "machine": machine(), "runs": runs}


# --- 5. memory -----------------------------------------------------------------------------

async def part_memory(args: argparse.Namespace) -> dict[str, Any]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from server.llm.settings import embedded_model_path

    model_file = os.environ.get("MODEL_PATH") or embedded_model_path()
    model_mb = round(os.path.getsize(model_file) / 2**20, 1)
    load_start = load1()
    srv = start_server({"LLM_USE_MMAP": str(args.mmap), "MAX_ROOMS": str(args.rooms + 5),
                        "ANALYSIS_INTERVAL_S": "10"})
    seconds = args.minutes * 60
    samples: list[tuple[float, float]] = []
    try:
        async with session() as s:
            warmup = await wait_prefix_primed(s, srv.url)
            rss_ready = srv.rss_mb()
            clients = [await connect(s, srv.url) for _ in range(args.rooms)]
            rng = random.Random(5)
            texts = model_texts(3000, seed=11)
            stop = asyncio.Event()
            tally: Counter[str] = Counter()
            lat: list[float] = []

            async def paced(c: WSClient, k: int) -> None:
                # A model-path order, its answer awaited, then a fast-path order and a ping; 2-6 s pause.
                i = 0
                loop = asyncio.get_running_loop()
                while not stop.is_set() and not c.closed:
                    i += 1
                    fut = c.expect(f"nl_result:x{i}")
                    t0 = loop.time()
                    await c.send({"type": "nl", "text": texts[(k * 300 + i) % len(texts)], "ref": f"x{i}"})
                    try:
                        t1, data = await asyncio.wait_for(fut, 60)
                        tally[f"{data.get('status')}:{data.get('source')}"] += 1
                        lat.append((t1 - t0) * 1000)
                    except asyncio.TimeoutError:
                        tally["no_answer"] += 1
                    await c.send({"type": "nl", "text": rng.choice(FAST_TEXTS), "ref": f"f{i}"})
                    await c.send({"type": "ping", "t": i})
                    await asyncio.sleep(rng.uniform(2, 6))

            tasks = [asyncio.get_running_loop().create_task(paced(c, k)) for k, c in enumerate(clients)]
            t0 = time.monotonic()
            while time.monotonic() - t0 < seconds:
                samples.append((round(time.monotonic() - t0, 1), srv.rss_mb()))
                await asyncio.sleep(5)
            samples.append((round(time.monotonic() - t0, 1), srv.rss_mb()))
            stop.set()
            runtime = await admin(s, srv.url, "/api/admin/runtime")
            st = await model_status(s, srv.url)
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for c in clients:
                await c.close()
    finally:
        srv.stop()
    rss = [v for _, v in samples]
    warm_idx = next(i for i, (t, _) in enumerate(samples) if t >= min(60.0, seconds / 3))
    warm = rss[warm_idx]
    return {"model_orders": dict(tally), "model_order_latency_ms": summary(lat, 0),"part": "memory", "machine": machine(), "mmap": args.mmap, "minutes": args.minutes, "rooms": args.rooms,
            "loadavg_start": load_start, "loadavg_end": load1(), "model_file_mb": model_mb,
            "budget_mb": round(model_mb + 250, 1), "rss_mb_model_ready_no_rooms": rss_ready,
            "rss_mb_after_warmup": warm, "rss_mb_end": rss[-1], "rss_mb_max": max(rss),
            "growth_after_warmup": round((rss[-1] - warm) / warm, 4),
            "growth_max_after_warmup": round((max(rss[warm_idx:]) - warm) / warm, 4),
            "model_completed": st.get("completed"), "model_timeout": st.get("timeout"), "warmup": warmup,
            "runtime_end": runtime, "samples": samples}


# --- 6. start-up ----------------------------------------------------------------------------

async def part_startup(args: argparse.Namespace) -> dict[str, Any]:
    load_start = load1()
    runs = []
    for i in range(args.runs):
        srv = start_server(poll_s=0.005)
        runs.append({"http_ready_s": round(srv.http_ready_s or -1, 3), "model_ready_s": round(srv.model_ready_s or -1, 3),
                     "rss_mb": srv.rss_mb(), "loadavg": load1()})
        srv.stop()
        time.sleep(0.5)
    warm = runs[1:] if len(runs) > 1 else runs
    return {"part": "startup", "machine": machine(), "loadavg_start": load_start, "loadavg_end": load1(),
            "first_run": runs[0], "later_runs": {"http_ready_s": summary([r["http_ready_s"] for r in warm], 3),
                                                 "model_ready_s": summary([r["model_ready_s"] for r in warm], 3)},
            "runs": runs}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="part", required=True)
    p = sub.add_parser("tick", help="10 rooms + the model busy: state intervals and tick lateness")
    p.add_argument("--threads", default="1:1,1:2,2:2", help="LLM_THREADS:LLM_THREADS_BATCH configurations")
    p.add_argument("--rooms", type=int, default=10)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--warm", type=float, default=5)
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--analysis-interval", type=float, default=2.0)
    p.add_argument("--no-fast-path", action="store_true")
    p.add_argument("--gc-probe", default=None, help="run the server under bench/gc_probe.py; path prefix for its JSON")
    p.add_argument("--plans", default="0", help="active plans each seated player holds, e.g. 0,8 to compare")
    p = sub.add_parser("latency", help="order latency: fast path, cache, model; HTTP and WebSocket")
    p.add_argument("--n", type=int, default=20)
    p = sub.add_parser("burst", help="model-path orders sent at the same moment vs one at a time")
    p.add_argument("--size", type=int, default=8, help="orders sent at once")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--single", type=int, default=8, help="single orders measured first (the reference)")
    p.add_argument("--batch", type=int, default=0, help="LLM_BATCH for the server (0: its default)")
    p = sub.add_parser("bandwidth", help="bytes per second to a player in a played game")
    p.add_argument("--minutes", type=float, default=3)
    p.add_argument("--rooms", type=int, default=2)
    p = sub.add_parser("capacity", help="rooms sustained with tick p99 <= 55 ms")
    p.add_argument("--rooms-list", default="10,20,30,40")
    p.add_argument("--gc-probe", default=None, help="run the server under bench/gc_probe.py; path prefix for its JSON")
    p.add_argument("--seconds", type=float, default=40)
    p.add_argument("--warm", type=float, default=10)
    p = sub.add_parser("spectators", help="spectators of one room")
    p.add_argument("--list", default="50,100,200,300")
    p.add_argument("--gc-probe", default=None, help="run the server under bench/gc_probe.py; path prefix for its JSON")
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--warm", type=float, default=5)
    p = sub.add_parser("memory", help="RSS with rooms and the model busy, growth over the run")
    p.add_argument("--mmap", type=int, default=1)
    p.add_argument("--minutes", type=float, default=10)
    p.add_argument("--rooms", type=int, default=10)
    p = sub.add_parser("startup", help="HTTP ready and model ready after process start")
    p.add_argument("--runs", type=int, default=7)
    for p in sub.choices.values():
        p.add_argument("--json", default=None, help="also write the result here")
    args = ap.parse_args()
    fn = {"tick": part_tick, "latency": part_latency, "burst": part_burst, "bandwidth": part_bandwidth, "capacity": part_capacity,
          "spectators": part_spectators, "memory": part_memory, "startup": part_startup}[args.part]
    result = asyncio.run(fn(args))
    write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
