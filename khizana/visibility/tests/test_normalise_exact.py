"""Exact canonical words of affiliation names (pure: no database, no registry).

Comparing the keys of two spellings with each other hides a change made to both: these tests name the
expected words themselves, for every canonical group and every country of the tables.
"""

import pytest

from khizana.visibility.normalise import (
    acronym_key,
    canonical_word,
    country_keys,
    country_of_segment,
    key,
    name_tokens,
    segments,
)

# --- canonical words: one variant (and the Arabic one) of every group --------------------------------


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [
        ("univ", "university"),
        ("جامعة", "university"),
        ("fac", "faculty"),
        ("كلية", "faculty"),
        ("inst", "institute"),
        ("معهد", "institute"),
        ("lab", "laboratory"),
        ("مختبر", "laboratory"),
        ("ecole", "school"),
        ("مدرسة", "school"),
        ("sci", "science"),
        ("علوم", "science"),
        ("tech", "technology"),
        ("تكنولوجيا", "technology"),
        ("ctr", "center"),
        ("مركز", "center"),
        ("hosp", "hospital"),
        ("مستشفى", "hospital"),
        ("natl", "national"),
        ("وطني", "national"),
        ("intl", "international"),
        ("rech", "research"),
        ("بحث", "research"),
        ("sup", "superior"),
        ("عليا", "superior"),
        ("normale", "normal"),
        ("eng", "engineering"),
        ("هندسة", "engineering"),
        ("med", "medicine"),
        ("طب", "medicine"),
        ("dept", "department"),
        ("قسم", "department"),
        ("polytech", "polytechnic"),
        ("pharm", "pharmacy"),
        ("صيدلة", "pharmacy"),
        ("etudes", "studies"),
        ("appliquees", "applied"),
        ("econ", "economics"),
        ("agronomique", "agronomy"),
        ("vet", "veterinary"),
        ("coll", "college"),
        ("acad", "academy"),
        ("st", "saint"),
        ("math", "mathematics"),
        ("phys", "physics"),
        ("chem", "chemistry"),
        ("biol", "biology"),
        ("sante", "health"),
        ("صحة", "health"),
        ("publique", "public"),
        ("gen", "general"),
        ("fondation", "foundation"),
        ("soc", "society"),
        ("ministere", "ministry"),
        ("وزارة", "ministry"),
        ("clinique", "clinic"),
        ("muhamad", "mohamed"),
        ("محمد", "mohamed"),
        ("abdalah", "abdelah"),
        ("عبدالله", "abdelah"),
        ("bin", "ben"),
        ("ابن", "ben"),
        ("yousef", "yusuf"),
        ("يوسف", "yusuf"),
        ("kadi", "qadi"),
        ("القاضي", "qadi"),
        ("moulay", "mulay"),
        ("مولاي", "mulay"),
        ("tofail", "tufail"),
        ("طفيل", "tufail"),
        ("chouaib", "chuaib"),
        ("شعيب", "chuaib"),
        ("zohr", "zuhr"),
        ("زهر", "zuhr"),
        ("hassan", "hasan"),
        ("الحسن", "hasan"),
        ("fez", "fes"),
        ("فاس", "fes"),
        ("الرباط", "rabat"),
        ("marakesh", "marakech"),
        ("مراكش", "marakech"),
        ("tanger", "tangier"),
        ("طنجة", "tangier"),
        ("miknas", "meknes"),
        ("مكناس", "meknes"),
        ("ujda", "oujda"),
        ("وجدة", "oujda"),
        ("القنيطرة", "kenitra"),
        ("tetuan", "tetouan"),
        ("تطوان", "tetouan"),
        ("أكادير", "agadir"),
        ("alger", "algiers"),
        ("wahran", "oran"),
        ("وهران", "oran"),
        ("qusantinah", "constantine"),
        ("قسنطينة", "constantine"),
        ("annaba", "anaba"),
        ("عنابة", "anaba"),
        ("stif", "setif"),
        ("سطيف", "setif"),
        ("باتنة", "batna"),
        ("البليدة", "blida"),
        ("tilimsan", "tlemcen"),
        ("تلمسان", "tlemcen"),
        ("bougie", "bejaia"),
        ("بجاية", "bejaia"),
        ("تونس", "tunis"),
        ("safaqis", "sfax"),
        ("صفاقس", "sfax"),
        ("susa", "sousse"),
        ("سوسة", "sousse"),
        ("المنستير", "monastir"),
        ("qabis", "gabes"),
        ("قابس", "gabes"),
        ("bizerta", "bizerte"),
        ("بنزرت", "bizerte"),
        ("qayrawan", "kairouan"),
        ("القيروان", "kairouan"),
        ("باريس", "paris"),
        ("lyons", "lyon"),
        ("ليون", "lyon"),
        ("marseilles", "marseille"),
        ("مرسيليا", "marseille"),
    ],
)
def test_every_canonical_group(variant, canonical):
    assert name_tokens(variant) == (canonical,)


