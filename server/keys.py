"""Every piece of application state, under typed keys: views and background
tasks import these, never each other."""

from __future__ import annotations

import weakref

from aiohttp import web

from .advisor import Advisor
from .cluster import Directory
from .llm import ModelWorker
from .mcp.service import SeatService
from .metrics import Metrics
from .nl import Analyst, Translator
from .nl_jobs import NLJobs
from .room_manager import RoomManager
from .settings import Settings
from .storage.viewer import ReplayService

SETTINGS = web.AppKey("settings", Settings)
ROOMS = web.AppKey("rooms", RoomManager)
METRICS = web.AppKey("metrics", Metrics)
WORKER = web.AppKey("worker", ModelWorker)
TRANSLATOR = web.AppKey("translator", Translator)
ANALYST = web.AppKey("analyst", Analyst)
NL_JOBS = web.AppKey("nl_jobs", NLJobs)
SOCKETS: web.AppKey[weakref.WeakSet[web.WebSocketResponse]] = web.AppKey("sockets")
# Nodes, room owners and per-address counts: in memory, or in Redis in cluster mode (server/cluster).
DIRECTORY: web.AppKey[Directory] = web.AppKey("directory")
SEATS = web.AppKey("seats", SeatService)
ADVISOR = web.AppKey("advisor", Advisor)
REPLAYS = web.AppKey("replays", ReplayService)   # only when games are recorded (DATA_DIR)
