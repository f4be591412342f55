"""Fixtures of the subject-suggestion tests: Annif trained once per session on the demo records."""

import pytest

from khizana.ai.tests.subjects.helpers import needs_annif, trained_annif


@pytest.fixture(scope="session")
def annif_trained(tmp_path_factory):
    """(runner, train reports): Annif trained once per session on the demo records, in a temporary dir."""
    needs_annif()
    return trained_annif(tmp_path_factory.mktemp("annif"))


@pytest.fixture
def annif_settings(settings, annif_trained):
    """Khizana's settings pointing at the session's trained Annif."""
    runner, _ = annif_trained
    settings.KHIZANA_ANNIF_BIN = runner.bin_dir
    settings.KHIZANA_ANNIF_DIR = runner.work_dir
    return runner


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    with translation.override("en"):
        yield
