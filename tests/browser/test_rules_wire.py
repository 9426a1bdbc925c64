"""One rules table, seen in the page: a server whose engine table says a power
plant costs 345 (not 300) shows 345 on the sidebar's button, because the client
reads prices from `welcome.rules` and keeps no copy (PROTOCOL.md "Rules on the wire")."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from .conftest import CHROMIUM, ROOT, _free_port, _healthy, wait_game

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
    port = _free_port()
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    env = dict(os.environ, PORT=str(port), HOST="127.0.0.1", LLM_BACKEND="disabled")
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-c", LAUNCH], cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 40
        while not _healthy(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                pytest.fail("server did not become healthy:\n" + log_path.read_text(errors="replace")[-3000:])
            time.sleep(0.2)
        try:
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_a_changed_cost_shows_in_the_sidebar(page):
    page.goto(page.base + "/")
    wait_game(page)
    assert page.evaluate("async () => (await fetch('/api/rules')).json()")["buildings"]["power_plant"]["cost"] \
        == CHANGED_COST
    button = page.locator('[data-build="power_plant"]')
    assert button.get_attribute("data-cost") == str(CHANGED_COST)
    assert button.locator(".bcost").text_content() == f"${CHANGED_COST}"
    assert page.errors == [], page.errors
