from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from .clustering import recluster_dirty
from .manual import ManualDecisionError, join_works, split_record
from .models import (
    Holding,
    ImportJob,
    ImportReject,
    ImportRun,
    MatchDecision,
    SourceRecord,
    SourceRecordVersion,
    Work,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return self.fields


class RejectInline(ReadOnlyInline):
    model = ImportReject
    fields = ["number", "offset", "local_id", "reason"]


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "library",
        "filename",
        "status",
        "started_at",
        "records_read",
        "records_added",
        "records_updated",
        "records_deleted",
        "records_rejected",
    ]
    list_filter = ["status", "library"]
    search_fields = ["filename", "file_sha256"]
    readonly_fields = [f.name for f in ImportRun._meta.fields] + ["rejects_report"]
    inlines = [RejectInline]

    @admin.display(description="rejects report")
    def rejects_report(self, run):
        if not run.records_rejected:
            return "—"
        url = reverse("staff:import-rejects-csv", args=[run.pk])
        return format_html(
            '<a href="{}">Download the {} rejected records (CSV)</a>', url, run.records_rejected
        )

    def has_add_permission(self, request):
        return False


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["id", "library", "filename", "status", "uploaded_by", "created_at", "run"]
    list_filter = ["status", "library"]
    readonly_fields = [f.name for f in ImportJob._meta.fields]

    def has_add_permission(self, request):
        return False


class HoldingInline(admin.TabularInline):
    model = Holding
    extra = 0
    fields = ["library", "call_number", "barcode", "location", "status"]


class VersionInline(ReadOnlyInline):
    model = SourceRecordVersion
    fields = ["checksum", "deleted", "import_run", "received_at", "replaced_at"]


@admin.register(SourceRecord)
class SourceRecordAdmin(admin.ModelAdmin):
    list_display = ["id", "library", "local_id", "title", "format", "kind", "deleted", "work"]
    list_filter = ["library", "format", "kind", "deleted"]
    search_fields = ["local_id", "title"]
    list_select_related = ["library", "work"]
    raw_id_fields = ["work", "import_run"]
    readonly_fields = [
        "library",
        "local_id",
        "format",
        "serialisation",
        "kind",
        "checksum",
        "import_run",
        "source_file",
        "source_number",
        "source_offset",
        "received_at",
        "updated_at",
        "deleted",
        "deleted_at",
        "title",
        "fields",
        "warnings",
        "linked_local_id",
        "work",
        "download",
    ]
    exclude = ["raw", "cluster_dirty"]
    inlines = [HoldingInline, VersionInline]
    actions = ["split_out_of_work"]

    def save_related(self, request, form, formsets, change):
        """Holdings edited by staff change the work's libraries and availability: refresh it."""
        super().save_related(request, form, formsets, change)
        SourceRecord.objects.filter(pk=form.instance.pk).update(cluster_dirty=True)
        recluster_dirty()

    @admin.display(description="original record")
    def download(self, record):
        return format_html(
            '<a href="{}">Download the record as sent</a>', reverse("source-record-raw", args=[record.pk])
        )

    @admin.action(description="Take the selected records out of their works (manual split)")
    def split_out_of_work(self, request, queryset):
        for record in queryset:
            try:
                work = split_record(record, user=request.user, note="split in the staff space")
            except ManualDecisionError as error:
                self.message_user(request, str(error), messages.WARNING)
            else:
                self.message_user(request, f"{record} is now in work {work.pk}")

    def has_add_permission(self, request):
        return False


class MemberInline(ReadOnlyInline):
    model = SourceRecord
    fields = ["library", "local_id", "title", "format"]


@admin.register(Work)
class WorkAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "year", "material_type", "record_count", "library_count"]
    list_filter = ["material_type", "library_count"]
    search_fields = ["title", "publisher"]
    readonly_fields = [f.name for f in Work._meta.fields]
    inlines = [MemberInline]
    actions = ["join_selected"]

    @admin.action(description="Join the selected works into one (manual join)")
    def join_selected(self, request, queryset):
        works = list(queryset.order_by("id"))
        if len(works) < 2:
            self.message_user(request, "Select at least two works to join.", messages.WARNING)
            return
        target = works[0]
        for other in works[1:]:
            try:
                target = join_works(target, other, user=request.user, note="joined in the staff space")
            except ManualDecisionError as error:
                self.message_user(request, str(error), messages.WARNING)
        self.message_user(request, f"Joined into work {target.pk}.")

    def has_add_permission(self, request):
        return False


@admin.register(MatchDecision)
class MatchDecisionAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "record_a",
        "record_b",
        "verdict",
        "rule",
        "score",
        "manual",
        "created_by",
        "created_at",
    ]
    list_filter = ["manual", "verdict", "rule"]
    raw_id_fields = ["record_a", "record_b"]
    readonly_fields = ["created_by", "created_at"]
