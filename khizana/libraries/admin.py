from django.contrib import admin

from khizana.core.outgoing.forms import OutgoingURLField

from .models import Library


@admin.register(Library)
class LibraryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_fr", "name_ar", "kind", "city", "country"]
    list_filter = ["kind", "country"]
    search_fields = ["code", "name_fr", "name_ar", "name_en", "city"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "oai_endpoint":  # harvested by the server: no loopback or private address
            kwargs.update(form_class=OutgoingURLField, assume_scheme="https")
        return super().formfield_for_dbfield(db_field, request, **kwargs)
