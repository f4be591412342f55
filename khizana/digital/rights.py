"""The controlled list of rights of digital items: Creative Commons licences and public-domain tools and
RightsStatements.org statements, by their canonical URI (pure: no Django).

The URIs are written as their owners publish them as identifiers, in http:// (IIIF Presentation 3 requires
http:// for creativecommons.org and rightsstatements.org; the Creative Commons deeds are served over https
but their canonical URIs stay http://). :func:`canonical_rights` reads what people write (an https:// URI,
a ``/legalcode`` or ``/deed.fr`` page, "CC BY-SA 4.0", "public domain", "domaine public", "ملك عام") and
gives the URI of the list, or None when it cannot tell.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple


def gettext_noop(text: str) -> str:
    """Marks a label for translation (makemessages finds it); it is translated where it is shown."""
    return text


class Rights(NamedTuple):
    uri: str
    code: str  # short name, e.g. "CC BY-SA 4.0", "InC-EDU"
    label: str  # English label, marked for translation; translated where it is shown


CC = "http://creativecommons.org/licenses/{}/4.0/"
RS = "http://rightsstatements.org/vocab/{}/1.0/"

RIGHTS: tuple[Rights, ...] = (
    Rights("http://creativecommons.org/publicdomain/mark/1.0/", "PDM", gettext_noop("Public Domain Mark")),
    Rights(
        "http://creativecommons.org/publicdomain/zero/1.0/",
        "CC0",
        gettext_noop("CC0 Public Domain Dedication"),
    ),
    Rights(CC.format("by"), "CC BY 4.0", gettext_noop("Creative Commons Attribution 4.0")),
    Rights(CC.format("by-sa"), "CC BY-SA 4.0", gettext_noop("Creative Commons Attribution-ShareAlike 4.0")),
    Rights(
        CC.format("by-nc"), "CC BY-NC 4.0", gettext_noop("Creative Commons Attribution-NonCommercial 4.0")
    ),
    Rights(
        CC.format("by-nc-sa"),
        "CC BY-NC-SA 4.0",
        gettext_noop("Creative Commons Attribution-NonCommercial-ShareAlike 4.0"),
    ),
    Rights(
        CC.format("by-nd"), "CC BY-ND 4.0", gettext_noop("Creative Commons Attribution-NoDerivatives 4.0")
    ),
    Rights(
        CC.format("by-nc-nd"),
        "CC BY-NC-ND 4.0",
        gettext_noop("Creative Commons Attribution-NonCommercial-NoDerivatives 4.0"),
    ),
    Rights(RS.format("InC"), "InC", gettext_noop("In Copyright")),
    Rights(RS.format("InC-OW-EU"), "InC-OW-EU", gettext_noop("In Copyright - EU Orphan Work")),
    Rights(RS.format("InC-EDU"), "InC-EDU", gettext_noop("In Copyright - Educational Use Permitted")),
    Rights(RS.format("InC-NC"), "InC-NC", gettext_noop("In Copyright - Non-Commercial Use Permitted")),
    Rights(
        RS.format("InC-RUU"),
        "InC-RUU",
        gettext_noop("In Copyright - Rights-holder(s) Unlocatable or Unidentifiable"),
    ),
    Rights(RS.format("NoC-CR"), "NoC-CR", gettext_noop("No Copyright - Contractual Restrictions")),
    Rights(RS.format("NoC-NC"), "NoC-NC", gettext_noop("No Copyright - Non-Commercial Use Only")),
    Rights(RS.format("NoC-OKLR"), "NoC-OKLR", gettext_noop("No Copyright - Other Known Legal Restrictions")),
    Rights(RS.format("NoC-US"), "NoC-US", gettext_noop("No Copyright - United States")),
    Rights(RS.format("CNE"), "CNE", gettext_noop("Copyright Not Evaluated")),
    Rights(RS.format("UND"), "UND", gettext_noop("Copyright Undetermined")),
    Rights(RS.format("NKC"), "NKC", gettext_noop("No Known Copyright")),
)
BY_URI = {rights.uri: rights for rights in RIGHTS}

# Free-text statements met in catalogues and older imports, folded (see _folded), and what they mean.
KNOWN_TEXTS = {
    "public domain": BY_URI["http://creativecommons.org/publicdomain/mark/1.0/"],
    "domaine public": BY_URI["http://creativecommons.org/publicdomain/mark/1.0/"],
    "ملك عام": BY_URI["http://creativecommons.org/publicdomain/mark/1.0/"],
    "in copyright": BY_URI[RS.format("InC")],
    "copyright not evaluated": BY_URI[RS.format("CNE")],
    "no known copyright": BY_URI[RS.format("NKC")],
    "copyright undetermined": BY_URI[RS.format("UND")],
}
_CC_LICENCE = re.compile(r"^cc[ -](by(?:[ -](?:nc|sa|nd))*)[ -]?(4\.0)?$")
_CC_URI = re.compile(
    r"^creativecommons\.org/(licenses/(?P<licence>[a-z-]+)/4\.0|publicdomain/(?P<tool>zero|mark)/1\.0)"
)
_RS_URI = re.compile(r"^rightsstatements\.org/(?:vocab|page)/(?P<statement>[A-Za-z-]+)/1\.0")


def _folded(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).strip().lower().rstrip(".")
    return re.sub(r"\s+", " ", text)


def canonical_rights(text: str) -> Rights | None:
    """The entry of the list that ``text`` names (a URI in any of its forms, a code or a known phrase),
    or None."""
    value = (text or "").strip()
    if not value:
        return None
    if value in BY_URI:
        return BY_URI[value]
    address = re.sub(r"^https?://(www\.)?", "", value)
    if address != value:
        cc = _CC_URI.match(address)
        if cc and cc.group("licence"):
            return BY_URI.get(CC.format(cc.group("licence")))
        if cc:
            return BY_URI[f"http://creativecommons.org/publicdomain/{cc.group('tool')}/1.0/"]
        statement = _RS_URI.match(address)
        if statement:
            return BY_URI.get(RS.format(statement.group("statement")))
        return None
    folded = _folded(value)
    for rights in RIGHTS:
        if folded in (rights.code.lower(), rights.label.lower()):
            return rights
    cc = _CC_LICENCE.match(folded)
    if cc:
        return BY_URI.get(CC.format(cc.group(1).replace(" ", "-")))
    if folded in KNOWN_TEXTS:
        return KNOWN_TEXTS[folded]
    if folded.startswith(("public domain", "domaine public")):
        # "Public domain in the USA" says where: that is the RightsStatements.org NoC-US
        return BY_URI[RS.format("NoC-US")] if re.search(r"\b(usa|us|united states)\b", folded) else None
    return None


def is_creative_commons(uri: str) -> bool:
    return uri.startswith("http://creativecommons.org/")
