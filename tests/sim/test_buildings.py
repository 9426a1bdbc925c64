"""Construction, prerequisites, placement, power, selling."""
from server.sim import Game
from server.sim import rules as R
from server.sim.combat import damage

from .util import grass, make, run


def base(w=30, h=20, credits=5000):
    g = make(grass(w, h))
    g.add_building(0, "hq", 2, 2)
    g.add_building(1, "hq", w - 5, h - 5)
    g.players[0].credits = credits
    return g


def test_build_power_plant_over_time_with_proportional_hp():
    g = base()
    r = g.apply(0, {"action": "build_building", "building_type": "power_plant", "position": {"x": 6, "y": 2}})
    assert r.ok, r
    assert g.players[0].credits == 5000 - 300
    b = g.buildings[r.info["building"]]
    assert not b.built and b.hp < 100
    ev = run(g, R.BUILDINGS["power_plant"].build_ticks // 2)
    assert not b.built and 150 < b.hp < 260
    assert g.view(0)["buildings"][-1]["built"] == 0.5
    ev = run(g, R.BUILDINGS["power_plant"].build_ticks // 2 + 1)
    assert b.built and b.hp == b.max_hp
    assert any(e["kind"] == "building_done" and e["building_type"] == "power_plant" and e["player"] == 0 for e in ev)
    assert g.players[0].produced == 150


def test_prerequisites_and_credits():
    g = base(credits=5000)
    r = g.apply(0, {"action": "build_building", "building_type": "barracks"})
    assert not r.ok and r.info["code"] == "missing_prerequisite" and "power_plant" in r.error
    r = g.apply(0, {"action": "build_building", "building_type": "war_factory"})
    assert not r.ok and "barracks" in r.error and "refinery" in r.error
    g.players[0].credits = 100
    r = g.apply(0, {"action": "build_building", "building_type": "power_plant"})
    assert not r.ok and r.info["code"] == "not_enough_credits" and "300" in r.error
    assert g.players[0].credits == 100


def test_placement_rules():
    rows = grass(40, 20)
    rows[5] = "." * 6 + "~~~~" + "." * 30
    g = make(rows)
    g.add_building(0, "hq", 1, 1)
    g.add_building(1, "hq", 36, 16)
    pp = {"action": "build_building", "building_type": "power_plant"}
    r = g.apply(0, dict(pp, position={"x": 7, "y": 4}))
    assert not r.ok and r.info["code"] == "blocked" and "water" in r.error
    r = g.apply(0, dict(pp, position={"x": 2, "y": 2}))
    assert not r.ok and "taken" in r.error
    r = g.apply(0, dict(pp, position={"x": 20, "y": 10}))
    assert not r.ok and "too far" in r.error
    r = g.apply(0, dict(pp, position={"x": 39, "y": 1}))
    assert not r.ok and "out of the map" in r.error
    g.add_unit(0, "infantry", 6.5, 1.5)
    r = g.apply(0, dict(pp, position={"x": 6, "y": 1}))
    assert not r.ok and "units" in r.error
    g.players[0].explored = 0
    r = g.apply(0, dict(pp, position={"x": 5, "y": 8}))
    assert not r.ok and "not explored" in r.error
    g.players[0].explored = (1 << (40 * 20)) - 1
    r = g.apply(0, dict(pp, position={"x": 5, "y": 8}))
    assert r.ok, r
    # a building blocks its tiles at once
    assert g.grid.blocked[8 * 40 + 5]


def test_auto_placement_is_legal_and_deterministic():
    spots = []
    for _ in range(2):
        g = Game(seed=3)
        out = []
        for bt in ("power_plant", "power_plant", "power_plant"):
            r = g.apply(0, {"action": "build_building", "building_type": bt})
            assert r.ok, r
            out.append((r.info["x"], r.info["y"]))
        spots.append(out)
    assert spots[0] == spots[1] and len(set(spots[0])) == 3


def test_hq_builds_one_structure_at_a_time():
    g = base()
    a = g.apply(0, {"action": "build_building", "building_type": "power_plant"}).info["building"]
    b = g.apply(0, {"action": "build_building", "building_type": "power_plant"}).info["building"]
    run(g, 10)
    assert g.buildings[a].progress == 10 and g.buildings[b].progress == 0
    hq_view = [x for x in g.view(0)["buildings"] if x["type"] == "hq"][0]
    assert [q["item"] for q in hq_view["queue"]] == ["power_plant", "power_plant"]
    run(g, 2 * R.BUILDINGS["power_plant"].build_ticks)
    assert g.buildings[a].built and g.buildings[b].built


def test_low_power_halves_production_and_turret_fire():
    g = base()
    g.add_building(0, "barracks", 8, 2)
    g.add_building(0, "war_factory", 8, 6)
    g.add_building(0, "refinery", 12, 2)
    g.add_building(0, "defense_turret", 12, 8)
    ev = run(g, 1)
    assert g.players[0].low_power and any(e["kind"] == "low_power" for e in ev)
    assert g.apply(0, {"action": "build_unit", "unit_type": "infantry"}).ok
    ev = run(g, R.UNITS["infantry"].build_ticks + 5)
    assert not any(e["kind"] == "unit_ready" for e in ev)
    ev = run(g, R.UNITS["infantry"].build_ticks)
    assert any(e["kind"] == "unit_ready" for e in ev)
    # turret: one shot every 2 s instead of every 1 s
    enemy = g.add_unit(1, "tank", 14.5, 9.5)
    enemy.hp = 10_000
    shots = 0
    for _ in range(200):
        g.step()
        shots += sum(1 for e in g.effects if e["kind"] == "shot" and e["from"] != enemy.id
                     and g.buildings.get(e["from"]) is not None)
    assert 4 <= shots <= 6


def test_selling_and_cancelling_sites():
    g = base()
    pp = g.add_building(0, "power_plant", 7, 2)
    r = g.apply(0, {"action": "sell", "building": pp.id})
    assert r.ok and r.info["refund"] == 150 and g.players[0].credits == 5150
    assert pp.id not in g.buildings and not g.grid.blocked[2 * 30 + 7]
    hq = g.world.hq(0)
    r = g.apply(0, {"action": "sell", "building": hq.id})
    assert not r.ok and r.info["code"] == "cannot_sell"
    r = g.apply(0, {"action": "sell", "building": g.world.hq(1).id})
    assert not r.ok and r.info["code"] == "not_owner"
    site = g.apply(0, {"action": "build_building", "building_type": "power_plant"}).info["building"]
    assert g.players[0].credits == 4850
    r = g.apply(0, {"action": "cancel", "building": hq.id})
    assert r.ok and site not in g.buildings and g.players[0].credits == 5150


def test_refinery_comes_with_a_free_harvester():
    g = base()
    g.add_building(0, "power_plant", 7, 2)
    before = sum(1 for u in g.units.values() if u.type == "harvester")
    assert g.apply(0, {"action": "build_building", "building_type": "refinery"}).ok
    run(g, R.BUILDINGS["refinery"].build_ticks + 2)
    after = [u for u in g.units.values() if u.type == "harvester" and u.owner == 0]
    assert len(after) == before + 1 and after[0].order in ("harvest", "return")


def test_destroyed_building_frees_its_tiles_and_reports():
    g = base()
    pp = g.add_building(0, "power_plant", 7, 2)
    damage(g.world, pp, 10_000, None, 1)
    ev = run(g, 1)
    assert pp.id not in g.buildings and not g.grid.blocked[2 * 30 + 7]
    assert any(e["kind"] == "building_lost" and e["player"] == 0 for e in ev)
