"""The WebSocket message layer: parsing and validating what clients send,
and encoding what the server sends (full states and deltas, see docs/WIRE.md).

Pure functions, no I/O: the web layer and the rooms call them."""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from typing import Any

import orjson

LANGUAGES = ("en", "fr", "zh-TW")
MAX_TEXT_CHARS = 500
MAX_REF_CHARS = 64


class ProtocolError(ValueError):
    """A client message that cannot be accepted; the text goes back to the client."""


@dataclass(frozen=True, slots=True)
class ClientMessage:
    type: str
    body: dict[str, Any]
    ref: Any = None


def _check_ref(ref: Any) -> Any:
    if ref is None:
        return None
    if isinstance(ref, bool) or not isinstance(ref, (int, str)):
        raise ProtocolError("'ref' must be an integer or a short string")
    if isinstance(ref, str) and len(ref) > MAX_REF_CHARS:
        raise ProtocolError("'ref' is too long")
    if isinstance(ref, int) and abs(ref) > 2**53:
        raise ProtocolError("'ref' is out of range")
    return ref


def _check_lang(lang: Any, required: bool = False) -> str | None:
    if lang is None and not required:
        return None
    if lang not in LANGUAGES:
        raise ProtocolError(f"'lang' must be one of {', '.join(LANGUAGES)}")
    return str(lang)


class TextRejected(ProtocolError):
    """Order text that cannot be taken as given; `status` is the HTTP answer."""

    status = 400


class EmptyText(TextRejected):
    pass


class TextTooLong(TextRejected):
    status = 413


def check_text(text: Any) -> str:
    """The one check of order text (WebSocket `nl`, HTTP translate, the translator)."""
    if not isinstance(text, str) or not text.strip():
        raise EmptyText("'text' must be a non-empty string")
    if len(text) > MAX_TEXT_CHARS:
        raise TextTooLong(f"'text' is longer than {MAX_TEXT_CHARS} characters")
    return text


MAX_SELECTION = 500  # ids in an order's selection (the order schema's bound on ids)


def check_selection(value: Any) -> list[int] | None:
    """The units selected in the client, sent with an order in words (None: no selection sent)."""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > MAX_SELECTION:
        raise ProtocolError(f"'selection' must be a list of at most {MAX_SELECTION} unit ids")
    if any(isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < 2**31 for v in value):
        raise ProtocolError("'selection' must hold unit ids (integers)")
    return list(dict.fromkeys(value))


