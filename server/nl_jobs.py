"""Natural-language orders end to end: translate (translator), execute in a
room (through the game's one gate, at the next tick) and report the outcome,
for both the HTTP API and the WebSocket.

Execution happens exactly once, when the translation completes, whoever is
waiting: an HTTP caller that gave up after `wait` still gets its order
executed and can poll for the final answer."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .llm import FINISHED
from .nl import Translator
from .rooms import Room
from .sim import OrderResult

log = logging.getLogger("web")



def result_dict(result: OrderResult) -> dict[str, Any]:
    """An OrderResult as the wire shows it: the stable code lets clients translate refusals."""
    out: dict[str, Any] = {"ok": result.ok}
    if not result.ok:
        out["error"] = result.error
        code = (result.info or {}).get("code")
        if code:
            out["code"] = code
    return out


@dataclass
class NLJob:
    request_id: str
    room: Room | None
    player: int | None
    lang: str | None
    owner: Any = None  # the WebSocket client that asked, for per-client limits
    text: str = ""  # the words, for the game log (the replay's timeline shows what they became)
    translated: bool = False  # the translation is done (execution may still be waiting for the tick)
    created: float = field(default_factory=time.monotonic)
    final: dict[str, Any] | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)
    listeners: list[Callable[[dict[str, Any]], None]] = field(default_factory=list)


class NLJobs:
    """Every sentence in flight, from any door (WebSocket, HTTP, MCP)."""

    def __init__(self, translator: Translator) -> None:
        self.translator = translator
        self.jobs: dict[str, NLJob] = {}
        self.sent = 0
        self.answered = 0

    def submit(self, text: str, lang: str | None, room: Room | None, player: int | None,
               listener: Callable[[dict[str, Any]], None] | None = None) -> NLJob:
        """Start a translation. Raises what the translator raises for bad
        input (ValueError) or a full queue (QueueFull)."""
        holder: dict[str, NLJob] = {}
        early: list[dict[str, Any]] = []

        def on_done(answer: dict[str, Any]) -> None:
            job = holder.get("job")
            if job is None:  # completed inside submit(): the fast path
                early.append(answer)
            else:
                asyncio.get_running_loop().create_task(self._finish(job, answer))

        answer = self.translator.submit(text, lang=lang, on_done=on_done)
        job = NLJob(answer["request_id"], room, player, lang, text=text)
        if listener is not None:
            job.listeners.append(listener)
        holder["job"] = job
        self.jobs[job.request_id] = job
        self.sent += 1
        if early or answer.get("status") in FINISHED:
            job.translated = True
        if early:
            asyncio.get_running_loop().create_task(self._finish(job, early[0]))
        elif answer.get("status") in FINISHED:
            asyncio.get_running_loop().create_task(self._finish(job, answer))
        return job

    async def _finish(self, job: NLJob, answer: dict[str, Any]) -> None:
        if job.final is not None:
            return
        job.translated = True
        final = dict(answer)
        try:
            if job.room is not None and job.player is not None and final.get("status") == "completed":
                actions = final.get("actions") or []
                if actions and not job.room.closed:
                    results = await job.room.submit_many(job.player, actions)
                    final["executed"] = all(r.ok for r in results)
                    final["results"] = [result_dict(r) for r in results]
                else:
                    final["executed"] = False
                    final["results"] = []
                job.room.record_words(job.player, {"text": job.text, "actions": actions,
                                                   "results": final["results"], "source": final.get("source"),
                                                   "message": final.get("message")})
            else:
                final.setdefault("executed", False)
        except Exception:  # the answer must still reach the player
            log.exception("executing request %s failed", job.request_id)
            final["executed"] = False
        job.final = final
        self.answered += 1
        job.done.set()
        for listener in job.listeners:
            try:
                listener(final)
            except Exception:
                log.exception("listener of request %s failed", job.request_id)

    async def wait(self, job: NLJob, timeout: float) -> dict[str, Any] | None:
        try:
            await asyncio.wait_for(job.done.wait(), timeout)
        except TimeoutError:
            return None
        return job.final

    def get(self, request_id: str) -> dict[str, Any] | None:
        job = self.jobs.get(request_id)
        if job is not None and job.final is not None:
            return job.final
        return self.translator.get(request_id)

    def cancel(self, request_id: str) -> bool:
        return bool(self.translator.cancel(request_id))

    def cleanup(self, max_age_s: float) -> int:
        now = time.monotonic()
        old = [rid for rid, j in self.jobs.items() if j.final is not None and now - j.created > max_age_s]
        for rid in old:
            del self.jobs[rid]
        return len(old)

    def waiting_for_model(self, predicate: Callable[[NLJob], bool]) -> int:
        """Jobs whose translation is not done yet (the model's queue), among those matching."""
        return sum(1 for j in self.jobs.values() if not j.translated and predicate(j))
