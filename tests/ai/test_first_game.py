"""A player's first game: the computer's first attack comes later (Level.first_game_extra_s)."""
from __future__ import annotations

from server import rooms
from server.ai import Opponent
from server.ai.levels import get_level
from server.sim.rules import TICK_RATE


def first_wave_s(room: rooms.Room) -> float:
    assert isinstance(room.bot, Opponent)
    return room.bot.army.attack.next_wave_tick / TICK_RATE


def test_a_first_game_delays_the_easy_computer_s_first_attack():
    plain = rooms.Room("plain", seed=5, difficulty="easy")
    first = rooms.Room("first", seed=5, difficulty="easy")
    first.mark_first_game()
    extra = get_level("easy").first_game_extra_s
    assert extra >= 60
    assert first_wave_s(first) == first_wave_s(plain) + extra


def test_the_delay_holds_in_play_no_wave_before_it():
    room = rooms.Room("first-play", seed=7, difficulty="easy")
    room.mark_first_game()
    assert isinstance(room.bot, Opponent)
    due = room.bot.army.attack.next_wave_tick
    for _ in range(60 * TICK_RATE):              # a minute in: the bot plays, the wave is still due later
        room.tick_once()
    assert room.bot.stats["waves"] == 0 and room.bot.army.attack.next_wave_tick >= due
