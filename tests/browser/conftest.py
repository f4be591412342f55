"""Browser tests: Debian's Chromium driven by Playwright against a real gunicorn server that serves a
private installation loaded with the demo network. Skipped, with the reason, when Chromium is absent
(`make test` installs it where it can)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.support import REPO, demo_installation

CHROMIUM = os.environ.get("KHIZANA_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SCREENSHOTS = REPO / "docs" / "screenshots"
LANGUAGES = ("fr", "ar", "en")


@pytest.hookimpl(tryfirst=True)  # before -m "not browser" looks at the marks
def pytest_collection_modifyitems(items):
    missing = not Path(CHROMIUM).exists()
    reason = f"Chromium not found at {CHROMIUM}: run `make test` as root to install it"
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            if missing:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    installation = demo_installation(tmp_path_factory.mktemp("browser-site"))
    # No huey consumer runs here: uploaded files are imported during the request.
    installation.env["KHIZANA_HUEY_IMMEDIATE"] = "1"
    try:
        installation.khizana("collectstatic", "--noinput", "--verbosity", "0")  # as `make run` does
        installation.serve()
        yield installation
    finally:
        installation.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page_in(browser, site):
    """A fresh page whose language is chosen the way a reader's choice is remembered (the cookie)."""
    contexts = []

    def open_page(language: str = "fr"):
        context = browser.new_context(locale=language, viewport={"width": 1280, "height": 900})
        context.add_cookies([{"name": "django_language", "value": language, "url": site.base_url}])
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is. axe-core is evaluated by the driver, not
    added as an inline <script>: the pages' Content-Security-Policy (rightly) refuses inline scripts."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
            return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }"""
    )


def watch_csp(page) -> list[str]:
    """The Content-Security-Policy refusals on ``page`` from now on: Chromium reports each one (a blocked
    script, style, image, frame, form action...) as a console error naming the policy."""
    refusals: list[str] = []
    page.on(
        "console",
        lambda message: refusals.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return refusals
