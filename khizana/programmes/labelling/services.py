"""Labelling campaigns, the collections libraries put forward, their reviews and the committee's decision,
and what the public pages show of labelled collections (the map, the conspectus, a work's and a library's
collections, the Dublin Core Collections records).

Who may do what: network administrators run campaigns, assign reviewers and decide; the staff of a
library (``permissions.can_write``) describe and submit their library's collections while the campaign is
open; a reviewer scores only the collections they were assigned, never one of their own library."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Avg, Count, QuerySet, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from khizana.accounts import permissions
from khizana.catalog.models import Work
from khizana.core.languages import TO_639_1
from khizana.core.vocabularies import language_name
from khizana.libraries.models import Library
from khizana.search.services import search_ids
from khizana.visibility.registry.services import find_institution

from . import conspectus, dcc, svgmap
from .models import Campaign, Collection, CollectionWork, Review

Status = Collection.Status

# How many works a saved search may bring into a collection (the best ranked first).
MAX_SEARCH_WORKS = 5000


class LabellingError(Exception):
    """Bad input or a step out of order: the message says which and why."""


class NotAllowed(LabellingError):
    """The user's role or library does not allow this."""


# ---- campaigns -------------------------------------------------------------------------------------------


@dataclass
class CampaignValues:
    name: str
    text_fr: str
    opens_on: date
    closes_on: date
    text_ar: str = ""
    text_en: str = ""


def save_campaign(user, values: CampaignValues, campaign: Campaign | None = None) -> Campaign:
    if not permissions.is_network_admin(user):
        raise NotAllowed(_("Only network administrators run labelling campaigns."))
    if not values.name.strip() or not values.text_fr.strip():
        raise LabellingError(_("A campaign needs a name and a text in French."))
    if values.closes_on < values.opens_on:
        raise LabellingError(_("Dates: the campaign must close on or after the day it opens."))
    campaign = campaign or Campaign()
    for name, value in vars(values).items():
        setattr(campaign, name, value.strip() if isinstance(value, str) else value)
    campaign.save()
    return campaign


# ---- collections -----------------------------------------------------------------------------------------


@dataclass
class CollectionValues:
    name_fr: str
    description_fr: str
    kind: str = Collection.Kind.COLLECTION
    name_ar: str = ""
    name_en: str = ""
    description_ar: str = ""
    description_en: str = ""
    subjects: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    periods: str = ""
    size: int | None = None
    access_conditions: str = ""
    query: str = ""
    work_ids: list[int] = field(default_factory=list)
    laboratories: list[str] = field(default_factory=list)


def known_language(code: str) -> bool:
    return code in TO_639_1 or language_name(code) != code


def _checked(values: CollectionValues) -> tuple[list[Work], list]:
    """The works and laboratories the values name; every problem named."""
    problems = []
    if not values.name_fr.strip() or not values.description_fr.strip():
        problems.append(_("A collection needs a name and a description in French."))
    if values.kind not in Collection.Kind.values:
        problems.append(_("Kind: “%(kind)s” is not a kind of labelled object.") % {"kind": values.kind})
    unknown = conspectus.unknown_codes(values.subjects)
    if unknown:
        problems.append(
            _("Subjects: not classes of the conspectus: %(codes)s.") % {"codes": ", ".join(unknown)}
        )
    unknown = [code for code in values.languages if not known_language(code)]
    if unknown:
        problems.append(_("Languages: not ISO 639-2 codes: %(codes)s.") % {"codes": ", ".join(unknown)})
    works = list(Work.objects.filter(pk__in=values.work_ids))
    missing = sorted(set(values.work_ids) - {work.pk for work in works})
    if missing:
        problems.append(_("Works: no work numbered %(ids)s.") % {"ids": ", ".join(map(str, missing))})
    laboratories, not_found = [], []
    for identifier in values.laboratories:
        institution = find_institution(identifier)
        (laboratories if institution else not_found).append(institution or identifier)
    if not_found:
        problems.append(
            _("Research laboratories: not in the institution registry: %(ids)s.")
            % {"ids": ", ".join(not_found)}
        )
    if not values.subjects:
        problems.append(_("Subjects: choose at least one class of the conspectus."))
    if problems:
        raise LabellingError(" ".join(problems))
    return works, laboratories


