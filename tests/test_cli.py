"""The khizana command line: every sub-command explains itself."""

import subprocess
import sys

import pytest

from khizana.cli import COMMANDS, main
from tests.support import migrated_installation


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
def test_every_command_has_help(command, capsys):
    # In this process (the entry point itself is run above and below): a new one costs 2 s per command.
    with pytest.raises(SystemExit) as end:
        main([command, "--help"])
    assert end.value.code in (0, None), capsys.readouterr().err
    assert "usage: khizana" in capsys.readouterr().out


def test_import_into_an_unknown_library_says_which_exist(tmp_path):
    site = migrated_installation(tmp_path / "data")
    try:
        with pytest.raises(subprocess.CalledProcessError) as refused:
            site.khizana("import", "--library", "NOPE", "x.mrc")
        assert "no library with code 'NOPE'" in refused.value.stderr
    finally:
        site.close()


# Imported where they are used, not at every start of a command or a worker: pysaml2's configuration
# (it builds XML schemas), ocfl-py (with s3fs and aiohttp), fpdf2 and fontTools. Together they made each
# command start in 3.6 s instead of 2.
HEAVY_AT_START = ("saml2.config", "saml2.sigver", "ocfl", "s3fs", "fpdf", "fontTools.ttLib")


def test_a_command_starts_without_the_libraries_only_some_features_use(tmp_path):
    code = (
        "import sys\n"
        "from khizana.cli import main\n"
        "main(['check'])\n"  # the system checks load every app, the URLs, the views and the templates
        "from django.template.loader import get_template\n"
        "get_template('web/home.html')\n"
        f"print('loaded:', ' '.join(m for m in {HEAVY_AT_START!r} if m in sys.modules))\n"
    )
    env = {"KHIZANA_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "loaded:"
