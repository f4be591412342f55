"""Surveys and the portal in Chromium, in French, Arabic and English: a conditional question appears only
when the earlier answer matches; axe-core finds no WCAG 2.1 A/AA violation on the portal, the answering
form, the staff page and the results with their charts; the Content-Security-Policy refuses nothing they
need. Skipped when Chromium is absent."""

import os
import shutil
from pathlib import Path

import pytest
from django.test import Client

from khizana.accounts.models import Membership
from khizana.programmes.portal import services as portal
from khizana.programmes.surveys import services
from khizana.testing import REPO, make_library, make_user

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
    survey = services.save_survey(
        admin,
        services.SurveyText(
            texts={"title_fr": "Besoins", "title_ar": "الاحتياجات", "title_en": "Needs"}, library=None,
            anonymous=True, listed=True,
        ),
    )  # fmt: skip
    texts = {
        "text_fr": "Utilisez-vous Scopus ?",
        "text_ar": "هل تستخدم سكوبس؟",
        "text_en": "Do you use Scopus?",
    }
    uses = services.add_question(
        admin, survey, services.QuestionText("single", texts, choices="Oui|نعم|Yes\nNon|لا|No")
    )
    no = str(uses.choices.get(text_fr="Non").pk)
    why = services.add_question(
        admin, survey,
        services.QuestionText("text", {"text_fr": "Pourquoi ?", "text_ar": "لماذا؟", "text_en": "Why?"},
                              conditions=[f"{uses.pk}:{no}"]),
    )  # fmt: skip
    scale = services.add_question(
        admin,
        survey,
        services.QuestionText("scale", {"text_fr": "Note", "text_ar": "تقييم", "text_en": "Rating"}),
    )
    services.set_field_question(admin, survey, uses.pk)
    services.set_status(admin, survey, "open")
    for number, (choice, mark) in enumerate([(no, "2"), (str(uses.choices.first().pk), "5")]):
        user = make_user(f"member{number}", "reader", library)
        Membership.objects.filter(user=user).update(category="researcher" if number else "teacher")
        services.answer(user, survey, {uses.key: [choice], scale.key: [mark]})
    portal.save_entry(
        admin,
        portal.EntryText(
            "news", "", {"title_fr": "Enquête ouverte", "summary_fr": "Répondez."}, "published", None
        ),
    )
    client = Client()
    client.force_login(admin)
    return {"survey": survey, "why": why, "no": no, "session": client.cookies["sessionid"].value}


def test_conditions_and_accessibility_in_three_languages(scene, live_server):
    from playwright.sync_api import sync_playwright

    survey, why = scene["survey"], scene["why"]
    answer_page = f"/network/surveys/{survey.pk}/"
    pages = [
        "/network/portal/",
        answer_page,
        f"/staff/network/surveys/{survey.pk}/",
        f"/staff/network/surveys/{survey.pk}/results/?by=category",
    ]
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
                    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
                    page.evaluate(AXE.read_text(encoding="utf-8"))
                    found = page.evaluate(AXE_RUN)
                    if found:
                        violations[f"{language} {path}"] = found
                    if path == answer_page:
                        conditional = page.locator(f"#question-{why.pk}")
                        assert conditional.is_hidden()
                        page.locator(f"#q{why.condition_question_id}-{scene['no']}").check()
                        assert conditional.is_visible()
                        page.locator(f"input[name='q{why.condition_question_id}']").first.check()
                        assert conditional.is_hidden()
                assert page.locator(f"#q{why.condition_question_id}-canvas").count() == 1  # a results chart
                context.close()
        finally:
            browser.close()
    assert refused == []
    assert violations == {}
