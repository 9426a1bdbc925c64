"""`python -m server.mcp` over stdio, driven by the official SDK's stdio client:
the same tools, a game played through them, orders in words, errors."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.shared.exceptions import MCPError

from .conftest import call, call_error

ROOT = Path(__file__).resolve().parents[2]


def stdio_server() -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable, args=["-m", "server.mcp", "--port", "0"], cwd=str(ROOT),
        env={"LLM_BACKEND": "disabled", "ANALYSIS_INTERVAL_S": "0", "LOG_LEVEL": "WARNING"})


async def test_a_game_over_stdio() -> None:
    async with Client(stdio_server()) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert {"create_game", "get_state", "act", "order", "get_advice", "get_rules", "wait"} <= names
        seat_info = await call(client, "create_game", {"difficulty": "easy"})
        seat = {"room": seat_info["room"], "token": seat_info["token"]}
        state = await call(client, "get_state", seat)
        assert state["credits"] == 5000 and state["buildings"][0]["type"] == "hq"
        answer = await call(client, "act", {**seat, "actions": [
            {"action": "build_building", "building_type": "power_plant"},
            {"action": "build_unit", "unit_type": "tank"}]})
        assert answer["results"][0] == {"ok": True} and answer["results"][1]["ok"] is False
        for lang, text in (("en", "build a barracks"), ("fr", "construis une caserne"), ("zh-TW", "建造兵營")):
            words = await call(client, "order", {**seat, "text": text, "lang": lang})
            assert words["status"] == "completed" and words["actions"][0]["building_type"] == "barracks"
        waited = await call(client, "wait", {**seat, "ticks": 200, "until_event": True})
        assert waited["events"] or waited["waited"] >= 200
        advice = await call(client, "get_advice", {**seat, "lang": "zh-TW"})
        assert advice["text"]
        assert (await call_error(client, "get_state", {**seat, "token": "nope"}))["code"] == "forbidden"
        with pytest.raises(MCPError, match="unknown tool"):
            await client.call_tool("nope", {})
        state = await call(client, "get_state", seat)
        assert any(b["type"] == "power_plant" for b in state["buildings"])
