"""Public pages of the electronic resources: the A-Z of resources, a resource's page, the A-Z of journals,
the free-resource lists, and a signed-in member's "my resources" with one-click access."""

from __future__ import annotations

import string

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from khizana.accounts import permissions

from . import services
from .kbart import lookup_keys
from .models import Agreement, FreeList, PackageTitle, Resource, split_list

PAGE_SIZE = 50


def _list_filter(field: str, value: str) -> Q:
    """``value`` is one of the comma-separated items of ``field``."""
    return (
        Q(**{f"{field}__iexact": value})
        | Q(**{f"{field}__istartswith": f"{value},"})
        | Q(**{f"{field}__iendswith": f", {value}"})
        | Q(**{f"{field}__icontains": f", {value},"})
    )


def _address(request: HttpRequest) -> str:
    """The client's address: on-site-only rules grant their resources to requests from their ranges
    (behind a reverse proxy, REMOTE_ADDR must be set from the proxy's header by the server)."""
    return request.META.get("REMOTE_ADDR", "")


@require_safe
def resource_list(request: HttpRequest) -> HttpResponse:
    """The A-Z of resources, filtered by subject, kind, language, initial letter or words of the name."""
    params = {
        name: request.GET.get(name, "").strip()[:100]
        for name in ("subject", "kind", "language", "q", "letter")
    }
    resources = Resource.objects.annotate(
        licensed=Exists(Agreement.objects.filter(resources=OuterRef("pk"))),
    ).only(
        "code",
        "name_fr",
        "name_ar",
        "name_en",
        "kind",
        "provider",
        "subjects",
        "languages",
        "is_free",
        "access_method",
        "sort_name",
    )
    if params["subject"]:
        resources = resources.filter(_list_filter("subjects", params["subject"]))
    if params["language"]:
        resources = resources.filter(_list_filter("languages", params["language"]))
    if params["kind"] in Resource.Kind.values:
        resources = resources.filter(kind=params["kind"])
    if len(params["letter"]) == 1 and params["letter"] in string.ascii_uppercase:
        resources = resources.filter(sort_name__startswith=params["letter"].lower())
    if params["q"]:
        words = Q()
        for word in params["q"].split()[:5]:
            words &= (
                Q(name_fr__icontains=word)
                | Q(name_ar__icontains=word)
                | Q(name_en__icontains=word)
                | Q(provider__icontains=word)
            )
        resources = resources.filter(words)
    page = Paginator(resources.order_by("sort_name", "code"), PAGE_SIZE).get_page(request.GET.get("page"))
    counts = dict(
        PackageTitle.objects.filter(resource__in=[r.pk for r in page])
        .values("resource")
        .annotate(n=Count("pk"))
        .values_list("resource", "n")
    )
    for resource in page:
        resource.title_count = counts.get(resource.pk, 0)
    facets = Resource.objects.values_list("subjects", "languages")
    subjects = sorted({s for row in facets for s in split_list(row[0])}, key=str.casefold)
    languages = sorted({code for row in facets for code in split_list(row[1])})
    context = {
        "page": page,
        "params": params,
        "kinds": Resource.Kind.choices,
        "subjects": subjects,
        "languages": languages,
        "letters": string.ascii_uppercase,
        "query": _query_without_page(request),
    }
    return render(request, "eresources/resource_list.html", context)


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_safe
def resource_detail(request: HttpRequest, code: str) -> HttpResponse:
    resource = get_object_or_404(Resource, code=code)
    grant = services.grant_for(request.user, resource, remote=False, ip=_address(request))
    context = {
        "resource": resource,
        "licensed": resource.agreements.exists(),
        "terms": services.public_terms_of(resource),
        "title_count": resource.titles.count(),
        "grant": grant,
    }
    return render(request, "eresources/resource_detail.html", context)


@require_safe
def journal_list(request: HttpRequest) -> HttpResponse:
    """The A-Z of the journals of every package, by words of the title or by ISSN."""
    q = request.GET.get("q", "").strip()[:200]
    package = request.GET.get("package", "").strip()[:64]
    letter = request.GET.get("letter", "")
    titles = PackageTitle.objects.filter(publication_type="serial").select_related("resource")
    if package:
        titles = titles.filter(resource__code=package)
    keys = lookup_keys(q) if q else []
    if keys:
        titles = titles.filter(Q(print_id__in=keys) | Q(online_id__in=keys))
    elif q:
        for word in q.split()[:5]:
            titles = titles.filter(publication_title__icontains=word)
    if len(letter) == 1 and letter in string.ascii_uppercase:
        titles = titles.filter(sort_title__startswith=letter.lower())
    page = Paginator(titles.order_by("sort_title", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "q": q,
        "package": package,
        "letter": letter,
        "letters": string.ascii_uppercase,
        "packages": Resource.objects.filter(
            Exists(PackageTitle.objects.filter(resource=OuterRef("pk"), publication_type="serial"))
        )
        .only("code", "name_fr", "name_ar", "name_en")
        .order_by("sort_name"),
        "query": _query_without_page(request),
    }
    return render(request, "eresources/journal_list.html", context)


@require_safe
def free_lists(request: HttpRequest) -> HttpResponse:
    lists = FreeList.objects.prefetch_related("entries").order_by("title_fr")
    free = Resource.objects.filter(is_free=True).order_by("sort_name")
    return render(request, "eresources/free_lists.html", {"lists": lists, "free": free})


@require_safe
@login_required
def my_resources(request: HttpRequest) -> HttpResponse:
    """Exactly what the signed-in member may use now, each with its one-click access."""
    grants = services.entitlements_for(request.user, remote=False, ip=_address(request))
    resources = Resource.objects.only("code", "name_fr", "name_ar", "name_en", "sort_name").in_bulk(
        [grant.resource_id for grant in grants]
    )
    # The page may list hundreds of resources: URLs and labels made once here, not per row in the template.
    via = {
        "licence": _("your library's licence"),
        "campaign": _("an open-access campaign"),
        "free": _("free access"),
    }
    detail, access_url = reverse("eresources:detail", args=["-"]), reverse("eresources:access", args=["-"])
    rows = [
        {
            "name": resources[g.resource_id].name,
            "sort": resources[g.resource_id].sort_name,
            "detail_url": detail.replace("/-/", f"/{g.resource_code}/"),
            "access_url": access_url.replace("/-/", f"/{g.resource_code}/"),
            "via": g.via,
            "via_label": via[g.via],
        }
        for g in grants
        if g.resource_id in resources
    ]
    rows.sort(key=lambda row: row["sort"])
    member = permissions.membership(request.user)
    context = {"rows": rows, "member": member, "unverified": member is not None and not member.is_verified}
    return render(request, "eresources/my_resources.html", context)


@require_POST
@login_required
def access(request: HttpRequest, code: str) -> HttpResponse:
    """One-click access: checks the entitlement again (and the simultaneous users), records the access and
    sends the member to the platform."""
    resource = get_object_or_404(Resource, code=code)
    try:
        services.record_access(request.user, resource, remote=False, ip=_address(request))
    except services.AccessRefused as refused:
        messages.error(request, str(refused))
        return redirect("eresources:mine")
    return HttpResponseRedirect(resource.platform_url)
