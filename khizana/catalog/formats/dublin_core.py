"""OAI-PMH responses and Dublin Core documents -> records (no Django import).

:func:`read_oai_dc` reads ListRecords/GetRecord responses whatever the metadata format, as long
as it carries Dublin Core elements (``oai_dc``, ``nsdl_dc``, DIDL packages with an ``oai_dc``
block, qualified ``dcterms``, or the same element names without a namespace), and plain
``oai_dc`` documents. PICA+ (``PicaPlus-xml``) bibliographic records are mapped from their main
fields; any other payload is rejected record by record.

The language and material-type helpers here are shared with the CSV reader.
"""

from __future__ import annotations

import bisect
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator

from lxml import etree

from khizana.catalog.formats import UnreadableFileError, xml_syntax_problem
from khizana.catalog.identifiers import add_identifier
from khizana.catalog.records import (
    BibFields,
    MaterialType,
    ParsedRecord,
    RecordFormat,
    RecordKind,
    RejectedRecord,
    Serialisation,
)
from khizana.catalog.scripts import scripts_in
from khizana.core.languages import ISO639_1
from khizana.core.textnorm import ascii_digits

__all__ = ["fold", "material_type_of", "normalise_language", "read_oai_dc"]

MAX_NOTES = 2
MAX_NOTE_LENGTH = 500

_DC = "http://purl.org/dc/elements/1.1/"
_DCTERMS = "http://purl.org/dc/terms/"
_OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
_OAI = "http://www.openarchives.org/OAI/2.0/"
_PICA = "http://www.oclcpica.org/xmlns/ppxml-1.0"
_DC_ELEMENTS = frozenset(
    {
        "title", "creator", "subject", "description", "publisher", "contributor", "date", "type",
        "format", "identifier", "source", "language", "relation", "coverage", "rights",
    }
)  # fmt: skip
# dcterms refinements read as their DC element.
_DCTERMS_AS = {
    "alternative": "alternative",
    "abstract": "description",
    "tableOfContents": "description",
    "issued": "date",
    "created": "date",
    "available": "date",
    "dateAccepted": "date",
    "bibliographicCitation": "citation",
}
_YEAR = re.compile(r"(?<!\d)(1\d{3}|20\d{2})(?!\d)")
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")
_SUBTITLE = re.compile(r"\s+:\s+|(?<=\w):\s+")
_SPACES = re.compile(r"\s+")


# --------------------------------------------------------------------------- languages

