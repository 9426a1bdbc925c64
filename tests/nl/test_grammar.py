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
