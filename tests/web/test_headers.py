"""Security headers on the real server: the page, the API, static files, errors and the MCP endpoint."""

from __future__ import annotations

import re
from typing import Any

import aiohttp
import pytest

PATHS = ["/", "/healthz", "/api/nl/examples?lang=fr", "/static/main.js", "/api/no-such-route",
         "/api/openapi.json", "/api/docs"]


def directives(csp: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


@pytest.fixture
async def server(aiohttp_server: Any) -> Any:
    from server.web.app import create_app
    from tests.conftest import make_settings

    return await aiohttp_server(create_app(make_settings()))


@pytest.mark.parametrize("path", PATHS)
async def test_every_answer_carries_the_headers(server: Any, path: str) -> None:
    async with aiohttp.ClientSession() as http, http.get(server.make_url(path)) as r:
        await r.read()
        h = r.headers
        assert h["X-Content-Type-Options"] == "nosniff"
        assert h["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert h["Server"] == "red-alert-nl"
        assert not re.search(r"\d", h["Server"]), "no version in Server"
        csp = directives(h["Content-Security-Policy"])
        assert csp["default-src"] == ["'self'"]
        assert csp["object-src"] == ["'none'"]
        assert csp["frame-ancestors"] == ["'self'", "https://huggingface.co", "https://*.hf.space"]
        host = f"{server.host}:{server.port}"
        assert csp["connect-src"] == ["'self'", f"ws://{host}"]
        # Scripts: only this origin's files (plus, on the page, the one inline script with its nonce).
        assert csp["script-src"][0] == "'self'"
        assert all(s.startswith("'nonce-") for s in csp["script-src"][1:])
        assert "'unsafe-inline'" not in h["Content-Security-Policy"]
        assert "'unsafe-eval'" not in h["Content-Security-Policy"]


async def test_the_page_inline_script_runs_only_with_this_answers_nonce(server: Any) -> None:
    async with aiohttp.ClientSession() as http:
        nonces = []
        for _ in range(2):
            async with http.get(server.make_url("/")) as r:
                page = await r.text()
                csp = directives(r.headers["Content-Security-Policy"])
            nonce = csp["script-src"][1][len("'nonce-"):-1]
            inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", page)
            assert inline == [f' nonce="{nonce}"'], "every inline script carries this answer's nonce"
            nonces.append(nonce)
        assert nonces[0] != nonces[1], "a fresh nonce per answer"


async def test_the_mcp_stream_and_errors_carry_the_headers(server: Any) -> None:
    async with aiohttp.ClientSession() as http:
        # Not an MCP request (no Accept for JSON and event streams): the SDK refuses it, with our headers.
        async with http.post(server.make_url("/mcp"), data=b"{}", headers={"Content-Type": "application/json"}) as r:
            assert r.status >= 400
            assert r.headers["X-Content-Type-Options"] == "nosniff"
            assert "frame-ancestors" in r.headers["Content-Security-Policy"]
        # The WebSocket handshake answer too.
        upgrade = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
                   "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
        async with http.get(server.make_url("/ws"), headers=upgrade) as r:
            assert r.status == 101
            assert r.headers["X-Content-Type-Options"] == "nosniff"
            assert "frame-ancestors" in r.headers["Content-Security-Policy"]
