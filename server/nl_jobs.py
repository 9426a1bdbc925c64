"""Natural-language orders end to end: translate (translator), execute in a
room (through the game's one gate, at the next tick) and report the outcome,
for both the HTTP API and the WebSocket.

Execution happens exactly once, when the translation completes, whoever is
waiting: an HTTP caller that gave up after `wait` still gets its order
executed and can poll for the final answer.

Before anything runs in a room (PROTOCOL.md "Additions"): "these units" become the ids the
client sent; an order whose builds need a building the player has neither standing nor under
construction asks instead (a `clarify` whose first option is the plan that builds the chain);
one whose building is under construction becomes a plan that waits for it; a plan is given to
the game as one order. A question is remembered for 60 s (server/clarifications.py); a choice,
or a typed "yes" while one is open, runs like a new order (`source: "choice"`)."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .clarifications import ClarifyStore, Question
from .llm import FINISHED
from .nl import Translator
from .nl.clarify import for_order, is_yes
from .nl.messages import message
from .nl.parser import parse
from .nl.sequences import orders_for, plan_from_model
from .rooms import Room
from .sim import OrderResult
from .sim.orders import uses_selection, with_selection
from .sim.rules import BUILDINGS, UNITS

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
    selection: list[int] | None = None  # the units selected in the client ("these units")
    translated: bool = False  # the translation is done (execution may still be waiting for the tick)
    created: float = field(default_factory=time.monotonic)
    final: dict[str, Any] | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)
    listeners: list[Callable[[dict[str, Any]], None]] = field(default_factory=list)


class NLJobs:
    """Every sentence in flight, from any door (WebSocket, HTTP, MCP)."""

    def __init__(self, translator: Translator, clarify: ClarifyStore | None = None) -> None:
        self.translator = translator
        self.clarify = clarify if clarify is not None else ClarifyStore()
        self.jobs: dict[str, NLJob] = {}
        self.sent = 0
        self.answered = 0

    def submit(self, text: str, lang: str | None, room: Room | None, player: int | None,
               listener: Callable[[dict[str, Any]], None] | None = None,
               selection: list[int] | None = None) -> NLJob:
        """Start a translation. Raises what the translator raises for bad
        input (ValueError) or a full queue (QueueFull). A typed "yes" answers the
        seat's open question instead."""
        if room is not None and player is not None and is_yes(text):
            q = self.clarify.latest(room.id, player)
            if q is not None:
                return self.choose(q.id, 0, room, player, listener)
            return self._answer_now(text, lang or "en", room, player, listener, {
                "status": "completed", "source": "rules", "actions": [],
                "message": message("nothing_to_confirm", lang or "en")})
        holder: dict[str, NLJob] = {}
        early: list[dict[str, Any]] = []

        def on_done(answer: dict[str, Any]) -> None:
            job = holder.get("job")
            if job is None:  # completed inside submit(): the fast path
                early.append(answer)
            else:
                asyncio.get_running_loop().create_task(self._finish(job, answer))

        answer = self.translator.submit(text, lang=lang, on_done=on_done)
        job = NLJob(answer["request_id"], room, player, lang, text=text, selection=selection)
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
            if final.get("clarify") is not None and "id" not in final["clarify"]:  # the translator asks
                final["clarify"] = self._ask(job, final, final["clarify"])
            elif job.room is not None and job.player is not None and final.get("status") == "completed":
                await self._execute(job, job.room, job.player, final)
                actions = final.get("actions") or []
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

    # --- plans, selections and questions ---------------------------------------------------

    def _ask(self, job: NLJob, final: dict[str, Any], clarify: dict[str, Any]) -> dict[str, Any]:
        """Remember a question for the seat; nothing runs until it is answered."""
        final["actions"], final["executed"], final["results"] = [], False, []
        room_id = job.room.id if job.room is not None else None
        return self.clarify.ask(clarify, job.request_id, room_id, job.player, str(final.get("language") or "en"),
                                job.text, job.selection)

    async def _execute(self, job: NLJob, room: Room, player: int, final: dict[str, Any]) -> None:
        """Run a completed answer in the room: resolve the selection, ask about missing buildings,
        submit the plan (one order) or the actions; fill `executed`, `results`, `plan`."""
        actions: list[dict[str, Any]] = list(final.get("actions") or [])
        plan: dict[str, Any] | None = final.get("plan")
        lang = str(final.get("language") or "en")
        final["executed"], final["results"] = False, []
        if not actions or room.closed:
            return
        if plan is None and any("step" in (a.get("units") or {}) for a in actions):
            plan = _plan_for(actions, job.text, lang)
        if uses_selection(actions):
            if not job.selection:
                final["message"] = message("no_selection", lang)
                return
            actions = with_selection(actions, job.selection)
            plan = with_selection(plan, job.selection) if plan is not None else None
            final["actions"] = actions
        if final.get("source") != "choice":
            owned, building = _buildings_of(room, player)
            ask = for_order(actions, plan, owned | building, job.text, lang)
            if ask is not None:
                final["clarify"] = self._ask(job, final, ask)
                return
            if plan is None:
                plan = _wait_for_sites(actions, owned, building, job.text)
        orders = orders_for(actions, plan)
        results = await room.submit_many(player, orders)
        final["executed"] = all(r.ok for r in results)
        if plan is not None:
            # one order holds every action: each shows its result; the steps' progress comes in `plan` messages
            final["results"] = [result_dict(results[0]) for _ in actions]
            submitted = (results[0].info or {}).get("plan") if results[0].ok else None
            final["plan"] = submitted if submitted is not None else plan
        else:
            final["results"] = [result_dict(r) for r in results]

    def choose(self, clarify_id: Any, option: Any, room: Room | None, player: int | None,
               listener: Callable[[dict[str, Any]], None] | None = None) -> NLJob:
        """Answer an open question with one of its options; runs like a new order. Raises ClarifyError."""
        q, chosen = self.clarify.take(clarify_id, room.id if room is not None else None, player, option)
        answer: dict[str, Any] = {"status": "completed", "source": "choice", "language": q.lang,
                                  "actions": list(chosen.get("actions") or []), "clarify_id": q.id,
                                  "option": option, "asked_by": q.request_id}
        if chosen.get("plan"):
            answer["plan"] = chosen["plan"]
        if chosen.get("none"):
            answer["message"] = message("none_chosen", q.lang)
        return self._answer_now(q.text, q.lang, room, player, listener, answer, q)

    def _answer_now(self, text: str, lang: str, room: Room | None, player: int | None,
                    listener: Callable[[dict[str, Any]], None] | None, answer: dict[str, Any],
                    question: Question | None = None) -> NLJob:
        """A job answered without the translator (a choice, "nothing to confirm")."""
        rid = uuid.uuid4().hex
        job = NLJob(rid, room, player, lang, text=text, selection=question.selection if question else None)
        job.translated = True
        if listener is not None:
            job.listeners.append(listener)
        self.jobs[rid] = job
        self.sent += 1
        full = {"request_id": rid, "language": lang, "latency_ms": 0.0, **answer}
        asyncio.get_running_loop().create_task(self._finish(job, full))
        return job

    async def wait(self, job: NLJob, timeout: float) -> dict[str, Any] | None:
        try:
            await asyncio.wait_for(job.done.wait(), timeout)
        except TimeoutError:
            return None
        return job.final

    def get(self, request_id: str) -> dict[str, Any] | None:
        job = self.jobs.get(request_id)
        if job is not None and job.final is not None:
            return self._following_the_plan(job, job.final)
        return self.translator.get(request_id)

    @staticmethod
    def _following_the_plan(job: NLJob, final: dict[str, Any]) -> dict[str, Any]:
        """The answer with its plan as it stands now (the status endpoint follows the plan)."""
        pid = (final.get("plan") or {}).get("id")
        if pid is None or job.room is None or job.player is None or job.room.closed:
            return final
        now = next((p for p in job.room.plans_for(job.player) if p.get("id") == pid), None)
        return final if now is None else {**final, "plan": now}

    def cancel(self, request_id: str) -> bool:
        return bool(self.translator.cancel(request_id))

    def cleanup(self, max_age_s: float) -> int:
        now = time.monotonic()
        old = [rid for rid, j in self.jobs.items() if j.final is not None and now - j.created > max_age_s]
        for rid in old:
            del self.jobs[rid]
        return len(old)

    def question_of(self, request_id: str) -> Question | None:
        """The open question a request asked (HTTP choose names the request)."""
        return self.clarify.by_request(request_id)

    def waiting_for_model(self, predicate: Callable[[NLJob], bool]) -> int:
        """Jobs whose translation is not done yet (the model's queue), among those matching."""
        return sum(1 for j in self.jobs.values() if not j.translated and predicate(j))


