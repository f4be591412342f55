"""Country names as they appear at the end of affiliations: English, French, Arabic and Web of Science forms.

Pure data and one lookup: ``country_code(text)`` gives the ISO 3166 alpha-2 code of a country name.
"""

from __future__ import annotations

import re
import unicodedata

# code: names (English, French, Arabic, Web of Science abbreviations, older names)
COUNTRY_NAMES: dict[str, tuple[str, ...]] = {
    "MA": ("Morocco", "Maroc", "Kingdom of Morocco", "Royaume du Maroc", "Marruecos", "Marokko", "المغرب",
           "المملكة المغربية"),
    "DZ": ("Algeria", "Algérie", "Algerie", "People's Democratic Republic of Algeria", "Argelia", "الجزائر"),
    "TN": ("Tunisia", "Tunisie", "Tunez", "Túnez", "تونس"),
    "FR": ("France", "French Republic", "République française", "فرنسا"),
    "LY": ("Libya", "Libye", "ليبيا"),
    "MR": ("Mauritania", "Mauritanie", "موريتانيا"),
    "EG": ("Egypt", "Égypte", "Egypte", "مصر"),
    "SA": ("Saudi Arabia", "Arabie saoudite", "Arabie Saoudite", "Kingdom of Saudi Arabia", "السعودية",
           "المملكة العربية السعودية"),
    "AE": ("United Arab Emirates", "U Arab Emirates", "UAE", "Émirats arabes unis", "Emirats arabes unis",
           "الإمارات", "الإمارات العربية المتحدة"),
    "QA": ("Qatar", "قطر"),
    "KW": ("Kuwait", "Koweït", "Koweit", "الكويت"),
    "BH": ("Bahrain", "Bahreïn", "Bahrein", "البحرين"),
    "OM": ("Oman", "عمان", "سلطنة عمان"),
    "YE": ("Yemen", "Yémen", "اليمن"),
    "JO": ("Jordan", "Jordanie", "الأردن"),
    "LB": ("Lebanon", "Liban", "لبنان"),
    "SY": ("Syria", "Syrie", "Syrian Arab Republic", "سوريا"),
    "IQ": ("Iraq", "Irak", "العراق"),
    "PS": ("Palestine", "State of Palestine", "فلسطين"),
    "SD": ("Sudan", "Soudan", "السودان"),
    "IR": ("Iran", "Islamic Republic of Iran", "إيران"),
    "TR": ("Turkey", "Türkiye", "Turkiye", "Turquie", "تركيا"),
    "IL": ("Israel", "Israël"),
    "DE": ("Germany", "Allemagne", "Deutschland", "ألمانيا"),
    "ES": ("Spain", "Espagne", "España", "إسبانيا"),
    "IT": ("Italy", "Italie", "Italia", "إيطاليا"),
    "PT": ("Portugal", "البرتغال"),
    "BE": ("Belgium", "Belgique", "België", "بلجيكا"),
    "NL": ("Netherlands", "The Netherlands", "Pays-Bas", "Pays Bas", "Holland", "هولندا"),
    "LU": ("Luxembourg",),
    "CH": ("Switzerland", "Suisse", "Schweiz", "سويسرا"),
    "AT": ("Austria", "Autriche", "Österreich"),
    "GB": ("United Kingdom", "UK", "U.K.", "Royaume-Uni", "Royaume Uni", "Great Britain", "England",
           "Scotland", "Wales", "North Ireland", "Northern Ireland", "المملكة المتحدة", "بريطانيا"),
    "IE": ("Ireland", "Irlande"),
    "SE": ("Sweden", "Suède", "Suede"),
    "NO": ("Norway", "Norvège", "Norvege"),
    "DK": ("Denmark", "Danemark"),
    "FI": ("Finland", "Finlande"),
    "IS": ("Iceland", "Islande"),
    "PL": ("Poland", "Pologne"),
    "CZ": ("Czech Republic", "Czechia", "République tchèque"),
    "SK": ("Slovakia", "Slovaquie"),
    "HU": ("Hungary", "Hongrie"),
    "RO": ("Romania", "Roumanie"),
    "BG": ("Bulgaria", "Bulgarie"),
    "GR": ("Greece", "Grèce", "Grece"),
    "HR": ("Croatia", "Croatie"),
    "SI": ("Slovenia", "Slovénie"),
    "RS": ("Serbia", "Serbie"),
    "YU": ("Yugoslavia", "Yougoslavie"),
    "CY": ("Cyprus", "Chypre"),
    "MT": ("Malta", "Malte"),
    "EE": ("Estonia", "Estonie"),
    "LV": ("Latvia", "Lettonie"),
    "LT": ("Lithuania", "Lituanie"),
    "UA": ("Ukraine",),
    "RU": ("Russia", "Russian Federation", "Russie", "روسيا"),
    "US": ("United States", "USA", "U.S.A.", "United States of America", "États-Unis", "Etats-Unis",
           "Etats Unis", "الولايات المتحدة", "الولايات المتحدة الأمريكية"),
    "CA": ("Canada", "كندا"),
    "MX": ("Mexico", "Mexique", "México"),
    "BR": ("Brazil", "Brésil", "Bresil", "Brasil"),
    "AR": ("Argentina", "Argentine"),
    "CL": ("Chile", "Chili"),
    "CO": ("Colombia", "Colombie"),
    "PE": ("Peru", "Pérou"),
    "VE": ("Venezuela",),
    "EC": ("Ecuador", "Équateur"),
    "CU": ("Cuba",),
    "CN": ("China", "Peoples R China", "People's Republic of China", "PR China", "P.R. China", "Chine",
           "الصين"),
    "TW": ("Taiwan", "Taïwan"),
    "HK": ("Hong Kong",),
    "JP": ("Japan", "Japon", "اليابان"),
    "KR": ("South Korea", "Korea", "Republic of Korea", "Corée du Sud", "Coree du Sud"),
    "IN": ("India", "Inde", "الهند"),
    "PK": ("Pakistan", "باكستان"),
    "BD": ("Bangladesh",),
    "MY": ("Malaysia", "Malaisie", "ماليزيا"),
    "ID": ("Indonesia", "Indonésie"),
    "SG": ("Singapore", "Singapour"),
    "TH": ("Thailand", "Thaïlande"),
    "VN": ("Vietnam", "Viet Nam", "Viêt Nam"),
    "PH": ("Philippines",),
    "AU": ("Australia", "Australie", "أستراليا"),
    "NZ": ("New Zealand", "Nouvelle-Zélande", "Nouvelle Zelande"),
    "ZA": ("South Africa", "Afrique du Sud", "جنوب أفريقيا"),
    "NG": ("Nigeria", "Nigéria"),
    "GH": ("Ghana",),
    "KE": ("Kenya",),
    "ET": ("Ethiopia", "Éthiopie", "Ethiopie"),
    "SN": ("Senegal", "Sénégal", "السنغال"),
    "CI": ("Côte d'Ivoire", "Cote d'Ivoire", "Cote Ivoire", "Ivory Coast"),
    "CM": ("Cameroon", "Cameroun"),
    "ML": ("Mali",),
    "BF": ("Burkina Faso",),
    "NE": ("Niger",),
    "TD": ("Chad", "Tchad"),
    "BJ": ("Benin", "Bénin"),
    "TG": ("Togo",),
    "GA": ("Gabon",),
    "CG": ("Congo", "Rep Congo", "Republic of the Congo"),
    "CD": ("Dem Rep Congo", "Democratic Republic of the Congo", "DR Congo", "RD Congo"),
    "MG": ("Madagascar",),
    "DJ": ("Djibouti", "جيبوتي"),
    "GN": ("Guinea", "Guinée"),
    "RW": ("Rwanda",),
    "TZ": ("Tanzania", "Tanzanie"),
    "UG": ("Uganda", "Ouganda"),
    "ZW": ("Zimbabwe",),
    "MU": ("Mauritius", "Maurice"),
}

