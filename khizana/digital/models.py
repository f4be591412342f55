"""Digital copies held beside the catalog: files, their pages and text, who may read them and how.

A digital item belongs to one library's source record (records are never deleted and keep their identity
across re-clustering, works do not); its work is ``item.record.work``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from khizana.catalog.models import SourceRecord, Work
from khizana.digital.rights import BY_URI, RIGHTS, Rights
from khizana.libraries.models import Library

# The controlled list of rights: "CC BY 4.0 — Creative Commons Attribution 4.0", label translated.
RIGHTS_CHOICES = [(entry.uri, format_lazy("{} — {}", entry.code, _(entry.label))) for entry in RIGHTS]


class DigitalItem(models.Model):
    """One digital copy of a work: a PDF, an EPUB, or a set of page images (a digitised book)."""

    class Kind(models.TextChoices):
        PDF = "pdf", _("PDF document")
        EPUB = "epub", _("EPUB e-book")
        IMAGES = "images", _("page images")

    class Access(models.TextChoices):
        OPEN = "open", _("open to everyone")
        MEMBERS = "members", _("members of the library only")
        ON_SITE = "on_site", _("on site only")
        LICENSED = "licensed", _("lent under licence")

    class TextStatus(models.TextChoices):
        NONE = "none", _("no text yet")
        EXTRACTED = "extracted", _("text extracted")
        OCR_QUEUED = "ocr_queued", _("waiting for OCR")
        OCR_RUNNING = "ocr_running", _("OCR running")
        OCR_DONE = "ocr_done", _("text from OCR")
        FAILED = "failed", _("text extraction failed")

    class Direction(models.TextChoices):
        LTR = "ltr", _("left to right")
        RTL = "rtl", _("right to left")

    record = models.ForeignKey(SourceRecord, on_delete=models.PROTECT, related_name="digital_items")
    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="digital_items")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    label = models.CharField(
        _("label"), max_length=255, blank=True, help_text=_("E.g. volume 2, 1912 edition.")
    )
    language = models.CharField(
        _("language"), max_length=3, blank=True, help_text=_("ISO 639-2, e.g. ara, fre.")
    )
    direction = models.CharField(
        _("reading direction"), max_length=3, choices=Direction.choices, default="ltr"
    )
    # The file itself (PDF, EPUB); empty for page images, whose files are the PageImage rows.
    file_key = models.CharField(max_length=255, blank=True)
    filename = models.CharField(
        _("file name"), max_length=255, blank=True, help_text=_("As sent, for display.")
    )
    media_type = models.CharField(_("format"), max_length=100, help_text=_("Identified from the content."))
    size = models.BigIntegerField(_("size in bytes"), default=0)
    sha256 = models.CharField(max_length=64, db_index=True)
    technical = models.JSONField(
        _("technical metadata"), default=dict, blank=True, help_text=_("Format version, pages, producer...")
    )
    page_count = models.IntegerField(_("pages"), default=0)
    access = models.CharField(_("access"), max_length=8, choices=Access.choices, default=Access.MEMBERS)
    rights = models.CharField(
        _("rights"),
        max_length=255,
        blank=True,
        choices=RIGHTS_CHOICES,
        help_text=_("A Creative Commons licence or tool, or a RightsStatements.org statement."),
    )
    rights_to_review = models.CharField(
        _("rights to review"),
        max_length=255,
        blank=True,
        help_text=_("Rights written before the controlled list that match none of its entries: choose one."),
    )
    text_status = models.CharField(max_length=12, choices=TextStatus.choices, default=TextStatus.NONE)
    text_error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = pgettext_lazy("model", "digital item")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.filename or self.label})"

    @property
    def work(self) -> Work | None:
        return self.record.work

    @property
    def rights_entry(self) -> Rights | None:
        """The entry of the controlled list (URI, code, label), or None when the rights are not set."""
        return BY_URI.get(self.rights)

    @property
    def display_title(self) -> str:
        """The title shown for the item: its work's, else its record's, else its file name or label."""
        work = self.work
        return (work.title if work else "") or self.record.title or self.filename or self.label


class PageImage(models.Model):
    """One page image of a digitised item, in reading order."""

    item = models.ForeignKey(DigitalItem, on_delete=models.CASCADE, related_name="pages")
    sequence = models.PositiveIntegerField(help_text="1-based reading order.")
    label = models.CharField(max_length=64, blank=True, help_text="Printed page number, e.g. iv, 12r.")
    file_key = models.CharField(max_length=255)
    filename = models.CharField(max_length=255, blank=True)
    media_type = models.CharField(max_length=100)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["item", "sequence"]
        constraints = [models.UniqueConstraint(fields=["item", "sequence"], name="unique_page_sequence")]

    def __str__(self) -> str:
        return f"page {self.sequence} of item {self.item_id}"


class PageText(models.Model):
    """The text of one page (PDF page, EPUB chapter, page image), with word positions when known."""

    class Source(models.TextChoices):
        TEXT_LAYER = "text_layer", _("text layer of the file")
        EPUB = "epub", _("EPUB content")
        OCR = "ocr", _("OCR")

    item = models.ForeignKey(DigitalItem, on_delete=models.CASCADE, related_name="texts")
    page = models.PositiveIntegerField(
        help_text="1-based: PDF page, EPUB spine item, or page image sequence."
    )
    text = models.TextField(blank=True)
    source = models.CharField(max_length=12, choices=Source.choices)
    # Word boxes for highlighting on the page: [[word, x0, y0, x1, y1], ...] in page pixels (OCR) or
    # PDF points; empty when unknown. hOCR/ALTO as produced, when OCR made it.
    words = models.JSONField(default=list, blank=True)
    layout = models.TextField(blank=True, help_text="hOCR or ALTO of the page, as the OCR engine wrote it.")
    confidence = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["item", "page"]
        constraints = [models.UniqueConstraint(fields=["item", "page"], name="unique_page_text")]

    def __str__(self) -> str:
        return f"text of page {self.page} of item {self.item_id}"


class OnSiteNetwork(models.Model):
    """An address range of a library: readers connecting from it are on site."""

    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="on_site_networks")
    cidr = models.CharField(
        _("address range"), max_length=64, help_text=_("E.g. 196.200.128.0/20 or 2001:db8::/48.")
    )

    def __str__(self) -> str:
        return f"{self.library.code} {self.cidr}"


class Licence(models.Model):
    """A lending licence on a licensed item (French PNB model): tokens, simultaneous loans, loan length."""

    item = models.ForeignKey(DigitalItem, on_delete=models.CASCADE, related_name="licences")
    reference = models.CharField(
        _("reference"), max_length=128, blank=True, help_text=_("Order or offer number.")
    )
    total_loans = models.PositiveIntegerField(
        _("loans (tokens)"), null=True, blank=True, help_text=_("Empty for no limit.")
    )
    loans_used = models.PositiveIntegerField(_("loans used"), default=0)
    concurrent_loans = models.PositiveIntegerField(_("simultaneous loans"), default=1)
    max_loan_days = models.PositiveIntegerField(_("maximum loan length in days"), default=21)
    starts_on = models.DateField(_("valid from"), null=True, blank=True)
    ends_on = models.DateField(_("valid until"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ends_on", "id"]
        verbose_name = _("licence")

    def __str__(self) -> str:
        return f"licence {self.reference or self.pk} on item {self.item_id}"


class Loan(models.Model):
    """A member's loan of a licensed (or members-only) item; its token signs the download links."""

    item = models.ForeignKey(DigitalItem, on_delete=models.PROTECT, related_name="loans")
    licence = models.ForeignKey(
        Licence, null=True, blank=True, on_delete=models.PROTECT, related_name="loans"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digital_loans")
    started_at = models.DateTimeField()
    due_at = models.DateTimeField(db_index=True)
    returned_at = models.DateTimeField(null=True, blank=True, db_index=True)
    token = models.CharField(max_length=64, unique=True, help_text="Random secret bound to this loan.")

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("loan")

    def __str__(self) -> str:
        return f"loan of item {self.item_id} to {self.user_id}"


class WaitlistEntry(models.Model):
    """A member waiting for a licensed item; offered a loan for 48 hours when a copy frees up."""

    item = models.ForeignKey(DigitalItem, on_delete=models.CASCADE, related_name="waitlist")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, help_text="Borrowed, cancelled or lapsed.")

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.user_id} waiting for item {self.item_id}"


