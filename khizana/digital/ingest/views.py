"""Staff pages of the digital library (/staff/digital/): upload files to a record, list the library's items,
change an item's access policy and rights.

Staff of the object's own library only (:mod:`khizana.accounts.permissions`, asked about the library of the
record or item as stored); every write is audited; a refused file is a message on the page.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from khizana.accounts import permissions
from khizana.accounts.audit import audit
from khizana.accounts.decorators import int_or_404, staff_required
from khizana.digital.ingest import services as ingest
from khizana.digital.models import RIGHTS_CHOICES, DigitalItem
from khizana.libraries.models import Library

UPLOAD_OVERHEAD = 1024 * 1024  # form fields and multipart boundaries around the files


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        clean_one = super().clean
        if isinstance(data, list | tuple):
            return [clean_one(each, initial) for each in data]
        return [clean_one(data, initial)]


class UploadForm(forms.Form):
    library = forms.ModelChoiceField(label=_("Library"), queryset=Library.objects.none(), empty_label=None)
    record = forms.CharField(
        label=_("Record"),
        max_length=255,
        help_text=_(
            "A work number, an ISBN or the library's local id (work:, isbn: or local: before it if needed)."
        ),
    )
    files = MultipleFileField(
        label=_("Files"),
        allow_empty_file=True,
        help_text=_(
            "PDF or EPUB files, or the page images (JPEG, PNG, TIFF, JPEG 2000) of one digitised book."
        ),
    )
    images = forms.BooleanField(label=_("The files are the pages of one digitised book"), required=False)
    access = forms.ChoiceField(label=_("Access"), choices=DigitalItem.Access.choices, initial="members")
    label = forms.CharField(label=_("Label"), max_length=255, required=False)
    rights = forms.ChoiceField(
        label=_("Rights"), choices=[("", "—"), *RIGHTS_CHOICES], required=False, initial=""
    )

    def __init__(self, *args, libraries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["library"].queryset = libraries


class ItemForm(forms.ModelForm):
    class Meta:
        model = DigitalItem
        fields = ["access", "rights", "label"]


def _limit() -> int:
    return settings.KHIZANA_MAX_DIGITAL_BYTES


def _request_too_big(request: HttpRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > _limit() + UPLOAD_OVERHEAD


def _items_page(
    request: HttpRequest, libraries, form: UploadForm, errors: list[str], status: int = 200
) -> HttpResponse:
    items = DigitalItem.objects.filter(library__in=libraries).select_related(
        "library", "record", "record__work"
    )
    context = {
        "form": form,
        "errors": errors,
        "items": items.order_by("-id")[:200],
        "item_count": items.count(),
        "limit": _limit(),
    }
    return render(request, "digital/staff/items.html", context, status=status)


@csrf_exempt  # checked in _upload, once the request's length is known to be within bounds
@require_http_methods(["GET", "POST"])
@staff_required
def items(request: HttpRequest) -> HttpResponse:
    """The library's digital items and the upload form."""
    libraries = permissions.libraries_managed(request.user)
    if request.method == "GET":
        return _items_page(request, libraries, UploadForm(libraries=libraries), [])
    if _request_too_big(request):  # refused before anything reads the body (the CSRF check would)
        message = gettext("The upload is larger than the limit of %(limit)s bytes per file.") % {
            "limit": f"{_limit():,}"
        }
        return _items_page(request, libraries, UploadForm(libraries=libraries), [message], status=413)
    return _upload(request, libraries)


@csrf_protect
def _upload(request: HttpRequest, libraries) -> HttpResponse:
    library = get_object_or_404(Library, pk=int_or_404(request.POST.get("library")))
    if not permissions.can_write(request.user, library):
        raise PermissionDenied(gettext("You cannot add digital items to this library."))
    form = UploadForm(request.POST, request.FILES, libraries=libraries)
    if not form.is_valid():
        return _items_page(request, libraries, form, [], status=400)
    errors = _ingest(request, form)
    if errors:
        return _items_page(request, libraries, form, errors, status=400)
    return redirect("digital-staff")


def _ingest(request: HttpRequest, form: UploadForm) -> list[str]:
    data = form.cleaned_data
    library = data["library"]
    try:
        record = ingest.resolve_record(data["record"], library=library)
    except ingest.IngestError as error:
        return [error.message()]
    options = {
        "access": data["access"],
        "user": request.user,
        "label": data["label"],
        "rights": data["rights"],
    }
    uploads = data["files"]
    try:
        if data["images"]:
            added = [ingest.add_page_images(record, [(f, f.name) for f in uploads], **options)]
        else:
            added = [ingest.add_digital_item(record, f, f.name, **options) for f in uploads]
    except ingest.IngestError as error:
        return [error.message()]
    for item in added:
        messages.success(
            request,
            gettext("Added digital item #%(item)s (%(kind)s, %(pages)s pages) to %(record)s.")
            % {"item": item.pk, "kind": item.get_kind_display(), "pages": item.page_count, "record": record},
        )
    return []


@require_http_methods(["GET", "POST"])
@staff_required
def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    """One item: its technical metadata; change its access policy, rights and label."""
    item = get_object_or_404(
        DigitalItem.objects.select_related("library", "record", "record__work"), pk=item_id
    )
    if not permissions.can_write(request.user, item.library_id):
        raise PermissionDenied(gettext("This digital item belongs to another library."))
    before = {"access": item.access, "rights": item.rights, "label": item.label}
    form = ItemForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            if form.cleaned_data["rights"]:
                item.rights_to_review = ""  # the staff chose an entry of the list
            form.save()
            after = {name: getattr(item, name) for name in before}
            changed = {name: [before[name], after[name]] for name in before if before[name] != after[name]}
            audit(request.user, item.library_id, "digital-edit", f"item {item.pk}", item=item.pk, **changed)
        messages.success(request, gettext("Digital item #%(item)s saved.") % {"item": item.pk})
        return redirect("digital-staff-item", item_id=item.pk)
    return render(request, "digital/staff/item.html", {"item": item, "form": form})
