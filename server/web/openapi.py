"""The HTTP API described as OpenAPI 3.1 (`GET /api/openapi.json`) and as a
readable page (`GET /api/docs`, plain HTML: no script, no CDN, fits the CSP).

Bodies come from `server.mcp.schemas.http_schemas()`, the declarations the
seats API validates with; the ACTION inside them is derived from
`server.sim.orders`. tests/web/test_openapi.py checks that every route of the
app's router is described here and that recorded requests and answers fit.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web

from ..mcp.schemas import http_schemas
from ..protocol import LANGUAGES, MAX_TEXT_CHARS

JSON = "application/json"


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    tag: str
    body: str | None = None  # component name of the JSON request body
    responses: dict[int, tuple[str, Any]] = field(default_factory=dict)  # status -> (description, schema|mime)
    query: tuple[tuple[str, dict[str, Any], bool, str], ...] = ()  # (name, schema, required, description)


def _described_schemas() -> dict[str, Any]:
    """Answers of routes whose handlers live elsewhere, described here once."""
    action_list = {"type": "array", "items": ref("Action")}
    return {
        "TranslateBody": {"type": "object", "required": ["text"], "properties": {
            "text": {"type": "string", "minLength": 1, "maxLength": MAX_TEXT_CHARS},
            "lang": {"enum": list(LANGUAGES)},
            "room": {"type": "string"}, "player": {"enum": [0, 1]},
            "token": {"type": "string", "description": "the seat token; required to act in a room"},
            "wait": {"type": "number", "minimum": 0, "maximum": 30},
            "selection": {"type": "array", "maxItems": 500, "items": {"type": "integer", "minimum": 0},
                          "description": "unit ids selected in the client: what \"these units\" mean"}}},
        "ChooseBody": {"type": "object", "required": ["option"], "properties": {
            "option": {"type": "integer", "minimum": 0, "description": "index of the chosen option"},
            "room": {"type": "string"}, "player": {"enum": [0, 1]},
            "token": {"type": "string", "description": "the seat token of the seat that was asked"}}},
        "TranslateAnswer": {"type": "object", "required": ["request_id", "status"], "properties": {
            "request_id": {"type": "string"},
            "status": {"enum": ["pending", "processing", "completed", "failed", "cancelled", "timeout"]},
            "source": {"type": "string"}, "language": {"enum": list(LANGUAGES)},
            "actions": action_list, "message": {"type": "string"},
            "latency_ms": {"type": "number"}, "executed": {"type": "boolean"},
            "results": {"type": "array", "items": ref("OrderResult")},
            "plan": {"type": "object", "description": "how the actions run when they wait for each other "
                     "(PROTOCOL.md Plans; docs/WIRE.md)"},
            "clarify": {"type": "object", "description": "a question asked instead of acting "
                        "(PROTOCOL.md Clarification; answer it with POST /api/nl/requests/{id}/choose)"}}},
        "CancelAnswer": {"type": "object", "required": ["request_id", "cancelled"], "properties": {
            "request_id": {"type": "string"}, "cancelled": {"type": "boolean"}, "status": {"type": ["string", "null"]}}},
        "Examples": {"type": "object", "required": ["lang", "examples"], "properties": {
            "lang": {"enum": list(LANGUAGES)}, "examples": {"type": "array", "items": {"type": "string"}}}},
        "Health": {"type": "object", "required": ["status", "rooms", "model"], "properties": {
            "status": {"const": "ok"}, "rooms": {"type": "integer"},
            "model": {"type": "object", "required": ["state"], "properties": {
                "state": {"enum": ["loading", "ready", "failed", "disabled"]}}}}},
        "ModelStatus": {"type": "object", "required": ["state"], "properties": {
            "state": {"enum": ["loading", "ready", "failed", "disabled"]}, "loads": {"type": "integer"},
            "pending": {"type": "integer"}, "processing": {"type": "integer"}}},
        "State": {"type": "object", "required": ["type", "tick", "player", "units", "buildings"], "properties": {
            "type": {"const": "state"}, "tick": {"type": "integer"},
            "player": {"type": ["object", "null"]}, "units": {"type": "array", "items": {"type": "object"}},
            "buildings": {"type": "array", "items": {"type": "object"}},
            "explored": {"type": "string"}, "visible": {"type": "string"},
            "game_over": {"type": ["object", "null"]}}},
        "Rules": {"type": "object", "required": ["units", "buildings"], "properties": {
            "units": {"type": "object"}, "buildings": {"type": "object"}}},
        "Operator": {"type": "object", "description": "operator figures (ADMIN_TOKEN)"},
        "ClusterNodes": {"type": "object", "required": ["node", "clustered", "nodes"], "properties": {
            "node": {"type": "string"}, "clustered": {"type": "boolean"},
            "nodes": {"type": "array", "items": {"type": "object", "required": ["id", "url", "rooms"], "properties": {
                "id": {"type": "string"}, "url": {"type": "string"}, "rooms": {"type": "integer"},
                "clients": {"type": "integer"}, "max_rooms": {"type": "integer"}, "alive": {"type": "boolean"}}}}}},
    }


ERR = ("error", ref("Error"))
RATE = ("too many calls (Retry-After says when to retry)", ref("Error"))


def operations() -> list[Operation]:
    seat_q = (("player", {"enum": ["0", "1"]}, True, "the seat's player number"),
              ("token", {"type": "string"}, True, "the seat token"))
    return [
        Operation("GET", "/", "The game page.", "page", responses={200: ("HTML page", "text/html")}),
        Operation("GET", "/healthz", "Liveness and the model's state.", "server",
                  responses={200: ("ok", ref("Health"))}),
        Operation("GET", "/metrics", "Prometheus metrics.", "server",
                  responses={200: ("text exposition format", "text/plain")}),
        Operation("GET", "/ws", "The game's WebSocket (PROTOCOL.md, WIRE.md); `room`, `as`, `token`, `lang` in the query.",
                  "play", responses={101: ("switching protocols", None), 400: ERR}),
        Operation("POST", "/api/rooms", "A new room against the computer; with `seat: true` the caller also "
                  "gets player 0's seat token (then play with the state and actions routes).", "rooms",
                  body="CreateRoomBody",
                  responses={201: ("created", ref("CreateRoomAnswer")), 400: ERR, 503: ERR}),
        Operation("GET", "/api/rooms/{room}/state", "That player's full fogged state, as the WebSocket `state`.",
                  "seats", query=seat_q,
                  responses={200: ("state", ref("State")), 400: ERR, 403: ("wrong token", ref("Error")),
                             404: ("unknown room", ref("Error")), 429: RATE}),
        Operation("POST", "/api/rooms/{room}/actions", "Apply ACTIONs for the token's seat; answers after the "
                  "tick that applied them, one result per action.", "seats", body="ActionsBody",
                  responses={200: ("results", ref("ActionsAnswer")), 400: ERR, 403: ("wrong token", ref("Error")),
                             404: ("unknown room", ref("Error")), 413: ERR, 429: RATE}),
        Operation("GET", "/api/model/status", "The language model's state and queue figures.", "language",
                  responses={200: ("status", ref("ModelStatus"))}),
        Operation("POST", "/api/nl/translate", "Words to ACTIONs; with `room`, `player` and that seat's `token` "
                  "they are also executed for that seat.", "language", body="TranslateBody",
                  responses={200: ("done", ref("TranslateAnswer")), 202: ("still running", ref("TranslateAnswer")),
                             400: ERR, 403: ("wrong token", ref("Error")), 404: ERR, 413: ERR, 429: RATE}),
        Operation("GET", "/api/nl/requests/{request_id}", "A language request's current answer.", "language",
                  responses={200: ("answer", ref("TranslateAnswer")), 404: ERR}),
        Operation("DELETE", "/api/nl/requests/{request_id}", "Cancel a language request.", "language",
                  responses={200: ("cancelled or already finished", ref("CancelAnswer")), 404: ERR}),
        Operation("POST", "/api/nl/requests/{request_id}/choose", "Answer the question (`clarify`) that request "
                  "asked with one of its options; runs like a new order.", "language", body="ChooseBody",
                  responses={200: ("done", ref("TranslateAnswer")), 400: ERR, 403: ("wrong token", ref("Error")),
                             404: ERR}),
        Operation("GET", "/api/nl/examples", "Example orders to show players.", "language",
                  query=(("lang", {"enum": list(LANGUAGES)}, False, "language (default en)"),),
                  responses={200: ("examples", ref("Examples")), 400: ERR}),
        Operation("GET", "/api/cluster/nodes", "This node and the live game nodes with their load (cluster mode, "
                  "docs/DEPLOY.md; a single process lists itself).", "server",
                  responses={200: ("nodes", ref("ClusterNodes")), 503: ERR}),
        Operation("GET", "/api/rules", "The rules table: units, buildings, economy.", "rules",
                  responses={200: ("rules", ref("Rules"))}),
        Operation("GET", "/api/admin/rooms", "Operator: every room's figures (Bearer ADMIN_TOKEN).", "operator",
                  responses={200: ("figures", ref("Operator")), 401: ERR, 404: ERR}),
        Operation("GET", "/api/admin/runtime", "Operator: process figures.", "operator",
                  responses={200: ("figures", ref("Operator")), 401: ERR, 404: ERR}),
        Operation("POST", "/api/admin/cleanup", "Operator: run housekeeping now.", "operator",
                  responses={200: ("what was cleaned", ref("Operator")), 401: ERR, 404: ERR}),
        Operation("POST", "/api/admin/rooms/{room_id}/advance", "Operator and tests: step a room `ticks` ticks "
                  "now (fast-forward), body {\"ticks\": 1..36000}.", "operator",
                  responses={200: ("the room's tick after", ref("Operator")), 400: ERR, 401: ERR, 404: ERR}),
        Operation("GET", "/replays", "Recorded games (page).", "replays",
                  responses={200: ("HTML page", "text/html")}),
        Operation("GET", "/replays/{id}", "One recorded game's replay page.", "replays",
                  responses={200: ("HTML page", "text/html"), 404: ("no such replay", None)}),
        Operation("GET", "/api/replays/{id}", "Download a replay file (JSON lines, versioned).", "replays",
                  responses={200: ("JSON lines", "application/x-ndjson"), 404: ERR}),
        Operation("GET", "/api/replays", "Recorded games, newest first (docs/WIRE.md, Restarts and replays).",
                  "replays", responses={200: ("games", JSON)}),
        Operation("POST", "/api/replays", "Open a replay file again (the body is the file, plain or gzipped, "
                  "at most 8 MB); answers its new id and page.", "replays",
                  responses={201: ("opened", JSON), 400: ERR, 413: ERR, 503: ERR}),
        Operation("GET", "/api/replays/{id}/info", "A replay's summary, map, rules, keyframes and timeline of "
                  "orders and words.", "replays", responses={200: ("info", JSON), 404: ERR, 409: ERR, 503: ERR}),
        Operation("GET", "/api/replays/{id}/frames", "Frames of a replay: a full `state`, then `delta`s, "
                  "`stride` ticks apart, from either player's view or the whole map.", "replays",
                  query=(("from", {"type": "integer", "minimum": 0}, False, "first tick (default 0)"),
                         ("stride", {"type": "integer", "minimum": 1, "maximum": 64}, False, "ticks between frames"),
                         ("count", {"type": "integer", "minimum": 1, "maximum": 80}, False, "frames (default 40)"),
                         ("view", {"enum": ["0", "1", "all"]}, False, "a player's fogged view or the whole map"),
                         ("viewer", {"type": "string", "maxLength": 32}, False, "the page's cursor id")),
                  responses={200: ("frames", JSON), 400: ERR, 404: ERR, 409: ERR, 503: ERR}),
        Operation("GET", "/api/openapi.json", "This description.", "docs",
                  responses={200: ("OpenAPI 3.1", JSON)}),
        Operation("GET", "/api/docs", "This description as a page.", "docs",
                  responses={200: ("HTML page", "text/html")}),
        Operation("GET", "/mcp", "MCP streamable HTTP: the server's event stream (docs/AGENTS.md).", "agents",
                  responses={200: ("text/event-stream", "text/event-stream"), 400: ERR, 404: ERR, 405: ERR}),
        Operation("POST", "/mcp", "MCP streamable HTTP: JSON-RPC messages (docs/AGENTS.md).", "agents",
                  responses={200: ("JSON or an event stream", JSON), 202: ("accepted", None), 400: ERR,
                             404: ERR, 406: ERR, 413: ERR}),
        Operation("DELETE", "/mcp", "MCP streamable HTTP: end a session.", "agents",
                  responses={200: ("ended", None), 404: ERR}),
        Operation("GET", "/static/{filename}", "The page's scripts, styles and translations.", "page",
                  responses={200: ("file", "application/octet-stream"), 404: ("no such file", None)}),
    ]


def _media(schema: Any) -> dict[str, Any] | None:
    if schema is None:
        return None
    if isinstance(schema, str):
        return {schema: {}}
    return {JSON: {"schema": schema}}


def _normal(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def router_paths(app: web.Application) -> dict[tuple[str, str], str]:
    """(METHOD, normalised path) -> the path as routed, for every route but HEAD."""
    out = {}
    for route in app.router.routes():
        if route.method == "HEAD" or route.resource is None:
            continue
        path = route.resource.canonical
        if isinstance(route.resource, web.StaticResource):
            path += "/{filename}"
        out[(route.method, _normal(path))] = path
    return out


def openapi_document(routed: dict[tuple[str, str], str] | None = None) -> dict[str, Any]:
    """The description of the operations the app routes (all declared ones when `routed` is None)."""
    paths: dict[str, dict[str, Any]] = {}
    for op in operations():
        path = op.path
        if routed is not None:
            if (op.method, _normal(op.path)) not in routed:
                continue  # declared ahead of its route (or the route was removed)
            path = routed[(op.method, _normal(op.path))]
        item: dict[str, Any] = {"summary": op.summary, "tags": [op.tag],
                                "operationId": op.method.lower() + re.sub(r"[^A-Za-z0-9]+", "_", path)}
        params = [{"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
                  for n in _path_params(path)]
        params += [{"name": n, "in": "query", "required": req, "schema": sch, "description": d}
                   for n, sch, req, d in op.query]
        if params:
            item["parameters"] = params
        if op.body:
            item["requestBody"] = {"required": op.body != "CreateRoomBody", "content": {JSON: {"schema": ref(op.body)}}}
        responses: dict[str, Any] = {}
        for status, (desc, schema) in op.responses.items():
            r: dict[str, Any] = {"description": desc}
            media = _media(schema)
            if media:
                r["content"] = media
            responses[str(status)] = r
        item["responses"] = responses
        paths.setdefault(path, {})[op.method.lower()] = item
    schemas = {**http_schemas(), **_described_schemas()}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Red Alert NL", "version": "2",
                 "description": "A browser RTS with orders in words. The WebSocket and the ACTION format are in "
                                "PROTOCOL.md; agents should use the MCP server at /mcp (docs/AGENTS.md)."},
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "paths": paths,
        "components": {"schemas": schemas},
    }


DOC = web.AppKey("openapi_document", dict)


def _document(app: web.Application) -> dict[str, Any]:
    """Built once per app, after its routes are all added (the first request)."""
    return app[DOC] if DOC in app else openapi_document(router_paths(app))


def _path_params(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]


async def openapi_json(request: web.Request) -> web.Response:
    return web.Response(body=orjson.dumps(_document(request.app)), content_type=JSON)


def docs_html(doc: dict[str, Any]) -> str:
    out = ["<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Red Alert NL API</title>",
           "<link rel=\"icon\" href=\"data:,\"></head><body>",
           f"<h1>{html.escape(doc['info']['title'])} HTTP API</h1>",
           f"<p>{html.escape(doc['info']['description'])} Machine-readable: "
           "<a href=\"/api/openapi.json\">/api/openapi.json</a> (OpenAPI 3.1).</p><ul>"]
    for path, methods in doc["paths"].items():
        for method in methods:
            out.append(f"<li><a href=\"#{html.escape(methods[method]['operationId'])}\"><code>"
                       f"{method.upper()} {html.escape(path)}</code></a></li>")
    out.append("</ul>")
    for path, methods in doc["paths"].items():
        for method, item in methods.items():
            out.append(f"<h2 id=\"{html.escape(item['operationId'])}\"><code>{method.upper()} "
                       f"{html.escape(path)}</code></h2><p>{html.escape(item['summary'])}</p>")
            for p in item.get("parameters", []):
                out.append(f"<p>{p['in']} parameter <code>{html.escape(p['name'])}</code>"
                           f"{' (required)' if p['required'] else ''}: {html.escape(p.get('description', ''))}</p>")
            if "requestBody" in item:
                name = item["requestBody"]["content"][JSON]["schema"]["$ref"].rsplit("/", 1)[1]
                out.append(f"<h3>Body: {html.escape(name)}</h3><pre>"
                           f"{html.escape(orjson.dumps(doc['components']['schemas'][name], option=orjson.OPT_INDENT_2).decode())}</pre>")
            out.append("<h3>Answers</h3><ul>")
            for status, r in item["responses"].items():
                schema = (r.get("content") or {}).get(JSON, {}).get("schema", {})
                name = schema.get("$ref", "").rsplit("/", 1)[-1] if schema else ""
                out.append(f"<li><code>{status}</code> {html.escape(r['description'])}"
                           f"{f' — <code>{html.escape(name)}</code>' if name else ''}</li>")
            out.append("</ul>")
    out.append("<h2>Schemas</h2>")
    for name, schema in doc["components"]["schemas"].items():
        out.append(f"<h3 id=\"schema-{html.escape(name)}\">{html.escape(name)}</h3><pre>"
                   f"{html.escape(orjson.dumps(schema, option=orjson.OPT_INDENT_2).decode())}</pre>")
    out.append("</body></html>")
    return "".join(out)


async def docs_page(request: web.Request) -> web.Response:
    return web.Response(text=docs_html(_document(request.app)), content_type="text/html")


async def _freeze_document(app: web.Application) -> None:
    app[DOC] = openapi_document(router_paths(app))


def setup_openapi(app: web.Application) -> None:
    app.router.add_get("/api/openapi.json", openapi_json)
    app.router.add_get("/api/docs", docs_page)
    app.on_startup.append(_freeze_document)  # every route is added by then
