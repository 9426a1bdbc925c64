"""Per-connection guards: origin allowlist, connections per address, and a
token bucket for message rates."""

from __future__ import annotations

import time
from collections import Counter
from urllib.parse import urlsplit

from aiohttp import web

from ..settings import Settings

LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}


def origin_allowed(request: web.Request, settings: Settings) -> bool:
    """Browsers always send Origin on a WebSocket handshake; scripts usually
    don't, and are not what an Origin check protects against."""
    origin = request.headers.get("Origin")
    if not origin:
        return True
    parts = urlsplit(origin)
    if not parts.scheme or not parts.netloc:
        return False
    if parts.netloc == request.host:  # the page's own origin
        return True
    if (parts.hostname or "") in LOCAL_HOSTS:
        return True
    allowed = {o.strip().rstrip("/") for o in settings.allowed_origins.split(",") if o.strip()}
    if settings.space_host:
        allowed.add(f"https://{settings.space_host}")
    return origin.rstrip("/") in allowed


def client_address(request: web.Request) -> str:
    return request.remote or "unknown"


class ConnectionTracker:
    """Counts open WebSocket connections per client address."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.open: Counter[str] = Counter()

    def acquire(self, address: str) -> bool:
        if self.open[address] >= self.limit:
            return False
        self.open[address] += 1
        return True

    def release(self, address: str) -> None:
        self.open[address] -= 1
        if self.open[address] <= 0:
            del self.open[address]


class TokenBucket:
    """`rate` messages per second on average, `burst` at once."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, float(burst)
        self.tokens = float(burst)
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False
