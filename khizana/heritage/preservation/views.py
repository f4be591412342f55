"""Thin staff views: the overview of the preserved objects and audits, one item's object and PREMIS events
(with its PREMIS XML), and the actions preserve, check now, restore and (network administrators) audit."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from khizana.accounts import permissions
from khizana.accounts.decorators import int_or_404, staff_required
from khizana.digital.models import DigitalItem

from . import services
from .models import AuditRun, PreservationEvent, PreservedObject


@staff_required
def overview(request: HttpRequest) -> HttpResponse:
    if request.GET.get("item"):
        return redirect("preservation-staff:item", int_or_404(request.GET["item"]))
    objects = services.visible_objects(request.user)
    items = DigitalItem.objects.all()
    if not permissions.is_network_admin(request.user):
        items = items.filter(library__in=permissions.libraries_managed(request.user))
    totals = objects.aggregate(
        count=Count("id"),
        size=Sum("size"),
        failed=Count("id", filter=Q(audit_ok=False)),
        never_checked=Count("id", filter=Q(last_audit_at__isnull=True)),
    )
    context = {
        "totals": totals,
        "items_total": items.count(),
        "unpreserved": items.filter(preservation__isnull=True).count(),
        "failed": objects.filter(audit_ok=False).select_related("item", "library")[:200],
        "recent": objects.select_related("item", "library").order_by("-preserved_at", "-id")[:50],
        "runs": AuditRun.objects.all()[:10],
        "may_audit": permissions.is_network_admin(request.user),
        "audit_limit": settings.KHIZANA_PRESERVATION_AUDIT_LIMIT,
    }
    return render(request, "preservation/overview.html", context)


def _item(request: HttpRequest, item_id: int) -> DigitalItem:
    item = DigitalItem.objects.select_related("library", "record__work").filter(pk=item_id).first()
    if item is None:
        raise Http404
    if not services.may_see(request.user, item.library_id):
        raise PermissionDenied(_("This item belongs to another library."))
    return item


@staff_required
def item_page(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _item(request, item_id)
    obj = PreservedObject.objects.filter(item=item).first()
    events = obj.events.select_related("agent")[:500] if obj else []
    return render(
        request,
        "preservation/item.html",
        {"item": item, "obj": obj, "events": events, "sources": ["auto", "primary", "second"]},
    )


@staff_required
def premis_xml(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _item(request, item_id)
    obj = PreservedObject.objects.filter(item=item).first()
    if obj is None:
        raise Http404
    response = HttpResponse(services.premis_document(obj), content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="premis-item-{item.pk}.xml"'
    return response


@staff_required
@require_POST
def preserve(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _item(request, item_id)
    obj = services.preserve_item(item.pk, user=request.user)
    last = obj.events.first() if obj else None
    if last and last.outcome == PreservationEvent.Outcome.FAILURE:
        messages.error(request, _("Not preserved: %(detail)s") % {"detail": last.detail})
    else:
        messages.success(request, _("Preserved: version %(version)s.") % {"version": obj.head})
    return redirect("preservation-staff:item", item.pk)


@staff_required
@require_POST
def check(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _item(request, item_id)
    try:
        run, _reports = services.audit_item(item.pk, user=request.user)
    except services.PreservationError as error:
        messages.error(request, str(error))
    else:
        if run.failures:
            messages.error(request, _("The check found problems: see the events below."))
        else:
            messages.success(request, _("Both copies are sound."))
    return redirect("preservation-staff:item", item.pk)


@staff_required
@require_POST
def restore(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _item(request, item_id)
    source = request.POST.get("source", "auto")
    if source not in ("auto", "primary", "second"):
        messages.error(request, _("Unknown preservation copy %(source)r.") % {"source": source})
        return redirect("preservation-staff:item", item.pk)
    try:
        report = services.restore_item(item.pk, user=request.user, source=source)
    except services.PreservationError as error:
        messages.error(request, str(error))
        return redirect("preservation-staff:item", item.pk)
    for problem in report.problems:
        messages.error(request, problem)
    if report.nothing_done and not report.problems:
        messages.info(request, _("Nothing to restore: the live files and both copies are sound."))
    elif not report.problems:
        messages.success(
            request,
            _("Restored %(live)s live files, repaired %(repaired)s preservation files.")
            % {"live": len(report.live_restored), "repaired": sum(map(len, report.repaired.values()))},
        )
    return redirect("preservation-staff:item", item.pk)


@staff_required
@require_POST
def run_audit(request: HttpRequest) -> HttpResponse:
    if not permissions.is_network_admin(request.user):
        raise PermissionDenied(_("Audits of the whole network are for network administrators."))
    run, _reports = services.audit(
        limit=settings.KHIZANA_PRESERVATION_AUDIT_LIMIT, user=request.user, trigger="staff"
    )
    messages.info(
        request,
        _("%(checked)s objects checked, %(failed)s with problems.")
        % {"checked": run.object_count, "failed": run.failures},
    )
    return redirect("preservation-staff:overview")
