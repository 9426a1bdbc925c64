"""Production-size model timings: the translator's and the analyst's real
prompts, grammars and token limits, run by the server's own ModelWorker on a
GGUF of the production architecture (make it with
bench/make_qwen_like_gguf.py; random weights: the text is garbage, the time
per token is real).

    python bench/make_qwen_like_gguf.py --out models/qwen-like-1.5b-q4_0.gguf
    python bench/bench_qwen.py --model models/qwen-like-1.5b-q4_0.gguf --threads 1:1,2:2 --n 8

For each LLM_THREADS:LLM_THREADS_BATCH configuration: model load time and
RSS, the translate prefix evaluated once (as the server primes it at
start-up), then --n model-path orders one after another (prefix kept warm:
`prefix` is `live` or `cache`), then --n analyses of a mid-game view, then
--n orders again right after analyses (a task switch: the order prefix is
restored from the per-task cache). Reports p50/p95 of the whole request,
first token, and ms per generated token, plus tokens generated: with random
weights the grammar-constrained answer often runs to max_tokens, so the
figure `order_ms_at_N_tokens` (first token + N-1 tokens at the measured rate)
gives the latency of a typical answer length.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import load1, machine, model_texts, summary, write_json  # noqa: E402

TYPICAL_ORDER_TOKENS = 30  # e.g. [{"action":"move","units":{"type":"tank"},"target":{"direction":"north"}}]


def mid_game_view() -> dict[str, Any]:
    from server.ai import Opponent
    from server.sim import Game

    game = Game(seed=3, width=64, height=48)
    bots = [Opponent(player=p, difficulty="normal", seed=p, map_info=game.map_info()) for p in (0, 1)]
    for _ in range(20 * 150):  # 2.5 minutes of game time
        for b in bots:
            for a in b.decide(game.view(b.player), game.tick) or ():
                game.apply(b.player, a)
        game.step()
    return game.view(0)


async def run_config(model: str, threads: int, threads_batch: int, n: int, max_tokens: int, use_mmap: bool,
                     skip_analyses: bool,
                     view: dict[str, Any]) -> dict[str, Any]:
    from server.llm import LLMSettings, ModelWorker
    from server.nl.analyst import TASK as ANALYSIS_TASK
    from server.nl.analyst import heuristic_analysis, summarize
    from server.nl.grammar import compact_grammar_for
    from server.nl.task_prompts import ANALYSIS_SYSTEM, TRANSLATE_SYSTEM, analysis_user, translate_user
    from server.nl.translator import TASK

    proc = psutil.Process()
    rss0 = proc.memory_info().rss
    load_start = load1()
    worker = ModelWorker(LLMSettings(model_path=model, n_threads=threads, n_threads_batch=threads_batch,
                                     use_mmap=use_mmap, n_ctx=2048))
    t0 = time.perf_counter()
    worker.start()
    while worker.state == "loading":
        await asyncio.sleep(0.05)
    load_s = time.perf_counter() - t0
    if worker.state != "ready":
        raise RuntimeError(f"model did not load: {worker.status().get('error')}")
    rss_loaded = proc.memory_info().rss
    if n <= 0:  # --n 0: load time and memory only
        mi = proc.memory_full_info()
        await worker.aclose()
        return {"threads": threads, "threads_batch": threads_batch, "use_mmap": use_mmap, "load_s": round(load_s, 2),
                "loadavg_start": load_start, "loadavg_end": load1(),
                "rss_mb": {"before": round(rss0 / 2**20), "loaded": round(rss_loaded / 2**20)},
                "uss_mb": round(mi.uss / 2**20), "shared_mb": round(getattr(mi, "shared", 0) / 2**20)}

    async def done(rid: str) -> dict[str, Any]:
        snap = await worker.wait(rid, 600)
        assert snap is not None
        return snap

    prime = await done(worker.prime(TASK, TRANSLATE_SYSTEM))
    texts = model_texts(3 * n, seed=threads * 10 + threads_batch)

    async def orders(batch: list[str]) -> list[dict[str, Any]]:
        out = []
        for text in batch:
            out.append(await done(worker.submit(TASK, TRANSLATE_SYSTEM, translate_user(text),
                                                grammar=compact_grammar_for(text), max_tokens=max_tokens, priority=0,
                                                timeout_s=600)))
        return out

    warm_orders = await orders(texts[:n])
    a_user = analysis_user(summarize(view), "en", heuristic_analysis(view, "en")) if view else ""
    a_prime = await done(worker.prime(ANALYSIS_TASK, ANALYSIS_SYSTEM))
    analyses = []
    for _ in range(0 if skip_analyses else n):
        analyses.append(await done(worker.submit(ANALYSIS_TASK, ANALYSIS_SYSTEM, a_user, max_tokens=120, priority=10, timeout_s=600)))
    switched = []
    for text in texts[n:2 * n] if not skip_analyses else []:  # each order right after an analysis: a task switch every time
        switched.append((await orders([text]))[0])
        await done(worker.submit(ANALYSIS_TASK, ANALYSIS_SYSTEM, a_user, max_tokens=8, priority=10, timeout_s=600))
    rss_end = proc.memory_info().rss
    status = worker.status()
    await worker.aclose()

    def figs(snaps: list[dict[str, Any]]) -> dict[str, Any]:
        ok = [s for s in snaps if s["status"] == "completed"]
        per_tok = [(s["timings"]["total_ms"] - s["timings"]["first_token_ms"]) / (s["tokens"] - 1)
                   for s in ok if s["tokens"] > 1 and "first_token_ms" in s["timings"]]
        first = [s["timings"].get("first_token_ms", 0.0) for s in ok]
        out = {"completed": len(ok), "of": len(snaps),
               "latency_ms": summary([s["latency_ms"] for s in ok], 0),
               "first_token_ms": summary(first, 0),
               "ms_per_token": summary(per_tok, 1),
               "tokens": summary([s["tokens"] for s in ok], 0),
               "prompt_tokens": summary([s["prompt_tokens"] for s in ok], 0),
               "prefix": sorted({s["prefix"] for s in ok}), "stop": sorted({s["stop"] for s in ok}),
               "prefix_ms": summary([s["timings"].get("prefix_ms", 0.0) for s in ok], 1)}
        if per_tok and first:
            p50_tok = sorted(per_tok)[len(per_tok) // 2]
            p50_first = sorted(first)[len(first) // 2]
            out[f"order_ms_at_{TYPICAL_ORDER_TOKENS}_tokens_p50"] = round(p50_first + (TYPICAL_ORDER_TOKENS - 1) * p50_tok)
        return out

    return {"threads": threads, "threads_batch": threads_batch, "use_mmap": use_mmap, "max_tokens": max_tokens,
            "loadavg_start": load_start, "loadavg_end": load1(), "load_s": round(load_s, 2),
            "rss_mb": {"before": round(rss0 / 2**20), "loaded": round(rss_loaded / 2**20),
                       "end": round(rss_end / 2**20)},
            "translate_prefix": {"prompt_tokens": prime["prompt_tokens"], "ms": prime["timings"].get("total_ms")},
            "analysis_prefix": {"prompt_tokens": a_prime["prompt_tokens"], "ms": a_prime["timings"].get("total_ms")},
            "orders_prefix_warm": figs(warm_orders), "analyses": figs(analyses),
            "orders_after_analysis": figs(switched),
            "worker": {k: status.get(k) for k in ("completed", "preempted", "load_ms", "n_threads", "n_threads_batch")},
            "sample_order_text": (warm_orders[0]["text"] if warm_orders else "")[:160]}


async def amain(args: argparse.Namespace) -> dict[str, Any]:
    view = mid_game_view() if args.n > 0 and not args.skip_analyses else {}
    runs = []
    for c in args.threads.split(","):
        t, tb = (int(x) for x in c.split(":"))
        r = await run_config(args.model, t, tb, args.n, args.max_tokens, bool(args.mmap), args.skip_analyses, view)
        runs.append(r)
        if "orders_prefix_warm" in r:
            print(f"threads {t}:{tb}: orders {r['orders_prefix_warm']['latency_ms']} "
                  f"tokens {r['orders_prefix_warm']['tokens']} load {r['loadavg_end']}", file=sys.stderr)
    return {"part": "qwen", "machine": machine(), "model": os.path.basename(args.model),
            "model_mb": round(os.path.getsize(args.model) / 2**20), "runs": runs}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=str(ROOT / "models" / "qwen-like-1.5b-q4_0.gguf"))
    ap.add_argument("--threads", default="1:1,2:2")
    ap.add_argument("--n", type=int, default=8, help="requests per phase; 0 = load time and memory only")
    ap.add_argument("--max-tokens", type=int, default=120, help="the translator's limit is 120")
    ap.add_argument("--mmap", type=int, default=1)
    ap.add_argument("--skip-analyses", action="store_true", help="orders only (prefix warm), no analyses")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    random.seed(0)
    write_json(args.json, asyncio.run(amain(args)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
