"""Download links of a loan: signed (HMAC-SHA256 keyed from settings.SECRET_KEY) over the loan's id, the
loan's random token and the link's expiry, so a link is bound to one loan, lives a few minutes, cannot be
guessed, and dies with the loan (returning or ending a loan replaces its token).

``sign`` and ``check`` are pure (the secret is passed in); ``download_path`` reads the settings.
"""

from __future__ import annotations

import hmac
from datetime import datetime

from django.utils.crypto import salted_hmac

SALT = "khizana.digital.loan-download"

VALID = "valid"
FORGED = "forged"
EXPIRED = "expired"


def sign(secret: str, loan_id: int, loan_token: str, expires: int) -> str:
    """The signature of a link to loan ``loan_id`` valid until ``expires`` (Unix time)."""
    message = f"{loan_id}:{loan_token}:{expires}".encode()
    return salted_hmac(SALT, message, secret, algorithm="sha256").hexdigest()


def check(secret: str, loan_id: int, loan_token: str, expires: int, signature: str, now: int) -> str:
    """``VALID``, ``FORGED`` (altered or made without the key) or ``EXPIRED`` (genuine, too old)."""
    expected = sign(secret, loan_id, loan_token, expires)
    if not signature.isascii() or not hmac.compare_digest(expected, signature):  # compare_digest: ASCII
        return FORGED
    return VALID if now < expires else EXPIRED


def link_expiry(now: int, due: int, lifetime: int) -> int:
    """A link lives ``lifetime`` seconds, and never past the end of the loan."""
    return min(now + lifetime, due)


def download_path(loan, now: datetime | None = None) -> str:
    """A fresh signed download link (path) for a current loan."""
    from django.conf import settings
    from django.urls import reverse
    from django.utils import timezone

    moment = int((now or timezone.now()).timestamp())
    expires = link_expiry(moment, int(loan.due_at.timestamp()), settings.KHIZANA_DOWNLOAD_LINK_SECONDS)
    signature = sign(settings.SECRET_KEY, loan.pk, loan.token, expires)
    return reverse("digital-loan-download", args=[loan.pk, expires, signature])
