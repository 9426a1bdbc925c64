"""The translator: player text -> list of ACTION dicts (PROTOCOL.md answer shape).

Order of work for one request:
  1. input checks (server.protocol.check_text: empty / too long -> TextRejected, a ValueError);
  2. deterministic refusals (cheats, credits, prompt injection, off topic): [] at once;
  3. the fast path (parser.py) when enabled: clear orders complete at once, source "rules";
  4. the LRU cache of earlier model answers: source "cache";
  5. the model (server.llm worker, task "translate", grammar-constrained JSON), source "llm":
     the answer is parsed, every action checked with the order schema, invalid ones dropped.
If the model is not ready (loading, failed, disabled) a request the fast path did not
handle completes at once with [] and a "model unavailable" message in the player's language.
A full worker queue raises the worker's QueueFull (the web layer answers 429).

Everything runs on the event loop; the worker calls back there.
"""
from __future__ import annotations

import asyncio
import functools
import json
import logging
import re
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from server.llm import FINISHED, QueueFull

from ..protocol import TextRejected, check_text

from . import parser
from .boundary import ModelClient, NLSettings
from .compact import parse_compact
from .confidence import judge
from .grammar import action_grammar, compact_grammar_for
from .lang import detect_language, normalize_lang
from .messages import message
from .task_prompts import TRANSLATE_SYSTEM, translate_user
from .schema import MAX_ACTIONS, clean_actions
from .sequences import plan_from_model

log = logging.getLogger(__name__)

TASK = "translate"

OnDone = Callable[[dict[str, Any]], Any]


# Bad text: one definition, in server.protocol (the web layer answers `status`, 400 or 413).
NLInputError = TextRejected


@dataclass(eq=False)
class NLRequest:
    id: str
    text: str
    language: str
    status: str = "pending"
    source: str = "llm"
    actions: list[dict] = field(default_factory=list)
    message: str | None = None
    created: float = field(default_factory=time.monotonic)
    finished: float | None = None
    worker_id: str | None = None
    cache_key: tuple[str, str] | None = None
    on_done: OnDone | None = None
    waiters: list[asyncio.Future] = field(default_factory=list)
    model_text: str | None = None
    parser_actions: list[dict] | None = None   # the deterministic parser's full reading, if it had one
    clarify: dict[str, Any] | None = None      # the question asked instead of acting (PROTOCOL.md)
    confidence: dict[str, Any] | None = None   # how sure the model's reading was (confidence.py)
    plan: dict[str, Any] | None = None         # how the actions run when they wait for each other (sequences.py)

    def answer(self) -> dict[str, Any]:
        out: dict[str, Any] = {"request_id": self.id, "status": self.status, "source": self.source,
                               "language": self.language, "actions": [dict(a) for a in self.actions]}
        if self.message:
            out["message"] = self.message
        if self.clarify is not None:
            out["clarify"] = self.clarify
        if self.plan is not None:
            out["plan"] = self.plan
        if self.confidence is not None:
            out["confidence"] = self.confidence
        end = self.finished if self.finished is not None else time.monotonic()
        out["latency_ms"] = round((end - self.created) * 1000.0, 2)
        return out


class LRUCache:
    """A small LRU map (OrderedDict) of normalised text+language -> (actions, message)."""

    def __init__(self, size: int) -> None:
        self.size = max(0, int(size))
        self._data: OrderedDict[Any, Any] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: Any) -> Any:
        if key in self._data:
            self._data.move_to_end(key)
            self.hits += 1
            return self._data[key]
        self.misses += 1
        return None

    def put(self, key: Any, value: Any) -> None:
        if self.size <= 0:
            return
        self._data[key] = value
        self._data.move_to_end(key)
        while len(self._data) > self.size:
            self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        self._data.clear()


