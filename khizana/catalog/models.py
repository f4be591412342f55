from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from khizana.libraries.models import Library

from .records import HoldingStatus, MaterialType, RecordFormat, RecordKind, Serialisation


class ImportRun(models.Model):
    """One file (or, later, one harvest) loaded into one library."""

    class Status(models.TextChoices):
        RUNNING = "running", _("running")
        FINISHED = "finished", _("finished")
        FAILED = "failed", _("failed")
        INTERRUPTED = "interrupted", _("interrupted")

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="import_runs")
    filename = models.CharField(_("file name"), max_length=500)
    file_sha256 = models.CharField(max_length=64, db_index=True)
    file_size = models.BigIntegerField(default=0)
    stored_path = models.CharField(max_length=500, blank=True, help_text=_("Kept copy of the file sent."))
    format = models.CharField(max_length=16, blank=True)
    dialect = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    pid = models.IntegerField(null=True, blank=True)
    records_read = models.IntegerField(default=0)
    records_added = models.IntegerField(default=0)
    records_updated = models.IntegerField(default=0)
    records_unchanged = models.IntegerField(default=0)
    records_deleted = models.IntegerField(default=0)
    records_rejected = models.IntegerField(default=0)
    records_with_warnings = models.IntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("import run")

    def __str__(self) -> str:
        return f"{self.library.code} {self.filename} ({self.status})"

    def summary(self) -> str:
        return (
            f"read {self.records_read}, added {self.records_added}, updated {self.records_updated}, "
            f"unchanged {self.records_unchanged}, deleted {self.records_deleted}, "
            f"rejected {self.records_rejected}"
        )


class ImportReject(models.Model):
    """A record that could not be read, with its bytes and the reason."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="rejects")
    number = models.IntegerField(help_text=_("1-based position of the record in the file."))
    offset = models.BigIntegerField(help_text=_("Byte offset of the record in the file."))
    local_id = models.CharField(max_length=255, blank=True)
    reason = models.TextField()
    raw = models.BinaryField()

    class Meta:
        ordering = ["run", "number"]

    def __str__(self) -> str:
        return f"{self.run.filename}: record {self.number} at byte {self.offset}: {self.reason}"


class ImportJob(models.Model):
    """A file uploaded in the staff space, waiting for (or done by) the background import."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        FINISHED = "finished", _("finished")
        FAILED = "failed", _("failed")

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(_("file name"), max_length=255, help_text=_("As sent, for display only."))
    stored_name = models.CharField(
        max_length=64, help_text=_("Name of the waiting copy (never the sent name).")
    )
    size = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    format = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True)
    run = models.ForeignKey(ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import job")

    def __str__(self) -> str:
        return f"{self.library.code} {self.filename} ({self.status})"


class Work(models.Model):
    """An edition: the cluster of source records, from any library, that describe it."""

    title = models.TextField(blank=True)
    subtitle = models.TextField(blank=True)
    parallel_titles = models.JSONField(default=list, blank=True)
    authors = models.JSONField(default=list, blank=True)
    identifiers = models.JSONField(default=dict, blank=True)
    publisher = models.CharField(max_length=500, blank=True)
    place = models.CharField(max_length=255, blank=True)
    year = models.IntegerField(null=True, blank=True, db_index=True)
    edition = models.CharField(max_length=255, blank=True)
    languages = models.JSONField(default=list, blank=True)
    material_type = models.CharField(max_length=16, choices=[(m.value, m.value) for m in MaterialType])
    subjects = models.JSONField(default=list, blank=True)
    classification = models.JSONField(default=list, blank=True)
    scripts = models.JSONField(default=list, blank=True)
    record_count = models.IntegerField(default=0)
    library_count = models.IntegerField(default=0)
    libraries = models.JSONField(default=list, blank=True, help_text=_("Codes of the libraries holding it."))
    availability = models.JSONField(
        default=list,
        blank=True,
        help_text=_('"on_shelf" when a copy is available, "digital" for a digital copy.'),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("work")

    def __str__(self) -> str:
        return f"{self.title or '[untitled]'} ({self.year or 's.d.'})"


class SourceRecord(models.Model):
    """One record exactly as one library sent it, with the fields extracted from it."""

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="records")
    local_id = models.CharField(max_length=255)
    format = models.CharField(max_length=16, choices=[(f.value, f.value) for f in RecordFormat])
    serialisation = models.CharField(max_length=16, choices=[(s.value, s.value) for s in Serialisation])
    kind = models.CharField(
        max_length=16, choices=[(k.value, k.value) for k in RecordKind], default=RecordKind.BIBLIOGRAPHIC
    )
    raw = models.BinaryField()
    checksum = models.CharField(max_length=64, help_text=_("SHA-256 of the record bytes."))
    import_run = models.ForeignKey(ImportRun, null=True, on_delete=models.SET_NULL, related_name="records")
    source_file = models.CharField(max_length=500, blank=True)
    source_number = models.IntegerField(default=0)
    source_offset = models.BigIntegerField(default=0)
    received_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    title = models.TextField(blank=True)
    fields = models.JSONField(default=dict)
    warnings = models.JSONField(default=list, blank=True)
    linked_local_id = models.CharField(max_length=255, blank=True)
    work = models.ForeignKey(Work, null=True, blank=True, on_delete=models.SET_NULL, related_name="records")
    cluster_dirty = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["library", "local_id"], name="unique_local_id_per_library")
        ]
        indexes = [
            models.Index(fields=["cluster_dirty"], condition=models.Q(cluster_dirty=True), name="dirty"),
            # OAI-PMH lists records by datestamp, then id (keyset paging, earliest datestamp).
            models.Index(fields=["updated_at", "id"], name="record_datestamp"),
        ]

    def __str__(self) -> str:
        return f"{self.library.code}:{self.local_id}"


