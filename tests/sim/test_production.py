"""Production queues."""
from server.sim import rules as R

from .util import grass, make, run


def base():
    g = make(grass(30, 20))
    g.add_building(0, "hq", 2, 2)
    g.add_building(1, "hq", 25, 15)
    g.add_building(0, "power_plant", 6, 2)
    g.add_building(0, "power_plant", 6, 5)
    return g


def test_train_infantry_credits_taken_at_start_and_spawn_next_to_barracks():
    g = base()
    bk = g.add_building(0, "barracks", 10, 2)
    r = g.apply(0, {"action": "build_unit", "unit_type": "infantry", "count": 3})
    assert r.ok and r.info["queued"] == 3 and r.info["buildings"] == [bk.id]
    assert g.players[0].credits == 5000  # nothing taken before an item starts
    run(g, 1)
    assert g.players[0].credits == 4900
    ev = run(g, R.UNITS["infantry"].build_ticks)
    ready = [e for e in ev if e["kind"] == "unit_ready"]
    assert len(ready) == 1 and ready[0]["unit_type"] == "infantry"
    u = g.units[ready[0]["id"]]
    assert bk.dist2(u.x, u.y) <= 2.5 ** 2 and not g.grid.blocked[int(u.y) * 30 + int(u.x)]
    assert g.players[0].credits == 4800
    ev = run(g, 2 * R.UNITS["infantry"].build_ticks + 2)
    assert sum(1 for e in ev if e["kind"] == "unit_ready") == 2
    assert g.players[0].credits == 4700


def test_queue_limit_and_no_producer():
    g = base()
    r = g.apply(0, {"action": "build_unit", "unit_type": "infantry"})
    assert not r.ok and r.info["code"] == "no_producer" and "barracks" in r.error
    bk = g.add_building(0, "barracks", 10, 2)
    r = g.apply(0, {"action": "build_unit", "unit_type": "infantry", "count": 12})
    assert r.ok and r.info["queued"] == 10
    r = g.apply(0, {"action": "build_unit", "unit_type": "infantry"})
    assert not r.ok and r.info["code"] == "queue_full"
    assert len(g.view(0)["buildings"][-1]["queue"]) == 10 and g.view(0)["buildings"][-1]["id"] == bk.id
    r = g.apply(0, {"action": "build_unit", "unit_type": "tank"})
    assert not r.ok and "war_factory" in r.error


def test_cancel_refunds_a_started_item():
    g = base()
    bk = g.add_building(0, "barracks", 10, 2)
    g.apply(0, {"action": "build_unit", "unit_type": "infantry"})
    run(g, 5)
    assert g.players[0].credits == 4900
    r = g.apply(0, {"action": "cancel", "building": bk.id})
    assert r.ok and r.info["refund"] == 100 and g.players[0].credits == 5000 and not bk.queue
    r = g.apply(0, {"action": "cancel", "building": bk.id})
    assert not r.ok and r.info["code"] == "nothing_to_cancel"


def test_least_busy_producer_and_explicit_building():
    g = base()
    a = g.add_building(0, "barracks", 10, 2)
    b = g.add_building(0, "barracks", 13, 2)
    r = g.apply(0, {"action": "build_unit", "unit_type": "infantry", "count": 4})
    assert r.ok and len(a.queue) == 2 and len(b.queue) == 2
    r = g.apply(0, {"action": "build_unit", "unit_type": "infantry", "count": 3, "building": b.id})
    assert r.ok and len(b.queue) == 5
    r = g.apply(0, {"action": "build_unit", "unit_type": "tank", "building": b.id})
    assert not r.ok and r.info["code"] == "wrong_building"


def test_waits_for_credits():
    g = base()
    g.add_building(0, "barracks", 10, 2)
    g.players[0].credits = 150
    assert g.apply(0, {"action": "build_unit", "unit_type": "infantry", "count": 2}).ok
    run(g, R.UNITS["infantry"].build_ticks * 3)
    assert sum(1 for u in g.units.values() if u.owner == 0) == 1
    assert g.players[0].credits == 50
    assert g.apply(0, {"action": "build_unit", "unit_type": "infantry"}).info["code"] == "not_enough_credits"