@pytest.mark.parametrize(
    ("name", "tokens"),
    [
        ("Université Mohammed V - Agdal", ("university", "mohamed", "5", "agdal")),
        ("Univ. Sidi Mohamed Ben Abdellah", ("university", "sidi", "mohamed", "ben", "abdelah")),
        ("جامعة محمد بن عبدالله", ("university", "mohamed", "ben", "abdelah")),
        ("Faculté des Sciences et Techniques de Fès", ("faculty", "science", "technology", "fes")),
        ("Inst. Natl. Rech. Agron.", ("institute", "national", "research", "agronomy")),
        ("Laboratoire de Physique des Matériaux", ("laboratory", "physics", "materials")),
        ("Dept. of Chemistry, Univ. of Washington", ("department", "chemistry", "university", "washington")),
        ("Seattle", ("seatle",)),  # doubled letters collapsed
        ("Hassan", ("hasan",)),
        ("Texas A&M University", ("texas", "m", "university")),
        ("ENS Rabat", ("school", "normal", "superior", "rabat")),
        ("CHU Hassan II", ("chu", "hasan", "2")),
        # French adjectives in -ale(s) are the English ones in -al; short words are left alone
        ("Centre des Techniques Spatiales", ("center", "technology", "spatial")),
        ("École Centrale", ("school", "central")),
        ("Salé", ("sale",)),
        ("CHRU de Lille", ("center", "hospital", "regional", "university", "lile")),
        ("UMR 5105", ("umr",)),  # long numbers dropped
        ("BP 1014 RP", ("rp",)),
        ("", ()),
    ],
)
def test_name_tokens_exact(name, tokens):
    assert name_tokens(name) == tokens
    assert key(name) == " ".join(tokens)


def test_link_words_are_dropped():
    stop = (
        "of de des du la le les the and et for in at y e di del della delle degli dei der die das den "
        "und fur da do dos en al el aux au pour on a an l d s van von zu cedex bp box po و في من"
    )
    assert key(stop) == ""
    assert name_tokens("Università degli Studi di Milano") == ("university", "studies", "milano")


@pytest.mark.parametrize(
    ("word", "canonical"),
    [
        ("38000", ""),  # postal code
        ("2020", ""),
        ("b1234", ""),  # box number
        ("12a34", ""),
        ("75", "75"),
        ("umr5105", "umr5105"),
        ("of", ""),
        ("seattle", "seatle"),
        ("universite", "university"),
        ("اول", "1"),
        ("ثاني", "2"),
        ("ثالث", "3"),
        ("رابع", "4"),
        ("خامس", "5"),
        ("سادس", "6"),
    ],
)
def test_canonical_word(word, canonical):
    assert canonical_word(word) == canonical


