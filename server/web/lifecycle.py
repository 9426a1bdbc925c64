"""Long-lived resources and background tasks, as aiohttp cleanup contexts:
create, yield, then stop and release."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import WSCloseCode, web

from .. import keys
from ..advisor import Advisor, AdvisorSettings
from ..llm import LLMSettings, ModelWorker
from ..nl import Analyst, NLSettings, Translator
from ..room_manager import RoomManager
from ..sim.rules import TICK_RATE
from ..nl_jobs import NLJobs

log = logging.getLogger("web")

# Old language requests are forgotten every 600 ticks (30 s of game time).
HOUSEKEEPING_TICKS = 600
# Finished requests stay pollable (GET /api/nl/requests/{id}) this long.
REQUEST_MAX_AGE_S = 120.0


async def rooms_context(app: web.Application) -> AsyncIterator[None]:
    s = app[keys.SETTINGS]
    app[keys.ROOMS] = RoomManager(max_rooms=s.max_rooms, grace_s=s.room_grace_s, width=s.map_width,
                                  height=s.map_height, max_spectators=s.max_spectators,
                                  join_window_s=s.join_window_s, control_limit=s.ws_control_queue,
                                  metrics=app[keys.METRICS], max_plans=s.max_plans_per_player)
    yield
    await app[keys.ROOMS].close_all(WSCloseCode.GOING_AWAY, "server shutting down")


async def model_settled(worker: ModelWorker | None) -> None:
    """Return once the model has finished loading (ready, failed or disabled)."""
    while worker is not None and worker.state == "loading":
        await asyncio.sleep(0.2)


async def model_context(app: web.Application) -> AsyncIterator[None]:
    """The one model worker of the process, loaded in the background so the
    server answers at once; the translator and analyst sit on top of it."""
    s = app[keys.SETTINGS]
    worker = ModelWorker(LLMSettings(
        backend=s.llm_backend,  # type: ignore[arg-type]  # Settings checks it is a backend name
        model_path=s.model_path, n_threads=s.llm_threads,
        n_threads_batch=s.llm_threads_batch, n_ctx=s.llm_ctx, use_mmap=s.llm_use_mmap,
        max_queue=s.llm_max_queue, remote_url=s.llm_remote_url, remote_model=s.llm_remote_model,
        idle_unload_s=s.llm_idle_unload_s, default_timeout_s=s.nl_timeout_s,
        batch_size=s.llm_batch, remote_parallel=s.llm_remote_parallel))
    worker.start()
    translator = Translator(worker, NLSettings(fast_path=s.nl_fast_path, cache_size=s.nl_cache_size,
                                               timeout_s=s.nl_timeout_s))
    app[keys.WORKER] = worker
    app[keys.TRANSLATOR] = translator
    app[keys.ANALYST] = Analyst(worker)
    app[keys.NL_JOBS] = NLJobs(translator)

    async def warm_when_ready() -> None:
        # The first player should not pay for evaluating the ~800-token
        # translation prefix (7-8 s measured): evaluate it as soon as the model is up.
        await model_settled(worker)
        translator.warm_up()

    warm_task = asyncio.get_running_loop().create_task(warm_when_ready(), name="model-warm-up")
    app[keys.METRICS].add_source("rts_model", lambda: {k: v for k, v in worker.status().items()
                                                       if k in ("pending", "processing", "completed", "failed",
                                                                "cancelled", "timeout", "loads")})
    yield
    warm_task.cancel()
    await asyncio.gather(warm_task, return_exceptions=True)
    await asyncio.get_running_loop().run_in_executor(None, worker.close)


async def gc_context(app: web.Application) -> AsyncIterator[None]:
    """Keep full garbage collections short. A full collection scans every
    tracked object, and most of them are long-lived library state (aiohttp,
    jinja2, numpy, llama_cpp): measured at 50-65 ms, one tick stalled in every
    room. Freezing what exists once the server (and later the model) is up
    takes those objects out of the scan; refcounting still frees them, and
    the game's own objects are collected as before."""

    def freeze(why: str) -> None:
        gc.collect()
        gc.freeze()
        log.info("garbage collector: %d objects frozen (%s)", gc.get_freeze_count(), why)

    async def after_model() -> None:
        await model_settled(app[keys.WORKER])
        freeze("model loaded")

    freeze("server started")
    task = asyncio.get_running_loop().create_task(after_model(), name="gc-freeze")
    yield
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    gc.unfreeze()


async def housekeeping_once(app: web.Application) -> dict[str, Any]:
    """Forget old finished requests and close rooms idle past their grace."""
    worker, translator = app[keys.WORKER], app[keys.TRANSLATOR]
    return {
        "worker_requests_removed": worker.cleanup(REQUEST_MAX_AGE_S) if worker is not None else 0,
        "translations_removed": translator.cleanup(REQUEST_MAX_AGE_S) if translator is not None else 0,
        "jobs_removed": app[keys.NL_JOBS].cleanup(REQUEST_MAX_AGE_S),
        "rooms_closed": await app[keys.ROOMS].reap(),
    }


async def housekeeping_context(app: web.Application) -> AsyncIterator[None]:
    async def loop() -> None:
        period = HOUSEKEEPING_TICKS / TICK_RATE
        while True:
            await asyncio.sleep(period)
            try:
                done = await housekeeping_once(app)
                log.debug("housekeeping: %s", done)
            except Exception:
                log.exception("housekeeping failed")

    task = asyncio.get_running_loop().create_task(loop(), name="housekeeping")
    yield
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def advisor_context(app: web.Application) -> AsyncIterator[None]:
    """The advisor service (server/advisor.py) and its periodic advice."""
    s = app[keys.SETTINGS]
    advisor = Advisor(app[keys.ANALYST], AdvisorSettings(interval_s=s.analysis_interval_s,
                                                         min_interval_s=s.analysis_min_interval_s))
    app[keys.ADVISOR] = advisor
    rooms = app[keys.ROOMS]
    task = asyncio.get_running_loop().create_task(advisor.run(lambda: rooms.rooms.values()), name="advisor")
    yield
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def close_sockets(app: web.Application) -> None:
    """On shutdown every client hears 1001 (going away) before the rooms stop."""
    started = time.monotonic()
    await app[keys.ROOMS].close_all(WSCloseCode.GOING_AWAY, "server shutting down")
    open_sockets = app[keys.SOCKETS]
    sockets = list(open_sockets)
    await asyncio.gather(*(ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutting down")
                           for ws in sockets), return_exceptions=True)
    log.info("closed %d sockets in %.2f s", len(sockets), time.monotonic() - started)
