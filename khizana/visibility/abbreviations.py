"""Web of Science's abbreviations of the words of addresses, and the French and English words of the same
thing, as tables (no Django import).

Where the abbreviations come from: Web of Science (Clarivate) abbreviates every address word it can
("Univ Sci & Technol Houari Boumediene", "Inst Super Gest Tunis", "Fac Sci Semlalia") with the
abbreviations of the ISSN International Centre's List of Title Word Abbreviations (LTWA, the ISO 4
rules that its journal abbreviations also follow), extended by Clarivate for address words; the Web of
Science help ("Address abbreviations" in the Web of Science Core Collection field help, and "Searching the
Address field") lists the usual ones. The table below holds those that the affiliations of the
Maghreb and France use, each one checked against real addresses in the Web of Science exports of
``shared/data/bibliometrics`` (``wos/*.txt``) or the labelled affiliation strings; French words are
abbreviated by the same rules ("Super" for Supérieur(e), "Gest" for Gestion, "Ingn" for Ingénieur(s)).

Each abbreviation maps to one full word (lower case, without accents), which ``normalise`` then folds
to its canonical word like any other ("technol" -> "technology"). Abbreviations already in
``normalise``'s groups (univ, inst, fac, lab, sci, natl ...) are repeated here so that the table is
the whole list; a word that is also a common full word in another sense is left out ("Bio", "Gen" are
in, "Stat" is out: Statistics or State).
"""

from __future__ import annotations

WOS_ABBREVIATIONS: dict[str, str] = {
    # institutions and their parts
    "univ": "university",
    "inst": "institute",
    "fac": "faculty",
    "lab": "laboratory",
    "labs": "laboratory",
    "dept": "department",
    "div": "division",
    "ctr": "center",
    "sch": "school",
    "coll": "college",
    "acad": "academy",
    "hosp": "hospital",
    "clin": "clinic",
    "fdn": "foundation",
    "assoc": "association",
    "minist": "ministry",
    "observ": "observatory",
    "grp": "group",
    "serv": "service",
    "unit": "unit",
    "agcy": "agency",
    "co": "company",
    "corp": "corporation",
    # kinds and ranks
    "natl": "national",
    "int": "international",
    "intl": "international",
    "reg": "regional",
    "super": "superieure",  # French Supérieur(e) in Web of Science addresses ("Inst Super Gest Tunis")
    "higher": "superieure",
    "polytech": "polytechnic",
    "grad": "graduate",
    "adv": "advanced",
    "appl": "applied",
    "fundamental": "fundamental",
    "gen": "general",
    "res": "research",
    "rech": "recherche",
    "etud": "etudes",
    "studies": "studies",
    "dev": "development",
    "educ": "education",
    "format": "formation",
    # subjects
    "sci": "science",
    "technol": "technology",
    "tech": "technology",
    "engn": "engineering",
    "ingn": "ingenieurs",
    "med": "medicine",
    "pharm": "pharmacy",
    "vet": "veterinary",
    "agr": "agriculture",
    "agron": "agronomy",
    "biol": "biology",
    "biochem": "biochemistry",
    "biotechnol": "biotechnology",
    "chem": "chemistry",
    "phys": "physics",
    "math": "mathematics",
    "comp": "computer",
    "informat": "informatique",
    "inform": "information",
    "commun": "communication",
    "telecommun": "telecommunications",
    "elect": "electrical",
    "elet": "electrical",
    "electron": "electronics",
    "mech": "mechanics",
    "mat": "materials",
    "environm": "environment",
    "geol": "geology",
    "geog": "geography",
    "econ": "economics",
    "management": "management",
    "gest": "gestion",
    "adm": "administration",
    "hlth": "health",
    "nucl": "nuclear",
    "mol": "molecular",
    "anal": "analysis",
    "syst": "systems",
    "ind": "industrial",
    "energet": "energetique",
    "renewable": "renewable",
    "mil": "military",
    "surg": "surgery",
    "psychol": "psychology",
    "zool": "zoology",
    "bot": "botany",
    "hort": "horticulture",
    "lett": "lettres",
    "humanities": "humanities",
    "hum": "human",
    "soc": "social",
    "expt": "experimental",
    "conservat": "conservation",
}