class UsageEvent(models.Model):
    """One access to a digital item, with what COUNTER R5.1 reports need."""

    class AccessType(models.TextChoices):
        CONTROLLED = "Controlled"
        OPEN = "Open"
        FREE_TO_READ = "Free_To_Read"

    class Action(models.TextChoices):
        VIEW = "view", _("record or reader opened")  # investigation
        READ = "read", _("content read online")  # request
        DOWNLOAD = "download", _("downloaded")  # request
        SEARCH = "search", _("searched inside")  # investigation

    occurred_at = models.DateTimeField(db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    session_key = models.CharField(max_length=64, blank=True, help_text="Session or anonymised client id.")
    item = models.ForeignKey(DigitalItem, on_delete=models.CASCADE, related_name="usage_events")
    work_id = models.IntegerField(null=True, blank=True, help_text="The work at the time of the access.")
    library = models.ForeignKey(Library, null=True, on_delete=models.SET_NULL, related_name="+")
    user_library = models.ForeignKey(
        Library,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The reader's own.",
    )
    action = models.CharField(max_length=8, choices=Action.choices)
    is_request = models.BooleanField(help_text="COUNTER request (content) or only investigation.")
    access_type = models.CharField(max_length=16, choices=AccessType.choices)
    page = models.PositiveIntegerField(null=True, blank=True)
    # COUNTER leaves robots out by their user agent. None (not "") for the events recorded before it was
    # kept: an empty user agent is a robot by the COUNTER list, an unknown one is not.
    user_agent = models.CharField(max_length=512, null=True, blank=True)  # noqa: DJ001

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["item", "occurred_at"]),
            models.Index(fields=["user_library", "occurred_at"], name="usage_reader_library_time"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.action} item {self.item_id}"


