"""Interlibrary loan and document supply: requests, routing, the ISO 18626 exchange.

Every change of a request goes through here, after the state machine (:mod:`khizana.ill.states`) has said
yes. A request has one row per side: the requesting library's (its reader, its rota of lenders) and the
supplying library's. Between two local libraries a message is handed over in the process; to an external
peer it goes over HTTP POST through the guarded outgoing session (:mod:`khizana.core.outgoing`).
"""

from __future__ import annotations

import hmac
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

import requests
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from khizana.accounts import permissions
from khizana.accounts.models import STAFF_ROLES
from khizana.catalog.models import Holding, Work
from khizana.catalog.records import HoldingStatus
from khizana.core.outgoing.conf import outgoing_session
from khizana.core.outgoing.policy import OutgoingRequestRefused
from khizana.libraries.models import Library

from . import protocol as p
from .labels import label, refusal
from .models import Agency, IllMessage, IllRequest, RotaPolicy
from .openurl import page_count
from .states import (
    TERMINAL,
    Action,
    Condition,
    ConditionState,
    Service,
    Status,
    may_act,
    may_answer_condition,
    may_change,
    may_set_condition,
)

log = logging.getLogger(__name__)
HTTP_TIMEOUT = 20
LOAN_DAYS = 28  # loan period a supplier gives when its staff do not set a due date
ISIL = "ISIL"
CONTENT_TYPE = "application/xml; charset=utf-8"


class IllError(ValueError):
    """A request or an action refused, with a text for the person who asked."""


class NotFound(LookupError):
    pass


# ---------------------------------------------------------------- lookups and permissions


def agency_of_library(library: Library | int | None) -> Agency | None:
    if library is None:
        return None
    return Agency.objects.filter(library=library, peer_url="").first()


def can_manage(user, agency: Agency | None) -> bool:
    """Staff of the agency's library (or a network administrator)."""
    return (
        agency is not None
        and agency.library_id is not None
        and permissions.can_write(user, agency.library_id)
    )


def holds_available_copy(library: Library | int, work: Work) -> bool:
    return Holding.objects.filter(
        library=library, record__work=work, record__deleted=False, status=HoldingStatus.AVAILABLE
    ).exists()


def _load() -> dict[int, int]:
    """Open requests per lender (requests this network sent to it and not closed)."""
    rows = (
        IllRequest.objects.filter(side=IllRequest.Side.REQUESTER, supplier_agency__isnull=False)
        .exclude(status__in=[s.value for s in TERMINAL])
        .values("supplier_agency")
        .annotate(n=Count("pk"))
    )
    return {row["supplier_agency"]: row["n"] for row in rows}


def build_rota(
    requester: Agency, work: Work | None, service_type: str, policy: RotaPolicy | None = None
) -> list[int]:
    """The lenders to try, in order: libraries holding the work (not the requester), those with an
    available copy first, then by the network policy (same city, same country, least busy)."""
    if work is None:
        return []
    policy = policy or RotaPolicy.current()
    statuses: dict[int, set[str]] = {}
    for library_id, status in (
        Holding.objects.filter(record__work=work, record__deleted=False)
        .exclude(library_id=requester.library_id)
        .values_list("library_id", "status")
    ):
        statuses.setdefault(library_id, set()).add(status)
    agencies = Agency.objects.filter(library_id__in=statuses, lends=True, excluded=False).select_related(
        "library"
    )
    home = requester.library
    load = _load() if policy.balance_load else {}
    candidates = []
    for agency in agencies:
        held = statuses[agency.library_id]
        if held <= {HoldingStatus.LOST.value}:
            continue
        if service_type == Service.LOAN and (
            work.material_type in (agency.no_loan_material_types or [])
            or held <= {HoldingStatus.NOT_FOR_LOAN.value}
        ):
            continue
        key = (
            0 if HoldingStatus.AVAILABLE.value in held else 1,
            1 if policy.same_country_first and home and agency.library.country != home.country else 0,
            1 if policy.same_city_first and home and agency.library.city != home.city else 0,
            load.get(agency.pk, 0),
            agency.isil,
        )
        candidates.append((key, agency.pk))
    return [pk for _key, pk in sorted(candidates)]


# ---------------------------------------------------------------- messages over the wire


def _header(request: IllRequest, supplier: Agency, to: Agency | None = None) -> p.Header:
    """The header of a message about ``request``; ``to``: the agency it goes to (gets its shared secret)."""
    to = to or supplier
    return p.Header(
        security_code=to.shared_secret,
        supplying_agency=p.AgencyId(ISIL, supplier.isil),
        requesting_agency=p.AgencyId(ISIL, request.requester_agency.isil),
        requesting_request_id=request.requester_request_id,
        timestamp=p.now(),
        supplying_request_id=request.supplier_request_id,
    )


def send(agency: Agency, message: p.Message, request: IllRequest | None = None) -> p.Confirmation | None:
    """Send ``message`` to ``agency``; its confirmation, or None when it could not be delivered or read
    (each attempt is in the message log)."""
    data = p.to_xml(message)
    entry = IllMessage(
        request=request,
        direction=IllMessage.Direction.OUT,
        kind=message.kind,
        peer=agency.isil,
        raw=data.decode(),
    )
    try:
        if agency.is_local:
            answer = receive(data)
        else:
            response = outgoing_session().post(
                agency.peer_url, data=data, headers={"Content-Type": CONTENT_TYPE}, timeout=HTTP_TIMEOUT
            )
            answer = response.content
        entry.answer = answer.decode("utf-8", "replace")
        confirmation = p.parse(answer)
        if not isinstance(confirmation, p.Confirmation):
            raise p.ProtocolError(p.BADLY_FORMED, f"the answer is a {confirmation.kind}, not a confirmation")
    except (requests.RequestException, OutgoingRequestRefused) as error:
        entry.ok, entry.error = False, f"{type(error).__name__}: {error}"
        entry.save()
        return None
    except p.ProtocolError as error:
        entry.ok, entry.error = False, f"unreadable answer: {error}"
        entry.save()
        return None
    entry.ok = confirmation.ok
    entry.error = f"{confirmation.error_type}: {confirmation.error_value}" if not confirmation.ok else ""
    entry.save()
    return confirmation


