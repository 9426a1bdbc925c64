"""The MCP server: tools and resources, on the SDK's low-level `Server`.

The low-level server (not `MCPServer`'s decorators) because each tool's input
schema is declared once in `server.mcp.schemas` and validated here with
jsonschema; a decorator would derive a second schema from Python signatures.
Every tool except `create_game` and `get_rules` takes `room` and `token` and
acts only for the seat that token holds (`SeatService.authorise`).

Errors an agent can correct (bad arguments, a wrong token, too many calls, a
closed room) come back as tool results with `isError: true` and a sentence
saying what to do, as the MCP spec asks; an unknown tool is a JSON-RPC error
(INVALID_PARAMS).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import mcp_types as types
import orjson
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.shared.exceptions import MCPError
from starlette.requests import Request

from .schemas import tool_inputs, first_error
from ..limits import TokenBucket
from .service import SeatError, SeatService

log = logging.getLogger("mcp")

ROOT = Path(__file__).resolve().parents[2]
#: Largest `arguments` object a tool accepts, as JSON.
MAX_ARGUMENT_BYTES = 16384
#: Seconds an `order` call waits for the translation (and execution) to finish.
ORDER_WAIT_S = 10.0

INSTRUCTIONS = (
    "Red Alert NL: a real-time strategy game at 20 ticks per second. Call create_game to get a seat "
    "(room, player, token), then loop: get_state -> act (exact ACTIONs) or order (plain words) -> wait. "
    "You win by destroying every enemy building. Power plant first, then barracks and refinery, then a "
    "war factory; train units and attack. get_rules has every cost and stat; the protocol resource has "
    "the ACTION format.")

DESCRIPTIONS: dict[str, str] = {
    "create_game": (
        "Start a new game and take a seat in it. With opponent \"computer\" (default) you are player 0 "
        "against the built-in AI at the given difficulty; with opponent \"agent\" you are player 1 and a "
        "person plays you by opening play_url in a browser (watch_url lets anyone watch). Returns room, "
        "player and token: pass room and token to every other tool. The game runs in real time whether "
        "you call or not; an agent seat that makes no call for a minute is taken over by the computer."),
    "get_state": (
        "Read what your player can see now, compactly: credits, power (produced/used, low), superweapon "
        "charge, your units grouped by type (id, tile position 'at' [x,y], hp percent, current order), "
        "your buildings and production queues, the enemy units and buildings you can see (stale: "
        "remembered from earlier sight), and your recent events (unit_ready, building_done, under_attack, "
        "unit_lost, ...). Nothing hidden by the fog of war is shown. Map tiles: x grows east, y south."),
    "act": (
        "Give exact orders: a list of ACTION objects (see the protocol resource), applied at the next "
        "game tick through the same rules as a person's clicks. Examples: {\"action\":\"build_building\","
        "\"building_type\":\"power_plant\"} (placed near your base), {\"action\":\"build_unit\",\"unit_type\":"
        "\"infantry\",\"count\":3}, {\"action\":\"attack\",\"units\":{\"type\":\"all\"},\"target\":{\"place\":"
        "\"enemy_base\"}}, {\"action\":\"move\",\"units\":{\"ids\":[12,13]},\"target\":{\"x\":30,\"y\":20}}. "
        "Returns one result per action: ok, or error with a reason and code (e.g. not enough credits)."),
    "order": (
        "Give an order in plain words, in English, French or Traditional Chinese, exactly as a person "
        "types it in the game ('build a barracks then train 5 infantry', 'envoie les chars au nord', "
        "'全軍攻擊敵方基地'). It is translated to ACTIONs and executed for your seat; the answer lists "
        "the actions understood and, once executed, each one's result. Use act when you know the exact "
        "ACTION: it is faster and never misunderstood. When the words need something you lack (training "
        "infantry without a barracks) or are unclear, nothing runs and the answer has `clarify`: a question "
        "with options, the first usually the plan that builds what is missing; answer it with choose."),
    "choose": (
        "Answer the question an order asked (the `clarify` object of an order's answer): pass its id as "
        "clarify_id and the index of one of its options. The chosen option runs like a new order and the "
        "answer has the same shape as order's (actions, executed, results, and a plan when the option builds "
        "a chain such as power plant -> barracks -> infantry). Questions expire after 60 seconds."),
    "get_advice": (
        "Ask the tactical advisor what to do next: a short assessment of your economy, army and the "
        "visible threat, in the language you ask for (en, fr or zh-TW), computed from your own fogged "
        "view. Useful when you are unsure what to build or whether to attack."),
    "get_rules": (
        "Read the game's rules as data: every unit and building with cost, build time, hit points, speed, "
        "range, damage, power and prerequisites, plus the economy and superweapon constants. The same "
        "table the game itself uses; it does not change during a game, so read it once."),
    "wait": (
        "Let game time pass: returns after the given number of ticks (20 ticks = 1 second, at most 600), "
        "or earlier when something happens to you (an event such as unit_ready, building_done or "
        "under_attack) unless until_event is false. Returns the events that happened. Use it to pace "
        "yourself instead of polling get_state in a loop; a wait counts as activity for your seat."),
}

READ_ONLY = {"get_state", "get_advice", "get_rules", "wait"}


def tool_list() -> list[types.Tool]:
    schemas = tool_inputs()
    return [types.Tool(name=name, description=DESCRIPTIONS[name], input_schema=schemas[name],
                       annotations=types.ToolAnnotations(read_only_hint=name in READ_ONLY,
                                                         destructive_hint=False))
            for name in schemas]


RESOURCES = {
    "rts://rules": ("rules", "The rules table (units, buildings, economy) as JSON.", "application/json"),
    "rts://protocol": ("protocol", "The wire contract: ACTION format, seats, HTTP and WebSocket messages.",
                       "text/markdown"),
    "rts://agents": ("agents", "How agents play: tools, observation format, limits.", "text/markdown"),
}


def _resource_text(uri: str) -> str:
    if uri == "rts://rules":
        return orjson.dumps(SeatService.rules(), option=orjson.OPT_INDENT_2).decode()
    if uri == "rts://protocol":
        parts = []
        for path in (ROOT.parent / "shared" / "design" / "PROTOCOL.md", ROOT / "docs" / "WIRE.md"):
            if path.is_file():
                parts.append(path.read_text(encoding="utf-8"))
        parts.append("## ACTION as JSON Schema\n```json\n" + orjson.dumps(
            tool_inputs()["act"]["properties"]["actions"]["items"], option=orjson.OPT_INDENT_2).decode() + "\n```\n")
        return "\n\n".join(parts)
    return (ROOT / "docs" / "AGENTS.md").read_text(encoding="utf-8")


def _result(data: dict[str, Any]) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=orjson.dumps(data).decode())],
                                structured_content=data)


def _error(message: str, code: str, **extra: Any) -> types.CallToolResult:
    data = {"error": message, "code": code, **extra}
    return types.CallToolResult(content=[types.TextContent(type="text", text=f"Error ({code}): {message}")],
                                structured_content=data, is_error=True)


def _caller(ctx: ServerRequestContext[Any]) -> str:
    """The client address of an HTTP request (the SDK attaches the request), else "local" (stdio)."""
    if isinstance(ctx.request, Request) and ctx.request.client is not None:
        return ctx.request.client.host
    return "local"


def build_server(seats: SeatService, *, create_rate: float = 0.2, create_burst: int = 5) -> Server[Any]:
    """The MCP server for one process; every transport (streamable HTTP, stdio) serves this one."""
    # Creating games needs no token, so it is paced per client address (one
    # key for a stdio client): a flood of create_game cannot fill the server.
    create_buckets: dict[str, TokenBucket] = {}

    async def list_tools(ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
                         ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=tool_list())

    async def list_resources(ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
                             ) -> types.ListResourcesResult:
        return types.ListResourcesResult(resources=[
            types.Resource(uri=uri, name=name, description=desc, mime_type=mime)
            for uri, (name, desc, mime) in RESOURCES.items()])

    async def read_resource(ctx: ServerRequestContext[Any], params: types.ReadResourceRequestParams
                            ) -> types.ReadResourceResult:
        uri = str(params.uri)
        if uri not in RESOURCES:
            raise MCPError(code=types.INVALID_PARAMS, message=f"unknown resource {uri!r}; "
                                                               f"the resources are {', '.join(RESOURCES)}")
        return types.ReadResourceResult(contents=[
            types.TextResourceContents(uri=uri, mime_type=RESOURCES[uri][2], text=_resource_text(uri))])

    async def call_tool(ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
                        ) -> types.CallToolResult:
        name = params.name
        if name not in DESCRIPTIONS:
            raise MCPError(code=types.INVALID_PARAMS,
                           message=f"unknown tool {name[:64]!r}; the tools are {', '.join(DESCRIPTIONS)}")
        args = params.arguments or {}
        size = len(orjson.dumps(args))
        if size > MAX_ARGUMENT_BYTES:
            return _error(f"arguments are {size} bytes; at most {MAX_ARGUMENT_BYTES} are accepted", "too_large")
        reason = first_error(name, args)
        if reason is not None:
            return _error(f"invalid arguments for {name}: {reason}", "invalid_arguments")
        try:
            return _result(await _dispatch(ctx, name, args))
        except SeatError as exc:
            extra = {"retry_after_s": round(exc.retry_after, 2)} if exc.retry_after else {}
            return _error(exc.message, exc.code, **extra)

    async def _dispatch(ctx: ServerRequestContext[Any], name: str, args: dict[str, Any]) -> dict[str, Any]:
        if name == "get_rules":
            return seats.rules()
        if name == "create_game":
            if len(create_buckets) > 10_000:  # bounded: forget everyone (their buckets refill anyway)
                create_buckets.clear()
            bucket = create_buckets.setdefault(_caller(ctx), TokenBucket(create_rate, create_burst))
            if not bucket.take():
                wait_s = bucket.retry_after()
                raise SeatError(429, f"too many new games from this connection; retry in {wait_s:.0f} s",
                                "rate_limited", retry_after=wait_s)
            opponent = args.get("opponent", "computer")
            expected = 1 if opponent == "agent" else 0
            if args.get("seat", expected) != expected:
                raise SeatError(400, f"with opponent {opponent!r} your seat is player {expected} (the computer "
                                     "always plays player 1; an agent opponent takes player 1)", "invalid_arguments")
            return await seats.create(args.get("difficulty", "easy"), args.get("seed"), opponent)
        seat = seats.authorise(args["room"], args["token"])
        if name == "get_state":
            return seats.state(seat, args.get("events", 10))
        if name == "act":
            return await seats.act(seat, args["actions"])
        if name == "order":
            return await seats.order(seat, args["text"], args.get("lang"), ORDER_WAIT_S)
        if name == "choose":
            return await seats.choose(seat, args["clarify_id"], args["option"], ORDER_WAIT_S)
        if name == "get_advice":
            return seats.advice(seat, args.get("lang", "en"))
        if name == "wait":
            return await seats.wait(seat, args.get("ticks", 20), args.get("until_event", True))
        raise AssertionError(name)  # every name in DESCRIPTIONS is dispatched above

    return Server("red-alert-nl", version="1", instructions=INSTRUCTIONS,
                  on_list_tools=list_tools, on_call_tool=call_tool,
                  on_list_resources=list_resources, on_read_resource=read_resource)