def parse_model_output(text: str) -> list[dict]:
    """Schema-valid actions from the model's text: compact action lines (server.nl.compact,
    what the model writes now) or a JSON array, possibly with noise around it."""
    if not text:
        return []
    text = text.strip()
    compact = parse_compact(text) if not text.startswith(("[", "{")) else []
    if compact or not ("[" in text or "{" in text):
        return _dedupe(_normalise(clean_actions(compact, MAX_ACTIONS)))
    candidates = [text]
    start = text.find("[")
    if start >= 0:
        end = text.rfind("]")
        if end > start:
            candidates.append(text[start:end + 1])
        candidates.append(text[start:] + "]")
    if text.startswith("{"):
        candidates.append("[" + text + "]")
    for cand in candidates:
        try:
            data = json.loads(cand)
        except (ValueError, TypeError):
            continue
        return _dedupe(_normalise(clean_actions(data, MAX_ACTIONS)))
    # last resort: objects one by one
    out = []
    for m in re.finditer(r"\{[^{}]*(\{[^{}]*\}[^{}]*)*\}", text):
        try:
            out.append(json.loads(m.group(0)))
        except ValueError:
            continue
    return _dedupe(_normalise(clean_actions(out, MAX_ACTIONS)))


def _normalise(actions: list[dict]) -> list[dict]:
    """The fast path's conventions applied to model actions: harvesters sent to the ore harvest."""
    out = []
    for a in actions:
        if (a.get("action") == "move" and a.get("target") == {"place": "ore"}
                and (a.get("units") or {}).get("type") == "harvester"):
            a = {"action": "harvest", "units": a["units"]}
        out.append(a)
    return out


def _dedupe(actions: list[dict]) -> list[dict]:
    """A small model repeats itself: identical unit orders are kept once. Repeated buildings are
    wanted ("build three power plants"), as the parser reads them; the grammar bounds how many
    lines a text can get (grammar.restriction_from_items, max_actions)."""
    out: list[dict] = []
    for a in actions:
        if a.get("action") == "build_building" or a not in out:
            out.append(a)
    return out


def _grounded(actions: list[dict], text: str) -> list[dict]:
    """Drop model actions that name something the text never mentions (the small model invents).

    Only applied when the text names at least one thing of that kind, so unknown
    synonyms still reach the model's answer unchanged.
    """
    items = parser.lex(text)
    units = {v for k, v in items if k == "U"}
    buildings = {v for k, v in items if k == "B"}
    has_sw = any(k == "SW" for k, _ in items)
    out = []
    for a in actions:
        kind = a.get("action")
        if kind == "build_unit" and units and a.get("unit_type") not in units:
            continue
        if kind == "build_building" and buildings and a.get("building_type") not in buildings:
            continue
        if kind == "launch_superweapon" and not has_sw and items:
            continue
        out.append(a)
    return out


def _with_plan(actions: list[dict], text: str) -> tuple[list[dict], dict[str, Any] | None]:
    """The model's flat actions and, when the sentence's words sequence them, their plan."""
    if len(actions) < 2:
        return actions, None
    built = plan_from_model(actions, parser.lex(text), text)
    return (built.actions, built.plan) if built.plan is not None else (actions, None)


