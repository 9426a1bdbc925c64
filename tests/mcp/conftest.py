"""The real game server on a real port, and the official MCP SDK client."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from mcp import Client

from tests.conftest import make_settings


@pytest.fixture
def start_server(aiohttp_server: Any) -> Callable[..., Any]:
    """`server = await start_server(**settings)`: the app from the real factory on 127.0.0.1."""
    from server.web.app import create_app

    async def start(**overrides: Any) -> Any:
        return await aiohttp_server(create_app(make_settings(**overrides)))

    return start


@asynccontextmanager
async def mcp_client(server: Any) -> AsyncIterator[Client]:
    async with Client(str(server.make_url("/mcp"))) as client:
        yield client


async def call(client: Client, tool: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    """A tool call that must succeed; its structured answer."""
    result = await client.call_tool(tool, args or {})
    assert not result.is_error, result.content[0].text if result.content else result
    assert result.structured_content is not None
    # The text content is the same JSON (for clients that only read text).
    assert json.loads(result.content[0].text) == result.structured_content
    return result.structured_content


async def call_error(client: Client, tool: str, args: dict[str, Any]) -> dict[str, Any]:
    """A tool call that must fail as a tool error; its error object."""
    result = await client.call_tool(tool, args)
    assert result.is_error, result.structured_content
    assert result.structured_content is not None and "error" in result.structured_content
    assert result.content[0].text.startswith("Error (")
    return result.structured_content
