"""Loans pages: borrow, return, waiting list, downloads (signed links for loans), the member's loans, and
the staff's licence alerts. Every refusal is a page saying why (403, or 409 when no copy is free), never a
traceback; anonymous readers are sent to the sign-in page."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from khizana.accounts import permissions
from khizana.accounts.decorators import staff_required
from khizana.digital.access import can_read, current_loan, current_loan_q, is_member_of, live_entry_q
from khizana.digital.lending import licences, loans, signing
from khizana.digital.models import DigitalItem, Licence, Loan, WaitlistEntry
from khizana.digital.storage import StorageError, default_store
from khizana.digital.usage import record_usage


def _item(item_id: int) -> DigitalItem:
    return get_object_or_404(DigitalItem.objects.select_related("library", "record"), pk=item_id)


def item_url(item: DigitalItem) -> str:
    return reverse("digital-item", args=[item.pk])


def item_title(item: DigitalItem) -> str:
    return item.display_title or _("[untitled]")


def _file_response(item: DigitalItem) -> FileResponse:
    if not item.file_key:
        raise Http404(_("This item has no file to download."))
    try:
        handle = default_store().open(item.file_key)
    except StorageError as error:
        raise Http404(_("The file of this item is missing.")) from error
    extension = item.file_key.rsplit(".", 1)[-1] if "." in item.file_key else "bin"
    name = item.filename or f"khizana-{item.pk}.{extension}"
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=item.media_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_safe
def borrow_page(request: HttpRequest, item_id: int) -> HttpResponse:
    """The item's lending state for this member, with the buttons to borrow, wait or return."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    item = _item(item_id)
    if item.access != DigitalItem.Access.LICENSED:
        return HttpResponseRedirect(item_url(item))
    record_usage(request, item, "view")
    return _render_borrow(request, item)


def _render_borrow(
    request: HttpRequest, item: DigitalItem, refused: loans.LoanRefused | None = None, status: int = 200
) -> HttpResponse:
    context = {
        "item": item,
        "title": item_title(item),
        "item_url": item_url(item),
        "refused": refused,
        "status": loans.loan_status(request.user, item),
    }
    return render(request, "digital/borrow.html", context, status=status)


def _for_member(request: HttpRequest, item_id: int, operation):
    """``operation(user, item)`` for a signed-in reader; its refusal as a 403 (not a member, or not yet
    verified) or as the borrow page with the reason (409). Returns (item, result) or the response."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("digital-borrow", args=[item_id]))
    item = _item(item_id)
    try:
        return item, operation(request.user, item)
    except loans.LoanRefused as refused:
        if refused.code in ("not_member", "unverified"):
            raise PermissionDenied(str(refused)) from None
        return _render_borrow(request, item, refused, status=409)


@require_POST
def borrow(request: HttpRequest, item_id: int) -> HttpResponse:
    outcome = _for_member(request, item_id, loans.borrow)
    if isinstance(outcome, HttpResponse):
        return outcome
    item, loan = outcome
    messages.success(
        request,
        _("You are borrowing “%(title)s” until %(due)s.")
        % {"title": item_title(item), "due": timezone.localtime(loan.due_at).strftime("%Y-%m-%d %H:%M")},
    )
    return HttpResponseRedirect(reverse("digital-account-loans"))


@require_POST
def return_loan(request: HttpRequest, loan_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("digital-account-loans"))
    try:
        loan = loans.return_loan(request.user, loan_id)
    except loans.LoanRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("“%(title)s” is returned. Thank you.") % {"title": item_title(loan.item)})
    return HttpResponseRedirect(reverse("digital-account-loans"))


@require_POST
def join_waitlist(request: HttpRequest, item_id: int) -> HttpResponse:
    outcome = _for_member(request, item_id, loans.join_waitlist)
    if isinstance(outcome, HttpResponse):
        return outcome
    _item_joined, entry = outcome
    if entry.offered_at:
        messages.success(request, _("A copy is free: it is held for you for 48 hours."))
    else:
        messages.success(request, _("You are on the waiting list. A copy will be held for you for 48 hours."))
    return HttpResponseRedirect(reverse("digital-account-loans"))


@require_POST
def leave_waitlist(request: HttpRequest, item_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("digital-account-loans"))
    item = _item(item_id)
    try:
        loans.leave_waitlist(request.user, item)
    except loans.LoanRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("You have left the waiting list."))
    return HttpResponseRedirect(reverse("digital-account-loans"))


# A download link's parts, as signing.download_path writes them; anything else is not a link of ours.
LINK_NUMBER = re.compile(r"[0-9]{1,18}")
LINK_SIGNATURE = re.compile(r"[0-9a-f]{64}")


def _invalid_link(request: HttpRequest) -> HttpResponse:
    """The one answer to every download link that does not serve its file: the same status and the same
    bytes whether it was altered, made up, malformed, expired, another reader's or of a returned or ended
    loan, so that a link tells nothing about anyone's loans. (The page holds nothing taken from the request:
    no CSRF token, no language form pointing back at the link.)"""
    response = render(request, "digital/link_invalid.html", status=403)
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_safe
def loan_download(request: HttpRequest, loan_id: str, expires: str, signature: str) -> HttpResponse:
    """A licensed item's file, through a link signed for one current loan of the signed-in member.

    The signature is checked before anything else about the loan is looked at; every link that does not
    serve the file gets ``_invalid_link``'s answer."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    numbers = (loan_id, expires)
    if not (all(LINK_NUMBER.fullmatch(n) for n in numbers) and LINK_SIGNATURE.fullmatch(signature)):
        return _invalid_link(request)
    loan_pk, until = int(loan_id), int(expires)
    loan = Loan.objects.select_related("item", "item__record", "item__library").filter(pk=loan_pk).first()
    now = timezone.now()
    # A missing loan is checked against an empty token (no link is signed with one): it costs the same.
    token = loan.token if loan is not None else ""
    verdict = signing.check(settings.SECRET_KEY, loan_pk, token, until, signature, int(now.timestamp()))
    own = loan is not None and verdict != signing.FORGED and loan.user_id == request.user.pk
    if own:
        loans.end_loan_if_overdue(loan, now=now)  # the reader's own loan, met before the periodic job did
    if not own or verdict != signing.VALID or loan.returned_at is not None:
        return _invalid_link(request)
    if not is_member_of(request.user, loan.item.library_id):
        raise PermissionDenied(_("Only members of the library holding this item may borrow it."))
    response = _file_response(loan.item)
    record_usage(request, loan.item, "download")
    return response


