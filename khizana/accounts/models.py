"""Who a user is in the network: a reader (adhérent) of a library, or a member of staff with a role."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from khizana.libraries.models import Library


class Role(models.TextChoices):
    READER = "reader", _("reader")
    CATALOGUER = "cataloguer", _("cataloguer")
    LIBRARY_ADMIN = "library_admin", _("library administrator")
    NETWORK_ADMIN = "network_admin", _("network administrator")


STAFF_ROLES = (Role.CATALOGUER, Role.LIBRARY_ADMIN, Role.NETWORK_ADMIN)


class Verification(models.TextChoices):
    """Who vouched that a reader is a member of their home library."""

    STAFF = "staff", _("confirmed by the library's staff")
    MEMBER_FILE = "member_file", _("found in the library's member file")
    IDENTITY_PROVIDER = "identity_provider", _("asserted by the institution's identity provider")


class ReaderCategory(models.TextChoices):
    """What a member is at their institution: licences for electronic resources are granted by category."""

    RESEARCHER = "researcher", _("researcher")
    DOCTORAL_STUDENT = "doctoral_student", _("doctoral student")
    STUDENT = "student", _("student")
    TEACHER = "teacher", _("teacher")
    STAFF = "staff", _("staff")
    PUBLIC = "public", _("member of the public")


# The eduPersonAffiliation values (eduPerson 202208) each category asserts to a service provider.
EDUPERSON_AFFILIATIONS: dict[str, tuple[str, ...]] = {
    ReaderCategory.RESEARCHER: ("member", "faculty"),
    ReaderCategory.DOCTORAL_STUDENT: ("member", "student"),
    ReaderCategory.STUDENT: ("member", "student"),
    ReaderCategory.TEACHER: ("member", "faculty"),
    ReaderCategory.STAFF: ("member", "staff", "employee"),
    ReaderCategory.PUBLIC: ("library-walk-in",),
}


class Membership(models.Model):
    """One per user: the role, and the library it is scoped to (every role but network administrator)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.READER)
    library = models.ForeignKey(
        Library,
        verbose_name=_("library"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
        help_text=_(
            "Home library of a reader, library of a member of staff; none for network administrators."
        ),
    )
    membership_number = models.CharField(_("membership number"), max_length=64, blank=True)
    category = models.CharField(
        _("category"),
        max_length=20,
        choices=ReaderCategory.choices,
        blank=True,
        help_text=_("What the member is at their institution; electronic-resource licences go by category."),
    )
    # A reader is unverified (may search, nothing that spends the library's rights) until a trusted
    # source vouches for the membership; staff roles are given by administrators and need no vouching.
    verified_at = models.DateTimeField(_("verified on"), null=True, blank=True)
    verified_by = models.CharField(_("verified by"), max_length=20, choices=Verification.choices, blank=True)
    verified_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verification_requested_at = models.DateTimeField(_("verification asked on"), null=True, blank=True)
    verification_note = models.CharField(_("note to the library"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("membership")
        constraints = [
            # Only a verified membership holds its number: whoever registers a number first cannot
            # keep its owner out.
            models.UniqueConstraint(
                fields=["library", "membership_number"],
                condition=~Q(membership_number="") & Q(verified_at__isnull=False),
                name="unique_verified_membership_number_per_library",
            ),
            models.CheckConstraint(
                condition=Q(role="network_admin") | Q(library__isnull=False),
                name="membership_library_required",
            ),
        ]

    def __str__(self) -> str:
        where = self.library.code if self.library_id else "*"
        return f"{self.user} ({self.role} @ {where})"

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_verified(self) -> bool:
        return self.role in STAFF_ROLES or self.verified_at is not None


class MemberRecord(models.Model):
    """One row of the member file a library loads: who holds a card, until when."""

    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="member_records")
    number = models.CharField(
        _("card number"), max_length=64, help_text=_("Normalised: no spaces, capitals.")
    )
    surname = models.CharField(_("surname"), max_length=150, blank=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    expires_on = models.DateField(_("card valid until"), null=True, blank=True)
    category = models.CharField(_("category"), max_length=32, blank=True)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("member file entry")
        constraints = [models.UniqueConstraint(fields=["library", "number"], name="unique_member_card")]

    def __str__(self) -> str:
        return f"{self.library.code} {self.number}"


class AuditEntry(models.Model):
    """A write done in the staff space: who, for which library, what (invariant 5)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    library = models.ForeignKey(Library, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=32)
    target = models.CharField(max_length=255, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("staff action")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.user} {self.action} {self.target}"