def receive(data: bytes, *, over_http: bool = False) -> bytes:
    """Read a message sent to one of this network's agencies, apply it, and answer its confirmation.
    ``over_http``: it came to the ISO 18626 endpoint (from an external peer, never from a local agency)."""
    received_at = p.now()
    entry = IllMessage(direction=IllMessage.Direction.IN, raw=data.decode("utf-8", "replace"))
    follow_up = None
    try:
        message = p.parse(data)
    except p.ProtocolError as error:
        answer = p.error_confirmation(error, received_at=received_at)
        entry.kind, entry.ok, entry.error = error.kind, False, str(error)
    else:
        entry.kind, entry.peer = message.kind, _sender(message)
        if isinstance(message, p.Confirmation):
            error = p.ProtocolError(p.BADLY_FORMED, "a confirmation is an answer, not a message to send")
            answer = p.Confirmation(
                kind=message.kind,
                timestamp=p.now(),
                timestamp_received=received_at,
                message_status="ERROR",
                error_type=error.error_type,
                error_value=error.error_value,
            )
            entry.ok, entry.error = False, str(error)
        else:
            try:
                with transaction.atomic():
                    entry.request, follow_up = _apply(message, over_http=over_http)
                answer = p.confirm(message, received_at=received_at)
            except p.ProtocolError as error:
                answer = p.confirm(message, received_at=received_at, error=error)
                entry.ok, entry.error = False, str(error)
    data_out = p.to_xml(answer)
    entry.answer = data_out.decode()
    entry.save()
    if follow_up:
        follow_up()
    return data_out


def _sender(message: p.Message) -> str:
    header = message.header
    if isinstance(message, p.SupplyingAgencyMessage):
        return header.supplying_agency.value
    return header.requesting_agency.value


def _refuse(text: str, error_type: str = p.UNRECOGNISED_VALUE) -> p.ProtocolError:
    return p.ProtocolError(error_type, text)


def _check_sender(message: p.Message, *, over_http: bool = False) -> None:
    """A peer registered with a shared secret must send it with every message (forged messages refused).
    Over HTTP, the sender must be a registered external peer (local agencies hand their messages over in
    the process), and a new request, which names no request the two agencies already share, is taken
    only from a peer with a shared secret, and only with that secret."""
    header = message.header
    isil = (
        header.supplying_agency.value
        if isinstance(message, p.SupplyingAgencyMessage)
        else header.requesting_agency.value
    )
    sender = Agency.objects.filter(isil=isil).first()
    wrong_secret = _refuse(f"requestingAgencyAuthentication: wrong or missing securityCode for {isil}")
    if over_http:
        if sender is None or sender.is_local:
            raise _refuse(f"{isil} is not an external peer registered here")
        if isinstance(message, p.Request) and not sender.shared_secret:
            raise wrong_secret
    if (
        sender is not None
        and sender.shared_secret
        and not hmac.compare_digest(sender.shared_secret.encode(), header.security_code.encode())
    ):
        raise wrong_secret


def _apply(message: p.Message, *, over_http: bool = False):
    _check_sender(message, over_http=over_http)
    if isinstance(message, p.Request):
        return _apply_request(message), None
    if isinstance(message, p.SupplyingAgencyMessage):
        return _apply_supplying(message)
    return _apply_requesting(message), None


def _apply_request(message: p.Request) -> IllRequest:
    header = message.header
    supplier = Agency.objects.filter(isil=header.supplying_agency.value).first()
    if supplier is None or not supplier.is_local:
        raise _refuse(f"supplyingAgencyId {header.supplying_agency.value} is not an agency of this network")
    requester = Agency.objects.filter(isil=header.requesting_agency.value).first()
    if requester is None:
        raise _refuse(f"requestingAgencyId {header.requesting_agency.value} is not a registered agency")
    if not header.requesting_request_id:
        raise _refuse("requestingAgencyRequestId is empty")
    if message.service_type not in (Service.LOAN, Service.COPY):
        raise _refuse(f"serviceType {message.service_type} is not supplied here (Loan or Copy)")
    if message.request_type != "New":
        raise _refuse(f"requestType {message.request_type} is not supported (New only)")
    if IllRequest.objects.filter(
        side=IllRequest.Side.SUPPLIER,
        requester_agency=requester,
        supplier_agency=supplier,
        requester_request_id=header.requesting_request_id,
    ).exists():
        raise _refuse(f"requestingAgencyRequestId {header.requesting_request_id} was already received")
    if not supplier.lends or supplier.excluded:
        raise _refuse(f"{supplier.isil} does not take interlibrary requests")
    b = message.bibliographic
    identifiers = dict(b.identifiers)
    return IllRequest.objects.create(
        side=IllRequest.Side.SUPPLIER,
        requester_agency=requester,
        supplier_agency=supplier,
        requester_request_id=header.requesting_request_id[:100],
        supplier_request_id=IllRequest.new_id(),
        patron_id=message.patron_id[:100],
        work=Work.objects.filter(pk=int(b.supplier_unique_record_id)).first()
        if b.supplier_unique_record_id.isdigit()
        else None,
        title=b.title or b.title_of_component or _("(no title)"),
        author=b.author[:500],
        article_title=b.title_of_component,
        isbn=identifiers.get("ISBN", "")[:32],
        issn=identifiers.get("ISSN", "")[:16],
        date=b.publication_date[:32],
        volume=b.volume[:32],
        issue=b.issue[:32],
        pages=b.pages_requested[:100],
        service_type=message.service_type,
        note=message.note,
        status=Status.REQUEST_RECEIVED,
    )


