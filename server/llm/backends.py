"""Backends that turn (system, user) into text, one token at a time.

A backend is driven by exactly one thread, the worker's. It knows nothing of
queues or priorities: the worker passes a ``should_stop`` callable that the
backend calls after every token (or streamed chunk) and obeys at once.

:class:`server.llm.local.LocalBackend` is the only code in the project that
imports ``llama_cpp``, and a module-level guard here makes a second live
model in the process impossible.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import queue
import socket
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from .prompt import chatml
from .settings import LLMSettings

log = logging.getLogger(__name__)

ShouldStop = Callable[[], bool]


class ModelLoadError(RuntimeError):
    """The model could not be loaded; the message says why, for people."""


class ModelAlreadyLoaded(ModelLoadError):
    """A second model in the same process was refused."""


class GrammarError(ValueError):
    """The GBNF grammar given with a request does not parse."""


@dataclass
class GenParams:
    """One generation: what to read and how much to write."""

    task: str
    system: str
    user: str
    max_tokens: int = 128
    grammar: str | None = None
    temperature: float = 0.0
    deadline: float = float("inf")  # time.monotonic() value
    prefix_only: bool = False  # only get the task's prefix evaluated and cached (ModelWorker.prime)
    logprobs: bool = False  # also return the log-probability of each sampled token (local backend)


@dataclass
class GenResult:
    """What came out. ``stop``: "stop" (end of answer), "length" (max_tokens), "interrupted"."""

    text: str
    stop: str
    tokens: int = 0
    prompt_tokens: int = 0
    evaluated_tokens: int = 0  # prompt tokens run through the model (upper bound)
    prefix: str = ""  # how the prefix state was obtained: live, cache, evaluated, "" (n/a)
    timings: dict[str, float] = field(default_factory=dict)
    logprobs: list[float] = field(default_factory=list)  # log-probability of each sampled token (local backend)


class Backend(Protocol):
    """What the worker needs from a backend."""

    name: str

    @property
    def loaded(self) -> bool: ...

    def load(self) -> None:
        """Make the backend ready. Raises ModelLoadError with a clear message."""

    def unload(self) -> None:
        """Free the model (idempotent)."""

    def generate(self, params: GenParams, should_stop: ShouldStop) -> GenResult:
        """Generate; call should_stop() after each token and return "interrupted" when it says so."""

    def describe(self) -> dict[str, Any]:
        """Facts for the status page (model file, cache figures...)."""


@runtime_checkable
class BatchedBackend(Backend, Protocol):
    """A backend that runs several requests at once, one sequence each, stepped
    together by the worker's one thread (server.llm.local.LocalBackend)."""

    max_batch: int

    @property
    def free_slots(self) -> int:
        """Sequences that could join now."""

    def join(self, params: GenParams, priority: int = 0) -> Any:
        """Start a request as a sequence; None when there is no room now. Raises for a bad request."""

    def leave(self, seq: Any, stop: str = "interrupted") -> GenResult:
        """End a sequence now; its result (partial text for an interrupted one)."""

    def step(self) -> list[Any]:
        """One decode for every running sequence; the sequences that finished (with ``result``)."""

    def reset(self) -> None:
        """Drop every sequence and cached state after an error."""


# ---------------------------------------------------------------------------
# The process-wide guard: at most one live llama_cpp.Llama.

_GUARD = threading.Lock()
_live_owner: object | None = None
_process_loads = 0


def process_loads() -> int:
    """How many times a llama model was loaded in this process."""
    return _process_loads


def model_in_process() -> bool:
    """Whether a llama model is loaded (or being loaded) in this process now."""
    return _live_owner is not None


def reserve_process_slot(owner: object) -> None:
    """Claim the process's one model slot before a (slow) load; ModelAlreadyLoaded if taken."""
    global _live_owner
    with _GUARD:
        if _live_owner is not None and _live_owner is not owner:
            raise ModelAlreadyLoaded("a llama model is already loaded in this process; refusing a second one")
        _live_owner = owner


def count_process_load() -> None:
    global _process_loads
    with _GUARD:
        _process_loads += 1