def parse_client_message(raw: str | bytes) -> ClientMessage:
    """Decode and validate one client message. Raises ProtocolError with a
    reason fit to send back; never anything else."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ProtocolError("message is not valid JSON") from None
    if not isinstance(data, dict):
        raise ProtocolError("message must be a JSON object")
    kind = data.get("type")
    if not isinstance(kind, str):
        raise ProtocolError("message needs a string 'type'")
    ref = _check_ref(data.get("ref"))
    if kind == "command":
        if not isinstance(data.get("action"), dict):
            raise ProtocolError("'command' needs an 'action' object")
        return ClientMessage(kind, {"action": data["action"]}, ref)
    if kind == "nl":
        return ClientMessage(kind, {"text": check_text(data.get("text")), "lang": _check_lang(data.get("lang")),
                                    "selection": check_selection(data.get("selection"))}, ref)
    if kind == "cancel_plan":
        pid = data.get("plan_id")
        if isinstance(pid, bool) or not isinstance(pid, int) or not 0 <= pid < 2**31:
            raise ProtocolError("'cancel_plan' needs an integer 'plan_id'")
        return ClientMessage(kind, {"plan_id": pid}, ref)
    if kind == "choose":
        cid, option = data.get("clarify_id"), data.get("option")
        if not isinstance(cid, str) or not 0 < len(cid) <= 64:
            raise ProtocolError("'choose' needs a 'clarify_id' string")
        if isinstance(option, bool) or not isinstance(option, int) or not 0 <= option < 64:
            raise ProtocolError("'choose' needs an integer 'option'")
        return ClientMessage(kind, {"clarify_id": cid, "option": option}, ref)
    if kind in ("analysis", "snapshot"):
        return ClientMessage(kind, {}, ref)
    if kind == "set_language":
        return ClientMessage(kind, {"lang": _check_lang(data.get("lang"), required=True)}, ref)
    if kind == "ping":
        t = data.get("t")
        if t is not None and (isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t)):
            raise ProtocolError("'t' must be a finite number")
        return ClientMessage(kind, {"t": t}, ref)
    if kind == "cancel_nl":
        rid = data.get("request_id")
        if not isinstance(rid, str) or len(rid) > 64:
            raise ProtocolError("'cancel_nl' needs a 'request_id' string")
        return ClientMessage(kind, {"request_id": rid}, ref)
    raise ProtocolError(f"unknown message type {kind[:40]!r}")


def encode(message: dict[str, Any]) -> bytes:
    return orjson.dumps(message)


def error_message(error: str, ref: Any = None) -> bytes:
    msg: dict[str, Any] = {"type": "error", "error": error}
    if ref is not None:
        msg["ref"] = ref
    return encode(msg)


# --- state deltas -----------------------------------------------------------

_ENTITY_KEYS = ("units", "buildings")
_MASK_KEYS = ("explored", "visible")
POSITION_SCALE = 100  # unit positions are in hundredths of a tile (views round them to 2 decimals)
# An effect in a delta is a row of these fields' values, in this order, cut after the last one it
# has: a battle fires a dozen shots a second and the keys were half of each object.
EFFECT_FIELDS = ("kind", "from", "x", "y", "tx", "ty", "weapon", "to", "ticks")


def _effect_row(effect: dict[str, Any]) -> list[Any] | dict[str, Any]:
    """``effect`` as a row of EFFECT_FIELDS values; whole when its keys are not such a prefix."""
    n = len(effect)
    if n > len(EFFECT_FIELDS) or any(k not in effect for k in EFFECT_FIELDS[:n]):
        return effect
    return [effect[k] for k in EFFECT_FIELDS[:n]]


def _effect_from_row(row: list[Any] | dict[str, Any]) -> dict[str, Any]:
    return dict(zip(EFFECT_FIELDS, row, strict=False)) if isinstance(row, list) else row


def _in_steps(value: Any) -> int | None:
    """``value`` as a whole number of position steps, or None when it is not on that grid
    (then the move goes whole in `upd`, so the client still rebuilds the exact value)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    n = round(value * POSITION_SCALE)
    return n if n / POSITION_SCALE == value else None


def _move(prev: dict[str, Any], cur: dict[str, Any]) -> tuple[int, int] | None:
    """A unit's change of position in steps, when both its old and new positions are on the grid."""
    px, py, cx, cy = (_in_steps(e.get(k)) for e in (prev, cur) for k in ("x", "y"))
    if px is None or py is None or cx is None or cy is None:
        return None
    return cx - px, cy - py


def _diff_entities(old: list[dict[str, Any]], new: list[dict[str, Any]], moves: bool) -> dict[str, list[Any]]:
    """New entities whole in `set`; changed ones as only their changed fields
    (plus `id`) in `upd`; removed ids in `del`. With ``moves`` (units), a change of
    x/y goes in `mv` as ``id, dx, dy`` in hundredths of a tile instead: in a battle most
    updates are moves, and three small integers are a third of an object with two
    floats. Empty lists are left out."""
    before = {e["id"]: e for e in old}
    created: list[dict[str, Any]] = []
    updated: list[dict[str, Any]] = []
    moved: list[int] = []
    for e in new:
        prev = before.get(e["id"])
        if prev is None or prev.keys() != e.keys():
            created.append(e)
        elif prev != e:
            changes = {k: v for k, v in e.items() if prev[k] != v}
            step = _move(prev, e) if moves and ("x" in changes or "y" in changes) else None
            if step is not None:
                moved.extend((e["id"], *step))
                changes.pop("x", None)
                changes.pop("y", None)
            if changes:
                changes["id"] = e["id"]
                updated.append(changes)
    seen = {e["id"] for e in new}
    gone = [i for i in before if i not in seen]
    out: dict[str, list[Any]] = {}
    for key, value in (("set", created), ("upd", updated), ("mv", moved), ("del", gone)):
        if value:
            out[key] = value
    return out


def _mask_bits(b64: str) -> tuple[int, int]:
    raw = base64.b64decode(b64)
    return int.from_bytes(raw, "little"), len(raw)


