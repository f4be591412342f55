"""The static files collect as `make run` collects them: the production storage (whitenoise's compressed
manifest) rewrites every url() and source map a CSS or JS file names, and stops at one it cannot find."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

VENDOR = Path(settings.BASE_DIR) / "khizana" / "digital" / "static" / "digital" / "vendor"


@pytest.mark.slow
@pytest.mark.skipif(not VENDOR.is_dir(), reason="the readers are not vendored (make vendor)")
def test_collectstatic_with_the_production_storage(tmp_path, settings):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    collected = {p.relative_to(settings.STATIC_ROOT).as_posix() for p in settings.STATIC_ROOT.rglob("*")}
    assert "staticfiles.json" in collected
    assert "digital/vendor/openseadragon/openseadragon.min.js" in collected
    assert "digital/vendor/pdfjs/pdf.worker.min.mjs" in collected
    assert "web/vendor/chartjs/chart.umd.min.js" in collected and "web/khizana-charts.js" in collected
