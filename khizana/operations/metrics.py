"""``/metrics``: Khizana's figures for Prometheus, read only from the addresses ``KHIZANA_METRICS_ALLOWED``.

- django-prometheus's middleware (first and last of MIDDLEWARE) counts requests and times them per view;
- :data:`SEARCH_SECONDS` times every search, told by the search app's ``search_finished`` signal;
- :class:`ScrapeCollector` reads, when Prometheus asks, what lives elsewhere: the job queue's depth, the
  import and harvest runs by status with the end of the last one, and the index lag (how long the oldest
  change not yet in the search index has waited: ``IndexQueue`` holds every work changed since the
  index last reflected it, and is emptied by each synchronisation).

With several worker processes (gunicorn ``--workers``), set ``PROMETHEUS_MULTIPROC_DIR`` to an empty
directory before they start: the counters and histograms of every worker are then added up
(prometheus_client's multiprocess mode), not those of whichever worker answers.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import time
from collections.abc import Iterable, Iterator

import prometheus_client
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, Max, Model
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from prometheus_client import multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from khizana.catalog.models import ImportJob, ImportRun
from khizana.harvest.models import HarvestRun
from khizana.search import engine
from khizana.search.models import IndexQueue
from khizana.search.services import index_root

logger = logging.getLogger(__name__)

SEARCH_SECONDS = prometheus_client.Histogram(
    "khizana_search_duration_seconds",
    "Time taken by searches of the catalog (pages, API, SRU), by outcome.",
    ["outcome"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def observe_search(sender, seconds: float, results, **kwargs) -> None:
    """Receiver of ``khizana.search.signals.search_finished``."""
    if results.total:
        outcome = "hits"
    elif any(note.code == "index_missing" for note in results.notes):
        outcome = "no_index"
    else:
        outcome = "empty"
    SEARCH_SECONDS.labels(outcome).observe(seconds)


# ---------------------------------------------------------------- figures read at scrape time


class ScrapeCollector(Collector):
    """Gauges read from the database, the queue and the index directory each time Prometheus scrapes."""

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "khizana_metrics_source_up", "1 when the figures of a source could be read.", labels=["source"]
        )
        for source, part in (("queue", _queue_metrics), ("runs", _run_metrics), ("index", _index_metrics)):
            try:
                figures = list(part())
            except Exception:  # one source down must not hide the others (nor fail the scrape)
                logger.exception("metrics: the figures of %s could not be read", source)
                up.add_metric([source], 0)
            else:
                up.add_metric([source], 1)
                yield from figures
        yield up


def _queue_metrics() -> Iterator[Metric]:
    from huey.contrib.djhuey import HUEY

    yield GaugeMetricFamily(
        "khizana_queue_pending_jobs", "Jobs waiting in the huey queue.", HUEY.pending_count()
    )
    yield GaugeMetricFamily(
        "khizana_queue_scheduled_jobs", "Jobs scheduled for later in the huey queue.", HUEY.scheduled_count()
    )


def _run_metrics() -> Iterator[Metric]:
    yield from _by_status("khizana_import_runs", "Catalog import runs (files loaded), by status.", ImportRun)
    yield from _by_status(
        "khizana_import_jobs", "Staff uploads waiting for or done by the import job.", ImportJob
    )
    yield from _by_status("khizana_harvest_runs", "OAI-PMH harvest runs, by status.", HarvestRun)
    yield _last_finished("khizana_import_last_finished_timestamp_seconds", "import run", ImportRun)
    yield _last_finished("khizana_harvest_last_finished_timestamp_seconds", "harvest run", HarvestRun)


def _by_status(name: str, documentation: str, model: type[Model]) -> Iterator[Metric]:
    counts = dict(model.objects.order_by().values_list("status").annotate(n=Count("id")))
    gauge = GaugeMetricFamily(name, documentation, labels=["status"])
    for status in model.Status.values:  # every status, zero included: a rate needs the series to exist
        gauge.add_metric([status], counts.get(status, 0))
    yield gauge


def _last_finished(name: str, what: str, model: type[Model]) -> Metric:
    """When the last run of each status (finished, failed...) ended, as a Unix time."""
    gauge = GaugeMetricFamily(name, f"End of the last {what} of each status (Unix time).", labels=["status"])
    ends = model.objects.order_by().filter(finished_at__isnull=False).values_list("status")
    for status, ended in ends.annotate(last=Max("finished_at")):
        gauge.add_metric([status], ended.timestamp())
    return gauge


def _index_metrics() -> Iterator[Metric]:
    generation = engine.IndexLocation(root=index_root()).current()
    yield GaugeMetricFamily(
        "khizana_index_present", "1 when a live search index generation exists.", int(generation is not None)
    )
    if generation is not None:
        yield GaugeMetricFamily(
            "khizana_index_last_commit_timestamp_seconds",
            "When the live index was last written (Unix time).",
            (generation / "meta.json").stat().st_mtime,
        )
    yield GaugeMetricFamily(
        "khizana_index_queued_works",
        "Works changed in the catalog, not yet in the index.",
        IndexQueue.objects.count(),
    )
    # The queue's rows are written in order: the smallest id is the oldest change (the primary key's index)
    oldest = IndexQueue.objects.order_by("id").values_list("queued_at", flat=True).first()
    lag = max(0.0, time.time() - oldest.timestamp()) if oldest else 0.0
    yield GaugeMetricFamily(
        "khizana_index_lag_seconds",
        "How long the oldest catalog change not yet in the search index has waited (0: up to date).",
        lag,
    )


# ---------------------------------------------------------------- who may read /metrics


def allowed_networks(
    values: Iterable[str] | None = None,
) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """``KHIZANA_METRICS_ALLOWED`` read as networks (an address is a network of one)."""
    networks = []
    for value in settings.KHIZANA_METRICS_ALLOWED if values is None else values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"KHIZANA_METRICS_ALLOWED: {value!r} is not an IP address or a network (e.g. 10.0.0.0/8)"
            ) from None
    return networks


def _addresses(request: HttpRequest) -> list[str]:
    """The peer's address and every address a proxy says the request came from."""
    found = [request.META.get("REMOTE_ADDR", "")]
    found += request.headers.get("X-Forwarded-For", "").split(",")
    found.append(request.headers.get("X-Real-IP", ""))
    for element in request.headers.get("Forwarded", "").replace(",", ";").split(";"):
        key, _, value = element.strip().partition("=")
        if key.lower() == "for":
            found.append(value.strip('"').removeprefix("[").split("]")[0])
    return [address.strip() for address in found if address.strip()]


def may_read(request: HttpRequest) -> bool:
    """Whether the request comes from an allowed address. A request a proxy forwarded names its client in
    X-Forwarded-For, X-Real-IP or Forwarded: every address named must be allowed too, so a public request
    through a proxy on loopback is refused, and so is a request whose client wrote those headers itself."""
    networks = allowed_networks()
    for address in _addresses(request):
        try:
            ip = ipaddress.ip_address(address.split("%")[0])
        except ValueError:
            return False  # "unknown", a name, a forged value: not an allowed address
        if not any(ip in network for network in networks):
            return False
    return True


def metrics_view(request: HttpRequest) -> HttpResponse:
    """The Prometheus text exposition; 404 for addresses not allowed (nothing says the page exists)."""
    if not may_read(request):
        return HttpResponseNotFound(b"Not Found", content_type="text/plain")
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = prometheus_client.REGISTRY
    scraped = prometheus_client.CollectorRegistry()
    scraped.register(ScrapeCollector())
    body = prometheus_client.generate_latest(registry) + prometheus_client.generate_latest(scraped)
    return HttpResponse(body, content_type=prometheus_client.CONTENT_TYPE_LATEST)
