"""Computer-vs-computer games, recorded into a real game log, shared by the storage tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from server.ai.opponent import Opponent
from server.sim import Game
from server.storage.gamelog import GameLog
from server.storage.recorder import GameRecorder, RecordingPolicy


def play(game: Game, bots: list[Opponent], until_tick: int, recorder: GameRecorder | None = None) -> None:
    """Step ``game`` with both computer players thinking as a room would let them, up to ``until_tick``."""
    while game.tick < until_tick and not game.over:
        for pid, bot in enumerate(bots):
            if bot.thinks_at(game.tick):
                for action in bot.decide(game.view(pid), game.tick):
                    bot.feedback(action, game.apply(pid, action))
        game.step()
        game.drain_events()
        if recorder is not None:
            recorder.ticked(game)


def bots_for(game: Game, seed: int, levels: tuple[str, str] = ("hard", "normal")) -> list[Opponent]:
    return [Opponent(p, levels[p], seed=seed, map_info=game.map_info()) for p in (0, 1)]


@pytest.fixture
def gamelog(tmp_path: Path) -> Iterator[GameLog]:
    gl = GameLog.open_dir(tmp_path / "data")
    yield gl
    gl.close()


def record_game(gamelog: GameLog, game_id: str, seed: int, ticks: int,
                policy: RecordingPolicy | None = None, levels: tuple[str, str] = ("hard", "normal")) -> Game:
    game = Game(seed=seed)
    rec = GameRecorder(gamelog, game_id, policy or RecordingPolicy())
    rec.started(game, "hard", [{"kind": "ai"}, {"kind": "ai"}])
    play(game, bots_for(game, seed, levels), ticks, rec)
    rec.closed(game, shutdown=False)
    assert gamelog.flush()
    return game
