"""Fixtures for the browser tests: the real server in a subprocess, Debian's chromium via Playwright.

- The server is `python app.py` on a free port with LLM_BACKEND=disabled (orders in words then go
  through the rules fast path). Set BROWSER_TEST_BASE_URL to test an already running server instead.
- Screenshots of every test go to artifacts/screenshots/ (git-ignored).
"""
from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=1) as r:
            return r.status == 200
    except OSError:  # refused, reset, timeout, HTTP errors (URLError is an OSError)
        return False


@contextlib.contextmanager
def serve_app(tmp_path_factory, argv: list[str] | None = None, *, ready=None, wait_s: float = 40,
              **env_overrides: str):
    """`python app.py` (or `argv`) on a free loopback port with these environment overrides,
    until /healthz answers (and `ready(url)`, if given); stopped on exit. Fails the test with
    the server's log if it never comes up within `wait_s`."""
    port = _free_port()
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    env = dict(os.environ, PORT=str(port), HOST="127.0.0.1", **env_overrides)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, *(argv or ["app.py"])], cwd=ROOT, env=env,
                                stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + wait_s
        while not (_healthy(url) and (ready is None or ready(url))):
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                pytest.fail("server did not become ready:\n" + log_path.read_text(errors="replace")[-3000:])
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


@pytest.fixture(scope="module")
def server_url(tmp_path_factory):
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium); browser tests need Debian's chromium")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("playwright for Python is not installed")
    external = os.environ.get("BROWSER_TEST_BASE_URL")
    if external:
        yield external.rstrip("/")
        return
    with serve_app(tmp_path_factory, LLM_BACKEND=os.environ.get("LLM_BACKEND", "disabled")) as url:
        yield url


@pytest.fixture(scope="module")
def browser(server_url):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class PageErrors(list):
    pass


@pytest.fixture
def page(browser, server_url, request):
    ctx = browser.new_context(viewport={"width": 1280, "height": 720}, locale="en-US")
    pg = ctx.new_page()
    errors = PageErrors()
    def on_console(m):
        if m.type == "error" or (m.type == "warning" and "draw failed" in m.text):
            errors.append(f"console.{m.type}: {m.text}")
    pg.on("console", on_console)
    pg.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    pg.errors = errors
    pg.base = server_url
    yield pg
    SHOTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    from playwright.sync_api import Error as PlaywrightError
    with contextlib.suppress(PlaywrightError):  # a crashed page has no screenshot; the test says why
        pg.screenshot(path=str(SHOTS / f"{name}.png"))
    ctx.close()


def wait_game(pg, timeout=20000):
    """Wait until the page received its welcome and at least one full state."""
    pg.wait_for_function("() => window.__game && window.__game.room && window.__game.state.tick > 0 "
                         "&& window.__game.state.units.length > 0", timeout=timeout)

