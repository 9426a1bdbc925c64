"""JSON Schemas declared once: the ACTION schema (derived from the names and
bounds of `server.sim.orders`), the bodies of the seats API and the inputs of
the MCP tools. The HTTP handlers and the tools validate with these, and the
OpenAPI description (`server.web.openapi`) and `tools/list` are built from
them, so the description cannot drift from what is checked.

The schemas check shape only; `Game.apply` (through the room) is still the one
gate for the rules, and `parse_action` stays the authority on an ACTION.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from ..protocol import LANGUAGES, MAX_TEXT_CHARS
from ..rooms import DIFFICULTIES
from ..sim import orders

JsonSchema = dict[str, Any]

#: Most actions in one `act` call or `POST .../actions` body.
MAX_ACTIONS = 20
#: Longest room id / seat token accepted (both are ~16-22 characters).
MAX_ID_CHARS = 64
#: Most ticks one `wait` may cover (30 s of game time).
MAX_WAIT_TICKS = 600


def _selection() -> JsonSchema:
    return {"title": "SEL", "description": "Which of your units: by ids, or by type (optionally the first `count`).",
            "anyOf": [
                {"type": "object", "required": ["ids"], "properties": {
                    "ids": {"type": "array", "minItems": 1, "maxItems": orders.MAX_IDS,
                            "items": {"type": "integer", "minimum": 0, "maximum": orders.MAX_ID}}}},
                {"type": "object", "required": ["type"], "properties": {
                    "type": {"enum": [*orders.UNIT_TYPES, "all"]},
                    "count": {"type": ["integer", "null"], "minimum": 1, "maximum": orders.MAX_SEL_COUNT}}},
            ]}


def _coordinate() -> JsonSchema:
    return {"type": "number", "minimum": -orders.MAX_COORD, "maximum": orders.MAX_COORD}


def _target() -> JsonSchema:
    return {"title": "TARGET", "description": "A map point (tiles), a direction, a named place or an entity id.",
            "oneOf": [
                {"type": "object", "required": ["x", "y"], "properties": {"x": _coordinate(), "y": _coordinate()},
                 "not": {"anyOf": [{"required": ["direction"]}, {"required": ["place"]}, {"required": ["entity"]}]}},
                {"type": "object", "required": ["direction"], "properties": {"direction": {"enum": list(orders.DIRECTIONS)}},
                 "not": {"anyOf": [{"required": ["x"]}, {"required": ["y"]}, {"required": ["place"]}, {"required": ["entity"]}]}},
                {"type": "object", "required": ["place"], "properties": {"place": {"enum": list(orders.PLACES)}},
                 "not": {"anyOf": [{"required": ["x"]}, {"required": ["y"]}, {"required": ["direction"]}, {"required": ["entity"]}]}},
                {"type": "object", "required": ["entity"],
                 "properties": {"entity": {"type": "integer", "minimum": 0, "maximum": orders.MAX_ID}},
                 "not": {"anyOf": [{"required": ["x"]}, {"required": ["y"]}, {"required": ["direction"]}, {"required": ["place"]}]}},
            ]}


@cache
def action_schema() -> JsonSchema:
    """The ACTION of PROTOCOL.md (plus the `sell`/`cancel` extensions) as JSON Schema."""
    # Inlined, not $ref'd: the schema is embedded in tool inputs and request
    # bodies, and LLM clients resolve references unevenly.
    sel, tgt = _selection(), _target()
    variants: list[JsonSchema] = []
    for kind in orders.ALL_ACTION_TYPES:
        props: dict[str, Any] = {"action": {"const": kind}}
        required = ["action"]
        if kind in orders.NEEDS_UNITS:
            props["units"] = sel
            required.append("units")
        if kind in orders.NEEDS_TARGET:
            props["target"] = tgt
            required.append("target")
        if kind == "build_unit":
            props["unit_type"] = {"enum": list(orders.UNIT_TYPES)}
            props["count"] = {"type": ["integer", "null"], "minimum": 1, "maximum": orders.MAX_COUNT}
            props["building"] = {"type": ["integer", "null"], "minimum": 0, "maximum": orders.MAX_ID,
                                 "description": "which of your producers (default: the least busy)"}
            required.append("unit_type")
        if kind == "build_building":
            props["building_type"] = {"enum": list(orders.BUILDING_TYPES)}
            props["position"] = {"type": ["object", "null"], "required": ["x", "y"],
                                 "properties": {"x": _coordinate(), "y": _coordinate()},
                                 "description": "top-left tile; omitted: a free place near your base"}
            required.append("building_type")
        if kind in orders.EXTENSION_ACTION_TYPES:
            props["building"] = {"type": "integer", "minimum": 0, "maximum": orders.MAX_ID}
            required.append("building")
        variants.append({"type": "object", "title": kind, "required": required, "properties": props})
    return {"title": "ACTION", "description": "One order, checked by the game's rules when applied at the next tick.",
            "oneOf": variants}


def _token_fields() -> dict[str, JsonSchema]:
    return {"room": {"type": "string", "minLength": 1, "maxLength": MAX_ID_CHARS, "description": "room id"},
            "token": {"type": "string", "minLength": 1, "maxLength": MAX_ID_CHARS,
                      "description": "the seat token returned when you were seated"}}


def _actions() -> JsonSchema:
    return {"type": "array", "minItems": 1, "maxItems": MAX_ACTIONS, "items": action_schema()}


# --- HTTP bodies (seats API) ---------------------------------------------------

@cache
def http_schemas() -> dict[str, JsonSchema]:
    """Request and answer bodies of the seats API, by name (OpenAPI components)."""
    result = {"type": "object", "required": ["ok"], "properties": {
        "ok": {"type": "boolean"}, "error": {"type": "string"}, "code": {"type": "string"}}}
    return {
        "Action": action_schema(),
        "OrderResult": result,
        "CreateRoomBody": {"type": "object", "additionalProperties": False, "properties": {
            "difficulty": {"enum": list(DIFFICULTIES)},
            "seed": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
            "seat": {"type": "boolean", "description": "true: also seat the caller as player 0 and return its token"}}},
        "CreateRoomAnswer": {"type": "object", "required": ["room"], "properties": {
            "room": {"type": "string"}, "difficulty": {"enum": list(DIFFICULTIES)},
            "player": {"const": 0}, "token": {"type": "string"},
            "node_url": {"type": "string", "description": "cluster mode: the node that runs the room"}}},
        "ActionsBody": {"type": "object", "additionalProperties": False, "required": ["player", "token", "actions"],
                        "properties": {"player": {"enum": [0, 1]}, "token": _token_fields()["token"],
                                       "actions": _actions()}},
        "ActionsAnswer": {"type": "object", "required": ["results", "tick"], "properties": {
            "results": {"type": "array", "items": result},
            "tick": {"type": "integer", "minimum": 0}}},
        "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
    }


# --- MCP tool inputs -------------------------------------------------------------

def _seat_input(extra: dict[str, JsonSchema] | None = None, required: tuple[str, ...] = ()) -> JsonSchema:
    props = _token_fields()
    props.update(extra or {})
    return {"type": "object", "additionalProperties": False, "required": ["room", "token", *required],
            "properties": props}


@cache
def tool_inputs() -> dict[str, JsonSchema]:
    lang = {"enum": list(LANGUAGES), "description": "language of the words and of the answer (default: detected)"}
    return {
        "create_game": {"type": "object", "additionalProperties": False, "properties": {
            "difficulty": {"enum": list(DIFFICULTIES), "default": "easy"},
            "opponent": {"enum": ["computer", "agent"], "default": "computer",
                         "description": "computer: you are player 0 against the built-in AI; agent: you are "
                                        "player 1, the opponent of a person who joins with the returned link"},
            "seat": {"enum": [0, 1], "description": "the player you take: 0 against the computer (default), "
                                                    "1 as an agent opponent (the default with opponent agent)"},
            "seed": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1,
                     "description": "map seed, for a reproducible map"}}},
        "get_state": _seat_input({"events": {"type": "integer", "minimum": 0, "maximum": 50, "default": 10,
                                             "description": "how many recent events to include"}}),
        "act": _seat_input({"actions": _actions()}, ("actions",)),
        "order": _seat_input({"text": {"type": "string", "minLength": 1, "maxLength": MAX_TEXT_CHARS},
                              "lang": lang}, ("text",)),
        "choose": _seat_input({"clarify_id": {"type": "string", "minLength": 1, "maxLength": MAX_ID_CHARS},
                               "option": {"type": "integer", "minimum": 0, "maximum": 20}},
                              ("clarify_id", "option")),
        "get_advice": _seat_input({"lang": lang}),
        "get_rules": {"type": "object", "additionalProperties": False, "properties": {}},
        "wait": _seat_input({"ticks": {"type": "integer", "minimum": 1, "maximum": MAX_WAIT_TICKS, "default": 20,
                                       "description": "game ticks to wait (20 ticks = 1 s)"},
                             "until_event": {"type": "boolean", "default": True,
                                             "description": "return early when something happens to you"}}),
    }


@cache
def validator(name: str, kind: str = "tool") -> Draft202012Validator:
    return Draft202012Validator(tool_inputs()[name] if kind == "tool" else http_schemas()[name])


def first_error(name: str, instance: Any, kind: str = "tool") -> str | None:
    """A clear reason why `instance` does not fit the schema, or None when it does.

    jsonschema's message for an ACTION that fits none of the `oneOf` variants
    says little, so for an action the shape checker's own reason is given."""
    error = best_match(validator(name, kind).iter_errors(instance))
    if error is None:
        return None
    path = list(error.absolute_path)
    where = "/".join(str(p) for p in path)
    if len(path) >= 2 and path[0] == "actions" and isinstance(path[1], int):
        _, reason = orders.parse_action(instance["actions"][path[1]])
        if reason:
            return f"actions/{path[1]}: {reason}"
    return f"{where}: {error.message}" if where else error.message
