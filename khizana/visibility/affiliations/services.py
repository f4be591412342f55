"""Affiliation analysis services: the registry the analysis uses, reading exports, writing the report files.

The registry is the database one (``khizana registry load``, with the local institutions staff add)
when it holds institutions, else the ROR extract directory of the shared data; a directory can also be
given. The matcher of the database registry is kept in memory while the registry does not change.
"""

from __future__ import annotations

import io
import json
import logging
import pickle
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from khizana.core.charts import CHART_DRAWER, CHART_JS
from khizana.visibility.affiliations import figures, reports
from khizana.visibility.anomalies import (
    AFFILIATION_ANOMALIES,
    Analysis,
    Hierarchy,
    analyse,
    registry_hierarchy,
)
from khizana.visibility.formats.model import Publication, ReadError
from khizana.visibility.formats.reader import read_bytes, read_path
from khizana.visibility.matching import MATCHER_VERSION, Matcher, cached_matcher
from khizana.visibility.models import AffiliationReport, Institution, InstitutionName, ReportFigure
from khizana.visibility.registry.data import RegistryFormatError
from khizana.visibility.registry.services import as_registry_institutions, shared_ror_dir

REPORT_FILES = ("report.csv", "corrections.csv", "corrections.xlsx", "anomalies.html")
logger = logging.getLogger(__name__)


class RegistryUnavailable(RuntimeError):
    """No registry to match against; the message says how to get one."""


@dataclass
class Registry:
    matcher: Matcher
    hierarchy: Hierarchy
    description: str  # for the command line
    kind: str = "directory"  # "database" (Khizana's registry) or "directory" (a ROR extract): the report page
    institutions: int = 0
    local: int = 0  # of them, local institutions (the database's)


def cache_dir() -> Path:
    folder = Path(settings.DATA_DIR) / "cache" / "affiliations"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def registry_from_directory(directory: Path | str) -> Registry:
    """The matcher of a ROR extract directory (pickled under the data directory, rebuilt when stale)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise RegistryUnavailable(f"{directory}: not a directory of ROR extract files")
    try:
        matcher = cached_matcher(directory, cache_dir())
    except RegistryFormatError as error:
        raise RegistryUnavailable(str(error)) from error
    description = f"ROR extract {directory}"
    return Registry(matcher, _hierarchy_of(matcher), description, "directory", len(matcher.institutions))


def _hierarchy_of(matcher: Matcher) -> Hierarchy:
    return registry_hierarchy({inst.id: inst for inst in matcher.institutions})


_db_registry: tuple[str, Registry] | None = None
DB_MATCHER = "database_matcher.pickle"
DB_FINGERPRINT = "database_matcher.fingerprint"


def _db_fingerprint() -> str:
    """Changes whenever an institution or a name is added, changed or removed ("" for an empty registry)."""
    institutions = Institution.objects.aggregate(n=Count("pk"), last=Max("updated_at"))
    if not institutions["n"]:
        return ""
    names = InstitutionName.objects.aggregate(n=Count("pk"), last=Max("created_at"))
    return f"v{MATCHER_VERSION}|{institutions['n']}|{institutions['last']}|{names['n']}|{names['last']}"


def registry_from_database() -> Registry | None:
    """The matcher of the database registry (kept in memory and pickled while the registry does not
    change, so that the web and the job processes build it once), or None when the registry is empty."""
    global _db_registry
    fingerprint = _db_fingerprint()
    if not fingerprint:
        return None
    if _db_registry is None or _db_registry[0] != fingerprint:
        matcher = _pickled_db_matcher(fingerprint) or _build_db_matcher(fingerprint)
        count = fingerprint.split("|")[1]
        description = f"database registry ({count} institutions)"
        local = Institution.objects.filter(source="local").count()
        registry = Registry(matcher, _hierarchy_of(matcher), description, "database", int(count), local)
        _db_registry = (fingerprint, registry)
    return _db_registry[1]


def _pickled_db_matcher(fingerprint: str) -> Matcher | None:
    stamp = cache_dir() / DB_FINGERPRINT
    if not stamp.exists() or stamp.read_text(encoding="utf-8") != fingerprint:
        return None
    try:
        return Matcher.load(cache_dir() / DB_MATCHER)
    except (OSError, ValueError, EOFError, AttributeError, pickle.UnpicklingError):
        return None


def _build_db_matcher(fingerprint: str) -> Matcher:
    matcher = Matcher(as_registry_institutions())
    matcher.save(cache_dir() / DB_MATCHER)
    (cache_dir() / DB_FINGERPRINT).write_text(fingerprint, encoding="utf-8")
    return matcher


def invalidate_database_registry() -> None:
    """Forget the database registry's matcher (in memory and pickled): the next analysis builds it
    again. A correction calls it; other processes see the registry's fingerprint change (the corrected
    institution's ``updated_at``)."""
    global _db_registry
    _db_registry = None
    (cache_dir() / DB_FINGERPRINT).unlink(missing_ok=True)


