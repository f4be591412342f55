"""The member libraries as the other parts name them, and the one way a library is created or updated
outside the admin (``khizana library add``, ``khizana demo``): its fields checked, then saved."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from .models import Library

# ISO 3166-1 alpha-2 (current codes, as in the tz database's iso3166.tab).
_ISO_3166 = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW
    BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET
    FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM
    IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD
    ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE
    PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST
    SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS
    YE YT ZA ZM ZW"""
COUNTRY_CODES = frozenset(_ISO_3166.split())
# What a library must have: the model's required fields, and its city (shown with it everywhere).
REQUIRED_FIELDS = ("code", "name_fr", "kind", "city", "country")
# What may be given for a library (the rest of the model is kept by the system).
FIELDS = (
    *REQUIRED_FIELDS,
    "name_ar",
    "name_en",
    "latitude",
    "longitude",
    "address",
    "contact_email",
    "contact_phone",
    "website",
    "oai_endpoint",
)
MISSING = object()


@dataclass(frozen=True)
class Problem:
    """Why one field of a library cannot be saved; ``value`` is :data:`MISSING` when it was not given."""

    field: str
    value: Any
    reason: str = ""

    def __str__(self) -> str:
        if self.value is MISSING:
            return f"field '{self.field}' is missing"
        return f"field '{self.field}' = {self.value!r}: {self.reason}"


class LibraryRefused(Exception):
    """The library was not saved: its fields have ``problems``, or (``exists``) its code is taken."""

    def __init__(self, problems: list[Problem], *, exists: bool = False):
        self.problems = problems
        self.exists = exists
        super().__init__("; ".join(str(p) for p in problems))


def library_names() -> dict[str, str]:
    """Library code -> its name in the current language."""
    return {library.code: library.name for library in Library.objects.all()}


def library_problems(fields: dict[str, Any]) -> list[Problem]:
    """What is wrong with these library fields, in :data:`FIELDS` order (none: they can be saved): a
    required field missing or blank, a field a library does not have, a value the model refuses, a country
    that is not an ISO 3166-1 alpha-2 code. Whether the code is taken is not checked here."""
    problems = [
        Problem(name, value, "not a field of a library")
        for name, value in fields.items()
        if name not in FIELDS
    ]
    missing = {name for name in REQUIRED_FIELDS if _blank(fields.get(name))}
    given = {name: value for name, value in fields.items() if name in FIELDS and not _blank(value)}
    library = Library(**given)
    try:
        library.full_clean(exclude=[name for name in FIELDS if name not in given], validate_unique=False)
    except ValidationError as error:
        refused = error.message_dict
    else:
        refused = {}
    for name in FIELDS:
        if name in missing:
            problems.append(Problem(name, MISSING))
        elif name == "country" and given[name] not in COUNTRY_CODES:
            problems.append(Problem(name, given[name], "not an ISO 3166-1 alpha-2 code (e.g. MA, DZ)"))
        elif name in refused:
            problems.append(Problem(name, given[name], " ".join(m.rstrip(".") for m in refused[name])))
    return problems


def create_library(**fields: Any) -> Library:
    """A new member library (one transaction). Raises :class:`LibraryRefused` when a field is wrong or
    the code is taken (``exists``)."""
    if problems := library_problems(fields):
        raise LibraryRefused(problems)
    taken = LibraryRefused([Problem("code", fields["code"], "a library already has this code")], exists=True)
    try:
        with transaction.atomic():
            if Library.objects.filter(code=fields["code"]).exists():
                raise taken
            return Library.objects.create(**{k: v for k, v in fields.items() if not _blank(v)})
    except IntegrityError:  # created meanwhile by another process
        raise taken from None


def save_library(fields: dict[str, Any]) -> Library:
    """Create the library of ``fields["code"]`` or update it to ``fields`` (fields left out are emptied).
    Raises :class:`LibraryRefused`; the caller's transaction keeps several saves together."""
    if problems := library_problems(fields):
        raise LibraryRefused(problems)
    defaults = {name: fields.get(name) for name in FIELDS if name != "code"}
    for name, value in defaults.items():
        if _blank(value):
            defaults[name] = None if name in {"latitude", "longitude"} else ""
    library, _ = Library.objects.update_or_create(code=fields["code"], defaults=defaults)
    return library


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
