"""Whatever a player types, the fast path and the translator never crash and only return
schema-valid actions (at most four run at once; a plan's steps hold at most 16 in all, each step
checked by the plan schema)."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.nl import NLInputError, Translator, detect_language, parse
from server.nl.lexicon import LATIN, ZH
from server.sim.orders import parse_action, parse_plan

WORDS = sorted(LATIN)[:400:3] + sorted(ZH)[::3] + ["3", "20", "99", ",", "then", "和", "!", "?", "l'", "don't"]
texts = st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(WORDS), max_size=12).map(" ".join),
    st.lists(st.sampled_from(WORDS), max_size=12).map("".join),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_parse_never_fails(text):
    res = parse(text)
    assert res.kind in ("actions", "refuse", "defer")
    if res.plan is None:
        assert len(res.actions) <= 4
    else:
        assert len(res.actions) <= 16 and parse_plan(res.plan)[1] is None, res.plan
        assert res.actions == [a for s in res.plan["steps"] for a in s["actions"]]
    assert (res.kind == "actions") == bool(res.actions)
    for act in res.actions:
        assert parse_action(act)[0] is not None, act
    assert detect_language(text) in ("en", "fr", "zh-TW")


@settings(max_examples=150, deadline=None)
@given(texts)
def test_translator_never_fails(text):
    t = Translator(None)
    try:
        ans = t.submit(text)
    except NLInputError:
        assert not text.strip() or len(text) > 500
        return
    assert ans["status"] == "completed" and isinstance(ans["actions"], list)
    assert ans["actions"] or ans.get("message")