# Every ISO 639-2/B code (bibliographic form, lower case), from the ISO 639-2 registry.
_ISO639_2B = frozenset(
    """
aar abk ace ach ada ady afa afh afr ain aka akk alb ale alg alt amh ang anp apa ara arc arg arm arn
arp art arw asm ast ath aus ava ave awa aym aze bad bai bak bal bam ban baq bas bat bej bel bem ben
ber bho bih bik bin bis bla bnt bos bra bre btk bua bug bul bur byn cad cai car cat cau ceb cel cha
chb che chg chi chk chm chn cho chp chr chu chv chy cmc cnr cop cor cos cpe cpf cpp cre crh crp csb
cus cze dak dan dar day del den dgr din div doi dra dsb dua dum dut dyu dzo efi egy eka elx eng enm
epo est ewe ewo fan fao fat fij fil fin fiu fon fre frm fro frr frs fry ful fur gaa gay gba gem geo
ger gez gil gla gle glg glv gmh goh gon gor got grb grc gre grn gsw guj gwi hai hat hau haw heb her
hil him hin hit hmn hmo hrv hsb hun hup iba ibo ice ido iii ijo iku ile ilo ina inc ind ine inh ipk
ira iro ita jav jbo jpn jpr jrb kaa kab kac kal kam kan kar kas kau kaw kaz kbd kha khi khm kho kik
kin kir kmb kok kom kon kor kos kpe krc krl kro kru kua kum kur kut lad lah lam lao lat lav lez lim
lin lit lol loz ltz lua lub lug lui lun luo lus mac mad mag mah mai mak mal man mao map mar mas may
mdf mdr men mga mic min mis mkh mlg mlt mnc mni mno moh mon mos mul mun mus mwl mwr myn myv nah nai
nap nau nav nbl nde ndo nds nep new nia nic niu nno nob nog non nor nqo nso nub nwc nya nym nyn nyo
nzi oci oji ori orm osa oss ota oto paa pag pal pam pan pap pau peo per phi phn pli pol pon por pra
pro pus que raj rap rar roa roh rom rum run rup rus sad sag sah sai sal sam san sas sat scn
sco sel sem sga sgn shn sid sin sio sit sla slo slv sma sme smi smj smn smo sms sna snd snk sog som
son sot spa srd srn srp srr ssa ssw suk sun sus sux swa swe syc syr tah tai tam tat tel tem ter tet
tgk tgl tha tib tig tir tiv tkl tlh tli tmh tog ton tpi tsi tsn tso tuk tum tup tur tut tvl twi tyv
udm uga uig ukr umb urd uzb vai ven vie vol vot wak wal war was wel wen wln wol xal xho yao yap
yid yor ypk zap zbl zen zgh zha znd zul zun zxx zza
""".split()  # noqa: SIM905 - a word list reads better than 487 quoted strings
)
# ISO 639-2/T codes that differ from the bibliographic ones.
_ISO639_2T = {
    "bod": "tib", "ces": "cze", "cym": "wel", "deu": "ger", "ell": "gre", "eus": "baq", "fas": "per",
    "fra": "fre", "hye": "arm", "isl": "ice", "kat": "geo", "mkd": "mac", "mri": "mao", "msa": "may",
    "mya": "bur", "nld": "dut", "ron": "rum", "slk": "slo", "sqi": "alb", "zho": "chi",
}  # fmt: skip
# Language names (English, French, and the language's own), folded to lower case without accents.
_LANGUAGE_NAMES = {
    "english": "eng", "anglais": "eng", "french": "fre", "francais": "fre", "arabic": "ara",
    "arabe": "ara", "العربية": "ara", "عربي": "ara", "عربية": "ara", "german": "ger", "allemand": "ger",
    "deutsch": "ger", "spanish": "spa", "espagnol": "spa", "espanol": "spa", "castellano": "spa",
    "italian": "ita", "italien": "ita", "italiano": "ita", "portuguese": "por", "portugais": "por",
    "portugues": "por", "dutch": "dut", "flemish": "dut", "neerlandais": "dut", "nederlands": "dut",
    "russian": "rus", "russe": "rus", "chinese": "chi", "chinois": "chi", "japanese": "jpn",
    "japonais": "jpn", "korean": "kor", "coreen": "kor", "turkish": "tur", "turc": "tur",
    "persian": "per", "farsi": "per", "persan": "per", "hebrew": "heb", "hebreu": "heb",
    "latin": "lat", "greek": "gre", "grec": "gre", "ancient greek": "grc", "grec ancien": "grc",
    "berber": "ber", "berbere": "ber", "amazigh": "ber", "tamazight": "zgh", "kabyle": "kab",
    "polish": "pol", "polonais": "pol", "swedish": "swe", "suedois": "swe", "danish": "dan",
    "danois": "dan", "norwegian": "nor", "norvegien": "nor", "finnish": "fin", "finnois": "fin",
    "czech": "cze", "tcheque": "cze", "hungarian": "hun", "hongrois": "hun", "romanian": "rum",
    "roumain": "rum", "catalan": "cat", "basque": "baq", "breton": "bre", "occitan": "oci",
    "urdu": "urd", "ourdou": "urd", "hindi": "hin", "bengali": "ben", "swahili": "swa",
    "wolof": "wol", "hausa": "hau", "haoussa": "hau", "bambara": "bam", "malagasy": "mlg",
    "malgache": "mlg", "vietnamese": "vie", "vietnamien": "vie", "indonesian": "ind",
    "indonesien": "ind", "malay": "may", "malais": "may", "thai": "tha", "ukrainian": "ukr",
    "ukrainien": "ukr", "armenian": "arm", "armenien": "arm", "georgian": "geo", "georgien": "geo",
    "kurdish": "kur", "kurde": "kur", "syriac": "syr", "syriaque": "syr", "coptic": "cop",
    "copte": "cop", "esperanto": "epo", "multiple languages": "mul", "multilingue": "mul",
    "multilingual": "mul", "plurilingue": "mul",
}  # fmt: skip
_NO_LANGUAGE = frozenset({"und", "xxx", "zxx"})


def fold(value: str) -> str:
    """Lower case, no accents, single spaces."""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped).strip().lower()


