"""The audit log of the staff space: every write records who did it, for which library, and what."""

from __future__ import annotations

from khizana.libraries.models import Library

from .models import AuditEntry


def audit(user, library: Library | int | None, action: str, target: str, **details) -> AuditEntry:
    library_id = library if isinstance(library, int) or library is None else library.pk
    return AuditEntry.objects.create(
        user=user, library_id=library_id, action=action, target=target[:255], details=details
    )
