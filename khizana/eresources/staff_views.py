"""Staff pages of the e-resource registry (/resources/staff/): resources and their title lists, licences
(terms, amendments), agreements (periods, entitlement rules), campaigns, free lists and their link checks.

Library administrators manage their library's licences, agreements and free lists; network administrators
everything, including resources and campaigns. Every write asks :mod:`khizana.eresources.services` about
the object as stored (and as it would be saved); other members of staff get a 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khizana.accounts.decorators import int_or_404, staff_required

from . import forms, services
from .kbart import KbartFileError
from .links import check_all
from .models import (
    Agreement,
    AgreementPeriod,
    Campaign,
    EntitlementRule,
    FreeList,
    FreeListEntry,
    Licence,
    LicenceAmendment,
    LicenceTerm,
    Resource,
)


@dataclass(frozen=True)
class Kind:
    model: type
    form: type
    title: str
    library_scoped: bool


KINDS: dict[str, Kind] = {
    "resource": Kind(Resource, forms.ResourceForm, gettext_lazy("Resource"), False),
    "licence": Kind(Licence, forms.LicenceForm, gettext_lazy("Licence"), True),
    "agreement": Kind(Agreement, forms.AgreementForm, gettext_lazy("Agreement"), True),
    "campaign": Kind(Campaign, forms.CampaignForm, gettext_lazy("Campaign"), False),
    "freelist": Kind(FreeList, forms.FreeListForm, gettext_lazy("List of free resources"), True),
}

# Parts of a page: (parent kind, part) -> model, form, and the parent's field on the part.
PARTS: dict[tuple[str, str], tuple[type, type, str]] = {
    ("licence", "term"): (LicenceTerm, forms.LicenceTermForm, "licence"),
    ("licence", "amendment"): (LicenceAmendment, forms.AmendmentForm, "licence"),
    ("agreement", "period"): (AgreementPeriod, forms.PeriodForm, "agreement"),
    ("agreement", "rule"): (EntitlementRule, forms.RuleForm, "agreement"),
    ("freelist", "entry"): (FreeListEntry, forms.FreeListEntryForm, "free_list"),
}


def _admin_only(request: HttpRequest) -> None:
    if not services.may_enter_staff_pages(request.user):
        raise PermissionDenied(_("These pages are for library and network administrators."))


def _kind(name: str) -> Kind:
    from django.http import Http404

    if name not in KINDS:
        raise Http404
    return KINDS[name]


def _form(kind: Kind, request: HttpRequest, instance=None, data=None):
    extra = {"user": request.user} if kind.library_scoped else {}
    return kind.form(data, request.FILES or None if data else None, instance=instance, **extra)


def _part_form(parent_kind: str, part: str, parent, request: HttpRequest, data=None, instance=None):
    _, form_class, _ = PARTS[(parent_kind, part)]
    extra = {}
    if part == "term":
        extra["licence"] = parent
    if part == "rule":
        extra.update(user=request.user, agreement=parent)
    return form_class(data, instance=instance, prefix=part, **extra)


def _visible(queryset, request: HttpRequest, scoped: bool):
    if not scoped or services.may_manage_network(request.user):
        return queryset
    return queryset.filter(library__in=forms.administered_libraries(request.user))


@require_GET
@staff_required
def index(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    network = services.may_manage_network(request.user)
    context = {
        "network": network,
        "resources": Resource.objects.all() if network else Resource.objects.none(),
        "licences": _visible(Licence.objects.select_related("library"), request, True),
        "agreements": _visible(Agreement.objects.select_related("library", "licence"), request, True),
        "campaigns": Campaign.objects.all() if network else Campaign.objects.none(),
        "free_lists": _visible(FreeList.objects.select_related("library"), request, True),
    }
    return render(request, "eresources/staff/index.html", context)


@require_http_methods(["GET", "POST"])
@staff_required
def edit(request: HttpRequest, kind: str, pk: str | None = None) -> HttpResponse:
    _admin_only(request)
    spec = _kind(kind)
    obj = get_object_or_404(spec.model, pk=int_or_404(pk)) if pk is not None else None
    before = services.owner_of(obj) if obj is not None else services.NEW
    if obj is not None and not services.may_manage(request.user, obj):
        raise PermissionDenied(_("This belongs to another library."))
    if obj is None and not spec.library_scoped and not services.may_manage_network(request.user):
        raise PermissionDenied(_("Only network administrators manage this."))
    form = _form(spec, request, obj, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if kind == "campaign" and obj is None:
            form.instance.created_by = request.user
        saved = services.save_form(request.user, form, before=before, action=f"eresources.{kind}")
        messages.success(request, _("Saved."))
        return redirect("eresources:staff-edit", kind=kind, pk=saved.pk)
    context = {"kind": kind, "spec": spec, "obj": obj, "form": form}
    if obj is not None:
        context["parts"] = {
            part: _part_form(kind, part, obj, request) for (parent, part) in PARTS if parent == kind
        }
        if kind == "resource":
            context["upload"] = forms.KbartUploadForm()
            context["title_count"] = obj.titles.count()
            since = timezone.now() - timedelta(days=30)
            context["accesses"] = dict(
                obj.accesses.filter(at__gte=since)
                .values("via")
                .annotate(n=Count("pk"))
                .values_list("via", "n")
            )
        if kind == "licence":
            context["terms"] = obj.terms.select_related("amendment")
            context["amendments"] = obj.amendments.all()
        if kind == "agreement":
            context["periods"] = obj.periods.all()
            context["rules"] = obj.rules.prefetch_related("libraries")
        if kind == "freelist":
            context["entries"] = obj.entries.all()
    return render(request, "eresources/staff/edit.html", context, status=400 if form.errors else 200)


@require_POST
@staff_required
def add_part(request: HttpRequest, kind: str, pk: str, part: str) -> HttpResponse:
    _admin_only(request)
    spec = _kind(kind)
    if (kind, part) not in PARTS:
        from django.http import Http404

        raise Http404
    parent = get_object_or_404(spec.model, pk=int_or_404(pk))
    if not services.may_manage(request.user, parent):
        raise PermissionDenied(_("This belongs to another library."))
    model, _form_class, field = PARTS[(kind, part)]
    form = _part_form(kind, part, parent, request, data=request.POST, instance=model(**{field: parent}))
    if form.is_valid():
        services.save_form(request.user, form, before=services.NEW, action=f"eresources.{kind}.{part}")
        messages.success(request, _("Saved."))
        return redirect("eresources:staff-edit", kind=kind, pk=parent.pk)
    context = {"kind": kind, "spec": spec, "obj": parent, "part": part, "form": form}
    return render(request, "eresources/staff/part.html", context, status=400)


@require_POST
@staff_required
def delete_part(request: HttpRequest, kind: str, pk: str, part: str, part_pk: str) -> HttpResponse:
    _admin_only(request)
    spec = _kind(kind)
    if (kind, part) not in PARTS:
        from django.http import Http404

        raise Http404
    model, _form_class, field = PARTS[(kind, part)]
    parent = get_object_or_404(spec.model, pk=int_or_404(pk))
    obj = get_object_or_404(model, pk=int_or_404(part_pk), **{field: parent})
    if not services.may_manage(request.user, obj):
        raise PermissionDenied(_("This belongs to another library."))
    services.delete_object(request.user, obj, action=f"eresources.{kind}.{part}.delete")
    messages.success(request, _("Deleted."))
    return redirect("eresources:staff-edit", kind=kind, pk=parent.pk)


@require_POST
@staff_required
def upload_titles(request: HttpRequest, pk: str) -> HttpResponse:
    _admin_only(request)
    resource = get_object_or_404(Resource, pk=int_or_404(pk))
    if not services.may_manage_network(request.user):
        raise PermissionDenied(_("Only network administrators manage this."))
    form = forms.KbartUploadForm(request.POST, request.FILES)
    report = None
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = services.load_titles(
                request.user, resource, upload.read(), upload.name, add_only=form.cleaned_data["add_only"]
            )
        except KbartFileError as error:
            form.add_error("file", str(error))
    context = {"resource": resource, "form": form, "report": report}
    return render(request, "eresources/staff/titles_loaded.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@staff_required
def link_report(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    lists = _visible(FreeList.objects.all(), request, True)
    entries = FreeListEntry.objects.filter(free_list__in=lists).select_related("free_list")
    if request.method == "POST":
        result = check_all(list(entries))
        messages.success(
            request,
            _("%(checked)s links checked, %(broken)s broken.")
            % {"checked": result.checked, "broken": result.broken},
        )
        return redirect("eresources:staff-links")
    broken = request.GET.get("broken") == "1"
    shown = entries.filter(Q(is_broken=True)) if broken else entries
    context = {"entries": shown.order_by("-is_broken", "free_list__title_fr", "position"), "broken": broken}
    return render(request, "eresources/staff/links.html", context)
