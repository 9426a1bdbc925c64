"""Accuracy of the fast path on the shared DEV set and on our own held-out phrasings.

These are measures, not targets: the rules are written for the kinds of orders,
never for the sentences of any set (heldout.jsonl, heldout2.jsonl and heldout3.jsonl were each
written at one point of development and scored once before any change made
after reading their failures; see docs/NL.md for those first numbers).
Scored with the rule of shared/tools/nl_eval.py; the language is not given.
"""
import pytest

from server.nl import detect_language, parse
from server.sim.orders import parse_action

from .conftest import DEV_SET, HELDOUT_SET, HERE, load_cases, passes


def _score(cases):
    ok, lang_ok, fails = 0, 0, []
    for case in cases:
        res = parse(case["text"])
        for act in res.actions:
            assert parse_action(act)[0] is not None, act
        good = passes(case["expect"], res.actions)
        ok += good
        lang_ok += detect_language(case["text"]) == case["lang"]
        if not good:
            fails.append((case["text"], res.actions))
    return ok / len(cases), lang_ok / len(cases), fails


def test_dev_set():
    if not DEV_SET.is_file():
        pytest.skip(f"{DEV_SET} absent")
    acc, lang_acc, fails = _score(load_cases(DEV_SET))
    print(f"\ndev set: accuracy {acc:.3f}, language {lang_acc:.3f}, failures {fails}")
    assert acc >= 0.95, fails
    assert lang_acc >= 0.95


@pytest.mark.parametrize("path", [HELDOUT_SET, HERE / "heldout2.jsonl", HERE / "heldout3.jsonl",
                                  HERE / "calibration.jsonl", HERE / "heldout_ask.jsonl", HERE / "tuning.jsonl",
                                  HERE / "heldout_ask2.jsonl", HERE / "heldout_ask3.jsonl"],
                         ids=["heldout", "heldout2", "heldout3", "calibration", "heldout_ask", "tuning",
                              "heldout_ask2", "heldout_ask3"])
def test_heldout_set(path):
    cases = load_cases(path)
    assert len(cases) >= 30
    acc, lang_acc, fails = _score(cases)
    print(f"\nheld-out: accuracy {acc:.3f}, language {lang_acc:.3f}, failures {fails}")
    assert acc >= 0.9, fails
    assert lang_acc >= 0.95