def registry_is_ready() -> bool:
    """Whether the default registry's matcher is at hand (in memory or pickled) without being built:
    when it is not, even a small export goes to the background job, which builds it once."""
    if settings.KHIZANA_AFFILIATION_REGISTRY:
        return True  # a directory named by the settings: its pickle is built on first use
    fingerprint = _db_fingerprint()
    if not fingerprint:
        return True  # the shared extract (or no registry: the analysis fails at once with a clear error)
    if _db_registry is not None and _db_registry[0] == fingerprint:
        return True
    stamp = cache_dir() / DB_FINGERPRINT
    return stamp.exists() and stamp.read_text(encoding="utf-8") == fingerprint


def default_registry(directory: Path | str | None = None) -> Registry:
    """The given directory's registry, else the database's, else the shared ROR extract's."""
    directory = directory or settings.KHIZANA_AFFILIATION_REGISTRY
    if directory:
        return registry_from_directory(directory)
    registry = registry_from_database()
    if registry is not None:
        return registry
    if shared_ror_dir().is_dir():
        return registry_from_directory(shared_ror_dir())
    raise RegistryUnavailable(
        "no institution registry: load one with 'khizana registry load' or give a ROR extract directory"
    )


# --- analysing -------------------------------------------------------------------------------------


@dataclass
class Reading:
    publications: list[Publication] = field(default_factory=list)
    errors: list[ReadError] = field(default_factory=list)
    warnings: list[ReadError] = field(default_factory=list)
    formats: dict[str, str] = field(default_factory=dict)  # file -> detected format


def read_exports(paths: Iterable[Path | str]) -> Reading:
    """Every publication of the export files; what could not be read is in ``errors``."""
    reading = Reading()
    for path in paths:
        _add(reading, read_path(path))
    return reading


def read_export_bytes(data: bytes, name: str) -> Reading:
    reading = Reading()
    _add(reading, read_bytes(data, name))
    return reading


def _add(reading: Reading, result) -> None:
    reading.publications.extend(result.publications)
    reading.errors.extend(result.errors)
    reading.warnings.extend(result.warnings)
    if result.source_format:
        reading.formats[result.file] = result.source_format


def run_analysis(
    reading: Reading,
    registry: Registry,
    institution: str = "",
    progress: Callable[[int], None] | None = None,
) -> Analysis:
    analysis = analyse(reading.publications, registry.matcher, registry.hierarchy, progress)
    if institution:
        analysis = reports.for_institution(analysis, institution, registry.hierarchy)
    return analysis


def summary_data(analysis: Analysis, registry: Registry, reading: Reading) -> dict:
    """A JSON-ready summary: totals, shares, author counts, per-institution rows, read errors."""
    total = reports.summary(analysis)
    return {
        "publications": analysis.publications,
        "affiliations": total.affiliations,
        "with_anomaly": total.with_anomaly,
        "counts": total.counts,
        "shares": {code: round(total.share(code), 4) for code in AFFILIATION_ANOMALIES},
        "authors": reports.author_counts(analysis),
        "institutions": reports.report_table(reports.institution_rows(analysis, registry.hierarchy)),
        "errors": [str(e) for e in reading.errors],
        "warnings": len(reading.warnings),
        "formats": reading.formats,
        "registry": registry.description,
        "registry_kind": registry.kind,
        "registry_institutions": registry.institutions,
        "registry_local": registry.local,
    }


