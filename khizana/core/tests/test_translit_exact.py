"""The transliteration key's exact outputs, letter by letter (it is mutation-tested: make mutation)."""

import pytest

from khizana.core.translit import arabic_edition_number, has_arabic, skeleton, skeleton_words

# Each Arabic letter between two ب (so that no final-letter rule applies) and the class it becomes.
ARABIC_CLASSES = {
    "ب": "b", "پ": "b", "ت": "t", "ط": "t", "ث": "T", "ج": "j", "چ": "j", "گ": "j",
    "ح": "h", "ه": "h", "ة": "h", "ۀ": "h", "خ": "K", "د": "d", "ض": "d", "ذ": "D",
    "ر": "r", "ز": "z", "ظ": "z", "ژ": "z", "س": "s", "ص": "s", "ش": "S", "غ": "G",
    "ف": "f", "ڤ": "f", "ق": "q", "ك": "k", "ک": "k", "ل": "l", "م": "m", "ن": "n",
}  # fmt: skip


@pytest.mark.parametrize(("letter", "key"), sorted(ARABIC_CLASSES.items()))
def test_each_arabic_letter_has_its_class(letter, key):
    expected = "b" + key + "b" if key != "b" else "b"  # doubled letters are written once
    assert skeleton_words(f"ب{letter}ب") == (expected,)


@pytest.mark.parametrize("letter", list("اأإآٱءؤئوىيیعـ"))
def test_alif_hamzah_waw_yaa_and_ayn_are_dropped(letter):
    assert skeleton_words(f"ب{letter}ر") == ("br",)


ROMAN_CLASSES = {
    "b": "b", "p": "b", "t": "t", "j": "j", "g": "j", "h": "h", "d": "d", "r": "r", "z": "z",
    "s": "s", "f": "f", "v": "f", "q": "q", "k": "k", "c": "k", "l": "l", "m": "m", "n": "n",
    "x": "ks", "th": "T", "kh": "K", "dh": "D", "sh": "S", "gh": "G",
}  # fmt: skip


@pytest.mark.parametrize(("letters", "key"), sorted(ROMAN_CLASSES.items()))
def test_each_romanised_letter_has_its_class(letters, key):
    expected = "b" + key + "b" if key != "b" else "b"
    assert skeleton_words(f"ba{letters}ab") == (expected,)


@pytest.mark.parametrize("vowel", list("aeiouwy"))
def test_vowels_w_and_y_are_dropped(vowel):
    assert skeleton_words(f"b{vowel}r") == ("br",)


def test_final_t_or_h_is_dropped_but_not_a_lone_one():
    assert skeleton_words("madrasah madrasat") == ("mdrs", "mdrs")
    assert skeleton_words("مدرسة") == ("mdrs",)
    assert skeleton_words("ta") == ("t",)
    assert skeleton_words("ه") == ("h",)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("al-kitab", ("ktb",)),
        ("el kitab", ("ktb",)),
        ("wa-al-kitab", ("ktb",)),
        ("fa-al-kitab", ("ktb",)),
        ("bi-al-kitab", ("ktb",)),
        ("li-al-kitab", ("ktb",)),
        ("ka-al-kitab", ("ktb",)),
        ("lil-kitab", ("ktb",)),
        ("wal-kitab", ("ktb",)),
        ("bil-kitab", ("ktb",)),
        ("fal-kitab", ("ktb",)),
        ("wa-kitab", ("ktb",)),  # attached: و is dropped with the vowels
        ("bi-kull", ("bkl",)),
        ("li-kull", ("lkl",)),
        ("fa-kull", ("fkl",)),
        ("ka-kull", ("kl",)),
        ("kitab wa", ("ktb",)),  # a proclitic at the end stays a word of its own (empty key)
        ("والكتاب", ("ktb",)),
        ("بالكتاب", ("ktb",)),
        ("للكتاب", ("ktb",)),
        ("بكل", ("bkl",)),
        ("ال", ("l",)),  # too short to be an article
        ("", ()),
    ],
)
def test_article_and_proclitics(text, words):
    assert skeleton_words(text) == words


def test_marks_bidi_controls_and_signs_are_ignored():
    assert skeleton_words("\u202aكِتَاب\u200f") == ("ktb",)
    assert skeleton_words("Kita\u0304b") == ("ktb",)  # a combining macron
    assert skeleton_words("ka\u20ddtab") == ("ktb",)  # an enclosing mark
    assert skeleton_words("maʻrifah ma‘rifah ma'rifah maʼrifah") == ("mrf",) * 4


def test_mixed_scripts_keep_their_order_and_digits_become_ascii():
    assert skeleton_words("Kitab كتاب 12 ١٢ sharh") == ("ktb", "ktb", "12", "12", "Sr")
    assert skeleton("al-Ḥarb fī al-alfīyah al-thālithah") == "hrb f lf TlT"


def test_has_arabic():
    assert has_arabic("كتاب") and has_arabic("ﻛﺘﺎﺏ") and has_arabic("abc ب")
    assert not has_arabic("kitab") and not has_arabic("") and not has_arabic("é")


@pytest.mark.parametrize(
    ("statement", "number"),
    [
        ("الطبعة الأولى", "1"),
        ("الطبعة الثانية", "2"),
        ("الطبعة الثالثة", "3"),
        ("الطبعة الرابعة", "4"),
        ("الطبعة الخامسة", "5"),
        ("الطبعة السادسة", "6"),
        ("الطبعة السابعة", "7"),
        ("الطبعة الثامنة", "8"),
        ("الطبعة التاسعة", "9"),
        ("الطبعة العاشرة", "10"),
        ("al-Ṭabʻah al-sābiʻah", "7"),
        ("ط. 05", "5"),
        ("ط. 0", "0"),
        ("الطبعة", ""),
        ("الثانية", ""),  # an ordinal without the word "edition"
        ("", ""),
    ],
)
def test_arabic_edition_numbers(statement, number):
    assert arabic_edition_number(statement) == number
