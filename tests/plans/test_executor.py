"""The plan executor in the engine: plans built as data, submitted through the gate, stepped in fast-forward.

Each test checks the game's final state (buildings standing, units where they were sent, credits)
and the plan's status as a player would see it in the plans panel."""
from __future__ import annotations

import pytest

from server.sim import Game
from server.sim import rules as R
from server.sim.orders import parse_action, parse_plan, prerequisite_chain, with_selection
from server.sim.snapshot import restore, snapshot

from .util import build, buildings, destroy, move, plan, run_s, step_until, the_plan, train, units, with_base

NORTH = {"direction": "north"}


def accepted(g: Game, p: int, order: dict) -> dict:
    r = g.apply(p, order)
    assert r.ok, r.error
    return r.info["plan"]


# ---------------------------------------------------------------------- sequences
def test_a_sequence_builds_both_buildings_and_nothing_is_refused():
    g = Game(seed=1)
    pid = accepted(g, 0, plan([build("power_plant")], [build("barracks")]))["id"]
    assert step_until(g, lambda g: the_plan(g, 0, pid)["status"] == "done", 25)
    assert buildings(g, 0, "power_plant") and buildings(g, 0, "barracks")
    assert [s["status"] for s in the_plan(g, 0, pid)["steps"]] == ["done", "done"]


def test_a_step_that_needs_an_earlier_one_waits_for_its_building():
    g = Game(seed=1)
    info = accepted(g, 0, plan([build("power_plant")], ([build("barracks")], {"built": "power_plant"})))
    assert info["steps"][1]["status"] == "waiting"
    assert info["steps"][1]["why"] == {"code": "wait_built", "building": "power_plant"}
    assert not buildings(g, 0, "barracks", built=False)  # nothing refused, nothing placed yet
    run_s(g, R.BUILDINGS["power_plant"].build_ticks / R.TICK_RATE + 1)
    assert buildings(g, 0, "barracks", built=False), "the barracks is placed once the power plant stands"
    assert step_until(g, lambda g: buildings(g, 0, "barracks"), 12)


def test_independent_actions_of_one_step_start_together():
    g = Game(seed=1)
    with_base(g, 0, "power_plant")
    info = accepted(g, 0, plan([build("barracks"), build("refinery")]))
    assert info["steps"][0]["status"] == "running"
    assert len(g.players[0].sites) == 2


def test_train_then_send_them_moves_only_those_units():
    g = Game(seed=1)
    with_base(g, 0, "power_plant", "barracks")
    others = {u.id: (u.x, u.y) for u in g.units.values() if u.owner == 0}
    pid = accepted(g, 0, plan([train("infantry", 3)], [move({"step": 0}, NORTH)]))["id"]
    assert step_until(g, lambda g: the_plan(g, 0, pid)["status"] == "done", 30)
    new = [u for u in units(g, 0, "infantry") if u.id not in others]
    assert len(new) == 3 and all(u.order == "move" for u in new)
    assert the_plan(g, 0, pid)["steps"][1]["units"] == sorted(u.id for u in new)
    run_s(g, 1)
    for uid in others:
        assert g.units[uid].order in ("idle", "harvest"), "units nobody named stay where they were"


def test_a_move_step_is_done_once_given_and_the_next_one_starts():
    g = Game(seed=1)
    pid = accepted(g, 0, plan([move({"type": "infantry"}, {"place": "center"})],
                              [move({"step": 0}, {"place": "home"})]))["id"]
    run_s(g, 0.5)
    assert the_plan(g, 0, pid)["status"] == "done"
    hx, hy = g.world.home(0)
    for u in units(g, 0, "infantry"):
        assert u.dest is not None and abs(u.dest[0] - hx) < 4 and abs(u.dest[1] - hy) < 4


# ---------------------------------------------------------------------- conditions
def test_when_we_have_six_tanks_attack_waits_for_the_sixth():
    g = Game(seed=1)
    with_base(g, 0, "power_plant", "barracks", "refinery", "war_factory")
    g.players[0].credits = 10_000
    pid = accepted(g, 0, plan(([{"action": "attack", "units": {"type": "tank"}, "target": {"place": "enemy_base"}}],
                               {"have": {"unit_type": "tank", "count": 6}})))["id"]
    assert g.apply(0, train("tank", 5)).ok
    run_s(g, 5 * R.UNITS["tank"].build_ticks / R.TICK_RATE + 1)
    assert len(units(g, 0, "tank")) == 5
    step = the_plan(g, 0, pid)["steps"][0]
    assert step["status"] == "waiting" and step["why"] == {"code": "wait_have", "unit_type": "tank", "count": 6, "have": 5}
    assert all(u.order != "attack" for u in units(g, 0, "tank"))
    assert g.apply(0, train("tank", 1)).ok
    assert step_until(g, lambda g: the_plan(g, 0, pid)["status"] == "done", 12)
    assert all(u.order == "attack" for u in units(g, 0, "tank"))