@pytest.mark.parametrize(
    ("numeral", "digits"),
    [
        ("I", "1"), ("II", "2"), ("III", "3"), ("IV", "4"), ("V", "5"), ("VI", "6"), ("VII", "7"),
        ("VIII", "8"), ("IX", "9"), ("X", "10"), ("XI", "11"), ("XII", "12"), ("XIII", "13"),
        ("XIV", "14"), ("XV", "15"),
    ],
)  # fmt: skip
def test_roman_numerals(numeral, digits):
    assert name_tokens(f"Université Mohammed {numeral}") == ("university", "mohamed", digits)


@pytest.mark.parametrize(
    ("name", "tokens"),
    [
        ("Univ. Hassan II Casa Blanca Ain Chock", ("university", "hasan", "2", "casablanca", "ain", "chock")),
        ("جامعة الحسن الثاني الدار البيضاء", ("university", "hasan", "2", "casablanca")),
        ("كلية الطب الدار البيضاء المغرب", ("faculty", "medicine", "casablanca", "مغرب")),
        ("Casa Blanca", ("casablanca",)),
        ("Faculté de Médecine, Casa Blanca", ("faculty", "medicine", "casablanca")),
        ("جامعة الجزائر 1", ("university", "algeria", "1")),
        ("الجزائر", ("algeria",)),
        ("Casa", ("casa",)),
        ("Blanca Casa", ("blanca", "casa")),
    ],
)
def test_phrases_anywhere_in_a_name(name, tokens):
    assert name_tokens(name) == tokens


# --- segments, acronyms ----------------------------------------------------------------------------


def test_segments_exact():
    text = "LPNC, Univ. Grenoble Alpes; CNRS (UMR 5105) [Lab]\nGrenoble\r\tFrance | Europe / Terre"
    text += " - a – b — c"
    arabic = "كلية العلوم، جامعة محمد الخامس؛ الرباط"
    assert segments(text) == [
        "LPNC", "Univ. Grenoble Alpes", "CNRS", "UMR 5105", "Lab", "Grenoble", "France", "Europe", "Terre",
        "a", "b", "c",
    ]  # fmt: skip
    assert segments(arabic) == ["كلية العلوم", "جامعة محمد الخامس", "الرباط"]
    assert segments("Jean-Paul Sartre") == ["Jean-Paul Sartre"]  # a hyphen without spaces does not cut
    assert segments("") == []
    assert segments(None) == []
    assert segments(" ,; ") == []


def test_acronym_key():
    assert acronym_key("I.N.R.A.") == "inra"
    assert acronym_key("INRAE") == "inrae"
    assert acronym_key("U.S.T.H.B") == "usthb"


