"""Normalisation of affiliation strings and institution names for matching (no Django import).

On top of ``khizana.core.textnorm`` (case, accents, Arabic letter forms, articles, punctuation):

- abbreviations and the words of several languages for the same thing become one canonical word
  (Univ / Université / Universidad / جامعة -> ``university``; Fac, Inst, Lab, Sci, Ecole ...);
- transliteration variants fold to one spelling (Mohammed / Mohamed / Muhammad, Fès / Fez / فاس,
  Abdellah / Abdallah, Ibn / Ben), doubled Latin letters are collapsed;
- roman numerals, ordinals in English, French and Arabic and numbers with a leading zero become digits
  ("Mohammed V" = "Mohammed 5" = محمد الخامس = "Mohammed Vth"; "Hassan 1st" = "Hassan First" = "Hassan
  1er" = "Hassan Premier"; "08" = "8"), month names one word ("8 Mai 1945" = "08 May 1945");
- Web of Science's address abbreviations ("Inst Super Gest", "Sci & Technol") and the French and English
  words of the same thing ("Métiers de la Formation" = "Careers in Training") fold alike
  (``abbreviations``);
- link words (of, de, and, et, für ...) are dropped, as are postal codes and other long numbers;
- country names (English, French, Arabic, ISO codes) are recognised.

``segments(text)`` splits an affiliation at commas, semicolons, parentheses and line breaks;
``name_tokens(text)`` gives the canonical words of one name or segment.
"""

from __future__ import annotations

import re
from functools import lru_cache

from khizana.core.textnorm import words
from khizana.visibility.abbreviations import BILINGUAL_GROUPS, MONTHS, ORDINAL_WORDS, WOS_ABBREVIATIONS


