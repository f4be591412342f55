"""Thin views of the portal: its front page (news, pages and what the programmes offer), a news item, a
page, the feeds; the network administrators' pages to write them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from khizana.accounts.decorators import staff_required

from . import forms, services
from .models import Entry


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    news = services.published().filter(kind=Entry.Kind.NEWS)[:20]
    context = {"news": news, "pages": services.pages(), **services.programme_listing(request.user)}
    return render(request, "portal/index.html", context)


def _shown(request: HttpRequest, entry: Entry) -> HttpResponse:
    if not services.published().filter(pk=entry.pk).exists() and not services.may_write(request.user):
        raise Http404(_("No such news item or page."))
    return render(
        request, "portal/entry.html", {"entry": entry, "paragraphs": services.paragraphs(entry.body)}
    )


@require_safe
def news(request: HttpRequest, pk: int) -> HttpResponse:
    return _shown(request, get_object_or_404(Entry, pk=pk, kind=Entry.Kind.NEWS))


@require_safe
def page(request: HttpRequest, slug: str) -> HttpResponse:
    return _shown(request, get_object_or_404(Entry, slug=slug, kind=Entry.Kind.PAGE))


# ---- staff -----------------------------------------------------------------------------------------------


def _writer(request: HttpRequest) -> None:
    if not services.may_write(request.user):
        raise PermissionDenied(_("Only the network's administrators write the portal."))


@staff_required
@require_safe
def staff_entries(request: HttpRequest) -> HttpResponse:
    _writer(request)
    return render(request, "portal/staff/entries.html", {"entries": Entry.objects.all()})


@staff_required
@require_http_methods(["GET", "POST"])
def staff_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _writer(request)
    entry = get_object_or_404(Entry, pk=pk) if pk else None
    if request.method == "POST" and request.POST.get("action") == "delete" and entry is not None:
        services.delete_entry(request.user, entry)
        messages.success(request, _("Deleted."))
        return redirect("portal-staff:entries")
    form = forms.EntryForm(request.POST or None, instance=entry)
    if request.method == "POST":
        if form.is_valid():
            values = services.EntryText(
                kind=form.cleaned_data["kind"],
                slug=form.cleaned_data["slug"],
                texts=form.texts(),
                status=form.cleaned_data["status"],
                published_at=form.cleaned_data["published_at"],
            )
            try:
                # the instance the form filled is not saved: the service reads a fresh one
                saved = services.save_entry(request.user, values, entry and Entry.objects.get(pk=entry.pk))
            except services.NotAllowed as problem:
                raise PermissionDenied(str(problem)) from None
            except services.PortalError as problem:
                messages.error(request, str(problem))
            else:
                messages.success(request, _("Saved."))
                return redirect("portal-staff:edit", pk=saved.pk)
        else:
            for name, errors in form.errors.items():
                label = form.fields[name].label if name in form.fields else ""
                for error in errors:
                    messages.error(request, f"{label}: {error}" if label else error)
    return render(request, "portal/staff/edit.html", {"form": form, "entry": entry})
