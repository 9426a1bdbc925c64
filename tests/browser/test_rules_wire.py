"""One rules table, seen in the page: a server whose engine table says a power
plant costs 345 (not 300) shows 345 on the sidebar's button, because the client
reads prices from `welcome.rules` and keeps no copy (PROTOCOL.md "Rules on the wire")."""
from __future__ import annotations

import os

import pytest

from .conftest import CHROMIUM, serve_app, wait_game

pytestmark = pytest.mark.browser

CHANGED_COST = 345
# The real app, started after one entry of the engine's table was changed.
LAUNCH = f"""
import dataclasses, runpy, types
from server.sim import rules
table = dict(rules.BUILDINGS)
table["power_plant"] = dataclasses.replace(table["power_plant"], cost={CHANGED_COST})
rules.BUILDINGS = types.MappingProxyType(table)
runpy.run_path("app.py", run_name="__main__")
"""


@pytest.fixture(scope="module")
def server_url(tmp_path_factory):
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing; browser tests need Debian's chromium")
    with serve_app(tmp_path_factory, ["-c", LAUNCH], LLM_BACKEND="disabled") as url:
        yield url


def test_a_changed_cost_shows_in_the_sidebar(page):
    page.goto(page.base + "/")
    wait_game(page)
    assert page.evaluate("async () => (await fetch('/api/rules')).json()")["buildings"]["power_plant"]["cost"] \
        == CHANGED_COST
    button = page.locator('[data-build="power_plant"]')
    assert button.get_attribute("data-cost") == str(CHANGED_COST)
    assert button.locator(".bcost").text_content() == f"${CHANGED_COST}"
    assert page.errors == [], page.errors