@require_safe
def download(request: HttpRequest, item_id: int) -> HttpResponse:
    """Download an open or members-only item (no loan needed); a licensed one goes through its loan."""
    item = _item(item_id)
    if item.access == DigitalItem.Access.ON_SITE:
        raise PermissionDenied(_("This item is read on site at the library; it cannot be downloaded."))
    if item.access == DigitalItem.Access.LICENSED:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        loan = current_loan(request.user, item)
        if loan is None:
            raise PermissionDenied(_("Borrow this item first: it is downloaded during a loan."))
        return HttpResponseRedirect(signing.download_path(loan))
    decision = can_read(request, item)
    if not decision:
        if decision.reason == "login_required":
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied(_("Only members of the library holding this item may download it."))
    response = _file_response(item)
    record_usage(request, item, "download")
    return response


@login_required
@require_safe
def account_loans(request: HttpRequest) -> HttpResponse:
    """The member's current loans (with fresh download links), offers, places on waiting lists, history."""
    now = timezone.now()
    current = list(
        loans.current_loans(request.user, now)
        .select_related("item", "item__record", "item__record__work")
        .order_by("due_at")
    )
    for loan in current:
        loan.title = item_title(loan.item)
        loan.item_url = item_url(loan.item)
        loan.download_url = signing.download_path(loan, now) if loan.item.file_key else ""
    entries = list(
        WaitlistEntry.objects.filter(live_entry_q(now), user=request.user).select_related(
            "item", "item__record", "item__record__work"
        )
    )
    for entry in entries:
        entry.title = item_title(entry.item)
        entry.item_url = item_url(entry.item)
        if entry.offered_at is None:
            entry.position = loans.position(entry)
    past = list(
        Loan.objects.filter(user=request.user)
        .exclude(current_loan_q(now))
        .select_related("item", "item__record", "item__record__work")
        .order_by("-started_at")[:20]
    )
    for loan in past:
        loan.title = item_title(loan.item)
        loan.item_url = item_url(loan.item)
        loan.ended_at = loan.returned_at or loan.due_at
    context = {
        "loans": current,
        "offers": [entry for entry in entries if entry.offered_at],
        "waiting": [entry for entry in entries if not entry.offered_at],
        "past": past,
        "limit": loans.max_loans_per_member(),
        "link_minutes": max(1, settings.KHIZANA_DOWNLOAD_LINK_SECONDS // 60),
    }
    response = render(request, "digital/account_loans.html", context)
    response["Cache-Control"] = "private, no-store"  # the page holds signed links
    response["Referrer-Policy"] = "no-referrer"
    return response


@staff_required
@require_safe
def staff_alerts(request: HttpRequest) -> HttpResponse:
    """Licences that need the staff's attention, in the libraries the member of staff manages."""
    now = timezone.now()
    today = now.date()
    libraries = permissions.libraries_managed(request.user)
    rows = (
        Licence.objects.filter(item__library__in=libraries)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .select_related("item", "item__library", "item__record", "item__record__work")
        .annotate(
            running=Count("loans", filter=current_loan_q(now, "loans__"), distinct=True),
        )
        .order_by("ends_on", "id")
    )
    waiting = dict(
        WaitlistEntry.objects.filter(live_entry_q(now), item__library__in=libraries)
        .values("item")
        .annotate(n=Count("id"))
        .values_list("item", "n")
    )
    groups: dict[str, list] = {"saturated": [], "near_expiry": [], "few_tokens": []}
    for row in rows:
        state = loans.state_of(row, row.running)
        row.waiting = waiting.get(row.item_id, 0)
        row.tokens_left = licences.tokens_left(state)
        row.title = item_title(row.item)
        row.item_url = item_url(row.item)
        row.days_left = (row.ends_on - today).days if row.ends_on else None
        for alert in licences.alerts(state, today, row.waiting):
            groups[alert].append(row)
    sections = [
        (
            "saturated",
            _("Saturated licences: every simultaneous loan in use and members waiting"),
            groups["saturated"],
        ),
        (
            "near_expiry",
            _("Licences ending within %(days)s days") % {"days": licences.NEAR_EXPIRY_DAYS},
            groups["near_expiry"],
        ),
        (
            "few_tokens",
            _("Licences with few loans left (under %(count)s or under %(percent)s%%)")
            % {"count": licences.FEW_TOKENS_ABSOLUTE, "percent": round(licences.FEW_TOKENS_SHARE * 100)},
            groups["few_tokens"],
        ),
    ]
    context = {"sections": sections, "libraries": libraries, "near_expiry_days": licences.NEAR_EXPIRY_DAYS}
    return render(request, "digital/staff/alerts.html", context)