def save_collection(
    user, campaign: Campaign, library: Library, values: CollectionValues, collection: Collection | None = None
) -> Collection:
    """Write a draft description of ``library``'s collection for ``campaign`` (new, or an edit)."""
    if collection is not None:
        campaign, library = collection.campaign, collection.library
    if not permissions.can_write(user, library):
        raise NotAllowed(
            _("Only the staff of %(library)s describe its collections.") % {"library": library.code}
        )
    if collection is not None and collection.status != Status.DRAFT:
        raise LabellingError(_("This collection was submitted: it can no longer be changed."))
    if not campaign.is_open():
        raise LabellingError(_("The campaign “%(name)s” is not open.") % {"name": campaign.name})
    works, laboratories = _checked(values)
    with transaction.atomic():
        collection = collection or Collection(campaign=campaign, library=library, created_by=user)
        for name, value in vars(values).items():
            if name not in ("work_ids", "laboratories"):
                setattr(collection, name, value.strip() if isinstance(value, str) else value)
        collection.save()
        collection.laboratories.set(laboratories)
        collection.members.filter(source=CollectionWork.Source.LIST).delete()
        CollectionWork.objects.bulk_create(
            [
                CollectionWork(collection=collection, work=work, source=CollectionWork.Source.LIST)
                for work in works
            ]
        )
    return collection


def submit_collection(user, collection: Collection) -> Collection:
    if not permissions.can_write(user, collection.library):
        raise NotAllowed(_("Only the staff of the library submit its collections."))
    if collection.status != Status.DRAFT:
        raise LabellingError(_("This collection was already submitted."))
    if not collection.campaign.is_open():
        raise LabellingError(_("The campaign “%(name)s” is closed.") % {"name": collection.campaign.name})
    collection.status = Status.SUBMITTED
    collection.submitted_at = timezone.now()
    collection.save(update_fields=["status", "submitted_at"])
    return collection


def may_see(user, collection: Collection) -> bool:
    """A labelled collection is public; an application only for its library's staff, the network
    administrators and its reviewers."""
    if collection.status == Status.LABELLED:
        return True
    if permissions.can_write(user, collection.library):
        return True
    return bool(user.is_authenticated and collection.reviews.filter(reviewer=user).exists())


def collections_for(user) -> QuerySet[Collection]:
    """The applications a member of staff may follow: all for network administrators, else their library's."""
    found = Collection.objects.select_related("campaign", "library").annotate(
        average=Avg("reviews__score"), reviewed=Count("reviews__score")
    )
    if permissions.is_network_admin(user):
        return found
    return found.filter(library__in=permissions.libraries_managed(user))


# ---- reviews and decision --------------------------------------------------------------------------------


def assign_reviewer(user, collection: Collection, username: str) -> Review:
    if not permissions.is_network_admin(user):
        raise NotAllowed(_("Only network administrators assign reviewers."))
    if collection.status != Status.SUBMITTED:
        raise LabellingError(_("Only a submitted collection is reviewed."))
    reviewer = get_user_model().objects.filter(username=username.strip(), is_active=True).first()
    if reviewer is None:
        raise LabellingError(_("Reviewer: no user named “%(name)s”.") % {"name": username.strip()})
    if getattr(permissions.membership(reviewer), "library_id", None) == collection.library_id:
        raise LabellingError(
            _("Conflict of interest: %(name)s belongs to %(library)s, which applies.")
            % {"name": reviewer.username, "library": collection.library.code}
        )
    review, _created = Review.objects.get_or_create(collection=collection, reviewer=reviewer)
    return review


def reviews_of(user) -> QuerySet[Review]:
    if not user.is_authenticated:
        return Review.objects.none()
    return Review.objects.filter(reviewer=user).select_related("collection__campaign", "collection__library")