def _flip_runs(old: str, new: str) -> list[int] | None:
    """The tiles whose bit differs between two masks, as runs ``gap, length, gap, length...``
    (each gap counted from the end of the previous run, the first from tile 0); None when
    the masks are not the same size."""
    a, na = _mask_bits(old)
    b, nb = _mask_bits(new)
    if na != nb:
        return None
    x = a ^ b
    runs: list[int] = []
    while x:
        gap = (x & -x).bit_length() - 1     # zeros below the lowest set bit
        x >>= gap
        length = (x ^ (x + 1)).bit_length() - 1  # ones from there up
        x >>= length
        runs += (gap, length)
    return runs


def _apply_flips(b64: str, runs: list[int]) -> str:
    bits, nbytes = _mask_bits(b64)
    pos = 0
    for gap, length in zip(runs[::2], runs[1::2], strict=True):
        pos += gap
        bits ^= ((1 << length) - 1) << pos
        pos += length
    return base64.b64encode(bits.to_bytes(nbytes, "little")).decode("ascii")


def make_delta(prev: dict[str, Any], cur: dict[str, Any]) -> dict[str, Any]:
    """The delta that turns view `prev` into view `cur` (docs/WIRE.md)."""
    delta: dict[str, Any] = {"type": "delta", "tick": cur["tick"], "base": prev["tick"]}
    for key, value in cur.items():
        if key in ("tick", "type"):
            continue
        if key in _ENTITY_KEYS:
            diff = _diff_entities(prev.get(key, []), value, moves=key == "units")
            if diff:
                delta[key] = diff
        elif key == "effects":
            if value:  # this tick's, never a change: absent means none
                delta["fx"] = [_effect_row(e) for e in value]
        elif key == "resources":
            old = prev.get("resources", {})
            changed: dict[str, int | None] = {k: v for k, v in value.items() if old.get(k) != v}
            # A tile that grew back to full leaves the view's dict: null says so.
            changed.update({k: None for k in old if k not in value})
            if changed:
                delta[key] = changed
        elif key in _MASK_KEYS and isinstance(prev.get(key), str) and isinstance(value, str):
            if prev[key] != value:
                # An army on the move flips a few dozen tiles of a mask of thousands.
                runs = _flip_runs(prev[key], value)
                if runs is not None and len(orjson.dumps(runs)) < len(value):
                    delta[f"{key}_flips"] = runs
                else:
                    delta[key] = value
        elif prev.get(key) != value:
            delta[key] = value
    return delta


def apply_delta(state: dict[str, Any], delta: dict[str, Any]) -> dict[str, Any]:
    """Client-side application of a delta, used by tests and tools to check
    that deltas rebuild exactly the full state (static/server-state.js does the same)."""
    if delta["base"] != state["tick"]:
        raise ValueError(f"delta for base {delta['base']} applied to tick {state['tick']}")
    out = dict(state)
    out["tick"] = delta["tick"]
    for key, value in delta.items():
        if key in ("type", "tick", "base"):
            continue
        if key in _ENTITY_KEYS:
            by_id = {e["id"]: e for e in state.get(key, [])}
            for i in value.get("del", ()):
                by_id.pop(i, None)
            for e in value.get("set", ()):
                by_id[e["id"]] = e
            for e in value.get("upd", ()):
                by_id[e["id"]] = {**by_id[e["id"]], **e}
            mv = value.get("mv", ())
            for i, dx, dy in zip(mv[::3], mv[1::3], mv[2::3], strict=True):
                e = by_id[i]
                by_id[i] = {**e, "x": (round(e["x"] * POSITION_SCALE) + dx) / POSITION_SCALE,
                            "y": (round(e["y"] * POSITION_SCALE) + dy) / POSITION_SCALE}
            out[key] = list(by_id.values())
        elif key == "resources":
            res = dict(state.get("resources", {}))
            for k, v in value.items():
                if v is None:
                    res.pop(k, None)
                else:
                    res[k] = v
            out[key] = res
        elif key == "fx":
            out["effects"] = [_effect_from_row(row) for row in value]
        elif key.endswith("_flips") and key[: -len("_flips")] in _MASK_KEYS:
            mask_key = key[: -len("_flips")]
            out[mask_key] = _apply_flips(state[mask_key], value)
        else:
            out[key] = value
    if "effects" not in delta and "fx" not in delta:
        out["effects"] = []
    return out
