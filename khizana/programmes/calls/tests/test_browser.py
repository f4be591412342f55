"""The calls' pages in Chromium, in French, Arabic and English: axe-core finds no WCAG 2.1 A/AA violation
on the public list, a call with its published results and the administrators' page with its chart, and
the Content-Security-Policy refuses nothing they need. Skipped when Chromium is absent."""

import os
import shutil
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from khizana.programmes.calls.models import Application, Assignment, Call
from khizana.testing import REPO, make_library, make_user

from .conftest import make_call

CHROMIUM = os.environ.get("KHIZANA_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
AXE = REPO / "tests" / "browser" / "vendor" / "axe.min.js"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists() or not AXE.exists(), reason=f"no Chromium at {CHROMIUM}"),
]

AXE_RUN = """async () => {
    const result = await axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
    return result.violations.map(v => ({id: v.id, help: v.help,
        nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""


@pytest.fixture
def scene(transactional_db):
    library = make_library("RBT")
    admin = make_user("admin", "network_admin")
    librarian = make_user("librarian", "library_admin", library)
    reviewer = make_user("reviewer", "reader", library)
    call = make_call(admin, budget="50000")
    application = Application.objects.create(
        call=call, applicant=librarian, kind="libraries", library=library, title="Digitising the manuscripts",
        summary="Scanning.", theme="Heritage", requested_amount=Decimal("20000"), status="accepted",
        awarded_amount=Decimal("20000"), submitted_at=timezone.now(), decided_at=timezone.now(),
    )  # fmt: skip
    Assignment.objects.create(
        application=application, reviewer=reviewer, declared_at=timezone.now(), score=Decimal("80.0"),
        recommendation="fund", reviewed_at=timezone.now(),
    )  # fmt: skip
    Call.objects.filter(pk=call.pk).update(
        closes_at=timezone.now() - timedelta(days=1), results_published_at=timezone.now()
    )
    client = Client()
    client.force_login(admin)
    return {"call": call, "session": client.cookies["sessionid"].value}


def test_the_calls_pages_pass_axe_in_three_languages(scene, live_server):
    from playwright.sync_api import sync_playwright

    call = scene["call"]
    pages = ["/network/calls/", f"/network/calls/{call.pk}/", f"/staff/network/calls/{call.pk}/"]
    violations, refused = {}, []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            for language in ("fr", "ar", "en"):
                context = browser.new_context(locale=language)
                context.add_cookies(
                    [
                        {"name": "django_language", "value": language, "url": live_server.url},
                        {"name": "sessionid", "value": scene["session"], "url": live_server.url},
                    ]
                )
                page = context.new_page()
                page.on(
                    "console",
                    lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
                )
                for path in pages:
                    response = page.goto(live_server.url + path)
                    page.wait_for_load_state("load")
                    assert response.status == 200, path
                    if path == pages[1]:  # the published results
                        assert "Digitising the manuscripts" in page.locator("main").inner_text()
                    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
                    page.evaluate(AXE.read_text(encoding="utf-8"))
                    found = page.evaluate(AXE_RUN)
                    if found:
                        violations[f"{language} {path}"] = found
                assert page.locator("#calls-scores-canvas").count() == 1  # the staff page's chart
                context.close()
        finally:
            browser.close()
    assert refused == []
    assert violations == {}
