"""The GBNF grammar generated from the ACTION schema: it accepts every action shape with its
enum values and nothing else; llama.cpp compiles it when llama_cpp is installed."""
import importlib.util
import json
import re

import pytest

from server.nl.grammar import action_grammar, action_regex, gbnf_to_regex
from server.nl.schema import BUILDINGS, DIRECTIONS, PLACES, UNITS
from server.sim.orders import parse_action

VALID = [
    [],
    [{"action": "move", "units": {"type": "tank"}, "target": {"direction": "north"}}],
    [{"action": "attack", "units": {"type": "all"}, "target": {"place": "enemy_base"}}],
    [{"action": "stop", "units": {"type": "infantry", "count": 3}}],
    [{"action": "harvest", "units": {"type": "harvester"}}],
    [{"action": "defend_base", "units": {"type": "all"}}],
    [{"action": "build_unit", "unit_type": "helicopter", "count": 20}],
    [{"action": "build_building", "building_type": "war_factory"}],
    [{"action": "launch_superweapon", "target": {"place": "nearest_enemy"}}],
    [{"action": "build_building", "building_type": "power_plant"},
     {"action": "build_building", "building_type": "barracks"},
     {"action": "build_unit", "unit_type": "infantry", "count": 5},
     {"action": "attack", "units": {"type": "tank", "count": 2}, "target": {"direction": "southwest"}}],
]
INVALID = [
    "", "[", "{}", "[{}]", "hello", '[{"action": "dance"}]',
    '[{"action": "build_unit", "unit_type": "tank", "count": 21}]',
    '[{"action": "build_unit", "unit_type": "tank", "count": 0}]',
    '[{"action": "build_unit", "unit_type": "battleship", "count": 1}]',
    '[{"action": "build_building", "building_type": "hq"}]',
    '[{"action": "move", "units": {"type": "tank"}}]',
    '[{"action": "move", "units": {"type": "tank"}, "target": {"direction": "up"}}]',
    '[{"action": "attack", "units": {"type": "tank"}, "target": {"place": "moon"}}]',
    '[{"action": "give_credits", "amount": 10000}]',
    '[{"action": "stop", "units": {"type": "all"}, "extra": 1}]',
    json.dumps([{"action": "stop", "units": {"type": "all"}}] * 5),  # five actions
]


@pytest.mark.parametrize("actions", VALID)
@pytest.mark.parametrize("compact", [False, True])
def test_accepts_valid(actions, compact):
    text = json.dumps(actions, separators=(",", ":") if compact else (", ", ": "))
    assert action_regex(0).fullmatch(text), text
    assert bool(action_regex().fullmatch(text)) == bool(actions)  # the translator's grammar wants 1..4
    for act in actions:
        assert parse_action(act)[0] is not None


@pytest.mark.parametrize("text", INVALID)
def test_rejects_invalid(text):
    assert not action_regex().fullmatch(text)
    assert not action_regex(0).fullmatch(text)


def test_every_enum_value_is_reachable():
    rx = action_regex()
    for u in UNITS:
        assert rx.fullmatch(json.dumps([{"action": "build_unit", "unit_type": u, "count": 1}]))
        assert rx.fullmatch(json.dumps([{"action": "harvest", "units": {"type": u}}]))
    for b in BUILDINGS:
        assert rx.fullmatch(json.dumps([{"action": "build_building", "building_type": b}]))
    for d in DIRECTIONS:
        assert rx.fullmatch(json.dumps([{"action": "launch_superweapon", "target": {"direction": d}}]))
    for p in PLACES:
        assert rx.fullmatch(json.dumps([{"action": "launch_superweapon", "target": {"place": p}}]))
    for c in range(1, 21):
        assert rx.fullmatch(json.dumps([{"action": "build_unit", "unit_type": "tank", "count": c}]))


def test_everything_the_grammar_accepts_is_schema_valid():
    """Sample the grammar's language by brute force over a template: each accepted string parses
    to actions that the order schema accepts."""
    rx = action_regex()
    for u in UNITS + ("all", "nope"):
        for tgt in [{"direction": "east"}, {"place": "ore"}, {"x": 1, "y": 2}, {"entity": 3}]:
            for name in ("move", "attack"):
                act = {"action": name, "units": {"type": u}, "target": tgt}
                if rx.fullmatch(json.dumps([act])):
                    assert parse_action(act)[0] is not None, act


def test_gbnf_to_regex_basics():
    g = 'root ::= "a" x? ("b" | "c")\nx ::= [0-9] [0-9]?\n'
    rx = re.compile(gbnf_to_regex(g))
    assert rx.fullmatch("ab") and rx.fullmatch("a12c") and not rx.fullmatch("a123b")
    with pytest.raises(ValueError):
        gbnf_to_regex('root ::= "a" root?\n')


@pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None, reason="llama_cpp not installed")
def test_llama_cpp_compiles_grammar():
    from llama_cpp import LlamaGrammar

    from server.nl.grammar import grammar_for

    assert LlamaGrammar.from_string(action_grammar(), verbose=False) is not None
    for text in ("artillery to the enemy", "up top", "tanks", "build 3 tanks and a refinery", "x"):
        assert LlamaGrammar.from_string(grammar_for(text), verbose=False) is not None


# ------------------------------------------------------------------ compact answers (what the model writes now)
from server.nl.compact import parse_compact, to_compact  # noqa: E402
from server.nl.grammar import compact_grammar, compact_grammar_for, compact_regex  # noqa: E402
from server.nl.schema import clean_actions  # noqa: E402


@pytest.mark.parametrize("actions", [a for a in VALID if a])
def test_compact_form_of_every_json_answer_is_accepted_and_parses_back(actions):
    line = to_compact(actions)
    assert compact_regex().fullmatch(line), line
    assert parse_compact(line) == actions
    assert clean_actions(parse_compact(line)) == actions


def test_compact_grammar_reaches_every_enum_value_and_selection():
    rx = compact_regex()
    for u in UNITS:
        assert rx.fullmatch(f"build {u} 1") and rx.fullmatch(f"harvest {u}") and rx.fullmatch(f"stop {u},3")
    for b in BUILDINGS:
        assert rx.fullmatch(f"build {b}")
    for d in DIRECTIONS:
        assert rx.fullmatch(f"launch {d}") and rx.fullmatch(f"move all {d}")
    for p in PLACES:
        assert rx.fullmatch(f"launch {p}") and rx.fullmatch(f"attack tank,20 {p}")
    for c in range(1, 21):
        assert rx.fullmatch(f"build tank {c}")


@pytest.mark.parametrize("text", ["", "build", "build tank", "build tank 21", "build tank 0", "build hq",
                                  "move tank", "move tank up", "attack tank moon", "dance", "stop all; ",
                                  "stop all;stop all", "; ".join(["stop all"] * 5), "build refinery 2",
                                  '[{"action": "stop", "units": {"type": "all"}}]'])
def test_compact_grammar_rejects(text):
    assert not compact_regex().fullmatch(text)


def test_everything_the_compact_grammar_accepts_is_schema_valid():
    rx = compact_regex()
    words = ["tank", "all", "tank,2", "nope", "north", "ore", "moon", "3", "refinery"]
    for verb in ("build", "move", "attack", "stop", "harvest", "defend", "launch"):
        for a in words:
            for b in ["", *words]:
                line = f"{verb} {a} {b}".strip()
                if rx.fullmatch(line):
                    acts = parse_compact(line)
                    assert len(acts) == 1 and clean_actions(acts) == acts, line


def test_compact_grammar_is_narrowed_like_the_json_one():
    rx = re.compile(gbnf_to_regex(compact_grammar_for("artillery to the enemy")))
    assert rx.fullmatch("attack artillery nearest_enemy")
    assert not rx.fullmatch("attack tank nearest_enemy") and not rx.fullmatch("build refinery")
    one = re.compile(gbnf_to_regex(compact_grammar_for("tanks go north")))
    assert one.fullmatch("move tank north") and not one.fullmatch("move tank north; move tank north")
    two = re.compile(gbnf_to_regex(compact_grammar_for("build a power plant and a barracks")))
    assert two.fullmatch("build power_plant; build barracks")


@pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None, reason="llama_cpp not installed")
def test_llama_cpp_compiles_compact_grammars():
    from llama_cpp import LlamaGrammar

    assert LlamaGrammar.from_string(compact_grammar(), verbose=False) is not None
    for text in ("artillery to the enemy", "up top", "tanks", "build 3 tanks and a refinery", "x"):
        assert LlamaGrammar.from_string(compact_grammar_for(text), verbose=False) is not None


# --- what the compact grammar makes the model write (issue 13): the words it must not drop
@pytest.mark.parametrize("text,good,bad", [
    ("send 4 tanks east", "move tank,4 east", "move tank east"),
    ("派4輛坦克往東", "move tank,4 east", "move all east"),
    ("build three power plants", "build power_plant; build power_plant; build power_plant", "build power_plant"),
    ("put a defense turret at 20 14", "build defense_turret 20,14", "build defense_turret"),
    ("坦克全部往北推進", "move tank north", "move all north"),
    ("I'd like five soldiers", "build infantry 5", "defend infantry"),
    ("the whole army should gather in the middle", "move all center", "harvest all"),
    ("超級武器打 45, 30", "launch 45,30", "launch enemy_base"),
])
def test_compact_grammar_keeps_the_words_of_the_order(text, good, bad):
    rx = re.compile(gbnf_to_regex(compact_grammar_for(text)))
    assert rx.fullmatch(good), (text, compact_grammar_for(text))
    assert not rx.fullmatch(bad), (text, bad)


def test_a_building_position_round_trips_through_the_compact_form():
    act = {"action": "build_building", "building_type": "defense_turret", "position": {"x": 20, "y": 14}}
    assert parse_compact(to_compact([act])) == [act]