def score(user, review: Review, value: int, comment: str) -> Review:
    if review.reviewer_id != getattr(user, "pk", None):
        raise NotAllowed(_("This review is assigned to someone else."))
    if review.collection.status != Status.SUBMITTED:
        raise LabellingError(_("The committee has decided: scores can no longer change."))
    if value not in range(1, 6):
        raise LabellingError(_("Score: a whole number from 1 to 5."))
    review.score, review.comment, review.scored_at = value, comment.strip(), timezone.now()
    review.save(update_fields=["score", "comment", "scored_at"])
    return review


def decide(user, collection: Collection, labelled: bool, year: int | None, note: str = "") -> Collection:
    """The committee's decision: labelled (in ``year``) or not; the library's staff are told by e-mail."""
    if not permissions.is_network_admin(user):
        raise NotAllowed(_("Only network administrators record the committee's decision."))
    if collection.status not in (Status.SUBMITTED, Status.LABELLED, Status.NOT_LABELLED):
        raise LabellingError(_("Only a submitted collection is decided."))
    if labelled and not (year and 1900 <= year <= 2200):
        raise LabellingError(_("Year of the label: a year such as %(year)s.") % {"year": timezone.now().year})
    with transaction.atomic():
        collection.status = Status.LABELLED if labelled else Status.NOT_LABELLED
        collection.label_year = year if labelled else None
        collection.decision_note = note.strip()
        collection.decided_at = timezone.now()
        collection.save(update_fields=["status", "label_year", "decision_note", "decided_at"])
        refresh_works(collection)
        transaction.on_commit(lambda: _tell_library(collection))
    return collection


def _tell_library(collection: Collection) -> None:
    addresses = {collection.library.contact_email} if collection.library.contact_email else set()
    if collection.created_by and collection.created_by.email:
        addresses.add(collection.created_by.email)
    if collection.status == Status.LABELLED:
        subject = _("Your collection “%(name)s” is labelled a collection of excellence (%(year)s)")
    else:
        subject = _("Your collection “%(name)s” was not labelled this time")
    subject = subject % {"name": collection.name_fr, "year": collection.label_year}
    body = "\n\n".join(part for part in (subject, collection.decision_note) if part)
    for address in sorted(addresses):
        send_mail(subject, body, None, [address])


def refresh_works(collection: Collection) -> int:
    """Replace the works a labelled collection's saved search finds; the number found."""
    collection.members.filter(source=CollectionWork.Source.SEARCH).delete()
    if collection.status != Status.LABELLED or not collection.query:
        return 0
    ids = search_ids(collection.query, MAX_SEARCH_WORKS)
    existing = set(Work.objects.filter(pk__in=ids).values_list("pk", flat=True))
    CollectionWork.objects.bulk_create(
        [
            CollectionWork(collection=collection, work_id=i, source=CollectionWork.Source.SEARCH)
            for i in existing
        ],
        ignore_conflicts=True,
    )
    return len(existing)


def refresh_all() -> int:
    """Run every labelled collection's saved search again (after the catalog changed); the works found."""
    return sum(refresh_works(collection) for collection in labelled())


# ---- what the public sees --------------------------------------------------------------------------------


def labelled() -> QuerySet[Collection]:
    return Collection.objects.filter(status=Status.LABELLED).select_related("library", "campaign")


def work_ids(collection: Collection) -> list[int]:
    return sorted(set(collection.members.values_list("work_id", flat=True)))


def for_work(work_id: int) -> list[Collection]:
    """The labelled collections a work belongs to (listed or found by their search)."""
    # Two indexed lookups: joining from the collections lets the planner scan them all first.
    ids = set(CollectionWork.objects.filter(work_id=work_id).values_list("collection_id", flat=True))
    return list(labelled().filter(pk__in=ids)) if ids else []


def for_library(library: Library) -> list[Collection]:
    return list(labelled().filter(library=library))


