"""Production settings: `khizana check --deploy` run as an operator runs it (DEBUG off, a long SECRET_KEY, the
host names, KHIZANA_HTTPS=1) finds nothing left to set, and the HTTPS variables map to Django's settings."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from tests.support import REPO

LONG_SECRET_KEY = "k" * 20 + "-deploy-check-7Hq2pLx9Vb4Rz8Nw3Tc6Ym1Sd5Gf0Jh-" + "z" * 20


@pytest.fixture
def production_env(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("KHIZANA_", "SECURE_")) and key not in ("DEBUG", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "khizana.settings",
            "KHIZANA_DATA_DIR": str(tmp_path),
            "SECRET_KEY": LONG_SECRET_KEY,
            "ALLOWED_HOSTS": "khizana.example",
            "KHIZANA_HTTPS": "1",
            "KHIZANA_REQUIRE_SECRET_KEY": "1",
        }
    )
    return env


def khizana(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "khizana", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def deploy_issues(env: dict[str, str]) -> set[str]:
    done = khizana(env, "check", "--deploy")
    assert done.returncode == 0, done.stderr
    return set(re.findall(r"\(([a-z_]+\.[WE]\d+)\)", done.stdout + done.stderr))


def test_check_deploy_leaves_only_the_two_hsts_flags_that_are_off_by_default(production_env):
    # Justified: includeSubDomains would force HTTPS on every subdomain of the library's domain (other
    # services of the institution may not have it), and preload puts the domain in the browsers' lists
    # for months. An operator turns them on (next test) once that is known to be safe.
    assert deploy_issues(production_env) == {"security.W005", "security.W021"}


def test_check_deploy_finds_nothing_with_every_hsts_flag(production_env):
    production_env.update({"KHIZANA_HSTS_INCLUDE_SUBDOMAINS": "1", "KHIZANA_HSTS_PRELOAD": "1"})
    assert deploy_issues(production_env) == set()
    done = khizana(production_env, "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0 and "no issues" in done.stdout, done.stdout + done.stderr


def security_settings(env: dict[str, str]) -> dict:
    names = [
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_REFERRER_POLICY",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
    ]
    code = (
        "import json; from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))"
    )
    done = khizana(env, "shell", "-c", code)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_https_variables(production_env):
    found = security_settings(production_env)
    assert found == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 365 * 24 * 3600,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False,
        "SECURE_PROXY_SSL_HEADER": None,  # X-Forwarded-Proto is not believed unless the operator says so
        "SECURE_REFERRER_POLICY": "same-origin",
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
    }
    production_env.update({"KHIZANA_TRUST_X_FORWARDED_PROTO": "1", "KHIZANA_HSTS_SECONDS": "600"})
    found = security_settings(production_env)
    assert found["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert found["SECURE_HSTS_SECONDS"] == 600
    del production_env["KHIZANA_HTTPS"]  # plain HTTP (development): no redirect, no HSTS, cookies not secure
    found = security_settings(production_env)
    assert not found["SECURE_SSL_REDIRECT"] and found["SECURE_HSTS_SECONDS"] == 0
    assert not found["SESSION_COOKIE_SECURE"] and not found["CSRF_COOKIE_SECURE"]
