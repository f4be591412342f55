import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """The services' texts in English (the tests read them; pages choose their language by cookie)."""
    with translation.override("en"):
        yield
