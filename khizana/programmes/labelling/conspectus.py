"""The subject conspectus collections are described by: the ten main classes of the Dewey Decimal
Classification, the broadest level of the RLG/WLN conspectus. No Django: the labels are data, in French,
Arabic and English."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ConspectusClass:
    code: str
    fr: str
    ar: str
    en: str

    def label(self, language: str) -> str:
        """The label in ``language`` (``fr``, ``ar`` or ``en``; French otherwise)."""
        return getattr(self, language[:2], "") if language[:2] in ("fr", "ar", "en") else self.fr


CLASSES: tuple[ConspectusClass, ...] = (
    ConspectusClass(
        "000",
        "Informatique, information, ouvrages généraux",
        "الحاسوب والمعلومات والأعمال العامة",
        "Computer science, information and general works",
    ),
    ConspectusClass("100", "Philosophie et psychologie", "الفلسفة وعلم النفس", "Philosophy and psychology"),
    ConspectusClass("200", "Religion", "الديانات", "Religion"),
    ConspectusClass("300", "Sciences sociales", "العلوم الاجتماعية", "Social sciences"),
    ConspectusClass("400", "Langues", "اللغات", "Language"),
    ConspectusClass("500", "Sciences", "العلوم البحتة", "Science"),
    ConspectusClass("600", "Technologie", "التكنولوجيا والعلوم التطبيقية", "Technology"),
    ConspectusClass("700", "Arts et loisirs", "الفنون والترفيه", "Arts and recreation"),
    ConspectusClass("800", "Littérature", "الآداب", "Literature"),
    ConspectusClass("900", "Histoire et géographie", "التاريخ والجغرافيا", "History and geography"),
)

BY_CODE = {entry.code: entry for entry in CLASSES}


def unknown_codes(codes: list[str]) -> list[str]:
    """The codes that are not classes of the conspectus."""
    return [code for code in codes if code not in BY_CODE]
