"""The worker thread: loads the model, then serves the queue (batched steps or one lane per slot)."""

from __future__ import annotations

import heapq
import logging
import os
import threading
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

from .backends import BatchedBackend, GenParams, GenResult, ModelLoadError
from .request import CANCELLED, COMPLETED, FAILED, LOADING, PROCESSING, READY, STATE_FAILED, TIMEOUT, LLMRequest
from .settings import LLMSettings

if TYPE_CHECKING:
    from .backends import Backend

log = logging.getLogger("server.llm.worker")


class WorkerThread:
    """The thread side of :class:`server.llm.worker.ModelWorker` (a mixin: the queue, its
    lock and the request table live there); touches the model, never the event loop."""

    settings: LLMSettings
    _cond: threading.Condition
    _closing: bool
    _backend: Backend
    _state: str
    _error: str | None
    _requests: dict[str, LLMRequest]
    _heap: list[tuple[int, int, str]]
    _n_pending: int
    _service_s: dict[str, float]
    _running: dict[str, LLMRequest]
    _blocked: bool
    _lanes: int
    _counts: Counter[str]
    _loads: int
    _last_activity: float
    _last_sweep: float
    _load_ms: float | None

    if TYPE_CHECKING:  # the queue side, defined by ModelWorker
        def _is_closing(self) -> bool: ...
        def _push_locked(self, req: LLMRequest) -> None: ...
        def _top_locked(self) -> LLMRequest | None: ...
        def _finish_locked(self, req: LLMRequest, status: str, *, error: str | None = None) -> None: ...
        def _deliver(self, req: LLMRequest) -> None: ...
        def _end_all_pending(self, status: str, why: str) -> None: ...
        def _expire_pending(self) -> None: ...

    def _lower_priority(self) -> None:
        """Make this thread (and threads it starts later, which inherit it) yield to the game."""
        nice = self.settings.nice
        if nice <= 0 or not hasattr(os, "setpriority"):
            return
        try:
            tid = threading.get_native_id()
            os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + nice))
        except OSError as exc:  # not fatal: only smoothness is at stake
            log.warning("could not lower the model thread priority: %s", exc)

    def _run(self) -> None:
        lanes: list[threading.Thread] = []
        try:
            self._lower_priority()
            if self._load():
                self._warm_up()
            if isinstance(self._backend, BatchedBackend):
                self._run_batched(self._backend)
            else:
                for i in range(1, self._lanes):
                    t = threading.Thread(target=self._lane, name=f"llm-lane-{i}", daemon=True)
                    t.start()
                    lanes.append(t)
                self._lane()
        except BaseException:  # pragma: no cover - a bug; keep the process alive
            log.exception("model worker thread crashed")
            with self._cond:
                self._state = STATE_FAILED
                self._error = "worker thread crashed"
            self._end_all_pending(FAILED, "model worker crashed")
        finally:
            for t in lanes:
                t.join(timeout=30)
            try:
                self._backend.unload()
            except Exception:
                log.exception("error while unloading the model")

    def _run_batched(self, backend: BatchedBackend) -> None:
        """Continuous batching: every step, end what must end (cancel, deadline,
        preemption), let pending requests join while there is room (most urgent
        first), then advance every running request by one llama_decode."""
        seqs: dict[str, Any] = {}  # request id -> the backend's sequence
        while True:
            self._expire_pending()
            ended: list[tuple[LLMRequest, GenResult]] = []
            with self._cond:
                if self._closing or self._state == STATE_FAILED:
                    for rid, seq in list(seqs.items()):
                        req = self._running.pop(rid)
                        req.stop_reason = CANCELLED
                        ended.append((req, backend.leave(seq)))
                    seqs.clear()
                    stop = True
                else:
                    stop = False
                    now = time.monotonic()
                    # the least urgent running request is the one a more urgent one may preempt
                    victim = max(self._running.values(), key=lambda r: (r.priority, r.seq), default=None)
                    full = backend.free_slots == 0 or self._blocked
                    for rid, req in list(self._running.items()):
                        reason = self._stop_reason_locked(req, now, busy=full and req is victim)
                        if reason:
                            req.stop_reason = reason
                            ended.append((req, backend.leave(seqs.pop(rid))))
                            del self._running[rid]
            for req, result in ended:
                self._settle(req, result, None, 0.0)
            if stop:
                return
            if not self._admit(backend, seqs):
                continue  # nothing to run: _admit waited for work
            try:
                finished = backend.step()
            except Exception as exc:
                log.exception("batched decode failed (%d requests)", len(seqs))
                error = f"{type(exc).__name__}: {exc}"
                with self._cond:
                    failed = [self._running.pop(rid) for rid in list(seqs)]
                seqs.clear()
                try:
                    backend.reset()
                except Exception:
                    log.exception("could not reset the model context")
                for req in failed:
                    self._settle(req, None, error, 0.0)
                continue
            with self._cond:  # progress is visible in snapshots while requests run
                for rid, seq in seqs.items():
                    self._running[rid].tokens = len(seq.out)
            by_seq = {id(seq): rid for rid, seq in seqs.items()}
            for seq in finished:
                done_rid = by_seq.get(id(seq))
                if done_rid is None:
                    continue
                del seqs[done_rid]
                with self._cond:
                    req = self._running.pop(done_rid)
                self._settle(req, seq.result, None, time.monotonic() - req.joined)

    def _admit(self, backend: BatchedBackend, seqs: dict[str, Any]) -> bool:
        """Let pending requests join, most urgent first, while the backend has room.
        Blocks while there is nothing to run at all. True when something runs."""
        while True:
            failed: list[tuple[LLMRequest, str]] = []
            self._blocked = False
            while True:
                with self._cond:
                    if self._closing or self._state == STATE_FAILED:
                        return bool(seqs)
                    req = self._top_locked() if backend.free_slots > 0 and not self._blocked else None
                    if req is None:
                        break
                    heapq.heappop(self._heap)
                    self._n_pending -= 1
                    req.status = PROCESSING
                    self._running[req.id] = req
                if not backend.loaded and not self._load():  # unloaded while idle: load again
                    with self._cond:
                        self._running.pop(req.id, None)
                        self._finish_locked(req, FAILED, error=f"model unavailable: {self._error}")
                    self._deliver(req)
                    continue
                try:
                    seq = backend.join(req.params(), req.priority)
                except Exception as exc:
                    failed.append((req, f"{type(exc).__name__}: {exc}"))
                    with self._cond:
                        self._running.pop(req.id, None)
                    continue
                with self._cond:
                    if seq is None:
                        self._running.pop(req.id, None)
                        if not seqs:  # it does not fit even alone
                            failed.append((req, "ValueError: the request does not fit the KV cache"))
                            continue
                        # no KV room now: it waits (and may preempt) until a running request leaves
                        self._push_locked(req)
                        self._blocked = True
                        break
                    if req.started is None:
                        req.started = time.time()
                    req.joined = time.monotonic()
                    seqs[req.id] = seq
            for req, error in failed:
                self._settle(req, None, error, 0.0)
            if seqs:
                return True
            # nothing running: wait for work (or unload when idle long enough)
            with self._cond:
                if self._closing or self._state == STATE_FAILED:
                    return False
                if self._top_locked() is not None or not self._idle_wait_locked(backend.loaded):
                    continue
            log.info("model idle for %.0f s: unloading", self.settings.idle_unload_s)
            backend.unload()

    def _lane(self) -> None:
        """One request at a time (backends that do not batch; one lane per parallel remote slot)."""
        if self._lanes > 1:
            self._lower_priority()
        while True:
            req = self._take()
            if req is None:
                break
            self._execute(req)

    def _load(self) -> bool:
        """Load the backend; on failure the state becomes "failed" and pending requests fail."""
        with self._cond:
            self._state = LOADING
        t0 = time.perf_counter()
        try:
            self._backend.load()
        except Exception as exc:
            msg = str(exc) if isinstance(exc, ModelLoadError) else f"{type(exc).__name__}: {exc}"
            log.error("model load failed: %s", msg)
            with self._cond:
                self._state = STATE_FAILED
                self._error = msg
            self._end_all_pending(FAILED, f"model unavailable: {msg}")
            return False
        with self._cond:
            self._loads += 1
            self._load_ms = round((time.perf_counter() - t0) * 1000.0, 1)
            self._state = READY
            self._error = None
            self._last_activity = time.monotonic()
        log.info("model loaded (%s) in %.0f ms, load #%d", self._backend.name, self._load_ms, self._loads)
        return True

    def _warm_up(self) -> None:
        if not self.settings.warmup or self._backend.name != "local":
            return
        try:
            params = GenParams("_warmup", "You are a helpful assistant.", "Hi", max_tokens=2)
            self._backend.generate(params, self._is_closing)
        except Exception:
            log.exception("model warm-up failed")

    def _take(self) -> LLMRequest | None:
        """Block until a request is due (or the worker closes); mark it processing."""
        while True:
            self._expire_pending()
            with self._cond:
                if self._closing or self._state == STATE_FAILED:
                    return None
                req = self._top_locked()
                if req is not None:
                    heapq.heappop(self._heap)
                    self._n_pending -= 1
                    req.status = PROCESSING
                    if req.started is None:
                        req.started = time.time()
                    self._running[req.id] = req
                    req.stop_reason = ""
                    return req
                if not self._idle_wait_locked(self._backend.loaded and not self._running):
                    continue
            log.info("model idle for %.0f s: unloading", self.settings.idle_unload_s)
            self._backend.unload()

    def _idle_wait_locked(self, may_unload: bool) -> bool:
        """With the lock held and nothing to do: wait for work, at most until the model has been
        idle ``idle_unload_s``. True when that time has come and the model should unload now."""
        idle_s = self.settings.idle_unload_s
        wait: float | None = None
        if idle_s > 0 and may_unload:
            wait = self._last_activity + idle_s - time.monotonic()
            if wait <= 0:
                return True
        self._cond.wait(wait)
        return False

    def _should_stop(self, req: LLMRequest) -> bool:
        """Called by the backend after every token."""
        now = time.monotonic()
        if now - self._last_sweep > 0.25:
            self._expire_pending()
        with self._cond:
            reason = self._stop_reason_locked(req, now, busy=len(self._running) >= self._lanes)
            req.stop_reason = reason
            return bool(reason)

    def _stop_reason_locked(self, req: LLMRequest, now: float, busy: bool) -> str:
        """Why ``req`` must stop now ("" if it may go on). ``busy``: no free place for a more
        urgent pending request, which then preempts it."""
        if req.cancel_requested or self._closing:
            return CANCELLED
        if now >= req.deadline:
            return TIMEOUT
        if busy and req.preemptions < self.settings.max_preemptions:
            top = self._top_locked()
            if top is not None and top.priority < req.priority:
                return "preempted"
        return ""

    def _execute(self, req: LLMRequest) -> None:
        if not self._backend.loaded and not self._load():  # unloaded while idle: load again
            with self._cond:
                self._running.pop(req.id, None)
                self._finish_locked(req, FAILED, error=f"model unavailable: {self._error}")
            self._deliver(req)
            return
        params = req.params()
        result: GenResult | None = None
        error: str | None = None
        spent = 0.0
        try:
            if self._should_stop(req) and req.stop_reason != "preempted":
                result = GenResult("", "interrupted")
            else:
                req.stop_reason = ""
                began = time.monotonic()
                result = self._backend.generate(params, lambda: self._should_stop(req))
                spent = time.monotonic() - began
        except Exception as exc:
            log.exception("generation failed for request %s (task %s)", req.id, req.task)
            error = f"{type(exc).__name__}: {exc}"
        with self._cond:
            self._running.pop(req.id, None)
        self._settle(req, result, error, spent)

    def _settle(self, req: LLMRequest, result: GenResult | None, error: str | None, spent: float) -> None:
        """Record how a request that ran ended: finished (delivered) or preempted (re-queued)."""
        requeued = False
        with self._cond:
            self._last_activity = time.monotonic()
            if result is not None:
                req.text = result.text
                req.tokens = result.tokens
                req.prompt_tokens = result.prompt_tokens
                req.prefix = result.prefix
                req.stop = result.stop
                req.timings = {k: round(v, 1) for k, v in result.timings.items()}
                req.logprobs = list(result.logprobs)
            if error is not None:
                if time.monotonic() >= req.deadline:
                    self._finish_locked(req, TIMEOUT, error=f"timed out after {req.timeout_s:g} s ({error})")
                else:
                    self._finish_locked(req, FAILED, error=error)
            elif result is not None and result.stop == "interrupted":
                reason = req.stop_reason or CANCELLED
                if reason == "preempted" and not req.cancel_requested and not self._closing:
                    req.preemptions += 1
                    req.text = ""  # it starts over when it runs again
                    req.tokens = 0
                    req.stop = ""
                    self._counts["preempted"] += 1
                    self._push_locked(req)
                    requeued = True
                elif reason == TIMEOUT:
                    self._finish_locked(req, TIMEOUT, error=f"timed out after {req.timeout_s:g} s")
                else:
                    self._finish_locked(req, CANCELLED, error="cancelled")
            else:
                self._finish_locked(req, COMPLETED)
                if not req.prefix_only:
                    prev = self._service_s.get(req.task)
                    self._service_s[req.task] = spent if prev is None else 0.7 * prev + 0.3 * spent
        if not requeued:
            self._deliver(req)
