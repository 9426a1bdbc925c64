"""A rule-based agent that plays a whole game through MCP (no language model).

    python examples/mcp_agent.py --url http://localhost:7860/mcp
    python examples/mcp_agent.py --stdio            # starts `python -m server.mcp` itself

It uses only the official SDK's client and the game's tools: create_game,
then a loop of get_state -> act -> wait. The rules are simple on purpose:
power plant, refinery, barracks, war factory, then more power and ore; keep
the power up; train tanks and infantry; with ten combat units attack the
enemy base with all of them, then again whenever five stand idle. It prints one line per decision
and, at the end, the winner and how many of its orders the game refused.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from mcp import Client
from mcp.client.stdio import StdioServerParameters

#: Structures in the order they are built, one at a time (each needs the previous ones).
ORDER = ("power_plant", "refinery", "barracks", "war_factory", "power_plant", "refinery", "power_plant")
COST = {"power_plant": 300, "barracks": 500, "refinery": 600, "war_factory": 800,
        "infantry": 100, "tank": 500}
COMBAT = ("infantry", "tank", "artillery", "helicopter")
FIRST_WAVE = 10   # combat units before the first attack
NEXT_WAVE = 5     # idle combat units that make the next wave


@dataclass
class Tally:
    orders: int = 0
    refused: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    attacks: int = 0


def decide(state: dict[str, Any], attacked: bool) -> tuple[list[dict[str, Any]], bool]:
    """The next ACTIONs from the compact state; and whether they launch an attack."""
    credits = state["credits"]
    done = [b["type"] for b in state["buildings"] if "built" not in b]
    under_way = [b["type"] for b in state["buildings"] if "built" in b]
    under_way += [p["item"] for p in state["production"] if p["item"] in COST and p["item"] not in COMBAT]
    actions: list[dict[str, Any]] = []
    if not under_way:
        needed = list(ORDER)
        for kind in done:  # what is still missing from the build order
            if kind in needed:
                needed.remove(kind)
        if state["power"]["low"]:
            needed.insert(0, "power_plant")
        if needed and credits >= COST[needed[0]]:
            actions.append({"action": "build_building", "building_type": needed[0]})
            credits -= COST[needed[0]]
    training = [p["item"] for p in state["production"]]
    reserve = 0 if "war_factory" in done else 600  # save up for the war factory
    if "war_factory" in done and training.count("tank") < 2 and credits >= COST["tank"]:
        actions.append({"action": "build_unit", "unit_type": "tank", "count": 1})
        credits -= COST["tank"]
    if "barracks" in done and training.count("infantry") < 2 and credits >= 2 * COST["infantry"] + reserve:
        actions.append({"action": "build_unit", "unit_type": "infantry", "count": 2})
    army = sum(state["units"].get(k, {}).get("count", 0) for k in COMBAT)
    idle = sum(state["units"].get(k, {}).get("idle", 0) for k in COMBAT)
    attack = (not attacked and army >= FIRST_WAVE) or (attacked and idle >= NEXT_WAVE)
    if attack:
        actions.append({"action": "attack", "units": {"type": "all"}, "target": {"place": "enemy_base"}})
    return actions, attack


async def call(client: Client, tool: str, args: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, args)
    data = result.structured_content
    if data is None:
        data = json.loads(result.content[0].text) if result.content else {}
    if result.is_error:
        raise RuntimeError(f"{tool} failed: {data}")
    return data


async def play(client: Client, difficulty: str = "easy", max_seconds: float = 3600.0,
               log: Any = print) -> dict[str, Any]:
    seat = await call(client, "create_game", {"difficulty": difficulty, "opponent": "computer"})
    who = {"room": seat["room"], "token": seat["token"]}
    log(f"room {seat['room']} as player {seat['player']}; watch at {seat['watch_url']}")
    tally = Tally()
    attacked = False
    deadline = time.monotonic() + max_seconds
    state = await call(client, "get_state", {**who, "events": 0})
    while state["game_over"] is None and time.monotonic() < deadline:
        actions, attack = decide(state, attacked)
        if actions:
            answer = await call(client, "act", {**who, "actions": actions})
            tally.orders += len(actions)
            for result in answer["results"]:
                if not result["ok"]:
                    tally.refused += 1
                    code = result.get("code", "refused")
                    tally.reasons[code] = tally.reasons.get(code, 0) + 1
            if attack:
                attacked = True
                tally.attacks += 1
            log(f"tick {state['tick']}: credits {state['credits']}, "
                f"{', '.join(a.get('building_type') or a.get('unit_type') or a['action'] for a in actions)}")
        await call(client, "wait", {**who, "ticks": 40, "until_event": True})
        state = await call(client, "get_state", {**who, "events": 0})
    over = state["game_over"]
    summary = {"room": seat["room"], "ticks": state["tick"], "winner": over["winner"] if over else None,
               "you_won": bool(over and over["you_won"]), "orders": tally.orders, "refused": tally.refused,
               "refused_by_code": tally.reasons, "attacks": tally.attacks,
               "units": {k: v["count"] for k, v in state["units"].items()},
               "buildings": sorted(b["type"] for b in state["buildings"])}
    log(json.dumps(summary))
    return summary


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://localhost:7860/mcp", help="the game's MCP endpoint")
    parser.add_argument("--stdio", action="store_true", help="start `python -m server.mcp` and talk over stdio")
    parser.add_argument("--difficulty", default="easy", choices=("easy", "normal", "hard"))
    parser.add_argument("--max-seconds", type=float, default=3600.0, help="stop after this long (real time)")
    args = parser.parse_args()
    # The SDK passes only a few variables to a stdio server by default; pass the
    # game's settings (LLM_BACKEND, MODEL_PATH, ...) through as well.
    target: Any = (StdioServerParameters(command=sys.executable, args=["-m", "server.mcp", "--port", "0"],
                                         env=dict(os.environ))
                   if args.stdio else args.url)
    async with Client(target) as client:
        await play(client, args.difficulty, args.max_seconds)


if __name__ == "__main__":
    asyncio.run(main())
