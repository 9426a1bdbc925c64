"""The opponent as the room drives it (server.rooms.Room.tick_once): it acts, the gate accepts."""
from __future__ import annotations

from server import rooms


def test_room_bot_builds_and_is_not_refused():
    room = rooms.Room("ai-smoke", seed=5, difficulty="hard")
    for _ in range(90 * 20):            # 90 game-seconds
        room.tick_once()
    assert room.bot_orders > 5
    assert room.bot_refused == 0
    mine = [b for b in room.view_for(1)["buildings"] if b["owner"] == 1]
    assert len(mine) >= 3                # HQ + at least two new structures
