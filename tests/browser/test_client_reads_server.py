"""The client keeps no copy of the game's rules: the sidebar and the clock come from the server's
table (PROTOCOL.md "Rules on the wire"), and the advisor speaks when the server says something."""
from __future__ import annotations

import pytest

from .conftest import wait_game

pytestmark = pytest.mark.browser

SIDEBAR = """() => Object.fromEntries([...document.querySelectorAll('[data-build]')].map(b => [b.dataset.build, {
    kind: b.dataset.kind, cost: Number(b.dataset.cost), shown: b.querySelector('.bcost').textContent,
    spanCost: Number(b.querySelector('.bcost').dataset.cost), reason: b.querySelector('.breason').textContent}]))"""


def test_sidebar_prices_and_prerequisites_are_the_servers_table(page):
    page.goto(page.base + "/")
    wait_game(page)
    rules = page.evaluate("async () => (await fetch('/api/rules')).json()")
    sidebar = page.evaluate(SIDEBAR)
    expected = {name: ("building", b["cost"]) for name, b in rules["buildings"].items() if b["buildable"]}
    expected |= {name: ("unit", u["cost"]) for name, u in rules["units"].items()}
    assert {name: (s["kind"], s["cost"]) for name, s in sidebar.items()} == expected
    for name, s in sidebar.items():
        assert s["spanCost"] == s["cost"] and s["shown"] == f"${s['cost']}", (name, s)
    # At the start only the HQ stands: what a unit needs is named as the table says it.
    names = page.evaluate("async () => { const { t } = await import('/static/i18n/index.js');"
                          " return Object.fromEntries(['barracks', 'war_factory'].map(k => [k, t(k)])); }")
    for unit, rule in rules["units"].items():
        for need in rule["requires"]:
            assert names[need] in sidebar[unit]["reason"], (unit, sidebar[unit]["reason"])
    assert page.evaluate("() => window.__game.tickRate") == rules["tick_rate"]
    assert page.errors == [], page.errors


def test_advisor_asks_only_when_the_player_clicks(page):
    # record what the page sends on its sockets
    page.add_init_script("""(() => { window.__sent = []; const send = WebSocket.prototype.send;
        WebSocket.prototype.send = function (d) { try { window.__sent.push(JSON.parse(d).type); } catch (e) {}
                                                  return send.call(this, d); }; })()""")
    page.goto(page.base + "/")
    wait_game(page)
    # the old page asked by itself 4 s after loading and every 30 s; now the server decides when to advise
    page.wait_for_timeout(5000)
    assert "analysis" not in page.evaluate("() => window.__sent")
    page.click("#advisor-btn")
    page.wait_for_function("() => window.__sent.filter(t => t === 'analysis').length === 1", timeout=3000)
    page.wait_for_function("() => document.querySelector('#advisor-source').dataset.source", timeout=10000)
    assert page.locator("#advisor-text").inner_text().strip() not in ("", "No advice yet.")
    assert page.errors == [], page.errors
