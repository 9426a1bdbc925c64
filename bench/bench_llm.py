"""Benchmark of the model worker with the embedded model (SmolLM2-135M Q4_1, CPU).

Measures, for a translator-sized prefix (~400 tokens) and an analyst-sized one:
  * latency when the task's prefix is live, restored from the prefix cache,
    or re-evaluated (prefix cache off), alternating two tasks;
  * task switching cost;
  * how smooth a simulated 20 Hz game tick stays while the model generates,
    for several thread settings.

    python bench/bench_llm.py                  # everything (~1-2 min on 2 cores)
    python bench/bench_llm.py --part prefix    # prefix/task switching only
    python bench/bench_llm.py --part tick --configs 1:0,1:10,2:10   # threads:nice
    python bench/bench_llm.py --json out.json
    python bench/bench_llm.py --part accuracy --concurrency 4   # model-only accuracy on the held-out sets
    python bench/bench_llm.py --part grammar --rounds 4         # grammar vs decode time per token
    python bench/bench_llm.py --part ab --json ab.json          # run from two checkouts at once: an A/B
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from server.llm import LLMSettings, ModelWorker

ORDER_SYSTEM = (
    "You translate a player's order for a real-time strategy game into a JSON list of actions. "
    "Answer with JSON only, no prose. Each action is an object with a type field. "
    "Types: move (units, x, y), attack (units, target), build (building, x, y), train (unit, count), "
    "harvest (units), stop (units), defend (units, x, y), sell (building), repair (building), "
    "superweapon (x, y). Unit names: rifleman, rocket_soldier, engineer, light_tank, heavy_tank, "
    "artillery, harvester, mcv. Building names: construction_yard, power_plant, refinery, barracks, "
    "war_factory, ore_silo, radar, turret, tesla_coil, superweapon. "
    "Places: base, enemy_base, ore, north, south, east, west, center. "
    "Units may be given as all, idle, a type name, or a list of ids. "
) + " ".join(
    f"Example {i}: order '{o}' gives {a}."
    for i, (o, a) in enumerate(
        [
            ("build a power plant", '[{"type":"build","building":"power_plant"}]'),
            ("train 3 light tanks", '[{"type":"train","unit":"light_tank","count":3}]'),
            ("all tanks attack the enemy base",
             '[{"type":"attack","units":"light_tank","target":"enemy_base"}]'),
            ("harvesters go to the ore", '[{"type":"harvest","units":"harvester"}]'),
            ("move idle units north", '[{"type":"move","units":"idle","to":"north"}]'),
            ("sell the radar", '[{"type":"sell","building":"radar"}]'),
            ("repair the refinery", '[{"type":"repair","building":"refinery"}]'),
            ("fire the superweapon at the enemy base", '[{"type":"superweapon","target":"enemy_base"}]'),
        ],
        1,
    )
)
ANALYSIS_SYSTEM = (
    "You are an advisor in a real-time strategy game. You read a short summary of the player's "
    "situation and give two short pieces of advice, one sentence each, about economy and army. "
    "Be concrete: name unit and building types. Never invent units the player does not have. "
    "Mention power when power used exceeds power produced. Mention harvesters when credits are low."
)
ORDER_GRAMMAR = r"""
root   ::= "[" ws action (ws "," ws action)* ws "]"
action ::= "{" ws "\"type\":" ws type ws "," ws "\"unit\":" ws name ws "}"
type   ::= "\"" ("move" | "attack" | "build" | "train" | "harvest" | "stop") "\""
name   ::= "\"" [a-z_]{2,16} "\""
ws     ::= " "?
"""
ORDERS = ["build two light tanks", "attack the enemy base with all tanks", "send harvesters to the ore",
          "train 4 riflemen", "move idle units north", "stop the artillery"]
VIEWS = ["credits 350, power 40/60, 2 harvesters, 3 light tanks, enemy seen near ore with 5 riflemen",
         "credits 2200, power 80/50, 1 harvester, 0 tanks, barracks only"]


def run_one(worker: ModelWorker, **kw: Any) -> dict[str, Any]:
    done = threading.Event()
    rid = worker.submit(on_done=lambda snap: done.set(), **kw)
    done.wait(120)
    snap = worker.get(rid)
    assert snap is not None
    return snap


def start(settings: LLMSettings) -> ModelWorker:
    w = ModelWorker(settings)
    w.start()
    while w.state == "loading":
        time.sleep(0.01)
    if w.state != "ready":
        raise SystemExit(f"model not ready: {w.status()['error']}")
    return w


def order(i: int) -> dict[str, Any]:
    return {"task": "order", "system": ORDER_SYSTEM, "user": ORDERS[i % len(ORDERS)],
            "grammar": ORDER_GRAMMAR, "max_tokens": 24, "priority": 0}


def analysis(i: int) -> dict[str, Any]:
    return {"task": "analysis", "system": ANALYSIS_SYSTEM, "user": VIEWS[i % len(VIEWS)], "max_tokens": 24,
            "priority": 10}


def ms(values: list[float]) -> str:
    med = statistics.median(values)
    return f"median {med:.0f} ms (min {min(values):.0f}, max {max(values):.0f}, n={len(values)})"


def bench_prefix(threads: int, batch_threads: int, rounds: int,
                 modes: tuple[str, ...] = ("seq", "full", "off")) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for mode in modes:
        w = start(LLMSettings(n_threads=threads, n_threads_batch=batch_threads, prefix_cache=mode))
        st = w.status()
        # same task again and again: prefix live in the context
        cold = run_one(w, **order(0))
        live = [run_one(w, **order(i)) for i in range(1, rounds + 1)]
        # alternate two tasks: the prefix must be restored (seq/full) or re-evaluated (off)
        switch: list[dict[str, Any]] = []
        for i in range(rounds):
            run_one(w, **analysis(i))
            switch.append(run_one(w, **order(i)))
        res = {
            "load_ms": st["load_ms"],
            "rss_mb_after_load": st["memory"]["rss_mb"],
            "prompt_tokens_order": live[0]["prompt_tokens"],
            "cold_prefix_ms": cold["timings"]["prefix_ms"],
            "cold_first_token_ms": cold["timings"]["first_token_ms"],
            "live_first_token_ms": [s["timings"]["first_token_ms"] for s in live],
            "live_total_ms": [s["timings"]["total_ms"] for s in live],
            "switch_prefix_ms": [s["timings"]["prefix_ms"] for s in switch],
            "switch_first_token_ms": [s["timings"]["first_token_ms"] for s in switch],
            "switch_total_ms": [s["timings"]["total_ms"] for s in switch],
            "switch_how": sorted({s["prefix"] for s in switch}),
            "tokens": [s["tokens"] for s in switch],
            "state_bytes": w.status()["details"]["prefix_cache"]["state_bytes"],
            "rss_mb_end": w.status()["memory"]["rss_mb"],
        }
        w.close()
        out[mode] = res
        print(f"[prefix={mode} threads={threads}/{batch_threads}] "
              f"order prompt {res['prompt_tokens_order']} tok, "
              f"state {res['state_bytes'] / 1e6:.1f} MB, rss {res['rss_mb_end']} MB")
        print(f"   first request (cold prefix) prefix {res['cold_prefix_ms']:.0f} ms, first token "
              f"{res['cold_first_token_ms']:.0f} ms")
        print(f"   same task (live)    first token {ms(res['live_first_token_ms'])}; "
              f"total {ms(res['live_total_ms'])}")
        print(f"   after task switch   prefix {ms(res['switch_prefix_ms'])}; first token "
              f"{ms(res['switch_first_token_ms'])}; total {ms(res['switch_total_ms'])} "
              f"[{','.join(res['switch_how'])}]")
    return out


async def _tick_run(worker: ModelWorker | None, seconds: float, work_ms: float) -> dict[str, Any]:
    """A 20 Hz loop doing ``work_ms`` of Python work per tick, while the model generates non-stop."""
    period = 0.05
    loop = asyncio.get_running_loop()
    stop = loop.time() + seconds
    tokens = 0
    requests = 0

    async def feed() -> None:
        nonlocal tokens, requests
        i = 0
        while loop.time() < stop and worker is not None:
            kw = order(i) if i % 2 else analysis(i)
            snap = await worker.wait(worker.submit(**kw), 60)
            if snap:
                tokens += snap["tokens"]
                requests += 1
            i += 1

    feeder = asyncio.create_task(feed())
    late: list[float] = []
    t0 = loop.time()
    n = 0
    while loop.time() < stop:
        n += 1
        due = t0 + n * period
        await asyncio.sleep(max(0.0, due - loop.time()))
        late.append((loop.time() - due) * 1000.0)
        end = time.perf_counter() + work_ms / 1000.0
        x = 0
        while time.perf_counter() < end:
            x += 1
    await feeder
    late.sort()
    return {
        "ticks": len(late),
        "late_p50_ms": round(late[len(late) // 2], 2),
        "late_p95_ms": round(late[int(len(late) * 0.95)], 2),
        "late_max_ms": round(late[-1], 2),
        "over_25ms": sum(1 for v in late if v > 25.0),
        "model_tokens_per_s": round(tokens / seconds, 1),
        "model_requests": requests,
    }


def bench_tick(configs: list[tuple[int, int]], seconds: float, work_ms: float) -> dict[str, Any]:
    """configs: (threads, nice) pairs; n_threads_batch = n_threads."""
    out: dict[str, Any] = {"loadavg_before": os.getloadavg()}
    res = asyncio.run(_tick_run(None, seconds, work_ms))
    out["no model"] = res
    print(f"[tick, no model]        {res}")
    for t, nice in configs:
        async def go(t: int = t, nice: int = nice) -> dict[str, Any]:
            w = ModelWorker(LLMSettings(n_threads=t, n_threads_batch=t, nice=nice))
            w.start()
            while w.state == "loading":
                await asyncio.sleep(0.01)
            # both prefixes evaluated before the clock starts: measure steady state
            await w.wait(w.prime("order", ORDER_SYSTEM), 120)
            await w.wait(w.prime("analysis", ANALYSIS_SYSTEM), 120)
            try:
                return await _tick_run(w, seconds, work_ms)
            finally:
                await w.aclose()

        res = asyncio.run(go())
        out[f"threads {t} nice {nice}"] = res
        print(f"[tick, threads {t}, nice {nice}] {res}")
    out["loadavg_after"] = os.getloadavg()
    return out


def bench_accuracy(sets: list[str], concurrency: int, batch: int) -> dict[str, Any]:
    """Model-only accuracy (fast path off, refusals stay deterministic) on held-out
    order sets, scored with nl_eval.py's rule (tests/nl/conftest.py ``passes``).
    ``concurrency`` orders are in flight at once; every answer is re-checked with
    the order schema. Also reports per-order latency and tokens generated."""
    from server.nl import Translator
    from server.sim.orders import parse_action
    from tests.nl.conftest import load_cases, passes

    kw: dict[str, Any] = {"max_queue": 64}
    if batch:
        kw["batch_size"] = batch
    w = start(LLMSettings(**kw))
    out: dict[str, Any] = {"loadavg_start": os.getloadavg()[0], "concurrency": concurrency}

    async def run() -> None:
        t = Translator(w, fast_path=False, timeout_s=120)
        t.warm_up()
        for path in sets:
            cases = load_cases(Path(path))
            sem = asyncio.Semaphore(concurrency)
            results: list[tuple[bool, float, int, bool]] = []

            async def one(case: dict[str, Any], sem: asyncio.Semaphore = sem,
                          results: list[tuple[bool, float, int, bool]] = results) -> None:
                async with sem:
                    ans = t.submit(case["text"])
                    final = await t.wait(ans["request_id"], 180) or ans
                acts = final.get("actions", [])
                valid = all(parse_action(a)[0] is not None for a in acts)
                results.append((passes(case["expect"], acts), final.get("latency_ms") or 0.0,
                                final.get("source") == "llm", valid))

            t0 = time.perf_counter()
            await asyncio.gather(*(one(c) for c in cases))
            wall = time.perf_counter() - t0
            lat = sorted(r[1] for r in results if r[2])
            out[Path(path).name] = {
                "orders": len(cases), "right": sum(r[0] for r in results),
                "accuracy": round(sum(r[0] for r in results) / len(cases), 3),
                "through_model": sum(r[2] for r in results), "schema_invalid": sum(not r[3] for r in results),
                "model_latency_p50_ms": lat[len(lat) // 2] if lat else None, "wall_s": round(wall, 1)}
            print(Path(path).name, out[Path(path).name], file=sys.stderr)

    asyncio.run(run())
    out["status"] = {k: v for k, v in w.status().items() if k in ("completed", "failed", "timeout", "preempted")}
    out["loadavg_end"] = os.getloadavg()[0]
    w.close()
    return out


def bench_grammar(n: int) -> dict[str, Any]:
    """Grammar cost per token against decode cost, for the translator's real prompt:
    the old way (JSON answer, the whole vocabulary masked by the grammar at every token,
    as llama-cpp-python's generate() does), the JSON answer with the lazy check, and the
    compact answer with the lazy check and grammar-forced text. Orders one at a time."""
    from server.llm.local import LocalBackend
    from server.nl.grammar import compact_grammar_for, grammar_for
    from server.nl.task_prompts import TRANSLATE_SYSTEM, translate_user

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__))))
    from harness import model_texts

    texts = model_texts(n, seed=5)
    out: dict[str, Any] = {"loadavg_start": os.getloadavg()[0], "orders": n}
    for name, make_grammar, mode in (("json_full_mask", grammar_for, "full"), ("json_lazy", grammar_for, "lazy"),
                                     ("compact_lazy", compact_grammar_for, "lazy")):
        # nice 0: on a shared box a niced thread measures the neighbours' load, not the grammar
        settings = LLMSettings(batch_size=1, nice=0, default_timeout_s=300)
        backend = LocalBackend(settings, grammar_mode=mode)
        w = ModelWorker(settings, backend=backend)
        w.start()
        while w.state == "loading":
            time.sleep(0.01)
        run_one(w, task="translate", system=TRANSLATE_SYSTEM, user="", max_tokens=1)  # prefix, not counted
        base = dict(backend.stats)
        lat, toks = [], []
        for text in texts:
            snap = run_one(w, task="translate", system=TRANSLATE_SYSTEM, user=translate_user(text),
                           grammar=make_grammar(text), max_tokens=120)
            lat.append(snap["latency_ms"])
            toks.append(snap["tokens"])
        st = {k: backend.stats[k] - base[k] for k in base if k != "max_rows"}
        n_tok = max(1, st["sampled_tokens"] + st["forced_tokens"])
        out[name] = {
            "latency_ms_p50": statistics.median(lat), "tokens_per_answer_mean": round(sum(toks) / len(toks), 1),
            "decode_steps": int(st["steps"]), "decode_ms_per_step": round(1000 * st["decode_s"] / max(1, st["steps"]), 2),
            "grammar_ms_per_token": round(1000 * st["grammar_s"] / n_tok, 3),
            "grammar_share_of_time": round(st["grammar_s"] / max(1e-9, st["grammar_s"] + st["decode_s"]), 3),
            "sampled_tokens": int(st["sampled_tokens"]), "forced_tokens": int(st["forced_tokens"]),
            "full_vocabulary_masks": int(st["grammar_full_masks"]),
        }
        print(name, out[name], file=sys.stderr)
        w.close()
    out["loadavg_end"] = os.getloadavg()[0]
    return out


def bench_ab(model: str) -> dict[str, Any]:
    """One code tree's translator path, to run from two checkouts at the same moment (an A/B
    under the same load): prime, 8 model-path orders one after another, 2 rounds of 8 at
    once, then tests/nl/heldout3.jsonl 8 at a time (model only)."""
    from server.nl import Translator
    from tests.nl.conftest import load_cases, passes

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from harness import model_texts

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    async def run() -> dict[str, Any]:
        w = ModelWorker(LLMSettings(max_queue=64, default_timeout_s=300, **({"model_path": model} if model else {})))
        w.start()
        while w.state == "loading":
            await asyncio.sleep(0.05)
        t = Translator(w, fast_path=False, timeout_s=300)
        res: dict[str, Any] = {"root": root, "load_start": os.getloadavg()[0]}
        t0 = time.time()
        wid = t.warm_up()
        if wid:
            await w.wait(wid, 900)
        res["prime_s"] = round(time.time() - t0, 1)

        async def one(text: str) -> dict[str, Any]:
            a = t.submit(text)
            return await t.wait(a["request_id"], 900) or a

        texts = model_texts(24, seed=77)
        res["single_ms"] = sorted([(await one(x))["latency_ms"] for x in texts[:8]])
        res["burst_ms"] = [sorted(f["latency_ms"] for f in await asyncio.gather(*(one(x) for x in texts[8 + 8 * k:16 + 8 * k])))
                           for k in range(2)]
        cases = load_cases(Path(root) / "tests/nl/heldout3.jsonl")
        sem = asyncio.Semaphore(8)

        async def score(c: dict[str, Any]) -> bool:
            async with sem:
                f = await one(c["text"])
            return bool(passes(c["expect"], f["actions"]))

        oks = await asyncio.gather(*(score(c) for c in cases))
        res["heldout3"] = f"{sum(oks)}/{len(cases)}"
        res["load_end"] = os.getloadavg()[0]
        w.close()
        return res

    return asyncio.run(run())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--part", choices=["all", "prefix", "tick", "accuracy", "grammar", "ab"], default="all")
    ap.add_argument("--threads", default="1", help="prefix part: n_threads (n_threads_batch = same)")
    ap.add_argument("--configs", default="1:0,1:10,2:0,2:10",
                    help="tick part: threads:nice pairs to compare (n_threads_batch = n_threads)")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--modes", default="seq,full,off", help="prefix part: prefix_cache modes to compare")
    ap.add_argument("--seconds", type=float, default=8.0, help="duration of each tick run")
    ap.add_argument("--work-ms", type=float, default=5.0, help="simulated game work per tick")
    ap.add_argument("--sets", default="tests/nl/heldout.jsonl,tests/nl/heldout2.jsonl,tests/nl/heldout3.jsonl",
                    help="accuracy part: held-out order sets")
    ap.add_argument("--model", default="", help="ab part: GGUF file (default: the embedded model)")
    ap.add_argument("--concurrency", type=int, default=1, help="accuracy part: orders in flight at once")
    ap.add_argument("--batch", type=int, default=0, help="accuracy part: worker batch size (0: default)")
    ap.add_argument("--json", help="write the figures to this file")
    args = ap.parse_args()
    threads = [int(x) for x in args.threads.split(",") if x]
    configs = [(int(a), int(b)) for a, b in (c.split(":") for c in args.configs.split(",") if c)]
    result: dict[str, Any] = {"cpus": os.cpu_count(), "loadavg": os.getloadavg()}
    if args.part in ("all", "prefix"):
        modes = tuple(m for m in args.modes.split(",") if m)
        result["prefix"] = {f"threads {t}": bench_prefix(t, t, args.rounds, modes) for t in threads}
    if args.part in ("all", "tick"):
        result["tick"] = bench_tick(configs, args.seconds, args.work_ms)
    if args.part == "ab":
        result["ab"] = bench_ab(args.model)
    if args.part == "grammar":
        result["grammar"] = bench_grammar(args.rounds * 3)
    if args.part == "accuracy":
        result["accuracy"] = bench_accuracy([x for x in args.sets.split(",") if x], args.concurrency, args.batch)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=1)


if __name__ == "__main__":
    main()
