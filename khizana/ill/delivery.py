"""Copies delivered digitally: the supplying library uploads a PDF, the reader downloads it through a
signed link valid ``KHIZANA_ILL_COPY_DAYS`` days and ``KHIZANA_ILL_COPY_DOWNLOADS`` times, then the file
is deleted (and so are the files whose time ran out, by ``khizana ill_timeouts``).

For a reader of this installation the link works once signed in, for that reader only. For an external
ISO 18626 peer the supplier keeps the copy itself and sends the signed link in the supplyingAgencyMessage
(``deliveryInfo/itemId``, repeated in the note): whoever holds the link downloads it, within the same
limits."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import services
from .models import CopyDelivery, IllRequest
from .states import Service, Status, may_change

SALT = "khizana.ill.copy"
PEER_SALT = "khizana.ill.peer-copy"


def _folder() -> Path:
    folder = Path(settings.KHIZANA_ILL_COPY_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def upload_copy(
    user, request_id: int, upload, *, peer_link: Callable[[str], str] | None = None
) -> CopyDelivery:
    """The supplying library's staff sends the scan of a copy request: kept for the reader, then the
    request becomes CopyCompleted on both sides. ``peer_link``: the absolute URL of a peer's download
    token (required when the requester is an external peer)."""
    incoming = (
        IllRequest.objects.filter(pk=request_id, side=IllRequest.Side.SUPPLIER)
        .select_related("requester_agency", "supplier_agency")
        .first()
    )
    if incoming is None:
        raise services.NotFound(request_id)
    if not services.can_manage(user, incoming.supplier_agency):
        raise PermissionDenied(_("Only the staff of the supplying library may answer this request."))
    if incoming.service_type != Service.COPY or not may_change(
        incoming.status, Status.COPY_COMPLETED, Service.COPY
    ):
        raise services.IllError(_("File: this request does not wait for a copy."))
    if incoming.requester_agency.is_local:
        outgoing = IllRequest.objects.filter(
            side=IllRequest.Side.REQUESTER,
            requester_agency=incoming.requester_agency,
            requester_request_id=incoming.requester_request_id,
        ).first()
    else:
        if peer_link is None:
            raise services.IllError(_("File: the link for the external library cannot be made here."))
        outgoing = incoming  # the copy stays here, the peer gets its link
    if outgoing is None or CopyDelivery.objects.filter(request=outgoing).exists():
        raise services.IllError(_("File: this request does not wait for a copy."))
    if upload is None or upload.size == 0:
        raise services.IllError(_("File: choose the PDF of the copy."))
    if upload.size > settings.KHIZANA_ILL_COPY_MAX_BYTES:
        raise services.IllError(_("File: the PDF is larger than the limit."))
    head = upload.read(5)
    upload.seek(0)
    if head != b"%PDF-":
        raise services.IllError(_("File: it is not a PDF."))
    stored_name = f"{secrets.token_hex(16)}.pdf"
    path = _folder() / stored_name
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    try:
        with transaction.atomic():
            delivery = CopyDelivery.objects.create(
                request=outgoing,
                stored_name=stored_name,
                size=upload.size,
                uploaded_by=user,
                expires_at=timezone.now() + timedelta(days=settings.KHIZANA_ILL_COPY_DAYS),
                max_downloads=settings.KHIZANA_ILL_COPY_DOWNLOADS,
            )
        if outgoing.pk == incoming.pk:
            link = peer_link(signing.dumps(delivery.pk, salt=PEER_SALT))
            note = _("The copy: %(link)s (%(downloads)s downloads, until %(date)s)") % {
                "link": link,
                "downloads": delivery.max_downloads,
                "date": f"{delivery.expires_at:%Y-%m-%d}",
            }
            services.supply(user, incoming.pk, Status.COPY_COMPLETED, item_id=link, note=note)
        else:
            services.supply(user, incoming.pk, Status.COPY_COMPLETED)
    except Exception:
        path.unlink(missing_ok=True)
        CopyDelivery.objects.filter(stored_name=stored_name).delete()
        raise
    return delivery


def link_token(delivery: CopyDelivery) -> str:
    return signing.dumps(delivery.pk, salt=SALT)


def open_copy(user, token: str):
    """The file of the reader's copy, opened (and already unlinked when it was its last download)."""
    return _open(token, SALT, lambda delivery: delivery.request.reader_id == getattr(user, "pk", None))


def open_peer_copy(token: str):
    """The file of a copy sent to an external peer, for whoever holds its signed link."""
    return _open(token, PEER_SALT, lambda delivery: delivery.request.side == IllRequest.Side.SUPPLIER)


def _open(token: str, salt: str, may_read: Callable[[CopyDelivery], bool]):
    try:
        pk = signing.loads(token, salt=salt, max_age=timedelta(days=settings.KHIZANA_ILL_COPY_DAYS))
    except signing.SignatureExpired:
        raise services.IllError(_("This link has expired.")) from None
    except signing.BadSignature:
        raise services.NotFound(token) from None
    with transaction.atomic():
        delivery = CopyDelivery.objects.select_for_update().filter(pk=pk).select_related("request").first()
        if delivery is None:
            raise services.NotFound(token)
        if not may_read(delivery):
            raise PermissionDenied(_("This copy is for the reader who asked for it."))
        if (
            delivery.deleted_at
            or delivery.downloads >= delivery.max_downloads
            or delivery.expires_at < timezone.now()
        ):
            raise services.IllError(
                _("This copy is no longer available: the number of downloads or the time ran out.")
            )
        path = _folder() / delivery.stored_name
        handle = path.open("rb")
        delivery.downloads += 1
        if delivery.downloads >= delivery.max_downloads:
            path.unlink(missing_ok=True)  # the open handle still reads it
            delivery.deleted_at = timezone.now()
        delivery.save()
    return handle


def purge_expired() -> int:
    """Delete the copies whose time ran out; how many."""
    count = 0
    for delivery in CopyDelivery.objects.filter(deleted_at__isnull=True, expires_at__lt=timezone.now()):
        (_folder() / delivery.stored_name).unlink(missing_ok=True)
        delivery.deleted_at = timezone.now()
        delivery.save(update_fields=["deleted_at"])
        count += 1
    return count
