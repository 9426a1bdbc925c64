"""The one event-to-stat map: which game events count into a player's tallies
(the game-over screen in rooms, the headless match report in ai.match). A leaf:
anyone may import it."""

from __future__ import annotations

STAT_EVENTS: dict[str, str] = {"unit_ready": "units_built", "building_done": "buildings_built",
                               "unit_lost": "units_lost", "building_lost": "buildings_lost"}