ANSWERING = {"CancelResponse": Action.CANCEL, "RenewResponse": Action.RENEW}


def _apply_supplying(message: p.SupplyingAgencyMessage):
    header = message.header
    request = (
        IllRequest.objects.select_for_update()
        .filter(
            side=IllRequest.Side.REQUESTER,
            requester_request_id=header.requesting_request_id,
            requester_agency__isil=header.requesting_agency.value,
            supplier_agency__isil=header.supplying_agency.value,
        )
        .first()
    )
    if request is None:
        raise _refuse(
            f"requestingAgencyRequestId {header.requesting_request_id} is not a request of "
            f"{header.requesting_agency.value} to {header.supplying_agency.value}"
        )
    answering = ANSWERING.get(message.reason_for_message)
    current = request.status or Status.REQUEST_RECEIVED
    condition = p.read_condition(message.note)
    if condition:
        _take_condition(request, current, condition, message)
    if message.status == current:
        if message.reason_for_message not in (
            "StatusRequestResponse",
            "Notification",
            "RenewResponse",
            "CancelResponse",
        ):
            raise _refuse(f"status {message.status}: the request is already {current}")
    else:
        verdict = may_change(
            current,
            message.status,
            request.service_type,
            answering=answering,
            condition_pending=request.condition_state == ConditionState.PENDING,
        )
        if not verdict:
            raise _refuse(f"status {message.status}: {verdict.text}")
    rejected_here = message.status == Status.CANCELLED and request.condition_state == ConditionState.REJECTED
    request.status = message.status
    if message.status in FILLED and request.filled_at is None:
        request.filled_at = timezone.now()
    request.supplier_request_id = header.supplying_request_id or request.supplier_request_id
    if message.due_date:
        request.due_date = message.due_date
    if message.reason_unfilled:
        request.reason_unfilled = message.reason_unfilled[:64]
    if message.item_id.startswith("https://") or message.item_id.startswith("http://"):
        request.delivery_url = message.item_id[:1000]
    if answering:
        request.last_action = ""
    request.save()
    follow_up = None
    if message.status in (Status.UNFILLED, Status.RETRY_POSSIBLE) or rejected_here:
        request_pk = request.pk
        request.rota_position += 1
        request.save(update_fields=["rota_position", "updated_at"])

        def follow_up():
            route(IllRequest.objects.get(pk=request_pk))

    elif message.status in NOTICES and (
        message.status != current or message.reason_for_message == "Notification"
    ):
        request_pk = request.pk

        def follow_up():
            notify(
                IllRequest.objects.select_related("reader", "requester_agency__library").get(pk=request_pk)
            )

    return request, follow_up


CURRENCY = re.compile(r"[A-Z]{3}")


def _take_condition(request: IllRequest, current: str, condition: tuple[str, str], message) -> None:
    """The supplier's condition, kept on the requester's row until its staff (or reader) answers."""
    code, text = condition
    verdict = may_set_condition(current, request.service_type, code, request.condition_state)
    if not verdict:
        raise _refuse(f"condition {code}: {verdict.text}")
    if message.status != Status.EXPECT_TO_SUPPLY:
        raise _refuse(f"condition {code}: the status of a condition is ExpectToSupply, not {message.status}")
    cost = None
    if code == Condition.FEE:
        cost = _fee(message.offered_cost)
        if cost is None or not CURRENCY.fullmatch(message.offered_currency):
            raise _refuse(f"condition {code}: offeredCosts must give a positive amount and its currency")
    request.condition, request.condition_note = code, text[:2000]
    request.condition_cost = cost
    request.condition_currency = message.offered_currency if cost is not None else ""
    request.condition_state = ConditionState.PENDING


def _fee(value: str) -> Decimal | None:
    try:
        amount = Decimal(value.strip())
    except (InvalidOperation, AttributeError):
        return None
    if not amount.is_finite() or amount <= 0 or amount >= Decimal("100000000"):
        return None
    return amount.quantize(Decimal("0.01"))


NOTICES = {
    Status.OVERDUE: gettext_noop(
        "The document you borrowed through your library is overdue: please return it."
    ),
    Status.RECALLED: gettext_noop(
        "The lending library recalls the document you borrowed: please return it soon."
    ),
}


STAFF_NOTICES = {
    Status.OVERDUE: gettext_noop("A document lent to one of your readers is overdue at %(lender)s."),
    Status.RECALLED: gettext_noop("%(lender)s recalls a document lent to one of your readers."),
}


def notify_reader(request: IllRequest) -> bool:
    """E-mail the reader an overdue or recall notice (in their language when the site knows it)."""
    text = NOTICES.get(request.status)
    if not text or not request.reader or not request.reader.email:
        return False
    body = f"{_(text)}\n\n{request.title}"
    if request.due_date:
        body += f"\n{_('Due date')}: {request.due_date:%Y-%m-%d}"
    send_mail(
        _("Interlibrary loan: %(title)s") % {"title": request.title[:80]}, body, None, [request.reader.email]
    )
    return True


