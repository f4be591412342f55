"""The deployment files of deploy/ agree with the code: the settings the environment example names exist and
its values are read by settings.py as an operator would run it; every command, option and module the
systemd units, the container's entry point and the compose file run exists and takes those options; the
image installs exactly requirements.lock; the proxies forward what Khizana reads and accept its uploads."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands, load_command_class
from django.urls import resolve
from gunicorn.config import Config

from tests.support import REPO

DEPLOY = REPO / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("khizana-*.service"))
VENV_BIN = "/opt/khizana/.venv/bin/"


def declared_settings() -> set[str]:
    """The environment variables settings.py reads (each through env("NAME", default))."""
    return set(re.findall(r'\benv\(\s*"([A-Z][A-Z0-9_]*)"', (REPO / "khizana" / "settings.py").read_text()))


def env_example() -> dict[str, str]:
    pairs = {}
    for line in (DEPLOY / "khizana.env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.strip()] = value
    return pairs


def exec_lines(unit: Path) -> list[list[str]]:
    """The ExecStart= command lines of a unit, continuation lines joined."""
    text = unit.read_text().replace("\\\n", " ")
    return [
        shlex.split(line.partition("=")[2]) for line in text.splitlines() if line.startswith("ExecStart=")
    ]


def check_khizana_command(argv: list[str]) -> None:
    """``argv`` (after ``khizana``) names a management command that accepts these arguments."""
    name = argv[0]
    commands = get_commands()
    assert name in commands, f"khizana {name}: no such command"
    parser = load_command_class(commands[name], name).create_parser("khizana", name)
    parser.parse_args(argv[1:])  # raises CommandError on an unknown option or choice


def check_gunicorn(argv: list[str]) -> None:
    options = Config().parser().parse_args(argv)
    assert options.args == ["khizana.wsgi"]
    assert (REPO / "khizana" / "wsgi.py").read_text().count("application = ") == 1
    assert options.control_socket_disable  # several gunicorns on a machine, and no writable home


def test_the_environment_example_names_only_settings_that_exist():
    names = set(env_example())
    assert names - declared_settings() == set()
    # the multi-node settings and what every production needs are there
    assert {
        "SECRET_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "ALLOWED_HOSTS",
        "KHIZANA_DATA_DIR",
        "EMAIL_HOST",
    } <= names
    assert {"KHIZANA_INDEX_DIR", "KHIZANA_INDEX_READ_ONLY", "KHIZANA_INDEX_PUBLISH_TO"} <= names


def test_settings_read_the_environment_example_and_check_deploy_passes(tmp_path):
    """Its values have the types settings.py expects: `khizana check --deploy` runs with them (the
    databases, Redis and directories swapped for local ones) and finds only the HSTS flags left off."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("KHIZANA_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env.update(env_example())
    for name, value in env_example().items():
        if value.startswith("/"):
            env[name] = str(tmp_path / name.lower())
    env.pop("DATABASE_URL"), env.pop("REDIS_URL")
    env.update(SECRET_KEY="k" * 20 + "-deploy-files-7Hq2pLx9Vb4Rz8Nw3Tc6Ym1Sd5Gf0Jh-" + "z" * 20)
    env["DJANGO_SETTINGS_MODULE"] = "khizana.settings"
    done = subprocess.run(
        [sys.executable, "-m", "khizana", "check", "--deploy"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert set(re.findall(r"\(([a-z_]+\.[WE]\d+)\)", done.stdout + done.stderr)) <= {
        "security.W005",
        "security.W021",
    }


@pytest.mark.parametrize("unit", UNITS, ids=lambda path: path.name)
def test_systemd_units_run_commands_that_exist(unit):
    lines = exec_lines(unit)
    assert lines, f"{unit.name}: no ExecStart"
    for argv in lines:
        program = argv[0]
        assert program.startswith(VENV_BIN), program
        if program.endswith("/gunicorn"):
            check_gunicorn(argv[1:])
        else:
            assert program.endswith("/khizana"), program
            check_khizana_command(argv[1:])
    text = unit.read_text()
    assert "EnvironmentFile=/etc/khizana/khizana.env" in text
    assert "User=khizana" in text


def test_the_timer_starts_the_publication_and_the_jobs_run_huey():
    timer = (DEPLOY / "systemd" / "khizana-index-publish.timer").read_text()
    assert (DEPLOY / "systemd" / "khizana-index-publish.service").exists()
    assert "[Timer]" in timer and "WantedBy=timers.target" in timer
    jobs = exec_lines(DEPLOY / "systemd" / "khizana-jobs.service")
    assert jobs[0][1] == "run_huey"
    publish = exec_lines(DEPLOY / "systemd" / "khizana-index-publish.service")
    assert [argv[1:3] for argv in publish] == [["index", "sync"], ["index_publish", "--keep"]]


def test_the_entry_point_runs_commands_that_exist():
    script = (DEPLOY / "docker-entrypoint.sh").read_text().replace("\\\n", " ")
    ran = []
    for line in script.splitlines():
        words = shlex.split(line.split("#", 1)[0]) if line.strip() else []
        if words[:1] == ["exec"]:
            words = words[1:]
        if words[:1] == ["khizana"] and words[1:2] != ["$@"]:
            argv = [w if not w.startswith("${") else "2" for w in words[1:]]
            check_khizana_command(argv)
            ran.append(argv[0])
        elif words[:1] == ["gunicorn"]:
            check_gunicorn(words[1:])
            ran.append("gunicorn")
    assert {"gunicorn", "run_huey", "migrate", "collectstatic", "index", "index_publish"} <= set(ran)
    assert subprocess.run(["sh", "-n", str(DEPLOY / "docker-entrypoint.sh")]).returncode == 0


def test_the_image_installs_the_lock_with_hashes_and_runs_as_a_user():
    dockerfile = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    bases = re.findall(r"^FROM (\S+)", dockerfile, re.M)
    assert set(bases) <= {"python:3.11-slim-bookworm", "debian:bookworm-slim"}, bases
    assert "pip-compile with Python 3.11" in (REPO / "requirements.lock").read_text()  # the image's Python
    assert re.search(r"pip install [^\n]*--require-hashes -r /tmp/requirements\.lock", dockerfile)
    assert "COPY requirements.lock ./" in dockerfile
    assert re.search(r"sed [^\n]*requirements\.lock > /tmp/requirements\.lock", dockerfile)
    assert "make vendor" in dockerfile and "package-lock.json" in dockerfile
    assert re.search(r"^USER khizana$", dockerfile, re.M)
    # every file copied from the build context is in the repository
    for sources in re.findall(r"^COPY (?!--from)(?:--\S+ )*(.+) \S+$", dockerfile, re.M):
        for source in sources.split():
            assert (REPO / source).exists(), source
    # the Debian packages Khizana drives (the Makefile's, but Chromium: tests only)
    makefile = (REPO / "Makefile").read_text()
    needed = set(re.search(r"^SYSTEM_PACKAGES := (.+)$", makefile, re.M).group(1).split()) - {"chromium"}
    python_stage = dockerfile[dockerfile.index("FROM python") :]
    installed = set(re.search(r"--no-install-recommends([^&]+)&&", python_stage).group(1).split())
    assert needed <= installed, needed - installed


def test_the_compose_file_runs_postgres_redis_web_and_jobs():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert services["postgres"]["image"] == "postgres:15"
    assert services["redis"]["image"] == "redis:7"
    names = declared_settings()
    for name in ("web", "jobs", "migrate"):
        service = services[name]
        assert service["command"] == [name]  # a case of the entry point
        assert (REPO / service["build"]["dockerfile"]).exists()
        assert set(service["environment"]) <= names, set(service["environment"]) - names
        assert any(volume.endswith(":/var/lib/khizana") for volume in service["volumes"])
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"]  # the proxy in front, on this machine
    check = services["web"]["healthcheck"]["test"]
    assert check[:2] == ["CMD", "khizana"]
    check_khizana_command(check[2:])
    entry = (DEPLOY / "docker-entrypoint.sh").read_text()
    assert all(f"\n{name})" in entry for name in ("web", "jobs", "migrate"))


def test_the_proxies_forward_what_khizana_reads_and_take_its_uploads():
    caddy = (DEPLOY / "Caddyfile").read_text()
    nginx = (DEPLOY / "nginx" / "khizana.conf").read_text()
    largest = max(settings.KHIZANA_MAX_DIGITAL_BYTES, settings.KHIZANA_MAX_IMPORT_BYTES)
    assert int(re.search(r"max_size (\d+)MB", caddy).group(1)) * 10**6 >= largest
    assert int(re.search(r"client_max_body_size (\d+)m;", nginx).group(1)) * 2**20 >= largest
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in nginx
    assert "proxy_set_header X-Forwarded-For" in nginx
    assert "ssl_certificate " in nginx and "listen 443 ssl" in nginx
    # static files where collectstatic puts them with the example's data directory
    static_root = Path(env_example()["KHIZANA_DATA_DIR"]) / Path(settings.STATIC_ROOT).name
    assert f"alias {static_root}/;" in nginx and f"root * {static_root}" in caddy
    assert Path(settings.STATIC_ROOT) == Path(settings.DATA_DIR) / "static"
    # the health check the proxies use is a page of Khizana
    assert "health_uri /health/" in caddy
    assert resolve("/health/")
