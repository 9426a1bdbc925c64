"""Range, cooldown, splash, anti-air, chasing, return fire, turrets, defend_base."""
from server.sim import rules as R
from server.sim.projectiles import flight_ticks

from .util import grass, make, run


def field(w=30, h=20):
    g = make(grass(w, h))
    g.add_building(0, "hq", 0, 0)
    g.add_building(1, "hq", w - 3, h - 3)
    return g


def test_tank_kills_infantry_at_its_rate():
    g = field()
    t = g.add_unit(0, "tank", 10.5, 10.5)
    i = g.add_unit(1, "infantry", 13.5, 10.5)   # in range (3 < 4)
    i.order = "move"                          # does not shoot back (ordered elsewhere)
    run(g, 1)                                 # vision is computed by step()
    i.hp = 100
    r = g.apply(0, {"action": "attack", "units": {"ids": [t.id]}, "target": {"entity": i.id}})
    assert r.ok, r
    g.step()                                  # fires: the shell is in flight
    flight = flight_ticks(R.WEAPONS["shell"], 10.5, 10.5, 13.5, 10.5)
    assert i.hp == 100 and flight > 1
    run(g, flight - 1)
    assert i.hp == 100
    run(g, 1)
    assert i.hp == 60
    run(g, R.UNITS["tank"].cooldown_ticks - 1)
    assert i.hp == 60
    run(g, 1)
    assert i.hp == 20
    ev = run(g, R.UNITS["tank"].cooldown_ticks)
    ev += run(g, 2)
    assert not i.alive and any(e["kind"] == "unit_lost" and e["player"] == 1 for e in ev)
    assert t.order == "idle"


def test_attack_order_chases():
    g = field()
    t = g.add_unit(0, "tank", 3.5, 10.5)
    h = g.add_unit(1, "harvester", 20.5, 10.5)
    h.order = "idle"
    g.players[0].visible[10 * 30 + 20] = 1
    assert g.apply(0, {"action": "attack", "units": {"ids": [t.id]}, "target": {"entity": h.id}}).ok
    run(g, 20 * 20)
    assert not h.alive


def test_anti_air_rules():
    g = field()
    t = g.add_unit(0, "tank", 10.5, 10.5)
    a = g.add_unit(0, "artillery", 10.5, 12.5)
    i = g.add_unit(0, "infantry", 10.5, 8.5)
    heli = g.add_unit(1, "helicopter", 12.5, 10.5)
    run(g, 1)
    r = g.apply(0, {"action": "attack", "units": {"ids": [t.id, a.id]}, "target": {"entity": heli.id}})
    assert not r.ok and r.info["code"] == "cannot_hit"
    r = g.apply(0, {"action": "attack", "units": {"ids": [t.id, i.id]}, "target": {"entity": heli.id}})
    assert r.ok and r.info["units"] == [i.id]


def test_artillery_min_range_and_splash():
    g = field()
    a = g.add_unit(0, "artillery", 5.5, 10.5)
    near = g.add_unit(1, "tank", 6.5, 10.5)
    near.order = "move"
    run(g, 1)
    assert g.apply(0, {"action": "attack", "units": {"ids": [a.id]}, "target": {"entity": near.id}}).ok
    a.path = []
    a.x, a.y = 5.5, 10.5
    hp = near.hp
    for _ in range(10):
        g.step()
        a.path = []
        a.x, a.y = 5.5, 10.5
    assert near.hp == hp          # too close to fire
    g2 = field()
    a = g2.add_unit(0, "artillery", 5.5, 10.5)
    v1 = g2.add_unit(1, "tank", 11.5, 10.5)
    v2 = g2.add_unit(1, "tank", 11.5, 11.3)
    v1.order = v2.order = "move"
    run(g2, 1)
    assert g2.apply(0, {"action": "attack", "units": {"ids": [a.id]}, "target": {"entity": v1.id}}).ok
    run(g2, 1 + flight_ticks(R.WEAPONS["artillery"], 5.5, 10.5, 11.5, 10.5))
    assert v1.hp == 300 - 70 and v2.hp == 300 - 70


