"""The game inside an iframe, as a HuggingFace Space shows it: allowed from
huggingface.co (the page works there: welcome, states, the sidebar), refused
from any other site by the Content-Security-Policy's frame-ancestors."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import CHROMIUM, CHROMIUM_ARGS

# The test's parent page is at https://huggingface.co (served by Playwright's
# router) and the game at http://127.0.0.1: Chromium's local-network-access
# rules would block a public site from framing a loopback address at all, which
# a real Space (game at https://*.hf.space) never meets. Only that check is
# turned off; the CSP is enforced as usual.
EMBED_ARGS = [*CHROMIUM_ARGS, "--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests,"
              "PrivateNetworkAccessRespectPreflightResults"]


@pytest.fixture(scope="module")
def browser(server_url: str) -> Any:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=EMBED_ARGS)
        yield b
        b.close()


def embedding_page(browser: Any, parent_origin: str, game_url: str) -> tuple[Any, Any, list[str]]:
    """A page at `parent_origin` (served by Playwright's router, nothing leaves
    the machine) whose only content is an iframe of the game."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    page = ctx.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    html = (f'<!doctype html><title>Space</title>'
            f'<iframe id="app" src="{game_url}/" width="1200" height="760"></iframe>')
    page.route(f"{parent_origin}/**", lambda route: route.fulfill(status=200, content_type="text/html", body=html))
    page.goto(f"{parent_origin}/spaces/someone/red-alert-nl")
    return ctx, page, console


def test_the_game_works_inside_a_huggingface_iframe(browser: Any, server_url: str) -> None:
    ctx, page, console = embedding_page(browser, "https://huggingface.co", server_url)
    try:
        frame = page.frame_locator("#app")
        frame.locator("#credits").wait_for(timeout=20000)
        game = page.frames[1]
        game.wait_for_function("() => window.__game && window.__game.room && window.__game.state.tick > 0 "
                               "&& window.__game.state.units.length > 0", timeout=20000)
        assert frame.locator("#credits").inner_text().strip().isdigit()
        tick = game.evaluate("() => window.__game.state.tick")
        game.wait_for_function(f"() => window.__game.state.tick > {tick} + 10", timeout=5000)  # live states
        violations = [c for c in console if "Content Security Policy" in c or "Refused" in c]
        assert not violations, violations
    finally:
        ctx.close()


def test_another_site_cannot_frame_the_game(browser: Any, server_url: str) -> None:
    ctx, page, console = embedding_page(browser, "https://evil.example", server_url)
    try:
        page.wait_for_timeout(2500)
        game = page.frames[1] if len(page.frames) > 1 else None
        ran = game.evaluate("() => !!(window.__game && window.__game.room)") if game is not None else False
        assert not ran, "the game must not run inside a frame of another site"
        assert any("frame-ancestors" in c for c in console), console
    finally:
        ctx.close()
