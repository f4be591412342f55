"""Staff pages of the harvester: /staff/harvest/<library code>/ (runs, endpoint, start a harvest).

Only staff who may import into the library (:func:`khizana.accounts.permissions.can_import`) see or
change its page; everyone else signed in gets a 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khizana.accounts import permissions
from khizana.accounts.audit import audit
from khizana.accounts.decorators import staff_required
from khizana.libraries.models import Library

from .forms import HarvestSourceForm
from .models import HarvestRun, HarvestSource
from .oai import render_message
from .services import HarvestConfigError, configure, queue_harvest
from .tasks import run_harvest_job


def _library_in_scope(request: HttpRequest, code: str) -> Library:
    library = get_object_or_404(Library, code=code)
    if not permissions.can_import(request.user, library):
        raise PermissionDenied(_("The harvesting of this library is managed by its own staff."))
    return library


@require_GET
@staff_required
def index(request: HttpRequest) -> HttpResponse:
    libraries = list(permissions.libraries_managed(request.user).select_related("harvest_source"))
    if len(libraries) == 1:
        return redirect("harvest:library", code=libraries[0].code)
    return render(request, "harvest/index.html", {"libraries": libraries})


@require_http_methods(["GET", "POST"])
@staff_required
def library_page(request: HttpRequest, code: str) -> HttpResponse:
    library = _library_in_scope(request, code)
    source = HarvestSource.objects.filter(library=library).first()
    initial = {} if source else {"base_url": library.oai_endpoint, "enabled": True}
    form = HarvestSourceForm(request.POST or None, instance=source, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            source = configure(
                library,
                data["base_url"],
                metadata_prefix=data["metadata_prefix"],
                set_spec=data["set_spec"],
                enabled=data["enabled"],
            )
        except HarvestConfigError as error:
            form.add_error("base_url", render_message(error.message, _))
        else:
            audit(request.user, library, "harvest-settings", source.base_url, **data)
            messages.success(request, _("The harvesting settings have been saved."))
            return redirect("harvest:library", code=library.code)
    runs = HarvestRun.objects.filter(source__library=library).select_related("started_by")[:100]
    context = {"library": library, "source": source, "form": form, "runs": runs}
    return render(request, "harvest/library.html", context, status=400 if form.errors else 200)


@require_POST
@staff_required
def start(request: HttpRequest, code: str) -> HttpResponse:
    library = _library_in_scope(request, code)
    source = HarvestSource.objects.filter(library=library).first()
    if source is None:
        messages.error(request, _("Set the OAI-PMH address of the library first."))
        return redirect("harvest:library", code=library.code)
    busy = source.runs.filter(status__in=[HarvestRun.Status.QUEUED, HarvestRun.Status.RUNNING]).first()
    if busy is not None:
        messages.error(request, _("A harvest of this library is already waiting or running."))
        return redirect("harvest:run", code=library.code, run_id=busy.pk)
    run = queue_harvest(source, user=request.user, trigger="staff", full=request.POST.get("full") == "1")
    audit(request.user, library, "harvest", source.base_url, run=run.pk, full=not run.requested_from)
    run_harvest_job(run.pk)
    messages.success(request, _("The harvest has been started."))
    return redirect("harvest:run", code=library.code, run_id=run.pk)


@require_GET
@staff_required
def run_detail(request: HttpRequest, code: str, run_id: int) -> HttpResponse:
    library = _library_in_scope(request, code)
    run = get_object_or_404(
        HarvestRun.objects.select_related("started_by"), pk=run_id, source__library=library
    )
    context = {
        "library": library,
        "run": run,
        "import_runs": run.import_runs.order_by("id"),
        "refresh": run.status in (HarvestRun.Status.QUEUED, HarvestRun.Status.RUNNING),
    }
    return render(request, "harvest/run.html", context)