def test_credits_condition_runs_when_the_money_is_there():
    g = Game(seed=1)
    g.players[0].credits = 100
    with_base(g, 0, "power_plant", "refinery")
    pid = accepted(g, 0, plan(([build("barracks")], {"credits": 500})))["id"]
    assert the_plan(g, 0, pid)["steps"][0]["why"]["code"] == "wait_credits"
    g.players[0].credits = 600
    assert step_until(g, lambda g: buildings(g, 0, "barracks", built=False), 1)


def test_credits_that_can_never_come_fail_with_a_reason():
    g = Game(seed=1)
    for u in units(g, 0, "harvester"):
        destroy(g, u)
    g.players[0].credits = 100
    info = accepted(g, 0, plan(([build("power_plant")], {"credits": 5000})))
    assert info["status"] == "failed"
    assert info["steps"][0]["why"]["code"] == "no_income"


def test_step_waits_for_credits_while_a_refinery_earns_them():
    g = Game(seed=1)
    with_base(g, 0, "power_plant", "refinery")
    g.players[0].credits = 0
    pid = accepted(g, 0, plan([build("barracks")]))["id"]
    st = the_plan(g, 0, pid)["steps"][0]
    assert st["status"] == "waiting" and st["why"] == {"code": "wait_order", "order": "not_enough_credits",
                                                      "action": "build_building"}
    g.players[0].credits = 500
    run_s(g, 0.5)
    assert buildings(g, 0, "barracks", built=False)


# ---------------------------------------------------------------------- failure, cancel, limits
def test_a_destroyed_site_fails_the_step_and_cancels_the_rest():
    g = Game(seed=1)
    with_base(g, 0, "power_plant", "barracks", "refinery")
    pid = accepted(g, 0, plan([build("war_factory")], [train("tank", 3)]))["id"]
    run_s(g, 2)
    site = buildings(g, 0, "war_factory", built=False)[0]
    destroy(g, site)
    run_s(g, 0.5)
    p = the_plan(g, 0, pid)
    assert p["status"] == "failed"
    assert p["steps"][0]["why"] == {"code": "site_destroyed", "building": "war_factory"}
    assert p["steps"][1]["status"] == "cancelled"
    run_s(g, 20)
    assert not units(g, 0, "tank")


def test_a_producer_destroyed_while_training_fails_the_step():
    g = Game(seed=1)
    with_base(g, 0, "power_plant", "barracks")
    pid = accepted(g, 0, plan([train("infantry", 2)], [move({"step": 0}, NORTH)]))["id"]
    run_s(g, 1)
    destroy(g, buildings(g, 0, "barracks")[0])
    run_s(g, 0.5)
    p = the_plan(g, 0, pid)
    assert p["status"] == "failed" and p["steps"][0]["why"]["code"] == "training_lost"


def test_a_condition_that_can_never_hold_fails_when_the_hq_is_gone():
    g = Game(seed=1)
    pid = accepted(g, 0, plan(([move({"type": "infantry"}, NORTH)], {"built": "war_factory"})))["id"]
    destroy(g, g.world.hq(0))
    run_s(g, 0.5)
    p = the_plan(g, 0, pid)
    assert p["status"] == "failed" and p["steps"][0]["why"] == {"code": "cannot_build", "building": "war_factory"}


def test_units_of_a_step_all_dead_fail_the_reference():
    g = Game(seed=1)
    pid = accepted(g, 0, plan([move({"type": "infantry"}, NORTH)],
                              ([move({"step": 0}, {"place": "home"})], {"credits": 6000})))["id"]
    for u in units(g, 0, "infantry"):
        destroy(g, u)
    g.players[0].credits = 7000
    run_s(g, 0.5)
    p = the_plan(g, 0, pid)
    assert p["status"] == "failed" and p["steps"][1]["why"] == {"code": "units_gone", "step": 0}


