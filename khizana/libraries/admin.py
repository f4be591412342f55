from django.contrib import admin

from .models import Library


@admin.register(Library)
class LibraryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_fr", "name_ar", "kind", "city", "country"]
    list_filter = ["kind", "country"]
    search_fields = ["code", "name_fr", "name_ar", "name_en", "city"]
