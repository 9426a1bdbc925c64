"""Hand-made views in the WIRE.md format, for decision tests without the engine."""
from __future__ import annotations

from server.ai.knowledge import encode_mask

W, H = 64, 48


def map_info(w: int = W, h: int = H) -> dict:
    return {"width": w, "height": h, "tiles": "." * (w * h)}


def explored_rect(x0: int, y0: int, x1: int, y1: int, w: int = W, h: int = H) -> str:
    bits = [x0 <= (i % w) < x1 and y0 <= (i // w) < y1 for i in range(w * h)]
    return encode_mask(bits, w, h)


class ViewBuilder:
    def __init__(self, player: int = 1, credits: int = 5000):
        self.player = player
        self.credits = credits
        self.units: list[dict] = []
        self.buildings: list[dict] = []
        self.next_id = 100
        self.explored = explored_rect(0, 0, W, H) if False else None
        self.sw = {"charge": 0.0, "ready": False}

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    def unit(self, type_: str, x: float, y: float, owner: int | None = None, order: str = "idle",
             hp: int | None = None, target=None) -> int:
        hp_tab = {"infantry": 100, "tank": 300, "artillery": 150, "harvester": 250, "helicopter": 200}
        uid = self._id()
        self.units.append({"id": uid, "type": type_, "owner": self.player if owner is None else owner,
                           "x": x, "y": y, "hp": hp or hp_tab[type_], "max_hp": hp_tab[type_],
                           "order": order, "target": target, "cargo": 0})
        return uid

    def building(self, type_: str, x: int, y: int, owner: int | None = None, built: float = 1.0,
                 queue=None, stale: bool = False) -> int:
        size = {"hq": (3, 3), "power_plant": (2, 2), "barracks": (2, 2), "refinery": (3, 2),
                "war_factory": (3, 3), "defense_turret": (1, 1)}[type_]
        bid = self._id()
        self.buildings.append({"id": bid, "type": type_, "owner": self.player if owner is None else owner,
                               "x": x, "y": y, "w": size[0], "h": size[1], "hp": 400, "max_hp": 400,
                               "built": built, "queue": list(queue or []), "stale": stale})
        return bid

    def view(self, tick: int = 0, explored: str | None = None) -> dict:
        produced = used = 0
        table = {"hq": 50, "power_plant": 100, "barracks": -20, "refinery": -30, "war_factory": -40,
                 "defense_turret": -20}
        for b in self.buildings:
            if b["owner"] == self.player and b["built"] >= 1:
                p = table[b["type"]]
                if p > 0:
                    produced += p
                else:
                    used -= p
        return {"tick": tick,
                "player": {"id": self.player, "credits": self.credits,
                           "power": {"produced": produced, "used": used}, "superweapon": self.sw},
                "units": self.units, "buildings": self.buildings,
                "explored": explored or explored_rect(W // 2, H // 2, W, H),
                "visible": explored or explored_rect(W // 2, H // 2, W, H),
                "resources": {}, "effects": [], "game_over": None}


def start_base(player: int = 1, credits: int = 5000) -> ViewBuilder:
    """Player 1's start in the bottom-right corner: HQ, a harvester, two infantry."""
    vb = ViewBuilder(player, credits)
    vb.building("hq", 57, 41)
    vb.unit("harvester", 55.5, 40.5)
    vb.unit("infantry", 55.5, 43.5)
    vb.unit("infantry", 56.5, 44.5)
    return vb
