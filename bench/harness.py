"""Shared pieces of the server benchmarks: start `python app.py` on a free
port, WebSocket clients that time and count what they receive, model-path
texts, percentiles and machine facts (cores, memory, load average).

Not a benchmark itself; see bench/bench_server.py.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import psutil
from aiohttp import ClientSession, ClientTimeout, TCPConnector, WSMsgType

ROOT = Path(__file__).resolve().parents[1]
TOKEN = os.environ.get("ADMIN_TOKEN") or secrets.token_hex(8)


# --- figures -----------------------------------------------------------------

def pct(xs: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of xs, None if empty."""
    if not xs:
        return None
    s = sorted(xs)
    k = max(0, min(len(s) - 1, int(round(q / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


def summary(xs: list[float], digits: int = 1) -> dict[str, Any]:
    if not xs:
        return {"n": 0}
    r = lambda v: None if v is None else round(v, digits)  # noqa: E731
    return {"n": len(xs), "p50": r(pct(xs, 50)), "p95": r(pct(xs, 95)), "p99": r(pct(xs, 99)),
            "max": r(max(xs)), "mean": r(sum(xs) / len(xs))}


def machine() -> dict[str, Any]:
    vm = psutil.virtual_memory()
    return {"nproc": os.cpu_count(), "mem_gib": round(vm.total / 2**30, 1), "loadavg": os.getloadavg(),
            "utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())}


def load1() -> float:
    return round(os.getloadavg()[0], 2)


# --- the server under test ----------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    url: str
    started: float  # time.monotonic() just before Popen
    http_ready_s: float | None = None
    model_ready_s: float | None = None

    @property
    def ps(self) -> psutil.Process:
        return psutil.Process(self.proc.pid)

    def rss_mb(self) -> float:
        return round(self.ps.memory_info().rss / 2**20, 1)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _get_json(url: str, timeout: float = 1.0, token: str | None = None) -> tuple[int, Any]:
    req = urllib.request.Request(url)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return resp.status, json.loads(resp.read())


def start_server(env: dict[str, str] | None = None, *, wait_model: bool = True, timeout: float = 180.0,
                 poll_s: float = 0.01, quiet: bool = True, gc_probe: str | None = None) -> Server:
    """`python app.py` on a free loopback port; returns once /healthz answers 200
    (and the model is no longer loading, if wait_model). Records both times
    from just before the process was started."""
    port = free_port()
    full_env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1", "ADMIN_TOKEN": TOKEN,
                "LOG_LEVEL": "WARNING", **(env or {})}
    cmd = [sys.executable, "app.py"]
    if gc_probe:  # app.py under bench/gc_probe.py: collector pauses written to gc_probe at exit
        cmd = [sys.executable, str(ROOT / "bench" / "gc_probe.py")]
        full_env["GC_PROBE_OUT"] = gc_probe
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=full_env,
                            stdout=subprocess.DEVNULL if quiet else None,
                            stderr=subprocess.DEVNULL if quiet else None)
    srv = Server(proc, f"http://127.0.0.1:{port}", t0)
    deadline = t0 + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if srv.http_ready_s is None:
                status, _ = _get_json(srv.url + "/healthz", timeout=0.5)
                if status == 200:
                    srv.http_ready_s = time.monotonic() - t0
            if srv.http_ready_s is not None:
                if not wait_model:
                    return srv
                _, st = _get_json(srv.url + "/api/model/status", timeout=1.0)
                if st.get("state") != "loading":
                    srv.model_ready_s = time.monotonic() - t0
                    return srv
        except OSError:
            pass
        time.sleep(poll_s)
    srv.stop()
    raise RuntimeError("server did not start in time")


async def admin(session: ClientSession, url: str, path: str) -> Any:
    """An operator route's JSON, or {"error": ...} when it fails (the bench goes on)."""
    async with session.get(url + path, headers={"Authorization": f"Bearer {TOKEN}"}) as r:
        if r.status != 200:
            return {"error": f"HTTP {r.status}: {(await r.text())[:200]}"}
        return await r.json()


async def model_status(session: ClientSession, url: str) -> dict[str, Any]:
    async with session.get(url + "/api/model/status") as r:
        return await r.json()


async def wait_idle(session: ClientSession, url: str, timeout: float = 120.0) -> bool:
    """Wait until the model worker has nothing pending or processing."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        st = await model_status(session, url)
        if st.get("state") != "ready":
            return False
        if not st.get("pending") and not st.get("processing"):
            return True
        await asyncio.sleep(0.2)
    return False


async def wait_prefix_primed(session: ClientSession, url: str, timeout: float = 180.0) -> dict[str, Any]:
    """Warm the translate prefix the way a first player does: the translator
    primes its prefix on its first request, so send model-path orders until
    one completes (the first one may time out while the ~800-token prefix is
    evaluated under load), then wait for the worker to be idle. Returns the
    first order's answer and how many tries it took."""
    end = time.monotonic() + timeout
    tries = 0
    first: dict[str, Any] | None = None
    while time.monotonic() < end:
        tries += 1
        t0 = time.perf_counter()
        async with session.post(url + "/api/nl/translate",
                                json={"text": model_texts(1, seed=900 + tries)[0], "wait": 30}) as r:
            d = await r.json()
        d["client_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        first = first or d
        if d.get("status") == "completed" and d.get("source") == "llm":
            break
        await asyncio.sleep(0.5)
    await wait_idle(session, url, max(1.0, end - time.monotonic()))
    return {"first_order": first, "tries": tries}


def tick_lateness_histogram(metrics_text: str, name: str = "rts_tick_lateness_seconds") -> dict[float, float]:
    """Cumulative bucket counts of a histogram (default rts_tick_lateness_seconds) from /metrics."""
    out: dict[float, float] = {}
    for line in metrics_text.splitlines():
        if line.startswith(name + "_bucket"):
            le = line.split('le="', 1)[1].split('"', 1)[0]
            out[float("inf") if le == "+Inf" else float(le)] = float(line.rsplit(" ", 1)[1])
    return out


def histogram_delta(a: dict[float, float], b: dict[float, float]) -> dict[str, Any]:
    """Between two scrapes: total ticks, and share of ticks at most 5/20/35/50/100 ms late."""
    d = {k: b.get(k, 0.0) - a.get(k, 0.0) for k in b}
    total = d.get(float("inf"), 0.0)
    share = {f"<= {k * 1000:g} ms": round(v / total, 5) for k, v in sorted(d.items())
             if k != float("inf") and k >= 0.002 and total}

    def bound(q: float) -> str | None:
        """Upper bound of the bucket holding quantile q (the histogram's resolution)."""
        for k, v in sorted(d.items()):
            if total and v >= q * total:
                return "+Inf" if k == float("inf") else f"<= {k * 1000:g} ms"
        return None

    return {"ticks": int(total), "p50": bound(0.5), "p99": bound(0.99), "max": bound(1.0), "share": share}


# --- model-path texts -------------------------------------------------------------------

_OPENERS = ["get the boys ready for a push", "I want the lads to hang around the ore field",
            "the boys should go for a stroll", "get the lads to amble over yonder",
            "make the boys go for a stroll", "tell the lads to loiter by the hills",
            "the crew should mosey along the river", "I would like the lads to wander about"]
_TAILS = ["please", "now", "quickly", "soon", "later", "today", "eventually", "if possible", "ok", "thanks",
          "carefully", "right away", "when ready", "at dawn", "at dusk", "in a bit"]


def model_texts(n: int, seed: int = 1, prefix: str = "") -> list[str]:
    """n distinct English texts that the fast path defers to the model
    (checked with the same parser the server uses)."""
    sys.path.insert(0, str(ROOT))
    from server.nl import parser as rules  # noqa: PLC0415

    rng = random.Random(seed)
    out: list[str] = []
    seen: set[str] = set()
    tries = 0
    while len(out) < n and tries < n * 50:
        tries += 1
        t = f"{prefix}{rng.choice(_OPENERS)} {rng.choice(_TAILS)} {rng.choice(_TAILS)} {rng.randrange(1000, 9999)}"
        if t in seen:
            continue
        seen.add(t)
        if rules.parse(t, "en").kind == "defer":
            out.append(t)
    return out


FAST_TEXTS = ["build a power plant", "train 3 infantry", "send all units north", "stop all units",
              "harvesters go mine ore", "defend the base", "attack the nearest enemy", "build a barracks",
              "construis une caserne", "建造發電廠", "train 2 tanks", "send all tanks east"]


# --- WebSocket clients ------------------------------------------------------------------------

@dataclass
class WSClient:
    """A connected client that records every message: state/delta arrival
    times, bytes per message type, and answers to what it sent."""

    ws: Any
    welcome: dict[str, Any]
    t_connect: float
    state_times: list[float] = field(default_factory=list)
    bytes_by_type: Counter[str] = field(default_factory=Counter)
    count_by_type: Counter[str] = field(default_factory=Counter)
    bytes_per_second: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    sizes: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    waiters: dict[str, asyncio.Future[tuple[float, dict[str, Any]]]] = field(default_factory=dict)
    last_state: dict[str, Any] | None = None
    keep_state: bool = False
    breakdown_every: int = 0  # > 0: parse every Nth delta and add up bytes per top-level key
    delta_key_bytes: Counter[str] = field(default_factory=Counter)
    deltas_broken_down: int = 0
    record: bool = True
    task: asyncio.Task[None] | None = None
    closed: bool = False

    @property
    def room(self) -> str:
        return str(self.welcome["room"])

    def reset(self) -> None:
        self.state_times.clear()
        self.bytes_by_type.clear()
        self.count_by_type.clear()
        self.bytes_per_second.clear()
        self.sizes.clear()

    async def _read(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            async for msg in self.ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                now = loop.time()
                raw = msg.data
                n = len(raw.encode()) if isinstance(raw, str) else len(raw)
                # Message type without parsing the whole state when not needed.
                head = raw[:40]
                kind = head.split('"type":"', 1)[1].split('"', 1)[0] if '"type":"' in head else None
                data = None
                if kind is None or kind not in ("state", "delta") or self.keep_state:
                    data = orjson.loads(raw)
                    kind = data.get("type")
                if self.record:
                    self.bytes_by_type[kind] += n
                    self.count_by_type[kind] += 1
                    self.bytes_per_second[int(now)] += n
                if kind in ("state", "delta"):
                    if self.record:
                        self.state_times.append(now)
                        self.sizes[kind].append(n)
                        if kind == "delta" and self.breakdown_every and len(self.sizes[kind]) % self.breakdown_every == 0:
                            self._break_down(orjson.loads(raw), n)
                    if self.keep_state and data is not None:
                        self.last_state = data if kind == "state" else self.last_state
                    continue
                assert data is not None
                key = None
                if kind == "pong":
                    key = f"ping:{data.get('t')}"
                elif kind in ("nl_result", "command_result", "nl_ack") and data.get("ref") is not None:
                    key = f"{kind}:{data['ref']}"
                elif kind == "analysis":
                    key = f"analysis:{data.get('source')}"
                if key is not None and key in self.waiters:
                    fut = self.waiters.pop(key)
                    if not fut.done():
                        fut.set_result((now, data))
        except Exception:
            pass
        finally:
            self.closed = True

    def _break_down(self, delta: dict[str, Any], n: int) -> None:
        """Bytes of each top-level key of one delta (key name and separators included)."""
        self.deltas_broken_down += 1
        self.delta_key_bytes["(message)"] += n
        for k, v in delta.items():
            if k in ("units", "buildings") and isinstance(v, dict):
                for sub, items in v.items():  # set / del / any other list (e.g. field updates)
                    self.delta_key_bytes[f"{k}.{sub}"] += len(orjson.dumps({sub: items})) - 1
                    if isinstance(items, list):
                        self.delta_key_bytes[f"{k}.{sub}_count"] += len(items)
                continue
            self.delta_key_bytes[k] += len(orjson.dumps({k: v})) - 1

    def expect(self, key: str) -> asyncio.Future[tuple[float, dict[str, Any]]]:
        fut = asyncio.get_running_loop().create_future()
        self.waiters[key] = fut
        return fut

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send_str(orjson.dumps(message).decode())

    def intervals_ms(self) -> list[float]:
        t = self.state_times
        return [(b - a) * 1000.0 for a, b in zip(t, t[1:])]

    async def close(self) -> None:
        try:
            await self.ws.close()
        except Exception:
            pass
        if self.task is not None:
            await asyncio.gather(self.task, return_exceptions=True)


async def connect(session: ClientSession, url: str, room: str | None = None, as_: str = "player",
                  keep_state: bool = False) -> WSClient:
    q = []
    if room:
        q.append(f"room={room}")
    q.append(f"as={as_}")
    ws = await session.ws_connect(url.replace("http", "ws", 1) + "/ws?" + "&".join(q), max_msg_size=0,
                                  heartbeat=None, autoping=True)
    loop = asyncio.get_running_loop()
    first = await ws.receive(timeout=15)
    welcome = orjson.loads(first.data)
    if welcome.get("type") != "welcome":
        raise RuntimeError(f"no welcome: {welcome}")
    c = WSClient(ws, welcome, loop.time(), keep_state=keep_state)
    c.bytes_by_type["welcome"] += len(first.data.encode() if isinstance(first.data, str) else first.data)
    c.count_by_type["welcome"] += 1
    c.task = loop.create_task(c._read())
    return c


def session() -> ClientSession:
    # limit=0: aiohttp's default pool of 100 connections would hold back the 101st WebSocket.
    return ClientSession(timeout=ClientTimeout(total=120), connector=TCPConnector(limit=0))


def write_json(path: str | None, data: Any) -> None:
    text = json.dumps(data, indent=1, default=str)
    print(text)
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(text)
