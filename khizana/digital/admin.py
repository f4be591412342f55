"""Django admin of the digital library.

Loans part: on-site address ranges and lending licences are managed here by the staff (their Django
account needs "staff status" to enter /admin/); a cataloguer or library administrator sees and changes only
their own library's (Khizana's roles, ``accounts.permissions``), a network administrator every library's.
Loans, waiting lists and usage events are shown read-only. Every write is audited.
"""

from __future__ import annotations

import ipaddress

from django import forms
from django.contrib import admin
from django.utils.translation import gettext as _

from khizana.accounts import permissions
from khizana.accounts.audit import audit

from .models import DigitalItem, Licence, Loan, OnSiteNetwork, UsageEvent, WaitlistEntry

# Wider ranges than these would put a large part of the Internet "on site".
MIN_PREFIX = {4: 8, 6: 32}


class LibraryScopedAdmin(admin.ModelAdmin):
    """Rows reached through ``library_path``; Khizana staff roles give the permissions, scoped by library."""

    library_path = "library"

    def _staff(self, request) -> bool:
        return permissions.is_staff(request.user)  # superusers count as network administrators

    def has_module_permission(self, request):
        return self._staff(request)

    def has_view_permission(self, request, obj=None):
        return self._staff(request) and (obj is None or self._in_scope(request, obj))

    def has_add_permission(self, request):
        return self._staff(request)

    def has_change_permission(self, request, obj=None):
        return self._staff(request) and (obj is None or self._in_scope(request, obj))

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def _library_id(self, obj) -> int | None:
        """``obj.library_id``, or ``obj.item.library_id`` for ``item__library`` (no Library fetched)."""
        *through, last = self.library_path.split("__")
        target = obj
        for part in through:
            target = getattr(target, part, None)
        return getattr(target, f"{last}_id", None)

    def _in_scope(self, request, obj) -> bool:
        return permissions.can_write(request.user, self._library_id(obj))

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        return rows.filter(**{f"{self.library_path}__in": permissions.libraries_managed(request.user)})

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.staff_user = request.user  # the forms check the library of what they are given
        return form


class ReadOnlyScopedAdmin(LibraryScopedAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OnSiteNetworkForm(forms.ModelForm):
    staff_user = None

    class Meta:
        model = OnSiteNetwork
        fields = ["library", "cidr"]

    def clean_cidr(self) -> str:
        text = (self.cleaned_data.get("cidr") or "").strip()
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise forms.ValidationError(
                _("“%(value)s” is not an address range: write e.g. 196.200.128.0/20 or 2001:db8::/48."),
                params={"value": text},
            ) from None
        if network.prefixlen < MIN_PREFIX[network.version]:
            raise forms.ValidationError(
                _("The range %(value)s is too wide: at most /%(prefix)s for this kind of address."),
                params={"value": str(network), "prefix": MIN_PREFIX[network.version]},
            )
        return str(network)

    def clean_library(self):
        library = self.cleaned_data.get("library")
        if (
            library is not None
            and self.staff_user is not None
            and not permissions.can_write(self.staff_user, library)
        ):
            raise forms.ValidationError(_("You may only manage the address ranges of your own library."))
        return library


@admin.register(OnSiteNetwork)
class OnSiteNetworkAdmin(LibraryScopedAdmin):
    form = OnSiteNetworkForm
    list_display = ["cidr", "library"]
    list_filter = ["library"]
    search_fields = ["cidr", "library__code"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "library":
            kwargs["queryset"] = permissions.libraries_managed(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit(request.user, obj.library_id, "on_site_network", obj.cidr, changed=change)

    def delete_model(self, request, obj):
        audit(request.user, obj.library_id, "on_site_network_delete", obj.cidr)
        super().delete_model(request, obj)


class LicenceForm(forms.ModelForm):
    staff_user = None

    class Meta:
        model = Licence
        fields = [
            "item",
            "reference",
            "total_loans",
            "concurrent_loans",
            "max_loan_days",
            "starts_on",
            "ends_on",
        ]

    def clean_item(self) -> DigitalItem:
        item = self.cleaned_data.get("item")
        if item is None:
            return item
        if self.staff_user is not None and not permissions.can_write(self.staff_user, item.library_id):
            raise forms.ValidationError(_("You may only manage the licences of your own library's items."))
        if item.access != DigitalItem.Access.LICENSED:
            raise forms.ValidationError(
                _(
                    "This item is not lent under licence (its access is “%(access)s”): "
                    "change its access first."
                ),
                params={"access": item.get_access_display()},
            )
        return item

    def clean_concurrent_loans(self) -> int:
        value = self.cleaned_data.get("concurrent_loans")
        if value is not None and value < 1:
            raise forms.ValidationError(_("At least one simultaneous loan."))
        return value

    def clean_max_loan_days(self) -> int:
        value = self.cleaned_data.get("max_loan_days")
        if value is not None and not 1 <= value <= 366:
            raise forms.ValidationError(_("A loan lasts from 1 to 366 days."))
        return value

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The licence ends before it starts."))
        total = data.get("total_loans")
        used = self.instance.loans_used if self.instance.pk else 0
        if total is not None and total < max(1, used):
            self.add_error(
                "total_loans",
                _("At least %(used)s: loans already spent (or leave it empty for no limit).")
                % {"used": max(1, used)},
            )
        return data


@admin.register(Licence)
class LicenceAdmin(LibraryScopedAdmin):
    form = LicenceForm
    library_path = "item__library"
    list_display = [
        "reference",
        "item",
        "total_loans",
        "loans_used",
        "concurrent_loans",
        "max_loan_days",
        "starts_on",
        "ends_on",
    ]
    list_filter = ["item__library", "ends_on"]
    search_fields = ["reference", "item__record__title", "item__filename"]
    raw_id_fields = ["item"]
    readonly_fields = ["loans_used", "created_at"]
    list_select_related = ["item", "item__library"]

    def save_model(self, request, obj, form, change):
        from khizana.digital.lending import loans

        super().save_model(request, obj, form, change)
        audit(
            request.user,
            obj.item.library_id,
            "licence",
            f"licence {obj.reference or obj.pk} on item {obj.item_id}",
            changed=change,
            total_loans=obj.total_loans,
            concurrent_loans=obj.concurrent_loans,
            ends_on=str(obj.ends_on or ""),
        )
        loans.refresh_item_waitlist(obj.item)  # new copies go to the members waiting

    def delete_model(self, request, obj):
        audit(request.user, obj.item.library_id, "licence_delete", f"licence {obj.reference or obj.pk}")
        super().delete_model(request, obj)


@admin.register(Loan)
class LoanAdmin(ReadOnlyScopedAdmin):
    library_path = "item__library"
    list_display = ["item", "user", "licence", "started_at", "due_at", "returned_at"]
    list_filter = ["item__library"]
    search_fields = ["user__username", "item__record__title"]
    exclude = ["token"]  # signs the download links: never shown


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(ReadOnlyScopedAdmin):
    library_path = "item__library"
    list_display = ["item", "user", "created_at", "offered_at", "expires_at", "closed_at"]
    list_filter = ["item__library"]


@admin.register(UsageEvent)
class UsageEventAdmin(ReadOnlyScopedAdmin):
    library_path = "item__library"
    list_display = ["occurred_at", "action", "item", "user", "access_type", "is_request", "page"]
    list_filter = ["action", "access_type", "library"]
    date_hierarchy = "occurred_at"
