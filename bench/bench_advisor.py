"""Model analyses of recorded mid-game views, checked: how often the model's version is shown,
and that no false statement reaches the player.

    python bench/bench_advisor.py --views tests/nl/advisor_views.jsonl --per-lang 20 \
        --json /tmp/advisor_eval.json

The views were recorded from computer-vs-computer games (bench/record_views.py). They are
dealt round-robin to en / fr / zh-TW (each view is analysed in one language), ``--per-lang``
of each. For each: the real model (the embedded GGUF unless --model) through the real
Analyst (facts first, checker), then the checker is run again over the text the player
would see: ``false_shown`` must be 0. The JSON keeps every model text, what was dropped and
why, and what was shown, for reading.
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
from server.nl.analyst import Analyst, heuristic_analysis
from server.nl.fact_check import check_text
from server.nl.facts import facts_of

LANGS = ("en", "fr", "zh-TW")


def deal(rows: list[dict], per_lang: int) -> list[tuple[dict, str]]:
    out: list[tuple[dict, str]] = []
    for i, row in enumerate(rows):
        lang = LANGS[i % 3]
        if sum(1 for _, lg in out if lg == lang) < per_lang:
            out.append((row, lang))
    return out


async def run(views: Path, per_lang: int, model: str, timeout_s: float, nice: int,
              phrasing: str = "choose") -> dict[str, Any]:
    rows = [json.loads(line) for line in views.read_text(encoding="utf-8").splitlines() if line.strip()]
    jobs = deal(rows, per_lang)
    worker = ModelWorker(LLMSettings(model_path=model, default_timeout_s=timeout_s, nice=nice))
    worker.start()
    while worker.state == "loading":
        await asyncio.sleep(0.1)
    if worker.state != "ready":
        return {"error": worker.state}
    analyst = Analyst(worker, timeout_s=timeout_s, phrasing=phrasing)
    results = []
    for row, lang in jobs:
        done: asyncio.Future[dict] = asyncio.get_running_loop().create_future()
        t0 = time.perf_counter()
        analyst.submit(row["id"], row["view"], lang, lambda r, d=done: d.done() or d.set_result(r))
        res = await asyncio.wait_for(done, timeout_s + 30)
        shown = res.get("text") or heuristic_analysis(row["view"], lang)
        recheck = check_text(shown, facts_of(row["view"]), lang)
        results.append({"id": row["id"], "lang": lang, "phase": row["phase"], "standing": row["standing"],
                        "status": res.get("status"), "source": res.get("source"),
                        "model_text": res.get("model_text"), "dropped": res.get("dropped"),
                        "shown": shown, "false_shown": len(recheck.dropped),
                        "false_shown_detail": recheck.dropped,
                        "heuristic": heuristic_analysis(row["view"], lang),
                        "latency_s": round(time.perf_counter() - t0, 2), "loadavg": round(os.getloadavg()[0], 2)})
        print(f"{row['id']} {lang} {res.get('status')} {res.get('source')} dropped={len(res.get('dropped') or [])} "
              f"{results[-1]['latency_s']}s", file=sys.stderr, flush=True)
    worker.close()
    by_lang = {}
    for lang in LANGS:
        mine = [r for r in results if r["lang"] == lang]
        by_lang[lang] = {"n": len(mine),
                         "model_shown": sum(1 for r in mine if r["status"] == "completed" and r["source"] == "llm"),
                         "not_completed": sum(1 for r in mine if r["status"] != "completed"),
                         "false_shown": sum(r["false_shown"] for r in mine),
                         "sentences_dropped": sum(len(r["dropped"] or []) for r in mine)}
    lat = [r["latency_s"] for r in results]
    return {"phrasing": phrasing, "n": len(results), "false_shown": sum(r["false_shown"] for r in results), "by_lang": by_lang,
            "p50_s": statistics.median(lat) if lat else None,
            "loadavg_mean": round(sum(r["loadavg"] for r in results) / max(1, len(results)), 2),
            "results": results}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--views", default=str(ROOT / "tests/nl/advisor_views.jsonl"))
    ap.add_argument("--per-lang", type=int, default=20)
    ap.add_argument("--model", default="", help="GGUF path (default: the embedded model)")
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--json", default="")
    ap.add_argument("--nice", type=int, default=10, help="niceness of the model thread (the server's is 10)")
    ap.add_argument("--phrasing", default="choose", choices=("choose", "free"),
                    help="choose: the model picks two facts word for word; free: it writes two sentences")
    args = ap.parse_args()
    out = asyncio.run(run(Path(args.views), args.per_lang, args.model, args.timeout, args.nice,
                          args.phrasing))
    print(json.dumps({k: v for k, v in out.items() if k != "results"}, ensure_ascii=False))
    if args.json:
        Path(args.json).write_text(json.dumps(out, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