def normalise_language(value: str) -> str:
    """ISO 639-2/B code (lower case) for a code or language name, or "" when unknown.

    Accepts ISO 639-1 ('fr', 'en_US', 'fr-FR'), ISO 639-2/B and /T ('fre', 'fra') and common
    names in English, French or the language itself ('French', 'français', 'العربية').
    """
    folded = fold(value or "").strip(" .;,")
    if not folded:
        return ""
    if folded in _LANGUAGE_NAMES:
        return _LANGUAGE_NAMES[folded]
    code = re.split(r"[-_ ]", folded, maxsplit=1)[0]
    if len(code) == 2 and code in ISO639_1:
        return ISO639_1[code]
    if len(code) == 3:
        code = _ISO639_2T.get(code, code)
        if code in _ISO639_2B and code not in _NO_LANGUAGE:
            return code
    return ""


# --------------------------------------------------------------------------- material types

# Highest priority first: a record typed "Text" and "article" is an article.
_TYPE_PRIORITY = [
    MaterialType.THESIS,
    MaterialType.ARTICLE,
    MaterialType.SCORE,
    MaterialType.MAP,
    MaterialType.VIDEO,
    MaterialType.SOUND,
    MaterialType.IMAGE,
    MaterialType.MANUSCRIPT,
    MaterialType.SERIAL,
    MaterialType.OBJECT,
    MaterialType.KIT,
    MaterialType.ELECTRONIC,
    MaterialType.BOOK,
]
# Whole values (folded, camelCase split) that the word table would get wrong.
_TYPE_PHRASES = {
    "working paper": MaterialType.BOOK,
    "technical report": MaterialType.BOOK,
    "conference proceedings": MaterialType.BOOK,
    "conference paper": MaterialType.ARTICLE,
    "conference poster": MaterialType.IMAGE,
    "conference object": MaterialType.ARTICLE,
    "conference publication": MaterialType.ARTICLE,
    "contribution to periodical": MaterialType.ARTICLE,
    "book review": MaterialType.ARTICLE,
    "carte postale": MaterialType.IMAGE,
    "musical score": MaterialType.SCORE,
    "printed music": MaterialType.SCORE,
    "notated music": MaterialType.SCORE,
    "musique imprimee": MaterialType.SCORE,
    "interactive resource": MaterialType.ELECTRONIC,
    "physical object": MaterialType.OBJECT,
    "livre numerique": MaterialType.ELECTRONIC,
    "ressource electronique": MaterialType.ELECTRONIC,
    "livre audio": MaterialType.SOUND,
    "jeu de societe": MaterialType.OBJECT,
}
_TYPE_WORDS = {
    MaterialType.THESIS: "thesis theses these dissertation dissertations memoire doctoral masterthesis",
    MaterialType.ARTICLE: "article articles chapter chapitre part contribution preprint review annotation "
    "postprint paper",
    MaterialType.SCORE: "score scores partition partitions",
    MaterialType.MAP: "map maps carte cartes cartographic cartographique atlas plan globe",
    MaterialType.VIDEO: "video videos film films moving movie dvd videocassette videorecording",
    MaterialType.SOUND: "sound audio recording enregistrement sonore cd disque musical music musique podcast",
    MaterialType.IMAGE: "image images stillimage photograph photographs photo photos photographie "
    "picture drawing dessin estampe estampes affiche poster iconographie gravure illustration",
    MaterialType.MANUSCRIPT: "manuscript manuscripts manuscrit manuscrits",
    MaterialType.SERIAL: "serial serials periodical periodicals periodique periodiques journal journals "
    "magazine magazines newspaper newspapers revue revues issue fascicule fascicules serie",
    MaterialType.OBJECT: "object objet objets realia jeu game toy jouet",
    MaterialType.KIT: "kit kits multimedia mixed",
    MaterialType.ELECTRONIC: "dataset datasets data software logiciel interactive simulation website "
    "electronic electronique ebook e-book cdrom cd-rom online",
    MaterialType.BOOK: "text texte textes book books livre livres monograph monographie monographs "
    "report rapport proceedings lecture speech address imprime printed",
}
_WORD_TYPES = {word: kind for kind, words in _TYPE_WORDS.items() for word in words.split()}
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_TYPE_PREFIX = re.compile(
    r"^(info:eu-repo/semantics/|doc-type:|http://purl\.org/dc/dcmitype/)", re.IGNORECASE
)


