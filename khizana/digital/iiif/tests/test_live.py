"""Over real HTTP (Django's live server thread): the IIIF Image API validator (PyPI ``iiif-validator``) at
level 2 on its own test image, and access refused to an anonymous client."""

from __future__ import annotations

import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest

from khizana.digital.models import DigitalItem
from khizana.digital.tests.iiif_support import image_item, make_library, make_record, validator_image

pytestmark = pytest.mark.slow

# Level 2 is the goal; the run covers level 3 too (45 tests) and every test passes but these:
# - size_noup asks ``!2000,3000`` on the 1000 x 1000 image and wants a 400. Image API 3.0, 4.2, says of
#   ``!w,h``: "the returned image must be as large as possible but not larger than the extracted region,
#   w or h", i.e. the 1000 x 1000 image, which this server returns (200); the validator then fails with its
#   own TypeError (``ValidatorError()`` without arguments). Its four other checks (no upscaling without
#   ``^``) pass.
# - format_jp2, format_pdf, format_webp (level 3) crash inside the validator (``urllib.urlopen``, Python 2)
#   before asking anything; jp2 and pdf are answered 501, webp is served (see test_views).
EXPECTED_FAILURES = {
    "size_noup": "/full/!2000,3000/0/default.jpg",
    "format_jp2": "AttributeError",
    "format_pdf": "AttributeError",
    "format_webp": "AttributeError",
}


def run_validator(base_url: str, identifier: str, level: int = 2) -> dict[str, tuple[bool, str]]:
    from iiif_validator.validator import ImageAPI, TestSuite, ValidationInfo

    parts = urlsplit(base_url)
    names = TestSuite(ValidationInfo()).list_tests("3.0")
    results = {}
    for name in sorted(names):
        if names[name]["level"] > level:
            continue
        result = ImageAPI(identifier, parts.netloc, "iiif/3", parts.scheme, "", "3.0", debug=False)
        try:
            TestSuite(ValidationInfo()).run_test(name, result)
        except Exception as error:  # the validator's own failures (e.g. an image it cannot open)
            results[name] = (False, f"{type(error).__name__}: {error} at {result.urls[-1:]}")
            continue
        failure = result.exception
        detail = f"{failure.type} got {failure.got!r} expected {failure.expected!r}" if failure else ""
        results[name] = (failure is None, f"{detail} at {result.urls[-1:]}")
    return results


@pytest.fixture
def open_item(transactional_db, settings, tmp_path):
    settings.KHIZANA_IIIF_CACHE = tmp_path / "iiif-cache"
    record = make_record(make_library("LIVE"), "V1", "Validator image")
    return image_item(record, [validator_image()])


def test_iiif_validator_levels_2_and_3(live_server, open_item):
    results = run_validator(live_server.url, f"{open_item.pk}-1", level=3)
    assert len(results) == 45, results  # every test of levels 0 to 3 for version 3.0
    failed = {name: detail for name, (passed, detail) in results.items() if not passed}
    assert set(failed) == set(EXPECTED_FAILURES), failed
    for name, sign in EXPECTED_FAILURES.items():
        assert sign in failed[name], failed[name]


def test_members_only_item_refused_to_anonymous_over_http(live_server, open_item):
    open_item.access = DigitalItem.Access.MEMBERS
    open_item.save()
    for tail in ("info.json", "full/max/0/default.jpg", "0,0,512,512/512,/0/default.jpg"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{live_server.url}/iiif/3/{open_item.pk}-1/{tail}", timeout=10)
        assert refused.value.code == 401
        assert refused.value.headers["Access-Control-Allow-Origin"] == "*"
    with pytest.raises(urllib.error.HTTPError) as refused:
        page = f"{live_server.url}/digital/{open_item.pk}/pages/"
        urllib.request.urlopen(urllib.request.Request(page, headers={"Accept-Language": "fr"}), timeout=10)
    assert refused.value.code == 401
    assert "Connectez-vous avec votre compte de bibliothèque" in refused.value.read().decode()
