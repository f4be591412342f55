from django.contrib import admin

from .models import AuditEntry, Membership


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "library", "membership_number", "created_at"]
    list_filter = ["role", "library"]
    search_fields = ["user__username", "user__email", "membership_number"]
    raw_id_fields = ["user"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "library", "action", "target"]
    list_filter = ["action", "library"]
    readonly_fields = ["created_at", "user", "library", "action", "target", "details"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
