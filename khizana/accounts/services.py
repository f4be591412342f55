"""What the staff space does, as plain functions shared by its pages and the REST API."""

from __future__ import annotations

import uuid

from khizana.libraries.models import Library

from .forms import ImportUploadForm
from .models import AuditEntry, ImportJob
from .tasks import incoming_dir, run_import_job


def audit(user, library: Library | int | None, action: str, target: str, **details) -> AuditEntry:
    library_id = library if isinstance(library, int) or library is None else library.pk
    return AuditEntry.objects.create(
        user=user, library_id=library_id, action=action, target=target[:255], details=details
    )


def queue_import(user, library: Library, form: ImportUploadForm, **audit_details) -> ImportJob:
    """Store a validated upload under a name of our own and queue its import job (audited).
    The caller has checked ``permissions.can_import(user, library)``."""
    stored_name = f"{uuid.uuid4().hex}.upload"  # never the name sent by the browser
    folder = incoming_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / stored_name
    partial = target.with_suffix(".partial")
    partial.write_bytes(form.data_bytes)
    partial.replace(target)
    job = ImportJob.objects.create(
        library=library,
        uploaded_by=user,
        filename=form.display_name,
        stored_name=stored_name,
        size=len(form.data_bytes),
        sha256=form.sha256,
        format=form.detected.dialect,
    )
    details = {"job": job.pk, "sha256": job.sha256, "size": job.size, **audit_details}
    audit(user, library, "import", job.filename, **details)
    run_import_job(job.pk)
    job.refresh_from_db()
    return job
