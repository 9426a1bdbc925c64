"""Shared fixtures: the real app from the real factory, and WebSocket helpers
that wait for messages instead of sleeping."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from pathlib import Path
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import pytest
from aiohttp import WSMsgType

from server.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def make_settings(**overrides: Any) -> Settings:
    """Test settings: no periodic analysis, the model off unless asked for."""
    base: dict[str, Any] = {"llm_backend": "disabled", "analysis_interval_s": 0.0, "port": 0}
    base.update(overrides)
    return Settings.from_env(env={}, **base)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WSProbe:
    """A real WebSocket client that keeps every message it receives."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.messages: list[dict[str, Any]] = []
        self._cursor = 0

    async def next(self, timeout: float = 5.0) -> dict[str, Any]:
        msg = await self.ws.receive(timeout=timeout)
        if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING):
            raise ConnectionError(f"closed: {self.ws.close_code}")
        if msg.type == WSMsgType.ERROR:
            raise ConnectionError(f"error: {msg.data}")
        data = orjson.loads(msg.data)
        self.messages.append(data)
        return data

    async def wait_for(self, kind: str | Callable[[dict[str, Any]], bool], timeout: float = 5.0) -> dict[str, Any]:
        pred = (lambda m: m.get("type") == kind) if isinstance(kind, str) else kind
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no message matching {kind!r} within {timeout} s")
            msg = await self.next(timeout=left)
            if pred(msg):
                return msg

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send_str(orjson.dumps(message).decode())


async def eventually(probe: Callable[[], Awaitable[Any]], timeout: float = 5.0) -> Any:
    """Ask the server again (every 20 ms) until `probe` answers something truthy:
    for state seen only through polled endpoints (metrics, admin), not messages."""
    deadline = time.monotonic() + timeout
    while True:
        got = await probe()
        if got:
            return got
        if time.monotonic() > deadline:
            raise TimeoutError(f"{probe.__name__} still false after {timeout} s")
        await asyncio.sleep(0.02)


@pytest.fixture
def settings_factory() -> Callable[..., Settings]:
    return make_settings


@pytest.fixture
async def app_client(aiohttp_client: Any) -> Callable[..., Any]:
    """Start the real app with test settings: `client = await app_client(**overrides)`."""
    from server.web.app import create_app

    async def start(**overrides: Any) -> Any:
        return await aiohttp_client(create_app(make_settings(**overrides)))

    return start


@pytest.fixture
def ws_connect(app_client: Any) -> Callable[..., Any]:
    async def connect(client: Any, query: str = "", **kw: Any) -> WSProbe:
        ws = await client.ws_connect(f"/ws{query}", **kw)
        return WSProbe(ws)

    return connect


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.path.exists("/usr/bin/chromium"):
        return
    skip = pytest.mark.skip(reason="Debian's chromium (/usr/bin/chromium) is not installed")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)