# --- countries ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Morocco", "MA"),
        ("Algeria", "DZ"),
        ("Tunisia", "TN"),
        ("France", "FR"),
        ("Libya", "LY"),
        ("Mauritania", "MR"),
        ("Egypt", "EG"),
        ("Saudi Arabia", "SA"),
        ("United Arab Emirates", "AE"),
        ("Qatar", "QA"),
        ("Kuwait", "KW"),
        ("Bahrain", "BH"),
        ("Oman", "OM"),
        ("Jordan", "JO"),
        ("Lebanon", "LB"),
        ("Syria", "SY"),
        ("Iraq", "IQ"),
        ("Palestine", "PS"),
        ("Yemen", "YE"),
        ("Sudan", "SD"),
        ("Israel", "IL"),
        ("Turkey", "TR"),
        ("Iran", "IR"),
        ("Pakistan", "PK"),
        ("India", "IN"),
        ("Bangladesh", "BD"),
        ("Sri Lanka", "LK"),
        ("Nepal", "NP"),
        ("China", "CN"),
        ("Taiwan", "TW"),
        ("Hong Kong", "HK"),
        ("Japan", "JP"),
        ("Korea", "KR"),
        ("North Korea", "KP"),
        ("Singapore", "SG"),
        ("Malaysia", "MY"),
        ("Indonesia", "ID"),
        ("Thailand", "TH"),
        ("Vietnam", "VN"),
        ("Philippines", "PH"),
        ("Australia", "AU"),
        ("New Zealand", "NZ"),
        ("USA", "US"),
        ("Canada", "CA"),
        ("Mexico", "MX"),
        ("Brazil", "BR"),
        ("Argentina", "AR"),
        ("Chile", "CL"),
        ("Colombia", "CO"),
        ("Peru", "PE"),
        ("Venezuela", "VE"),
        ("Cuba", "CU"),
        ("Ecuador", "EC"),
        ("Uruguay", "UY"),
        ("UK", "GB"),
        ("Ireland", "IE"),
        ("Germany", "DE"),
        ("Austria", "AT"),
        ("Switzerland", "CH"),
        ("Belgium", "BE"),
        ("Netherlands", "NL"),
        ("Luxembourg", "LU"),
        ("Italy", "IT"),
        ("Spain", "ES"),
        ("Portugal", "PT"),
        ("Greece", "GR"),
        ("Cyprus", "CY"),
        ("Malta", "MT"),
        ("Denmark", "DK"),
        ("Sweden", "SE"),
        ("Norway", "NO"),
        ("Finland", "FI"),
        ("Iceland", "IS"),
        ("Poland", "PL"),
        ("Czech Republic", "CZ"),
        ("Slovakia", "SK"),
        ("Hungary", "HU"),
        ("Romania", "RO"),
        ("Bulgaria", "BG"),
        ("Serbia", "RS"),
        ("Croatia", "HR"),
        ("Slovenia", "SI"),
        ("Bosnia and Herzegovina", "BA"),
        ("North Macedonia", "MK"),
        ("Albania", "AL"),
        ("Ukraine", "UA"),
        ("Belarus", "BY"),
        ("Russia", "RU"),
        ("Estonia", "EE"),
        ("Latvia", "LV"),
        ("Lithuania", "LT"),
        ("Armenia", "AM"),
        ("Azerbaijan", "AZ"),
        ("Kazakhstan", "KZ"),
        ("Uzbekistan", "UZ"),
        ("Nigeria", "NG"),
        ("Ghana", "GH"),
        ("Kenya", "KE"),
        ("Ethiopia", "ET"),
        ("South Africa", "ZA"),
        ("Senegal", "SN"),
        ("Côte d'Ivoire", "CI"),
        ("Cameroon", "CM"),
        ("Tanzania", "TZ"),
        ("Uganda", "UG"),
        ("Rwanda", "RW"),
        ("Burkina Faso", "BF"),
        ("Mali", "ML"),
        ("Niger", "NE"),
        ("Benin", "BJ"),
        ("Togo", "TG"),
        ("Gabon", "GA"),
        ("Democratic Republic of the Congo", "CD"),
        ("Congo", "CG"),
        ("Madagascar", "MG"),
        ("Zimbabwe", "ZW"),
        ("Zambia", "ZM"),
        ("Malawi", "MW"),
        ("Mozambique", "MZ"),
        ("Botswana", "BW"),
        ("Namibia", "NA"),
        ("South Sudan", "SS"),
    ],
)
def test_every_country(name, code):
    assert country_of_segment(name) == code


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Maroc", "MA"),
        ("Royaume du Maroc", "MA"),
        ("المغرب", "MA"),
        ("المملكة المغربية", "MA"),
        ("Algérie", "DZ"),
        ("الجزائر", "DZ"),
        ("People's Democratic Republic of Algeria", "DZ"),
        ("Tunisie", "TN"),
        ("تونس", "TN"),
        ("République française", "FR"),
        ("فرنسا", "FR"),
        ("Etats-Unis", "US"),
        ("U.S.A.", "US"),
        ("P. R. China", "CN"),
        ("Royaume-Uni", "GB"),
        ("Pays-Bas", "NL"),
        ("Rabat", ""),
        ("MA", ""),  # ISO codes are not trusted
        ("", ""),
    ],
)
def test_country_names_in_three_languages(name, code):
    assert country_of_segment(name) == code


def test_country_table_size():
    keys = country_keys()
    assert len(keys) == 295
    assert keys["moroco"] == "MA" and keys["مغرب"] == "MA"
