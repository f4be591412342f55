"""/metrics over HTTP: Khizana's own series (search latency, queue depth, import and harvest runs, index
lag) beside django-prometheus's, for the allowed addresses only."""

import datetime

import pytest
import requests
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.utils import timezone
from huey.contrib.djhuey import HUEY
from prometheus_client.parser import text_string_to_metric_families

from khizana.catalog.models import ImportRun
from khizana.catalog.services import import_file
from khizana.harvest.models import HarvestRun, HarvestSource
from khizana.operations import metrics
from khizana.search import services
from khizana.search.models import IndexQueue
from khizana.testing import DEMO, make_library

AUSTEN = DEMO / "records" / "UM5" / "marc4j_pride-and-prejudice-subset.mrc"


@pytest.fixture
def catalog(db, settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    library = make_library("UM5")
    import_file(library, AUSTEN)
    services.rebuild_index()
    yield library
    services._handle.forget()


def scrape(client, **request) -> dict[tuple[str, tuple], float]:
    """Every sample of /metrics: (name, sorted labels) -> value."""
    response = client.get("/metrics", **request)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    return _samples(response.content.decode())


def _samples(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_a_search_through_the_site_is_timed(catalog, client):
    key = ("khizana_search_duration_seconds_count", (("outcome", "hits"),))
    before = scrape(client).get(key, 0.0)
    page = client.get("/search", {"q": "pride prejudice"})
    assert page.status_code == 200
    after = scrape(client)
    assert after[key] == before + 1
    assert after[("khizana_search_duration_seconds_sum", (("outcome", "hits"),))] > 0
    # django-prometheus's request series are there too, the search page's among them
    assert any(name == "django_http_requests_total_by_method_total" for name, _ in after)
    assert (
        after[
            (
                "django_http_responses_total_by_status_view_method_total",
                (("method", "GET"), ("status", "200"), ("view", "web:search")),
            )
        ]
        >= 1
    )


def test_runs_by_status_and_the_end_of_the_last_one_are_read_from_the_database(catalog, client):
    source = HarvestSource.objects.create(library=catalog, base_url="https://oai.example.org/oai")
    ended = timezone.now() - datetime.timedelta(hours=3)
    HarvestRun.objects.create(source=source, base_url=source.base_url, status="failed", finished_at=ended)
    HarvestRun.objects.create(source=source, base_url=source.base_url, status="queued")
    samples = scrape(client)
    finished_imports = ImportRun.objects.filter(status="finished")
    assert samples[("khizana_import_runs", (("status", "finished"),))] == finished_imports.count() == 1
    assert samples[("khizana_import_runs", (("status", "failed"),))] == 0
    assert samples[("khizana_import_last_finished_timestamp_seconds", (("status", "finished"),))] == (
        pytest.approx(finished_imports.get().finished_at.timestamp())
    )
    assert samples[("khizana_harvest_runs", (("status", "failed"),))] == 1
    assert samples[("khizana_harvest_runs", (("status", "queued"),))] == 1
    assert samples[("khizana_harvest_last_finished_timestamp_seconds", (("status", "failed"),))] == (
        pytest.approx(ended.timestamp())
    )


def test_index_lag_is_the_age_of_the_oldest_change_not_yet_indexed(catalog, client, settings):
    samples = scrape(client)
    assert samples[("khizana_index_present", ())] == 1
    assert samples[("khizana_index_lag_seconds", ())] == 0
    assert samples[("khizana_index_queued_works", ())] == 0
    settings.KHIZANA_SYNC_INDEX_ON_COMMIT = False
    work_ids = list(catalog_work_ids()[:2])
    IndexQueue.objects.create(work_id=work_ids[0])
    IndexQueue.objects.create(work_id=work_ids[1])
    IndexQueue.objects.filter(work_id=work_ids[0]).update(
        queued_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    samples = scrape(client)
    assert samples[("khizana_index_queued_works", ())] == 2
    assert 300 <= samples[("khizana_index_lag_seconds", ())] < 330
    services.sync_index()
    assert scrape(client)[("khizana_index_lag_seconds", ())] == 0


def catalog_work_ids():
    from khizana.catalog.models import Work

    return Work.objects.order_by("id").values_list("id", flat=True)


def test_queue_depth_is_read_at_scrape_time(catalog, client):
    HUEY.storage.enqueue(b"a waiting job")
    try:
        assert scrape(client)[("khizana_queue_pending_jobs", ())] == 1
    finally:
        HUEY.storage.flush_queue()
    samples = scrape(client)
    assert samples[("khizana_queue_pending_jobs", ())] == 0
    assert {
        labels: value for (name, labels), value in samples.items() if name == "khizana_metrics_source_up"
    } == {
        (("source", "queue"),): 1,
        (("source", "runs"),): 1,
        (("source", "index"),): 1,
    }


def test_a_source_that_cannot_be_read_is_said_and_the_others_still_come(catalog, client, settings, tmp_path):
    in_the_way = tmp_path / "not-a-directory"
    in_the_way.write_text("")
    settings.DATA_DIR = in_the_way  # the index directory cannot be made nor read
    samples = scrape(client)
    assert samples[("khizana_metrics_source_up", (("source", "index"),))] == 0
    assert ("khizana_index_lag_seconds", ()) not in samples
    assert samples[("khizana_metrics_source_up", (("source", "runs"),))] == 1
    assert samples[("khizana_import_runs", (("status", "finished"),))] == 1


@pytest.mark.parametrize(
    ("remote", "headers"),
    [
        ("203.0.113.7", {}),
        ("203.0.113.7", {"HTTP_X_FORWARDED_FOR": "127.0.0.1"}),  # forged by the client itself
        ("127.0.0.1", {"HTTP_X_FORWARDED_FOR": "203.0.113.7"}),  # a public request through a local proxy
        ("127.0.0.1", {"HTTP_X_FORWARDED_FOR": "127.0.0.1, 203.0.113.7"}),
        ("127.0.0.1", {"HTTP_X_REAL_IP": "203.0.113.7"}),
        ("127.0.0.1", {"HTTP_FORWARDED": 'for="[2001:db8::7]:4711";proto=https'}),
        ("127.0.0.1", {"HTTP_X_FORWARDED_FOR": "unknown"}),
    ],
)
def test_requests_from_addresses_not_allowed_get_404(db, client, remote, headers):
    response = client.get("/metrics", REMOTE_ADDR=remote, **headers)
    assert response.status_code == 404
    assert b"khizana_" not in response.content and b"django_http" not in response.content


def test_allowed_networks_come_from_the_setting(db, client, settings):
    settings.KHIZANA_METRICS_ALLOWED = ["10.0.0.0/8", "2001:db8::/32"]
    assert scrape(client, REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert scrape(client, REMOTE_ADDR="10.1.2.3", HTTP_FORWARDED='for="[2001:db8::7]:4711"')
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404  # loopback no longer listed


def test_a_bad_allowed_address_stops_the_start_and_is_named(settings):
    settings.KHIZANA_METRICS_ALLOWED = ["127.0.0.1", "prometheus.internal"]
    named = r"KHIZANA_METRICS_ALLOWED: 'prometheus\.internal' is not an IP address or a network"
    with pytest.raises(ImproperlyConfigured, match=named):
        metrics.allowed_networks()
    with pytest.raises(ImproperlyConfigured, match=named):
        Client().get("/health/")  # the middleware is loaded: the server does not start


def test_prometheus_middleware_is_at_both_ends(settings):
    assert settings.MIDDLEWARE[0] == "django_prometheus.middleware.PrometheusBeforeMiddleware"
    assert settings.MIDDLEWARE[-1] == "django_prometheus.middleware.PrometheusAfterMiddleware"


def test_prometheus_scrapes_a_live_server_by_its_address(transactional_db, live_server, settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    try:
        services.search("anything")  # no index yet: timed all the same
        answer = requests.get(live_server.url + "/metrics", headers={"Host": "10.20.30.40:8000"}, timeout=30)
        assert answer.status_code == 200, answer.text
        samples = _samples(answer.text)
        assert samples[("khizana_search_duration_seconds_count", (("outcome", "no_index"),))] >= 1
        assert samples[("khizana_index_present", ())] == 0
        forged = requests.get(
            live_server.url + "/metrics", headers={"X-Forwarded-For": "198.51.100.1"}, timeout=30
        )
        assert forged.status_code == 404
    finally:
        services._handle.forget()
