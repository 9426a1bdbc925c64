"""restore_room / restore_live_rooms on their own: a live game comes back at its last logged tick with its
seats and tokens; a game that cannot come back is marked broken with the reason and the others still do."""

from __future__ import annotations

import sqlite3

import pytest

from server.ai.opponent import Opponent
from server.sim import Game
from server.storage.gamelog import GameLog
from server.storage.recorder import GameRecorder
from server.storage.restore import RestoreError, rebuild_room, restore_live_rooms, restore_room

from .conftest import bots_for, play


def record_live(gamelog: GameLog, game_id: str, seed: int, ticks: int) -> Game:
    """A game stopped as a server stops: still live in the log."""
    game = Game(seed=seed)
    rec = GameRecorder(gamelog, game_id)
    rec.started(game, "normal", [{"kind": "human", "token": f"token-{game_id}"}, {"kind": "ai"}])
    play(game, bots_for(game, seed), ticks, rec)
    rec.closed(game, shutdown=True)
    assert gamelog.flush()
    return game


def test_a_live_game_comes_back_where_it_was_with_its_seats(gamelog: GameLog) -> None:
    game = record_live(gamelog, "g1", seed=4, ticks=1234)
    room, report = rebuild_room(gamelog, "g1", max_spectators=5)
    assert room.id == "g1" and room.restored and room.tick == game.tick == 1234
    assert room.game.state_hash() == game.state_hash()
    assert report.from_keyframe == 1200 and report.replayed_ticks == 34 and report.hashes_checked >= 1
    assert room.authorise(0, "token-g1") and not room.authorise(0, "token-other")
    assert room.seat_kind(1) == "ai" and isinstance(room.bot, Opponent) and room.bot.player == 1
    assert room.max_spectators == 5
    assert restore_room(gamelog, "g1").tick == 1234


def test_games_that_cannot_come_back_are_marked_broken_and_the_others_are_restored(gamelog: GameLog) -> None:
    record_live(gamelog, "good", seed=1, ticks=300)
    record_live(gamelog, "other-rules", seed=2, ticks=300)
    record_live(gamelog, "tampered", seed=3, ticks=450)
    con = sqlite3.connect(gamelog.path)
    con.execute("UPDATE games SET rules_version='0123456789abcdef0123456789abcdef' WHERE id='other-rules'")
    # an order the game never had, before the last keyframe's hash check: the replay desyncs
    con.execute("DELETE FROM keyframes WHERE game='tampered' AND tick > 0")
    con.execute("UPDATE records SET body=? WHERE rowid=(SELECT min(rowid) FROM records WHERE game='tampered'"
                " AND kind='order' AND tick > 50)", (b'{"action":"stop","units":{"type":"all"}}',))
    con.commit()
    con.close()
    with pytest.raises(RestoreError, match="rules version"):
        restore_room(gamelog, "other-rules")
    restored = restore_live_rooms(gamelog, limit=10)
    assert [room.id for room, _ in restored] == ["good"]
    gamelog.flush()
    broken = {g.id: g for g in gamelog.games(status="broken")}
    assert set(broken) == {"other-rules", "tampered"}
    assert "rules version" in (broken["other-rules"].note or "")
    assert "desync" in (broken["tampered"].note or "")
    with pytest.raises(RestoreError, match="broken"):
        restore_room(gamelog, "tampered")
    with pytest.raises(RestoreError, match="no game"):
        restore_room(gamelog, "nope")


def test_beyond_the_room_limit_the_oldest_live_games_are_left_as_abandoned(gamelog: GameLog) -> None:
    for i in range(3):
        record_live(gamelog, f"g{i}", seed=i + 1, ticks=100)
    restored = restore_live_rooms(gamelog, limit=2)
    assert len(restored) == 2
    gamelog.flush()
    assert [g.note for g in gamelog.games(status="abandoned")] == ["not restored: room limit"]
