"""The opponent's outgoing orders: this think's actions and credits, back-offs, each unit's last command.

Every part of the opponent orders through one ``Orders``: it keeps the traffic low (a unit
already following a command is not sent it again) and, from the gate's answers
(``back_off``), stops re-sending an order kind the gate refused for a while.
"""
from __future__ import annotations

import math

from .knowledge import Rules
from .perception import Action, Entity, Snapshot, center, dist2

# What a command is about, to tell "the same order again" from a new one:
# ("rally",), ("ent", id), ("pt", (x, y)), ("scout", "dir", n), ...
CommandKey = tuple[object, ...]


class Orders:
    """The actions of the current think and the memory of past orders."""

    def __init__(self, rules: Rules):
        self.rules = rules
        self.tr = rules.tick_rate
        self.actions: list[Action] = []
        self.credits = 0                              # spendable in this think
        self.cooldown: dict[str, int] = {}            # order kind -> tick before which we do not retry
        self.last_command: dict[int, tuple[CommandKey, int]] = {}   # unit id -> (key, tick)

    def begin(self, credits: int) -> None:
        """A new think: no actions yet, this much to spend."""
        self.actions = []
        self.credits = credits

    def add(self, action: Action) -> None:
        self.actions.append(action)

    def cooling(self, kind: str, tick: int) -> bool:
        """Whether orders of ``kind`` are backed off at this tick."""
        return self.cooldown.get(kind, -1) > tick

    def forget_units(self, alive: dict[int, Entity]) -> None:
        for uid in list(self.last_command):
            if uid not in alive:
                del self.last_command[uid]

    def remember(self, units: list[Entity], key: CommandKey, tick: int) -> None:
        for u in units:
            self.last_command[u["id"]] = (key, tick)

    def command(self, units: list[Entity], action: str, target: dict[str, object], key: CommandKey,
                snap: Snapshot, refresh_s: float = 6.0) -> None:
        """Order ``units`` unless they already follow the same order (keeps traffic low)."""
        ids = []
        for u in units:
            last = self.last_command.get(u["id"])
            if last is not None and last[0] == key:
                if u.get("order") != "idle" and snap.tick - last[1] < refresh_s * self.tr * 10:
                    continue
                if u.get("order") == "idle" and snap.tick - last[1] < refresh_s * self.tr:
                    continue
            ids.append(u["id"])
        if not ids:
            return
        for uid in ids:
            self.last_command[uid] = (key, snap.tick)
        self.add({"action": action, "units": {"ids": ids}, "target": target})

    def move_to_rally(self, units: list[Entity], rally: tuple[float, float], snap: Snapshot,
                      refresh_s: float = 6.0) -> None:
        rx, ry = rally
        self.command(units, "move", {"x": round(rx, 1), "y": round(ry, 1)}, ("rally",), snap, refresh_s)

    def pick_target(self, u: Entity, enemies: list[Entity], focus: bool) -> Entity | None:
        """The enemy ``u`` should shoot: nearest, or (focus) weak, dangerous and close first."""
        best: Entity | None = None
        best_s = 0.0
        for e in enemies:
            if not self.rules.can_hit(u["type"], e["type"]):
                continue
            ex, ey = center(e)
            d = math.sqrt(dist2(u["x"], u["y"], ex, ey))
            if focus:
                s = e.get("hp", 100) + 12.0 * d - 0.1 * self.rules.dps(e["type"]) * 10
            else:
                s = d
            if best is None or s < best_s:
                best, best_s = e, s
        return best

    def engage(self, fighters: list[Entity], enemies: list[Entity], snap: Snapshot, focus: bool) -> None:
        """Attack visible enemies: group fighters by chosen target, one action per target."""
        by_target: dict[int, list[Entity]] = {}
        for u in fighters:
            # already shooting at a valid visible enemy: leave it (unless focusing)
            cur = u.get("target")
            if not focus and u.get("order") == "attack" and cur is not None and \
                    any(e["id"] == cur for e in enemies):
                continue
            t = self.pick_target(u, enemies, focus)
            if t is None:
                continue
            if u.get("order") == "attack" and cur == t["id"]:
                continue
            by_target.setdefault(t["id"], []).append(u)
        for tid, us in by_target.items():
            self.remember(us, ("ent", tid), snap.tick)
            self.add({"action": "attack", "units": {"ids": [u["id"] for u in us]},
                      "target": {"entity": tid}})

    def back_off(self, action: Action, now: int) -> None:
        """The gate refused ``action``: do not hammer it with the same order kind for a while."""
        kind = action.get("action")
        if kind == "build_building":
            self.cooldown["b:" + str(action.get("building_type"))] = now + 15 * self.tr
        elif kind == "build_unit":
            self.cooldown["u:" + str(action.get("unit_type"))] = now + 5 * self.tr
        elif kind == "launch_superweapon":
            self.cooldown["sw"] = now + 10 * self.tr
        elif kind in ("move", "attack"):
            for uid in (action.get("units") or {}).get("ids", []):
                self.last_command.pop(uid, None)