def staff_addresses(library_id: int | None) -> list[str]:
    """Where the staff of a library are reached: its contact address and its staff members' addresses."""
    if library_id is None:
        return []
    library = Library.objects.filter(pk=library_id).first()
    found = [library.contact_email] if library and library.contact_email else []
    found += (
        get_user_model()
        .objects.filter(membership__library_id=library_id, membership__role__in=STAFF_ROLES, is_active=True)
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
    )
    return list(dict.fromkeys(found))


def notify_staff(request: IllRequest) -> bool:
    """E-mail the requesting library's staff an overdue or recall notice of one of their loans."""
    text = STAFF_NOTICES.get(request.status)
    addresses = staff_addresses(request.requester_agency.library_id)
    if not text or not addresses:
        return False
    lender = request.supplier_agency.name or request.supplier_agency.isil if request.supplier_agency else ""
    body = f"{_(text) % {'lender': lender}}\n\n{request.title}\n{_('Status')}: {label(request.status)}"
    if request.due_date:
        body += f"\n{_('Due date')}: {request.due_date:%Y-%m-%d}"
    if request.patron_id:
        body += f"\n{_('Reader')}: {request.patron_id}"
    send_mail(_("Interlibrary loan: %(title)s") % {"title": request.title[:80]}, body, None, addresses)
    return True


def notify(request: IllRequest) -> None:
    """An overdue or recall notice to the reader and to the staff of the requesting library."""
    if request.reader_id:
        notify_reader(request)
    notify_staff(request)


def _apply_requesting(message: p.RequestingAgencyMessage) -> IllRequest:
    header = message.header
    rows = IllRequest.objects.select_for_update().filter(
        side=IllRequest.Side.SUPPLIER,
        requester_request_id=header.requesting_request_id,
        requester_agency__isil=header.requesting_agency.value,
        supplier_agency__isil=header.supplying_agency.value,
    )
    if header.supplying_request_id:
        rows = rows.filter(supplier_request_id=header.supplying_request_id)
    request = rows.first()
    if request is None:
        raise _refuse(
            f"requestingAgencyRequestId {header.requesting_request_id} is not a request received here"
        )
    verdict = may_act(message.action, request.status, request.service_type)
    if not verdict:
        raise _refuse(
            f"action {message.action}: {verdict.text}",
            p.UNSUPPORTED_ACTION if verdict.code == "wrong-service" else p.UNRECOGNISED_VALUE,
        )
    if message.note.startswith(p.CONDITION_ACCEPTED) or message.note.startswith(p.CONDITION_REJECTED):
        accepted = message.note.startswith(p.CONDITION_ACCEPTED)
        expected = Action.NOTIFICATION if accepted else Action.CANCEL
        verdict = may_answer_condition(request.status, request.condition_state)
        if not verdict or message.action != expected:
            why = verdict.text if not verdict else f"a condition is answered with {expected}"
            raise _refuse(f"action {message.action}: {why}")
        request.condition_state = ConditionState.ACCEPTED if accepted else ConditionState.REJECTED
    if message.action not in (Action.STATUS_REQUEST, Action.NOTIFICATION):
        request.last_action = message.action
    if message.note:
        request.note = (request.note + "\n" + message.note).strip()
    request.save()
    return request


# ---------------------------------------------------------------- the requesting library


@dataclass
class Citation:
    title: str = ""
    author: str = ""
    article_title: str = ""
    isbn: str = ""
    issn: str = ""
    date: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    total_pages: str = ""  # of the book or the journal issue, for the copy share limit

    @classmethod
    def of(cls, values: dict[str, str]) -> Citation:
        return cls(**{key: (values.get(key) or "").strip() for key in cls.__dataclass_fields__})


def create_request(
    user,
    *,
    service_type: str,
    work: Work | None = None,
    citation: Citation | None = None,
    pickup_library: Library | None = None,
    note: str = "",
) -> IllRequest:
    """A reader's (or a staff member's) request, checked, saved and sent to the first lender of its rota."""
    member = permissions.membership(user)
    if member is None or member.library_id is None:
        raise PermissionDenied(_("Interlibrary requests are for members of a library of the network."))
    if member.role == "reader" and member.verified_at is None:
        raise PermissionDenied(
            _("Your membership must be verified by your library before you can ask for documents.")
        )
    requester = agency_of_library(member.library_id)
    if requester is None:
        raise IllError(_("Your library does not take part in interlibrary loan."))
    if service_type not in (Service.LOAN, Service.COPY):
        raise IllError(_("Service: choose a loan or a copy."))
    citation = citation or Citation()
    if work is not None:
        if holds_available_copy(member.library_id, work):
            raise IllError(_("Your library holds an available copy of this work: ask for it there."))
        citation.title = citation.title or work.title
        citation.author = citation.author or "; ".join(str(a) for a in (work.authors or [])[:3])
        citation.isbn = citation.isbn or _first(work.identifiers, "isbn")
        citation.issn = citation.issn or _first(work.identifiers, "issn")
        citation.date = citation.date or (str(work.year) if work.year else "")
    if not citation.title:
        raise IllError(_("Title: give the title of the document."))
    if service_type == Service.COPY and (not citation.pages or page_count(citation.pages) is None):
        raise IllError(_("Pages: give the pages to copy, e.g. 12-30."))
    total_pages = _total_pages(citation.total_pages)
    if service_type == Service.COPY and total_pages:
        _check_copy_share(requester, citation, work, total_pages)
    pickup = pickup_library or member.library
    if pickup.pk != member.library_id and agency_of_library(pickup) is None:
        raise IllError(_("Pick-up library: it does not take part in interlibrary loan."))
    with transaction.atomic():
        request = IllRequest.objects.create(
            side=IllRequest.Side.REQUESTER,
            requester_agency=requester,
            requester_request_id=IllRequest.new_id(),
            reader=user,
            patron_id=str(user.pk),
            pickup_library=pickup,
            work=work,
            service_type=service_type,
            note=note[:2000],
            rota=build_rota(requester, work, service_type),
            total_pages=total_pages,
            **_fitted(citation),
        )
    route(request)
    request.refresh_from_db()
    return request


