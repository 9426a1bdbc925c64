"""Open questions (PROTOCOL.md "Clarification instead of a guess"): each ``clarify`` an answer carries
gets an id here, is remembered for 60 s for the seat that was asked, and can be answered once.

The web layer asks (``ask``) when a translation needs a choice, and answers (``take``) when a
``choose`` message, ``POST /api/nl/requests/{id}/choose`` or a typed "yes" comes. Nothing here
runs an order: the caller executes the chosen option like any other order.
"""
from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

CLARIFY_TTL_S = 60.0
MAX_OPEN = 2000          # questions remembered at once (oldest forgotten first)


class ClarifyError(Exception):
    """A choice that cannot be taken: ``code`` is ``unknown_clarify`` or ``bad_option``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Question:
    id: str
    request_id: str
    room_id: str | None
    player: int | None
    lang: str
    text: str
    clarify: dict[str, Any]
    created: float
    selection: list[int] | None = None  # the client's selection when it was asked ("these units")
    answered: bool = False

    def option(self, i: Any) -> dict[str, Any]:
        options = self.clarify["options"]
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < len(options):
            raise ClarifyError("bad_option", f"option must be an integer from 0 to {len(options) - 1}")
        return dict(options[i])


class ClarifyStore:
    """Questions by id, expiring after ``ttl_s``; one answer each, only by the seat that was asked."""

    def __init__(self, ttl_s: float = CLARIFY_TTL_S, max_open: int = MAX_OPEN,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self.max_open = max_open
        self.clock = clock
        self._open: OrderedDict[str, Question] = OrderedDict()

    def ask(self, clarify: dict[str, Any], request_id: str, room_id: str | None, player: int | None,
            lang: str, text: str, selection: list[int] | None = None) -> dict[str, Any]:
        """Remember a question; returns the ``clarify`` object to send (with ``id`` and ``expires_in_s``)."""
        self.cleanup()
        q = Question(uuid.uuid4().hex[:16], request_id, room_id, player, lang, text,
                     {**clarify, "expires_in_s": int(self.ttl_s)}, self.clock(), selection)
        q.clarify["id"] = q.id
        self._open[q.id] = q
        while len(self._open) > self.max_open:
            self._open.popitem(last=False)
        return dict(q.clarify)

    def _alive(self, q: Question | None) -> bool:
        return q is not None and not q.answered and self.clock() - q.created <= self.ttl_s

    def take(self, clarify_id: Any, room_id: str | None, player: int | None, option: Any) -> tuple[Question, dict[str, Any]]:
        """Answer a question with one of its options (marks it answered). Raises :class:`ClarifyError`."""
        q = self._open.get(clarify_id) if isinstance(clarify_id, str) else None
        if q is None or not self._alive(q) or q.room_id != room_id or q.player != player:
            raise ClarifyError("unknown_clarify", "that question is unknown, expired or already answered")
        chosen = q.option(option)
        q.answered = True
        return q, chosen

    def by_request(self, request_id: str) -> Question | None:
        """The open question a request asked (HTTP ``/api/nl/requests/{id}/choose``)."""
        for q in reversed(self._open.values()):
            if q.request_id == request_id and self._alive(q):
                return q
        return None

    def latest(self, room_id: str | None, player: int | None) -> Question | None:
        """The newest open question of a seat (a typed "yes" answers it)."""
        for q in reversed(self._open.values()):
            if q.room_id == room_id and q.player == player and self._alive(q):
                return q
        return None

    def cleanup(self) -> int:
        """Forget answered and expired questions; returns how many."""
        now = self.clock()
        old = [k for k, q in self._open.items() if q.answered or now - q.created > self.ttl_s]
        for k in old:
            del self._open[k]
        return len(old)

    def __len__(self) -> int:
        return len(self._open)
