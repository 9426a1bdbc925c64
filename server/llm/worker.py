"""The model worker: one queue, one thread, one model.

Requests are queued by priority (lower number first, then arrival) and run
one at a time on a single worker thread, never on the event loop. A request
more urgent than the one generating interrupts it at the next token; the
interrupted request goes back to the queue and runs again later. Results are
polled with :meth:`ModelWorker.get`, awaited with :meth:`ModelWorker.wait`, or
delivered to ``on_done`` callbacks on the event loop captured by
:meth:`ModelWorker.start`.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import os
import threading
import time
import uuid
from collections import Counter
from typing import Any

from .backends import Backend, BatchedBackend, make_backend, process_loads
from .request import (
    CANCELLED,
    COMPLETED,
    DISABLED,
    FAILED,
    FINISHED,
    LOADING,
    PENDING,
    PROCESSING,
    STATE_FAILED,
    TIMEOUT,
    LLMRequest,
    OnDone,
    QueueFull,
)
from .settings import LLMSettings
from .worker_thread import WorkerThread

log = logging.getLogger(__name__)


class ModelWorker(WorkerThread):
    """The one model of the process behind a priority queue.

    Thread-safety: every public method may be called from any thread; ``wait``
    must be awaited on an event loop. Everything mutable is guarded by one
    condition variable; the model itself is touched only by the worker thread.
    """

    def __init__(self, settings: LLMSettings, *, backend: Backend | None = None) -> None:
        self.settings = settings
        self._cond = threading.Condition()
        self._closing = False
        self._backend: Backend = backend if backend is not None else make_backend(settings, self._is_closing)
        self._state = DISABLED if self._backend.name == "disabled" else LOADING
        self._error: str | None = "model backend disabled by settings" if self._state == DISABLED else None
        self._requests: dict[str, LLMRequest] = {}
        self._heap: list[tuple[int, int, str]] = []
        self._n_pending = 0
        # Recent generation time per task (EWMA, seconds), for admission control.
        self._service_s: dict[str, float] = {}
        self._running: dict[str, LLMRequest] = {}
        self._blocked = False  # batched: the most urgent pending request waits for KV room
        # Requests served at once: the local backend batches them in one thread;
        # the remote backend sends them from parallel lane threads.
        if isinstance(self._backend, BatchedBackend):
            self._parallel = max(1, self._backend.max_batch)
            self._lanes = 1
        else:
            self._lanes = max(1, settings.remote_parallel) if self._backend.name == "remote" else 1
            self._parallel = self._lanes
        self._counts: Counter[str] = Counter()
        self._loads = 0
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiters: dict[str, list[asyncio.Future[dict[str, Any]]]] = {}
        self._last_activity = time.monotonic()
        self._last_sweep = 0.0
        self._load_ms: float | None = None
        self._started_at: float | None = None
        self._proc: Any = None

    # ------------------------------------------------------------------ API
    @property
    def state(self) -> str:
        """"loading" | "ready" | "failed" | "disabled"."""
        return self._state

    def start(self) -> None:
        """Start the worker thread: it loads the model, warms it up, then serves. Returns at once."""
        try:
            self._loop = asyncio.get_running_loop()
        except RuntimeError:
            pass
        with self._cond:
            if self._thread is not None or self._closing:
                return
            self._started_at = time.time()
            if self._state == DISABLED:
                log.info("model worker disabled by settings")
                return
            self._thread = threading.Thread(target=self._run, name="llm-worker", daemon=True)
            self._thread.start()

    def submit(
        self,
        task: str,
        system: str,
        user: str,
        *,
        grammar: str | None = None,
        max_tokens: int | None = None,
        priority: int = 0,
        timeout_s: float | None = None,
        replace_key: str | None = None,
        on_done: OnDone | None = None,
        temperature: float = 0.0,
        logprobs: bool = False,
    ) -> str:
        """Queue a request and return its id at once.

        ``system`` is the fixed per-task prefix (its evaluated state is cached
        per task), ``user`` the changing part. ``priority``: lower runs first
        (0 = player order, 10 = analysis). ``replace_key``: pending requests
        with the same key are cancelled by this one. ``on_done(snapshot)`` is
        called on the event loop when the request ends, whatever the ending.
        Raises QueueFull when ``max_queue`` requests are already pending.
        ``logprobs``: the snapshot's ``logprobs`` lists the log-probability of each
        sampled token (local backend; grammar-forced tokens have none).
        """
        return self._submit(task, system, user, grammar=grammar, max_tokens=max_tokens, priority=priority,
                            timeout_s=timeout_s, replace_key=replace_key, on_done=on_done,
                            temperature=temperature, logprobs=logprobs)

    def prime(self, task: str, system: str, *, priority: int = 20, timeout_s: float = 120.0,
              on_done: OnDone | None = None) -> str:
        """Queue the evaluation of a task's prefix alone, so its first real request
        does not pay for it (a 450-token prefix takes seconds on one core).

        Runs at low priority (any request preempts it); the request completes with
        empty text. A pending prime of the same task is replaced.
        """
        return self._submit(task, system, "", grammar=None, max_tokens=1, priority=priority,
                            timeout_s=timeout_s, replace_key=f"\x00prime:{task}", on_done=on_done,
                            prefix_only=True)

    def _submit(
        self,
        task: str,
        system: str,
        user: str,
        *,
        grammar: str | None,
        max_tokens: int | None,
        priority: int,
        timeout_s: float | None,
        replace_key: str | None,
        on_done: OnDone | None,
        temperature: float = 0.0,
        prefix_only: bool = False,
        logprobs: bool = False,
    ) -> str:
        s = self.settings
        if max_tokens is None:
            max_tokens = s.default_max_tokens
        max_tokens = max(1, min(int(max_tokens), s.max_tokens_limit))
        if timeout_s is None:
            timeout_s = s.default_timeout_s
        if self._loop is None:
            try:
                self._loop = asyncio.get_running_loop()
            except RuntimeError:
                pass
        req = LLMRequest(
            id=uuid.uuid4().hex,
            task=str(task),
            system=system,
            user=user,
            priority=int(priority),
            max_tokens=max_tokens,
            timeout_s=float(timeout_s),
            grammar=grammar or None,
            temperature=float(temperature),
            replace_key=replace_key,
            on_done=on_done,
            prefix_only=prefix_only,
            want_logprobs=bool(logprobs),
        )
        req.deadline = time.monotonic() + req.timeout_s
        done: list[LLMRequest] = []
        with self._cond:
            req.seq = next(self._seq)
            self._last_activity = time.monotonic()
            if self._closing or self._state in (STATE_FAILED, DISABLED):
                self._requests[req.id] = req
                why = "model worker closed" if self._closing else f"model unavailable: {self._error}"
                self._finish_locked(req, FAILED, error=why)
                done.append(req)
            else:
                victims = []
                if replace_key is not None:
                    victims = [r for r in self._pending_locked() if r.replace_key == replace_key]
                if self._n_pending - len(victims) >= s.max_queue:
                    raise QueueFull(f"{self._n_pending} requests pending (max_queue={s.max_queue})")
                if not prefix_only:
                    wait = self._expected_wait_locked(req, exclude=victims)
                    if wait > req.timeout_s:
                        # It would only wait out its deadline in the queue and end as a
                        # timeout; saying "busy" now lets the caller retry or fall back.
                        raise QueueFull(f"the model is busy: about {wait:.0f} s of work ahead "
                                        f"(deadline {req.timeout_s:g} s)")
                for v in victims:
                    self._finish_locked(v, CANCELLED, error=f"replaced by {req.id}")
                    done.append(v)
                self._requests[req.id] = req
                self._push_locked(req)
                self._cond.notify_all()
        for r in done:
            self._deliver(r)
        return req.id

    def get(self, rid: str) -> dict[str, Any] | None:
        """Snapshot of a request, or None if unknown (or cleaned up)."""
        with self._cond:
            req = self._requests.get(rid)
            return req.snapshot() if req is not None else None

    async def wait(self, rid: str, timeout: float | None = None) -> dict[str, Any] | None:
        """Wait until the request ends or ``timeout`` seconds pass; return its snapshot (None if unknown)."""
        loop = asyncio.get_running_loop()
        with self._cond:
            req = self._requests.get(rid)
            if req is None:
                return None
            if req.status in FINISHED:
                return req.snapshot()
        if self._loop is None:
            self._loop = loop
        if loop is not self._loop:  # awaited on a foreign loop: poll
            end = None if timeout is None else loop.time() + timeout
            while end is None or loop.time() < end:
                snap = self.get(rid)
                if snap is None or snap["status"] in FINISHED:
                    return snap
                await asyncio.sleep(0.02)
            return self.get(rid)
        fut: asyncio.Future[dict[str, Any]] = loop.create_future()
        self._waiters.setdefault(rid, []).append(fut)
        # Deliveries run on this loop, so none can slip between the check above
        # and the registration; re-checking keeps that true if wait() changes.
        snap = self.get(rid)
        if snap is None or snap["status"] in FINISHED:
            self._drop_waiter(rid, fut)
            return snap
        try:
            return await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            return self.get(rid)
        finally:
            self._drop_waiter(rid, fut)

    def cancel(self, rid: str) -> bool:
        """Cancel a pending request, or stop a generating one at its next token.

        Returns False when the request is unknown or already finished.
        """
        with self._cond:
            req = self._requests.get(rid)
            if req is None or req.status in FINISHED:
                return False
            req.cancel_requested = True
            if req.status != PENDING:
                return True  # the worker ends it as cancelled at the next token
            self._finish_locked(req, CANCELLED, error="cancelled")
        self._deliver(req)
        return True

    def cleanup(self, max_age_s: float) -> int:
        """Forget finished requests that ended more than ``max_age_s`` ago; return how many."""
        limit = time.time() - max_age_s
        with self._cond:
            old = [r.id for r in self._requests.values() if r.finished is not None and r.finished <= limit]
            for rid in old:
                del self._requests[rid]
        return len(old)

    def status(self) -> dict[str, Any]:
        """Figures for GET /api/model/status."""
        try:
            if self._proc is None:
                import psutil

                self._proc = psutil.Process(os.getpid())
            rss = int(self._proc.memory_info().rss)
        except Exception:
            rss = 0
        with self._cond:
            desc = {}
            try:
                desc = self._backend.describe()
            except Exception:
                pass
            s = self.settings
            processing = sum(1 for r in self._running.values() if r.status == PROCESSING)
            return {
                "state": self._state,
                "backend": self._backend.name,
                "model": desc.get("model"),
                "loaded": bool(self._backend.loaded),
                "loads": self._loads,
                "process_loads": process_loads(),
                "pending": self._n_pending,
                "processing": processing,
                "parallel": self._parallel,
                "completed": self._counts[COMPLETED],
                "failed": self._counts[FAILED],
                "cancelled": self._counts[CANCELLED],
                "timeout": self._counts[TIMEOUT],
                "preempted": self._counts["preempted"],
                "service_ms": {task: round(1000 * v) for task, v in self._service_s.items()},
                "known_requests": len(self._requests),
                "max_queue": s.max_queue,
                "error": self._error,
                "load_ms": self._load_ms,
                "n_threads": s.n_threads,
                "n_threads_batch": s.n_threads_batch,
                "n_ctx": s.n_ctx,
                "rss_bytes": rss,
                "memory": {"rss_bytes": rss, "rss_mb": round(rss / 2**20, 1)},
                "details": desc,
            }

    def close(self) -> None:
        """Stop the thread (the current generation stops at its next token), free the model.

        Requests still pending end as cancelled.
        """
        with self._cond:
            self._closing = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=30)
            if thread.is_alive():
                log.error("model worker thread did not stop within 30 s")
        if thread is None:
            self._backend.unload()
        self._end_all_pending(CANCELLED, "model worker closed")
        with self._cond:
            self._state = DISABLED
            if self._error is None:
                self._error = "closed"

    async def aclose(self) -> None:
        """close() without blocking the event loop."""
        await asyncio.get_running_loop().run_in_executor(None, self.close)

    # ----------------------------------------------------------- internals
    def _is_closing(self) -> bool:
        return self._closing

    def _push_locked(self, req: LLMRequest) -> None:
        if len(self._heap) > 2 * self._n_pending + 64:  # drop entries of cancelled/expired requests
            self._heap = [(r.priority, r.seq, r.id) for r in self._pending_locked()]
            heapq.heapify(self._heap)
        heapq.heappush(self._heap, (req.priority, req.seq, req.id))
        req.status = PENDING
        self._n_pending += 1

    def _expected_wait_locked(self, req: LLMRequest, exclude: list[LLMRequest]) -> float:
        """Seconds of known work that would run before and including ``req``:
        what is left of the running request, pending requests of equal or more
        urgent priority, and itself, at each task's recent generation time. A
        less urgent running request does not count: ``req`` would preempt it.
        Unknown tasks count as zero (no data yet: admit)."""
        skip = {r.id for r in exclude}
        ahead = [r for r in self._pending_locked()
                 if r.priority <= req.priority and r.id not in skip and not r.prefix_only]
        wait = sum(self._service_s.get(r.task, 0.0) for r in ahead)
        for cur in self._running.values():
            if cur.started is not None and not cur.prefix_only and cur.priority <= req.priority:
                wait += max(0.0, self._service_s.get(cur.task, 0.0) - (time.time() - cur.started))
        # requests run ``parallel`` at a time; the service times were measured that way too
        return wait / self._parallel + self._service_s.get(req.task, 0.0)

    def _pending_locked(self) -> list[LLMRequest]:
        """Pending requests (the heap holds them all, plus dead entries), without a full scan."""
        out = []
        for _, _, rid in self._heap:
            req = self._requests.get(rid)
            if req is not None and req.status == PENDING:
                out.append(req)
        return out

    def _top_locked(self) -> LLMRequest | None:
        """Most urgent pending request (dropping dead heap entries)."""
        while self._heap:
            _, _, rid = self._heap[0]
            req = self._requests.get(rid)
            if req is not None and req.status == PENDING:
                return req
            heapq.heappop(self._heap)
        return None

    def _finish_locked(self, req: LLMRequest, status: str, *, error: str | None = None) -> None:
        if req.status == PENDING:
            self._n_pending -= 1
        req.status = status
        req.error = error
        req.finished = time.time()
        self._counts[status] += 1

    def _deliver(self, req: LLMRequest) -> None:
        """Wake waiters and call on_done, on the event loop."""
        snap = self.get(req.id) or req.snapshot()
        loop = self._loop
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(self._on_loop_done, req, snap)
                return
            except RuntimeError:  # loop closed meanwhile
                pass
        if req.on_done is not None:  # no loop: call it here, rather than never
            self._call_on_done(req, snap)

    def _on_loop_done(self, req: LLMRequest, snap: dict[str, Any]) -> None:
        for fut in self._waiters.pop(req.id, []):
            if not fut.done():
                fut.set_result(snap)
        if req.on_done is not None:
            self._call_on_done(req, snap)

    @staticmethod
    def _call_on_done(req: LLMRequest, snap: dict[str, Any]) -> None:
        try:
            req.on_done(snap)  # type: ignore[misc]
        except Exception:
            log.exception("on_done callback of request %s failed", req.id)

    def _drop_waiter(self, rid: str, fut: asyncio.Future[dict[str, Any]]) -> None:
        lst = self._waiters.get(rid)
        if lst and fut in lst:
            lst.remove(fut)
            if not lst:
                del self._waiters[rid]

    def _end_all_pending(self, status: str, why: str) -> None:
        with self._cond:
            victims = [r for r in self._requests.values() if r.status == PENDING]
            for r in victims:
                self._finish_locked(r, status, error=why)
        for r in victims:
            self._deliver(r)

    def _expire_pending(self) -> None:
        """End pending requests whose deadline passed while they waited."""
        now = time.monotonic()
        with self._cond:
            self._last_sweep = now
            victims = [r for r in self._pending_locked() if r.deadline <= now]
            for r in victims:
                self._finish_locked(r, TIMEOUT, error=f"timed out after {r.timeout_s:g} s in the queue")
        for r in victims:
            self._deliver(r)
