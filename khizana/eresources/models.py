"""Electronic resources: what the network subscribes to, under which licences, and who may use it.

- :class:`Resource`: a database, journal package, e-book platform, open archive or free resource;
- :class:`PackageTitle`: one row of a package's KBART title list (identifiers normalised for lookup);
- :class:`Licence` with typed :class:`LicenceTerm` s and dated :class:`LicenceAmendment` s, and
  :class:`Agreement` s (with :class:`AgreementPeriod` s) linking resources and a controlling licence
  (FOLIO's Agreements and Licenses are the model);
- :class:`EntitlementRule`: who may use an agreement's resources (libraries, categories, on site or
  remote, dates, simultaneous users);
- :class:`Campaign`: resources opened to every member (or a category) between two dates;
- :class:`FreeList` / :class:`FreeListEntry`: staff-curated lists of free resources, with link checks;
- :class:`AccessEvent`: a member's one-click access to a resource (for usage statistics).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from khizana.accounts.models import ReaderCategory
from khizana.libraries.models import Library


def _in_language(obj, stem: str) -> str:
    language = (get_language() or "fr")[:2]
    return (
        getattr(obj, f"{stem}_{language}", "")
        or getattr(obj, f"{stem}_fr", "")
        or getattr(obj, f"{stem}_en", "")
    )


def split_list(value: str) -> list[str]:
    """``"history, law"`` → ``["history", "law"]`` (subjects and languages are stored comma-separated)."""
    return [part.strip() for part in (value or "").split(",") if part.strip()]


class Resource(models.Model):
    """One electronic resource of the network."""

    class Kind(models.TextChoices):
        DATABASE = "database", _("database")
        JOURNAL_PACKAGE = "journal_package", _("journal package")
        EBOOK_PLATFORM = "ebook_platform", _("e-book platform")
        OPEN_ARCHIVE = "open_archive", _("open archive")
        FREE_RESOURCE = "free_resource", _("free resource")

    class AccessMethod(models.TextChoices):
        IP = "ip", _("IP address ranges")
        PROXY = "proxy", _("remote access proxy")
        SAML = "saml", _("federated single sign-on (SAML)")
        OIDC = "oidc", _("OpenID Connect")
        OPEN = "open", _("open access")

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name_fr = models.CharField(_("name in French"), max_length=255)
    name_ar = models.CharField(_("name in Arabic"), max_length=255, blank=True)
    name_en = models.CharField(_("name in English"), max_length=255, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    provider = models.CharField(_("provider"), max_length=255, blank=True)
    platform_url = models.URLField(_("platform URL"), max_length=500)
    subjects = models.CharField(
        _("subjects"), max_length=500, blank=True, help_text=_("Comma-separated, e.g. “history, law”.")
    )
    languages = models.CharField(
        _("languages"),
        max_length=100,
        blank=True,
        help_text=_("ISO 639-1 codes, comma-separated, e.g. “fr, ar”."),
    )
    access_method = models.CharField(_("access method"), max_length=8, choices=AccessMethod.choices)
    description_fr = models.TextField(_("description in French"), blank=True)
    description_ar = models.TextField(_("description in Arabic"), blank=True)
    description_en = models.TextField(_("description in English"), blank=True)
    saml_entity_id = models.CharField(
        _("SAML entity ID"),
        max_length=500,
        blank=True,
        db_index=True,
        help_text=_("The service provider of the platform, for federated single sign-on."),
    )
    entitlement = models.CharField(
        _("entitlement value"),
        max_length=500,
        blank=True,
        help_text=_(
            "The eduPersonEntitlement released for this resource; empty: the resource's own URI "
            "(…/resources/<code>/licence). urn:mace:dir:entitlement:common-lib-terms is the usual value."
        ),
    )
    is_free = models.BooleanField(
        _("free"), default=False, help_text=_("Open to everyone, no licence needed.")
    )
    sort_name = models.CharField(max_length=255, editable=False, db_index=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sort_name", "code"]
        verbose_name = _("electronic resource")

    def __str__(self) -> str:
        return self.name_fr or self.code

    def save(self, *args, **kwargs):
        self.sort_name = (self.name_fr or self.name_en or self.code).casefold()[:255]
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "sort_name"}
        super().save(*args, **kwargs)

    @property
    def name(self) -> str:
        return _in_language(self, "name") or self.code

    @property
    def description(self) -> str:
        return _in_language(self, "description")

    @property
    def subject_list(self) -> list[str]:
        return split_list(self.subjects)

    @property
    def language_list(self) -> list[str]:
        return split_list(self.languages)


class PackageTitle(models.Model):
    """One row of the KBART title list of a package resource. ``print_id`` / ``online_id`` hold the
    identifiers normalised for lookup: an ISSN as ``1234-567X``, an ISBN as its 13 digits."""

    class AccessType(models.TextChoices):
        FREE = "F", _("free")
        PAID = "P", _("paid")

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="titles")
    publication_title = models.CharField(max_length=1000)
    sort_title = models.CharField(max_length=255, db_index=True)
    publication_type = models.CharField(max_length=16, blank=True)  # serial / monograph
    print_identifier = models.CharField(max_length=32, blank=True)
    online_identifier = models.CharField(max_length=32, blank=True)
    print_id = models.CharField(max_length=17, blank=True, db_index=True)
    online_id = models.CharField(max_length=17, blank=True, db_index=True)
    date_first_issue_online = models.CharField(max_length=10, blank=True)
    num_first_vol_online = models.CharField(max_length=32, blank=True)
    num_first_issue_online = models.CharField(max_length=32, blank=True)
    date_last_issue_online = models.CharField(max_length=10, blank=True)
    num_last_vol_online = models.CharField(max_length=32, blank=True)
    num_last_issue_online = models.CharField(max_length=32, blank=True)
    title_url = models.URLField(max_length=1000, blank=True)
    first_author = models.CharField(max_length=255, blank=True)
    title_id = models.CharField(max_length=255, blank=True)
    embargo_info = models.CharField(max_length=16, blank=True)
    coverage_depth = models.CharField(max_length=32, blank=True)
    publisher_name = models.CharField(max_length=255, blank=True)
    access_type = models.CharField(max_length=1, choices=AccessType.choices, blank=True)

    class Meta:
        ordering = ["sort_title", "id"]
        verbose_name = _("package title")

    def __str__(self) -> str:
        return self.publication_title

    @property
    def coverage(self) -> str:
        start = self.date_first_issue_online
        end = self.date_last_issue_online
        if not start and not end:
            return ""
        return f"{start or '…'} – {end or '…'}"


class Licence(models.Model):
    """A licence signed with a provider; its terms say what the network may do with the resources."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        EXPIRED = "expired", _("expired")
        REJECTED = "rejected", _("rejected")
        IN_NEGOTIATION = "in_negotiation", _("in negotiation")

    name = models.CharField(_("name"), max_length=255)
    licensor = models.CharField(_("licensor"), max_length=255, blank=True)
    library = models.ForeignKey(
        Library,
        verbose_name=_("library"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="eresource_licences",
        help_text=_("The member institution that signed it; empty: a network (consortium) licence."),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True, help_text=_("Empty: open-ended."))
    note = models.TextField(_("internal note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("licence")

    def __str__(self) -> str:
        return self.name

    def in_force(self, day) -> bool:
        return (
            self.status == self.Status.ACTIVE
            and self.start_date <= day
            and (self.end_date is None or day <= self.end_date)
        )


class LicenceAmendment(models.Model):
    """A dated change to a licence: the terms attached to it replace those of the same type from its date."""

    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="amendments")
    name = models.CharField(_("name"), max_length=255)
    effective_date = models.DateField(_("effective from"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["effective_date", "id"]
        verbose_name = _("licence amendment")

    def __str__(self) -> str:
        return f"{self.licence} — {self.name} ({self.effective_date})"


class TermType(models.TextChoices):
    REMOTE_ACCESS = "remote_access", _("remote access")
    WALK_IN_USERS = "walk_in_users", _("walk-in users")
    ILL_PRINT = "ill_print", _("interlibrary loan (print)")
    ILL_ELECTRONIC = "ill_electronic", _("interlibrary loan (electronic)")
    COURSE_PACKS = "course_packs", _("course packs")
    TEXT_AND_DATA_MINING = "tdm", _("text and data mining")
    PERPETUAL_ACCESS = "perpetual_access", _("archiving and perpetual access")
    AUTHORISED_USERS = "authorised_users", _("authorised users")
    SIMULTANEOUS_USERS = "simultaneous_users", _("simultaneous users")
    CONCURRENT_ACCESS = "concurrent_access", _("concurrent access")
    OTHER = "other", _("other")


class LicenceTerm(models.Model):
    """One typed term of a licence (or of an amendment: it replaces the licence's terms of that type)."""

    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="terms")
    amendment = models.ForeignKey(
        LicenceAmendment, null=True, blank=True, on_delete=models.CASCADE, related_name="terms"
    )
    term_type = models.CharField(_("term"), max_length=20, choices=TermType.choices)
    value = models.CharField(_("value"), max_length=500)
    note = models.TextField(_("note"), blank=True)
    is_public = models.BooleanField(
        _("public"), default=False, help_text=_("Shown on the resource's public page; else staff only.")
    )

    class Meta:
        ordering = ["term_type", "id"]
        verbose_name = _("licence term")

    def __str__(self) -> str:
        return f"{self.get_term_type_display()}: {self.value}"


class Agreement(models.Model):
    """What was bought: resources, under a controlling licence, for periods."""

    name = models.CharField(_("name"), max_length=255)
    vendor = models.CharField(_("vendor"), max_length=255, blank=True)
    library = models.ForeignKey(
        Library,
        verbose_name=_("library"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="eresource_agreements",
        help_text=_("The member institution that subscribes; empty: a network (consortium) agreement."),
    )
    licence = models.ForeignKey(
        Licence,
        verbose_name=_("controlling licence"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agreements",
    )
    resources = models.ManyToManyField(Resource, verbose_name=_("resources"), related_name="agreements")
    note = models.TextField(_("internal note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("agreement")

    def __str__(self) -> str:
        return self.name


class AgreementPeriod(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="periods")
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    cancellation_deadline = models.DateField(_("cancellation deadline"), null=True, blank=True)
    cost_per_year = models.DecimalField(
        _("cost per year"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(
        _("currency"), max_length=3, blank=True, help_text=_("ISO 4217, e.g. MAD, EUR.")
    )

    class Meta:
        ordering = ["start_date"]
        verbose_name = _("agreement period")
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="period_order")
        ]

    def __str__(self) -> str:
        return f"{self.start_date} – {self.end_date}"


class EntitlementRule(models.Model):
    """Who may use the resources of an agreement: members of the libraries named (or of every library),
    of the categories named (or all), remotely or on site only (from the address ranges), between dates."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="rules")
    all_libraries = models.BooleanField(_("every member library"), default=False)
    libraries = models.ManyToManyField(Library, verbose_name=_("libraries"), blank=True, related_name="+")
    categories = models.JSONField(
        _("reader categories"), default=list, blank=True, help_text=_("Empty: every category.")
    )
    remote_allowed = models.BooleanField(_("remote access"), default=True)
    ip_ranges = models.TextField(
        _("on-site address ranges"), blank=True, help_text=_("One IP address or CIDR range per line.")
    )
    valid_from = models.DateField(_("from"), null=True, blank=True)
    valid_to = models.DateField(_("to"), null=True, blank=True)
    simultaneous_users = models.PositiveIntegerField(
        _("simultaneous users"), null=True, blank=True, help_text=_("Empty: unlimited.")
    )

    class Meta:
        verbose_name = _("entitlement rule")

    def __str__(self) -> str:
        return f"{self.agreement} #{self.pk}"

    @property
    def range_list(self) -> list[str]:
        return [line.strip() for line in self.ip_ranges.splitlines() if line.strip()]


class Campaign(models.Model):
    """Resources opened to every member (or one category) for a while: ends by itself at ``ends_at``."""

    name = models.CharField(_("name"), max_length=255)
    message_fr = models.CharField(_("banner in French"), max_length=500)
    message_ar = models.CharField(_("banner in Arabic"), max_length=500, blank=True)
    message_en = models.CharField(_("banner in English"), max_length=500, blank=True)
    all_resources = models.BooleanField(_("every licensed resource"), default=False)
    resources = models.ManyToManyField(
        Resource, verbose_name=_("resources"), blank=True, related_name="campaigns"
    )
    category = models.CharField(
        _("category"),
        max_length=20,
        choices=ReaderCategory.choices,
        blank=True,
        help_text=_("Empty: every member."),
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("campaign")
        indexes = [models.Index(fields=["starts_at", "ends_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="campaign_order")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def message(self) -> str:
        return _in_language(self, "message")


class FreeList(models.Model):
    """A staff-curated list of free resources on one theme."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    title_fr = models.CharField(_("title in French"), max_length=255)
    title_ar = models.CharField(_("title in Arabic"), max_length=255, blank=True)
    title_en = models.CharField(_("title in English"), max_length=255, blank=True)
    theme = models.CharField(_("theme"), max_length=255, blank=True)
    library = models.ForeignKey(
        Library,
        verbose_name=_("library"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="eresource_free_lists",
        help_text=_("The member library that curates it; empty: a network list."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title_fr"]
        verbose_name = _("list of free resources")

    def __str__(self) -> str:
        return self.title_fr

    @property
    def title(self) -> str:
        return _in_language(self, "title")


class FreeListEntry(models.Model):
    """One link of a free list, with the result of its last check."""

    free_list = models.ForeignKey(FreeList, on_delete=models.CASCADE, related_name="entries")
    title = models.CharField(_("title"), max_length=255)
    url = models.URLField(_("address"), max_length=1000)
    note = models.CharField(_("note"), max_length=500, blank=True)
    position = models.PositiveIntegerField(default=0)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    is_broken = models.BooleanField(default=False, db_index=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("free resource link")

    def __str__(self) -> str:
        return self.title


class AccessEvent(models.Model):
    """A one-click access by a member: which resource, through what (licence, campaign, free)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="accesses")
    library = models.ForeignKey(Library, null=True, on_delete=models.SET_NULL, related_name="+")
    category = models.CharField(max_length=20, blank=True)
    via = models.CharField(max_length=16)
    campaign = models.ForeignKey(Campaign, null=True, on_delete=models.SET_NULL, related_name="accesses")
    rule = models.ForeignKey(EntitlementRule, null=True, on_delete=models.SET_NULL, related_name="accesses")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["resource", "at"])]

    def __str__(self) -> str:
        return f"{self.resource_id} {self.via} {self.at}"


# --- usage harvested from the providers (COUNTER reports, SUSHI) ------------------------------------------


class UsageReportId(models.TextChoices):
    TR = "TR", _("Title Report (TR)")
    DR = "DR", _("Database Report (DR)")
    PR = "PR", _("Platform Report (PR)")
    IR = "IR", _("Item Report (IR)")


class CounterRelease(models.TextChoices):
    R5 = "5", "COUNTER R5"
    R51 = "5.1", "COUNTER R5.1"


class SushiAccount(models.Model):
    """A provider's SUSHI endpoint and the credentials to harvest a resource's usage, for one member
    institution or (no library) for the network. The provider moved to R5.1 at ``r51_from``: months before
    are harvested as R5 (from ``r5_base_url`` when the R5 endpoint differs)."""

    resource = models.ForeignKey(
        Resource, verbose_name=_("resource"), on_delete=models.CASCADE, related_name="sushi_accounts"
    )
    library = models.ForeignKey(
        Library,
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The member institution whose usage this is; empty: the whole network."),
    )
    base_url = models.URLField(_("SUSHI endpoint"), max_length=500, help_text=_("e.g. https://…/r51"))
    r5_base_url = models.URLField(
        _("R5 SUSHI endpoint"),
        max_length=500,
        blank=True,
        help_text=_("For the months before the move to R5.1, when the provider's R5 endpoint differs."),
    )
    customer_id = models.CharField(_("customer ID"), max_length=255)
    requestor_id = models.CharField(_("requestor ID"), max_length=255, blank=True)
    api_key = models.CharField(_("API key"), max_length=255, blank=True)
    platform = models.CharField(_("platform"), max_length=255, blank=True)
    release = models.CharField(
        _("COUNTER release"), max_length=3, choices=CounterRelease.choices, default=CounterRelease.R51
    )
    r51_from = models.DateField(
        _("R5.1 from"),
        null=True,
        blank=True,
        help_text=_("The month the provider moved to R5.1 (R5 before it); empty: the release above."),
    )
    reports = models.JSONField(_("reports to harvest"), default=list)
    harvest_from = models.DateField(_("harvest from"), help_text=_("The first month to harvest."))
    active = models.BooleanField(_("harvested every month"), default=True)
    credentials_refused_at = models.DateTimeField(null=True, blank=True)
    credentials_error = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["resource__sort_name", "library__code"]
        verbose_name = _("SUSHI account")
        constraints = [
            models.UniqueConstraint(fields=["resource", "library"], name="sushi_account_per_library"),
            models.UniqueConstraint(
                fields=["resource"], condition=Q(library__isnull=True), name="sushi_account_per_network"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource} — {self.library.code if self.library_id else _('network')}"

    @property
    def masked_api_key(self) -> str:
        """The key as staff see it: its last four characters only."""
        if not self.api_key:
            return ""
        return "•" * 8 + self.api_key[-4:] if len(self.api_key) > 8 else "•" * 8


class UsageHarvest(models.Model):
    """One report of one month of a resource's usage for one institution (or the network): how it was
    fetched or uploaded, how it went, the last error and the exceptions the provider gave."""

    class Status(models.TextChoices):
        PENDING = "pending", _("to harvest")
        DONE = "done", _("harvested")
        NO_USAGE = "no_usage", _("no usage (zero)")
        QUEUED = "queued", _("queued by the provider, retried later")
        FAILED = "failed", _("failed")

    class Source(models.TextChoices):
        SUSHI = "sushi", _("SUSHI")
        UPLOAD = "upload", _("uploaded file")

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="usage_harvests")
    library = models.ForeignKey(Library, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(
        SushiAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="harvests"
    )
    report_id = models.CharField(max_length=8, choices=UsageReportId.choices)
    month = models.DateField()  # the first day of the month
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.SUSHI)
    release = models.CharField(max_length=3, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    exceptions = models.JSONField(default=list, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    harvested_at = models.DateTimeField(null=True, blank=True)
    row_count = models.PositiveIntegerField(default=0)
    filename = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["resource__sort_name", "-month", "report_id"]
        verbose_name = _("usage harvest")
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "library", "report_id", "month"], name="usage_harvest_per_library"
            ),
            models.UniqueConstraint(
                fields=["resource", "report_id", "month"],
                condition=Q(library__isnull=True),
                name="usage_harvest_per_network",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource_id} {self.report_id} {self.month:%Y-%m} {self.status}"


class UsageCount(models.Model):
    """One count of a harvested report: a metric of a title, database or platform in a month."""

    harvest = models.ForeignKey(UsageHarvest, on_delete=models.CASCADE, related_name="counts")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="+")
    library = models.ForeignKey(Library, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    report_id = models.CharField(max_length=8)
    month = models.DateField()
    title = models.CharField(max_length=1000, blank=True)
    platform = models.CharField(max_length=255, blank=True)
    publisher = models.CharField(max_length=255, blank=True)
    doi = models.CharField(max_length=255, blank=True)
    isbn = models.CharField(max_length=32, blank=True)
    print_issn = models.CharField(max_length=16, blank=True)
    online_issn = models.CharField(max_length=16, blank=True)
    proprietary_id = models.CharField(max_length=255, blank=True)
    uri = models.CharField(max_length=1000, blank=True)
    data_type = models.CharField(max_length=40, blank=True)
    access_type = models.CharField(max_length=40, blank=True)
    access_method = models.CharField(max_length=20, blank=True)
    yop = models.CharField(max_length=9, blank=True)
    metric_type = models.CharField(max_length=40)
    count = models.PositiveBigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["resource", "month", "report_id", "metric_type"]),
            models.Index(fields=["library", "month"]),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} {self.month:%Y-%m} {self.metric_type}={self.count}"