def _type_of_value(value: str) -> MaterialType | None:
    text = _TYPE_PREFIX.sub("", (value or "").strip())
    text = fold(_CAMEL.sub(" ", text).replace("_", " "))
    if not text:
        return None
    if text in _TYPE_PHRASES:
        return _TYPE_PHRASES[text]
    if text in {m.value for m in MaterialType}:
        return MaterialType(text)
    found = {_WORD_TYPES[w] for w in re.findall(r"[\w-]+", text) if w in _WORD_TYPES}
    if not found:
        return None
    return min(found, key=_TYPE_PRIORITY.index)


def material_type_of(values: Iterable[str]) -> MaterialType:
    """The most specific material type named by ``values`` (DC types, eu-repo terms, French words)."""
    found = [t for t in (_type_of_value(v) for v in values) if t is not None and t != MaterialType.OTHER]
    if not found:
        return MaterialType.OTHER
    return min(found, key=_TYPE_PRIORITY.index)


# --------------------------------------------------------------------------- small helpers


def _text(value: str | None) -> str:
    return _SPACES.sub(" ", value or "").strip()


def _add_unique(items: list[str], value: str) -> None:
    if value and value not in items:
        items.append(value)


def split_title(title: str) -> tuple[str, str]:
    """'Title : subtitle' (or 'Title: subtitle') -> ('Title', 'subtitle')."""
    match = _SUBTITLE.search(title)
    if match and match.start() >= 2 and title[match.end() :].strip():
        return title[: match.start()].strip(), title[match.end() :].strip()
    return title, ""


def first_year(values: Iterable[str]) -> int | None:
    """First year 1000-2099 of the first value that is not a system timestamp (else of any value)."""
    values = [v for v in values if v]
    for candidates in ([v for v in values if not _TIMESTAMP.match(v.strip())], values):
        for value in candidates:
            match = _YEAR.search(ascii_digits(value))
            if match:
                return int(match.group(1))
    return None


def truncate_note(text: str) -> str:
    text = _text(text)
    return text if len(text) <= MAX_NOTE_LENGTH else text[: MAX_NOTE_LENGTH - 1].rstrip() + "…"


_ISBN_SHAPE = re.compile(r"^(?:isbn[:\s]*)?([0-9][0-9\-\s]{8,}[0-9Xx])$", re.IGNORECASE)
_ISSN_SHAPE = re.compile(r"^(?:issn[:\s]*)?(\d{4}-\d{3}[\dXx])$", re.IGNORECASE)
_URN_ISBN = re.compile(r"^(?:urn:)?isbn[:\s]+(.+)$", re.IGNORECASE)
_URN_ISSN = re.compile(r"^(?:urn:)?issn[:\s]+(.+)$", re.IGNORECASE)
_DOI = re.compile(r"^(?:doi:\s*|info:doi/|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/\S+)$", re.IGNORECASE)
_HANDLE = re.compile(r"^(?:hdl:|info:hdl/|https?://hdl\.handle\.net/)(\d[\w.]*/\S+)$", re.IGNORECASE)
_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)


def add_dc_identifier(identifiers: dict[str, list[str]], value: str) -> None:
    """File one dc:identifier under isbn/issn/nbn/doi/handle/url; anything else is ignored."""
    value = _text(value)
    if not value:
        return
    digits = re.sub(r"\D", "", value)
    if match := _URN_ISBN.match(value):
        add_identifier(identifiers, "isbn", match.group(1))
    elif match := _URN_ISSN.match(value):
        add_identifier(identifiers, "issn", match.group(1))
    elif value.lower().startswith("urn:nbn:"):
        add_identifier(identifiers, "nbn", value)
    elif match := _DOI.match(value):
        add_identifier(identifiers, "doi", match.group(1))
    elif match := _HANDLE.match(value):
        add_identifier(identifiers, "handle", match.group(1))
    elif _URL.match(value):
        add_identifier(identifiers, "url", value)
    elif (match := _ISBN_SHAPE.match(value)) and (
        len(digits) in (10, 13) or (len(digits) == 9 and value.upper().endswith("X"))
    ):
        add_identifier(identifiers, "isbn", match.group(1))
    elif match := _ISSN_SHAPE.match(value):
        add_identifier(identifiers, "issn", match.group(1))


def checksum_id(raw: bytes) -> str:
    return "sha1:" + hashlib.sha1(raw).hexdigest()[:16]


# --------------------------------------------------------------------------- reader