US_STATES = frozenset({
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
    "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
    "WV", "WI", "WY", "PR",
})
_US_STATE_ZIP = re.compile(r"^([A-Z]{2}) (\d{5})(?:-\d{4})?$")
_ALEF = str.maketrans("أإآٱ", "اااا")


def country_key(text: str) -> str:
    """Accent-, case- and punctuation-insensitive key of a country name (Arabic alef forms unified)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_ALEF))
    letters = "".join(" " if not (ch.isalnum() or unicodedata.category(ch) == "Mn") else ch
                      for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(letters.split())


_CODE_BY_KEY: dict[str, str] = {
    country_key(name): code for code, names in COUNTRY_NAMES.items() for name in names
}
_MAX_WORDS = max(len(key.split()) for key in _CODE_BY_KEY)


def country_code(text: str) -> str | None:
    """The ISO code of a country name written in any of the known forms, else None."""
    return _CODE_BY_KEY.get(country_key(text))


def trailing_country(text: str) -> tuple[str, str] | None:
    """(country as written, code) when ``text`` ends with a country name (``Kenitra 14000 Morocco``)."""
    words = text.split()
    for size in range(min(_MAX_WORDS, len(words)), 0, -1):
        candidate = " ".join(words[-size:])
        code = country_code(candidate)
        if code:
            return candidate, code
    return None


def us_state_zip(text: str) -> bool:
    """True for the ``TN 37996`` state and ZIP form of United States addresses."""
    match = _US_STATE_ZIP.match(text.strip())
    return bool(match) and match.group(1) in US_STATES