def _buildings_of(room: Room, player: int) -> tuple[set[str], set[str]]:
    """Building types the player has completed, and those only under construction (from its view)."""
    done: set[str] = set()
    building: set[str] = set()
    for b in room.view_for(player).get("buildings", ()):
        if b.get("owner") == player and not b.get("stale"):
            (done if b.get("built", 1.0) >= 1.0 else building).add(str(b.get("type")))
    return done, building - done


def _wait_for_sites(actions: list[dict[str, Any]], owned: set[str], building: set[str],
                    text: str) -> dict[str, Any] | None:
    """An order that needs a building still under construction becomes a plan that waits for it."""
    needs: set[str] = set()
    for a in actions:
        if a.get("action") == "build_unit":
            needs.add(UNITS[a["unit_type"]].produced_by)
        elif a.get("action") == "build_building":
            needs.update(BUILDINGS[a["building_type"]].requires)
    pending = sorted((needs - owned) & building)
    if len(pending) != 1:
        return None
    return {"text": text[:500], "steps": [{"actions": actions, "after": {"built": pending[0]}}]}


def _plan_for(actions: list[dict[str, Any]], text: str, lang: str) -> dict[str, Any] | None:
    """The plan of actions that name an earlier step's units but came without one (a question's
    option made from the parser's reading): the parser's plan when it reads the same actions."""
    parsed = parse(text, lang)
    if parsed.plan is not None and parsed.actions == actions:
        return parsed.plan
    return plan_from_model(actions, [], text).plan