def release_process_slot(owner: object) -> None:
    """Free the slot once the owner's model memory is released (idempotent)."""
    global _live_owner
    with _GUARD:
        if _live_owner is owner:
            _live_owner = None


def check_gguf(path: str) -> None:
    """Raise ModelLoadError with a clear message unless ``path`` looks like a GGUF file."""
    if not path:
        raise ModelLoadError("no model file configured and the embedded model package is not installed")
    if not os.path.isfile(path):
        raise ModelLoadError(f"model file not found: {path}")
    try:
        with open(path, "rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise ModelLoadError(f"model file not readable: {path}: {exc}") from exc
    if magic != b"GGUF":
        raise ModelLoadError(f"model file is not a GGUF file (bad magic {magic!r}): {path}")


# ---------------------------------------------------------------------------


class RemoteBackend:
    """An OpenAI-compatible server (llama.cpp's or llama-cpp-python's) over HTTP.

    Streams the answer (server-sent events) so that cancel, timeout and
    preemption take effect at the next chunk, like the local backend. The
    grammar goes in the ``grammar`` field that llama.cpp servers accept.
    """

    name = "remote"

    def __init__(self, settings: LLMSettings, closing: Callable[[], bool] | None = None) -> None:
        self.settings = settings
        # One server, or a pool ("http://a:8080,http://b:8080"): each request goes to the
        # server with the fewest requests in flight from this process.
        self.bases = [u.strip().rstrip("/").removesuffix("/v1") for u in settings.remote_url.split(",")
                      if u.strip()]
        self.base = self.bases[0] if self.bases else ""
        self._in_flight = dict.fromkeys(self.bases, 0)
        self._served = dict.fromkeys(self.bases, 0)
        self._pick_lock = threading.Lock()
        self._ready = False
        self._closing = closing or (lambda: False)

    @property
    def loaded(self) -> bool:
        return self._ready

    def load(self) -> None:
        if not self.base:
            raise ModelLoadError("remote backend selected but remote_url is empty")
        deadline = time.monotonic() + max(0.0, self.settings.load_timeout_s)
        for base in self.bases:  # every server of the pool must answer
            last: Exception | None = None
            while True:
                try:
                    with urllib.request.urlopen(base + "/v1/models", timeout=5) as resp:
                        resp.read()
                    break
                except Exception as exc:  # not up yet
                    last = exc
                if time.monotonic() >= deadline or self._closing():
                    raise ModelLoadError(f"remote model server {base} not reachable: {last}")
                time.sleep(0.25)
        self._ready = True

    def unload(self) -> None:
        self._ready = False

    def describe(self) -> dict[str, Any]:
        with self._pick_lock:
            return {"model": self.settings.remote_model or None, "remote_url": self.base,
                    "servers": [{"url": b, "in_flight": self._in_flight[b], "served": self._served[b]}
                                for b in self.bases]}

    def generate(self, params: GenParams, should_stop: ShouldStop) -> GenResult:
        """Thread-safe: the worker may run several at once (``remote_parallel`` lanes)."""
        if params.prefix_only:  # the server keeps its own prompt cache
            return GenResult("", "stop")
        with self._pick_lock:
            base = min(self.bases, key=lambda b: (self._in_flight[b], self._served[b]))
            self._in_flight[base] += 1
            self._served[base] += 1
        try:
            return self._generate(base, params, should_stop)
        finally:
            with self._pick_lock:
                self._in_flight[base] -= 1

    def _generate(self, base: str, params: GenParams, should_stop: ShouldStop) -> GenResult:
        t0 = time.perf_counter()
        s = self.settings
        payload: dict[str, Any] = {
            "max_tokens": params.max_tokens,
            "temperature": params.temperature,
            "stream": True,
        }
        if s.remote_model:
            payload["model"] = s.remote_model
        if params.grammar:
            payload["grammar"] = params.grammar
        if s.remote_api == "completion":
            parts = chatml(params.system, params.user)
            payload["prompt"] = parts.prefix + parts.suffix
            payload["stop"] = ["<|im_end|>"]
            url = base + "/v1/completions"
        else:
            payload["messages"] = [
                {"role": "system", "content": params.system},
                {"role": "user", "content": params.user},
            ]
            url = base + "/v1/chat/completions"
        body = json.dumps(payload).encode("utf-8")
        timeout = max(0.5, min(params.deadline - time.monotonic(), 300.0))
        pieces: list[str] = []
        stop = "length"
        chunks = 0
        t_first = None
        # A reader thread does the blocking HTTP work (llama_cpp.server sends no
        # header before the first token); this thread polls its lines and
        # should_stop(), so a cancel is heard even while the server is still
        # reading the prompt. Shutting the socket down ends the reader and
        # tells the server to stop generating.
        conn = _connection(url, timeout)
        lines: queue.Queue[bytes | BaseException | None] = queue.Queue()
        aborted = threading.Event()

        def reader() -> None:
            try:
                target = urllib.parse.urlsplit(url)
                conn.connect()
                if aborted.is_set():
                    return
                conn.request("POST", target.path + (f"?{target.query}" if target.query else ""), body=body,
                             headers={"Content-Type": "application/json", "Accept": "text/event-stream"})
                resp = conn.getresponse()
                if resp.status != 200:
                    text = resp.read(300).decode("utf-8", "replace")
                    raise RuntimeError(f"remote server answered {resp.status}: {text}")
                for raw in resp:
                    lines.put(raw)
                lines.put(None)
            except BaseException as exc:  # HTTP error, socket shut by us, timeout, reset
                lines.put(exc)

        threading.Thread(target=reader, name="llm-remote-reader", daemon=True).start()
        try:
            while True:
                try:
                    item = lines.get(timeout=0.05)
                except queue.Empty:
                    if should_stop():
                        stop = "interrupted"
                        break
                    continue
                if item is None:
                    break
                if isinstance(item, BaseException):
                    raise item
                line = item.strip()
                if not line.startswith(b"data:"):
                    continue
                data = line[5:].strip()
                if data == b"[DONE]":
                    break
                obj = json.loads(data)
                choice = (obj.get("choices") or [{}])[0]
                if "delta" in choice:
                    piece = (choice.get("delta") or {}).get("content")
                else:
                    piece = choice.get("text")
                if piece:
                    if t_first is None:
                        t_first = time.perf_counter()
                    pieces.append(piece)
                    chunks += 1
                reason = choice.get("finish_reason")
                if reason:
                    stop = "length" if reason == "length" else "stop"
                    break
                if should_stop():
                    stop = "interrupted"
                    break
        finally:
            aborted.set()
            _abort(conn)
        t_end = time.perf_counter()
        timings = {"first_token_ms": ((t_first or t_end) - t0) * 1e3, "total_ms": (t_end - t0) * 1e3}
        return GenResult("".join(pieces), stop, chunks, 0, 0, "", timings)


def _connection(url: str, timeout: float) -> http.client.HTTPConnection:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https":
        return http.client.HTTPSConnection(parts.netloc, timeout=timeout)
    return http.client.HTTPConnection(parts.netloc, timeout=timeout)


def _abort(conn: http.client.HTTPConnection) -> None:
    """Close a connection that another thread may be blocked reading."""
    sock = conn.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked reader at once
        except OSError:
            pass
    try:
        conn.close()
    except Exception:
        pass


class DisabledBackend:
    """No model: the worker fails every request at once."""

    name = "disabled"
    loaded = False

    def load(self) -> None:
        raise ModelLoadError("model backend disabled by settings")

    def unload(self) -> None:
        pass

    def generate(self, params: GenParams, should_stop: ShouldStop) -> GenResult:
        raise ModelLoadError("model backend disabled by settings")

    def describe(self) -> dict[str, Any]:
        return {"model": None}


def make_backend(settings: LLMSettings, closing: Callable[[], bool] | None = None) -> Backend:
    """The backend the settings ask for."""
    if settings.backend == "local":
        from .local import LocalBackend  # imports numpy; llama_cpp only when it loads

        return LocalBackend(settings)
    if settings.backend == "remote":
        return RemoteBackend(settings, closing)
    if settings.backend == "disabled":
        return DisabledBackend()
    raise ValueError(f"unknown llm backend {settings.backend!r}")