def _w(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# --- canonical words ------------------------------------------------------------------------------

_CANONICAL_GROUPS: dict[str, tuple[str, ...]] = {
    "university": _w(
        "univ universite universites university universities universidad universitat universita "
        "universidade universiteit universitet universitaet universitatea uniwersytet univerzita "
        "universitas universitario universitaria universitaire universitair uni jamia جامعه جامعي "
        "جامعيه"
    ),
    "faculty": _w("fac faculte faculty facultad fakultat facolta faculdade kulliyah كليه"),
    "institute": _w("inst institut institute instituto istituto instytut instituut معهد"),
    "laboratory": _w("lab labo laboratoire laboratory laboratorio laboratorium labs مختبر مخبر"),
    "school": _w("ecole school escuela scuola escola sch مدرسه"),
    "science": _w("sci sc sciences science ciencias ciencia scienze scientifique scientific علوم"),
    "technology": _w(
        "tech technol technologie technologies technology tecnologia techniques technique technics تكنولوجيا"
        " technological technologique technologiques tecnologica tecnologico"
    ),
    "center": _w("ctr centre center centro centres centers zentrum cent مركز"),
    "hospital": _w("hosp hopital hopitaux hospital hospitalier hospitaliere hospitalo ospedale مستشفي"),
    "national": _w("natl nat nationale national nacional nazionale وطني وطنيه"),
    "international": _w("intl internationale international internacional internazionale"),
    "research": _w("rech recherche recherches research investigacion ricerca forschung بحث بحوث"),
    "superior": _w("sup superieure superieur superior higher high عليا"),
    "normal": _w("normale normal"),
    "engineering": _w("eng engn ingenierie ingenieurs ingenieur engineering engineers genie هندسه"),
    "medicine": _w("med medecine medicine medical medicale medicales medicina medizin طب"),
    "department": _w("dept dep departement department departamento dipartimento قسم"),
    "polytechnic": _w("polytech polytechnique polytechnic politecnico politecnica polytechnical"),
    "pharmacy": _w("pharm pharmacie pharmacy farmacia صيدله"),
    "studies": _w("etudes studies estudios studi"),
    "applied": _w("appliquees appliquee applied aplicadas"),
    "economics": _w("econ economie economics economiques economique economic"),
    "agronomy": _w("agronomique agronomic agronomy agronomie agronomiques"),
    "veterinary": _w("vet veterinaire veterinary veterinaria"),
    "college": _w("coll college colegio collegio"),
    "academy": _w("acad academie academy academia akademie"),
    "saint": _w("st ste saint sainte sankt"),
    "mathematics": _w("math maths mathematiques mathematics matematica"),
    "physics": _w("phys physique physics fisica"),
    "chemistry": _w("chem chimie chemistry quimica chimica"),
    "biology": _w("biol biologie biology biologia"),
    "health": _w("sante health salud salute صحه"),
    "public": _w("publique public publica pubblica"),
    "general": _w("gen generale general"),
    "foundation": _w("fondation foundation fundacion fondazione stiftung"),
    "society": _w("soc societe society sociedad"),
    "ministry": _w("ministere ministry ministerio وزاره"),
    "clinic": _w("clinique clinic clinica klinik clinical clinique"),
    # transliteration variants of Maghreb names (after doubled letters are collapsed)
    "mohamed": _w("mohamed muhamad mohamad muhamed mouhamed mohd mhamed محمد"),
    "abdelah": _w("abdelah abdalah abdulah abdala abdallah عبدالله"),
    "ben": _w("ben bin ibn ابن بن"),
    "yusuf": _w("yusuf yousef youcef yusef youssef yousuf یوسف يوسف"),
    "qadi": _w("qadi kadi cadi قاضي"),
    "mulay": _w("mulay moulay مولاي"),
    "sidi": _w("sidi سيدي"),
    "sultan": _w("sultan سلطان"),
    "tufail": _w("tufail tofail tufayl طفيل"),
    "chuaib": _w("chuaib chouaib shuaib شعيب"),
    "zuhr": _w("zuhr zohr زهر"),
    "hasan": _w("hasan hassan حسن"),
    # cities of the Maghreb and France in three languages
    "fes": _w("fes fez fas فاس"),
    "rabat": _w("rabat رباط"),
    "marakech": _w("marakech marakesh marrakesh marrakech marakesch مراكش"),
    "tangier": _w("tanger tangier tangiers tanja طنجه"),
    "meknes": _w("meknes miknas مكناس"),
    "oujda": _w("oujda ujda wajda وجده"),
    "kenitra": _w("kenitra قنيطره"),
    "tetouan": _w("tetouan tetuan tetwan تطوان"),
    "agadir": _w("agadir اكادير"),
    "algiers": _w("alger algiers algeri"),
    "oran": _w("oran wahran وهران"),
    "constantine": _w("constantine qusantinah قسنطينه"),
    "anaba": _w("anaba annaba عنابه"),
    "setif": _w("setif stif سطيف"),
    "batna": _w("batna باتنه"),
    "blida": _w("blida بليده"),
    "tlemcen": _w("tlemcen tilimsan تلمسان"),
    "bejaia": _w("bejaia bougie bgayet بجايه"),
    "tunis": _w("tunis تونس"),
    "sfax": _w("sfax safaqis صفاقس"),
    "sousse": _w("sousse susa سوسه"),
    "monastir": _w("monastir منستير"),
    "gabes": _w("gabes qabis قابس"),
    "bizerte": _w("bizerte bizerta بنزرت"),
    "kairouan": _w("kairouan qayrawan قيروان"),
    "paris": _w("paris باريس"),
    "lyon": _w("lyon lyons ليون"),
    "marseille": _w("marseille marseilles مرسيليا"),
}
_STOP = frozenset(
    _w(
        "of de des du la le les the and et for in at y e di del della delle degli dei der die das den "
        "und fur da do dos en al el aux au pour on a an l d s van von zu cedex bp box po"
        " و في من"
    )
)
_ROMAN = {
    "i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7", "viii": "8", "ix": "9",
    "x": "10", "xi": "11", "xii": "12", "xiii": "13", "xiv": "14", "xv": "15",
    "اول": "1", "ثاني": "2", "ثالث": "3", "رابع": "4", "خامس": "5", "سادس": "6",
}  # fmt: skip
_PHRASES = {
    ("دار", "بيضا"): "casablanca",
    ("casa", "blanca"): "casablanca",
    ("جزاير",): "algeria",  # the country and its capital share the name in Arabic
    ("عبد", "له"): "abdelah",  # عبد الله, written in two words, is Abdellah
    # a university hospital, in the French word order or the English one, is a CHU
    ("center", "hospital", "university"): "chu",
    ("university", "hospital", "center"): "chu",
    ("university", "hospital"): "chu",
    ("hospital", "university"): "chu",
}
# abbreviations that stand for several words
_EXPANSIONS = {
    "ens": ("school", "normal", "superior"),
    "chru": ("center", "hospital", "regional", "university"),
}
# "M'Hamed", "M'Sila": in Maghreb names M' is part of the word (written "Mhamed", "Msila" too), not
# the French elided article
_M_APOSTROPHE = re.compile(r"\b([Mm])['’ʼ`](?=\w)")
_DOUBLED = re.compile(r"([a-z])\1+")
_LONG_NUMBER = re.compile(r"^\d*\d{3,}\d*$|^\d+[a-z]+\d+|^[a-z]?\d{3,}")
_SEGMENT_SPLIT = re.compile(r"[,;،؛()\[\]\n\r\t|/]+|\s[-–—]\s")


@lru_cache(maxsize=1)
def _canonical() -> dict[str, str]:
    table: dict[str, str] = {}
    for groups in (_CANONICAL_GROUPS, BILINGUAL_GROUPS):
        for canonical, variants in groups.items():
            for variant in variants:
                for word in words(variant, strip_articles=True):
                    table.setdefault(_collapse(word), canonical)
    for spelling, month in MONTHS.items():
        table.setdefault(_collapse(spelling), month)
    # an abbreviation stands for its full word's canonical form ("technol" -> "technology")
    for abbreviation, full in WOS_ABBREVIATIONS.items():
        table.setdefault(_collapse(abbreviation), table.get(_collapse(full), _collapse(full)))
    return table


def _collapse(word: str) -> str:
    return _DOUBLED.sub(r"\1", word) if word.isascii() else word


@lru_cache(maxsize=1 << 17)
def canonical_word(word: str) -> str:
    """One folded word as its canonical form ("" for a link word or a long number)."""
    if word in _STOP or _LONG_NUMBER.match(word):
        return ""
    if word in _ROMAN:
        return _ROMAN[word]
    if word in ORDINAL_WORDS:
        return ORDINAL_WORDS[word]
    if word.isdigit():
        return str(int(word))  # "08" is 8
    collapsed = _collapse(word)
    table = _canonical()
    if collapsed in table:
        return table[collapsed]
    # a French adjective in -ale(s) is the English one in -al ("Techniques Spatiales", "Spatial")
    if len(collapsed) >= 6 and collapsed.isascii() and collapsed.endswith(("ale", "ales")):
        stem = collapsed[: collapsed.rindex("al") + 2]
        return table.get(stem, stem)
    return collapsed


@lru_cache(maxsize=1 << 16)
def name_tokens(text: str) -> tuple[str, ...]:
    """The canonical words of one name or affiliation segment, in order."""
    tokens: list[str] = []
    text = _M_APOSTROPHE.sub(r"\1", text.replace("&", " "))
    for word in words(text, strip_articles=True):
        canonical = canonical_word(word)
        if canonical in _EXPANSIONS:
            tokens.extend(_EXPANSIONS[canonical])
        elif canonical:
            tokens.append(canonical)
    return _replace_phrases(tokens)


def _replace_phrases(tokens: list[str]) -> tuple[str, ...]:
    if not any((t,) in _PHRASES or t in _PHRASE_STARTS for t in tokens):
        return tuple(tokens)
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for phrase, replacement in _PHRASES.items():
            if tuple(tokens[i : i + len(phrase)]) == phrase:
                out.append(replacement)
                i += len(phrase)
                break
        else:
            out.append(tokens[i])
            i += 1
    return tuple(out)


_PHRASE_STARTS = frozenset(p[0] for p in _PHRASES)


def key(text: str) -> str:
    """The canonical words of ``text`` joined by spaces: the exact-match key of a name."""
    return " ".join(name_tokens(text))


def segments(text: str) -> list[str]:
    """The parts of an affiliation string between commas, semicolons, parentheses and line breaks."""
    return [part.strip() for part in _SEGMENT_SPLIT.split(text or "") if part.strip()]


# inside a segment, where publishers' exports run two parts together: a run of spaces ("Semmelweis
# University  Budapest Hungary"), or a footnote number before the next unit ("Michigan State University
# 4 Department of Obstetrics"; the number stays with the name before it: "Constantine 2 Faculté de ...")
_RUN_TOGETHER = re.compile(
    r"\s{2,}|(?<=\s\d)\s+(?=UNIT\b)|(?<=\s\d\d)\s+(?=UNIT\b)".replace(
        "UNIT",
        "(?:Department|Dept|Departement|Département|School|Faculty|Faculté|Faculte|Division|Laboratory|"
        "Laboratoire|Institute|Institut|Center|Centre|Section|Unit|Unité|Program|Programme|Graduate|College|"
        "Key|State|Research|Clinic|Service)",
    )
)


def name_segments(text: str) -> list[str]:
    """The segments the matcher reads: :func:`segments`, each split again where an export ran two parts
    together (a run of spaces, a footnote number before a department, school or faculty)."""
    return [
        part.strip() for segment in segments(text) for part in _RUN_TOGETHER.split(segment) if part.strip()
    ]


def acronym_key(text: str) -> str:
    """An acronym as compared: folded letters and digits only ("I.N.R.A." = "INRA" = "inra")."""
    return "".join(words(text))


# --- countries ------------------------------------------------------------------------------------

# ISO code: English | French | Arabic names and usual short forms, separated by "|".
_COUNTRIES = {
    "MA": "morocco|maroc|kingdom of morocco|royaume du maroc|المغرب|المملكه المغربيه|marruecos",
    "DZ": "algeria|algerie|people s democratic republic of algeria|الجزاير|argelia",
    "TN": "tunisia|tunisie|republic of tunisia|تونس|tunez",
    "FR": "france|french republic|republique francaise|فرنسا|francia|frankreich",
    "LY": "libya|libye|ليبيا",
    "MR": "mauritania|mauritanie|موريتانيا",
    "EG": "egypt|egypte|arab republic of egypt|مصر",
    "SA": "saudi arabia|arabie saoudite|kingdom of saudi arabia|ksa|السعوديه",
    "AE": "united arab emirates|emirats arabes unis|uae|الامارات",
    "QA": "qatar|قطر",
    "KW": "kuwait|koweit|الكويت",
    "BH": "bahrain|bahrein|البحرين",
    "OM": "oman|sultanate of oman",
    "JO": "jordan|jordanie|الاردن",
    "LB": "lebanon|liban|لبنان",
    "SY": "syria|syrie|سوريا",
    "IQ": "iraq|irak|العراق",
    "PS": "palestine|state of palestine|فلسطين",
    "YE": "yemen|اليمن",
    "SD": "sudan|soudan|السودان",
    "IL": "israel",
    "TR": "turkey|turquie|turkiye|تركيا",
    "IR": "iran|islamic republic of iran|ايران",
    "PK": "pakistan|باكستان",
    "IN": "india|inde|الهند",
    "BD": "bangladesh",
    "LK": "sri lanka",
    "NP": "nepal",
    "CN": "china|chine|pr china|p r china|people s republic of china|prc|الصين",
    "TW": "taiwan|republic of china|taiwan roc",
    "HK": "hong kong|hong kong sar|hong kong china",
    "JP": "japan|japon|اليابان",
    "KR": "korea|south korea|republic of korea|coree|coree du sud|korea republic of",
    "KP": "north korea|dprk",
    "SG": "singapore|singapour",
    "MY": "malaysia|malaisie",
    "ID": "indonesia|indonesie",
    "TH": "thailand|thailande",
    "VN": "vietnam|viet nam",
    "PH": "philippines",
    "AU": "australia|australie",
    "NZ": "new zealand|nouvelle zelande",
    "US": "usa|united states|united states of america|us|u s a|etats unis|الولايات المتحده",
    "CA": "canada|كندا",
    "MX": "mexico|mexique",
    "BR": "brazil|bresil|brasil",
    "AR": "argentina|argentine",
    "CL": "chile|chili",
    "CO": "colombia|colombie",
    "PE": "peru|perou",
    "VE": "venezuela",
    "CU": "cuba",
    "EC": "ecuador|equateur",
    "UY": "uruguay",
    "GB": "uk|united kingdom|great britain|england|scotland|wales|northern ireland|royaume uni|"
    "angleterre|ecosse|بريطانيا|المملكه المتحده",
    "IE": "ireland|irlande|republic of ireland",
    "DE": "germany|allemagne|deutschland|المانيا",
    "AT": "austria|autriche|osterreich",
    "CH": "switzerland|suisse|schweiz|svizzera",
    "BE": "belgium|belgique|belgie",
    "NL": "netherlands|the netherlands|pays bas|holland|nederland",
    "LU": "luxembourg",
    "IT": "italy|italie|italia",
    "ES": "spain|espagne|espana|اسبانيا",
    "PT": "portugal",
    "GR": "greece|grece",
    "CY": "cyprus|chypre",
    "MT": "malta|malte",
    "DK": "denmark|danemark",
    "SE": "sweden|suede|sverige",
    "NO": "norway|norvege|norge",
    "FI": "finland|finlande|suomi",
    "IS": "iceland|islande",
    "PL": "poland|pologne|polska",
    "CZ": "czech republic|czechia|republique tcheque",
    "SK": "slovakia|slovaquie",
    "HU": "hungary|hongrie",
    "RO": "romania|roumanie",
    "BG": "bulgaria|bulgarie",
    "RS": "serbia|serbie",
    "HR": "croatia|croatie",
    "SI": "slovenia|slovenie",
    "BA": "bosnia and herzegovina|bosnie herzegovine",
    "MK": "north macedonia|macedonia",
    "AL": "albania|albanie",
    "UA": "ukraine",
    "BY": "belarus|bielorussie",
    "RU": "russia|russian federation|russie|روسيا",
    "EE": "estonia|estonie",
    "LV": "latvia|lettonie",
    "LT": "lithuania|lituanie",
    "AM": "armenia|armenie",
    "AZ": "azerbaijan",
    "KZ": "kazakhstan",
    "UZ": "uzbekistan",
    "NG": "nigeria",
    "GH": "ghana",
    "KE": "kenya",
    "ET": "ethiopia|ethiopie",
    "ZA": "south africa|afrique du sud",
    "SN": "senegal",
    "CI": "cote d ivoire|ivory coast",
    "CM": "cameroon|cameroun",
    "TZ": "tanzania|tanzanie",
    "UG": "uganda|ouganda",
    "RW": "rwanda",
    "BF": "burkina faso",
    "ML": "mali",
    "NE": "niger",
    "BJ": "benin",
    "TG": "togo",
    "GA": "gabon",
    "CD": "democratic republic of the congo|dr congo|rdc",
    "CG": "congo|republic of the congo",
    "MG": "madagascar",
    "ZW": "zimbabwe",
    "ZM": "zambia|zambie",
    "MW": "malawi",
    "MZ": "mozambique",
    "BW": "botswana",
    "NA": "namibia|namibie",
    "SS": "south sudan",
}


@lru_cache(maxsize=1)
def country_keys() -> dict[str, str]:
    """Canonical key of every country name -> ISO code."""
    table: dict[str, str] = {}
    for code, names in _COUNTRIES.items():
        for name in names.split("|"):
            table[key(name)] = code
    return table


def country_of_segment(segment: str) -> str:
    """The ISO code when ``segment`` is a country name, else "" (ISO codes are not trusted: MA, CA and
    IN are also US states)."""
    return country_keys().get(key(segment), "")
