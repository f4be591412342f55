"""Shared by every test of the project's apps."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: a rolled-back test sends no signal to forget what it cached."""
    cache.clear()
    yield
    cache.clear()
