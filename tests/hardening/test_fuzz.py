"""Property-based fuzzing of everything a stranger's bytes reach: the message
parser, the order gate, the translator and its post-processing. The rule in
every case: a clear error or a valid result, never an unhandled exception."""

from __future__ import annotations

import math

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server import protocol
from server.nl import NLInputError, Translator, parse_model_output
from server.sim import Game
from server.sim.orders import parse_action

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

odd_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300)
odd_numbers = st.one_of(st.integers(min_value=-(2**70), max_value=2**70),
                        st.floats(allow_nan=True, allow_infinity=True), st.booleans())
json_scalars = st.one_of(st.none(), odd_numbers, odd_text)
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=12), inner, max_size=6)), max_leaves=25)

KEYS = ["action", "units", "target", "ids", "type", "count", "x", "y", "direction", "place", "entity",
        "unit_type", "building_type", "position", "building"]
VALUES = ["move", "attack", "stop", "harvest", "defend_base", "build_unit", "build_building",
          "launch_superweapon", "sell", "cancel", "tank", "infantry", "all", "north", "enemy_base", "home",
          "power_plant", "war_factory"]
action_like = st.recursive(
    st.one_of(st.sampled_from(VALUES), odd_numbers, st.none(), st.lists(st.integers(-5, 400), max_size=6)),
    lambda inner: st.dictionaries(st.sampled_from(KEYS), inner, max_size=5), max_leaves=20)


def dumps_lenient(value: object) -> bytes:
    """JSON with NaN/Infinity as a hostile client could send them."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return repr(value).encode()


@FUZZ
@given(st.one_of(json_values.map(dumps_lenient), st.binary(max_size=200),
                 st.builds(lambda t, extra: dumps_lenient({"type": t, **extra}),
                           st.sampled_from(["command", "nl", "analysis", "snapshot", "set_language", "ping",
                                            "cancel_nl", "x"]),
                           st.dictionaries(st.sampled_from(["text", "lang", "ref", "t", "action", "request_id"]),
                                           json_values, max_size=4))))
def test_message_parser_accepts_or_explains(raw: bytes) -> None:
    try:
        msg = protocol.parse_client_message(raw)
    except protocol.ProtocolError as exc:
        assert str(exc)
        return
    assert msg.type in ("command", "nl", "analysis", "snapshot", "set_language", "ping", "cancel_nl")
    if msg.type == "nl":
        assert 0 < len(msg.body["text"]) <= protocol.MAX_TEXT_CHARS
    if msg.type == "ping" and msg.body["t"] is not None:
        assert math.isfinite(msg.body["t"])


GAME = Game(seed=11)


@FUZZ
@given(st.one_of(action_like, json_values), st.one_of(st.sampled_from([0, 1]), odd_numbers))
def test_the_gate_never_raises_and_refuses_with_a_reason(action: object, player: object) -> None:
    credits_before = [GAME.view(p)["player"]["credits"] for p in (0, 1)]
    result = GAME.apply(player, action)  # type: ignore[arg-type]
    assert isinstance(result.ok, bool)
    if not result.ok:
        assert isinstance(result.error, str) and result.error
        # A refused order changes nothing.
        assert [GAME.view(p)["player"]["credits"] for p in (0, 1)] == credits_before
    parsed, error = parse_action(action)
    assert (parsed is None) == (error is not None)


@FUZZ
@given(odd_text)
def test_model_output_post_processing_only_yields_schema_actions(text: str) -> None:
    for action in parse_model_output(text):
        assert parse_action(action)[1] is None


@FUZZ
@given(st.one_of(odd_text, st.from_regex(r"\A(\[|\{).{0,200}", fullmatch=True)))
def test_model_output_json_like_garbage(text: str) -> None:
    for action in parse_model_output(text):
        assert parse_action(action)[1] is None


TRANSLATOR = Translator(None, fast_path=True)


@FUZZ
@given(odd_text, st.sampled_from([None, "en", "fr", "zh-TW"]))
def test_translator_never_raises_but_on_bad_text(text: str, lang: str | None) -> None:
    try:
        answer = TRANSLATOR.submit(text, lang=lang)
    except NLInputError as exc:
        assert str(exc)
        assert not text.strip() or len(text) > 500
        return
    assert answer["status"] == "completed"
    assert answer["language"] in ("en", "fr", "zh-TW")
    for action in answer["actions"]:
        assert parse_action(action)[1] is None
    if not answer["actions"]:
        assert answer.get("message")


def test_translator_rejects_overlong_text() -> None:
    with pytest.raises(NLInputError):
        TRANSLATOR.submit("build a tank " * 50)