class SourceRecordVersion(models.Model):
    """An earlier version of a source record, kept when a library sends a new one."""

    record = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="versions")
    raw = models.BinaryField()
    checksum = models.CharField(max_length=64)
    deleted = models.BooleanField(default=False)
    import_run = models.ForeignKey(ImportRun, null=True, on_delete=models.SET_NULL, related_name="+")
    received_at = models.DateTimeField()
    replaced_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["record", "-replaced_at"]

    def __str__(self) -> str:
        return f"{self.record_id} version {self.checksum[:12]} (replaced {self.replaced_at:%Y-%m-%d})"


class Holding(models.Model):
    """A copy in a library, carried by the source record that describes it."""

    record = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="holdings")
    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="holdings")
    call_number = models.CharField(max_length=255, blank=True)
    barcode = models.CharField(max_length=128, blank=True)
    location = models.CharField(max_length=255, blank=True)
    status = models.CharField(
        max_length=16, choices=[(s.value, s.value) for s in HoldingStatus], default=HoldingStatus.UNKNOWN
    )
    source_tag = models.CharField(max_length=8, blank=True)

    def __str__(self) -> str:
        return f"{self.library.code} {self.call_number or self.barcode}"


class MatchKey(models.Model):
    """A blocking key of a record: records can only be matched when they share one."""

    record = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="match_keys")
    key = models.CharField(max_length=255, db_index=True)

    def __str__(self) -> str:
        return f"{self.record_id}: {self.key}"


class MatchDecision(models.Model):
    """Why two records are in one work (an automatic rule and its score) or were kept apart.

    Manual decisions (a member of staff split or joined works) outrank every rule and survive
    re-imports and re-clustering; automatic ones are rewritten whenever their records are re-clustered.
    """

    class Verdict(models.TextChoices):
        SAME = "same", _("same edition")
        DIFFERENT = "different", _("different editions")

    record_a = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="+")
    record_b = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="+")
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    rule = models.CharField(max_length=32)
    score = models.FloatField()
    manual = models.BooleanField(default=False, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["record_a"]), models.Index(fields=["record_b"])]

    def __str__(self) -> str:
        return f"{self.record_a_id} {self.verdict} {self.record_b_id} ({self.rule} {self.score:.2f})"


class MatchReview(models.Model):
    """A pair of records the rules could not decide, waiting for staff: scored just under the
    threshold, or linked by an identifier while their year or edition conflict.

    Rewritten (like automatic decisions) whenever its records are re-clustered; a staff answer is
    stored as a manual :class:`MatchDecision`, which outranks the rules and removes the pair from here.
    """

    class Kind(models.TextChoices):
        NEAR = "near", _("scored just under the threshold")
        CONFLICT = "conflict", _("shared identifier, conflicting year or edition")

    record_a = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="+")
    record_b = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    score = models.FloatField()  # 0..1
    reasons = models.JSONField(default=list)  # short sentences: what agrees, what conflicts
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["record_a"]), models.Index(fields=["record_b"])]
        constraints = [models.UniqueConstraint(fields=["record_a", "record_b"], name="one_review_per_pair")]

    def __str__(self) -> str:
        return f"review {self.record_a_id} / {self.record_b_id} ({self.kind} {self.score:.2f})"

    def reason_texts(self) -> list[str]:
        """The reasons in the reader's language ("title=88" -> "title similarity 88 / 100")."""
        return [describe_reason(reason) for reason in self.reasons]


_REASONS = {
    "title": _("title similarity %(a)s / 100"),
    "author": _("first author similarity %(a)s / 100"),
    "publisher": _("publisher similarity %(a)s / 100"),
    "year": _("same year, %(a)s"),
    "shared": _("both records carry %(a)s %(b)s"),
    "years": _("but their years differ: %(a)s and %(b)s"),
    "editions": _("but their editions differ: %(a)s and %(b)s"),
}


def describe_reason(reason: str) -> str:
    """One reason code of the matcher ("name=value|value") in words; an unknown code as it is."""
    name, _sep, values = str(reason).partition("=")
    template = _REASONS.get(name)
    if template is None:
        return str(reason)
    parts = values.split("|")
    return str(template) % {"a": parts[0], "b": parts[1] if len(parts) > 1 else ""}
