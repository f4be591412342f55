"""Uploaded files, from the staff space and the REST API: kept under a name of our own, imported by a
background job (:mod:`.tasks`)."""

from __future__ import annotations

import uuid

from khizana.accounts.audit import audit
from khizana.libraries.models import Library

from .forms import ImportUploadForm
from .models import ImportJob
from .tasks import incoming_dir, run_import_job


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
