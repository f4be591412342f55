from django.contrib import admin
from django.utils import timezone

from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created with ``khizana api-token create``; here they can be seen and revoked."""

    list_display = ["prefix", "name", "user", "created", "last_used", "revoked"]
    list_filter = ["revoked"]
    search_fields = ["prefix", "name", "user__username"]
    readonly_fields = ["user", "name", "key_hash", "prefix", "created", "last_used", "revoked_at"]
    fields = [*readonly_fields[:6], "revoked", "revoked_at"]

    def save_model(self, request, obj, form, change):
        if obj.revoked and obj.revoked_at is None:
            obj.revoked_at = timezone.now()
        super().save_model(request, obj, form, change)

    def has_add_permission(self, request):
        return False
