"""Background imports of uploaded files (huey, configured in settings.HUEY through huey.contrib.djhuey)."""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from huey.contrib.djhuey import db_task

from .models import ImportJob, ImportRun
from .services import ImportFileError, import_bytes

logger = logging.getLogger(__name__)


def incoming_dir() -> Path:
    return Path(settings.KHIZANA_IMPORT_STORE) / "incoming"


def incoming_path(job: ImportJob) -> Path:
    """Where the uploaded copy waits: a name made by Khizana, never the name sent by the browser."""
    return incoming_dir() / job.stored_name


@db_task()
def run_import_job(job_id: int) -> None:
    run_import_job_now(job_id)


def run_import_job_now(job_id: int) -> None:
    job = ImportJob.objects.select_related("library", "uploaded_by").filter(pk=job_id).first()
    if job is None or job.status != ImportJob.Status.QUEUED:
        return
    job.status = ImportJob.Status.RUNNING
    job.save(update_fields=["status", "updated_at"])
    path = incoming_path(job)

    def link(run: ImportRun) -> None:
        job.run = run
        job.save(update_fields=["run", "updated_at"])

    try:
        data = path.read_bytes()
        import_bytes(job.library, data, job.filename, user=job.uploaded_by, on_start=link)
    except ImportFileError as error:
        job.status, job.error = ImportJob.Status.FAILED, str(error)
    except Exception as error:
        logger.exception("import job %s failed", job_id)
        job.status, job.error = ImportJob.Status.FAILED, f"{job.filename}: {type(error).__name__}: {error}"
    else:
        job.status = ImportJob.Status.FINISHED
    if job.run_id:  # import_bytes kept its own content-addressed copy of the file: the waiting one can go
        path.unlink(missing_ok=True)
    job.save(update_fields=["status", "error", "updated_at"])
