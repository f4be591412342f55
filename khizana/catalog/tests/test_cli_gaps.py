"""Command-line gaps of issue 14, run as an operator runs the commands (subprocesses of `khizana` on a
private data directory): `--help` writes nothing into the data directory, every command documents its
exit codes (and they are the ones it gives), `khizana import` always names its import run, and
`khizana demo --network` names what is wrong in a network description and writes nothing."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from khizana.testing import DEMO, REPO
from tests.support import migrated_installation

from .reject_files import file_with_rejects

ENTRY_POINT = Path(sys.executable).with_name("khizana")  # .venv/bin/khizana
# The commands issue 14 lists, with a command line each that is wrong usage.
COMMANDS = {
    "import": ["import", "--library"],
    "search": ["search", "--page-size", "0"],
    "library": ["library", "remove", "X"],
    "libraries": ["libraries", "--all"],
    "demo": ["demo", "--admin"],
    "cluster": ["cluster", "--everything"],
    "members": ["members", "load"],
}


def khizana(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    command = [str(ENTRY_POINT)] if ENTRY_POINT.exists() else [sys.executable, "-m", "khizana"]
    return subprocess.run([*command, *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=600)


@pytest.fixture
def site(tmp_path):
    installation = migrated_installation(tmp_path / "data")
    yield installation
    installation.close()


# ---- --help writes nothing


def test_help_writes_nothing_into_an_empty_data_directory(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    env = {name: value for name, value in os.environ.items() if name not in {"SECRET_KEY", "REDIS_URL"}}
    env.update({"KHIZANA_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "khizana.settings"})
    for args in (["--help"], ["import", "--help"], ["library", "add", "--help"], ["search", "--help"]):
        result = khizana(env, *args)
        assert result.returncode == 0, result.stderr
        assert "usage: khizana" in result.stdout
        assert sorted(p.name for p in data_dir.rglob("*")) == [], args


def test_the_installation_key_and_the_job_queue_are_made_when_first_used(tmp_path):
    data_dir = tmp_path / "data"
    env = {name: value for name, value in os.environ.items() if name not in {"SECRET_KEY", "REDIS_URL"}}
    env.update({"KHIZANA_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "khizana.settings"})
    script = (
        "import django; django.setup()\n"
        "from django.core.signing import Signer\n"
        "from huey.contrib.djhuey import HUEY\n"
        "HUEY.storage.enqueue(b'job', 0)\n"
        "print(Signer().sign('x'))\n"
    )
    signed = [
        subprocess.run(
            [sys.executable, "-c", script], env=env, cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
        for _ in range(2)
    ]
    assert signed[0] == signed[1]  # the same key the second time: kept in the data directory
    assert sorted(p.name for p in data_dir.iterdir()) == ["huey.sqlite3", "secret_key"]
    assert (data_dir / "secret_key").stat().st_mode & 0o777 == 0o600


# ---- exit codes


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_help_documents_the_exit_codes(command):
    result = subprocess.run(
        [sys.executable, "-m", "khizana", command, "--help"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    epilog = " ".join(result.stdout.split("Exit codes:", 1)[1].split())
    assert epilog.startswith("0 ")
    assert "2 wrong usage" in epilog


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_wrong_usage_exits_with_2(site, command):
    result = khizana(site.env, *COMMANDS[command])
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr


def test_a_member_file_of_an_unknown_library_exits_with_1(site, tmp_path):
    members = tmp_path / "members.csv"
    members.write_text("card,name\n1,X\n")
    result = khizana(site.env, "members", "load", "NOPE", str(members))
    assert result.returncode == 1
    assert "NOPE: no library has this code" in result.stderr


# ---- import names its run


def run_numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"import run (\d+)", text)]


def test_import_always_names_its_run(site, tmp_path):
    added = khizana(site.env, "library", "add", "TST", "--name", "T", "--city", "Rabat", "--country", "MA")
    assert added.returncode == 0, added.stderr
    source = DEMO / "records" / "IMIST" / "medialab_cotes8.mrc"
    rejects = file_with_rejects(tmp_path / "rejects.mrc", every=10, sources=[source])

    first = khizana(site.env, "import", "--library", "TST", "--no-progress", str(rejects))
    assert first.returncode == 0, first.stderr
    [run] = run_numbers(first.stdout)
    assert f"rejects.mrc [unimarc iso2709]: import run {run}: read " in first.stdout
    assert f"rejected record(s): khizana import-report {run}" in first.stdout

    again = khizana(site.env, "import", "--library", "TST", "--no-progress", str(source))
    assert again.returncode == 0, again.stderr
    assert run_numbers(again.stdout) == [run + 1]
    assert "added 0, updated 0, unchanged 35" in again.stdout  # nothing new, the run named all the same

    unreadable = tmp_path / "notes.mrc"
    unreadable.write_text("not a MARC file")
    failed = khizana(site.env, "import", "--library", "TST", "--no-progress", str(unreadable))
    assert failed.returncode == 1
    assert f"(import run {run + 2}, failed)" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert site.query(f"SELECT status FROM catalog_importrun WHERE id = {run + 2}") == [("failed",)]


# ---- demo --network


LIBRARY = {"name_fr": "Bibliothèque", "kind": "university", "city": "Rabat", "country": "MA"}


def test_a_network_with_a_library_missing_a_field_names_it_and_writes_nothing(site, tmp_path):
    records = tmp_path / "records.mrc"
    shutil.copy(DEMO / "records" / "IMIST" / "medialab_cotesD.mrc", records)
    network = tmp_path / "network.json"
    network.write_text(
        json.dumps(
            {
                "libraries": [
                    {"code": "AAA", **LIBRARY},
                    {"code": "BBB", **LIBRARY},
                    {"code": "CCC", **{k: v for k, v in LIBRARY.items() if k != "city"}},
                    {**LIBRARY, "country": "Maroc"},
                ],
                "imports": [
                    {"library": "AAA", "file": "records.mrc"},
                    {"library": "ZZZ", "file": "records.mrc"},
                ],
            }
        )
    )
    result = khizana(site.env, "demo", "--network", str(network), "--no-admin")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "ValidationError" not in result.stderr
    assert result.stderr.splitlines() == [
        f"{network}: library 3 (CCC): field 'city' is missing",
        f"{network}: library 4: field 'code' is missing",
        f"{network}: library 4: field 'country' = 'Maroc': not an ISO 3166-1 alpha-2 code (e.g. MA, DZ)",
        f"{network}: import 2: library 'ZZZ' is not in the network",
        f"CommandError: {network}: 4 problem(s) in the network description, nothing written",
    ]
    assert site.query("SELECT count(*) FROM libraries_library") == [(0,)]
    assert site.query("SELECT count(*) FROM catalog_importrun") == [(0,)]


def test_a_valid_network_is_loaded(site, tmp_path):
    shutil.copy(DEMO / "records" / "IMIST" / "medialab_cotesD.mrc", tmp_path / "records.mrc")
    network = tmp_path / "network.json"
    network.write_text(
        json.dumps(
            {
                "libraries": [{"code": "AAA", **LIBRARY}, {"code": "BBB", **LIBRARY, "latitude": 34.0}],
                "imports": [{"library": "BBB", "file": "records.mrc"}],
            }
        )
    )
    result = khizana(site.env, "demo", "--network", str(network), "--no-admin")
    assert result.returncode == 0, result.stderr
    assert "BBB    records.mrc: read " in result.stdout
    assert site.query("SELECT code, latitude FROM libraries_library ORDER BY code") == [
        ("AAA", None),
        ("BBB", 34.0),
    ]
