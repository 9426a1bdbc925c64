"""Harvesting, gems, mining out, regrowth, fleeing."""
from server.sim import rules as R

from .util import make, run


def ore_map(kind="o"):
    rows = ["." * 30 for _ in range(16)]
    rows[8] = "." * 20 + kind * 3 + "." * 7
    g = make(rows)
    g.add_building(0, "hq", 1, 1)
    g.add_building(1, "hq", 26, 12)
    g.add_building(0, "power_plant", 5, 1)
    ref = g.add_building(0, "refinery", 12, 6)
    return g, ref


def test_harvester_loop_brings_credits():
    g, ref = ore_map()
    h = g.add_unit(0, "harvester", 15.5, 9.5)
    start = g.players[0].credits
    seen = set()
    for _ in range(90 * 20):
        g.step()
        seen.add(h.hv)
    assert {"to_ore", "mine", "to_ref", "unload"} <= seen
    assert g.players[0].credits >= start + R.HARVEST_CAPACITY
    v = g.view(0)
    hv = [u for u in v["units"] if u["id"] == h.id][0]
    assert "cargo" in hv and hv["order"] in ("harvest", "return")
    assert v["resources"]  # mined tiles are reported


def test_gems_are_worth_double():
    res = {}
    for kind in "o*":
        g, ref = ore_map(kind)
        h = g.add_unit(0, "harvester", 20.5, 8.5)
        run(g, 5)
        i = 8 * 30 + 20
        before = g.ore[i]
        run(g, 4 * 20)
        res[kind] = (h.cargo, before - g.ore[i])
    assert abs(res["*"][0] - 2 * res["o"][0]) < 3
    assert abs(res["*"][1] - res["o"][1]) < 2


def test_tiles_mine_out_and_regrow_only_next_to_ore():
    g, ref = ore_map()
    a, b, c = 8 * 30 + 20, 8 * 30 + 21, 8 * 30 + 22
    g.ore[a] = 0.0
    g.ore[b] = 10.0
    g.ore[c] = 0.0
    for i in range(g.npix):
        if i not in (a, b, c) and g.ore_max[i]:
            g.ore[i] = 0.0
    run(g, R.REGROW_PERIOD)
    assert g.ore[b] == 10 + R.REGROW_AMOUNT and g.ore[a] == R.REGROW_AMOUNT and g.ore[c] == R.REGROW_AMOUNT
    g.ore[a] = g.ore[b] = g.ore[c] = 0.0
    run(g, 3 * R.REGROW_PERIOD)
    assert g.ore[a] == g.ore[b] == g.ore[c] == 0   # a stripped field is gone for good


def test_harvester_flees_from_fire():
    g, ref = ore_map()
    h = g.add_unit(0, "harvester", 21.5, 8.5)
    run(g, 40)
    enemy = g.add_unit(1, "tank", 24.5, 8.5)
    enemy.hp = 10_000
    g.apply(1, {"action": "attack", "units": {"ids": [enemy.id]}, "target": {"entity": h.id}})
    run(g, 3 + 5)                 # the first shell is 5 ticks in flight (3 tiles at 14 tiles/s)
    assert h.order == "flee"
    run(g, 40)
    assert h.x < 20


def test_harvest_order_only_for_harvesters():
    g, ref = ore_map()
    g.add_unit(0, "tank", 5.5, 10.5)
    r = g.apply(0, {"action": "harvest", "units": {"type": "tank"}})
    assert not r.ok and r.info["code"] == "cannot_harvest"
    h = g.add_unit(0, "harvester", 5.5, 12.5)
    g.apply(0, {"action": "stop", "units": {"ids": [h.id]}})
    assert h.order == "idle"
    run(g, 40)
    assert h.order == "idle"
    assert g.apply(0, {"action": "harvest", "units": {"type": "all"}}).ok
    run(g, 2)
    assert h.order == "harvest"
