"""``/health/``: is this Khizana able to serve? Asked by load balancers (and people) every few seconds.

Built on django-health-check: each check is a :class:`health_check.HealthCheck` dataclass whose ``run``
raises :class:`ServiceUnavailable` (the server cannot serve: the answer is 503, the load balancer takes it
out) or :class:`ServiceWarning` (something to look at that another server would not fix, e.g. a long job
queue shared by all of them: said in the answer, which stays 200). No check touches the database but
django-health-check's own (``SELECT 1``), and no message names a path or a setting's value: the page is
public.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import tantivy
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from health_check import Database, HealthCheck
from health_check.exceptions import ServiceUnavailable, ServiceWarning
from health_check.views import HealthCheckView

from khizana.search import engine
from khizana.search.services import index_root

# The directories Khizana writes to, by the setting that places each (DATA_DIR: KHIZANA_DATA_DIR).
WRITABLE_DIRECTORIES = (
    "DATA_DIR",
    "KHIZANA_IMPORT_STORE",
    "KHIZANA_DIGITAL_STORE",
    "KHIZANA_IIIF_CACHE",
    "KHIZANA_PRESERVATION_ROOT",
)


@dataclasses.dataclass
class SearchIndex(HealthCheck):
    """The live generation of the tantivy index (the one ``CURRENT`` names) opens and answers a query."""

    def run(self) -> None:
        location = engine.IndexLocation(root=index_root())
        generation = location.current()
        if generation is None:
            raise ServiceUnavailable("no live search index (run `khizana index rebuild`)")
        try:
            searcher = engine.open_index(generation).searcher()
            searcher.search(tantivy.Query.all_query(), 1, count=True)
        except (OSError, ValueError) as error:  # tantivy reports a damaged index as ValueError
            raise ServiceUnavailable(f"the search index cannot be read ({type(error).__name__})") from error


@dataclasses.dataclass
class JobQueue(HealthCheck):
    """The huey queue's storage answers, and fewer than ``KHIZANA_HEALTH_MAX_QUEUED`` tasks wait in it."""

    def run(self) -> None:
        from huey.contrib.djhuey import HUEY

        try:
            pending = HUEY.pending_count()
        except Exception as error:  # sqlite3.Error, redis.RedisError...: the queue's storage is down
            raise ServiceUnavailable(f"the job queue cannot be reached ({type(error).__name__})") from error
        limit = settings.KHIZANA_HEALTH_MAX_QUEUED
        if pending > limit:
            raise ServiceWarning(f"{pending} jobs waiting (more than {limit})")


@dataclasses.dataclass
class WritableDirectory(HealthCheck):
    """A file can be written and removed in the directory of ``setting`` (the directory itself is made
    on first use: until then, its nearest existing parent must be writable)."""

    setting: str

    def run(self) -> None:
        directory = _existing(Path(getattr(settings, self.setting)))
        try:
            with tempfile.NamedTemporaryFile(dir=directory, prefix=".health-") as probe:
                probe.write(b"ok")
                probe.flush()
        except OSError as error:
            raise ServiceUnavailable(f"cannot write ({error.strerror or type(error).__name__})") from error


@dataclasses.dataclass
class DiskSpace(HealthCheck):
    """Each disk holding one of the directories has ``KHIZANA_HEALTH_MIN_FREE_MB`` free or more."""

    def run(self) -> None:
        minimum = settings.KHIZANA_HEALTH_MIN_FREE_MB * 1024 * 1024
        for name, directory in _directories_by_disk().items():
            free = shutil.disk_usage(directory).free
            if free < minimum:
                raise ServiceUnavailable(
                    f"{free // (1024 * 1024)} MB free on the disk of {name} "
                    f"(less than {settings.KHIZANA_HEALTH_MIN_FREE_MB})"
                )


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _directories_by_disk() -> dict[str, Path]:
    """One directory per disk (device), named by the first setting that places a directory on it."""
    seen: dict[int, tuple[str, Path]] = {}
    for name in WRITABLE_DIRECTORIES:
        directory = _existing(Path(getattr(settings, name)))
        seen.setdefault(directory.stat().st_dev, (name, directory))
    return dict(seen.values())


CHECKS = (
    Database,
    SearchIndex,
    JobQueue,
    *((WritableDirectory, {"setting": name}) for name in WRITABLE_DIRECTORIES),
    DiskSpace,
)


class HealthView(HealthCheckView):
    """django-health-check's page (HTML, JSON, text... by ``Accept`` or ``?format=``), answering 503 when a
    check says the server cannot serve, 200 with the warnings written in otherwise; JSON by default."""

    checks = CHECKS

    async def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if "format" not in request.GET and "text/html" not in request.headers.get("accept", ""):
            request.GET = request.GET.copy()
            request.GET["format"] = "json"  # load balancers and curl: */* or nothing
        response = await super().get(request, *args, **kwargs)
        if response.status_code == 500:  # django-health-check's answer to any error, warnings included
            response.status_code = 503 if self.failed() else 200
        return response

    def failed(self) -> bool:
        """Whether a check says this server cannot serve (a warning does not)."""
        return any(r.error and not isinstance(r.error, ServiceWarning) for r in self.results)

    def render_to_response_json(self, status: int) -> JsonResponse:
        """``{"status": "ok"|"warning"|"unavailable", "checks": {name: "OK" or the message}}``."""
        warned = any(r.error for r in self.results)
        return JsonResponse(
            {
                "status": "unavailable" if self.failed() else "warning" if warned else "ok",
                "checks": {repr(r.check): str(r.error) if r.error else "OK" for r in self.results},
            },
            status=status,
        )


class ProbeMiddleware:
    """Answers ``/health/`` and ``/metrics`` before the rest of the middleware: a load balancer or Prometheus
    asks by the server's own address (a Host not in ALLOWED_HOSTS) and over plain HTTP (which
    KHIZANA_HTTPS would redirect), and neither answer needs a session, a language or a CSRF token. Placed
    after the request id middleware, so the probes are logged with their id; the url patterns of
    ``operations/urls.py`` name the same views (and serve them if this middleware is left out)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        from asgiref.sync import async_to_sync

        from . import metrics

        metrics.allowed_networks()  # a bad KHIZANA_METRICS_ALLOWED stops the start, naming the bad value
        self.get_response = get_response
        self.endpoints = {
            "/health/": async_to_sync(HealthView.as_view()),
            "/metrics": metrics.metrics_view,
        }

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = self.endpoints.get(request.path_info)
        if view is None:
            return self.get_response(request)
        response = view(request)
        return response.render() if hasattr(response, "render") else response
