"""llama.cpp in this process: continuous batching of concurrent requests.

One model, one context. Every running request is one sequence of that
context; each step feeds every sequence what it needs next (a generated
token, a chunk of its prompt, tokens its grammar forces) in **one**
``llama_decode`` call, then samples each sequence that asked for logits with
its own grammar. On a memory-bound CPU model a step for eight sequences costs
little more than a step for one, so concurrent requests share the weights'
memory traffic instead of queueing behind each other.

Task prefixes (the chat header and system message of a task) stay resident in
the KV cache as sequences of their own (ids ``0 .. prefix_slots-1``); a
request of that task starts with ``llama_memory_seq_cp`` from it, which in a
unified KV cache tags the same cells with a second sequence id: shared, not
copied, not re-evaluated.

Sampling is greedy by default: the highest raw logit is tried against the
grammar first (one-token check) and only when the grammar rejects it are all
logits masked by the grammar. After a token is accepted the grammar is asked
which tokens it now allows; when exactly one is allowed (a forced token) it
is appended without sampling and fed with the next step.

Driven by one thread (the worker's). Knows nothing of queues or priorities
beyond the order the worker gives; see :class:`server.llm.worker.ModelWorker`.
"""

from __future__ import annotations

import ctypes
import logging
import os
import threading
import time
from collections import OrderedDict
from typing import Any

import numpy as np

from .backends import (
    GenParams,
    GenResult,
    ModelAlreadyLoaded,
    ModelLoadError,
    ShouldStop,
    check_gguf,
    count_process_load,
    release_process_slot,
    reserve_process_slot,
)
from .prefix_cache import PrefixCache
from .prompt import ChatTemplate
from .sampling import Sampling
from .sequences import Prefix, Sequence
from .settings import LLMSettings

log = logging.getLogger(__name__)

__all__ = ["LocalBackend", "Sequence", "ModelAlreadyLoaded"]