def _total_pages(value: str) -> int | None:
    if not value:
        return None
    if not value.isdigit() or not 0 < int(value) < 100_000:
        raise IllError(_("Pages in the book or issue: give a whole number, e.g. 240."))
    return int(value)


def _check_copy_share(requester: Agency, citation: Citation, work: Work | None, total_pages: int) -> None:
    """The share of a book or a journal issue that the requesting library allows to copy."""
    serial = (work is not None and work.material_type == "serial") or (
        bool(citation.issn) and not citation.isbn
    )
    limit = requester.copy_limit_serial_percent if serial else requester.copy_limit_book_percent
    asked = page_count(citation.pages) or 0
    if asked * 100 > limit * total_pages:
        if serial:
            text = _(
                "Pages: %(asked)s of %(total)s pages exceeds the %(limit)s%% of a journal issue allowed."
            )
        else:
            text = _("Pages: %(asked)s of %(total)s pages exceeds the %(limit)s%% of a book allowed.")
        raise IllError(text % {"asked": asked, "total": total_pages, "limit": limit})


def _fitted(citation: Citation) -> dict[str, str]:
    """The citation's fields cut to the length of their columns."""
    fitted = {}
    for key, value in vars(citation).items():
        if key == "total_pages":
            continue
        limit = IllRequest._meta.get_field(key).max_length
        fitted[key] = value[:limit] if limit else value
    return fitted


def _first(identifiers: dict, key: str) -> str:
    value = (identifiers or {}).get(key) or ""
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value)


def route(request: IllRequest) -> IllRequest:
    """Send the request to the lender at its rota position, then the next ones while they refuse it."""
    while request.rota_position < len(request.rota):
        agency = Agency.objects.filter(pk=request.rota[request.rota_position]).first()
        if agency is not None and not agency.excluded:
            message = p.Request(
                header=_header(request, agency),
                bibliographic=p.Bibliographic(
                    title=request.title,
                    author=request.author,
                    title_of_component=request.article_title,
                    volume=request.volume,
                    issue=request.issue,
                    pages_requested=request.pages,
                    supplier_unique_record_id=str(request.work_id)
                    if request.work_id and agency.is_local
                    else "",
                    identifiers=tuple(
                        (code, value)
                        for code, value in (("ISBN", request.isbn), ("ISSN", request.issn))
                        if value
                    ),
                    publication_date=request.date,
                ),
                service_type=request.service_type,
                patron_id=request.patron_id,
                note=request.note,
            )
            request.supplier_agency = agency
            request.status = ""
            request.supplier_request_id = ""
            request.reason_unfilled = ""
            request.delivery_url = request.condition = request.condition_note = ""
            request.condition_state = request.condition_currency = ""
            request.condition_cost = None
            request.save()
            confirmation = send(agency, message, request)
            if confirmation is not None and confirmation.ok:
                IllRequest.objects.filter(pk=request.pk, status="").update(
                    status=Status.REQUEST_RECEIVED, sent_at=timezone.now()
                )
                request.refresh_from_db()
                return request
        request.rota_position += 1
        request.save(update_fields=["rota_position", "updated_at"])
    request.exhausted = True
    request.save(update_fields=["exhausted", "updated_at"])
    return request


def act(user, request_id: int, action: str, note: str = "") -> IllRequest:
    """The requester asks its lender for ``action`` (Received, Cancel, Renew, ShippedReturn, StatusRequest,
    Notification): the reader who asked may cancel or ask for news, the staff of the requesting library may
    do everything."""
    request = (
        IllRequest.objects.filter(pk=request_id, side=IllRequest.Side.REQUESTER)
        .select_related("requester_agency", "supplier_agency")
        .first()
    )
    if request is None:
        raise NotFound(request_id)
    staff = can_manage(user, request.requester_agency)
    reader = request.reader_id == getattr(user, "pk", None) and action in (
        Action.CANCEL,
        Action.STATUS_REQUEST,
    )
    if not (staff or reader):
        raise PermissionDenied(_("This request is not yours to change."))
    if request.supplier_agency is None:
        raise IllError(_("No lender has this request."))
    verdict = may_act(action, request.status, request.service_type)
    if not verdict:
        raise IllError(
            _("%(action)s is not possible now: %(why)s") % {"action": label(action), "why": refusal(verdict)}
        )
    message = p.RequestingAgencyMessage(
        header=_header(request, request.supplier_agency), action=action, note=note
    )
    confirmation = send(request.supplier_agency, message, request)
    if confirmation is None or not confirmation.ok:
        why = confirmation.error_value if confirmation else _("it could not be reached")
        raise IllError(_("The lending library refused the message: %(why)s") % {"why": why})
    if action not in (Action.STATUS_REQUEST, Action.NOTIFICATION):
        IllRequest.objects.filter(pk=request.pk).update(last_action=action, updated_at=timezone.now())
    request.refresh_from_db()
    return request


