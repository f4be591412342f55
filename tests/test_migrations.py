"""The migrations describe the models. The test database is made from the models (--no-migrations in
pyproject.toml, which also hides the migrations from this process), so the check runs as an operator would
run it: a model change without its migration fails here, and not only in the end-to-end tests, whose
installations run `khizana migrate`."""

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
