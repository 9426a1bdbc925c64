"""What a wider batch costs: bare ``llama_decode`` of one token for 1 sequence against one token
for each of 8 sequences, and 8 user parts evaluated in one batch, after a shared prefix.

    python bench/bench_decode_rows.py                      # the embedded model
    python bench/bench_decode_rows.py --model models/qwen-real-vocab-1.5b-q4_0.gguf --threads 2

If a decode step of 8 rows costs about as much as one (a memory-bound model), batching
concurrent orders is nearly free; if it costs ~8x (compute-bound), it is not. Each row of the
output is one KV layout: unified (the worker's: one buffer, a copied prefix shares its cells)
or per-sequence, with flash attention auto / off / on. No server, no worker: llama.cpp alone.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def run(model, kv: int, unified: bool, flash: int, prefix_len: int, other_len: int, threads: int,
        rows: int = 8, user_len: int = 20) -> dict:
    import llama_cpp as lc
    from llama_cpp import _internals

    cp = lc.llama_context_default_params()
    cp.n_ctx, cp.n_batch, cp.n_ubatch, cp.n_seq_max = kv, 512, 512, rows + 2
    cp.kv_unified, cp.flash_attn_type = unified, flash
    cp.n_threads = cp.n_threads_batch = threads
    ctx = _internals.LlamaContext(model=model, params=cp, verbose=False)
    mem = lc.llama_get_memory(ctx.ctx)
    batch = lc.llama_batch_init(512, 0, 1)

    def decode(items: list[tuple[int, int, int]]) -> float:
        for i, (tok, pos, seq) in enumerate(items):
            batch.token[i], batch.pos[i], batch.n_seq_id[i] = tok, pos, 1
            batch.seq_id[i][0] = seq
            batch.logits[i] = 1 if i == len(items) - 1 else 0
        batch.n_tokens = len(items)
        t = time.perf_counter()
        if lc.llama_decode(ctx.ctx, batch) != 0:
            raise RuntimeError("llama_decode failed")
        return time.perf_counter() - t

    try:
        other = rows + 1  # another task's resident prefix (the analysis'), as in the server
        for s0 in range(0, other_len, 256):
            decode([(100 + j % 50, j, other) for j in range(s0, min(other_len, s0 + 256))])
        t_prefix = sum(decode([(200 + j % 50, j, 0) for j in range(s0, min(prefix_len, s0 + 256))])
                       for s0 in range(0, prefix_len, 256))
        for s in range(1, rows + 1):
            lc.llama_memory_seq_cp(mem, 0, s, -1, -1)
        t_users = decode([(300 + j, prefix_len + j, s) for s in range(1, rows + 1) for j in range(user_len)])
        pos = prefix_len + user_len
        one = [decode([(400, pos + k, 1)]) for k in range(10)]
        lc.llama_memory_seq_rm(mem, 1, pos, -1)
        many = [decode([(400, pos + k, s) for s in range(1, rows + 1)]) for k in range(10)]
    finally:
        lc.llama_batch_free(batch)  # the context goes with the function (its __del__ frees it)
    return {"kv_cells": kv, "kv_unified": unified, "flash_attn": {-1: "auto", 0: "off", 1: "on"}[flash],
            "prefix_ms_per_token": round(t_prefix * 1e3 / prefix_len, 2),
            f"user_parts_{rows}x{user_len}_ms": round(t_users * 1e3, 1),
            "step_1_row_ms": round(statistics.median(one) * 1e3, 1),
            f"step_{rows}_rows_ms": round(statistics.median(many) * 1e3, 1),
            "ratio": round(statistics.median(many) / statistics.median(one), 2)}


def main() -> int:
    from server.llm.settings import embedded_model_path

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--prefix", type=int, default=800, help="shared prefix tokens (the translate prompt)")
    ap.add_argument("--other", type=int, default=1500, help="another task's resident prefix tokens")
    args = ap.parse_args()
    import llama_cpp as lc
    from llama_cpp import _internals

    model = _internals.LlamaModel(path_model=args.model or embedded_model_path(),
                                  params=lc.llama_model_default_params(), verbose=False)
    for kv, unified, flash, other in ((5888, True, -1, args.other), (5888, True, 0, args.other),
                                      (5888, True, 1, args.other), (5888, True, -1, 0),
                                      (2048, True, -1, 0), (8192, False, -1, 0)):
        row = run(model, kv, unified, flash, args.prefix, other, args.threads)
        print(json.dumps({"other_prefix": other, **row}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
