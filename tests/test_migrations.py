"""The migrations describe the models: a model change without its migration fails here, checked as an
operator would check it (the test database is migrated before the first test, so an unmigrated change
would otherwise show only as some unrelated test's missing column)."""

import os
import subprocess
import sys

from khizana.testing import REPO


def test_every_model_change_has_its_migration(tmp_path):
    env = {**os.environ, "KHIZANA_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "khizana.settings"}
    result = subprocess.run(
        [sys.executable, "-m", "khizana", "makemigrations", "--check", "--dry-run"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"models changed without a migration:\n{result.stdout}{result.stderr}"
    assert "No changes detected" in result.stdout
