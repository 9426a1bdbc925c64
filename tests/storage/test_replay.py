"""Replays from the game log: a long computer-vs-computer game replays with every stored hash equal,
seeking lands on the recorded state, and replay files go out and come back (or are refused with a reason)."""

from __future__ import annotations

import random

import pytest

from server.sim import rules as R
from server.storage.gamelog import GameLog
from server.storage.recorder import RecordingPolicy
from server.storage.replay import Replay, ReplayError, export_lines, parse_file

from .conftest import record_game

TWENTY_MINUTES = 20 * 60 * R.TICK_RATE


@pytest.mark.slow
@pytest.mark.timeout(900)   # ~1.5 min on a quiet box, 3.5 min at load 13
def test_a_twenty_minute_computer_game_replays_with_every_stored_hash_equal(gamelog: GameLog) -> None:
    # seed 1, normal against normal: still fighting after 20 minutes (about 90 s to play here)
    game = record_game(gamelog, "long", seed=1, ticks=TWENTY_MINUTES, levels=("normal", "normal"))
    summary = gamelog.game("long")
    assert summary is not None and summary.last_tick == game.tick
    assert game.tick == TWENTY_MINUTES or (game.over and game.tick >= TWENTY_MINUTES // 2)
    assert sum(1 for _ in gamelog.records("long", kinds=("order",))) > 500
    hashes = gamelog.records("long", kinds=("hash",))
    assert len(hashes) >= game.tick // RecordingPolicy().hash_ticks
    replay = Replay.from_log(gamelog, "long")
    # from tick 0, through every order, never using a keyframe
    checked, desync = replay.verify()
    assert desync is None
    assert checked == len({r.tick for r in hashes})
    assert replay.game is not None and replay.game.state_hash() == game.state_hash()


def test_seeking_anywhere_gives_the_recorded_state(gamelog: GameLog) -> None:
    record_game(gamelog, "g", seed=5, ticks=3000)
    hashes = {r.tick: r.body for r in gamelog.records("g", kinds=("hash",))}
    replay = Replay.from_log(gamelog, "g")
    rnd = random.Random(1)
    targets = rnd.sample(sorted(hashes), 12)
    for t in targets + sorted(targets, reverse=True)[:3]:   # forward and backward jumps
        g = replay.seek(t)
        assert g.tick == t and g.state_hash() == hashes[t]
    assert replay.desync is None
    assert replay.seek(10**9).tick == replay.length           # past the end: the last tick


def test_a_tampered_order_is_found_as_a_desync_at_the_next_hash(gamelog: GameLog) -> None:
    record_game(gamelog, "g", seed=6, ticks=1500)
    replay = Replay.from_log(gamelog, "g")
    first = min(t for t in replay.orders if t > 100)
    replay.orders[first] = [(p, {"action": "stop", "units": {"type": "all"}}) for p, _ in replay.orders[first]]
    checked, desync = replay.verify()
    assert desync is not None and first < desync <= first + RecordingPolicy().keyframe_ticks


def test_a_replay_file_round_trips_without_seat_tokens(gamelog: GameLog) -> None:
    record_game(gamelog, "g", seed=8, ticks=1200)
    data = b"".join(export_lines(gamelog, "g"))
    assert b"token" not in data
    summary, records = parse_file(data)
    assert summary.status == "uploaded" and summary.last_tick == 1200
    assert len(records) == len(gamelog.records("g"))
    replay = Replay.from_records(summary, records)
    checked, desync = replay.verify()              # an upload has no keyframes: played from tick 0
    assert desync is None and checked > 10


def test_damaged_or_foreign_files_are_refused_with_a_reason(gamelog: GameLog) -> None:
    record_game(gamelog, "g", seed=9, ticks=400)
    data = b"".join(export_lines(gamelog, "g"))
    lines = data.split(b"\n")
    cases = {
        b"": "empty",
        b"\x89PNG\r\n\x1a\n binary": "not a replay file",
        b'{"hello": "world"}\n': "not a replay file of this game",
        b"\n".join(lines[: len(lines) // 2]): "cut short",
        data.replace(b'"version":1', b'"version":99', 1): "version 99",
        data.replace(b'"kind":"order"', b'"kind":"cheat"', 1): "not a valid record",
        b"\n".join(lines[:1] + lines[2:]): "lost records",
    }
    for blob, reason in cases.items():
        with pytest.raises(ReplayError, match=reason):
            parse_file(blob)


def test_a_game_of_another_rules_version_says_so_instead_of_desyncing(gamelog: GameLog, tmp_path) -> None:
    record_game(gamelog, "g", seed=10, ticks=200)
    data = b"".join(export_lines(gamelog, "g"))
    summary, _ = parse_file(data)
    foreign = data.replace(summary.rules_version.encode(), b"0" * 32, 1)
    s2, records = parse_file(foreign)
    from server.storage.replay import check_rules
    with pytest.raises(ReplayError, match="rules version 000000000000"):
        check_rules(s2.rules_version)
