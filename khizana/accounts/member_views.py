"""Staff pages for readers' memberships (/staff/members/): who waits for verification, confirm or withdraw
it, load the library's member file. The rules live in :mod:`.verification`; these views only translate."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khizana.libraries.models import Library

from . import permissions, verification
from .decorators import int_or_404, staff_required
from .forms import MemberFileForm
from .memberfile import MemberFileError
from .models import MemberRecord, Membership, Role

STATES = {
    "waiting": Q(verified_at__isnull=True, verification_requested_at__isnull=False),
    "unverified": Q(verified_at__isnull=True),
    "verified": Q(verified_at__isnull=False),
    "all": Q(),
}


def _verifiable_libraries(user) -> list[Library]:
    return [lib for lib in permissions.libraries_managed(user) if permissions.can_verify_members(user, lib)]


@require_GET
@staff_required
def member_list(request: HttpRequest) -> HttpResponse:
    libraries = _verifiable_libraries(request.user)
    state = request.GET.get("state") if request.GET.get("state") in STATES else "waiting"
    query = (request.GET.get("q") or "").strip()[:100]
    readers = Membership.objects.filter(STATES[state], library__in=libraries, role=Role.READER)
    if query:
        readers = readers.filter(
            Q(user__username__icontains=query)
            | Q(user__email__icontains=query)
            | Q(user__last_name__icontains=query)
            | Q(membership_number__icontains=query)
        )
    readers = readers.select_related("user", "library").order_by(
        "-verification_requested_at", "-created_at", "pk"
    )
    page = Paginator(readers, 50).get_page(request.GET.get("page"))
    cards = {
        (record.library_id, record.number): record
        for record in MemberRecord.objects.filter(
            library__in=libraries, number__in=[m.membership_number for m in page]
        )
    }
    rows = [(member, cards.get((member.library_id, member.membership_number))) for member in page]
    context = {"page": page, "rows": rows, "state": state, "query": query, "states": list(STATES)}
    return render(request, "staff/members.html", context)


@require_POST
@staff_required
def member_verify(request: HttpRequest, membership_id: int) -> HttpResponse:
    return _decide(request, membership_id, verification.verify, _("%(name)s's membership is verified."))


@require_POST
@staff_required
def member_withdraw(request: HttpRequest, membership_id: int) -> HttpResponse:
    return _decide(
        request, membership_id, verification.withdraw, _("%(name)s's membership is no longer verified.")
    )


def _decide(request: HttpRequest, membership_id: int, action, done: str) -> HttpResponse:
    membership_id = int_or_404(membership_id)
    if not Membership.objects.filter(pk=membership_id).exists():
        raise PermissionDenied(_("You may verify only the readers of your own library."))
    try:
        membership = action(request.user, membership_id)
    except verification.VerificationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done % {"name": membership.user.get_username()})
    return redirect(request.POST.get("back") if _is_local(request.POST.get("back")) else "staff:members")


def _is_local(url: str | None) -> bool:
    return bool(url) and url.startswith("/staff/members/") and "//" not in url


@require_http_methods(["GET", "POST"])
@staff_required
def member_file(request: HttpRequest) -> HttpResponse:
    libraries = _verifiable_libraries(request.user)
    if not libraries:
        raise PermissionDenied(_("Only the staff of a library load its member file."))
    queryset = Library.objects.filter(pk__in=[lib.pk for lib in libraries])
    form = MemberFileForm(request.POST or None, request.FILES or None, libraries=queryset)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = verification.load_member_file(
                request.user,
                form.cleaned_data["library"],
                form.data_bytes,
                form.display_name,
                add_only=form.cleaned_data["add_only"],
            )
        except MemberFileError as error:
            form.add_error(
                "file",
                _("%(name)s cannot be loaded: %(problem)s.")
                % {"name": form.display_name, "problem": _(error.template) % error.params},
            )
        except verification.VerificationError as error:
            form.add_error("file", str(error))
    problems = [(p.line, _(p.template) % p.params) for p in result.problems] if result else []
    counts = {lib.code: MemberRecord.objects.filter(library=lib).count() for lib in libraries[:50]}
    context = {"form": form, "result": result, "problems": problems, "counts": counts}
    return render(request, "staff/member_file.html", context)