# Words that say the same thing in French and English (and the abbreviations above once expanded),
# grouped under the canonical word ``normalise`` gives them: "Regional Center for Careers in Education
# and Training" is the "Centre Régional des Métiers de l'Éducation et de la Formation".
BILINGUAL_GROUPS: dict[str, tuple[str, ...]] = {
    "profession": ("metiers", "metier", "careers", "career", "trades", "professions", "profession"),
    "training": ("formation", "formations", "training"),
    "education": ("education", "educational", "educacion", "educative", "enseignement", "teaching"),
    "nursing": ("infirmieres", "infirmiers", "infirmiere", "nursing", "nurses"),
    "management": ("gestion", "management"),
    "business": ("commerce", "commerciales", "commercial", "business", "affaires"),
    "computing": ("informatique", "informatics", "computer", "computing", "informatica"),
    "information": ("information", "informations"),
    "communication": ("communication", "communications"),
    "telecommunications": ("telecommunications", "telecommunication", "telecoms", "telecom"),
    "electrical": ("electrique", "electriques", "electrical", "electricite", "electricity"),
    "electronics": ("electronique", "electronics", "electronic"),
    "mechanics": ("mecanique", "mechanics", "mechanical"),
    "agriculture": ("agriculture", "agricultural", "agricole", "agricoles"),
    "environment": ("environnement", "environment", "environmental"),
    "geology": ("geologie", "geology", "geological"),
    "geography": ("geographie", "geography"),
    "letters": ("lettres", "letters"),
    "human": ("humaines", "humaine", "human", "humanities"),
    "social": ("sociales", "social", "sociale"),
    "arts": ("arts", "art"),
    "languages": ("langues", "languages", "language"),
    "industrial": ("industriel", "industrielle", "industrial", "industries", "industry", "industrie"),
    "materials": ("materiaux", "materials"),
    "energy": ("energie", "energies", "energy", "energetique"),
    "water": ("eau", "eaux", "water"),
    "forestry": ("forestiere", "forestier", "forestry", "forest", "forets", "foret"),
    "sea": ("mer", "sea", "marine"),
    "military": ("militaire", "military"),
    "surgery": ("chirurgie", "surgery"),
    "development": ("developpement", "development"),
    "analysis": ("analyse", "analysis"),
    "systems": ("systemes", "systems", "systeme"),
    "administration": ("administration",),
    "advanced": ("avancees", "avancee", "advanced"),
    "graduate": ("graduate",),
    "regional": ("regional", "regionale", "regionaux"),
    "division": ("division",),
    "unit": ("unite", "unit"),
    "observatory": ("observatoire", "observatory"),
    "association": ("association",),
    "agency": ("agence", "agency"),
    "biotechnology": ("biotechnologie", "biotechnology", "biotechnologies"),
    "biochemistry": ("biochimie", "biochemistry"),
    "nuclear": ("nucleaire", "nucleaires", "nuclear"),
    "molecular": ("moleculaire", "molecular"),
    "experimental": ("experimentale", "experimental"),
    "fundamental": ("fondamentale", "fondamentales", "fundamental"),
    "psychology": ("psychologie", "psychology"),
    "statistics": ("statistique", "statistiques", "statistics"),
    "architecture": ("architecture",),
    "urbanism": ("urbanisme", "urbanism", "urban"),
    "tourism": ("tourisme", "tourism"),
    "journalism": ("journalisme", "journalism"),
    "planning": ("planification", "planning"),
    "translation": ("traduction", "translation"),
    "teachers": ("professeurs", "teachers", "enseignants"),
}

# Honorifics and titles before Maghreb given names: "Sidi Mohamed Ben Abdellah University" is also
# written "Mohamed Ben Abdellah University", "Sultan Moulay Slimane" "Moulay Slimane". The matcher gives
# them a small weight, so that one missing or added costs little (canonical forms: "moulay" is "mulay").
HONORIFICS: frozenset[str] = frozenset(
    ("sidi", "mulay", "sultan", "cheikh", "sheikh", "chikh", "lalla", "hadj", "elhadj", "haj", "dr", "pr")
)

# Ordinals and their French and Arabic forms, and the months of the Algerian universities named after a
# date ("Université 8 Mai 1945 Guelma", "Univ 08 May 1945"), in every spelling -> one word.
ORDINAL_WORDS: dict[str, str] = {
    "first": "1", "premier": "1", "premiere": "1", "1er": "1", "1ere": "1", "1re": "1", "1st": "1",
    "ier": "1", "ist": "1",
    "second": "2", "seconde": "2", "deuxieme": "2", "2nd": "2", "2eme": "2", "2e": "2", "iind": "2",
    "third": "3", "troisieme": "3", "3rd": "3", "3eme": "3", "3e": "3", "iiird": "3",
    "fourth": "4", "quatrieme": "4", "4th": "4", "4eme": "4", "ivth": "4",
    "fifth": "5", "cinquieme": "5", "5th": "5", "5eme": "5", "vth": "5",
    "sixth": "6", "sixieme": "6", "6th": "6", "6eme": "6", "vith": "6",
    "seventh": "7", "septieme": "7", "7th": "7", "viith": "7",
    "eighth": "8", "huitieme": "8", "8th": "8", "viiith": "8",
}  # fmt: skip
MONTHS: dict[str, str] = {
    "january": "january", "janvier": "january",
    "february": "february", "fevrier": "february",
    "march": "march", "mars": "march",
    "april": "april", "avril": "april",
    "may": "may", "mai": "may",
    "june": "june", "juin": "june",
    "july": "july", "juillet": "july",
    "august": "august", "aout": "august",
    "september": "september", "septembre": "september",
    "october": "october", "octobre": "october",
    "november": "november", "novembre": "november",
    "december": "december", "decembre": "december",
}  # fmt: skip
