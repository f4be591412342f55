"""/health/ over HTTP: every check passes on a sound installation, and a broken index, a full disk or an
unwritable directory turn the answer into 503 for the load balancer."""

import json
import shutil

import pytest
import requests
from huey.contrib.djhuey import HUEY

from khizana.search import engine, services

CHECKS = {
    "Database(alias='default')",
    "SearchIndex()",
    "JobQueue()",
    "WritableDirectory(setting='DATA_DIR')",
    "WritableDirectory(setting='KHIZANA_IMPORT_STORE')",
    "WritableDirectory(setting='KHIZANA_DIGITAL_STORE')",
    "WritableDirectory(setting='KHIZANA_IIIF_CACHE')",
    "WritableDirectory(setting='KHIZANA_PRESERVATION_ROOT')",
    "DiskSpace()",
}


@pytest.fixture
def installation(db, settings, tmp_path):
    """A data directory of its own with a built (empty) search index."""
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    settings.KHIZANA_HEALTH_MIN_FREE_MB = 1
    services.rebuild_index()
    yield engine.IndexLocation(settings.DATA_DIR)
    services._handle.forget()


def _health(client, **headers):
    response = client.get("/health/", **headers)
    return response.status_code, json.loads(response.content)


def test_a_sound_installation_answers_200_with_every_check_ok(installation, client):
    status, body = _health(client)
    assert status == 200
    assert body["status"] == "ok"
    assert set(body["checks"]) == CHECKS
    assert set(body["checks"].values()) == {"OK"}


def test_the_answer_is_json_for_load_balancers_and_html_for_browsers(installation, client):
    bare = client.get("/health/")
    browser = client.get("/health/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert bare["Content-Type"] == "application/json"
    assert browser["Content-Type"].startswith("text/html") and b"SearchIndex" in browser.content
    assert "no-cache" in bare["Cache-Control"]


def test_a_missing_index_generation_answers_503(installation, client):
    shutil.rmtree(installation.current())
    status, body = _health(client)
    assert status == 503 and body["status"] == "unavailable"
    assert body["checks"]["SearchIndex()"].startswith("Unavailable: no live search index")
    assert [name for name, value in body["checks"].items() if value != "OK"] == ["SearchIndex()"]


def test_a_damaged_index_answers_503(installation, client):
    (installation.current() / "meta.json").write_text("{ not the index's metadata")
    status, body = _health(client)
    assert status == 503
    assert body["checks"]["SearchIndex()"] == "Unavailable: the search index cannot be read (ValueError)"


def test_less_free_space_than_the_threshold_answers_503(installation, client, settings):
    free_mb = shutil.disk_usage(settings.DATA_DIR).free // (1024 * 1024)
    settings.KHIZANA_HEALTH_MIN_FREE_MB = free_mb + 1024
    status, body = _health(client)
    assert status == 503
    message = body["checks"]["DiskSpace()"]
    assert message.startswith("Unavailable: ") and f"(less than {free_mb + 1024})" in message
    assert str(settings.DATA_DIR) not in message  # the page is public: no path in it


def test_a_directory_that_cannot_be_written_answers_503(installation, client, settings, tmp_path):
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("where the store should be mounted")
    settings.KHIZANA_DIGITAL_STORE = in_the_way / "digital"
    status, body = _health(client)
    assert status == 503
    assert body["checks"]["WritableDirectory(setting='KHIZANA_DIGITAL_STORE')"].startswith(
        "Unavailable: cannot write"
    )
    assert body["checks"]["WritableDirectory(setting='DATA_DIR')"] == "OK"


def test_a_long_job_queue_is_a_warning_not_an_outage(installation, client, settings):
    settings.KHIZANA_HEALTH_MAX_QUEUED = 1
    HUEY.storage.enqueue(b"first waiting job")
    HUEY.storage.enqueue(b"second waiting job")
    try:
        status, body = _health(client)
    finally:
        HUEY.storage.flush_queue()
    assert status == 200 and body["status"] == "warning"
    assert body["checks"]["JobQueue()"] == "Warning: 2 jobs waiting (more than 1)"


def test_a_load_balancer_probing_by_address_over_a_live_server_gets_the_answer(
    transactional_db, live_server, settings, tmp_path
):
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    settings.KHIZANA_HEALTH_MIN_FREE_MB = 1
    services.rebuild_index()
    try:
        # The load balancer names the server by its address, which ALLOWED_HOSTS does not list
        answer = requests.get(live_server.url + "/health/", headers={"Host": "10.20.30.40:8000"}, timeout=30)
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "ok" and set(answer.json()["checks"]) == CHECKS
        shutil.rmtree(engine.IndexLocation(settings.DATA_DIR).current())
        broken = requests.get(live_server.url + "/health/", timeout=30)
        assert broken.status_code == 503 and broken.json()["checks"]["SearchIndex()"] != "OK"
    finally:
        services._handle.forget()
