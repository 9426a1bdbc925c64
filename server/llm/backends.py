"""Backends that turn (system, user) into text, one token at a time.

A backend is driven by exactly one thread, the worker's. It knows nothing of
queues or priorities: the worker passes a ``should_stop`` callable that the
backend calls after every token (or streamed chunk) and obeys at once.

:class:`LocalBackend` is the only code in the project that imports
``llama_cpp``, and a module-level guard makes a second live ``Llama`` in the
process impossible.
"""

from __future__ import annotations

import hashlib
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
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from .prompt import ChatTemplate, PromptParts, chatml
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


class LocalBackend:
    """llama.cpp in this process, with per-task prefix states.

    Prefix cache: after the prefix of a task (its chat-template header and
    system message) is evaluated, the KV cache of those tokens is copied out
    (``llama_state_seq_get_data``, mode "seq") and kept, keyed by task and a
    hash of the prefix tokens. A request of another task restores its own
    prefix instead of evaluating it again; a request of the task whose prefix
    is still live in the context reuses it in place. Mode "full" uses
    ``Llama.save_state()/load_state()`` instead (kept for comparison: it also
    copies a logits array of n_tokens x n_vocab floats, ~200 kB per token).
    """

    name = "local"
    CHUNK_S = 0.15  # target duration of one prompt-eval step: the worst wait for a cancel/preemption

    def __init__(self, settings: LLMSettings, prefix_cache_mode: str | None = None) -> None:
        self.settings = settings
        self.model_path = settings.resolved_model_path()
        self.prefix_cache_mode = prefix_cache_mode or settings.prefix_cache
        if self.prefix_cache_mode not in ("seq", "full", "off"):
            raise ValueError(f"unknown prefix_cache mode {self.prefix_cache_mode!r}")
        self._llm: Any = None
        self._llama_cpp: Any = None
        self._template = ChatTemplate(None)
        self._states: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._prefix_tokens: OrderedDict[str, list[int]] = OrderedDict()
        self._grammars: OrderedDict[str, Any] = OrderedDict()
        self._stop_ids: set[int] = set()
        self._chunk = 32  # prompt tokens per interruptible eval step (adapts)
        self.stats = {"prefix_live": 0, "prefix_cache": 0, "prefix_evaluated": 0, "state_bytes": 0}

    # -- lifecycle ---------------------------------------------------------
    @property
    def loaded(self) -> bool:
        return self._llm is not None

    def load(self) -> None:
        global _live_owner, _process_loads
        if self._llm is not None:
            return
        check_gguf(self.model_path)
        with _GUARD:
            if _live_owner is not None:
                raise ModelAlreadyLoaded(
                    "a llama model is already loaded in this process; refusing a second one"
                )
            _live_owner = self  # reserved before the (slow) load: two loads can never overlap
        try:
            import llama_cpp

            s = self.settings
            llm = llama_cpp.Llama(
                model_path=self.model_path,
                n_ctx=s.n_ctx,
                n_batch=min(s.n_batch, s.n_ctx),
                n_ubatch=min(s.n_batch, s.n_ctx),
                n_threads=s.n_threads,
                n_threads_batch=s.n_threads_batch,
                use_mmap=s.use_mmap,
                verbose=False,
            )
        except Exception as exc:
            with _GUARD:
                _live_owner = None
            raise ModelLoadError(f"llama.cpp could not load {self.model_path}: {exc}") from exc
        with _GUARD:
            _process_loads += 1
        self._llm = llm
        self._llama_cpp = llama_cpp
        try:
            meta = getattr(llm, "metadata", {}) or {}
            self._template = ChatTemplate(meta.get("tokenizer.chat_template"))
            self._stop_ids = {llm.token_eos()}
            for marker in (b"<|im_end|>", b"<|endoftext|>", b"<|eot_id|>"):
                toks = llm.tokenize(marker, add_bos=False, special=True)
                if len(toks) == 1:
                    self._stop_ids.add(toks[0])
        except Exception as exc:
            self.unload()  # frees the model and the process slot
            raise ModelLoadError(f"model loaded but unusable: {exc}") from exc

    def unload(self) -> None:
        global _live_owner
        llm = self._llm
        self._states.clear()
        self._prefix_tokens.clear()
        self._grammars.clear()
        if llm is None:
            return
        try:
            llm.close()
        except Exception:  # freeing must never take the worker down
            log.exception("error while freeing the model")
        finally:
            # "loaded" turns false only once the memory is freed and the slot released
            self._llm = None
            del llm
            with _GUARD:
                if _live_owner is self:
                    _live_owner = None

    def describe(self) -> dict[str, Any]:
        return {
            "model": os.path.basename(self.model_path) if self.model_path else None,
            "model_path": self.model_path,
            "chat_template": self._template.kind,
            "prefix_cache": {"mode": self.prefix_cache_mode, "entries": len(self._states), **self.stats},
            "grammars_cached": len(self._grammars),
            "eval_step_tokens": self._chunk,
        }

    # -- helpers -----------------------------------------------------------
    def grammar(self, text: str) -> Any:
        """Compiled grammar for ``text`` (cached by string). Raises GrammarError."""
        g = self._grammars.get(text)
        if g is not None:
            self._grammars.move_to_end(text)
            return g
        lc = self._llama_cpp
        # LlamaGrammar.from_string does not parse; llama.cpp returns NULL for a
        # bad grammar and a NULL sampler in a chain would crash the process.
        probe = lc.llama_sampler_init_grammar(self._llm._model.vocab, text.encode("utf-8"), b"root")
        if not probe:
            raise GrammarError("invalid GBNF grammar (llama.cpp refused it)")
        lc.llama_sampler_free(probe)
        g = lc.LlamaGrammar.from_string(text, verbose=False)
        self._grammars[text] = g
        while len(self._grammars) > 32:
            self._grammars.popitem(last=False)
        return g

    def _tokens_of_prefix(self, prefix: str) -> list[int]:
        toks = self._prefix_tokens.get(prefix)
        if toks is None:
            toks = self._llm.tokenize(prefix.encode("utf-8"), add_bos=True, special=True)
            self._prefix_tokens[prefix] = toks
            while len(self._prefix_tokens) > 4 * max(1, self.settings.prefix_cache_size):
                self._prefix_tokens.popitem(last=False)
        return toks

    def _suffix_tokens(self, parts: PromptParts, user: str) -> list[int]:
        # The user's text is tokenized with special=False so that a player
        # typing "<|im_end|>" cannot close the turn; the template tail is ours.
        assert parts.suffix.startswith(user)
        tail = parts.suffix[len(user):]
        llm = self._llm
        return llm.tokenize(user.encode("utf-8"), add_bos=False, special=False) + llm.tokenize(
            tail.encode("utf-8"), add_bos=False, special=True
        )

    def _save_prefix(self, key: tuple[str, str]) -> None:
        llm, lc = self._llm, self._llama_cpp
        if self.prefix_cache_mode == "off":
            return
        if self.prefix_cache_mode == "full":
            state: Any = llm.save_state()
            size = len(state.llama_state) + state.scores.nbytes
        else:
            size = lc.llama_state_seq_get_size(llm.ctx, 0)
            buf = (lc.ctypes.c_uint8 * size)()
            n = lc.llama_state_seq_get_data(llm.ctx, buf, size, 0)
            state = (bytes(buf)[:n], list(llm.input_ids[: llm.n_tokens]))
            size = n
        self._states[key] = state
        self.stats["state_bytes"] = size
        while len(self._states) > max(1, self.settings.prefix_cache_size):
            self._states.popitem(last=False)

    def _restore_prefix(self, key: tuple[str, str]) -> bool:
        state = self._states.get(key)
        if state is None:
            return False
        self._states.move_to_end(key)
        llm, lc = self._llm, self._llama_cpp
        if self.prefix_cache_mode == "full":
            llm.load_state(state)
            return True
        data, toks = state
        llm._ctx.kv_cache_seq_rm(-1, 0, -1)
        buf = (lc.ctypes.c_uint8 * len(data)).from_buffer_copy(data)
        if lc.llama_state_seq_set_data(llm.ctx, buf, len(data), 0) != len(data):
            llm.reset()
            llm._ctx.kv_cache_seq_rm(-1, 0, -1)
            del self._states[key]
            return False
        llm.input_ids[: len(toks)] = toks
        llm.n_tokens = len(toks)
        llm._requires_eval = True  # logits are not restored: the suffix decode refreshes them
        return True

    def _prepare_prefix(self, task: str, toks: list[int], should_stop: ShouldStop) -> tuple[str, int] | None:
        """Get the prefix tokens into the context. Returns (how, evaluated) or None if interrupted."""
        llm = self._llm
        n = len(toks)
        live = llm.n_tokens
        if live >= n and list(llm.input_ids[:n]) == toks:
            self.stats["prefix_live"] += 1
            return "live", 0
        key = (task, hashlib.blake2b(repr(toks).encode(), digest_size=8).hexdigest())
        if self._restore_prefix(key):
            self.stats["prefix_cache"] += 1
            return "cache", 0
        # Evaluate, keeping whatever leading part is already live, in small
        # steps so that a cancel or a more urgent request is heard quickly.
        common = 0
        for a, b in zip(llm.input_ids[:live], toks):
            if a != b:
                break
            common += 1
        common = min(common, n - 1)
        if common <= 0 or not llm._ctx.kv_cache_seq_rm(-1, common, -1):
            llm.reset()
            llm._ctx.kv_cache_seq_rm(-1, 0, -1)
            common = 0
        llm.n_tokens = common
        if not self._eval_chunked(toks, common, n, should_stop):
            return None
        self._save_prefix(key)
        self.stats["prefix_evaluated"] += 1
        return "evaluated", n - common

    def _feed(self, full: list[int], should_stop: ShouldStop) -> int | None:
        """Evaluate the prompt but its last token, in chunks with a stop check
        between them (a long user text, e.g. an analyst's view summary, stays
        interruptible). Returns how many tokens were evaluated, None if stopped."""
        llm = self._llm
        target = len(full) - 1
        common = 0
        for a, b in zip(llm.input_ids[: llm.n_tokens], full[:target]):
            if a != b:
                break
            common += 1
        if common < llm.n_tokens:
            if not llm._ctx.kv_cache_seq_rm(-1, common, -1):
                return 0  # cannot trim: leave it all to generate()
            llm.n_tokens = common
        if not self._eval_chunked(full, common, target, should_stop):
            return None
        return target - common

    def _eval_chunked(self, toks: list[int], start: int, end: int, should_stop: ShouldStop) -> bool:
        """Evaluate toks[start:end] with a stop check between chunks. The chunk
        size adapts so that a chunk takes about ``CHUNK_S`` on this machine now
        (a busy CPU evaluates 5x slower than an idle one). False if stopped."""
        llm = self._llm
        i = start
        while i < end:
            n = min(self._chunk, end - i)
            t = time.perf_counter()
            llm.eval(toks[i : i + n])
            dt = time.perf_counter() - t
            i += n
            if n >= 8 and dt > 0:
                self._chunk = int(min(256, max(8, n * self.CHUNK_S / dt)))
            if i < end and should_stop():
                return False
        return True

    # -- generation --------------------------------------------------------
    def generate(self, params: GenParams, should_stop: ShouldStop) -> GenResult:
        if self._llm is None:
            raise ModelLoadError("model not loaded")
        try:
            return self._generate(params, should_stop)
        except Exception:
            # The context may be half-updated: start the next request from scratch.
            try:
                self._llm.reset()
                self._llm._ctx.kv_cache_seq_rm(-1, 0, -1)
            except Exception:
                log.exception("could not reset the model context")
            raise

    def _generate(self, params: GenParams, should_stop: ShouldStop) -> GenResult:
        llm = self._llm
        t0 = time.perf_counter()
        grammar = self.grammar(params.grammar) if params.grammar else None
        parts = self._template.render(params.system, params.user)
        prefix = self._tokens_of_prefix(parts.prefix)
        suffix = self._suffix_tokens(parts, params.user)
        prompt_len = len(prefix) + len(suffix)
        room = llm.n_ctx() - prompt_len
        if room < 1:
            raise ValueError(f"prompt of {prompt_len} tokens does not fit the context of {llm.n_ctx()}")
        max_tokens = max(1, min(params.max_tokens, room))
        prepared = self._prepare_prefix(params.task, prefix, should_stop)
        t_prefix = time.perf_counter()
        if prepared is None:
            return GenResult("", "interrupted", 0, prompt_len, 0, "", {"prefix_ms": (t_prefix - t0) * 1e3})
        how, evaluated = prepared
        if params.prefix_only:
            t_end = time.perf_counter()
            timings = {"prefix_ms": (t_prefix - t0) * 1e3, "total_ms": (t_end - t0) * 1e3}
            return GenResult("", "stop", 0, len(prefix), evaluated, how, timings)
        full = prefix + suffix
        fed = self._feed(full, should_stop)
        if fed is None:
            timings = {"prefix_ms": (t_prefix - t0) * 1e3, "total_ms": (time.perf_counter() - t0) * 1e3}
            return GenResult("", "interrupted", 0, prompt_len, evaluated, how, timings)
        evaluated += fed + 1
        out: list[int] = []
        stop = "length"
        t_first = None
        temp = params.temperature
        # generate() finds all but the last prompt token in the context and
        # evaluates that one before sampling.
        gen = llm.generate(
            full, temp=temp, top_k=40, top_p=0.95, min_p=0.05, repeat_penalty=1.0, grammar=grammar
        )
        try:
            for tok in gen:
                if t_first is None:
                    t_first = time.perf_counter()
                if tok in self._stop_ids:
                    stop = "stop"
                    break
                out.append(tok)
                if len(out) >= max_tokens:
                    stop = "length"
                    break
                if should_stop():
                    stop = "interrupted"
                    break
        finally:
            gen.close()
        t_end = time.perf_counter()
        text = llm.detokenize(out).decode("utf-8", errors="ignore") if out else ""
        timings = {
            "prefix_ms": (t_prefix - t0) * 1e3,
            "first_token_ms": ((t_first or t_end) - t0) * 1e3,
            "total_ms": (t_end - t0) * 1e3,
        }
        return GenResult(text, stop, len(out), prompt_len, evaluated, how, timings)


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
        self.base = settings.remote_url.rstrip("/")
        self.base = self.base.removesuffix("/v1")
        self._ready = False
        self._closing = closing or (lambda: False)

    @property
    def loaded(self) -> bool:
        return self._ready

    def load(self) -> None:
        if not self.base:
            raise ModelLoadError("remote backend selected but remote_url is empty")
        deadline = time.monotonic() + max(0.0, self.settings.load_timeout_s)
        last: Exception | None = None
        while True:
            try:
                with urllib.request.urlopen(self.base + "/v1/models", timeout=5) as resp:
                    resp.read()
                self._ready = True
                return
            except Exception as exc:  # not up yet
                last = exc
            if time.monotonic() >= deadline or self._closing():
                raise ModelLoadError(f"remote model server {self.base} not reachable: {last}")
            time.sleep(0.25)

    def unload(self) -> None:
        self._ready = False

    def describe(self) -> dict[str, Any]:
        return {"model": self.settings.remote_model or None, "remote_url": self.base}

    def generate(self, params: GenParams, should_stop: ShouldStop) -> GenResult:
        if params.prefix_only:  # the server keeps its own prompt cache
            return GenResult("", "stop")
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
            url = self.base + "/v1/completions"
        else:
            payload["messages"] = [
                {"role": "system", "content": params.system},
                {"role": "user", "content": params.user},
            ]
            url = self.base + "/v1/chat/completions"
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
        return LocalBackend(settings)
    if settings.backend == "remote":
        return RemoteBackend(settings, closing)
    if settings.backend == "disabled":
        return DisabledBackend()
    raise ValueError(f"unknown llm backend {settings.backend!r}")