def write_report_files(analysis: Analysis, registry: Registry, out_dir: Path) -> dict[str, Path]:
    """report.csv, corrections.csv, corrections.xlsx and anomalies.html in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = reports.institution_rows(analysis, registry.hierarchy)
    corrections = reports.correction_rows(analysis)
    paths = {name: out_dir / name for name in REPORT_FILES}
    with paths["report.csv"].open("w", encoding="utf-8", newline="") as out:
        reports.write_report_csv(rows, out)
    with paths["corrections.csv"].open("w", encoding="utf-8", newline="") as out:
        reports.write_corrections_csv(corrections, out)
    reports.write_corrections_xlsx(corrections, rows, paths["corrections.xlsx"])
    page = reports.anomaly_page(reports.summary(analysis), _chart_scripts())
    paths["anomalies.html"].write_text(page, encoding="utf-8")
    return paths


def _chart_scripts() -> list[str]:
    """Chart.js and the file that draws the charts, from the static files, to write into anomalies.html
    (it opens offline); without them (no `make vendor`) the page still has the table."""
    scripts = [finders.find(name) for name in (CHART_JS, CHART_DRAWER)]
    if not all(scripts):
        logger.warning("%s is missing (run `make vendor`): anomalies.html has its table only", CHART_JS)
        return []
    return [Path(path).read_text(encoding="utf-8") for path in scripts]


def corrections_json(analysis: Analysis) -> str:
    return json.dumps(reports.correction_rows(analysis, with_texts=True), ensure_ascii=False)


def corrections_csv_text(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    reports.write_corrections_csv(rows, out)
    return out.getvalue()


# --- the job of a report asked for on the page (kept and queued by uploads.py) ---------------------

UPLOAD_NAME = "export.upload"
CORRECTIONS_JSON = "corrections.json"
ADDRESSES_JSON = "addresses.json"


def run_report_now(report_id: int) -> None:
    """Analyse a queued report's upload and keep its files, summary and figures; a failure is its error.

    A report analysed again (after corrections) keeps the figures of its first analysis."""
    report = AffiliationReport.objects.filter(pk=report_id, status=AffiliationReport.Status.QUEUED).first()
    if report is None:
        return
    report.status = AffiliationReport.Status.RUNNING
    report.save(update_fields=["status", "updated_at"])
    counts = None
    try:
        report.summary, counts = _analyse_folder(report.folder, report.filename, report.institution)
        report.status, report.error = AffiliationReport.Status.FINISHED, ""
    except (RegistryUnavailable, ValueError, OSError) as error:
        report.status, report.error = AffiliationReport.Status.FAILED, f"{report.filename}: {error}"
    except Exception as error:
        logger.exception("affiliation report %s failed", report_id)
        report.status = AffiliationReport.Status.FAILED
        report.error = f"{report.filename}: {type(error).__name__}: {error}"
    with transaction.atomic():
        fields = ["status", "error", "summary", "updated_at"]
        if counts is not None:
            report.analyses += 1
            report.analysed_at = timezone.now()
            fields += ["analyses", "analysed_at"]
            keep_figures(report, counts)
        report.save(update_fields=fields)


def analyse_report_folder(folder: Path, display_name: str, institution: str) -> dict:
    return _analyse_folder(folder, display_name, institution)[0]


def _analyse_folder(folder: Path, display_name: str, institution: str) -> tuple[dict, dict]:
    """The summary of the analysis and its figures per institution and year; the files written."""
    reading = read_export_bytes((folder / UPLOAD_NAME).read_bytes(), display_name)
    if not reading.publications:
        problems = "; ".join(str(e) for e in reading.errors[:3]) or "no publication found"
        raise ValueError(problems)
    registry = default_registry()
    analysis = run_analysis(reading, registry, institution)
    write_report_files(analysis, registry, folder)
    (folder / CORRECTIONS_JSON).write_text(corrections_json(analysis), encoding="utf-8")
    addresses = json.dumps(figures.address_rows(analysis), ensure_ascii=False)
    (folder / ADDRESSES_JSON).write_text(addresses, encoding="utf-8")
    counts = figures.institution_figures(analysis, registry.hierarchy)
    return summary_data(analysis, registry, reading), counts


def keep_figures(report: AffiliationReport, counts: dict[tuple[str, int], tuple[int, int]]) -> None:
    """The figures of the analysis just made are the report's latest; the first ones too when it has
    none yet (its first analysis)."""
    stages = [ReportFigure.Stage.LATEST]
    if not report.figures.filter(stage=ReportFigure.Stage.FIRST).exists():
        stages.append(ReportFigure.Stage.FIRST)
    report.figures.filter(stage=ReportFigure.Stage.LATEST).delete()
    rows = [
        ReportFigure(
            report=report,
            stage=stage,
            institution=institution[:255],
            year=min(max(year, 0), 32767),
            publications=publications,
            correct=correct,
        )
        for stage in stages
        for (institution, year), (publications, correct) in counts.items()
    ]
    ReportFigure.objects.bulk_create(rows, batch_size=1000)


def report_addresses(folder: Path) -> list[dict] | None:
    """Every distinct address of the report's last analysis (None for a report analysed before they
    were kept: analysing it again keeps them)."""
    path = folder / ADDRESSES_JSON
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def report_corrections(folder: Path) -> list[dict[str, str]]:
    path = folder / CORRECTIONS_JSON
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
