"""Shots in flight: travel time by weapon, homing shots, artillery that can miss, splash on landing."""
from server.sim import Game
from server.sim import rules as R
from server.sim.projectiles import flight_ticks

from .util import grass, make, run


def field(w=40, h=24):
    g = make(grass(w, h))
    g.add_building(0, "hq", 0, 0)
    g.add_building(1, "hq", w - 3, h - 3)
    return g


def fire_artillery_at(g: Game, target) -> object:
    a = g.add_unit(0, "artillery", 5.5, 10.5)
    run(g, 1)
    assert g.apply(0, {"action": "attack", "units": {"ids": [a.id]}, "target": {"entity": target.id}}).ok
    return a


def shots(g: Game, src=None) -> list[dict]:
    return [e for e in g.effects if e["kind"] == "shot" and (src is None or e["from"] == src.id)]


def test_weapons_fly_at_their_speeds_from_the_rules_table():
    table = R.rules_table()
    assert set(table["weapons"]) == set(R.WEAPONS)
    for utype, u in R.UNITS.items():
        assert (u.weapon in R.WEAPONS) == u.armed, utype
        assert table["units"][utype]["weapon"] == (u.weapon or None)
    for btype, b in R.BUILDINGS.items():
        assert (b.weapon in R.WEAPONS) == b.armed, btype
    speeds = {k: v["speed_tiles_per_s"] for k, v in table["weapons"].items()}
    assert speeds["bullet"] > speeds["shell"] > speeds["artillery"]
    assert table["weapons"]["artillery"]["arc"] and not table["weapons"]["artillery"]["homing"]


def test_a_shot_is_announced_once_with_its_weapon_and_flight_time():
    g = field()
    t = g.add_unit(0, "tank", 10.5, 10.5)
    i = g.add_unit(1, "infantry", 13.5, 10.5)
    i.order = "move"
    i.hp = 10_000
    run(g, 1)
    assert g.apply(0, {"action": "attack", "units": {"ids": [t.id]}, "target": {"entity": i.id}}).ok
    g.step()
    [shot] = shots(g, t)
    assert shot["weapon"] == "shell" and shot["from"] == t.id and shot["to"] == i.id
    assert shot["ticks"] == flight_ticks(R.WEAPONS["shell"], 10.5, 10.5, 13.5, 10.5) > 1
    assert [p.weapon for p in g.world.projectiles if p.src == t.id] == ["shell"]
    for _ in range(shot["ticks"] - 1):
        g.step()
        assert not shots(g, t) and i.hp == 10_000      # in flight: one announcement, no damage yet
    g.step()
    assert i.hp == 10_000 - R.UNITS["tank"].damage and not [p for p in g.world.projectiles if p.src == t.id]


def test_a_homing_shell_follows_a_moving_target():
    g = field()
    t = g.add_unit(0, "tank", 10.5, 10.5)
    i = g.add_unit(1, "infantry", 13.5, 10.5)
    i.hp = 10_000
    run(g, 1)
    assert g.apply(0, {"action": "attack", "units": {"ids": [t.id]}, "target": {"entity": i.id}}).ok
    assert g.apply(1, {"action": "move", "units": {"ids": [i.id]}, "target": {"x": 14, "y": 20}}).ok
    run(g, 1 + flight_ticks(R.WEAPONS["shell"], 10.5, 10.5, 13.5, 10.5) + 2)
    assert i.hp <= 10_000 - R.UNITS["tank"].damage


def test_an_artillery_shell_fired_at_a_unit_that_moves_away_misses():
    g = field()
    victim = g.add_unit(1, "tank", 12.5, 10.5)          # 7 tiles: in artillery range
    fire_artillery_at(g, victim)
    assert g.apply(1, {"action": "move", "units": {"ids": [victim.id]}, "target": {"x": 12, "y": 22}}).ok
    landed = None
    fired = None
    for _ in range(80):
        g.step()
        if fired is None and shots(g):
            fired = shots(g)[0]
        for e in g.effects:
            if e["kind"] == "explosion" and fired is not None:
                landed = e
        if landed:
            break
    assert fired is not None and fired["weapon"] == "artillery" and fired["ticks"] >= 20
    assert landed is not None and (landed["x"], landed["y"]) == (fired["tx"], fired["ty"])
    assert victim.hp == R.UNITS["tank"].hp                      # walked out of the splash
    assert abs(victim.y - fired["ty"]) > R.UNITS["artillery"].splash


def test_splash_damages_what_stands_in_the_radius_on_landing():
    g = field()
    # unarmed units, so that only the shell hurts anyone
    target = g.add_unit(1, "harvester", 12.5, 10.5)
    beside = g.add_unit(1, "harvester", 12.5, 11.3)              # 0.8 from the target
    outside = g.add_unit(1, "harvester", 12.5, 12.5)             # 2 tiles away
    friend = g.add_unit(0, "harvester", 11.7, 10.5)              # the shooter's own: no friendly fire
    for u in (target, beside, outside, friend):
        u.order = "move"                                          # stand still, do not fight
        u.hp = 10_000
    fire_artillery_at(g, target)
    for _ in range(5):
        g.step()
        if g.world.projectiles:
            break
    [shell] = g.world.projectiles
    # a unit that walks in during the flight is in the radius on landing: it is hit too
    late = g.add_unit(1, "harvester", shell.tx + 0.5, shell.ty - 0.5)
    late.order = "move"
    late.hp = 10_000
    while g.world.projectiles:
        g.step()
    dmg = R.UNITS["artillery"].damage
    assert target.hp == beside.hp == late.hp == 10_000 - dmg
    assert outside.hp == 10_000 and friend.hp == 10_000


def test_a_shot_lands_after_its_shooter_died():
    g = field()
    t = g.add_unit(0, "tank", 10.5, 10.5)
    i = g.add_unit(1, "infantry", 13.5, 10.5)
    i.order = "move"
    i.hp = 10_000
    run(g, 1)
    assert g.apply(0, {"action": "attack", "units": {"ids": [t.id]}, "target": {"entity": i.id}}).ok
    g.step()
    assert g.world.projectiles
    t.alive = False
    t.hp = 0
    run(g, flight_ticks(R.WEAPONS["shell"], 10.5, 10.5, 13.5, 10.5))
    assert i.hp == 10_000 - R.UNITS["tank"].damage


def test_shots_in_flight_are_in_the_hash_snapshot_and_replay():
    g = field()
    g.add_unit(0, "artillery", 5.5, 10.5)
    g.add_unit(1, "tank", 12.5, 10.5)
    while not g.world.projectiles:
        g.step()
    restored = Game.restore(g.snapshot())
    assert restored.world.projectiles == g.world.projectiles
    assert restored.state_hash() == g.state_hash()
    for _ in range(60):
        g.step()
        restored.step()
    assert restored.state_hash() == g.state_hash()