def route_timed_out(now: datetime | None = None) -> int:
    """Requests a lender left unanswered longer than the policy allows go to the next lender (after a
    Cancel to the silent one). How many moved."""
    now = now or timezone.now()
    limit = now - timedelta(days=RotaPolicy.current().timeout_days)
    moved = 0
    for request in IllRequest.objects.filter(
        side=IllRequest.Side.REQUESTER, status=Status.REQUEST_RECEIVED, sent_at__lt=limit, exhausted=False
    ).select_related("supplier_agency", "requester_agency"):
        send(
            request.supplier_agency,
            p.RequestingAgencyMessage(
                header=_header(request, request.supplier_agency), action=Action.CANCEL, note="time-out"
            ),
            request,
        )
        request.rota_position += 1
        request.status = Status.CANCELLED
        request.save()
        route(request)
        moved += 1
    return moved


# ---------------------------------------------------------------- the supplying library


FILLED = frozenset({Status.LOANED, Status.COPY_COMPLETED})


@dataclass
class MonthFigures:
    month: str  # YYYY-MM
    library: str
    requests: int = 0
    filled: int = 0
    turnaround_days: float | None = None

    @property
    def fill_rate(self) -> float:
        return round(100 * self.filled / self.requests, 1) if self.requests else 0.0


def statistics(user) -> list[MonthFigures]:
    """Requests made by the user's libraries (every library for a network administrator), by month and
    requesting library: how many, how many a lender filled, the mean days from the request to the loan
    or the copy."""
    if not permissions.is_staff(user):
        raise PermissionDenied(_("This page is for the staff of member libraries."))
    rows = IllRequest.objects.filter(
        side=IllRequest.Side.REQUESTER, requester_agency__library__in=permissions.libraries_managed(user)
    ).values_list("created_at", "filled_at", "requester_agency__isil")
    figures: dict[tuple[str, str], MonthFigures] = {}
    waits: dict[tuple[str, str], list[float]] = {}
    for created_at, filled_at, isil in rows:
        key = (f"{created_at:%Y-%m}", isil)
        month = figures.setdefault(key, MonthFigures(*key))
        month.requests += 1
        if filled_at:
            month.filled += 1
            waits.setdefault(key, []).append((filled_at - created_at).total_seconds() / 86400)
    for key, days in waits.items():
        figures[key].turnaround_days = round(sum(days) / len(days), 1)
    return [figures[key] for key in sorted(figures)]


def library_totals(rows: list[MonthFigures]) -> list[MonthFigures]:
    """The month figures summed per library (``month`` empty), turnaround weighted by the filled."""
    totals: dict[str, MonthFigures] = {}
    weighted: dict[str, float] = {}
    for row in rows:
        total = totals.setdefault(row.library, MonthFigures("", row.library))
        total.requests += row.requests
        total.filled += row.filled
        if row.turnaround_days is not None:
            weighted[row.library] = weighted.get(row.library, 0.0) + row.turnaround_days * row.filled
    for library, days in weighted.items():
        totals[library].turnaround_days = round(days / totals[library].filled, 1)
    return [totals[key] for key in sorted(totals)]


def month_totals(rows: list[MonthFigures]) -> list[MonthFigures]:
    """The month figures summed over the libraries (``library`` empty), for the charts."""
    by_month: dict[str, list[MonthFigures]] = {}
    for row in rows:
        by_month.setdefault(row.month, []).append(row)
    totals = []
    for month in sorted(by_month):
        summed = library_totals(
            [MonthFigures(month, "", r.requests, r.filled, r.turnaround_days) for r in by_month[month]]
        )[0]
        summed.month = month
        totals.append(summed)
    return totals


# ---------------------------------------------------------------- pick lists


PICK_STATUSES = (Status.WILL_SUPPLY,)
PICK_SORTS = ("location", "call_number", "date")


@dataclass
class PickLine:
    request: IllRequest
    library: str
    location: str = ""
    call_number: str = ""
    barcode: str = ""


def pick_list(user, sort: str = "location") -> list[PickLine]:
    """The requests the staff's libraries will supply and have not shipped yet, with the shelf place of
    an available copy (any copy when none is available), sorted by ``sort`` (location, call_number,
    date)."""
    if sort not in PICK_SORTS:
        raise IllError(_("Sort: choose location, call number or date."))
    rows = queue(user, IllRequest.Side.SUPPLIER).filter(status__in=PICK_STATUSES).order_by("created_at")
    rows = list(rows.select_related("supplier_agency__library"))
    shelves: dict[tuple[int, int], tuple[str, str, str]] = {}
    wanted = {(row.supplier_agency.library_id, row.work_id) for row in rows if row.work_id}
    if wanted:
        holdings = Holding.objects.filter(
            library_id__in={library for library, _work in wanted},
            record__work_id__in={work for _library, work in wanted},
            record__deleted=False,
        ).values_list("library_id", "record__work_id", "status", "location", "call_number", "barcode")
        for library_id, work_id, _status, location, call_number, barcode in sorted(
            holdings, key=lambda h: (h[2] != HoldingStatus.AVAILABLE, h[4], h[5])
        ):
            shelves.setdefault((library_id, work_id), (location, call_number, barcode))
    lines = []
    for row in rows:
        location, call_number, barcode = shelves.get(
            (row.supplier_agency.library_id, row.work_id), ("", "", "")
        )
        library = row.supplier_agency.library
        lines.append(PickLine(row, library.code if library else "", location, call_number, barcode))
    if sort == "location":
        lines.sort(key=lambda line: (line.library, line.location or "\uffff", line.call_number))
    elif sort == "call_number":
        lines.sort(key=lambda line: (line.library, line.call_number or "\uffff"))
    return lines


