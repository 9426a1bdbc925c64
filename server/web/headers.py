"""Security headers on every answer: the page, the API, static files, errors,
the MCP event stream and the WebSocket handshake.

The headers are set in `on_response_prepare`, which fires for every response
just before its headers go out, including those a handler prepares itself
(the MCP stream, WebSocket upgrades) and errors aiohttp turns into responses:
a middleware that edits returned responses would miss those. A small
middleware gives each request a script nonce, so the page's one inline boot
script runs while any other inline script is refused.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from contextvars import ContextVar

import aiohttp_jinja2
from aiohttp import web

#: Who may frame the game: the Space page on huggingface.co and Spaces' own hosts.
FRAME_ANCESTORS = "'self' https://huggingface.co https://*.hf.space"
#: The Server header names the software, not its version.
SERVER_NAME = "red-alert-nl"
REFERRER_POLICY = "strict-origin-when-cross-origin"

_nonce: ContextVar[str] = ContextVar("csp_nonce", default="")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def current_nonce() -> str:
    """The script nonce of the request being served (a template global)."""
    return _nonce.get()


@web.middleware
async def script_nonce(request: web.Request, handler: Handler) -> web.StreamResponse:
    _nonce.set(secrets.token_urlsafe(16))
    return await handler(request)


def content_security_policy(request: web.Request, nonce: str) -> str:
    # connect-src: 'self' is the page's origin over http(s); its ws:/wss: twin
    # is named too (older browsers do not extend 'self' to WebSocket schemes).
    ws_scheme = "wss" if request.secure or request.headers.get("X-Forwarded-Proto") == "https" else "ws"
    script = "script-src 'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    return "; ".join((
        "default-src 'self'",
        script,
        "style-src 'self'",
        "img-src 'self' data: blob:",
        f"connect-src 'self' {ws_scheme}://{request.host}",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        f"frame-ancestors {FRAME_ANCESTORS}",
    ))


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    h = response.headers
    h["Content-Security-Policy"] = content_security_policy(request, _nonce.get())
    h["X-Content-Type-Options"] = "nosniff"
    h["Referrer-Policy"] = REFERRER_POLICY
    h["Server"] = SERVER_NAME


def setup_security_headers(app: web.Application) -> None:
    """Call after `aiohttp_jinja2.setup` (the page's template reads `csp_nonce()`)."""
    app.middlewares.append(script_nonce)
    app.on_response_prepare.append(security_headers)
    aiohttp_jinja2.get_env(app).globals["csp_nonce"] = current_nonce