class Translator:
    """Text -> ACTIONs, with a request registry (see module doc).

    ``worker`` is the model (None: the fast path only); ``settings`` its knobs.
    Keyword arguments override single settings (tests and benchmarks).
    """

    def __init__(self, worker: ModelClient | None, settings: NLSettings | None = None, *,
                 fast_path: bool | None = None, cache_size: int | None = None, timeout_s: float | None = None,
                 max_tokens: int | None = None, grounding: bool | None = None,
                 warm_up: bool | None = None) -> None:
        base = settings or NLSettings()
        conf = NLSettings(
            fast_path=base.fast_path if fast_path is None else fast_path,
            cache_size=base.cache_size if cache_size is None else cache_size,
            timeout_s=base.timeout_s if timeout_s is None else timeout_s,
            max_tokens=base.max_tokens if max_tokens is None else max_tokens,
            grounding=base.grounding if grounding is None else grounding,
            warm_up=base.warm_up if warm_up is None else warm_up)
        self.settings = conf
        self.worker = worker
        self.fast_path = conf.fast_path
        self.timeout_s = float(conf.timeout_s)
        self.max_tokens = int(conf.max_tokens)
        self.grounding = conf.grounding
        self.warm = conf.warm_up  # evaluate the task prefix once the model is ready, before a player waits on it
        self._warm_id: str | None = None
        self.cache = LRUCache(conf.cache_size)
        self.grammar = action_grammar()
        self._requests: dict[str, NLRequest] = {}
        self.counts: dict[str, int] = {"rules": 0, "cache": 0, "llm": 0, "refused": 0, "unavailable": 0}

    def _model_ready(self) -> bool:
        return self.worker is not None and self.worker.state == "ready"

    # ------------------------------------------------------------------ API
    def submit(self, text: str, lang: str | None = None, on_done: OnDone | None = None) -> dict[str, Any]:
        """Start translating ``text``; returns the answer dict (``request_id``, ``status``...) at once.

        Requests answered without the model (refusal, fast path, cache, model unavailable)
        are completed before this returns, and ``on_done(answer)`` has already been called.
        Otherwise ``on_done`` is called on the event loop when the model is done.
        Raises NLInputError (a ValueError) for bad text, and the worker's QueueFull.
        """
        stripped = check_text(text).strip()
        language = normalize_lang(lang) or detect_language(stripped)
        self._maybe_warm_up()
        req = NLRequest(id=uuid.uuid4().hex, text=stripped, language=language, on_done=on_done)

        parsed = parser.parse(stripped, language)
        if parsed.kind == "refuse":
            self.counts["refused"] += 1
            return self._complete_now(req, "rules", [], message(parsed.message_key or "off_topic", language))
        if self.fast_path and parsed.kind == "actions":
            self.counts["rules"] += 1
            req.plan = parsed.plan
            return self._complete_now(req, "rules", parsed.actions, None)

        req.parser_actions = parsed.actions if parsed.kind == "actions" else None
        req.cache_key = (parser.normalize(stripped), language)
        hit = self.cache.get(req.cache_key)
        if hit is not None:
            self.counts["cache"] += 1
            actions, msg_key = hit
            actions, req.plan = _with_plan(actions, stripped)
            return self._complete_now(req, "cache", actions, message(msg_key, language) if msg_key else None)

        if not self._model_ready():
            self.counts["unavailable"] += 1
            return self._complete_now(req, "llm", [], message("model_unavailable", language))

        assert self.worker is not None  # _model_ready()
        self._requests[req.id] = req
        try:
            req.worker_id = self.worker.submit(
                TASK, TRANSLATE_SYSTEM, translate_user(stripped), grammar=compact_grammar_for(stripped),
                max_tokens=self.max_tokens, priority=0, timeout_s=self.timeout_s, logprobs=True,
                on_done=functools.partial(self._on_model_done, req))
        except BaseException:  # QueueFull (-> 429) and anything else: the request never existed
            del self._requests[req.id]
            raise
        self.counts["llm"] += 1
        return req.answer()

    def get(self, request_id: str) -> dict[str, Any] | None:
        """The request's answer (PROTOCOL translate shape), or None if unknown or cleaned up."""
        req = self._requests.get(request_id)
        if req is None:
            return None
        if req.status not in FINISHED and req.worker_id is not None and self.worker is not None:
            snap = self.worker.get(req.worker_id)
            if snap and snap.get("status") in ("pending", "processing"):
                req.status = snap["status"]
        return req.answer()

    def cancel(self, request_id: str) -> bool:
        """Cancel a request that is not finished. True if it was cancelled."""
        req = self._requests.get(request_id)
        if req is None or req.status in FINISHED:
            return False
        ok = self.worker.cancel(req.worker_id) if req.worker_id is not None and self.worker is not None else True
        if ok and req.status not in FINISHED:
            self._finish(req, "cancelled", "llm", [], message("cancelled", req.language))
        return ok

    async def wait(self, request_id: str, timeout: float | None = None) -> dict[str, Any] | None:
        """Wait until the request finishes or ``timeout`` seconds pass; its answer (None if unknown)."""
        req = self._requests.get(request_id)
        if req is None:
            return None
        if req.status not in FINISHED:
            fut = asyncio.get_running_loop().create_future()
            req.waiters.append(fut)
            try:
                await asyncio.wait_for(asyncio.shield(fut), timeout)
            except TimeoutError:
                pass
            finally:
                if fut in req.waiters:
                    req.waiters.remove(fut)
        return self.get(request_id)

    def cleanup(self, max_age_s: float) -> int:
        """Forget finished requests older than ``max_age_s`` seconds; returns how many."""
        now = time.monotonic()
        old = [rid for rid, r in self._requests.items()
               if r.status in FINISHED and r.finished is not None and now - r.finished > max_age_s]
        for rid in old:
            del self._requests[rid]
        return len(old)

    def warm_up(self) -> str | None:
        """Queue one tiny low-priority translation so the worker evaluates (and caches) the task
        prefix now; returns the worker request id, or None if the model is not ready."""
        if self.worker is None or not self._model_ready():
            return None
        try:  # the worker evaluates the prefix alone
            self._warm_id = self.worker.prime(TASK, TRANSLATE_SYSTEM, priority=20)
        except QueueFull:  # try again on a later submit
            return None
        return self._warm_id

    def _maybe_warm_up(self) -> None:
        if self.warm and self._warm_id is None:
            self.warm_up()

    def status(self) -> dict[str, Any]:
        return {"fast_path": self.fast_path, "requests": len(self._requests), "cache_entries": len(self.cache),
                "cache_hits": self.cache.hits, **self.counts}

    # ------------------------------------------------------------------ internals
    def _complete_now(self, req: NLRequest, source: str, actions: list[dict], msg: str | None) -> dict:
        self._requests[req.id] = req
        self._finish(req, "completed", source, actions, msg)
        return req.answer()

    def _finish(self, req: NLRequest, status: str, source: str, actions: list[dict], msg: str | None) -> None:
        if req.status in FINISHED:
            return
        req.status, req.source, req.actions, req.message = status, source, list(actions), msg
        req.finished = time.monotonic()
        answer = req.answer()
        for fut in req.waiters:
            if not fut.done():
                fut.set_result(None)
        req.waiters.clear()
        if req.on_done is not None:
            try:
                req.on_done(answer)
            except Exception:  # a listener must never break the translator
                log.exception("on_done of request %s failed", req.id)

    def _on_model_done(self, req: NLRequest, snap: dict[str, Any]) -> None:
        status = snap.get("status")
        lang = req.language
        if status == "completed":
            req.model_text = snap.get("text") or ""
            actions = parse_model_output(req.model_text)
            if self.grounding:
                actions = _grounded(actions, req.text)
            # below the confidence threshold nothing executes: the player is asked (confidence.py)
            verdict = judge(req.text, lang, actions, parser_actions=req.parser_actions,
                            token_logprobs=snap.get("logprobs"))
            req.confidence = verdict.confidence() if actions else None
            if verdict.clarify is not None:
                req.clarify = verdict.clarify
                self._finish(req, "completed", "llm", [], None)
                return
            msg_key = None if actions else "not_understood"
            if req.cache_key is not None:
                self.cache.put(req.cache_key, (actions, msg_key))
            actions, req.plan = _with_plan(actions, req.text)
            self._finish(req, "completed", "llm", actions, message(msg_key, lang) if msg_key else None)
        elif status == "cancelled":
            self._finish(req, "cancelled", "llm", [], message("cancelled", lang))
        elif status == "timeout":
            self._finish(req, "timeout", "llm", [], message("model_failed", lang))
        else:  # failed: model unavailable or generation error
            key = "model_failed" if self._model_ready() else "model_unavailable"
            self._finish(req, "completed", "llm", [], message(key, lang))