def _local(tag: object) -> tuple[str, str]:
    if not isinstance(tag, str):
        return "", ""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def _child(element: etree._Element, name: str) -> etree._Element | None:
    for child in element:
        if _local(child.tag)[1] == name:
            return child
    return None


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [child for child in element if _local(child.tag)[1] == name]


class _Offsets:
    """Byte offset of each record's start tag.

    The n-th element written ``<name`` in the tree is the n-th ``<name`` start tag in the bytes
    (comments and CDATA aside, which the line check catches); lxml's line number is the check, and
    the start of that line the fallback.
    """

    def __init__(self, data: bytes, root: etree._Element, records: list[etree._Element]) -> None:
        self.data = data
        self.line_starts = [0]
        pos = data.find(b"\n")
        while pos != -1:
            self.line_starts.append(pos + 1)
            pos = data.find(b"\n", pos + 1)
        names = {_written_name(e) for e in records}
        self.positions: dict[str, list[int]] = {}
        for name in names:
            pattern = re.compile(b"<" + re.escape(name.encode("utf-8")) + rb"[\s/>]")
            self.positions[name] = [m.start() for m in pattern.finditer(data)]
        self.ordinal: dict[etree._Element, int] = {}
        counts = dict.fromkeys(names, 0)
        for element in root.iter():
            if not isinstance(element.tag, str):
                continue
            name = _written_name(element)
            if name in counts:
                self.ordinal[element] = counts[name]
                counts[name] += 1

    def of(self, element: etree._Element) -> int:
        line = element.sourceline or 1
        line_start = self.line_starts[min(max(line - 1, 0), len(self.line_starts) - 1)]
        positions = self.positions.get(_written_name(element), [])
        ordinal = self.ordinal.get(element, -1)
        if 0 <= ordinal < len(positions):
            pos = positions[ordinal]
            if bisect.bisect_right(self.line_starts, pos) <= line:  # on or before the reported line
                return pos
        return line_start


def _written_name(element: etree._Element) -> str:
    return (f"{element.prefix}:" if element.prefix else "") + _local(element.tag)[1]


