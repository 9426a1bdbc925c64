"""Per-request guards of the web layer: the origin allowlist and the client's
address (the per-address limits are in server/limits.py, counted through the
directory: server/cluster)."""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from .. import keys
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
    """The peer's address. Behind a trusted proxy (FORWARDED_ALLOW_IPS) it is
    the address that proxy saw: the last X-Forwarded-For entry, the one it
    appended (entries before it are whatever the client claimed)."""
    remote = request.remote or "unknown"
    trusted = request.app[keys.SETTINGS].forwarded_allow_ips
    if trusted and (trusted.strip() == "*" or remote in {a.strip() for a in trusted.split(",")}):
        last = request.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
        if last:
            return last
    return remote
