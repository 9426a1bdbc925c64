"""Open questions: ids, expiry after 60 s, one answer each, only by the seat that was asked; the
question a missing prerequisite asks; a typed "yes"."""
from __future__ import annotations

import pytest

from server.clarifications import ClarifyError, ClarifyStore
from server.nl.clarify import for_order, is_yes, make_clarify
from server.sim import rules as R
from server.sim.orders import parse_plan

TANK = [{"action": "build_unit", "unit_type": "tank", "count": 1}]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def store_with_question(clock: Clock) -> tuple[ClarifyStore, dict]:
    store = ClarifyStore(clock=clock)
    ask = for_order(TANK, None, {"hq"}, "build a tank", "en")
    assert ask is not None
    return store, store.ask(ask, "req1", "room1", 0, "en", "build a tank")


def test_a_question_is_answered_once_by_its_seat_only():
    clock = Clock()
    store, q = store_with_question(clock)
    assert q["id"] and q["expires_in_s"] == 60 and q["options"][-1]["none"] is True
    for room, player in (("room2", 0), ("room1", 1), ("room1", None)):
        with pytest.raises(ClarifyError) as e:
            store.take(q["id"], room, player, 0)
        assert e.value.code == "unknown_clarify"
    with pytest.raises(ClarifyError) as e:
        store.take(q["id"], "room1", 0, 7)
    assert e.value.code == "bad_option"
    with pytest.raises(ClarifyError):
        store.take(q["id"], "room1", 0, True)
    question, option = store.take(q["id"], "room1", 0, 0)
    assert question.request_id == "req1" and option["plan"]["steps"][-1]["actions"] == TANK
    with pytest.raises(ClarifyError):
        store.take(q["id"], "room1", 0, 0)


def test_questions_expire_after_sixty_seconds():
    clock = Clock()
    store, q = store_with_question(clock)
    assert store.latest("room1", 0) is not None and store.by_request("req1") is not None
    clock.now += 60.5
    assert store.latest("room1", 0) is None and store.by_request("req1") is None
    with pytest.raises(ClarifyError):
        store.take(q["id"], "room1", 0, 0)
    assert store.cleanup() == 1 and len(store) == 0


def test_the_chain_option_is_a_valid_plan_with_cost_and_time():
    ask = for_order(TANK, None, {"hq"}, "build a tank", "en")
    first = ask["options"][0]
    plan, err = parse_plan(first["plan"])
    assert err is None
    built = [s["actions"][0].get("building_type") for s in plan["steps"][:-1]]
    assert built == ["power_plant", "barracks", "refinery", "war_factory"]
    cost = sum(R.BUILDINGS[b].cost for b in built) + R.UNITS["tank"].cost
    secs = -(-(sum(R.BUILDINGS[b].build_ticks for b in built) + R.UNITS["tank"].build_ticks) // R.TICK_RATE)
    assert f"${cost:,}" in first["label"] and f"{secs} s" in first["label"]
    assert first["actions"] == [a for s in plan["steps"] for a in s["actions"]]
    assert for_order(TANK, None, {"hq", "power_plant", "barracks", "refinery", "war_factory"}, "x", "en") is None
    assert for_order(TANK, None, set(), "x", "en") is None  # no HQ: nothing can be built, no chain to offer


def test_a_plan_that_builds_its_own_prerequisite_asks_nothing():
    plan = {"text": "", "steps": [{"actions": [{"action": "build_building", "building_type": "power_plant"}]},
                                  {"actions": [{"action": "build_building", "building_type": "barracks"}]}]}
    assert for_order([], plan, {"hq"}, "x", "en") is None


@pytest.mark.parametrize("lang, words", [("en", "power plant"), ("fr", "centrale"), ("zh-TW", "發電廠")])
def test_the_question_is_in_the_players_language(lang, words):
    ask = for_order([{"action": "build_unit", "unit_type": "infantry", "count": 2}], None, {"hq"}, "x", lang)
    assert words in ask["question"] and words in ask["options"][0]["label"]
    assert make_clarify("?", [], lang)["options"][0]["none"] is True


@pytest.mark.parametrize("text, yes", [("yes", True), ("Yes!", True), ("ok", True), ("oui", True),
                                       ("d'accord", True), ("好", True), ("好的。", True), ("確定", True),
                                       ("yes build a tank", False), ("no", False), ("", False), ("non", False)])
def test_a_typed_yes(text, yes):
    assert is_yes(text) is yes
