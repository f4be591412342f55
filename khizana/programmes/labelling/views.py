"""Thin views of labelling: the public map, conspectus and collection pages with their Dublin Core
Collections records, the reviewers' pages, and the staff pages (campaigns, applications, decisions)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from khizana.accounts import permissions
from khizana.accounts.decorators import staff_required
from khizana.catalog.models import Work
from khizana.core.vocabularies import language_name

from . import forms, services
from .models import Campaign, Collection, Review

WORKS_SHOWN = 100


def _refused(request: HttpRequest, problem: services.LabellingError) -> None:
    if isinstance(problem, services.NotAllowed):
        raise PermissionDenied(str(problem))
    messages.error(request, str(problem))


def _details(collection: Collection) -> dict:
    return {
        "collection": collection,
        "subjects": [(code, services.subject_label(code)) for code in collection.subjects],
        "languages": [language_name(code) for code in collection.languages],
        "laboratories": list(collection.laboratories.all()),
    }


# ---- public pages ----------------------------------------------------------------------------------------


def index(request: HttpRequest) -> HttpResponse:
    drawn, rows = services.network_map()
    today = timezone.localdate()
    return render(
        request,
        "labelling/index.html",
        {
            "map": drawn,
            "rows": rows,
            "count": sum(len(row["collections"]) for row in rows),
            "open_campaigns": [c for c in Campaign.objects.all() if c.is_open(today)],
        },
    )


def conspectus_page(request: HttpRequest) -> HttpResponse:
    return render(request, "labelling/conspectus.html", {"classes": services.by_class()})


def collection_page(request: HttpRequest, pk: int) -> HttpResponse:
    collection = get_object_or_404(Collection.objects.select_related("library", "campaign"), pk=pk)
    if not services.may_see(request.user, collection):
        raise Http404
    ids = services.work_ids(collection)
    works = Work.objects.filter(pk__in=ids[:WORKS_SHOWN]).only("id", "title", "year").order_by("title")
    return render(
        request,
        "labelling/collection.html",
        _details(collection) | {"works": works, "work_count": len(ids)},
    )


def _absolute(request: HttpRequest):
    return request.build_absolute_uri


def collection_dcc(request: HttpRequest, pk: int) -> HttpResponse:
    collection = get_object_or_404(Collection.objects.select_related("library"), pk=pk)
    if not services.may_see(request.user, collection):
        raise Http404
    return HttpResponse(
        services.dcc_xml([collection], _absolute(request)), content_type="application/rdf+xml"
    )


def collections_dcc(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        services.dcc_xml(list(services.labelled()), _absolute(request)), content_type="application/rdf+xml"
    )


@login_required
def my_reviews(request: HttpRequest) -> HttpResponse:
    return render(request, "labelling/reviews.html", {"reviews": services.reviews_of(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def review_page(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(Review.objects.select_related("collection__library"), pk=pk)
    if review.reviewer_id != request.user.pk:
        raise Http404
    form = forms.ReviewForm(request.POST or None, initial={"score": review.score, "comment": review.comment})
    if request.method == "POST" and form.is_valid():
        try:
            services.score(request.user, review, form.cleaned_data["score"], form.cleaned_data["comment"])
        except services.LabellingError as problem:
            _refused(request, problem)
        else:
            messages.success(request, _("Saved."))
            return redirect("labelling:reviews")
    return render(
        request, "labelling/review.html", _details(review.collection) | {"review": review, "form": form}
    )


# ---- staff pages -----------------------------------------------------------------------------------------


@staff_required
def staff_index(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    campaigns = list(Campaign.objects.all())
    return render(
        request,
        "labelling/staff/index.html",
        {
            "campaigns": campaigns,
            "open_campaigns": [c for c in campaigns if c.is_open(today)],
            "collections": services.collections_for(request.user),
            "is_network_admin": permissions.is_network_admin(request.user),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def staff_campaign(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk) if pk else None
    if not permissions.is_network_admin(request.user):
        raise PermissionDenied
    form = forms.CampaignForm(request.POST or None, instance=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_campaign(request.user, form.values(), campaign)
        except services.LabellingError as problem:
            _refused(request, problem)
        else:
            messages.success(request, _("Saved."))
            return redirect("labelling-staff:index")
    return render(request, "labelling/staff/campaign.html", {"form": form, "campaign": campaign})


@staff_required
@require_http_methods(["GET", "POST"])
def staff_describe(
    request: HttpRequest, campaign_pk: int | None = None, pk: int | None = None
) -> HttpResponse:
    """A new description for a campaign, or an edit of a draft."""
    collection = get_object_or_404(Collection, pk=pk) if pk else None
    if collection is not None and not permissions.can_write(request.user, collection.library):
        raise Http404
    campaign = collection.campaign if collection else get_object_or_404(Campaign, pk=campaign_pk)
    libraries = permissions.libraries_managed(request.user)
    initial = forms.CollectionForm.initial_of(collection) if collection else {}
    form = forms.CollectionForm(request.POST or None, libraries=libraries, initial=initial)
    if collection is not None:
        form.fields["library"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_collection(
                request.user, campaign, form.cleaned_data["library"], form.values(), collection
            )
        except services.LabellingError as problem:
            _refused(request, problem)
        else:
            messages.success(request, _("Saved."))
            return redirect("labelling-staff:collection", saved.pk)
    return render(
        request,
        "labelling/staff/describe.html",
        {"form": form, "campaign": campaign, "collection": collection},
    )


def _staff_collection(request: HttpRequest, pk: int) -> Collection:
    collection = get_object_or_404(Collection.objects.select_related("library", "campaign"), pk=pk)
    if not (
        permissions.is_network_admin(request.user) or permissions.can_write(request.user, collection.library)
    ):
        raise Http404
    return collection


@staff_required
def staff_collection(request: HttpRequest, pk: int) -> HttpResponse:
    collection = _staff_collection(request, pk)
    admin = permissions.is_network_admin(request.user)
    return render(
        request,
        "labelling/staff/collection.html",
        _details(collection)
        | {
            "reviews": collection.reviews.select_related("reviewer") if admin else [],
            "is_network_admin": admin,
            "may_edit": collection.status == Collection.Status.DRAFT
            and permissions.can_write(request.user, collection.library),
            "assign_form": forms.AssignForm(),
            "decision_form": forms.DecisionForm(
                initial={"year": collection.label_year or collection.campaign.closes_on.year}
            ),
            "work_count": len(services.work_ids(collection)),
        },
    )


@staff_required
@require_POST
def staff_submit(request: HttpRequest, pk: int) -> HttpResponse:
    collection = _staff_collection(request, pk)
    try:
        services.submit_collection(request.user, collection)
    except services.LabellingError as problem:
        _refused(request, problem)
    else:
        messages.success(request, _("Saved."))
    return redirect("labelling-staff:collection", collection.pk)


@staff_required
@require_POST
def staff_assign(request: HttpRequest, pk: int) -> HttpResponse:
    collection = _staff_collection(request, pk)
    form = forms.AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, str(form.errors.as_text()))
    else:
        try:
            services.assign_reviewer(request.user, collection, form.cleaned_data["username"])
        except services.LabellingError as problem:
            _refused(request, problem)
        else:
            messages.success(request, _("Saved."))
    return redirect("labelling-staff:collection", collection.pk)


@staff_required
@require_POST
def staff_decide(request: HttpRequest, pk: int) -> HttpResponse:
    collection = _staff_collection(request, pk)
    form = forms.DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, str(form.errors.as_text()))
    else:
        try:
            services.decide(
                request.user,
                collection,
                form.cleaned_data["labelled"],
                form.cleaned_data["year"],
                form.cleaned_data["note"],
            )
        except services.LabellingError as problem:
            _refused(request, problem)
        else:
            messages.success(request, _("Saved."))
    return redirect(reverse("labelling-staff:collection", args=[collection.pk]))