REASON_FOR = {Action.CANCEL: "CancelResponse", Action.RENEW: "RenewResponse"}


def _supplier_row(user, request_id: int) -> IllRequest:
    request = (
        IllRequest.objects.filter(pk=request_id, side=IllRequest.Side.SUPPLIER)
        .select_related("requester_agency", "supplier_agency")
        .first()
    )
    if request is None:
        raise NotFound(request_id)
    if not can_manage(user, request.supplier_agency):
        raise PermissionDenied(_("Only the staff of the supplying library may answer this request."))
    return request


def supply(
    user,
    request_id: int,
    status: str,
    *,
    reason: str = "",
    note: str = "",
    answer: str = "",
    due_date: datetime | None = None,
    item_id: str = "",
) -> IllRequest:
    """The supplying library's staff moves its request to ``status`` (or answers a Cancel or Renew with
    ``answer`` Y/N); the requester is told first, and the change is kept only if it accepted it."""
    return change(
        _supplier_row(user, request_id),
        status,
        reason=reason,
        note=note,
        answer=answer,
        due_date=due_date,
        item_id=item_id,
    )


def change(
    request: IllRequest,
    status: str,
    *,
    reason: str = "",
    note: str = "",
    answer: str = "",
    due_date: datetime | None = None,
    item_id: str = "",
) -> IllRequest:
    """:func:`supply` once the permission is checked (the daily overdue run calls it for the supplier)."""
    pending = request.last_action if request.last_action in REASON_FOR else ""
    if answer == "N" and pending:
        status = request.status
    elif answer == "Y" and pending == Action.CANCEL:
        status = Status.CANCELLED
    elif answer == "Y" and pending == Action.RENEW:
        status = Status.LOANED
        due_date = due_date or max(request.due_date or timezone.now(), timezone.now()) + timedelta(
            days=LOAN_DAYS
        )
    verdict = may_change(
        request.status,
        status,
        request.service_type,
        answering=pending or None,
        reason=reason,
        condition_pending=request.condition_state == ConditionState.PENDING,
    )
    if not verdict and not (answer == "N" and pending):
        raise IllError(
            _("%(status)s is not possible now: %(why)s") % {"status": label(status), "why": refusal(verdict)}
        )
    if status == Status.UNFILLED and not reason:
        raise IllError(_("Reason: say why the request cannot be filled."))
    if status == Status.LOANED and due_date is None and request.status != Status.LOANED:
        due_date = timezone.now() + timedelta(days=LOAN_DAYS)
    now = p.now()
    message = p.SupplyingAgencyMessage(
        header=_header(request, request.supplier_agency, to=request.requester_agency),
        reason_for_message=REASON_FOR.get(pending, "StatusChange")
        if (pending and answer)
        else "StatusChange",
        answer_yes_no=answer if pending else "",
        status=status,
        last_change=now,
        reason_unfilled=reason if status == Status.UNFILLED else "",
        reason_retry=reason if status == Status.RETRY_POSSIBLE else "",
        note=note,
        due_date=due_date,
        date_sent=now
        if status in (Status.LOANED, Status.COPY_COMPLETED) and request.status != status
        else None,
        item_id=item_id,
    )
    _tell_requester(request, message)
    IllRequest.objects.filter(pk=request.pk).update(
        status=status,
        reason_unfilled=reason if status == Status.UNFILLED else request.reason_unfilled,
        due_date=due_date or request.due_date,
        last_action="" if (pending and answer) else request.last_action,
        overdue_noticed_at=timezone.now() if status == Status.OVERDUE else request.overdue_noticed_at,
        updated_at=timezone.now(),
    )
    request.refresh_from_db()
    return request


def _tell_requester(request: IllRequest, message: p.SupplyingAgencyMessage) -> None:
    confirmation = send(request.requester_agency, message, request)
    if confirmation is None or not confirmation.ok:
        why = confirmation.error_value if confirmation else _("it could not be reached")
        raise IllError(_("The requesting library refused the message: %(why)s") % {"why": why})


def set_condition(
    user, request_id: int, condition: str, *, note: str = "", cost: str = "", currency: str = ""
) -> IllRequest:
    """The supplying library's staff asks a condition (a fee with its currency, library use only, no
    reproduction) before it supplies; the request becomes ExpectToSupply until the requester answers."""
    request = _supplier_row(user, request_id)
    verdict = may_set_condition(request.status, request.service_type, condition, request.condition_state)
    if not verdict:
        raise IllError(_("Condition: %(why)s") % {"why": refusal(verdict)})
    amount, currency = None, currency.strip().upper()
    if condition == Condition.FEE:
        amount = _fee(cost)
        if amount is None:
            raise IllError(_("Fee: give a positive amount, e.g. 12.50."))
        if not CURRENCY.fullmatch(currency):
            raise IllError(_("Currency: give its three-letter ISO 4217 code, e.g. EUR or MAD."))
    message = p.SupplyingAgencyMessage(
        header=_header(request, request.supplier_agency, to=request.requester_agency),
        reason_for_message="Notification" if request.status == Status.EXPECT_TO_SUPPLY else "StatusChange",
        status=Status.EXPECT_TO_SUPPLY,
        last_change=p.now(),
        note=p.condition_note(condition, note[:2000]),
        offered_cost=str(amount) if amount is not None else "",
        offered_currency=currency if amount is not None else "",
    )
    _tell_requester(request, message)
    IllRequest.objects.filter(pk=request.pk).update(
        status=Status.EXPECT_TO_SUPPLY,
        condition=condition,
        condition_note=note[:2000],
        condition_cost=amount,
        condition_currency=currency if amount is not None else "",
        condition_state=ConditionState.PENDING,
        updated_at=timezone.now(),
    )
    request.refresh_from_db()
    return request


