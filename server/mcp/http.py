"""Streamable HTTP at `/mcp` on the aiohttp app's own port.

The SDK's `StreamableHTTPSessionManager` is an ASGI callable (plus an anyio
task group that its `run()` context keeps open). Rather than mounting a
second framework, an aiohttp handler turns the request into an ASGI scope,
feeds the body through `receive` and streams whatever the manager sends back
into an aiohttp `StreamResponse`. That keeps `/mcp` an ordinary route of the
app: the same middlewares (security headers, JSON errors), the same router
(so the OpenAPI test sees it) and one port, which is all a HuggingFace Space
exposes. See docs/AGENTS.md ("Why a bridge and not an ASGI adapter").
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web
from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

log = logging.getLogger("mcp")

# How often a long-lived response (the SSE stream of GET /mcp) checks that
# its client is still there; ASGI apps learn it from `http.disconnect`.
DISCONNECT_POLL_S = 1.0
BODY_CHUNK = 65536


class MCPHttpEndpoint:
    """One session manager for the process, run in its own task so the anyio
    task group is entered and exited in the same task (aiohttp's cleanup
    contexts run startup and cleanup in different tasks)."""

    def __init__(self, server: Server[Any], *, max_body_bytes: int, session_idle_timeout_s: float,
                 max_sessions: int) -> None:
        self.manager = StreamableHTTPSessionManager(
            app=server, json_response=False, stateless=False,
            max_request_body_size=max_body_bytes, session_idle_timeout=session_idle_timeout_s,
            max_sessions=max_sessions)
        self._stop = asyncio.Event()
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="mcp-session-manager")
        ready = asyncio.ensure_future(self._ready.wait())
        await asyncio.wait([ready, self._task], return_when=asyncio.FIRST_COMPLETED)
        ready.cancel()
        if self._task.done():
            self._task.result()  # the manager failed to start: raise its error

    async def _run(self) -> None:
        async with self.manager.run():
            self._ready.set()
            await self._stop.wait()

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if not self._ready.is_set() or self._stop.is_set():
            raise web.HTTPServiceUnavailable(text='{"error":"the MCP endpoint is not running"}',
                                            content_type="application/json")
        bridge = _AsgiExchange(request)
        await self.manager.handle_request(bridge.scope(), bridge.receive, bridge.send)
        return await bridge.finish()


class _AsgiExchange:
    """One HTTP exchange seen from the ASGI side."""

    def __init__(self, request: web.Request) -> None:
        self.request = request
        self.response: web.StreamResponse | None = None
        self.body_sent = False
        self.finished = False
        self.gone = asyncio.Event()

    def scope(self) -> dict[str, Any]:
        r = self.request
        peer = r.transport.get_extra_info("peername") if r.transport is not None else None
        sock = r.transport.get_extra_info("sockname") if r.transport is not None else None
        return {
            "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": f"{r.version.major}.{r.version.minor}", "method": r.method,
            "scheme": r.scheme, "path": r.path, "raw_path": r.raw_path.split("?", 1)[0].encode(),
            "query_string": r.query_string.encode(), "root_path": "",
            "headers": [(k.lower(), v) for k, v in r.raw_headers],
            "client": tuple(peer[:2]) if isinstance(peer, tuple) else None,
            "server": tuple(sock[:2]) if isinstance(sock, tuple) else None,
        }

    async def receive(self) -> dict[str, Any]:
        if not self.body_sent:
            # Streamed in chunks, so the SDK's own body limit (the manager's
            # max_request_body_size) answers an oversized message with a
            # JSON-RPC error instead of aiohttp's plain-text 413.
            chunk = await self.request.content.read(BODY_CHUNK)
            more = bool(chunk) and not self.request.content.at_eof()
            self.body_sent = not more
            return {"type": "http.request", "body": chunk, "more_body": more}
        # Only a disconnect is left to report: wait for it (or for the end of the exchange).
        while not self.gone.is_set():
            transport = self.request.transport
            if transport is None or transport.is_closing():
                break
            try:
                await asyncio.wait_for(self.gone.wait(), DISCONNECT_POLL_S)
            except TimeoutError:
                pass
        self.gone.set()
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in message.get("headers", [])]
            response = web.StreamResponse(status=message["status"])
            for k, v in headers:
                if k.lower() != "content-length":  # aiohttp frames the body itself
                    response.headers.add(k, v)
            self.response = response
        elif kind == "http.response.body":
            if self.response is None or self.gone.is_set():
                return
            try:
                if not self.response.prepared:
                    await self.response.prepare(self.request)
                body = message.get("body", b"")
                if body:
                    await self.response.write(body)
                if not message.get("more_body", False):
                    await self.response.write_eof()
                    self.finished = True
            except (ConnectionError, RuntimeError):
                self.gone.set()  # the client went away mid-stream

    async def finish(self) -> web.StreamResponse:
        self.gone.set()
        response = self.response
        if response is None:  # the app sent nothing: that is a bug on its side
            log.error("MCP request %s %s got no response", self.request.method, self.request.path)
            return web.json_response({"error": "no response"}, status=500)
        if not response.prepared:
            await response.prepare(self.request)
        if not self.finished:
            try:
                await response.write_eof()
            except (ConnectionError, RuntimeError):
                pass
        return response
