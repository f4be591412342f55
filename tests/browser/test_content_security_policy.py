"""The Content-Security-Policy in Chromium on the pages whose scripts are not ours: Django's administration
(sign-in, lists, a form with its date widgets), the API's Swagger UI, the OpenSeadragon page viewer, and the
digital item page. The browser refuses nothing they need and they work. (The public pages, the accounts and
staff pages and the readers are checked the same way by their own browser tests.)"""

from __future__ import annotations

import json

import pytest

from .conftest import watch_csp

ADMIN, ADMIN_PASSWORD = "csp-admin", "Khizana-csp-2026!"
MAKE_ADMIN = (
    "from django.contrib.auth import get_user_model; "
    f"get_user_model().objects.create_superuser({ADMIN!r}, 'csp@example.org', {ADMIN_PASSWORD!r})"
)
ADD_ITEMS = (
    "import json; from khizana.catalog.models import SourceRecord; "
    "from khizana.digital.tests.iiif_support import image_item, validator_image; "
    "from khizana.digital.tests.reader_items import DATA, add_item; "
    "record = SourceRecord.objects.filter(work__isnull=False, deleted=False).order_by('id').first(); "
    "pdf = add_item(record, (DATA / 'samplefiles_habibi.pdf').read_bytes(), 'pdf', 'h.pdf', page_count=1); "
    "images = image_item(record, [validator_image(), validator_image()]); "
    "print(json.dumps({'pdf': pdf.pk, 'images': images.pk}))"
)


@pytest.fixture(scope="module")
def items(site):
    site.khizana("shell", "-c", MAKE_ADMIN)
    done = site.khizana("shell", "-c", ADD_ITEMS)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_administration_works_under_the_policy(page_in, site, items):
    page = page_in("en")
    refused = watch_csp(page)
    page.goto(site.base_url + "/admin/login/")
    page.fill("#id_username", ADMIN)
    page.fill("#id_password", ADMIN_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(site.base_url + "/admin/")
    assert page.locator("#site-name").count() == 1
    page.goto(site.base_url + "/admin/digital/licence/add/")
    page.wait_for_load_state("load")
    # DateTimeShortcuts.js (a script of the admin's) adds the "Today" and calendar links to date fields.
    page.wait_for_selector(".datetimeshortcuts a")
    page.locator(".datetimeshortcuts a", has_text="Today").first.click()
    assert page.locator("input.vDateField").first.input_value() != ""
    page.goto(site.base_url + "/admin/digital/loan/")
    page.wait_for_load_state("load")
    page.locator("#toggle-nav-sidebar").click()  # nav_sidebar.js
    assert refused == []


def test_swagger_ui_works_under_the_policy(page_in, site):
    page = page_in("en")
    refused = watch_csp(page)
    page.goto(site.base_url + "/api/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=30000)  # the spec fetched and drawn
    assert page.locator(".swagger-ui .opblock").count() > 5
    assert refused == []


def test_the_page_viewer_and_the_item_page_work_under_the_policy(page_in, site, items):
    page = page_in("fr")
    refused = watch_csp(page)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{site.base_url}/digital/{items['pdf']}/")
    page.wait_for_load_state("load")
    assert "js" in page.locator("html").get_attribute("class").split()  # khizana-head.js ran
    page.goto(f"{site.base_url}/digital/{items['images']}/pages/")
    page.wait_for_selector("#page-viewer canvas")
    page.wait_for_function("document.getElementById('viewer-status').textContent.length > 0")
    page.click("#viewer-next")
    page.wait_for_function("document.getElementById('viewer-page').value === '2'")
    page.wait_for_timeout(500)  # the tiles of the second page
    assert errors == [] and refused == []
