"""Pathfinding, formations, chokepoints, helicopters, targets."""
from server.sim import Game
from server.sim.production import spawn_near

from .util import grass, in_water_or_building, make, run

BRIDGE = [
    "....................",
    "....................",
    "....................",
    "....................",
    "~~~~~~~~~.~~~~~~~~~~",
    "~~~~~~~~~.~~~~~~~~~~",
    "~~~~~~~~~.~~~~~~~~~~",
    "....................",
    "....................",
    "....................",
    "....................",
    "....................",
]


def test_group_crosses_a_one_tile_bridge_without_getting_stuck():
    g = make(BRIDGE)
    g.add_building(0, "hq", 0, 0)
    g.add_building(1, "hq", 17, 9)
    ids = [g.add_unit(0, "tank" if k % 2 else "infantry", 3.5 + k % 6, 1.5 + k // 6).id for k in range(12)]
    r = g.apply(0, {"action": "move", "units": {"ids": ids}, "target": {"x": 9, "y": 10}})
    assert r.ok, r
    for _ in range(40 * 20):
        g.step()
        assert not in_water_or_building(g)
    for i in ids:
        u = g.units[i]
        assert u.y > 7, (u.id, u.x, u.y)
        assert u.order == "idle"
    # spread into a formation: not all on one tile, and nobody on top of another
    tiles = {(int(g.units[i].x), int(g.units[i].y)) for i in ids}
    assert len(tiles) >= len(ids) - 2
    us = [g.units[i] for i in ids]
    assert min(((a.x - b.x) ** 2 + (a.y - b.y) ** 2) ** 0.5 for a in us for b in us if a is not b) >= 0.6


def test_units_walk_around_buildings_and_water():
    rows = grass(20, 12)
    rows[5] = "~" * 15 + "....."
    g = make(rows)
    g.add_building(0, "hq", 0, 0)
    g.add_building(1, "hq", 17, 9)
    g.add_building(0, "barracks", 15, 5)   # blocks part of the gap
    u = g.add_unit(0, "infantry", 4.5, 2.5)
    assert g.apply(0, {"action": "move", "units": {"ids": [u.id]}, "target": {"x": 2, "y": 9}}).ok
    for _ in range(60 * 20):
        g.step()
        assert not in_water_or_building(g)
        if u.order == "idle":
            break
    assert int(u.x) == 2 and int(u.y) == 9


def test_helicopters_fly_over_water():
    g = make(BRIDGE)
    g.add_building(0, "hq", 0, 0)
    g.add_building(1, "hq", 17, 9)
    h = g.add_unit(0, "helicopter", 4.5, 2.5)
    assert g.apply(0, {"action": "move", "units": {"ids": [h.id]}, "target": {"x": 2, "y": 9}}).ok
    run(g, 3 * 20)
    assert abs(h.x - 2.5) < 0.01 and abs(h.y - 9.5) < 0.01
    assert any(g.water[int(y) * 20 + int(x)] for x, y in [(2.5, 5.5)])


def test_blocked_route_is_repathed_when_a_building_appears():
    g = make(grass(20, 12))
    g.add_building(0, "hq", 0, 0)
    g.add_building(1, "hq", 17, 9)
    u = g.add_unit(0, "infantry", 2.5, 6.5)
    g.apply(0, {"action": "move", "units": {"ids": [u.id]}, "target": {"x": 16, "y": 6}})
    run(g, 20)
    g.add_building(1, "war_factory", int(u.x) + 2, 5)
    for _ in range(20 * 20):
        g.step()
        assert not in_water_or_building(g)
    assert int(u.x) == 16 and int(u.y) == 6


def test_direction_and_place_targets():
    g = Game(seed=1)
    inf = [u for u in g.units.values() if u.owner == 0 and u.type == "infantry"]
    cx = sum(u.x for u in inf) / 2
    r = g.apply(0, {"action": "move", "units": {"type": "infantry"}, "target": {"direction": "east"}})
    assert r.ok and abs(r.info["x"] - (cx + 64 / 3)) < 1.5
    r = g.apply(0, {"action": "move", "units": {"type": "infantry"}, "target": {"direction": "northwest"}})
    assert r.ok and r.info["x"] == 0.5 and r.info["y"] == 0.5  # clamped to the map
    r = g.apply(0, {"action": "move", "units": {"type": "infantry"}, "target": {"place": "enemy_base"}})
    assert r.ok and r.info["x"] > 50 and r.info["y"] > 36
    r = g.apply(0, {"action": "move", "units": {"type": "infantry"}, "target": {"place": "ore"}})
    assert r.ok and g.terrain[int(r.info["y"]) * 64 + int(r.info["x"])] in "o*"
    r = g.apply(0, {"action": "move", "units": {"type": "infantry"}, "target": {"place": "home"}})
    assert r.ok and abs(r.info["x"] - g.world.hq(0).cx) < 0.01
    r = g.apply(0, {"action": "attack", "units": {"type": "infantry"}, "target": {"place": "nearest_enemy"}})
    assert not r.ok and r.info["code"] == "no_target"
    r = g.apply(0, {"action": "move", "units": {"type": "infantry"}, "target": {"x": 64, "y": 3}})
    assert not r.ok and r.info["code"] == "out_of_bounds"


def test_selections_pick_own_units_only():
    g = Game(seed=1)
    mine = [u.id for u in g.units.values() if u.owner == 0]
    theirs = [u.id for u in g.units.values() if u.owner == 1]
    r = g.apply(0, {"action": "stop", "units": {"ids": mine[:1] + theirs}})
    assert r.ok and r.info["units"] == mine[:1]
    r = g.apply(0, {"action": "stop", "units": {"ids": theirs}})
    assert not r.ok and r.info["code"] == "no_units"
    r = g.apply(0, {"action": "stop", "units": {"type": "tank"}})
    assert not r.ok and "tank" in r.error
    r = g.apply(0, {"action": "move", "units": {"type": "infantry", "count": 1}, "target": {"x": 10, "y": 10}})
    assert r.ok and len(r.info["units"]) == 1
    r = g.apply(0, {"action": "move", "units": {"type": "all"}, "target": {"x": 10, "y": 10}})
    assert r.ok and all(g.units[i].type != "harvester" for i in r.info["units"])


def test_group_order_does_not_stall_a_tick():
    """A big group order is paid for over several ticks (shared, budgeted search)."""
    import time
    g = Game(seed=2)
    hq = g.world.hq(0)
    ids = [spawn_near(g.world, 0, "tank", hq).id for _ in range(40)]
    g.apply(0, {"action": "move", "units": {"ids": ids}, "target": {"place": "enemy_base"}})
    worst = 0.0
    for _ in range(60):
        t = time.thread_time()
        g.step()
        worst = max(worst, time.thread_time() - t)
    assert worst < 0.05
    assert all(g.units[i].path for i in ids if g.units[i].order == "move")


def test_enemy_base_is_the_hq_as_last_seen():
    rows = grass(40, 30)
    g = make(rows)
    g.add_building(0, "hq", 1, 1)
    hq1 = g.add_building(1, "hq", 20, 20)   # not at player 1's default start site
    u = g.add_unit(0, "tank", 5.5, 5.5)
    sel = {"action": "move", "units": {"ids": [u.id]}, "target": {"place": "enemy_base"}}
    r = g.apply(0, sel)
    assert (r.info["x"], r.info["y"]) == g.players[1].start
    g.add_unit(0, "helicopter", 21.5, 18.5)
    run(g, 5)
    r = g.apply(0, sel)
    assert (r.info["x"], r.info["y"]) == (hq1.cx, hq1.cy)


def test_idle_units_stacked_on_one_spot_spread_out():
    g = make(grass(20, 12))
    g.add_building(0, "hq", 0, 0)
    g.add_building(1, "hq", 17, 9)
    us = [g.add_unit(0, "infantry", 8.5, 6.5) for _ in range(5)]
    for _ in range(80):
        g.step()
        assert not in_water_or_building(g)
    assert len({(int(u.x), int(u.y)) for u in us}) == 5
    assert all(u.order == "idle" for u in us)


def test_new_order_while_waiting_for_a_shared_search():
    """Regression: a unit stopped while waiting for its group's search stayed 'pending' for ever."""
    g = Game(seed=1)
    hq = g.world.hq(0)
    ids = [spawn_near(g.world, 0, "tank", hq).id for _ in range(6)]
    assert g.apply(0, {"action": "move", "units": {"ids": ids}, "target": {"place": "enemy_base"}}).ok
    assert any(g.units[i].field >= 0 for i in ids)
    assert g.apply(0, {"action": "stop", "units": {"ids": ids}}).ok
    run(g, 2)
    assert g.apply(0, {"action": "move", "units": {"ids": ids[:1]}, "target": {"x": 30, "y": 30}}).ok
    run(g, 40)
    u = g.units[ids[0]]
    assert not u.pending and u.path
