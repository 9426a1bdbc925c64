"""Shape checks of the ACTION schema (server.sim.orders.parse_action)."""
import math

import pytest

from server.sim.orders import (ACTION_TYPES, BUILDING_TYPES, DIRECTIONS, PLACES, UNIT_TYPES, Action,
                               parse_action)

GOOD = [
    {"action": "move", "units": {"ids": [1, 2]}, "target": {"x": 3, "y": 4}},
    {"action": "move", "units": {"type": "tank", "count": 3}, "target": {"direction": "northeast"}},
    {"action": "attack", "units": {"type": "all"}, "target": {"place": "enemy_base"}},
    {"action": "attack", "units": {"type": "infantry"}, "target": {"entity": 7}},
    {"action": "stop", "units": {"ids": [5]}},
    {"action": "harvest", "units": {"type": "harvester"}},
    {"action": "defend_base", "units": {"type": "all"}},
    {"action": "build_unit", "unit_type": "tank", "count": 20},
    {"action": "build_unit", "unit_type": "infantry"},
    {"action": "build_building", "building_type": "barracks", "position": {"x": 10, "y": 12}},
    {"action": "build_building", "building_type": "refinery"},
    {"action": "launch_superweapon", "target": {"x": 30.5, "y": 20}},
    {"action": "sell", "building": 4},
    {"action": "cancel", "building": 4},
]


@pytest.mark.parametrize("obj", GOOD)
def test_good_actions_parse_and_round_trip(obj):
    act, err = parse_action(obj)
    assert err is None and isinstance(act, Action)
    again, err2 = parse_action(act.to_dict())
    assert err2 is None and again == act


BAD = [
    None, 1, "move", [], {}, {"action": "fly"}, {"action": 3},
    {"action": "move", "units": {"ids": [1]}},                                  # no target
    {"action": "move", "target": {"x": 1, "y": 1}},                             # no units
    {"action": "move", "units": {"ids": []}, "target": {"x": 1, "y": 1}},
    {"action": "move", "units": {"ids": [True]}, "target": {"x": 1, "y": 1}},  # bool as int
    {"action": "move", "units": {"ids": ["1"]}, "target": {"x": 1, "y": 1}},
    {"action": "move", "units": {"ids": [1.0]}, "target": {"x": 1, "y": 1}},
    {"action": "move", "units": {"type": "dragon"}, "target": {"x": 1, "y": 1}},
    {"action": "move", "units": {"type": "tank", "count": 0}, "target": {"x": 1, "y": 1}},
    {"action": "move", "units": {"type": "tank", "count": True}, "target": {"x": 1, "y": 1}},
    {"action": "move", "units": {}, "target": {"x": 1, "y": 1}},
    {"action": "move", "units": {"ids": [1]}, "target": {"x": 1}},
    {"action": "move", "units": {"ids": [1]}, "target": {"x": math.nan, "y": 1}},
    {"action": "move", "units": {"ids": [1]}, "target": {"x": math.inf, "y": 1}},
    {"action": "move", "units": {"ids": [1]}, "target": {"x": 10**30, "y": 1}},
    {"action": "move", "units": {"ids": [1]}, "target": {"x": True, "y": 1}},
    {"action": "move", "units": {"ids": [1]}, "target": {"x": 1, "y": 1, "place": "home"}},
    {"action": "move", "units": {"ids": [1]}, "target": {"direction": "up"}},
    {"action": "move", "units": {"ids": [1]}, "target": {"place": "moon"}},
    {"action": "move", "units": {"ids": [1]}, "target": {"entity": -1}},
    {"action": "move", "units": {"ids": [1]}, "target": {"entity": 2**40}},
    {"action": "move", "units": {"ids": [1]}, "target": "home"},
    {"action": "build_unit", "unit_type": "tank", "count": 21},
    {"action": "build_unit", "unit_type": "tank", "count": 0},
    {"action": "build_unit", "unit_type": "tank", "count": 2.0},
    {"action": "build_unit", "unit_type": "tank", "count": False},
    {"action": "build_unit", "unit_type": "hq"},
    {"action": "build_building", "building_type": "hq"},
    {"action": "build_building", "building_type": "barracks", "position": {"x": 1}},
    {"action": "build_building", "building_type": "barracks", "position": [1, 2]},
    {"action": "launch_superweapon"},
    {"action": "sell"},
    {"action": "sell", "building": "4"},
]


@pytest.mark.parametrize("obj", BAD)
def test_bad_actions_are_refused_with_a_reason(obj):
    act, err = parse_action(obj)
    assert act is None and isinstance(err, str) and err


def test_unknown_keys_are_ignored():
    act, err = parse_action({"action": "stop", "units": {"ids": [1], "colour": "red"}, "please": True})
    assert err is None and act.to_dict() == {"action": "stop", "units": {"ids": [1]}}


def test_constants():
    assert UNIT_TYPES == ("infantry", "tank", "artillery", "harvester", "helicopter")
    assert "defense_turret" in BUILDING_TYPES and "hq" not in BUILDING_TYPES
    assert len(DIRECTIONS) == 8 and PLACES == ("enemy_base", "home", "ore", "nearest_enemy", "center",
                                               "top_left", "top_right", "bottom_left", "bottom_right")
    assert "launch_superweapon" in ACTION_TYPES and "sell" not in ACTION_TYPES


def test_extensions_can_be_refused():
    assert parse_action({"action": "sell", "building": 1})[0] is not None
    act, err = parse_action({"action": "sell", "building": 1}, allow_extensions=False)
    assert act is None and "action must be one of" in err
    assert parse_action({"action": "stop", "units": {"type": "all"}}, allow_extensions=False)[1] is None
