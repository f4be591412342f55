"""The review queue of candidate duplicates in the staff space: /staff/review/ (the pairs, by kind),
/staff/review/<id>/ (the two records side by side) and /staff/review/<id>/decide/ (the answer, POST).

Thin: :mod:`khizana.catalog.review` chooses the pairs, checks the permissions and records the answers.
Another library's pair is a 403, an unknown pair a 404, a verdict other than "same" or "different" a 400
(the pair's page again, saying so).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from khizana.accounts import permissions
from khizana.accounts.decorators import staff_required
from khizana.catalog import review as reviews
from khizana.catalog.models import MatchDecision, MatchReview

PAGE_SIZE = 25

FIELD_LABELS = {
    "title": gettext_lazy("Title"),
    "subtitle": gettext_lazy("Subtitle"),
    "authors": gettext_lazy("Authors"),
    "publisher": gettext_lazy("Publisher"),
    "place": gettext_lazy("Place of publication"),
    "year": gettext_lazy("Year"),
    "edition": gettext_lazy("Edition"),
    "identifiers": gettext_lazy("Identifiers"),
    "languages": gettext_lazy("Languages"),
}


def _filters(request: HttpRequest):
    """The kind and the library asked for, each None when absent or not one the user may choose."""
    kind = request.GET.get("kind") or None
    if kind not in reviews.KINDS:
        kind = None
    code = request.GET.get("library") or None
    library = permissions.libraries_managed(request.user).filter(code=code).first() if code else None
    return kind, library


@require_GET
@staff_required
def review_list(request: HttpRequest) -> HttpResponse:
    kind, library = _filters(request)
    queue = reviews.queue_for(request.user, kind, library)
    page = Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
    by_kind = {
        row["kind"]: row["n"]
        for row in reviews.queue_for(request.user, None, library)
        .order_by()
        .values("kind")
        .annotate(n=Count("id"))
    }
    kept = [(name, value) for name, value in (("kind", kind), ("library", library and library.code)) if value]
    context = {
        "page": page,
        "kind": kind or "",
        "library": library,
        "kinds": [(value, label, by_kind.get(value, 0)) for value, label in MatchReview.Kind.choices],
        "waiting": sum(by_kind.values()),
        "query": urlencode(kept),
    }
    return render(request, "staff/review_list.html", context)


def _review_or_404(request: HttpRequest, review_id: int) -> MatchReview:
    try:
        return reviews.review_for(request.user, review_id)
    except reviews.UnknownReviewError:
        raise Http404(_("There is no such pair to review.")) from None


def _pair_context(request: HttpRequest, review: MatchReview, kind: str | None) -> dict:
    for record in (review.record_a, review.record_b):  # its staff page opens for its own library's staff
        record.editable = permissions.can_write(request.user, record.library_id)
    return {
        "review": review,
        "rows": [{**row, "label": FIELD_LABELS[row["name"]]} for row in reviews.compare(review)],
        "records": [review.record_a, review.record_b],
        "kind": kind if kind in reviews.KINDS else "",
    }


@require_GET
@staff_required
def review_pair(request: HttpRequest, review_id: int) -> HttpResponse:
    review = _review_or_404(request, review_id)  # PermissionDenied (403) for another library's pair
    return render(request, "staff/review_pair.html", _pair_context(request, review, request.GET.get("kind")))


@require_POST
@staff_required
def review_decide(request: HttpRequest, review_id: int) -> HttpResponse:
    review = _review_or_404(request, review_id)  # 404, or 403 for another library's pair
    verdict, kind = request.POST.get("verdict", ""), request.POST.get("kind")
    if verdict not in reviews.VERDICTS:
        context = {**_pair_context(request, review, kind), "error": _("Choose one of the two answers.")}
        return render(request, "staff/review_pair.html", context, status=400)
    back = reverse("staff:review-list")
    back = f"{back}?{urlencode({'kind': kind})}" if kind in reviews.KINDS else back
    try:
        decision = reviews.decide(request.user, review.pk, verdict, request.POST.get("note", ""))
    except reviews.UnknownReviewError:  # answered meanwhile by someone else
        raise Http404(_("There is no such pair to review.")) from None
    except reviews.ReviewError as error:
        messages.error(request, str(error))
        return redirect(back)
    names = {"a": str(decision.record_a), "b": str(decision.record_b)}
    if verdict == MatchDecision.Verdict.SAME:
        messages.success(request, _("Recorded: %(a)s and %(b)s are the same edition.") % names)
    else:
        messages.success(request, _("Recorded: %(a)s and %(b)s are different editions.") % names)
    return redirect(back)
