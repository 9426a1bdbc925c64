"""Rules table, map generation and the start position."""
from collections import deque

from server.sim import Game
from server.sim import rules as R
from server.sim.mapgen import generate, hq_site


def test_rules_table_matches_game_md():
    assert R.TICK_RATE == 20
    t = R.UNITS["tank"]
    assert (t.cost, t.build_ticks, t.hp, t.range, t.damage, t.cooldown_ticks, t.sight) == (500, 200, 300, 4, 40, 30, 6)
    assert abs(t.speed * R.TICK_RATE - 2.0) < 1e-9
    a = R.UNITS["artillery"]
    assert (a.min_range, a.splash, a.range) == (2, 1.0, 8)
    assert not t.hits_air and not a.hits_air
    assert R.UNITS["infantry"].hits_air and R.UNITS["helicopter"].hits_air and R.UNITS["helicopter"].air
    assert not R.UNITS["harvester"].armed
    wf = R.BUILDINGS["war_factory"]
    assert (wf.cost, wf.build_ticks, wf.hp, wf.power, wf.w, wf.h) == (800, 300, 800, -40, 3, 3)
    assert set(wf.requires) == {"barracks", "refinery"}
    assert R.BUILDINGS["defense_turret"].hits_air and R.BUILDINGS["defense_turret"].range == 6
    assert R.BUILDINGS["refinery"].free_unit == "harvester"
    assert R.SUPERWEAPON_CHARGE_TICKS == 180 * 20
    for u in R.UNITS.values():
        assert u.produced_by in R.BUILDINGS and u.name in R.BUILDINGS[u.produced_by].produces


def _reach(tiles, w, h, start):
    seen = {start}
    dq = deque([start])
    while dq:
        x, y = dq.popleft()
        for nx, ny in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)):
            if 0 <= nx < w and 0 <= ny < h and (nx, ny) not in seen and tiles[ny * w + nx] != "~":
                seen.add((nx, ny))
                dq.append((nx, ny))
    return seen


def test_map_is_seeded_symmetric_and_connected():
    for seed in (1, 2, 3, 99):
        w, h = 64, 48
        t = generate(seed, w, h)
        assert t == generate(seed, w, h)
        assert all(t[y * w + x] == t[(h - 1 - y) * w + (w - 1 - x)] for y in range(h) for x in range(w))
        assert "~" in t and "o" in t and "*" in t
        p0, p1 = hq_site(w, h, 0), hq_site(w, h, 1)
        assert p0[0] < w // 4 and p0[1] < h // 4 and p1[0] > w * 3 // 4 and p1[1] > h * 3 // 4
        reach = _reach(t, w, h, p0)
        assert p1 in reach
        # every ore tile can be walked to
        assert all((i % w, i // w) in reach for i, c in enumerate(t) if c in "o*")
        # ore near each base
        near = [i for i, c in enumerate(t) if c == "o" and abs(i % w - p0[0]) + abs(i // w - p0[1]) < 16]
        assert near
        # ore in the middle
        mid = [i for i, c in enumerate(t) if c in "o*" and abs(i % w - w / 2) < w / 4 and abs(i // w - h / 2) < h / 4]
        assert mid
    assert generate(1, 64, 48) != generate(2, 64, 48)


def test_map_size_is_a_parameter():
    g = Game(seed=5, width=40, height=30)
    assert g.map_info()["width"] == 40 and len(g.map_info()["tiles"]) == 1200
    assert g.world.hq(1).x > 30


def test_start_position():
    g = Game(seed=1)
    for p in (0, 1):
        assert g.players[p].credits == 5000
        bs = [b for b in g.buildings.values() if b.owner == p]
        assert [b.type for b in bs] == ["hq"]
        us = sorted(u.type for u in g.units.values() if u.owner == p)
        assert us == ["harvester", "infantry", "infantry"]
    assert g.world.hq(0).x < 10 and g.world.hq(1).x > 50


def test_rules_table_is_json_and_matches_the_engine_tables():
    import json

    from server.sim import rules as RR
    table = json.loads(json.dumps(RR.rules_table()))
    assert table["tick_rate"] == RR.TICK_RATE
    assert set(table["units"]) == set(RR.UNITS) and set(table["buildings"]) == set(RR.BUILDINGS)
    for name, u in RR.UNITS.items():
        e = table["units"][name]
        assert (e["cost"], e["build_ticks"], e["hp"], e["range"], e["damage"]) == (
            u.cost, u.build_ticks, u.hp, u.range, u.damage)
        assert e["speed"] == u.speed and e["requires"] == [u.produced_by]
    for name, b in RR.BUILDINGS.items():
        e = table["buildings"][name]
        assert (e["cost"], e["build_ticks"], e["hp"], e["power"], e["requires"]) == (
            b.cost, b.build_ticks, b.hp, b.power, list(b.requires))
    assert table["economy"]["harvest_capacity"] == RR.HARVEST_CAPACITY
    assert table["superweapon"]["charge_ticks"] == RR.SUPERWEAPON_CHARGE_TICKS
    # a fresh copy each call: a caller editing its copy changes nothing for the next one
    table2 = RR.rules_table()
    table2["units"]["tank"]["cost"] = 1
    assert RR.rules_table()["units"]["tank"]["cost"] == RR.UNITS["tank"].cost
