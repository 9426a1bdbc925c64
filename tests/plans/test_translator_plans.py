"""Plans in the translate answer: the fast path's, and the model path's (fast path off: the real
ModelWorker with a scripted backend writing the compact answer a model writes)."""
from __future__ import annotations

from server.nl.translator import Translator
from tests.nl.conftest import ScriptedBackend, ready_worker


def test_the_fast_path_answer_keeps_every_action_and_adds_the_plan():
    ans = Translator(None).submit("build a power plant then a barracks")
    assert ans["status"] == "completed" and ans["source"] == "rules"
    assert [a["building_type"] for a in ans["actions"]] == ["power_plant", "barracks"]
    assert [s["actions"] for s in ans["plan"]["steps"]] == [[a] for a in ans["actions"]]
    assert "plan" not in Translator(None).submit("build a power plant")


async def test_the_model_path_makes_plans_from_the_sentence_words():
    backend = ScriptedBackend({"them": "build infantry 3; move all north",
                               "plus": "build power_plant; build barracks"})
    w = await ready_worker(backend)
    try:
        t = Translator(w, warm_up=False, fast_path=False)
        ans = await t.wait(t.submit("train 3 infantry and send them north")["request_id"], 5)
        assert ans["source"] == "llm", ans
        if ans.get("clarify") is None:  # the confidence check may ask instead; then nothing runs
            assert ans["plan"]["steps"] == [
                {"actions": [{"action": "build_unit", "unit_type": "infantry", "count": 3}]},
                {"actions": [{"action": "move", "units": {"step": 0}, "target": {"direction": "north"}}]}]
            assert ans["actions"] == [a for s in ans["plan"]["steps"] for a in s["actions"]]
        ans = await t.wait(t.submit("build a power plant plus a barracks")["request_id"], 5)
        if ans.get("clarify") is None:
            assert ans["plan"]["steps"][1] == {"actions": [{"action": "build_building", "building_type": "barracks"}],
                                               "after": {"built": "power_plant"}}
        assert len(backend.calls) == 2
    finally:
        w.close()
