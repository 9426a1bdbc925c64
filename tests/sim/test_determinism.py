"""Determinism across processes: nothing may depend on string hashing or set order."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
from server.sim import Game
g = Game(seed=4)
orders = {
    0: [(0, {"action": "build_building", "building_type": "power_plant"}),
        (1, {"action": "build_building", "building_type": "power_plant"}),
        (0, {"action": "move", "units": {"type": "all"}, "target": {"place": "enemy_base"}}),
        (1, {"action": "attack", "units": {"type": "all"}, "target": {"place": "enemy_base"}})],
    170: [(0, {"action": "build_building", "building_type": "refinery"}),
          (1, {"action": "build_building", "building_type": "barracks"})],
    420: [(1, {"action": "build_unit", "unit_type": "infantry", "count": 4})],
}
for t in range(900):
    for p, a in orders.get(t, []):
        g.apply(p, a)
    g.step()
print(g.state_hash())
"""


def _run(hashseed: str) -> str:
    env = dict(os.environ, PYTHONHASHSEED=hashseed)
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120, check=True)
    return out.stdout.strip()


def test_same_hash_under_different_hash_seeds():
    a, b = _run("1"), _run("12345")
    assert a and a == b
