"""The ACTION JSON Schema (what tools/list and the OpenAPI description show,
and what the seats API and tools check first) agrees with the game's own
shape checker, `server.sim.orders.parse_action`."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from server.mcp.schemas import action_schema
from server.sim import orders

VALIDATOR = Draft202012Validator(action_schema())

ints = st.one_of(st.integers(-5, 30), st.sampled_from([orders.MAX_ID, orders.MAX_ID + 1, 0]))
numbers = st.one_of(st.integers(-200_000, 200_000), st.floats(-200_000, 200_000, allow_nan=False))
names = st.sampled_from([*orders.UNIT_TYPES, *orders.BUILDING_TYPES, *orders.DIRECTIONS, *orders.PLACES,
                         "all", "nope", ""])
selection = st.one_of(
    st.fixed_dictionaries({"ids": st.lists(ints, max_size=4)}),
    st.fixed_dictionaries({"type": names}, optional={"count": st.one_of(st.none(), ints)}),
    st.just({}), st.just("all"))
target = st.one_of(
    st.fixed_dictionaries({"x": numbers, "y": numbers}), st.fixed_dictionaries({"x": numbers}),
    st.fixed_dictionaries({"direction": names}), st.fixed_dictionaries({"place": names}),
    st.fixed_dictionaries({"entity": ints}), st.fixed_dictionaries({"place": names, "entity": ints}))
action = st.fixed_dictionaries(
    {"action": st.sampled_from([*orders.ALL_ACTION_TYPES, "fly"])},
    optional={"units": selection, "target": target, "unit_type": names, "building_type": names,
              "count": st.one_of(st.none(), ints), "building": st.one_of(st.none(), ints),
              "position": st.one_of(st.none(), st.fixed_dictionaries({"x": numbers, "y": numbers}))})


@settings(max_examples=600, deadline=None)
@given(action)
def test_schema_and_shape_checker_agree(candidate: dict[str, Any]) -> None:
    parsed, reason = orders.parse_action(candidate)
    assert VALIDATOR.is_valid(candidate) == (parsed is not None), (candidate, reason)