def answer_condition(user, request_id: int, accept: bool) -> IllRequest:
    """The requesting library's staff (or, for a fee, the reader who asked) accepts or rejects the
    lender's condition. Rejecting it cancels the request at this lender; once the lender agrees, the
    request goes on to the next lender of its rota."""
    request = (
        IllRequest.objects.filter(pk=request_id, side=IllRequest.Side.REQUESTER)
        .select_related("requester_agency", "supplier_agency")
        .first()
    )
    if request is None:
        raise NotFound(request_id)
    staff = can_manage(user, request.requester_agency)
    reader = request.condition == Condition.FEE and request.reader_id == getattr(user, "pk", None)
    if not (staff or reader):
        raise PermissionDenied(_("Only the staff of your library may answer this condition."))
    verdict = may_answer_condition(request.status, request.condition_state)
    if not verdict:
        raise IllError(_("Condition: %(why)s") % {"why": refusal(verdict)})
    action = Action.NOTIFICATION if accept else Action.CANCEL
    mark = p.CONDITION_ACCEPTED if accept else p.CONDITION_REJECTED
    message = p.RequestingAgencyMessage(
        header=_header(request, request.supplier_agency), action=action, note=f"{mark} {request.condition}"
    )
    confirmation = send(request.supplier_agency, message, request)
    if confirmation is None or not confirmation.ok:
        why = confirmation.error_value if confirmation else _("it could not be reached")
        raise IllError(_("The lending library refused the message: %(why)s") % {"why": why})
    IllRequest.objects.filter(pk=request.pk).update(
        condition_state=ConditionState.ACCEPTED if accept else ConditionState.REJECTED,
        last_action=request.last_action if accept else Action.CANCEL,
        updated_at=timezone.now(),
    )
    request.refresh_from_db()
    return request


def mark_overdue(now: datetime | None = None) -> int:
    """Daily, at the supplier: loans past their due date become Overdue, and the requester is told
    (which e-mails its reader and its staff). A loan already Overdue is reminded once a week. How many."""
    now = now or timezone.now()
    rows = IllRequest.objects.filter(
        side=IllRequest.Side.SUPPLIER, supplier_agency__library__isnull=False, due_date__lt=now
    ).select_related("requester_agency", "supplier_agency")
    late = rows.filter(status=Status.LOANED) | rows.filter(
        status=Status.OVERDUE, overdue_noticed_at__lt=now - timedelta(days=7)
    )
    told = 0
    for request in late:
        try:
            if request.status == Status.OVERDUE:
                message = p.SupplyingAgencyMessage(
                    header=_header(request, request.supplier_agency, to=request.requester_agency),
                    reason_for_message="Notification",
                    status=Status.OVERDUE,
                    last_change=p.now(),
                    due_date=request.due_date,
                    note=_("Reminder: this loan is overdue."),
                )
                _tell_requester(request, message)
                IllRequest.objects.filter(pk=request.pk).update(overdue_noticed_at=now)
            else:
                change(request, Status.OVERDUE, due_date=request.due_date)
        except IllError as error:
            log.warning("overdue notice for request %s not delivered: %s", request.pk, error)
            continue
        told += 1
    return told


def queue(user, side: str, library: Library | None = None):
    """The requests of one side for the staff's library (every library for a network administrator)."""
    if not permissions.is_staff(user):
        raise PermissionDenied(_("This page is for the staff of member libraries."))
    rows = IllRequest.objects.filter(side=side).select_related(
        "requester_agency", "supplier_agency", "reader"
    )
    managed = permissions.libraries_managed(user)
    field = "supplier_agency__library" if side == IllRequest.Side.SUPPLIER else "requester_agency__library"
    rows = rows.filter(**{f"{field}__in": managed})
    if library is not None:
        rows = rows.filter(**{field: library})
    return rows


POLICY_FIELDS = ("same_city_first", "same_country_first", "balance_load", "timeout_days")


def update_policy(user, values: dict) -> RotaPolicy:
    """Network administrators edit the rota policy; ``timeout_days`` a whole number from 1 to 90."""
    if not permissions.is_network_admin(user):
        raise PermissionDenied(_("Only network administrators may change the routing policy."))
    try:
        days = int(values.get("timeout_days", ""))
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= 90:
        raise IllError(_("Days without an answer: give a whole number from 1 to 90."))
    with transaction.atomic():
        policy = RotaPolicy.current()
        for name in POLICY_FIELDS[:3]:
            setattr(policy, name, values.get(name) in ("on", "1", "true", True))
        policy.timeout_days = days
        policy.updated_by = user
        policy.save()
    return policy


def my_requests(user):
    return IllRequest.objects.filter(side=IllRequest.Side.REQUESTER, reader=user).select_related(
        "supplier_agency"
    )


__all__ = [
    "IllError",
    "NotFound",
    "act",
    "build_rota",
    "create_request",
    "queue",
    "receive",
    "route",
    "supply",
]