class LocalBackend(Sampling, PrefixCache):
    """llama.cpp in this process, batched; see the module doc."""

    name = "local"
    CHUNK_S = 0.15  # target duration of one step that evaluates prompts: the worst wait for a cancel

    def __init__(self, settings: LLMSettings, prefix_cache_mode: str | None = None,
                 grammar_mode: str = "lazy") -> None:
        self.settings = settings
        # lazy: try the greedy token alone, mask the vocabulary only when the grammar rejects it,
        # append forced text; full: mask the whole vocabulary at every token (the way
        # llama-cpp-python's generate() does it; kept to measure the difference)
        if grammar_mode not in ("lazy", "full"):
            raise ValueError(f"unknown grammar_mode {grammar_mode!r}")
        self.grammar_mode = grammar_mode
        self.model_path = settings.resolved_model_path()
        self.prefix_cache_mode = prefix_cache_mode or settings.prefix_cache
        if self.prefix_cache_mode not in ("seq", "off"):
            raise ValueError(f"unknown prefix_cache mode {self.prefix_cache_mode!r}")
        self.max_batch = max(1, int(settings.batch_size))
        self.prefix_slots = max(1, int(settings.prefix_cache_size)) if self.prefix_cache_mode == "seq" else 0
        self._lc: Any = None
        self._model: Any = None
        self._ctx: Any = None
        self._mem: Any = None
        self._batch: Any = None
        self._batch_cap = 0
        self._vocab: Any = None
        self._n_vocab = 0
        self._template = ChatTemplate(None)
        self._stop_ids: set[int] = set()
        self._prefixes: OrderedDict[tuple[int, int], Prefix] = OrderedDict()
        self._prefix_tokens: OrderedDict[str, list[int]] = OrderedDict()
        self._grammars: OrderedDict[str, Any] = OrderedDict()  # text -> parsed llama_sampler (cloned per request)
        self._free_seqs: list[int] = []
        self._running: list[Sequence] = []
        self._order = 0
        self._chunk = 32  # prompt tokens per step (adapts to CHUNK_S)
        self._kv_size = 0
        self._ids: Any = None  # 0 .. n_vocab-1
        self._cand: Any = None  # numpy structured array over the vocabulary (llama_token_data)
        self._cand_arr: Any = None  # llama_token_data_array pointing at it
        self._one: Any = None
        self._one_arr: Any = None
        self._probe: Any = None  # llama_token_data[257]: one token per byte value + end of generation
        self._probe_arr: Any = None
        self._probe_ids: Any = None  # numpy int32 ids of the probe (one per byte value, then EOG)
        self._probe_bytes: list[int] = []
        self._lock = threading.Lock()
        self.stats: dict[str, float] = {"prefix_cache": 0, "prefix_evaluated": 0, "steps": 0, "step_rows": 0,
                                        "forced_tokens": 0, "sampled_tokens": 0, "decode_s": 0.0,
                                        "grammar_s": 0.0, "grammar_full_masks": 0, "max_rows": 0}

    # -- lifecycle ---------------------------------------------------------
    @property
    def loaded(self) -> bool:
        return self._ctx is not None

    @property
    def kv_size(self) -> int:
        return self._kv_size

    def load(self) -> None:
        if self._ctx is not None:
            return
        check_gguf(self.model_path)
        reserve_process_slot(self)
        try:
            import llama_cpp
            from llama_cpp import _internals
            from llama_cpp._utils import suppress_stdout_stderr

            s = self.settings
            mparams = llama_cpp.llama_model_default_params()
            mparams.use_mmap = s.use_mmap
            model = _internals.LlamaModel(path_model=self.model_path, params=mparams, verbose=False)
            n_seq = self.prefix_slots + self.max_batch
            # One unified KV buffer for every sequence, so a copied prefix shares
            # its cells; room for one full request plus a share for each other.
            kv = s.n_ctx + (self.max_batch - 1) * s.batch_seq_tokens + (s.n_ctx if self.prefix_slots else 0)
            kv = (kv + 255) // 256 * 256
            cparams = llama_cpp.llama_context_default_params()
            cparams.n_ctx = kv
            cparams.n_batch = min(s.n_batch, kv)
            cparams.n_ubatch = min(s.n_batch, kv)
            cparams.n_seq_max = min(n_seq, llama_cpp.llama_max_parallel_sequences())
            cparams.kv_unified = True
            cparams.n_threads = s.n_threads
            cparams.n_threads_batch = s.n_threads_batch
            cparams.no_perf = True
            with suppress_stdout_stderr(disable=False):
                ctx = _internals.LlamaContext(model=model, params=cparams, verbose=False)
        except Exception as exc:
            release_process_slot(self)
            raise ModelLoadError(f"llama.cpp could not load {self.model_path}: {exc}") from exc
        count_process_load()
        self._lc, self._model, self._ctx = llama_cpp, model, ctx
        self._mem = llama_cpp.llama_get_memory(ctx.ctx)
        self._vocab = model.vocab
        self._kv_size = llama_cpp.llama_n_ctx(ctx.ctx)
        try:
            self._n_vocab = llama_cpp.llama_vocab_n_tokens(self._vocab)
            self._template = ChatTemplate(model.metadata().get("tokenizer.chat_template"))
            self._stop_ids = {t for t in (model.token_eos(), model.token_eot()) if t >= 0}
            for marker in (b"<|im_end|>", b"<|endoftext|>", b"<|eot_id|>"):
                toks = model.tokenize(marker, add_bos=False, special=True)
                if len(toks) == 1:
                    self._stop_ids.add(toks[0])
            self._alloc_batch(max(cparams.n_batch, self.max_batch * 8))
            dt = np.dtype([("id", np.int32), ("logit", np.float32), ("p", np.float32)], align=True)
            assert dt.itemsize == ctypes.sizeof(llama_cpp.llama_token_data)
            self._ids = np.arange(self._n_vocab, dtype=np.int32)
            self._cand = np.zeros(self._n_vocab, dtype=dt)
            self._cand["id"] = self._ids
            self._cand_arr = llama_cpp.llama_token_data_array(
                data=self._cand.ctypes.data_as(llama_cpp.llama_token_data_p), size=self._n_vocab,
                selected=-1, sorted=False)
            self._one = (llama_cpp.llama_token_data * 1)()
            self._one_arr = llama_cpp.llama_token_data_array(data=self._one, size=1, selected=-1, sorted=False)
            self._init_probe()
            self._free_seqs = list(range(self.prefix_slots + self.max_batch - 1, self.prefix_slots - 1, -1))
        except Exception as exc:
            self.unload()
            raise ModelLoadError(f"model loaded but unusable: {exc}") from exc

    def _alloc_batch(self, n: int) -> None:
        lc = self._lc
        if self._batch is not None:
            lc.llama_batch_free(self._batch)
        self._batch = lc.llama_batch_init(n, 0, 1)
        self._batch_cap = n

    def unload(self) -> None:
        for s in list(self._running):
            self._free_samplers(s)
        self._running.clear()
        self._prefixes.clear()
        self._prefix_tokens.clear()
        lc = self._lc
        if lc is not None:
            for g in self._grammars.values():
                lc.llama_sampler_free(g)
        self._grammars.clear()
        if self._ctx is None and self._model is None:
            release_process_slot(self)
            return
        try:
            if self._batch is not None:
                lc.llama_batch_free(self._batch)
            if self._ctx is not None:
                self._ctx.close()
            if self._model is not None:
                self._model.close()
        except Exception:  # freeing must never take the worker down
            log.exception("error while freeing the model")
        finally:
            self._batch = None
            self._ctx = None
            self._model = None
            self._mem = None
            release_process_slot(self)

    def describe(self) -> dict[str, Any]:
        st = dict(self.stats)
        steps = max(1, int(st["steps"]))
        tokens = max(1, int(st["sampled_tokens"] + st["forced_tokens"]))
        return {
            "model": os.path.basename(self.model_path) if self.model_path else None,
            "model_path": self.model_path,
            "chat_template": self._template.kind,
            "batch_size": self.max_batch,
            "kv_cells": self._kv_size,
            "running": len(self._running),
            "prefix_cache": {"mode": self.prefix_cache_mode, "entries": len(self._prefixes),
                             "prefix_cache": int(st["prefix_cache"]), "prefix_evaluated": int(st["prefix_evaluated"])},
            "grammars_cached": len(self._grammars),
            "eval_step_tokens": self._chunk,
            "steps": int(st["steps"]),
            "rows_per_step": round(st["step_rows"] / steps, 2),
            "max_rows": int(st["max_rows"]),
            "tokens": {"sampled": int(st["sampled_tokens"]), "forced": int(st["forced_tokens"])},
            "ms_per_step": {"decode": round(1000 * st["decode_s"] / steps, 2)},
            "grammar_ms_per_token": round(1000 * st["grammar_s"] / tokens, 3),
            "grammar_full_masks": int(st["grammar_full_masks"]),
        }

    # -- joining and leaving ---------------------------------------------------
    @property
    def free_slots(self) -> int:
        return len(self._free_seqs)

    def running(self) -> list[Sequence]:
        return list(self._running)

    def join(self, params: GenParams, priority: int = 0) -> Sequence | None:
        """Start a request as a new sequence (evaluated from the next step on).

        Returns None when there is no free sequence or not enough free KV cells
        now (try again after some sequence leaves). Raises GrammarError for a
        bad grammar and ValueError for a prompt that can never fit.
        """
        if self._ctx is None:
            raise ModelLoadError("model not loaded")
        if not self._free_seqs:
            return None
        grammar = self.grammar(params.grammar) if params.grammar else None
        parts = self._template.render(params.system, params.user)
        prefix_toks = self._tokens_of_prefix(parts.prefix)
        suffix = [] if params.prefix_only else self._suffix_tokens(parts, params.user)
        prompt_len = len(prefix_toks) + len(suffix)
        room = self.settings.n_ctx - prompt_len
        if room < 1 and not params.prefix_only:
            raise ValueError(f"prompt of {prompt_len} tokens does not fit the context of {self.settings.n_ctx}")
        max_tokens = 0 if params.prefix_only else max(1, min(params.max_tokens, room))
        prefix: Prefix | None = None
        new_prefix = False
        if self.prefix_slots:
            key = (len(prefix_toks), hash(tuple(prefix_toks)))  # same tokens, same cells, whatever the task
            prefix = self._prefixes.get(key)
            if prefix is None:
                need = len(prefix_toks) + len(suffix) + max_tokens
                self._evict_prefixes(need)
                if self._kv_size - self._reserved() < need:
                    return None
                seq = self._prefix_seq()
                if seq is None:
                    return None
                prefix = Prefix(key, seq, prefix_toks)
                self._prefixes[key] = prefix
                new_prefix = True
            else:
                self._prefixes.move_to_end(key)
            own = suffix
        else:
            own = prefix_toks + suffix
        reserve = len(own) + max_tokens
        if self._kv_size - self._reserved() < reserve:
            self._evict_prefixes(reserve)
            if self._kv_size - self._reserved() < reserve:
                if new_prefix and prefix is not None:
                    del self._prefixes[prefix.key]
                return None
        seq_id = self._free_seqs.pop()
        self._order += 1
        s = Sequence(params=params, seq=seq_id, priority=priority, order=self._order, prompt=own, prefix=prefix,
                     max_tokens=max_tokens, reserved=reserve)
        s.evaluated = 0
        if prefix is not None:
            prefix.users += 1
            s.how = "cache" if prefix.ready else "evaluated"
            if prefix.ready:
                self.stats["prefix_cache"] += 1
        else:
            s.how = "evaluated"  # prefix_cache off: the whole prompt, every time
        s.n_past = len(prefix_toks) if prefix is not None else 0
        lc = self._lc
        if grammar is not None:
            s.grammar = lc.llama_sampler_clone(grammar)
        if params.temperature > 0:
            chain = lc.llama_sampler_chain_init(lc.llama_sampler_chain_default_params())
            lc.llama_sampler_chain_add(chain, lc.llama_sampler_init_top_k(40))
            lc.llama_sampler_chain_add(chain, lc.llama_sampler_init_top_p(0.95, 1))
            lc.llama_sampler_chain_add(chain, lc.llama_sampler_init_min_p(0.05, 1))
            lc.llama_sampler_chain_add(chain, lc.llama_sampler_init_temp(params.temperature))
            lc.llama_sampler_chain_add(chain, lc.llama_sampler_init_dist(int.from_bytes(os.urandom(4), "little")))
            s.chain = chain
        lc.llama_memory_seq_rm(self._mem, seq_id, -1, -1)
        self._running.append(s)
        self._attach_prefix(s)
        return s

    def leave(self, s: Sequence, stop: str = "interrupted") -> GenResult:
        """End a sequence now (cancel, timeout, preemption, or after finishing); frees its cells."""
        if s in self._running:
            self._running.remove(s)
            if self._mem is not None:
                self._lc.llama_memory_seq_rm(self._mem, s.seq, -1, -1)
            self._free_seqs.append(s.seq)
            if s.prefix is not None:
                s.prefix.users -= 1
                if not s.prefix.ready and s.prefix.users == 0 and s.prefix.key in self._prefixes:
                    # nobody waits for a half-evaluated prefix: drop it (it would be redone anyway)
                    self._lc.llama_memory_seq_rm(self._mem, s.prefix.seq, -1, -1)
                    del self._prefixes[s.prefix.key]
            self._free_samplers(s)
        if s.result is None:
            s.result = self._result(s, stop)
        return s.result

    def _result(self, s: Sequence, stop: str) -> GenResult:
        t_end = time.perf_counter()
        m = self._model
        text = m.detokenize(s.out).decode("utf-8", errors="ignore") if s.out and m is not None else ""
        timings = {"prefix_ms": ((s.t_prefix or t_end) - s.t0) * 1e3, "total_ms": (t_end - s.t0) * 1e3}
        if not s.params.prefix_only:
            timings["first_token_ms"] = ((s.t_first or t_end) - s.t0) * 1e3
        prompt_tokens = len(s.prompt) + (len(s.prefix.tokens) if s.prefix is not None else 0)
        return GenResult(text, stop, len(s.out), prompt_tokens, s.evaluated, s.how, timings,
                         logprobs=[round(x, 4) for x in s.logprobs])

    # -- one step ----------------------------------------------------------------
    def step(self) -> list[Sequence]:
        """Advance every running sequence by one ``llama_decode``; return those that finished
        (their ``result`` is set and they have left). The order of ``running()`` is the
        priority order the worker wants prompts evaluated in (most urgent first)."""
        lc = self._lc
        running = sorted(self._running, key=lambda s: (s.priority, s.order))
        finished: list[Sequence] = []
        for s in running:
            self._attach_prefix(s)
            if s.params.prefix_only and s.prefix is not None and s.prefix.ready:
                s.how = s.how or "cache"
                finished.append(s)
            elif s.params.prefix_only and s.prefix is None:  # prefix cache off: nothing to keep
                finished.append(s)
        for s in finished:
            self.leave(s, "stop")
        running = [s for s in running if s.result is None]
        if not running:
            return finished
        # Prompts share a step with the generating sequences up to ~CHUNK_S of work; a
        # prompt less urgent than a generating request gets a quarter of that, so an
        # analysis' long view does not slow the orders already answering.
        gen_priority = min((s.priority for s in running if s.generating), default=None)
        budget = self._chunk
        rows: list[tuple[int, int, int, bool]] = []  # token, pos, seq, logits
        outputs: list[tuple[Sequence, int]] = []  # sequence, row index of its logits
        evaluating: list[tuple[Any, int]] = []  # (prefix or sequence, tokens added)
        # generated and forced tokens first: they keep answers flowing
        for s in running:
            if s.generating and s.feed:
                for j, tok in enumerate(s.feed):
                    rows.append((tok, s.n_past + j, s.seq, j == len(s.feed) - 1))
                outputs.append((s, len(rows) - 1))
                s.n_past += len(s.feed)
                s.feed = []
        # then prompts, most urgent first, within the step's token budget
        for s in running:
            if budget <= 0 or len(rows) >= self._batch_cap:
                break
            if gen_priority is not None and s.priority > gen_priority:
                budget = min(budget, max(8, self._chunk // 4))
            p = s.prefix
            if p is not None and not p.ready:
                if any(e[0] is p for e in evaluating):
                    continue
                n = min(budget, len(p.tokens) - p.done, self._batch_cap - len(rows))
                for j in range(n):
                    rows.append((p.tokens[p.done + j], p.done + j, p.seq, False))
                evaluating.append((p, n))
                budget -= n
                continue
            if s.fed < len(s.prompt):
                n = min(budget, len(s.prompt) - s.fed, self._batch_cap - len(rows))
                for j in range(n):
                    last = s.fed + j == len(s.prompt) - 1
                    rows.append((s.prompt[s.fed + j], s.n_past + j, s.seq, last))
                    if last:
                        outputs.append((s, len(rows) - 1))
                evaluating.append((s, n))
                s.n_past += n
                budget -= n
        if not rows:
            return finished
        b = self._batch
        for i, (tok, pos, seq, want) in enumerate(rows):
            b.token[i] = tok
            b.pos[i] = pos
            b.n_seq_id[i] = 1
            b.seq_id[i][0] = seq
            b.logits[i] = 1 if want else 0
        b.n_tokens = len(rows)
        t = time.perf_counter()
        rc = lc.llama_decode(self._ctx.ctx, b)
        dt = time.perf_counter() - t
        if rc != 0:
            raise RuntimeError(f"llama_decode returned {rc}")
        self.stats["steps"] += 1
        self.stats["step_rows"] += len(rows)
        self.stats["max_rows"] = max(self.stats["max_rows"], len(rows))
        self.stats["decode_s"] += dt
        n_prompt = sum(n for _, n in evaluating)
        if n_prompt >= 8 and dt > 0:
            self._chunk = int(min(self.settings.n_batch, max(8, n_prompt * self.CHUNK_S / dt)))
        for e, n in evaluating:
            if isinstance(e, Prefix):
                e.done += n
                if e.ready:
                    self.stats["prefix_evaluated"] += 1
            else:
                e.fed += n
                e.evaluated += n
        for s, row in outputs:
            if s.t_prefix is None:
                s.t_prefix = time.perf_counter()
            if self._sample(s, row):
                finished.append(s)
        for s in finished:
            if s.result is None:
                self.leave(s, s.stop or "stop")
        return finished

    # -- one request alone (warm-up, and the Backend protocol) ---------------------
    def generate(self, params: GenParams, should_stop: ShouldStop) -> GenResult:
        if self._ctx is None:
            raise ModelLoadError("model not loaded")
        s = self.join(params)
        if s is None:
            raise RuntimeError("no free sequence for the request")
        try:
            while s.result is None:
                self.step()
                if s.result is None and should_stop():
                    return self.leave(s, "interrupted")
            return s.result
        except Exception:
            self.reset()
            raise

    def reset(self) -> None:
        """After a failed decode the context may be half-updated: drop every sequence and prefix."""
        for s in list(self._running):
            self.leave(s, "interrupted")
        if self._mem is not None:
            self._lc.llama_memory_clear(self._mem, True)
        self._prefixes.clear()