def _parse(data: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise UnreadableFileError(xml_syntax_problem(error)) from None
    if root is None:
        raise UnreadableFileError("the file holds no XML element")
    return root


def _oai_error(root: etree._Element) -> None:
    errors = _children(root, "error")
    if not errors:
        return
    described = []
    for error in errors:
        code = error.get("code") or "unknown"
        message = _text(error.text)
        described.append(f"{code}: {message}" if message else code)
    raise UnreadableFileError(
        "the OAI-PMH server answered with an error instead of records: " + "; ".join(described)
    )


def read_oai_dc(data: bytes) -> Iterator[ParsedRecord | RejectedRecord]:
    """Records of an OAI-PMH ListRecords/GetRecord response or of a Dublin Core document.

    Raises :class:`UnreadableFileError` at once (not on iteration) for a body that is not XML, an
    OAI-PMH error response, or XML without OAI records or Dublin Core. Responses to other verbs
    (Identify, ListSets, ListIdentifiers, ListMetadataFormats) yield no records.
    """
    root = _parse(data)
    root_name = _local(root.tag)[1]
    metadata_prefix = ""
    if root_name == "OAI-PMH":
        _oai_error(root)
        request = _child(root, "request")
        if request is not None:
            metadata_prefix = request.get("metadataPrefix") or ""
        verb = next((c for c in root if _local(c.tag)[1] in ("ListRecords", "GetRecord")), None)
        records = _children(verb, "record") if verb is not None else []
    else:
        records = [e for e in root.iter() if _local(e.tag)[1] == "record" and _child(e, "header") is not None]
        if not records:
            records = [e for e in root.iter() if _local(e.tag) in ((_OAI_DC, "dc"), ("", "dc"))]
        if not records and root_name == "dc":
            records = [root]
        if not records and _dc_elements(root):
            records = [root]
        if not records:
            raise UnreadableFileError(f"no OAI-PMH records or Dublin Core elements in <{root_name}>")
    return _records(data, root, records, metadata_prefix)


def _records(
    data: bytes, root: etree._Element, records: list[etree._Element], prefix: str
) -> Iterator[ParsedRecord | RejectedRecord]:
    offsets = _Offsets(data, root, records)
    for number, element in enumerate(records, start=1):
        offset = offsets.of(element)
        raw = etree.tostring(element, encoding="utf-8", xml_declaration=False, with_tail=False)
        try:
            yield _record(element, number, offset, raw, prefix)
        except Exception as error:
            yield RejectedRecord(number=number, offset=offset, reason=f"unreadable record: {error}", raw=raw)


def _record(
    element: etree._Element, number: int, offset: int, raw: bytes, prefix: str
) -> ParsedRecord | RejectedRecord:
    header = _child(element, "header")
    local_id = ""
    deleted = False
    if header is not None:
        identifier = _child(header, "identifier")
        local_id = _text(identifier.text) if identifier is not None else ""
        deleted = (header.get("status") or "").lower() == "deleted"
    if _local(element.tag)[1] == "dc" and header is None:
        payload: etree._Element | None = element
    else:
        metadata = _child(element, "metadata")
        payload = (
            next((c for c in metadata if isinstance(c.tag, str)), None) if metadata is not None else None
        )
    warnings: list[str] = []

    def parsed(fields: BibFields, kind: RecordKind = RecordKind.BIBLIOGRAPHIC) -> ParsedRecord:
        return ParsedRecord(
            local_id=local_id,
            format=RecordFormat.DUBLIN_CORE,
            serialisation=Serialisation.XML,
            kind=kind,
            raw=raw,
            number=number,
            offset=offset,
            fields=fields,
            deleted=deleted,
            warnings=warnings,
        )

    if deleted:
        if not local_id:
            return RejectedRecord(number, offset, "deleted record without an identifier", raw)
        return parsed(BibFields())
    if payload is None:
        return RejectedRecord(number, offset, "OAI-PMH record without metadata", raw, local_id=local_id)

    values = _dc_values(payload)
    if values:
        fields = _bib_fields(values)
    elif _local(payload.tag)[0] == _PICA or _child(payload, "global") is not None:
        result = _pica_fields(payload)
        if isinstance(result, str):
            return RejectedRecord(number, offset, result, raw, local_id=local_id)
        fields, pica_id = result
        local_id = local_id or pica_id
    else:
        namespace, name = _local(payload.tag)
        what = prefix or (f"{{{namespace}}}{name}" if namespace else name)
        return RejectedRecord(
            number,
            offset,
            f"metadata format {what} has no Dublin Core and is not supported",
            raw,
            local_id=local_id,
        )
    if not local_id:
        local_id = next(iter(values.get("identifier", [])), "") or checksum_id(raw)
        warnings.append(f"no OAI header identifier: local id is {local_id}")
    if not fields.title:
        warnings.append("record has no title")
    return parsed(fields)


def _dc_elements(container: etree._Element) -> list[tuple[str, etree._Element]]:
    """(DC element name, element) pairs in ``container``: dc:, dcterms: or un-namespaced DC names."""
    # A package (DIDL, METS ...) with an oai_dc block: read that block only.
    if _local(container.tag) != (_OAI_DC, "dc"):
        block = next((e for e in container.iter() if _local(e.tag) == (_OAI_DC, "dc")), None)
        if block is not None:
            container = block
    found = []
    for element in container.iter():
        namespace, name = _local(element.tag)
        if element is container or not name:
            continue
        if namespace == _DC and name in _DC_ELEMENTS:
            found.append((name, element))
        elif namespace == _DCTERMS:
            if name in _DC_ELEMENTS:
                found.append((name, element))
            elif name in _DCTERMS_AS:
                found.append((_DCTERMS_AS[name], element))
        elif namespace == "" and name in _DC_ELEMENTS and len(element) == 0:
            found.append((name, element))
    return found


def _dc_values(payload: etree._Element) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for name, element in _dc_elements(payload):
        text = _text("".join(element.itertext()))
        if text:
            values.setdefault(name, []).append(text)
    return values


def _bib_fields(values: dict[str, list[str]]) -> BibFields:
    fields = BibFields()
    titles = values.get("title", [])
    if titles:
        fields.title, fields.subtitle = split_title(titles[0])
    for other in titles[1:] + values.get("alternative", []):
        if other != titles[0]:
            _add_unique(fields.parallel_titles, other)
    for name in values.get("creator", []) + values.get("contributor", []):
        _add_unique(fields.authors, name)
    for subject in values.get("subject", []):
        for part in subject.split(";"):
            _add_unique(fields.subjects, part.strip())
    fields.year = first_year(values.get("date", []))
    fields.publisher = next(iter(values.get("publisher", [])), "")
    for language in values.get("language", []):
        for part in re.split(r"[;,/]", language):
            _add_unique(fields.languages, normalise_language(part))
    fields.material_type = material_type_of(values.get("type", []))
    for identifier in values.get("identifier", []):
        add_dc_identifier(fields.identifiers, identifier)
    for description in values.get("description", []):
        if len(fields.notes) >= MAX_NOTES:
            break
        _add_unique(fields.notes, truncate_note(description))
    fields.scripts = scripts_in(
        [fields.title, fields.subtitle, *fields.parallel_titles, *fields.authors, fields.publisher]
    )
    return fields


# --------------------------------------------------------------------------- PICA+


def _pica(payload: etree._Element) -> dict[str, list[dict[str, list[str]]]]:
    """PICA+ tag -> occurrences, each subfield code -> values."""
    tags: dict[str, list[dict[str, list[str]]]] = {}
    for tag in payload.iter():
        if _local(tag.tag)[1] != "tag":
            continue
        subfields: dict[str, list[str]] = {}
        for subfield in tag:
            if _local(subfield.tag)[1] == "subf":
                subfields.setdefault(subfield.get("id") or "", []).append(_text(subfield.text))
        tags.setdefault(tag.get("id") or "", []).append(subfields)
    return tags


def _pica_first(tags: dict[str, list[dict[str, list[str]]]], tag: str, code: str) -> str:
    for occurrence in tags.get(tag, []):
        for value in occurrence.get(code, []):
            if value:
                return value
    return ""


_PICA_TYPES = {
    "A": MaterialType.BOOK,
    "B": MaterialType.VIDEO,
    "C": MaterialType.BOOK,  # Blindenschrift
    "E": MaterialType.BOOK,  # microform
    "G": MaterialType.SOUND,
    "H": MaterialType.MANUSCRIPT,
    "K": MaterialType.MAP,
    "M": MaterialType.SCORE,
    "O": MaterialType.ELECTRONIC,
    "S": MaterialType.ELECTRONIC,
    "V": MaterialType.OBJECT,
}


def _pica_fields(payload: etree._Element) -> tuple[BibFields, str] | str:
    """(fields, PPN) of a PICA+ bibliographic record, or the reason it is rejected."""
    tags = _pica(payload)
    kind = _pica_first(tags, "002@", "0")
    if kind.startswith("T"):
        name = _pica_first(tags, "029A", "a") or _pica_first(tags, "028A", "a")
        about = f" ({name})" if name else ""
        return (
            f"PICA+ record type {kind} is an authority or library-directory record{about}, "
            "not a bibliographic description: not supported"
        )
    title = _pica_first(tags, "021A", "a").replace("@", "")
    if not title:
        return "metadata format PicaPlus-xml has no Dublin Core and this PICA+ record has no title (021A $a)"
    fields = BibFields(title=title, subtitle=_pica_first(tags, "021A", "d"))
    for tag in ("028A", "028B", "028C"):
        for occurrence in tags.get(tag, []):
            surname = next(iter(occurrence.get("a", [])), "")
            forename = next(iter(occurrence.get("d", [])), "")
            name = (
                f"{surname}, {forename}"
                if surname and forename
                else surname or next(iter(occurrence.get("P", [])), "")
            )
            _add_unique(fields.authors, name)
    fields.year = first_year([_pica_first(tags, "011@", "a")])
    fields.publisher = _pica_first(tags, "033A", "n")
    fields.place = _pica_first(tags, "033A", "p")
    fields.edition = _pica_first(tags, "032@", "a")
    for occurrence in tags.get("004A", []):
        for value in occurrence.get("0", []) + occurrence.get("A", []):
            add_identifier(fields.identifiers, "isbn", value)
    for tag in ("005A", "005B"):
        for occurrence in tags.get(tag, []):
            for value in occurrence.get("0", []):
                add_identifier(fields.identifiers, "issn", value)
    for occurrence in tags.get("010@", []):
        for value in occurrence.get("a", []):
            _add_unique(fields.languages, normalise_language(value))
    if len(kind) >= 2 and kind[1] in "bdz":
        fields.material_type = MaterialType.SERIAL
    elif len(kind) >= 2 and kind[1] == "s":
        fields.material_type = MaterialType.ARTICLE
    else:
        fields.material_type = _PICA_TYPES.get(kind[:1], MaterialType.OTHER)
    fields.scripts = scripts_in([fields.title, fields.subtitle, *fields.authors, fields.publisher])
    return fields, _pica_first(tags, "003@", "0")
