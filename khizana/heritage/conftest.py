"""The heritage tests read the English pages and messages: the site's default language is French, and the
apps' strings are translated."""

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
