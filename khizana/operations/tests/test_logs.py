"""Structured logs: every line of a request carries its id (the proxy's X-Request-ID, or a new one), one
access line per request, and KHIZANA_LOG_FORMAT=json writes lines that parse as JSON."""

import io
import json
import logging
import os
import re
import subprocess
import sys

import pytest
import requests
from django.conf import settings as django_settings

from khizana.operations import logs
from khizana.testing import REPO, make_user


@pytest.fixture
def json_lines():
    """What the site logs during the test, through the JSON formatter and the request id filter (as
    settings.LOGGING wires them for KHIZANA_LOG_FORMAT=json), read back as parsed lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


def test_every_line_of_a_request_carries_the_proxys_request_id(db, client, json_lines):
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="lb-7f3a-0001")
    assert response.status_code == 404
    assert response["X-Request-ID"] == "lb-7f3a-0001"
    lines = json_lines()
    assert {line["logger"] for line in lines} >= {"django.request", "khizana.access"}  # "Not Found: ..."
    assert {line["request_id"] for line in lines} == {"lb-7f3a-0001"}
    access = [line for line in lines if line["logger"] == "khizana.access"]
    assert len(access) == 1
    assert access[0] | {"time": "", "duration_ms": 0} == {
        "time": "",
        "level": "INFO",
        "logger": "khizana.access",
        "message": access[0]["message"],
        "request_id": "lb-7f3a-0001",
        "method": "GET",
        "path": "/no-such-page/",
        "status": 404,
        "duration_ms": 0,
        "user_id": None,
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", access[0]["time"])
    assert access[0]["duration_ms"] > 0


@pytest.mark.parametrize(
    "sent",
    [None, "", "two words", "id\r\nX-Injected: 1", "x" * 129, '{"json": 1}', "-starts-with-a-dash"],
)
def test_a_missing_or_insane_request_id_is_replaced_by_a_new_one(db, client, json_lines, sent):
    headers = {} if sent is None else {"HTTP_X_REQUEST_ID": sent}
    response = client.get("/no-such-page/", **headers)
    made = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    assert {line["request_id"] for line in json_lines()} == {made}


def test_a_line_break_in_the_path_cannot_forge_a_log_line(db, client, json_lines):
    client.get("/x%0A2026-01-01 INFO khizana.access forged/")
    (access,) = [line for line in json_lines() if line["logger"] == "khizana.access"]
    assert access["path"] == "/x%0A2026-01-01%20INFO%20khizana.access%20forged/"
    assert "\n" not in access["message"]


def test_each_request_gets_its_own_id_and_none_outlives_it(db, client, json_lines):
    first = client.get("/no-such-page/")["X-Request-ID"]
    second = client.get("/no-such-page/")["X-Request-ID"]
    logging.getLogger("khizana.test").warning("between requests")
    assert first != second
    assert [line["request_id"] for line in json_lines() if line["logger"] == "khizana.access"] == [
        first,
        second,
    ]
    assert json_lines()[-1] | {"time": ""} == {
        "time": "",
        "level": "WARNING",
        "logger": "khizana.test",
        "message": "between requests",
        "request_id": "-",
    }


def test_the_access_line_names_the_signed_in_user(db, client, json_lines):
    user = make_user("reader1")
    client.force_login(user)
    assert client.get("/account/").status_code == 200
    access = [line for line in json_lines() if line["logger"] == "khizana.access"]
    assert [(line["path"], line["status"], line["user_id"]) for line in access] == [
        ("/account/", 200, user.pk)
    ]


def test_an_exception_is_logged_with_its_traceback_in_one_json_line():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.RequestIdFilter())
    logger = logging.getLogger("khizana.test.exception")
    logger.addHandler(handler)
    try:
        raise ValueError("broken «record» ١٢٣")
    except ValueError:
        logger.exception("import failed for %s", "UM5", extra={"library": "UM5", "records": 3})
    finally:
        logger.removeHandler(handler)
    (line,) = stream.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["message"] == "import failed for UM5" and entry["level"] == "ERROR"
    assert entry["library"] == "UM5" and entry["records"] == 3
    assert entry["exception"].startswith("Traceback") and "broken «record» ١٢٣" in entry["exception"]


def test_settings_wire_the_filter_and_the_chosen_formatter():
    console = django_settings.LOGGING["handlers"]["console"]
    assert console["filters"] == ["request_id"] and console["formatter"] == django_settings.KHIZANA_LOG_FORMAT
    filters, formatters = django_settings.LOGGING["filters"], django_settings.LOGGING["formatters"]
    assert filters["request_id"]["()"] == "khizana.operations.logs.RequestIdFilter"
    assert formatters["json"]["()"] == "khizana.operations.logs.JsonFormatter"
    assert "%(request_id)s" in formatters["text"]["format"]


def _django_logging(log_format: str) -> subprocess.CompletedProcess:
    """A new process with KHIZANA_LOG_FORMAT set, logging a line as the site would (configured by
    django.setup() from settings.LOGGING)."""
    script = (
        "import django; django.setup(); import logging; logging.getLogger('khizana.x').warning('hello %s', 1)"
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        env={
            **os.environ,
            "KHIZANA_LOG_FORMAT": log_format,
            "DJANGO_SETTINGS_MODULE": "khizana.test_settings",
        },
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_khizana_log_format_json_writes_json_and_a_bad_value_is_named():
    done = _django_logging("json")
    assert done.returncode == 0, done.stderr
    entry = json.loads(done.stderr.strip().splitlines()[-1])
    assert (entry["logger"], entry["message"], entry["request_id"]) == ("khizana.x", "hello 1", "-")
    wrong = _django_logging("xml")
    assert wrong.returncode != 0
    assert "KHIZANA_LOG_FORMAT='xml': expected text or json" in wrong.stderr


def test_the_request_id_over_a_live_server(transactional_db, live_server, json_lines):
    answer = requests.get(live_server.url + "/health/", headers={"X-Request-ID": "edge-42"}, timeout=30)
    assert answer.headers["X-Request-ID"] == "edge-42"
    access = [line for line in json_lines() if line["logger"] == "khizana.access"]
    assert [(line["path"], line["request_id"]) for line in access] == [("/health/", "edge-42")]