def test_idle_units_engage_and_return_fire():
    g = field()
    i = g.add_unit(0, "infantry", 10.5, 10.5)
    e = g.add_unit(1, "infantry", 12.5, 10.5)
    run(g, 10)
    assert i.target == e.id and e.target == i.id and i.hp < 100 and e.hp < 100
    # return fire against an artillery out of range: the victim goes after it
    g = field()
    v = g.add_unit(0, "tank", 10.5, 10.5)
    art = g.add_unit(1, "artillery", 16.5, 10.5)
    run(g, 20 + flight_ticks(R.WEAPONS["artillery"], 16.5, 10.5, 10.5, 10.5))
    assert v.hp < 300 and v.target == art.id
    run(g, 200)
    assert not art.alive


def test_turret_fires_at_units_and_helicopters():
    g = field()
    g.add_building(0, "power_plant", 4, 4)
    tur = g.add_building(0, "defense_turret", 8, 8)
    heli = g.add_unit(1, "helicopter", 11.5, 8.5)
    heli.order = "move"
    run(g, 3)
    assert tur.target == heli.id
    run(g, flight_ticks(R.WEAPONS["shell"], tur.cx, tur.cy, heli.x, heli.y))
    assert heli.hp == 200 - 30
    run(g, R.BUILDINGS["defense_turret"].cooldown_ticks)
    assert heli.hp == 200 - 60


def test_defend_base_goes_home_and_engages_near_the_base():
    g = field(40, 30)
    hq = g.world.hq(0)
    ids = [g.add_unit(0, "tank", 30.5 + k, 20.5).id for k in range(3)]
    r = g.apply(0, {"action": "defend_base", "units": {"ids": ids}})
    assert r.ok
    run(g, 15 * 20)
    for i in ids:
        u = g.units[i]
        assert u.order == "defend" and hq.dist2(u.x, u.y) < 5 ** 2
    raider = g.add_unit(1, "infantry", 7.5, 7.5)
    raider.order = "move"
    run(g, 10 * 20)
    assert not raider.alive


def test_attack_needs_visible_target():
    g = field()
    t = g.add_unit(0, "tank", 3.5, 3.5)
    far = g.add_unit(1, "tank", 25.5, 15.5)
    run(g, 1)
    r = g.apply(0, {"action": "attack", "units": {"ids": [t.id]}, "target": {"entity": far.id}})
    assert not r.ok and r.info["code"] == "not_visible"
    r = g.apply(0, {"action": "attack", "units": {"ids": [t.id]}, "target": {"entity": t.id}})
    assert not r.ok and r.info["code"] == "own_target"
    r = g.apply(0, {"action": "attack", "units": {"ids": [t.id]}, "target": {"entity": 9999}})
    assert not r.ok and r.info["code"] == "unknown_target"


def test_under_attack_events_are_rate_limited():
    g = field()
    v = g.add_unit(0, "tank", 10.5, 10.5)
    v.hp = 10_000
    g.add_unit(1, "tank", 12.5, 10.5).hp = 10_000
    ev = run(g, 12 * 20)
    ua = [e for e in ev if e["kind"] == "under_attack" and e["player"] == 0]
    assert len(ua) == 2 and ua[1]["tick"] - ua[0]["tick"] >= R.UNDER_ATTACK_INTERVAL


def test_shots_from_the_fog_do_not_reveal_the_shooter():
    g = field(40, 20)
    art = g.add_unit(1, "artillery", 20.5, 10.5)
    victim = g.add_unit(0, "tank", 13.5, 10.5)   # 7 tiles: artillery range and sight, beyond tank sight (6)
    victim.hp = 10_000
    victim.order = "move"
    for _ in range(5):
        g.step()
        if any(e["kind"] == "shot" for e in g.effects):
            break
    shots = [e for e in g.view(0)["effects"] if e["kind"] == "shot"]
    assert shots and all(e["from"] is None and e["x"] == e["tx"] for e in shots)
    assert any(e["from"] == art.id for e in g.view(1)["effects"])