def subject_label(code: str) -> str:
    return conspectus.BY_CODE[code].label(get_language() or "fr") if code in conspectus.BY_CODE else code


def by_class() -> list[dict]:
    """Each class of the conspectus with its labelled collections (a collection under each of its classes)."""
    grouped: dict[str, list[Collection]] = defaultdict(list)
    for collection in labelled():
        for code in collection.subjects:
            grouped[code].append(collection)
    language = get_language() or "fr"
    return [
        {"code": entry.code, "label": entry.label(language), "collections": grouped.get(entry.code, [])}
        for entry in conspectus.CLASSES
    ]


def network_map() -> tuple[svgmap.Map | None, list[dict]]:
    """The map of the libraries holding labelled collections, and the list of them all (with or without
    coordinates), each library with its collections."""
    rows: dict[int, dict] = {}
    for collection in labelled().order_by("library__code", "name_fr"):
        rows.setdefault(collection.library_id, {"library": collection.library, "collections": []})
        rows[collection.library_id]["collections"].append(collection)
    places = [
        svgmap.Place(
            str(row["library"].pk), row["library"].latitude, row["library"].longitude, len(row["collections"])
        )
        for row in rows.values()
        if row["library"].latitude is not None and row["library"].longitude is not None
    ]
    drawn = svgmap.draw(places)
    if drawn:
        for point in drawn.points:
            rows[int(point.key)]["point"] = point
    return drawn, list(rows.values())


def dcc_record(collection: Collection, absolute) -> dict:
    """The collection as :mod:`.dcc` writes it; ``absolute(path)`` makes a full URL."""
    titles = [(tag, getattr(collection, f"name_{tag}")) for tag in ("fr", "ar", "en")]
    texts = [(tag, getattr(collection, f"description_{tag}")) for tag in ("fr", "ar", "en")]
    size = collection.size
    return {
        "uri": absolute(reverse("labelling:collection", args=[collection.pk])),
        "identifier": absolute(reverse("labelling:collection", args=[collection.pk])),
        "kind": collection.kind,
        "titles": [(tag, text) for tag, text in titles if text],
        "descriptions": [(tag, text) for tag, text in texts if text],
        "subjects": [
            (code, conspectus.BY_CODE[code].en) for code in collection.subjects if code in conspectus.BY_CODE
        ],
        "languages": list(collection.languages),
        "periods": collection.periods,
        "extent": f"{size} items" if size else "",
        "access_rights": collection.access_conditions,
        "located_at": {
            "uri": absolute(reverse("web:library", args=[collection.library.code])),
            "name": collection.library.name_fr,
        },
        "accessed_via": absolute(f"{reverse('web:search')}?{urlencode({'q': collection.query})}")
        if collection.query
        else "",
        "laboratories": [lab.name for lab in collection.laboratories.all()],
        "labelled": collection.label_year,
    }


def dcc_xml(collections: list[Collection], absolute) -> bytes:
    prefetch_related_objects(collections, "laboratories")
    return dcc.records_xml(dcc_record(collection, absolute) for collection in collections)


# ---- the demo ---------------------------------------------------------------------------------------------


def load_demo(data: dict) -> int:
    """The demo campaign and its labelled collections (demo/labelling/collections.json), for the demo
    libraries that exist; loading twice changes nothing. The number of collections written."""
    values = dict(data["campaign"])
    year = values.pop("year")
    written = 0
    with transaction.atomic():
        campaign, _created = Campaign.objects.get_or_create(name=values.pop("name"), defaults=values)
        for entry in data["collections"]:
            entry = dict(entry)
            library = Library.objects.filter(code=entry.pop("library")).first()
            if (
                library is None
                or campaign.collections.filter(library=library, name_fr=entry["name_fr"]).exists()
            ):
                continue
            collection = Collection.objects.create(
                campaign=campaign, library=library, status=Status.LABELLED, label_year=year, **entry
            )
            refresh_works(collection)
            written += 1
    return written
