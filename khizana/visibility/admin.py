from django.contrib import admin

from .models import Institution, InstitutionName


class InstitutionNameInline(admin.TabularInline):
    model = InstitutionName
    extra = 0
    fields = ["value", "language", "kind", "source"]
    readonly_fields = ["source"]


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["name", "ror_id", "local_key", "country_code", "city", "source", "parent"]
    list_filter = ["source", "detail", "country_code", "kind", "status"]
    search_fields = ["name", "ror_id", "local_key", "names__value"]
    raw_id_fields = ["parent", "created_by"]
    readonly_fields = ["sort_key", "source_file", "created_at", "updated_at"]
    inlines = [InstitutionNameInline]
