"""One rules table: the engine's, sent in `welcome` and by GET /api/rules, and
the one the computer opponent and the analyst decide with. Changing a cost in
server.sim.rules changes what each of them does."""

from __future__ import annotations

import dataclasses
from types import MappingProxyType
from typing import Any

import pytest

from server.ai import Opponent
from server.nl import heuristic_analysis
from server.sim import rules as sim_rules
from server.sim.rules import TICK_RATE, rules_table
from tests.ai.ai_helpers import map_info, start_base

pytestmark = pytest.mark.timeout(60)


def set_building_cost(monkeypatch: pytest.MonkeyPatch, name: str, cost: int) -> None:
    table = dict(sim_rules.BUILDINGS)
    table[name] = dataclasses.replace(table[name], cost=cost)
    monkeypatch.setattr(sim_rules, "BUILDINGS", MappingProxyType(table))


async def test_welcome_and_api_rules_carry_the_engine_table(app_client: Any, ws_connect: Any) -> None:
    client = await app_client()
    probe = await ws_connect(client)
    welcome = await probe.wait_for("welcome")
    assert welcome["tick_rate"] == TICK_RATE
    assert welcome["rules"] == rules_table()
    resp = await client.get("/api/rules")
    assert resp.status == 200
    assert await resp.json() == welcome["rules"]
    assert welcome["rules"]["units"]["tank"]["cost"] == sim_rules.UNITS["tank"].cost


async def test_a_changed_cost_reaches_the_wire(app_client: Any, ws_connect: Any,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    set_building_cost(monkeypatch, "power_plant", 345)
    client = await app_client()
    probe = await ws_connect(client)
    welcome = await probe.wait_for("welcome")
    assert welcome["rules"]["buildings"]["power_plant"]["cost"] == 345
    assert (await (await client.get("/api/rules")).json())["buildings"]["power_plant"]["cost"] == 345


def opening_builds(credits: int) -> list[dict[str, Any]]:
    bot = Opponent(1, "normal", seed=1, map_info=map_info())
    return [a for a in bot.decide(start_base(credits=credits).view(), 0) if a["action"] == "build_building"]


def test_the_opponent_spends_by_the_engine_table(monkeypatch: pytest.MonkeyPatch) -> None:
    # 350 credits buy a power plant at the table's 300...
    assert opening_builds(350) == [{"action": "build_building", "building_type": "power_plant"}]
    # ...and not once the table says it costs 400: the opponent saves instead.
    set_building_cost(monkeypatch, "power_plant", 400)
    assert opening_builds(350) == []
    assert opening_builds(450) == [{"action": "build_building", "building_type": "power_plant"}]


def test_the_analyst_advises_by_the_engine_table(monkeypatch: pytest.MonkeyPatch) -> None:
    view = start_base(player=0, credits=250).view()
    # 250 credits buy no building at the table's prices (power plant 300): "credits are low".
    assert "Credits are low (250)" in heuristic_analysis(view, "en")
    set_building_cost(monkeypatch, "power_plant", 200)
    assert "Credits are low" not in heuristic_analysis(view, "en")


def test_the_analyst_weighs_armies_by_the_engine_costs(monkeypatch: pytest.MonkeyPatch) -> None:
    vb = start_base(player=0)
    for i in range(3):
        vb.unit("tank", 20 + i, 20)
    for i in range(5):
        vb.unit("infantry", 30 + i, 20, owner=1)
    view = vb.view()
    # My 3 tanks (and 2 infantry) against 5 enemy infantry: 1700 against 500, stronger.
    assert "outweighs" in heuristic_analysis(view, "en")
    units = dict(sim_rules.UNITS)
    units["tank"] = dataclasses.replace(units["tank"], cost=10)
    monkeypatch.setattr(sim_rules, "UNITS", MappingProxyType(units))
    # At 10 credits a tank, 230 against 500: the advice turns around.
    assert "outweighs" not in heuristic_analysis(view, "en")