def test_a_refused_step_fails_with_the_gates_reason():
    g = Game(seed=1)
    info = accepted(g, 0, plan([move({"type": "tank"}, NORTH)]))
    assert info["status"] == "failed"
    assert info["steps"][0]["reason"] == "you have no tank"
    assert info["steps"][0]["why"] == {"code": "refused", "order": "no_units", "action": "move"}


def test_cancel_stops_what_has_not_started():
    g = Game(seed=1)
    pid = accepted(g, 0, plan([build("power_plant")], [build("barracks")]))["id"]
    assert g.apply(1, {"action": "cancel_plan", "plan": pid}).info["code"] == "unknown_plan"  # not theirs
    assert the_plan(g, 0, pid)["status"] == "active"
    r = g.apply(0, {"action": "cancel_plan", "plan": pid})
    assert r.ok and r.info["plan"]["status"] == "cancelled"
    run_s(g, 25)
    assert buildings(g, 0, "power_plant") and not buildings(g, 0, "barracks", built=False)
    assert g.apply(0, {"action": "cancel_plan", "plan": pid}).info["code"] == "unknown_plan"
    assert g.apply(0, {"action": "cancel_plan", "plan": 999}).info["code"] == "unknown_plan"
    assert g.plans(0) == []


def test_at_most_max_plans_active_per_player():
    g = Game(seed=1, max_plans=3)
    waiting = plan(([build("power_plant")], {"credits": 50_000}))
    for _ in range(3):
        accepted(g, 0, waiting)
    r = g.apply(0, waiting)
    assert not r.ok and r.info["code"] == "too_many_plans" and "3 active plans" in r.error
    assert len(g.plans(0)) == 3
    assert g.apply(1, waiting).ok  # the other player's limit is their own
    assert g.apply(0, {"action": "cancel_plan", "plan": g.plans(0)[0]["id"]}).ok
    assert g.apply(0, waiting).ok


def test_default_limit_is_the_rules_value():
    assert Game(seed=1).world.max_plans == R.MAX_PLANS_PER_PLAYER == 8


@pytest.mark.parametrize("bad, why", [
    (plan(*[[build("power_plant")]] * (R.PLAN_MAX_STEPS + 1)), "at most 10 steps"),
    (plan([move({"step": 0}, NORTH)]), "comes later"),
    (plan([build("power_plant")], [move({"step": 0}, NORTH)]), "makes none"),
    (plan(([build("barracks")], {"have": {"unit_type": "tank", "count": R.PLAN_MAX_UNITS + 1}})), "between 1 and"),
    (plan(([build("barracks")], {"previous": "done"})), "no previous step"),
    (plan([plan([build("barracks")])]), "action must be one of"),
    ({"action": "plan", "steps": []}, "non-empty"),
    ({"action": "plan", "steps": [{"actions": [{"action": "fly"}]}]}, "action must be one of"),
    ({"action": "cancel_plan", "plan": "x"}, "plan must be an integer"),
])
def test_malformed_plans_are_refused_and_change_nothing(bad, why):
    g = Game(seed=1)
    before = g.state_hash()
    r = g.apply(0, bad)
    assert not r.ok and r.info["code"] == "bad_action" and why in r.error
    assert g.state_hash() == before and g.plans(0) == [] and g.order_log == []


def test_an_unresolved_selection_is_refused_and_ids_resolve_it():
    g = Game(seed=1)
    order = plan([move({"selection": True}, NORTH)])
    r = g.apply(0, order)
    assert not r.ok and r.info["code"] == "no_selection"
    ids = [u.id for u in units(g, 0, "infantry")][:1]
    info = accepted(g, 0, with_selection(order, ids))
    assert info["status"] == "done" and info["steps"][0]["units"] == ids
    assert g.apply(0, move({"selection": True}, NORTH)).info["code"] == "no_selection"
    assert g.apply(0, move({"step": 0}, NORTH)).info["code"] == "not_in_plan"


# ---------------------------------------------------------------------- determinism and snapshots
def _busy_game() -> Game:
    g = Game(seed=3)
    g.apply(0, plan([build("power_plant")], [build("barracks")], [train("infantry", 3)],
                    [move({"step": 2}, {"place": "center"})], text="base then army"))
    run_s(g, 5)
    g.apply(1, plan([build("power_plant")], ([build("refinery")], {"built": "power_plant"})))
    g.apply(0, plan(([{"action": "attack", "units": {"type": "all"}, "target": {"place": "enemy_base"}}],
                     {"have": {"unit_type": "infantry", "count": 5}})))
    return g


