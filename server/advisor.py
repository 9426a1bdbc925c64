"""The advisor service: the one owner of in-game advice. It schedules it
(every ANALYSIS_INTERVAL_S for each seated player, or when a player asks), answers at
once with the heuristic, asks the model at most every ANALYSIS_MIN_INTERVAL_S per
seat, and pushes each `analysis` message to the room's clients. The client
only shows what it is sent.

Imports: rooms (to read views and push) and nl (heuristic, model analyst);
the rooms know nothing of it."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from . import protocol
from .llm import COMPLETED
from .nl import Analyst, heuristic_analysis
from .connection import Connection
from .rooms import Room

log = logging.getLogger("advisor")


@dataclass(frozen=True, slots=True)
class AdvisorSettings:
    interval_s: float = 30.0      # ANALYSIS_INTERVAL_S: periodic advice (0 = only on request)
    min_interval_s: float = 5.0   # ANALYSIS_MIN_INTERVAL_S: fastest model advice per seat


class Advisor:
    def __init__(self, analyst: Analyst | None, settings: AdvisorSettings,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.analyst = analyst
        self.settings = settings
        self.clock = clock
        # When each (room, seat) last asked the model: the rate limit of model advice.
        self._last_model: dict[tuple[str, int | None], float] = {}

    def advise(self, room: Room, player: int | None, lang: str, only: Connection | None = None) -> None:
        """Heuristic advice at once, then the model's when it is ready. Sent to
        `only` or else to every client seated as `player`."""
        view = room.view_for(player)

        def send(message: dict[str, Any]) -> None:
            if only is not None:
                only.push(protocol.encode(message))
            else:
                room.broadcast(message, player=player)

        send({"type": "analysis", "source": "heuristic", "text": heuristic_analysis(view, lang), "lang": lang,
              "tick": room.tick})
        if self.analyst is None:
            return
        now = self.clock()
        key = (room.id, player)
        if now - self._last_model.get(key, -1e9) < self.settings.min_interval_s:
            return  # the heuristic answers; the model is asked at most every min_interval_s
        self._last_model[key] = now

        def on_done(result: dict[str, Any]) -> None:
            text = result.get("text")
            # The analyst falls back to the heuristic text when the model's is unusable:
            # the player already has that one, so only a real model answer is sent.
            if result.get("status") == COMPLETED and text and result.get("source") == "llm" and not room.closed:
                send({"type": "analysis", "source": "llm", "text": text, "lang": lang, "tick": room.tick})

        try:
            self.analyst.submit(f"{room.id}:{player}:{lang}", view, lang, on_done)
        except Exception as exc:  # noqa: BLE001  # a full queue or a failed model leaves the heuristic answer standing
            log.debug("model analysis not submitted: %s", exc)

    def advise_all(self, rooms: Iterable[Room]) -> None:
        """One round of periodic advice: every seated player of every running game, in each of their languages."""
        live = set()
        for room in rooms:
            live.add(room.id)
            if room.game_over or room.closed:
                continue
            for player in (0, 1):
                for lang in sorted(room.seated_languages(player)):
                    try:
                        self.advise(room, player, lang)
                    except Exception:
                        log.exception("periodic advice failed in room %s", room.id)
        self._forget_rooms_except(live)

    def _forget_rooms_except(self, live: set[str]) -> None:
        for key in [k for k in self._last_model if k[0] not in live]:
            del self._last_model[key]

    async def run(self, rooms: Callable[[], Iterable[Room]]) -> None:
        """The periodic loop (nothing when interval_s is 0)."""
        if self.settings.interval_s <= 0:
            return
        while True:
            await asyncio.sleep(self.settings.interval_s)
            self.advise_all(list(rooms()))
