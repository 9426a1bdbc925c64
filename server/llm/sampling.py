"""Sampling on the batch's logits: greedy or temperature, under a grammar, plus grammar-forced tokens."""

from __future__ import annotations

import ctypes
import logging
import time
from collections import OrderedDict
from typing import Any

import numpy as np

from .backends import GrammarError
from .sequences import Sequence

log = logging.getLogger("server.llm.local")


class Sampling:
    """The sampling side of :class:`server.llm.local.LocalBackend` (a mixin: the model,
    context and buffers are set up by its ``load``). Greedy by default: the highest logit is
    tried against the grammar alone, the vocabulary is masked only when it is refused; after
    a token the grammar is asked which characters it now allows, and a forced run is
    appended without sampling."""

    grammar_mode: str
    stats: dict[str, float]
    _lc: Any
    _ctx: Any
    _model: Any
    _vocab: Any
    _n_vocab: int
    _stop_ids: set[int]
    _grammars: OrderedDict[str, Any]
    _ids: Any
    _cand: Any
    _cand_arr: Any
    _one: Any
    _one_arr: Any
    _probe: Any
    _probe_arr: Any
    _probe_ids: Any
    _probe_bytes: list[int]

    def _init_probe(self) -> None:
        """Tokens that are exactly one byte, to ask a grammar which characters may come next
        (257 candidates instead of the whole vocabulary). Off when a byte has no token."""
        lc = self._lc
        by_byte: dict[int, int] = {}
        buf = ctypes.create_string_buffer(8)
        for tok in range(self._n_vocab):
            n = lc.llama_token_to_piece(self._vocab, tok, buf, 8, 0, False)
            if n == 1 and buf.raw[0] not in by_byte:
                by_byte[buf.raw[0]] = tok
        # Every byte that can start the next character of UTF-8 text (tab, new line, printable
        # ASCII, lead bytes of 2-4 byte characters up to U+3FFFF) or continue one; grammars
        # that allow other control characters are not probed correctly (none here do).
        needed = {9, 10, 13, *range(32, 127), *range(0x80, 0xC0), *range(0xC2, 0xF1)}
        if not needed <= by_byte.keys():
            log.info("vocabulary lacks single-byte tokens: grammar-forced text is not detected")
            return
        byte_values = sorted(by_byte)
        eog = self._model.token_eos()
        ids = [by_byte[b] for b in byte_values] + [eog]
        self._probe_bytes = byte_values
        self._probe_ids = np.array(ids, dtype=np.int32)
        self._probe = np.zeros(len(ids), dtype=self._cand.dtype)
        self._probe_arr = lc.llama_token_data_array(data=self._probe.ctypes.data_as(lc.llama_token_data_p),
                                                    size=len(ids), selected=-1, sorted=False)

    # -- grammar -------------------------------------------------------------
    def grammar(self, text: str) -> Any:
        """A parsed grammar sampler for ``text`` (cached by string; callers clone it). Raises GrammarError."""
        g = self._grammars.get(text)
        if g is not None:
            self._grammars.move_to_end(text)
            return g
        lc = self._lc
        # llama.cpp returns NULL for a bad grammar; a NULL sampler would crash the process.
        g = lc.llama_sampler_init_grammar(self._vocab, text.encode("utf-8"), b"root")
        if not g:
            raise GrammarError("invalid GBNF grammar (llama.cpp refused it)")
        self._grammars[text] = g
        while len(self._grammars) > 32:
            _, old = self._grammars.popitem(last=False)
            lc.llama_sampler_free(old)
        return g

    def _free_samplers(self, s: Sequence) -> None:
        lc = self._lc
        if s.grammar is not None:
            lc.llama_sampler_free(s.grammar)
            s.grammar = None
        if s.chain is not None:
            lc.llama_sampler_free(s.chain)
            s.chain = None

    # -- sampling -------------------------------------------------------------------
    def _sample(self, s: Sequence, row: int) -> bool:
        """Pick the next token of ``s`` from its logits (row ``row`` of the last decode), then
        any tokens its grammar forces. True when the sequence is done."""
        lc = self._lc
        if s.t_first is None:
            s.t_first = time.perf_counter()
        ptr = lc.llama_get_logits_ith(self._ctx.ctx, row)
        logits = np.ctypeslib.as_array(ptr, shape=(self._n_vocab,))
        tg = time.perf_counter()
        tok = self._pick(s, logits)
        if s.params.logprobs:
            # how likely the model found the token it wrote, grammar aside (evidence for the
            # translator's confidence: a token the grammar forced on an unwilling model scores low)
            top = float(logits.max())
            s.logprobs.append(float(logits[tok]) - top - float(np.log(np.exp(logits - top).sum())))
        self.stats["sampled_tokens"] += 1
        toks, ends = [tok], False
        if s.grammar is not None and self._probe is not None and self.grammar_mode == "lazy" \
                and not self._is_stop(tok):
            toks, ends = self._with_forced(s, tok)
        done = False
        for i, t in enumerate(toks):
            if i:
                self.stats["forced_tokens"] += 1
                s.forced += 1
            done = self._append(s, t)
            if done:
                break
        if not done and ends:  # the grammar allows nothing but the end: no need to ask the model
            s.stop = "stop"
            done = True
        self.stats["grammar_s"] += time.perf_counter() - tg
        return done

    def _is_stop(self, tok: int) -> bool:
        return tok in self._stop_ids or bool(self._lc.llama_vocab_is_eog(self._vocab, tok))

    def _with_forced(self, s: Sequence, tok: int) -> tuple[list[int], bool]:
        """``tok`` plus the tokens of the text the grammar forces after it (one allowed
        character at a time, asked of a copy of the grammar), re-tokenized together with
        ``tok`` so the model reads its usual tokens. Also whether only the end may follow."""
        lc = self._lc
        g = lc.llama_sampler_clone(s.grammar)
        try:
            lc.llama_sampler_accept(g, tok)
            forced = bytearray()
            ends = False
            arr, probe, ids = self._probe_arr, self._probe, self._probe_ids
            for _ in range(64):
                probe["id"] = ids
                probe["logit"] = 0.0
                arr.size = len(ids)
                arr.selected = -1
                lc.llama_sampler_apply(g, ctypes.byref(arr))
                allowed = np.flatnonzero(probe["logit"] != -np.inf)
                if len(allowed) != 1:
                    break
                k = int(allowed[0])
                if k == len(ids) - 1:  # only the end of generation
                    ends = True
                    break
                forced.append(self._probe_bytes[k])
                lc.llama_sampler_accept(g, int(ids[k]))
        finally:
            lc.llama_sampler_free(g)
        if not forced:
            return [tok], ends
        text = self._model.token_to_piece(tok).rstrip(b"\0") + bytes(forced)
        toks = self._model.tokenize(text, add_bos=False, special=False)
        # the re-tokenized text must pass the grammar token by token (a copy, to be safe)
        g = lc.llama_sampler_clone(s.grammar)
        try:
            for t in toks:
                if not self._allowed(g, t):
                    return [tok], False
                lc.llama_sampler_accept(g, t)
        finally:
            lc.llama_sampler_free(g)
        return toks, ends

    def _allowed(self, grammar: Any, tok: int) -> bool:
        self._one[0].id = tok
        self._one[0].logit = 1.0
        self._one_arr.size = 1
        self._one_arr.selected = -1
        self._lc.llama_sampler_apply(grammar, ctypes.byref(self._one_arr))
        return bool(self._one[0].logit != float("-inf"))

    def _append(self, s: Sequence, tok: int) -> bool:
        if self._is_stop(tok):
            s.stop = "stop"
            return True
        if s.grammar is not None:
            self._lc.llama_sampler_accept(s.grammar, tok)
        if s.chain is not None:
            self._lc.llama_sampler_accept(s.chain, tok)
        s.out.append(tok)
        s.feed.append(tok)
        if len(s.out) >= s.max_tokens:
            s.stop = "length"
            return True
        return False

    def _pick(self, s: Sequence, logits: Any) -> int:
        lc = self._lc
        if s.chain is None:
            tok = int(np.argmax(logits))
            if s.grammar is None:
                return tok
            # the greedy token is usually allowed: check it alone before masking the vocabulary
            if self.grammar_mode == "lazy" and self._allowed(s.grammar, tok):
                return tok
        cand = self._cand
        cand["id"] = self._ids  # a sampler chain may have reordered them
        cand["logit"] = logits
        cand["p"] = 0.0
        arr = self._cand_arr
        arr.size = self._n_vocab
        arr.selected = -1
        arr.sorted = False
        if s.grammar is not None:
            lc.llama_sampler_apply(s.grammar, ctypes.byref(arr))
            self.stats["grammar_full_masks"] += 1
        if s.chain is None:
            return int(cand["id"][int(np.argmax(cand["logit"][: arr.size]))])
        lc.llama_sampler_apply(s.chain, ctypes.byref(arr))
        if arr.selected < 0:
            return int(cand["id"][int(np.argmax(cand["logit"][: arr.size]))])
        return int(cand["id"][arr.selected])
