"""The game log database on its own: writes from another thread, reads, retention, and what goes wrong
on disk (a missing or unwritable directory, a corrupt file, a full disk) — each with a clear message and
nothing raised into the caller."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from server.storage.gamelog import DB_NAME, GameLog, GameLogError, GameSummary


def summary(gid: str, **kw: object) -> GameSummary:
    base: dict = dict(id=gid, created=time.time(), updated=time.time(), status="live", seed=3, width=64,
                      height=48, difficulty="normal", rules_version="r1",
                      seats=[{"kind": "human", "token": "secret-token"}, {"kind": "ai"}], last_tick=0,
                      winner=None, ended=None)
    base.update(kw)
    return GameSummary(**base)


@pytest.fixture
def gamelog(tmp_path: Path):
    gl = GameLog.open_dir(tmp_path / "data")
    yield gl
    gl.close()


def test_records_written_from_other_threads_are_read_back_in_order(gamelog: GameLog) -> None:
    gamelog.begin(summary("g1"))

    def room(player: int) -> None:
        for t in range(50):
            gamelog.append("g1", t + 1, [(t, "order", player, {"action": "stop", "units": {"ids": [t]}})])

    threads = [threading.Thread(target=room, args=(p,)) for p in (0, 1)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert gamelog.flush()
    recs = gamelog.records("g1", kinds=("order",))
    assert len(recs) == 100
    for p in (0, 1):
        mine = [r.body["units"]["ids"][0] for r in recs if r.player == p]
        assert mine == list(range(50))          # each writer's order is kept
    g = gamelog.game("g1")
    assert g is not None and g.last_tick == 50 and g.status == "live"
    assert g.seats[0]["token"] == "secret-token"   # kept while live: a restart needs it


def test_keyframes_are_compressed_and_found_at_or_before_a_tick(gamelog: GameLog) -> None:
    gamelog.begin(summary("g1"))
    for t in (0, 200, 400):
        gamelog.keyframe("g1", t, f"h{t}", bytes([t % 251]) * 50_000)
    gamelog.flush()
    assert gamelog.keyframe_ticks("g1") == [0, 200, 400]
    kf = gamelog.keyframe_at("g1", 399)
    assert kf is not None and kf[0] == 200 and kf[1] == "h200" and kf[2] == bytes([200]) * 50_000
    assert gamelog.keyframe_at("g1", 10_000)[0] == 400   # type: ignore[index]
    assert gamelog.figures()["keyframe_bytes"] < 3 * 50_000 / 10


def test_finishing_a_game_drops_its_seat_tokens_and_public_rows_never_show_them(gamelog: GameLog) -> None:
    gamelog.begin(summary("g1"))
    gamelog.flush()
    assert "secret-token" not in str(gamelog.game("g1").public())   # type: ignore[union-attr]
    gamelog.finish("g1", "finished", 1234, winner=0)
    gamelog.flush()
    g = gamelog.game("g1")
    assert g is not None and (g.status, g.last_tick, g.winner) == ("finished", 1234, 0)
    assert g.seats == [{"kind": "human"}, {"kind": "ai"}]


def test_retention_deletes_old_and_surplus_ended_games_but_never_live_ones(gamelog: GameLog) -> None:
    now = time.time()
    for i in range(5):
        gamelog.begin(summary(f"old{i}", created=now - 1000 + i))
        gamelog.append(f"old{i}", 5, [(1, "order", 0, {"action": "stop", "units": {"type": "all"}})])
        gamelog.keyframe(f"old{i}", 0, "h", b"x")
        gamelog.finish(f"old{i}", "finished", 5)
    gamelog.begin(summary("live"))
    gamelog.flush()
    gamelog.prune(max_age_s=3600, max_games=2)
    gamelog.flush()
    kept = {g.id for g in gamelog.games()}
    assert "live" in kept and len(kept) == 3
    assert {g.id for g in gamelog.games(status="finished")} == {"old3", "old4"}    # the two newest
    assert gamelog.records("old0") == [] and gamelog.keyframe_ticks("old0") == []
    gamelog.prune(max_age_s=0, max_games=100)
    gamelog.flush()
    assert {g.id for g in gamelog.games()} == {"live"}


def test_a_data_directory_that_cannot_be_created_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(GameLogError, match="DATA_DIR .* cannot be used"):
        GameLog.open_dir(blocker / "data")


def test_a_missing_data_directory_is_created(tmp_path: Path) -> None:
    gl = GameLog.open_dir(tmp_path / "a" / "b")
    try:
        assert (tmp_path / "a" / "b" / DB_NAME).exists()
    finally:
        gl.close()


def test_a_corrupt_database_is_moved_aside_and_a_new_one_started(tmp_path: Path) -> None:
    d = tmp_path / "data"
    d.mkdir()
    (d / DB_NAME).write_bytes(b"this is not sqlite" * 100)
    gl = GameLog.open_dir(d)
    try:
        gl.begin(summary("g1"))
        gl.flush()
        assert [g.id for g in gl.games()] == ["g1"]
        aside = [p.name for p in d.iterdir() if ".corrupt-" in p.name]
        assert aside and (d / aside[0]).read_bytes().startswith(b"this is not sqlite")
    finally:
        gl.close()


def test_a_truncated_database_is_moved_aside_too(tmp_path: Path) -> None:
    d = tmp_path / "data"
    gl = GameLog.open_dir(d)
    gl.begin(summary("g1"))
    for t in range(200):
        gl.keyframe("g1", t, "h", os.urandom(4000))
    gl.close()
    # a checkpointed file cut in the middle, as a full disk or a bad copy leaves it
    db = d / DB_NAME
    data = db.read_bytes()
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    db.write_bytes(data[: len(data) // 3])
    try:
        gl2 = GameLog.open_dir(d)
    except GameLogError:  # pragma: no cover - a cut that leaves an unreadable header is also fine
        pytest.fail("a truncated log must not stop the server")
    try:
        gl2.begin(summary("g2"))
        gl2.flush()
        ids = {g.id for g in gl2.games()}
        assert "g2" in ids
    finally:
        gl2.close()


def test_a_full_disk_drops_writes_counts_them_and_keeps_going(tmp_path: Path) -> None:
    gl = GameLog.open_dir(tmp_path / "data", max_bytes=64 * 1024)
    try:
        gl.begin(summary("g1"))
        gl.flush()
        for t in range(40):
            gl.keyframe("g1", t, "h", os.urandom(8000))   # incompressible: fills 64 KiB quickly
            gl.flush()
        figures = gl.figures()
        assert figures["errors"] > 0 and figures["dropped"] > 0
        assert "full" in gl.stats.last_error
        # the game can still be ended, and reads still work
        gl.finish("g1", "finished", 40, winner=1)
        gl.flush()
        g = gl.game("g1")
        assert g is not None and g.status == "finished"
    finally:
        gl.close()


def test_a_corrupt_record_is_reported_not_raised_as_something_else(gamelog: GameLog) -> None:
    gamelog.begin(summary("g1"))
    gamelog.flush()
    con = sqlite3.connect(gamelog.path)
    con.execute("INSERT INTO records (game, tick, kind, player, body) VALUES ('g1', 1, 'order', 0, x'00ff')")
    con.commit()
    con.close()
    with pytest.raises(GameLogError, match="corrupt"):
        gamelog.records("g1")


def test_writes_after_close_are_counted_not_raised(tmp_path: Path) -> None:
    gl = GameLog.open_dir(tmp_path / "d")
    gl.begin(summary("g1"))
    gl.close()
    gl.append("g1", 3, [])
    assert gl.stats.dropped == 1
    gl2 = GameLog.open_dir(tmp_path / "d")
    try:
        assert [g.id for g in gl2.games()] == ["g1"]   # close committed what was queued
    finally:
        gl2.close()