def test_the_same_orders_replayed_give_the_same_plans():
    g = _busy_game()
    run_s(g, 40)
    again = Game.replay(g.seed, g.w, g.h, g.order_log, g.tick)
    assert again.plans(0, False) == g.plans(0, False) and again.plans(1, False) == g.plans(1, False)
    assert again.state_hash() == g.state_hash()
    assert [a["action"] for _t, _p, a in g.order_log] == ["plan", "plan", "plan"], "step actions are not logged"


def test_a_snapshot_carries_running_plans_to_the_same_future():
    g = _busy_game()
    run_s(g, 12)  # the barracks is being built, infantry not yet trained
    copy = restore(snapshot(g))
    assert copy.plans(0) == g.plans(0)
    run_s(g, 30)
    run_s(copy, 30)
    assert copy.plans(0, False) == g.plans(0, False) and copy.state_hash() == g.state_hash()


def test_a_plan_event_goes_to_its_owner_when_it_changes_only():
    g = Game(seed=1)
    g.drain_events()
    pid = accepted(g, 0, plan([build("power_plant")], [build("barracks")]))["id"]
    run_s(g, 3)
    ev = [e for e in g.drain_events() if e["kind"] == "plan"]
    assert len(ev) == 1 and ev[0]["player"] == 0 and ev[0]["plan"]["id"] == pid
    run_s(g, 8)
    ev = [e for e in g.drain_events() if e["kind"] == "plan"]
    assert [e["plan"]["steps"][1]["status"] for e in ev] == ["running"]


# ---------------------------------------------------------------------- words for places and selections
def test_all_means_combat_units_and_harvesters_only_when_named():
    g = Game(seed=1)
    harvester = units(g, 0, "harvester")[0]
    for order in ("move", "stop"):
        act = {"action": order, "units": {"type": "all"}}
        if order == "move":
            act["target"] = NORTH
        r = g.apply(0, act)
        assert r.ok and harvester.id not in r.info["units"]
        assert harvester.order == "harvest"
    r = g.apply(0, {"action": "stop", "units": {"type": "harvester"}})
    assert r.ok and harvester.order == "idle"
    assert g.apply(0, {"action": "harvest", "units": {"type": "all"}}).info["units"] == [harvester.id]


@pytest.mark.parametrize("place, corner", [("center", None), ("top_left", (0, 0)), ("top_right", (1, 0)),
                                           ("bottom_left", (0, 1)), ("bottom_right", (1, 1))])
def test_center_and_corners_are_places(place, corner):
    g = Game(seed=1)
    r = g.apply(0, move({"type": "infantry"}, {"place": place}))
    assert r.ok
    x, y = r.info["x"], r.info["y"]
    if corner is None:
        assert (x, y) == (g.w // 2 + 0.5, g.h // 2 + 0.5)
    else:
        ex = g.w - 1 - R.CORNER_INSET if corner[0] else R.CORNER_INSET
        ey = g.h - 1 - R.CORNER_INSET if corner[1] else R.CORNER_INSET
        assert (x, y) == (ex + 0.5, ey + 0.5)


def test_schema_of_places_selections_and_plans():
    assert parse_action(move({"selection": True}, {"place": "top_left"}), allow_extensions=False)[0] is not None
    assert "must be true" in parse_action(move({"selection": 1}, NORTH))[1]
    assert parse_action(plan([build("barracks")]), allow_extensions=False)[1].startswith("action must be one of")
    ok, err = parse_plan({"steps": [{"actions": [train("infantry", 3)]},
                                    {"actions": [move({"step": 0}, NORTH)], "after": {"previous": "done"}}],
                          "id": 5, "status": "active"})
    assert err is None and ok == {"text": "", "steps": [
        {"actions": [train("infantry", 3)]},
        {"actions": [move({"step": 0}, NORTH)], "after": {"previous": "done"}}]}
    assert parse_plan({"steps": [{"actions": [{"action": "sell", "building": 1}]}]})[1].startswith("action must be")


def test_prerequisite_chain_lists_what_to_build_in_order():
    assert prerequisite_chain({"hq"}, "tank") == ["power_plant", "barracks", "refinery", "war_factory"]
    assert prerequisite_chain({"hq", "power_plant", "barracks"}, "infantry") == []
    assert prerequisite_chain({"hq", "power_plant"}, "defense_turret") == ["barracks"]
    assert prerequisite_chain(set(), "tank") is None
    assert prerequisite_chain({"hq"}, "hq") is None
