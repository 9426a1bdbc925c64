"""Every piece of application state, under typed keys: views and background
tasks import these, never each other."""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .settings import Settings

if TYPE_CHECKING:
    from .metrics import Metrics
    from .rooms import RoomManager
    from .web.clients import ConnectionTracker
    from .web.nl_jobs import NLJobs

SETTINGS = web.AppKey("settings", Settings)
ROOMS = web.AppKey("rooms", "RoomManager")
METRICS = web.AppKey("metrics", "Metrics")
WORKER = web.AppKey("worker", Any)  # server.llm.ModelWorker
TRANSLATOR = web.AppKey("translator", Any)  # server.nl.Translator
ANALYST = web.AppKey("analyst", Any)  # server.nl.Analyst
NL_JOBS = web.AppKey("nl_jobs", "NLJobs")
SOCKETS = web.AppKey("sockets", weakref.WeakSet)
CONNECTIONS = web.AppKey("connections", "ConnectionTracker")
