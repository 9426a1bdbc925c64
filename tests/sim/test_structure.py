"""The engine's shape: one handler per action, the harvester's named states in order, typed queue
items, and modules that stay pure, small and say what they own."""
import ast
import sys
from pathlib import Path

from server.sim import Game
from server.sim import rules as R
from server.sim.economy import HarvesterState
from server.sim.entities import QueueItem
from server.sim.gate import HANDLERS
from server.sim.orders import ALL_ACTION_TYPES, PLAN_ACTION_TYPES
from server.sim.production import power_rate

from .test_economy import ore_map
from .util import make, run

SIM = Path(__file__).resolve().parents[2] / "server" / "sim"


def test_every_action_type_has_exactly_one_handler():
    assert set(HANDLERS) == set(ALL_ACTION_TYPES) | set(PLAN_ACTION_TYPES)


def test_harvester_goes_through_its_named_states_in_order():
    g, _ref = ore_map()
    h = g.add_unit(0, "harvester", 15.5, 9.5)
    states = [h.hv]
    for _ in range(60 * 20):
        g.step()
        if h.hv != states[-1]:
            states.append(h.hv)
    S = HarvesterState
    # the state machine of economy.py's docstring (no fleeing here: nobody shoots)
    allowed = {(S.SEEK, S.TO_ORE), (S.SEEK, S.TO_REF), (S.TO_ORE, S.MINE), (S.TO_ORE, S.SEEK),
               (S.MINE, S.TO_REF), (S.MINE, S.SEEK), (S.TO_REF, S.UNLOAD), (S.UNLOAD, S.SEEK),
               (S.UNLOAD, S.TO_REF)}
    steps = list(zip(states, states[1:]))
    assert states[:3] == [S.SEEK, S.TO_ORE, S.MINE]
    assert set(steps) <= allowed, steps
    # a full round: mined until full, carried home, unloaded, off again
    assert (S.MINE, S.TO_REF) in steps and (S.TO_REF, S.UNLOAD) in steps and (S.UNLOAD, S.SEEK) in steps


def test_queue_items_are_records_and_the_view_keeps_its_shape():
    g = make(["." * 20 for _ in range(12)])
    g.add_building(0, "hq", 1, 1)
    g.add_building(1, "hq", 16, 8)
    g.add_building(0, "power_plant", 5, 1)
    bk = g.add_building(0, "barracks", 8, 1)
    credits = g.players[0].credits
    assert g.apply(0, {"action": "build_unit", "unit_type": "infantry", "count": 2}).ok
    assert [type(q) for q in bk.queue] == [QueueItem, QueueItem] and not bk.queue[0].paid
    run(g, 10)
    first = bk.queue[0]
    assert first.paid and first.progress == 10 * power_rate(g.players[0]) and not bk.queue[1].paid
    assert g.players[0].credits == credits - R.UNITS["infantry"].cost
    view = [b for b in g.view(0)["buildings"] if b["id"] == bk.id][0]
    assert view["queue"] == [{"item": "infantry", "progress": round(10 / R.UNITS["infantry"].build_ticks, 2)},
                             {"item": "infantry", "progress": 0.0}]


def test_the_low_power_rule():
    g = Game(seed=1)
    pl = g.players[0]
    pl.low_power = False
    assert power_rate(pl) == 1.0
    pl.low_power = True
    assert power_rate(pl) == R.LOW_POWER_RATE


def _modules():
    return sorted(p for p in SIM.glob("*.py"))


def test_sim_modules_are_pure_and_small_and_say_what_they_own():
    allowed = set(sys.stdlib_module_names) - {"asyncio", "socket", "threading", "subprocess", "time",
                                               "os", "io", "pathlib", "shutil", "urllib", "http"}
    for path in _modules():
        src = path.read_text()
        tree = ast.parse(src)
        doc = ast.get_docstring(tree)
        assert doc and doc.strip().splitlines()[0].strip(), f"{path.name} has no opening docstring"
        assert len(src.splitlines()) <= 450, f"{path.name} is over 450 lines"
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                roots = [(node.module or "").split(".")[0]]
            else:
                continue
            for root in roots:
                assert root in allowed or root == "__future__", f"{path.name} imports {root}"