def records_with_items(record_ids: list[int]) -> set[int]:
    """Which of these source records have a digital copy (the catalog's "digital" availability)."""
    found: set[int] = set()
    for start in range(0, len(record_ids), 5000):
        chunk = record_ids[start : start + 5000]
        found.update(DigitalItem.objects.filter(record_id__in=chunk).values_list("record_id", flat=True))
    return found


class SushiCredential(models.Model):
    """Who may harvest COUNTER reports from Khizana's SUSHI server (/r51/) for one member institution, or
    for the whole network (no library): the customer id, the requestor id and an API key (kept hashed;
    shown once when made or rotated). Never an IP address."""

    library = models.ForeignKey(
        Library, null=True, blank=True, on_delete=models.CASCADE, related_name="sushi_credentials"
    )
    customer_id = models.CharField(_("customer ID"), max_length=64, db_index=True)
    requestor_id = models.CharField(_("requestor ID"), max_length=64, unique=True)
    api_key_hash = models.CharField(max_length=64)
    label = models.CharField(_("label"), max_length=255, blank=True, help_text=_("Who harvests with it."))
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["customer_id", "id"]
        verbose_name = _("SUSHI credential")

    def __str__(self) -> str:
        return f"SUSHI {self.customer_id} / {self.requestor_id}"


class UsageMonth(models.Model):
    """A month whose usage events were aggregated into :class:`UsageTotal` rows (it has ended): COUNTER
    reports read its totals, not its events."""

    month = models.CharField(max_length=7, unique=True, help_text="YYYY-MM, local time.")
    events = models.PositiveIntegerField(default=0, help_text="Usage events of the month when closed.")
    totals = models.PositiveIntegerField(default=0, help_text="Aggregate rows written.")
    closed_at = models.DateTimeField()

    class Meta:
        ordering = ["month"]

    def __str__(self) -> str:
        return f"usage of {self.month}"


class UsageTotal(models.Model):
    """COUNTER counts of a closed month for one scope (the whole network, or one reader institution),
    item or title, access type (or "*": all of them, unique counts do not add up) and access method.
    Item rows hold the item metrics, title rows (no item) the Unique_Title ones."""

    month = models.CharField(max_length=7)
    network = models.BooleanField(help_text="The whole network's counts (else one institution's).")
    library = models.ForeignKey(Library, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(DigitalItem, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    title_id = models.IntegerField(help_text="The work at the time of the access, or minus the item.")
    access_type = models.CharField(max_length=16)
    access_method = models.CharField(max_length=8)
    total_item_investigations = models.PositiveIntegerField(default=0)
    total_item_requests = models.PositiveIntegerField(default=0)
    unique_item_investigations = models.PositiveIntegerField(default=0)
    unique_item_requests = models.PositiveIntegerField(default=0)
    unique_title_investigations = models.PositiveIntegerField(default=0)
    unique_title_requests = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["month", "network", "library"], name="usage_total_scope"),
        ]

    def __str__(self) -> str:
        return f"usage totals {self.month} item {self.item_id} title {self.title_id}"
