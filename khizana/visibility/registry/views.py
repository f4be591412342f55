"""Staff pages of the institution registry (/research/registry/).

Reading: every member of staff. Adding a local institution or a name: library and network
administrators (:func:`.services.can_edit_registry`); a refused write is a 403 that changes nothing,
and every write goes to the audit log. The exports stream the whole registry as JSON lines or CSV.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khizana.accounts.decorators import staff_required
from khizana.visibility.models import Institution, InstitutionName

from . import services, variants
from .forms import LocalInstitutionForm, NameForm, ParentForm

PAGE_SIZE = 50
EXPORT_TYPES = {"jsonl": "application/x-ndjson; charset=utf-8", "csv": "text/csv; charset=utf-8"}
# ROR statuses (and "referenced": an id other records point to, missing from the extract)
STATUS_LABELS = {
    "active": gettext_lazy("active"),
    "inactive": gettext_lazy("inactive"),
    "withdrawn": gettext_lazy("withdrawn"),
    "referenced": gettext_lazy("referenced by other records, not in the extract"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def _require_editor(request: HttpRequest) -> None:
    if not services.can_edit_registry(request.user):
        raise PermissionDenied(_("Only library and network administrators may change the registry."))


@require_GET
@staff_required
def registry_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    country = request.GET.get("country", "").strip()[:2]
    city = request.GET.get("city", "").strip()[:200]
    found = services.search_institutions(query, country, city).select_related("parent")
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "query": query,
        "country": country.upper(),
        "city": city,
        "page": page,
        "countries": services.registry_countries(),
        "total": Institution.objects.count(),
        "local_total": Institution.objects.filter(source="local").count(),
        "can_edit": services.can_edit_registry(request.user),
        "filters": request.GET.copy(),
    }
    context["filters"].pop("page", None)
    return render(request, "visibility/registry_list.html", context)


@require_GET
@staff_required
def institution_detail(request: HttpRequest, institution_id: int) -> HttpResponse:
    institution = get_object_or_404(
        Institution.objects.select_related("parent", "created_by"), pk=institution_id
    )
    return render(request, "visibility/registry_institution.html", _detail_context(request, institution))


def _detail_context(
    request: HttpRequest,
    institution: Institution,
    name_form: NameForm | None = None,
    parent_form: ParentForm | None = None,
) -> dict:
    children = institution.children.order_by("sort_key", "id")
    return {
        "institution": institution,
        "status_label": status_label(institution.status),
        "names": services.names_by_kind(institution),
        "chain": services.parent_chain(institution),
        "top": services.roll_up(institution),
        "children": children[:200],
        "children_count": children.count(),
        "can_edit": services.can_edit_registry(request.user),
        "local_names": institution.names.filter(source="local").order_by("created_at", "pk"),
        "name_form": name_form or NameForm(),
        "parent_form": parent_form
        or ParentForm(initial={"parent": institution.parent.identifier if institution.parent_id else ""}),
    }


@require_POST
@staff_required
def name_add(request: HttpRequest, institution_id: int) -> HttpResponse:
    institution = get_object_or_404(Institution, pk=institution_id)
    _require_editor(request)
    form = NameForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            name = services.add_name(
                institution,
                data["value"],
                language=data["language"],
                kind=data["kind"],
                created_by=request.user,
            )
        except services.RegistryError as error:
            form.add_error(None, str(error))
        else:
            services.audit(
                request.user, "registry-add-name", institution.identifier, value=name.value, kind=name.kind
            )
            messages.success(request, _("The name “%(name)s” was added.") % {"name": name.value})
            return redirect("visibility:registry-institution", institution_id=institution.pk)
    context = _detail_context(request, institution, name_form=form)
    return render(request, "visibility/registry_institution.html", context, status=400)


@require_POST
@staff_required
def name_remove(request: HttpRequest, institution_id: int, name_id: int) -> HttpResponse:
    """Remove a name staff or a correction added (a ROR name stays: it comes from ROR)."""
    institution = get_object_or_404(Institution, pk=institution_id)
    name = get_object_or_404(InstitutionName, pk=name_id, institution=institution)
    _require_editor(request)
    try:
        variants.remove_local_name(name)
    except services.RegistryError as error:
        messages.error(request, str(error))
    else:
        services.audit(
            request.user, "registry-remove-name", institution.identifier, value=name.value, kind=name.kind
        )
        messages.success(request, _("The name “%(name)s” was removed.") % {"name": name.value})
    return redirect("visibility:registry-institution", institution_id=institution.pk)


@require_POST
@staff_required
def parent_change(request: HttpRequest, institution_id: int) -> HttpResponse:
    """Move a local institution under another parent (a ROR institution's parent comes from ROR)."""
    institution = get_object_or_404(Institution, pk=institution_id)
    _require_editor(request)
    form = ParentForm(request.POST)
    if form.is_valid():
        try:
            parent = services.parent_from_identifier(form.cleaned_data["parent"])
            old = institution.parent.identifier if institution.parent_id else ""
            services.set_parent(institution, parent)
        except services.RegistryError as error:
            form.add_error("parent", str(error))
        else:
            new = parent.identifier if parent else ""
            services.audit(request.user, "registry-set-parent", institution.identifier, old=old, new=new)
            messages.success(request, _("The parent of %(name)s was changed.") % {"name": institution.name})
            return redirect("visibility:registry-institution", institution_id=institution.pk)
    context = _detail_context(request, institution, parent_form=form)
    return render(request, "visibility/registry_institution.html", context, status=400)


@require_http_methods(["GET", "POST"])
@staff_required
def institution_add(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    if request.method == "POST":
        form = LocalInstitutionForm(request.POST)
        if form.is_valid():
            try:
                institution = services.add_local_institution(
                    **form.service_arguments(), created_by=request.user
                )
            except services.RegistryError as error:
                form.add_error(None, str(error))
            else:
                services.audit(
                    request.user,
                    "registry-add-institution",
                    institution.identifier,
                    name=institution.name,
                    parent=institution.parent.identifier if institution.parent_id else "",
                )
                messages.success(
                    request, _("%(name)s was added to the registry.") % {"name": institution.name}
                )
                return redirect("visibility:registry-institution", institution_id=institution.pk)
        status = 400
    else:
        parent = Institution.objects.filter(pk=_int_or_none(request.GET.get("parent"))).first()
        form = LocalInstitutionForm(initial={"parent": parent.identifier if parent else ""})
        status = 200
    return render(request, "visibility/registry_add.html", {"form": form}, status=status)


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@require_GET
@staff_required
def registry_export(request: HttpRequest, export_format: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        services.export_lines(export_format), content_type=EXPORT_TYPES[export_format]
    )
    response["Content-Disposition"] = f'attachment; filename="khizana-registry.{export_format}"'
    return response
