"""`python app.py` as a newcomer runs it: quick to answer, graceful on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from typing import Any

import orjson
import pytest
from aiohttp import ClientSession, WSMsgType

from tests.conftest import ROOT, free_port

pytestmark = pytest.mark.timeout(90)


def start_server(**env: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    full_env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1", "ANALYSIS_INTERVAL_S": "0", **env}
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=full_env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return proc, f"http://127.0.0.1:{port}"


def wait_healthy(url: str, proc: subprocess.Popen[bytes], limit: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.stdout.read().decode() if proc.stdout else ''}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=0.5) as resp:
                if resp.status == 200:
                    return time.monotonic() - started
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"server not healthy within {limit} s")


def model_state(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url + "/api/model/status", timeout=2) as resp:
        return orjson.loads(resp.read())


@pytest.mark.model
async def test_starts_fast_then_sigterm_closes_1001_and_exits_0() -> None:
    proc, url = start_server(LLM_BACKEND="local")
    try:
        # Accepting connections does not wait for the model (import time included).
        assert wait_healthy(url, proc, limit=10.0) < 10.0
        async with ClientSession() as session:
            ws = await session.ws_connect(url.replace("http", "ws") + "/ws")
            welcome = orjson.loads((await ws.receive(timeout=5)).data)
            assert welcome["type"] == "welcome"
            deadline = time.monotonic() + 30
            while model_state(url)["state"] == "loading" and time.monotonic() < deadline:
                time.sleep(0.2)
            assert model_state(url)["state"] == "ready"
            assert model_state(url)["loads"] == 1
            sent = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            while True:
                msg = await ws.receive(timeout=5)
                if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING):
                    break
            assert ws.close_code == 1001
        assert proc.wait(timeout=5) == 0
        assert time.monotonic() - sent < 5.0
        log = proc.communicate()[0].decode()
        assert "[web]" in log and "Traceback" not in log
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_bad_configuration_is_a_clear_error() -> None:
    proc, _ = start_server(PORT="seven")
    out = proc.communicate(timeout=20)[0].decode()
    assert proc.returncode == 2
    assert "PORT" in out and "Traceback" not in out
