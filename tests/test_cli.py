"""The khizana command line: every sub-command explains itself."""

import subprocess
import sys

import pytest

from khizana.cli import COMMANDS


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "khizana", *args], capture_output=True, text=True, timeout=120
    )


def test_overview_lists_the_commands():
    result = run("--help")
    assert result.returncode == 0
    for name in COMMANDS:
        assert name in result.stdout


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_help(command):
    result = run(command, "--help")
    assert result.returncode == 0, result.stderr
    assert "usage: khizana" in result.stdout


def test_import_into_an_unknown_library_says_which_exist(tmp_path):
    env = {
        "KHIZANA_DATA_DIR": str(tmp_path),
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "khizana.settings",
    }
    subprocess.run(
        [sys.executable, "-m", "khizana", "migrate"], env=env, check=True, capture_output=True, timeout=120
    )
    result = subprocess.run(
        [sys.executable, "-m", "khizana", "import", "--library", "NOPE", "x.mrc"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode != 0
    assert "no library with code 'NOPE'" in result.stderr
