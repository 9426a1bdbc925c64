"""The remote backend (OpenAI-compatible HTTP) behind the same worker API."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from server.llm import LLMSettings, ModelWorker


class FakeOpenAI(BaseHTTPRequestHandler):
    """Streams ``words`` as chat (or completion) chunks, one per ``delay`` seconds."""

    words: ClassVar[list[str]] = ["{", '"a":', "1", "}"]
    delay = 0.0
    payloads: ClassVar[list[dict[str, Any]]] = []

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        body = b'{"object":"list","data":[{"id":"fake"}]}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.payloads.append({"path": self.path, **payload})
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        chat = self.path.endswith("/chat/completions")
        words = self.words
        try:
            for i, w in enumerate(words[: payload["max_tokens"]]):
                time.sleep(self.delay)
                choice = {"delta": {"content": w}} if chat else {"text": w}
                last = i == len(words) - 1
                choice["finish_reason"] = "stop" if last else None
                self.wfile.write(b"data: " + json.dumps({"choices": [choice]}).encode() + b"\n\n")
                self.wfile.flush()
            self.wfile.write(b"data: [DONE]\n\n")
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture
def server() -> Iterator[tuple[str, type[FakeOpenAI]]]:
    handler = type("Handler", (FakeOpenAI,), {"payloads": [], "delay": 0.0})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", handler
    httpd.shutdown()
    httpd.server_close()


async def ready(w: ModelWorker) -> str:
    end = time.monotonic() + 10
    while w.state == "loading" and time.monotonic() < end:
        await asyncio.sleep(0.01)
    return w.state


async def test_remote_chat_with_grammar(server) -> None:  # type: ignore[no-untyped-def]
    url, handler = server
    w = ModelWorker(LLMSettings(backend="remote", remote_url=url + "/v1", remote_model="smol"))
    w.start()
    assert await ready(w) == "ready"
    snap = await w.wait(w.submit("order", "SYS", "attack", grammar='root ::= "x"', max_tokens=9), 5)
    assert snap is not None and snap["status"] == "completed" and snap["text"] == '{"a":1}'
    p = handler.payloads[-1]
    assert p["path"] == "/v1/chat/completions" and p["grammar"] == 'root ::= "x"' and p["model"] == "smol"
    assert p["messages"] == [{"role": "system", "content": "SYS"}, {"role": "user", "content": "attack"}]
    assert p["stream"] is True and p["max_tokens"] == 9
    st = w.status()
    assert st["backend"] == "remote" and st["loads"] == 1 and st["process_loads"] >= 0
    w.close()


async def test_remote_completion_api(server) -> None:  # type: ignore[no-untyped-def]
    url, handler = server
    w = ModelWorker(LLMSettings(backend="remote", remote_url=url, remote_api="completion"))
    w.start()
    assert await ready(w) == "ready"
    snap = await w.wait(w.submit("order", "SYS", "attack"), 5)
    assert snap is not None and snap["text"] == '{"a":1}'
    p = handler.payloads[-1]
    assert p["path"] == "/v1/completions" and p["prompt"].startswith("<|im_start|>system\nSYS<|im_end|>")
    w.close()


async def test_remote_cancel_and_preempt_at_next_chunk(server) -> None:  # type: ignore[no-untyped-def]
    url, handler = server
    handler.words = ["w "] * 200
    handler.delay = 0.01
    w = ModelWorker(LLMSettings(backend="remote", remote_url=url))
    w.start()
    assert await ready(w) == "ready"
    analysis = w.submit("analysis", "S", "long", priority=10, max_tokens=200)
    while w.get(analysis)["status"] != "processing":  # type: ignore[index]
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.1)
    handler.words = ["ok"]
    order = w.submit("order", "S", "now", priority=0)
    o = await w.wait(order, 5)
    assert o is not None and o["status"] == "completed" and o["text"] == "ok"
    a = await w.wait(analysis, 5)
    assert a is not None and a["status"] == "completed" and a["preemptions"] == 1
    handler.words = ["w "] * 200
    rid = w.submit("analysis", "S", "long", max_tokens=200)
    while w.get(rid)["status"] != "processing":  # type: ignore[index]
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)
    t0 = time.monotonic()
    w.cancel(rid)
    snap = await w.wait(rid, 5)
    assert snap is not None and snap["status"] == "cancelled" and time.monotonic() - t0 < 0.5
    w.close()


async def test_remote_unreachable_fails_cleanly() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    w = ModelWorker(LLMSettings(backend="remote", remote_url=f"http://127.0.0.1:{port}", load_timeout_s=0.3))
    w.start()
    assert await ready(w) == "failed"
    assert "not reachable" in w.status()["error"]
    w.close()


SERVER_DEPS = ("uvicorn", "fastapi", "sse_starlette", "starlette_context", "pydantic_settings", "anyio")
# The server extra may live outside the venv (pip install --target DIR ...), for the
# server subprocess only: LLM_SERVER_DEPS=DIR.
EXTRA_DEPS = os.environ.get("LLM_SERVER_DEPS", "")


def _missing_server_deps() -> list[str]:
    return [
        m for m in SERVER_DEPS
        if importlib.util.find_spec(m) is None
        and not (EXTRA_DEPS and os.path.isdir(os.path.join(EXTRA_DEPS, m)))
    ]


@pytest.mark.model
@pytest.mark.skipif(
    bool(_missing_server_deps()),
    reason="llama_cpp.server needs the llama-cpp-python[server] extra "
    f"({', '.join(_missing_server_deps())} not installed; or set LLM_SERVER_DEPS to a --target dir)",
)
async def test_remote_against_llama_cpp_server(model_path: str) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", model_path, "--port", str(port),
         "--host", "127.0.0.1", "--n_threads", "1", "--n_ctx", "1024"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ,
             "PYTHONPATH": os.pathsep.join(filter(None, (EXTRA_DEPS, os.environ.get("PYTHONPATH"))))},
    )
    try:
        url = f"http://127.0.0.1:{port}"
        w = ModelWorker(LLMSettings(backend="remote", remote_url=url, load_timeout_s=60))
        w.start()
        assert await ready(w) in ("loading", "ready")
        end = time.monotonic() + 60
        while w.state == "loading" and time.monotonic() < end:
            await asyncio.sleep(0.1)
        assert w.state == "ready"
        grammar = 'root ::= "{" "\\"n\\":" [0-9] "}"'
        rid = w.submit("order", "Answer in JSON.", "a number", grammar=grammar, max_tokens=10)
        snap = await w.wait(rid, 30)
        assert snap is not None and snap["status"] == "completed", snap
        assert set(json.loads(snap["text"])) == {"n"}
        story = w.submit("story", "You write very long stories.", "A long story about a dragon.",
                         max_tokens=300)
        while w.get(story)["status"] != "processing":  # type: ignore[index]
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.5)
        t0 = time.monotonic()
        w.cancel(story)
        snap = await w.wait(story, 5)
        assert snap is not None and snap["status"] == "cancelled" and time.monotonic() - t0 < 1.0
        w.close()
        c = ModelWorker(LLMSettings(backend="remote", remote_url=url, remote_api="completion"))
        c.start()
        end = time.monotonic() + 60  # the probe answers slowly while the box is loaded
        while c.state == "loading" and time.monotonic() < end:
            await asyncio.sleep(0.05)
        assert c.state == "ready"
        rid = c.submit("order", "Answer in JSON.", "a number", grammar=grammar, max_tokens=10)
        snap = await c.wait(rid, 30)
        assert snap is not None and snap["status"] == "completed", snap
        assert set(json.loads(snap["text"])) == {"n"}
        c.close()
    finally:
        proc.terminate()
        proc.wait(10)


def _start_llama_server(model_path: str) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", model_path, "--port", str(port),
         "--host", "127.0.0.1", "--n_threads", "1", "--n_ctx", "1024",
         "--interrupt_requests", "False"],  # one slot per server: a second request waits, never cuts in
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ,
             "PYTHONPATH": os.pathsep.join(filter(None, (EXTRA_DEPS, os.environ.get("PYTHONPATH"))))},
    )
    return proc, f"http://127.0.0.1:{port}"


@pytest.mark.model
@pytest.mark.skipif(
    bool(_missing_server_deps()),
    reason="llama_cpp.server needs the llama-cpp-python[server] extra "
    f"({', '.join(_missing_server_deps())} not installed; or set LLM_SERVER_DEPS to a --target dir)",
)
async def test_remote_pool_serves_concurrent_requests_concurrently(model_path: str) -> None:
    """Two model servers (llama_cpp.server has one slot each: the stand-in for llama-server
    --parallel 2) and remote_parallel=2: two requests run at the same time, one on each."""
    servers = [_start_llama_server(model_path) for _ in range(2)]
    try:
        url = ",".join(u for _, u in servers)
        w = ModelWorker(LLMSettings(backend="remote", remote_url=url, remote_parallel=2, load_timeout_s=90))
        w.start()
        end = time.monotonic() + 90
        while w.state == "loading" and time.monotonic() < end:
            await asyncio.sleep(0.1)
        assert w.state == "ready", w.status()
        ids = [w.submit("story", "You write very long stories.", f"A long story about dragon {i}.",
                        max_tokens=24, timeout_s=120) for i in range(2)]
        seen_both = False
        while not all(w.get(i)["status"] == "completed" for i in ids):  # type: ignore[index]
            seen_both = seen_both or w.status()["processing"] == 2
            await asyncio.sleep(0.01)
        snaps = [w.get(i) for i in ids]
        assert all(s is not None and s["text"] for s in snaps), snaps
        assert seen_both and w.status()["parallel"] == 2
        # both were being answered at the same time, each by its own server
        assert max(s["started"] for s in snaps) < min(s["finished"] for s in snaps)  # type: ignore[index]
        served = [srv["served"] for srv in w.status()["details"]["servers"]]
        assert served == [1, 1], served
        # a third request queues for a free server and is served too
        third = await w.wait(w.submit("order", "Answer briefly.", "hello", max_tokens=4, timeout_s=120), 120)
        assert third is not None and third["status"] == "completed"
        w.close()
    finally:
        for proc, _ in servers:
            proc.terminate()
            proc.wait(10)
