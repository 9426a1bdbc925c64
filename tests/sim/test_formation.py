"""Moving like an army: spacing, formations at the goal, the slowest pace, chokepoints, refinery queues."""
import math

from server.sim import rules as R

from .util import grass, in_water_or_building, make, run

# a wall of water with one gap, one tile wide and three long
CHOKE = ["." * 30 for _ in range(8)] + ["~" * 14 + "." + "~" * 15 for _ in range(3)] + ["." * 30 for _ in range(9)]


def pairwise_min(units) -> float:
    us = list(units)
    return min(math.hypot(a.x - b.x, a.y - b.y) for k, a in enumerate(us) for b in us[k + 1:])


def field(w=40, h=30):
    g = make(grass(w, h))
    g.add_building(0, "hq", 0, 0)
    g.add_building(1, "hq", w - 3, h - 3)
    return g


def test_ten_units_ordered_to_one_tile_end_apart_around_it():
    g = field()
    ids = [g.add_unit(0, "infantry" if k % 2 else "tank", 5.5 + k % 5, 5.5 + k // 5).id for k in range(10)]
    assert g.apply(0, {"action": "move", "units": {"ids": ids}, "target": {"x": 25, "y": 18}}).ok
    run(g, 30 * 20)
    us = [g.units[i] for i in ids]
    assert all(u.order == "idle" and not u.path for u in us)
    assert pairwise_min(us) >= 0.6
    # a loose formation around the point, not scattered over the map
    assert all(math.hypot(u.x - 25.5, u.y - 18.5) <= 3.0 for u in us)


def test_ground_units_keep_apart_while_walking_and_helicopters_cross_them():
    g = field()
    ids = [g.add_unit(0, "infantry", 4.5 + k % 4, 10.5 + k // 4).id for k in range(12)]
    heli = g.add_unit(0, "helicopter", 20.5, 25.5)
    tank = g.add_unit(0, "tank", 20.5, 25.5)           # the helicopter hovers right over it
    assert g.apply(0, {"action": "move", "units": {"ids": ids}, "target": {"x": 30, "y": 12}}).ok
    closest = 9.0
    for t in range(25 * 20):
        g.step()
        if t > 20:   # once they have set off
            closest = min(closest, pairwise_min(g.units[i] for i in ids))
    assert closest >= 0.45          # soft spacing: a brief squeeze, never a stack
    assert (heli.x, heli.y) == (tank.x, tank.y) == (20.5, 25.5)   # air and ground do not push


def test_a_group_walks_at_the_pace_of_its_slowest_member():
    g = field()
    tanks = [g.add_unit(0, "tank", 4.5, 5.5 + 2 * k) for k in range(3)]
    inf = [g.add_unit(0, "infantry", 3.5, 5.5 + 2 * k) for k in range(3)]
    ids = [u.id for u in tanks + inf]
    assert g.apply(0, {"action": "move", "units": {"ids": ids}, "target": {"x": 34, "y": 8}}).ok
    start = [u.x for u in tanks]
    run(g, 100)                     # 5 s: tanks alone would cover 10 tiles, infantry 7.5
    covered = [u.x - x0 for u, x0 in zip(tanks, start)]
    assert all(5.0 <= c <= R.UNITS["infantry"].speed * 100 + 0.3 for c in covered), covered
    # the same tank ordered alone keeps its own speed
    g2 = field()
    t = g2.add_unit(0, "tank", 4.5, 5.5)
    assert g2.apply(0, {"action": "move", "units": {"ids": [t.id]}, "target": {"x": 34, "y": 5}}).ok
    run(g2, 100)
    assert t.x - 4.5 > R.UNITS["infantry"].speed * 100 + 1.0


def test_twenty_units_through_a_one_tile_chokepoint_all_arrive():
    g = make(CHOKE)
    g.add_building(0, "hq", 0, 0)
    g.add_building(1, "hq", 27, 17)
    ids = [g.add_unit(0, "tank" if k % 3 == 0 else "infantry", 8.5 + k % 7, 2.5 + k // 7).id for k in range(20)]
    assert g.apply(0, {"action": "move", "units": {"ids": ids}, "target": {"x": 14, "y": 15}}).ok
    for _ in range(60 * 20):
        g.step()
        assert not in_water_or_building(g)
        if all(g.units[i].order == "idle" and g.units[i].y > 11 for i in ids):
            break
    us = [g.units[i] for i in ids]
    assert all(u.y > 11 and u.order == "idle" for u in us), [(u.id, u.x, u.y, u.order) for u in us if u.y <= 11]
    assert pairwise_min(us) >= 0.6


def test_chokepoint_crossing_is_deterministic():
    def play() -> str:
        g = make(CHOKE)
        g.add_building(0, "hq", 0, 0)
        g.add_building(1, "hq", 27, 17)
        ids = [g.add_unit(0, "infantry", 8.5 + k % 7, 2.5 + k // 7).id for k in range(14)]
        g.apply(0, {"action": "move", "units": {"ids": ids}, "target": {"x": 14, "y": 15}})
        run(g, 300)
        return g.state_hash()
    assert play() == play()


def test_harvesters_queue_at_a_refinery_instead_of_overlapping():
    rows = grass(30, 20)
    rows[3] = "....." + "o" * 6 + "." * 19
    rows[4] = "....." + "o" * 6 + "." * 19
    g = make(rows)
    g.add_building(0, "hq", 0, 12)
    g.add_building(0, "power_plant", 4, 16)
    ref = g.add_building(0, "refinery", 14, 10)
    g.add_building(1, "hq", 27, 17)
    hs = [g.add_unit(0, "harvester", 6.5 + k, 8.5) for k in range(4)]
    for h in hs:
        h.cargo = float(R.HARVEST_CAPACITY)     # all full at once: they all head for the refinery
        h.hv = "to_ref"
    credits = g.players[0].credits
    worst = worst_standing = 9.0
    unloading_at_once = 0
    for _ in range(40 * 20):
        g.step()
        near = [h for h in hs if ref.dist2(h.x, h.y) <= 4.0]
        if len(near) > 1:
            worst = min(worst, pairwise_min(near))
        standing = [h for h in near if not h.path and not h.pending]
        if len(standing) > 1:
            worst_standing = min(worst_standing, pairwise_min(standing))
        unloading_at_once = max(unloading_at_once, sum(1 for h in hs if h.hv == "unload"))
    assert worst_standing >= 0.6              # waiting or unloading: never on top of each other
    assert worst >= 0.45                      # passing by: a brief squeeze at most
    assert unloading_at_once <= ref.w         # one per door tile, the others wait their turn
    assert g.players[0].credits >= credits + 4 * R.HARVEST_CAPACITY   # and every load got in


def test_a_crowd_dropped_on_one_spot_spreads_out_without_entering_water():
    rows = grass(30, 20)
    for y in range(6, 14):
        rows[y] = rows[y][:16] + "~~~~" + rows[y][20:]
    g = make(rows)
    g.add_building(0, "hq", 0, 0)
    g.add_building(1, "hq", 27, 17)
    units = [g.add_unit(0, "infantry", 15.5, 9.5) for _ in range(40)]   # right at the water's edge
    run(g, 10 * 20)
    assert not in_water_or_building(g)
    assert pairwise_min(units) >= 0.45
