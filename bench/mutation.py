"""Mutation testing of Khizana's pure modules: does the test suite notice when their behaviour changes?

    .venv/bin/python bench/mutation.py [--module textnorm ...] [--jobs 2] [--list] [--exclude-tests _exact]

(``make mutation`` runs it on every module below.) Each *mutant* is the module with one small change;
it is *killed* when at least one of the module's tests fails (or the run times out, or the module no
longer imports), and *survives* when they all pass: a change of behaviour nothing would catch.

Why a runner of our own: mutmut skips decorated functions (the ``lru_cache`` ones hold most of this
logic), cosmic-ray rewrites the source file in place while the tests run and mutatest writes mutated
bytecode into the source tree's ``__pycache__``: both would hand mutants to the other test runs of a
shared working tree. Here the source tree is never written: each mutant is a temporary file that an
import hook loads in place of the module, in a fresh ``pytest`` process that runs only the test files
of that module (:data:`TARGETS`), with ``-x`` and a timeout, two at a time. The processes are forked
from a server that has already imported pytest, Django and the third-party libraries (never a module of
Khizana), which halves the cost of each run; ``--no-fork`` starts a new interpreter each time instead
(:data:`_BOOTSTRAP`): both give the same verdicts.

Operators (on the module's ``ast``; the mutated module is ``ast.unparse``-d, and the unmutated module
unparsed the same way must pass first):

- ``comparison``: ``==``/``!=``, ``<``/``<=``, ``>``/``>=``, ``in``/``not in``, ``is``/``is not`` swapped;
- ``boolean``: ``and``/``or`` swapped; ``not``: ``not x`` -> ``x``;
- ``constant``: ``True``/``False`` swapped; ``number``: an int or float constant ±1;
- ``string``: a string constant emptied ("" -> "XX"), parts of f-strings included;
- ``return``: ``return x`` -> ``return None``;
- ``statement``: a statement inside a function deleted (replaced by ``pass``);
- ``entry``: one entry removed from a dict, set, list or tuple literal;
- ``slice``: a slice bound removed, or ``+ 1`` added to a bound that is not a number.

Not mutated, as no mutant there could change a result (a mutant listed in :data:`EQUIVALENT` instead
is one that was looked at and reasoned not to change any result, float ties aside where it says so;
the reason is written beside it, and ``--list`` marks them):
docstrings; annotations (``from __future__ import annotations``: never evaluated); ``__all__`` (only
star imports read it, and there are none); decorator arguments (``lru_cache`` sizes: how much is
cached, never what is computed); statements at module or class level (deleting a table or a function
definition only gives a ``NameError`` at import, which says nothing of the tests); blocks marked
``pragma: no cover`` (unreachable by design).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import importlib
import importlib.abc
import importlib.util
import json
import math
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Module -> the test files that reach it, fastest killers first (pytest stops at the first failure).
# Only pure tests: none needs the database, each file runs in well under a second.
TARGETS: dict[str, list[str]] = {
    "khizana/core/textnorm.py": [
        "khizana/core/tests/test_textnorm_exact.py",
        "khizana/core/tests/test_textnorm.py",
    ],
    "khizana/catalog/identifiers.py": [
        "khizana/catalog/tests/test_identifiers_exact.py",
        "khizana/catalog/tests/test_marc_fields.py",
    ],
    "khizana/catalog/matching.py": [
        "khizana/catalog/tests/test_matching_exact.py",
        "khizana/catalog/tests/test_matching_rules_exact.py",
        "khizana/catalog/tests/test_matching.py",
        "khizana/catalog/tests/test_matching_second_pass.py",
    ],
    "khizana/core/translit.py": [
        "khizana/core/tests/test_translit_exact.py",
        "khizana/catalog/tests/test_matching_second_pass.py",
        "khizana/catalog/tests/test_matching_exact.py",
    ],
    "khizana/core/analysis.py": [
        "khizana/core/tests/test_analysis_exact.py",
        "khizana/core/tests/test_analysis.py",
    ],
    "khizana/search/query.py": [
        "khizana/search/tests/test_query_exact.py",
        "khizana/search/tests/test_query.py",
    ],
    "khizana/visibility/normalise.py": [
        "khizana/visibility/tests/test_normalise_exact.py",
        "khizana/visibility/tests/test_matching.py",
    ],
    "khizana/visibility/matching.py": [
        "khizana/visibility/tests/test_matching_exact.py",
        "khizana/visibility/tests/test_matching.py",
    ],
}

# Equivalent mutants: no input can tell them from the module. Each was read and reasoned about; it is
# named by module, scope, operator and the description the runner prints (``--list`` shows them all).
_TEXTNORM = "khizana/core/textnorm.py"
_IDENTIFIERS = "khizana/catalog/identifiers.py"
_MATCHING = "khizana/catalog/matching.py"
_ANALYSIS = "khizana/core/analysis.py"
_QUERY = "khizana/search/query.py"
_NORMALISE = "khizana/visibility/normalise.py"
_VMATCHING = "khizana/visibility/matching.py"

_DEAD_HAMZA = (
    "NFKD has already split ئ and ؤ into ي or و and a hamza sign (removed with the marks) when "
    "_ARABIC_LETTERS is applied: their entries are never reached"
)
_NO_DIGITS = 'the fallback for None only has to hold no digit: "XX" finds nothing, as "" does'
_ORDINAL_DIGIT = "edition_number reads digits first: '1re' and '1er' give 1 by their digit, not by this entry"
_EARLY_100 = "an early return: no similarity exceeds 100, so the loop ends with the same 100.0 without it"
_FALSY = "every caller only tests the result for truth: None is as false as False"
_SINGLE_BLOCK = "a block of one record yields no pair anyway (combinations of one element are none)"
_SELF_LINK = (
    "the rule's own scheme is a value both records hold, so both clusters hold it and that scheme can "
    "never clash: skipping it only saves a comparison"
)
_BALANCE = "union by size only balances the tree: the same records end in the same clusters"
_FAST_PATH = (
    "the ASCII and Arabic fast paths of _words() give what words() gives (fold() works character by "
    "character there): which pieces take them changes the speed only; the characters a changed range "
    "adds (U+05FF, U+0700, U+FB4F, U+FE00, U+FF00) fold and split alike on both paths"
)
_SUFFIX_LOOP = "or for and in len(token) > _MIN_STEM and token.endswith(_SUFFIXES)"
_SUFFIX_MINIMUM = (
    "the inner loop removes a suffix only when 3 letters are left, so a token of 3 letters or less, "
    "or one without a suffix, leaves the loop unchanged anyway: the test only saves the loop"
)
_HARMAN_ES = (
    "-es words without -aes/-ees/-oes and -es words with them both lose their final s (the -es rule "
    "and the -s rule both return token[:-1], and no -es word ends in -us or -ss)"
)
_MATCH_ANCHORS = "the patterns are used with re.match(), which only matches at the start: '^' changes nothing"
_ALONE = (
    "a clause is either one excluded term alone or positive terms only (_clauses makes it so), so its "
    "first and last terms agree on what is tested there, and the clauses tested with len() == 1 have one"
)
_QUOTE_END = "the closing quote is searched from i + 1 >= 1: its index is -1 (none) or at least 1"
_UNREAD_VALUE = "the parser reads the kind of RPAREN, OR and NOT tokens, never their value"
_KIND_IS_RAW = "in this branch raw is that very word, so (raw,) is the same kind"
_ONE_CHILD = (
    "one child wrapped in an 'and' or an 'or' node gives the same clauses (_cnf of one part) and the "
    "same terms"
)
_PHRASE_SHORTCUT = (
    "the test before the loop is a shortcut: the loop itself returns the tokens unchanged when no phrase "
    "starts at any of them"
)
_SET_IN_BUILD = "_build() assigns the attribute again before anything reads it"
_LARGER_POOL = (
    "only makes the pool of variants a span fetches larger (more anchor words, or one word for a pair): "
    "the pool already holds every variant that can pass, and the others fail the same tests"
)
_ANY_REQUIRED = (
    "any required word is in every span that can pass (missing one loses more than allowed), and any "
    "anchors weighing more than allowed do: which ones are taken does not matter"
)
_ONE_ELEMENT = "the list holds one element there: its first is its last"
_SORTED_PAIRS = (
    "known is sorted and the pair keys are (smaller, larger): pairs with an earlier or the same word are "
    "never keys"
)
_PRUNING = (
    "a shortcut: what it skips fails a later test anyway (a heavier variant cannot hold KEPT_SHARE; a "
    "name share under KEPT_SHARE squares under MIN_BASE; a base under MIN_BASE is under the floor of "
    "_adjusted(); an exact candidate is never replaced by a base that is not higher), float ties aside"
)
_ITSELF = "the best candidate compared with itself changes nothing (its words are no superset of themselves)"
_NO_WORDS = (
    "a context without words has no segment either, and _chosen() returns before asking for acronyms: the "
    "shortcut is never what answers"
)
_TWICE_A = 'the list holds "a" twice (French and English): the set is the same without one of them'

_EQUIVALENT_LIST: list[tuple[str, str, str, str, str]] = [
    (_TEXTNORM, "<module>", "entry", "removed 'ئ': ...", _DEAD_HAMZA),
    (_TEXTNORM, "<module>", "entry", "removed 'ؤ': ...", _DEAD_HAMZA),
    (_TEXTNORM, "<module>", "string", "'ي' -> \"\" (value of 'ئ')", _DEAD_HAMZA),
    (_TEXTNORM, "<module>", "string", "'و' -> \"\" (value of 'ؤ')", _DEAD_HAMZA),
    (
        _TEXTNORM, "_words_uncached", "string", "' ' -> \"\" in _FRENCH_ELIDED.sub(' ', folded)",
        "an elided article follows a word boundary, so what is before it is the start or a non-word "
        "character, where _NON_WORD splits anyway: removing it without a space gives the same words",
    ),
    (_IDENTIFIERS, "normalise_isbn", "string", "'' -> XX in value or ''", _NO_DIGITS),
    (_IDENTIFIERS, "normalise_issn", "string", "'' -> XX in value or ''", _NO_DIGITS),
    (
        _IDENTIFIERS, "normalise_issn", "string", "'-' -> \"\" in match.group(0).replace('-', '')",
        "stdnum's issn.validate and issn.format compact the number themselves (hyphens and blanks "
        "removed, upper case): the hyphen removed before changes nothing",
    ),
    (
        _IDENTIFIERS, "normalise_oclc", "string", "'' -> XX in _OCLC_PREFIX.sub('', value)",
        "the prefix pattern is anchored at the start and the OCLC number is the first run of digits "
        'after it: "XX" in its place holds no digit, so the same number is found',
    ),
    (_MATCHING, "<module>", "entry", "removed '1re': ...", _ORDINAL_DIGIT),
    (_MATCHING, "<module>", "entry", "removed '1er': ...", _ORDINAL_DIGIT),
    (_MATCHING, "<module>", "string", "'1re' -> \"\" (key)", _ORDINAL_DIGIT),
    (_MATCHING, "<module>", "string", "'1er' -> \"\" (key)", _ORDINAL_DIGIT),
    (_MATCHING, "<module>", "string", "'1' -> \"\" (value of '1re')", _ORDINAL_DIGIT),
    (_MATCHING, "<module>", "string", "'1' -> \"\" (value of '1er')", _ORDINAL_DIGIT),
    (
        _MATCHING, "edition_number", "statement", "deleted: if not text: return ''",
        "with an empty text the number search and the ordinal loop find nothing and the same empty "
        "text is returned at the end",
    ),
    (_MATCHING, "title_similarity", "statement", "deleted: if best >= 100: return 100.0", _EARLY_100),
    (_MATCHING, "title_similarity", "comparison", ">= -> > in best >= 100", _EARLY_100),
    (_MATCHING, "title_similarity", "number", "100 -> 101 in best >= 100", _EARLY_100),
    (_MATCHING, "_conflicting_identifiers", "return", "return None for return False", _FALSY),
    (_MATCHING, "_same_imprint", "return", "return None for return False", _FALSY),
    (_MATCHING, "_Components._clash", "return", "return None for return False", _FALSY),
    (_MATCHING, "_candidate_pairs", "statement", "deleted: if len(members) < 2: continue", _SINGLE_BLOCK),
    (_MATCHING, "_candidate_pairs", "number", "2 -> 1 in len(members) < 2", _SINGLE_BLOCK),
    (_MATCHING, "_candidate_pairs", "statement", "deleted: continue", _SINGLE_BLOCK),
    (
        _MATCHING, "_candidate_pairs", "number", "1 -> 0 in i + 1",
        "adds each record paired with itself: union() of a record with its own cluster returns None, "
        "so a self-pair is neither an edge nor a refusal",
    ),
    (
        _MATCHING, "_Components.find", "statement",
        "deleted: while self.parent[key] != root: self.parent[key], key = (...",
        "path compression only shortens later searches",
    ),
    (_MATCHING, "_Components._clash", "statement", "deleted: if name == rule: continue", _SELF_LINK),
    (_MATCHING, "_Components._clash", "statement", "deleted: continue", _SELF_LINK),
    (
        _MATCHING, "_Components.union", "statement",
        "deleted: if len(self.members[ra]) < len(self.members[rb]): ra, rb ...", _BALANCE,
    ),
    (
        _MATCHING, "_Components.union", "comparison",
        "< -> <= in len(self.members[ra]) < len(self.members[rb])", _BALANCE,
    ),
    (_MATCHING, "_Components.union", "statement", "deleted: ra, rb = (rb, ra)", _BALANCE),
    (
        _MATCHING, "cluster", "boolean", "or for and in a in by_key and b in by_key",
        "a manual split naming a record outside the set only adds to cannot[] a key that is never the "
        "member of a cluster",
    ),
    *[
        (_MATCHING, "MatchRecord", "constant", f"False -> True in repr=False{n}",
         "repr() of a match record is never read: only debugging output changes")
        for n in ("", " [2]", " [3]")
    ],
    (
        _MATCHING, "_main_part", "number", "1 -> 2 in title.split(' : ', 1)",
        "only the first piece is kept, and it is the same however many more splits follow it",
    ),
    (
        _MATCHING, "_surname", "number", "1 -> 2 in name.replace('،', ',').split(',', 1)",
        "only the first piece is kept, and it is the same however many more splits follow it",
    ),
    *[
        (_MATCHING, "_word_keys", operator, description,
         "two words each left out give each word alone, the same keys as the two-word branch; one word "
         "gives itself either way")
        for operator, description in [
            ("comparison", "<= -> < in len(first) <= 2"),
            ("number", "2 -> 1 in len(first) <= 2"),
        ]
    ],
    *[
        (_MATCHING, "title_similarity", operator, f"{description} [2]", _EARLY_100)
        for operator, description in [
            ("statement", "deleted: if best >= 100: return 100.0"),
            ("comparison", ">= -> > in best >= 100"),
            ("number", "100 -> 101 in best >= 100"),
        ]
    ],
    (
        _MATCHING, "_cross_script_names", "number", "0.0 -> -1.0 in best = 0.0",
        "both callers take the maximum with _same_script_names, which is never below 0",
    ),
    (
        _MATCHING, "_same_script_names", "number", "0.0 -> -1.0 in default=0.0",
        "with no pair in one script every pair is in two, and both callers take the maximum with "
        "_cross_script_names, which is then at least 0",
    ),
    *[
        (_MATCHING, "_best", "number", f"0.0 -> {n} in default=0.0",
         "its only caller tests the result >= 90: 1, 0 and -1 are all under it")
        for n in ("1.0", "-1.0")
    ],
    *[
        (_MATCHING, "author_similarity", operator, description,
         "a same-script score of 100 is the most any score can be: the maximum with the cross-script "
         "scores is the same 100")
        for operator, description in [
            ("comparison", "< -> <= in best < 100"),
            ("number", "100 -> 101 in best < 100"),
        ]
    ],
    (
        _MATCHING, "_imprint_conflict", "return", "return None for return ''",
        "its only caller tests the result for truth: None is as false as ''",
    ),
    (
        _MATCHING, "_identifier_link", "statement",
        "deleted: if not a.strong_ids & b.strong_ids: return None",
        "a shortcut: with no strong identifier in common no scheme has a shared value, and the loop "
        "returns None too",
    ),
    *[
        (_MATCHING, "_keying_error", "number", f"0.0 -> -1.0 in return 0.0{n}",
         "the caller takes the maximum with a title similarity (never negative) and tests keying > 0: "
         "-1 acts as 0")
        for n in ("", " [2]")
    ],
    *[
        (_MATCHING, "_fuzzy", "number", f"0.0 -> {n} in _keying_error(a, b) if title < FUZZY_TITLE_MINI...",
         "used only when the title is already at the minimum: the maximum keeps the title, and "
         "corroboration only matters under the minimum")
        for n in ("1.0", "-1.0")
    ],
    (
        _MATCHING, "_fuzzy", "number", "0 -> 1 in keying > 0",
        "keying is 0 or fuzz.ratio of two titles at most two edits apart: a ratio above 0 means a shared "
        "letter, and at most 1 % would need titles of 100 letters, which two edits leave near 98 %",
    ),
    *[
        (_MATCHING, "cluster", operator, description,
         "a shortcut: without a shared identifier _identifier_link gives None and _fuzzy refuses pairs "
         "whose years, volumes or editions differ")
        for operator, description in [
            ("statement", "deleted: if not a.strong_ids & b.strong_ids and (a.year != b.year ..."),
            ("boolean", "and for or in a.year != b.year or a.volume != b.volume or (a.edition an..."),
            ("statement", "deleted: continue"),
        ]
    ],
    (
        _MATCHING, "cluster", "statement", "deleted: continue [3]",
        "a conflict is a shared identifier with years over a year apart or two different editions: "
        "_fuzzy then refuses the pair (different years, or _editions_conflict)",
    ),
    *[
        (_MATCHING, "cluster", "entry", description,
         "the decided set never decides: a manually joined pair is in one cluster (roots[0] == roots[1]) "
         "and a manually split pair is caught by the cannot-link test that follows")
        for description in [
            "removed *manual_same from list",
            "removed *manual_different from list",
            "removed item.a from tuple",
            "removed item.b from tuple",
        ]
    ],
    *[
        (_MATCHING, "cluster", operator, description,
         "a conflict's score is 1.0 and a near pair's under 0.95 (its title or its score under 90): "
         "-r.score alone puts conflicts first")
        for operator, description in [
            ("entry", "removed r.kind != 'conflict' from tuple"),
            ("string", "'conflict' -> \"\" in r.kind != 'conflict'"),
        ]
    ],
    (
        _MATCHING, "cluster", "entry", "removed r.b from tuple",
        "reviews are appended in the (a, b) order of the candidate pairs and the sort is stable: ties on "
        "a are already in b order",
    ),
    (
        _MATCHING, "_fuzzy", "boolean", "or for and in a.author and b.author and a.publisher and b.publisher",
        "a missing author scores 70 and a missing publisher 85, under the 95 and the 90 that the same "
        "test asks for: both_named never decides alone",
    ),
    *[
        (_MATCHING, "cluster", "entry", description,
         "the edges are appended in the (a, b) order of the candidate pairs and the sort is stable: ties "
         "on the earlier keys are already in b order")
        for description in ["removed e.b from tuple", "removed e.b from tuple [2]"]
    ],
    (
        _MATCHING, "_candidate_pairs", "slice", "upper bound -1 removed",
        "the last member of a block has no later member to pair with",
    ),
    *[
        (_MATCHING, "_candidate_pairs", operator, description,
         "adds each record paired with itself (union() returns None: no edge, no refusal) and each "
         "pair again reversed: strong edges and conflicts are built sorted, the (a, b) copy of a fuzzy "
         "edge or near pair sorts before its (b, a) copy, and the second union or review of a pair is "
         "dropped")
        for operator, description in [
            ("slice", "lower bound index + 1 removed"),
            ("number", "1 -> 0 in index + 1"),
        ]
    ],
    (
        _ANALYSIS, "<module>", "entry", "removed 'يه' from tuple",
        "يه is ي + ه, both suffixes with the same 3-letter minimum and neither a pronoun before ت: "
        "without it ه then ي are removed in turn, which leaves the same stem",
    ),
    *[
        (_ANALYSIS, "<module>", operator, description, _FAST_PATH)
        for operator, description in [
            ("entry", "removed (1536, 1792) from tuple"),
            ("entry", "removed (64336, 65024) from tuple"),
            ("entry", "removed (65136, 65280) from tuple"),
            *(
                ("number", f"{n} -> {n + step} in {pair}")
                for pair in ("(1536, 1792)", "(64336, 65024)", "(65136, 65280)")
                for n in map(int, pair.strip("()").split(", "))
                for step in (1, -1)
            ),
            ("string", "'[' -> \"\" in '[' + ''.join((f'{chr(a)}-{chr(b - 1)}' for a, ..."),
            ("string", "'-' -> \"\" in f'{chr(a)}-{chr(b - 1)}'"),
            ("number", "1 -> 2 in b - 1"),
            ("number", "1 -> 0 in b - 1"),
        ]
    ],
    (
        _ANALYSIS, "_words", "statement",
        "deleted: if piece.isascii(): return _ASCII_WORD.findall(piece.lowe...", _FAST_PATH,
    ),
    (
        _ANALYSIS, "_words", "statement",
        "deleted: if _ARABIC_PIECE.fullmatch(piece): return _FOLDED_WORD.fi...", _FAST_PATH,
    ),
    (_ANALYSIS, "_strip_suffixes", "boolean", _SUFFIX_LOOP, _SUFFIX_MINIMUM),
    (_ANALYSIS, "_strip_suffixes", "comparison", "> -> >= in len(token) > _MIN_STEM", _SUFFIX_MINIMUM),
    *[
        (_ANALYSIS, "_stem_english", operator, description, _HARMAN_ES)
        for operator, description in [
            ("statement", "deleted: if token.endswith('es') and (not token.endswith(('aes', '..."),
            ("not", "not removed in not token.endswith(('aes', 'ees', 'oes'))"),
            *(("entry", f"removed '{end}' from tuple") for end in ("aes", "ees", "oes")),
            *(("string", f"'{end}' -> \"\" in ('aes', 'ees', 'oes')") for end in ("aes", "ees", "oes")),
        ]
    ],
    (
        _ANALYSIS, "_is_arabic", "comparison", "<= -> < in '\\u0600' <= token[0] <= 'ۿ'",
        "U+0600 (ARABIC NUMBER SIGN) is a format character, never a word character: no token of "
        "words() starts with it",
    ),
    (_ANALYSIS, "<module>", "entry", "removed 'a' from list", _TWICE_A),
    (_ANALYSIS, "<module>", "entry", "removed 'a' from list [2]", _TWICE_A),
    *[(_QUERY, "<module>", "string", f"'^' -> \"\" in {pattern}", _MATCH_ANCHORS) for pattern in (
        "f'^{_YEAR}(?:-|–|—|\\\\.\\\\.|/|to|à|الى){_YEAR}$'",
        "f'^{_YEAR}(?:-|–|\\\\.\\\\.)$|^(>=?|≥){_YEAR}$'",
    )],
    (_QUERY, "ParsedQuery.positive_clauses", "number", "0 -> -1 in clause[0]", _ALONE),
    (_QUERY, "ParsedQuery.excluded", "number", "0 -> -1 in clause[0]", _ALONE),
    (_QUERY, "ParsedQuery.excluded", "number", "0 -> -1 in clause[0] [2]", _ALONE),
    *[(_QUERY, "ParsedQuery.explain", "number", f"0 -> -1 in {c}", _ALONE) for c in (
        "c[0]", "c[0] [2]", "c[0] [3]", "clause[0]", "clause[0] [2]", "clause[0] [3]",
    )],
    (_QUERY, "_lex", "comparison", "< -> <= in end < 0", _QUOTE_END),
    (_QUERY, "_lex", "number", "0 -> 1 in end < 0", _QUOTE_END),
    (_QUERY, "_closing_quote", "number", "1 -> 2 in -1", _QUOTE_END),
    (_QUERY, "_lex", "entry", "removed char from tuple [2]", _UNREAD_VALUE),
    (_QUERY, "_lex", "entry", "removed '|' from tuple", _UNREAD_VALUE),
    (_QUERY, "_lex", "string", "'|' -> \"\" in ('OR', '|')", _UNREAD_VALUE),
    (_QUERY, "_lex_word", "entry", "removed raw from tuple", _UNREAD_VALUE),
    (_QUERY, "_lex_word", "entry", "removed raw from tuple [2]", _UNREAD_VALUE),
    (_QUERY, "_lex_word", "entry", "removed '-' from tuple", _UNREAD_VALUE),
    (_QUERY, "_lex_word", "string", "'-' -> \"\" in ('NOT', '-')", _UNREAD_VALUE),
    (_QUERY, "_lex_word", "entry", "removed 'OR' from tuple", _KIND_IS_RAW),
    (_QUERY, "_lex_word", "entry", "removed 'NOT' from tuple", _KIND_IS_RAW),
    (_QUERY, "_Parser.alternatives", "number", "0 -> -1 in options[0]", "options holds one element there"),
    (
        _QUERY, "_lex_word", "string", "'WORD' -> \"\" in ('WORD', value)",
        "the parser reads any kind it does not know as a word; this token always follows a FIELD token, "
        "whose checks do not look at the kind that follows (only an EMPTY_FIELD's do)",
    ),
    (
        _QUERY, "_Parser.year", "statement", "deleted: text = text.strip()",
        "a year value never has blanks around it: a WORD holds none and a PHRASE is re-joined on single "
        "spaces by the lexer, and the patterns allow blanks around the numbers anyway",
    ),
    (_QUERY, "_push_not", "statement", "deleted: if len(children) == 1: return children[0]", _ONE_CHILD),
    (_QUERY, "_push_not", "number", "1 -> 0 in len(children) == 1", _ONE_CHILD),
    (_QUERY, "_push_not", "number", "0 -> -1 in children[0]", _ONE_CHILD),
    (
        _QUERY, "_push_not", "string", "'or' -> \"\" (value of 'and')",
        "_cnf reads every node kind but 'and' as an alternative: a negated 'and' flipped to '' is read "
        "as the 'or' it should be",
    ),
    (
        _NORMALISE, "_canonical", "constant", "True -> False in strip_articles=True",
        "no variant of the canonical groups is or starts with an article (checked: the table is the same "
        "either way)",
    ),
    *[(_NORMALISE, "_replace_phrases", operator, description, _PHRASE_SHORTCUT) for operator, description in [
        ("statement", "deleted: if not any(((t,) in _PHRASES or t in _PHRASE_STARTS for t..."),
        ("comparison", "in -> not in in (t,) in _PHRASES"),
        ("entry", "removed t from tuple"),
        ("comparison", "in -> not in in t in _PHRASE_STARTS"),
    ]],
    (
        _NORMALISE, "<module>", "number", "0 -> -1 in p[0]",
        "_PHRASE_STARTS only feeds the shortcut: a phrase's last word is in the tokens whenever the phrase "
        "is, so the loop still runs when it has something to replace",
    ),
    *[(_VMATCHING, "Matcher.__init__", "statement", f"deleted: self._{name}", _SET_IN_BUILD) for name in (
        "variant_weight: list[float] = []", "idf: dict[str, float] = {}",
        "ancestors: list[frozenset[int]] = []", "depth: list[int] = []", "variant_generic: list[bool] = []",
        "df: dict[str, int] = {}",
        "city_keys: frozenset[str] = frozenset()",
    )],
    (
        _VMATCHING, "Matcher._compute_weights", "number", "1 -> 0 in max(1, len(self._variant_text))",
        "differs only for a registry without any name, where there is no word to weigh",
    ),
    *[(_VMATCHING, "Matcher._compute_weights", operator, description, _LARGER_POOL)
      for operator, description in [
        ("number", "1e-09 -> 1.000000001 in (1 - KEPT_SHARE) * weight + 1e-09"),
        ("comparison", ">= -> > in len(required) >= 2"),
        ("number", "2 -> 3 in len(required) >= 2"),
        ("number", "0.0 -> -1.0 in anchored = 0.0"),
        ("statement", "deleted: anchored += idf[token]"),
        ("statement", "deleted: if anchored > allowed: break"),
        ("statement", "deleted: break"),
    ]],
    *[(_VMATCHING, "Matcher._compute_weights", operator, description, _ANY_REQUIRED)
      for operator, description in [
        ("entry", "removed -idf[t] from tuple"),
        ("entry", "removed t from tuple"),
        ("number", "0 -> -1 in required[0] [2]"),
    ]],
    (
        _VMATCHING, "Matcher._compute_weights", "comparison", "> -> >= in idf[t] > allowed",
        "an idf (a logarithm) never equals allowed exactly: the 1e-9 added to it keeps sums of logarithms "
        "off it",
    ),
    (
        _VMATCHING, "Matcher._compute_weights", "comparison", "> -> >= in anchored > allowed",
        "a sum of idfs never equals allowed exactly (the 1e-9 added to it), and stopping later only "
        "anchors more words",
    ),
    (
        _VMATCHING, "Matcher._compute_weights", "statement", "deleted: self._postings = {}",
        "frees memory only: nothing reads the postings after the weights are computed",
    ),
    (_VMATCHING, "Matcher._acronym_of_another", "return", "return None for return False", _FALSY),
    (_VMATCHING, "Matcher._acronym_of_another", "number", "0 -> -1 in sequence[0]", _ONE_ELEMENT),
    (_VMATCHING, "Matcher._compute_cities", "constant", "True -> False in strict=True",
     "the two lists are built together, one entry per institution: they always have the same length"),
    (_VMATCHING, "Matcher._compute_cities", "number", "1 -> 2 in countries.most_common(1)",
     "the first of the two most common is the most common"),
    (_VMATCHING, "Matcher._compute_cities", "number", "0 -> -1 in countries.most_common(1)[0]", _ONE_ELEMENT),
    *[(_VMATCHING, "Matcher.save", "string", f"{part} -> \"\" in f'.{{os.getpid()}}.tmp'",
       "the temporary file only has to be another file in the same directory: it is renamed at once")
      for part in ("'.'", "'.tmp'")],
    (_VMATCHING, "Matcher._chosen", "return", "return None for return []",
     "_select() returns [] for None as for an empty list"),
    (_VMATCHING, "Matcher._context", "string",
     "'' -> XX in _Context(frozenset(), '', all_words, words_of_p...",
     "the source of the countries is shown only with a country, and this context has none"),
    (_VMATCHING, "Matcher._trailing_country", "comparison", "> -> >= in len(tokens) > size",
     "a segment that is all a country name was read as one before: _trailing_country is only asked when "
     "no segment is"),
    (_VMATCHING, "Matcher._spans", "number",
     "0.0 -> -1.0 in self._adjusted(self._candidates(tokens), contex...",
     "the floor of _adjusted() is at least MIN_BASE anyway"),
    *[(_VMATCHING, "Matcher._candidates", "number",
       f"1.0 -> {n} in _Candidate(institution, variant, 1.0, 1.0, tupl... [2]",
       "the score of a candidate is computed again by _adjusted() from its base")
      for n in ("2.0", "0.0")],
    (_VMATCHING, "Matcher._candidates", "slice", "lower bound i + 1 removed", _SORTED_PAIRS),
    (_VMATCHING, "Matcher._candidates", "number", "1 -> 0 in i + 1", _SORTED_PAIRS),
    *[(_VMATCHING, "Matcher._candidates", operator, description, _PRUNING) for operator, description in [
        ("statement", "deleted: if weight > longest: continue"),
        ("comparison", "> -> >= in weight > longest"),
        ("statement", "deleted: continue"),
        ("statement", "deleted: if institution in found and found[institution].base >= 1...."),
        ("comparison", ">= -> > in found[institution].base >= 1.0"),
        ("number", "1.0 -> 2.0 in found[institution].base >= 1.0"),
        ("statement", "deleted: continue [2]"),
        ("statement", "deleted: if name_share < KEPT_SHARE: continue"),
        ("comparison", "< -> <= in name_share < KEPT_SHARE"),
        ("statement", "deleted: continue [3]"),
        ("statement", "deleted: if base < MIN_BASE: continue"),
        ("comparison", "< -> <= in base < MIN_BASE"),
        ("statement", "deleted: continue [4]"),
    ]],
    *[(_VMATCHING, "Matcher._unexplained_weight", "comparison", f"< -> <= in first < i < last{n}",
       "the tokens at first and last matched, and matched tokens are skipped before this test")
      for n in ("", " [2]")],
    (_VMATCHING, "Matcher._most_specific", "slice", "lower bound 1 removed", _ITSELF),
    (_VMATCHING, "Matcher._most_specific", "number", "1 -> 0 in 1:", _ITSELF),
    *[(_VMATCHING, "Matcher._acronym_matches", operator, description, _NO_WORDS)
      for operator, description in [
        ("statement", "deleted: if not context.countries and (not context.words): return out"),
        ("not", "not removed in not context.countries"),
        ("return", "return None for return out"),
    ]],
    (_VMATCHING, "Matcher._acronym_matches", "number", "0 -> -1 in active[0]", _ONE_ELEMENT),
    (_VMATCHING, "Matcher._acronym_matches", "number", "1 -> 2 in -1",
     "an acronym candidate has no variant: -1 or -2, _to_matches() shows its word instead"),
    (_VMATCHING, "Matcher._select", "statement", "deleted: if not chosen: return []",
     "with nothing chosen the rest of _select() returns [] too"),
    (_VMATCHING, "Matcher._to_matches", "number", "0 -> -1 in candidate.words[0]",
     "an acronym candidate holds one word"),
    (_VMATCHING, "Matcher._ambiguous", "return", "return None for return False", _FALSY),
    (_VMATCHING, "Matcher._ambiguous", "return", "return None for return False [2]", _FALSY),
    (_VMATCHING, "_pair", "comparison", "< -> <= in a < b", "for a == b both orders are the same pair"),
]  # fmt: skip
EQUIVALENT: dict[tuple[str, str, str, str], str] = {entry[:4]: entry[4] for entry in _EQUIVALENT_LIST}

# pytest in the child: no plugins the pure tests do not use (hypothesis and schemathesis alone take
# half a second to import), no cache written into the tree, stop at the first failure.
PYTEST_ARGS = [
    "-p", "no:cacheprovider", "-p", "no:anyio", "-p", "no:hypothesispytest", "-p", "no:schemathesis",
    "-x", "-q", "--no-header", "-m", "not slow and not shared_data and not browser",
]  # fmt: skip

# Run by ``python -c`` in the child: load the mutated file in place of the module, then run pytest.
_BOOTSTRAP = """
import importlib.abc, importlib.util, os, sys
_name, _file = os.environ["KHIZANA_MUTANT_MODULE"], os.environ["KHIZANA_MUTANT_FILE"]
class _MutantFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        return importlib.util.spec_from_file_location(_name, _file) if fullname == _name else None
sys.meta_path.insert(0, _MutantFinder())
import pytest
sys.exit(pytest.main(sys.argv[1:]))
"""

_SWAPPED_COMPARISONS = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_SYMBOLS = {
    ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
    ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not",
}  # fmt: skip
_DELETABLE = (
    ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.If, ast.For, ast.While, ast.With, ast.Try,
    ast.Raise, ast.Assert, ast.Continue, ast.Break, ast.Delete,
)  # fmt: skip


@dataclass
class Mutant:
    module: str  # path from the repository root
    number: int
    line: int
    operator: str
    scope: str  # the enclosing functions and classes, "<module>" at top level
    description: str
    source: str = ""  # the mutated module

    @property
    def equivalence_key(self) -> tuple[str, str, str, str]:
        return (self.module, self.scope, self.operator, self.description)


@dataclass
class Outcome:
    mutant: Mutant
    status: str  # "killed", "survived", "timeout", "equivalent"
    seconds: float


# --------------------------------------------------------------------------------- finding mutants


def _short(node: ast.AST, limit: int = 60) -> str:
    text = " ".join(ast.unparse(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_docstring(node: ast.AST, parent: ast.AST | None, field: str, index: int | None) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        and isinstance(parent, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and field == "body"
        and index == 0
    )


def _no_cover(node: ast.AST, lines: list[str]) -> bool:
    line = getattr(node, "lineno", None)
    marked = bool(line) and "pragma: no cover" in lines[line - 1]
    return marked and isinstance(node, ast.stmt | ast.excepthandler)


def _walk(tree: ast.Module, lines: list[str]):
    """Every node that may be mutated, in a fixed order: (node, parent, field, index, scope, in_function).

    The same walk over a deep copy of the tree yields the same nodes in the same order."""

    def visit(node, parent, field, index, scope, in_function):
        if _is_docstring(node, parent, field, index) or _no_cover(node, lines):
            return
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return
        yield node, parent, field, index, scope, in_function
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            scope = node.name if scope == "<module>" else f"{scope}.{node.name}"
            in_function = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for name, value in ast.iter_fields(node):
            if name in ("annotation", "returns", "decorator_list", "type_comment"):
                continue
            if isinstance(value, list):
                for i, child in enumerate(value):
                    if isinstance(child, ast.AST):
                        yield from visit(child, node, name, i, scope, in_function)
            elif isinstance(value, ast.AST):
                yield from visit(value, node, name, None, scope, in_function)

    yield from visit(tree, None, "", None, "<module>", False)


def _context(node, parent, field, index) -> str:
    """Where a constant is, to tell it from the same constant elsewhere: its dict key, or its parent."""
    if isinstance(parent, ast.Dict):
        if field == "values" and parent.keys[index] is not None:
            return f" (value of {_short(parent.keys[index], 30)})"
        return " (key)"
    if isinstance(parent, ast.Set | ast.List | ast.Tuple) and len(parent.elts) > 4:
        return ""  # an entry of a table: the constant names itself
    if parent is None or isinstance(parent, ast.Module | ast.Expr):
        return ""
    return f" in {_short(parent, 50)}"


def _sites(node, parent, field, index, in_function):
    """The mutations of one node: (operator, description, argument) triples."""
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            swapped = _SWAPPED_COMPARISONS.get(type(op))
            if swapped:
                yield "comparison", f"{_SYMBOLS[type(op)]} -> {_SYMBOLS[swapped]} in {_short(node)}", i
    elif isinstance(node, ast.BoolOp):
        other = "or" if isinstance(node.op, ast.And) else "and"
        yield "boolean", f"{other} for {'and' if other == 'or' else 'or'} in {_short(node)}", None
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield "not", f"not removed in {_short(node)}", None
    elif isinstance(node, ast.Constant) and not isinstance(parent, ast.FormattedValue):
        value = node.value
        where = _context(node, parent, field, index)
        if isinstance(value, bool):
            yield "constant", f"{value} -> {not value}{where}", None
        elif isinstance(value, int | float):
            yield "number", f"{value!r} -> {value + 1!r}{where}", 1
            yield "number", f"{value!r} -> {value - 1!r}{where}", -1
        elif isinstance(value, str):
            yield "string", f"{_short(node, 40)} -> {'XX' if not value else chr(34) * 2}{where}", None
    returns_none = isinstance(node, ast.Return) and (
        node.value is None or (isinstance(node.value, ast.Constant) and node.value.value is None)
    )
    if isinstance(node, ast.Return) and not returns_none:
        yield "return", f"return None for {_short(node)}", None
    if in_function and field in ("body", "orelse", "finalbody") and isinstance(node, _DELETABLE):
        yield "statement", f"deleted: {_short(node)}", None
    if isinstance(node, ast.Dict):
        for i, k in enumerate(node.keys):
            entry = f"**{_short(node.values[i], 40)}" if k is None else f"{_short(k, 40)}: ..."
            yield "entry", f"removed {entry}", i
    elif isinstance(node, ast.Set | ast.List | ast.Tuple):
        stored = isinstance(getattr(node, "ctx", None), ast.Store)
        if not stored and not (isinstance(parent, ast.Subscript) and field == "slice"):
            for i, element in enumerate(node.elts):
                yield "entry", f"removed {_short(element, 40)} from {type(node).__name__.lower()}", i
    elif isinstance(node, ast.Slice):
        for bound in ("lower", "upper"):
            value = getattr(node, bound)
            if value is None:
                continue
            yield "slice", f"{bound} bound {_short(value, 30)} removed", (bound, "remove")
            number = isinstance(value, ast.Constant) or (
                isinstance(value, ast.UnaryOp) and isinstance(value.operand, ast.Constant)
            )
            if not number:
                yield "slice", f"{bound} bound {_short(value, 30)} + 1", (bound, "plus")


def _apply(node, parent, field, index, operator, argument) -> None:
    """Change the node (of a copied tree) in place, or replace it in its parent."""

    def replace(new):
        if index is None:
            setattr(parent, field, new)
        else:
            getattr(parent, field)[index] = new

    if operator == "comparison":
        node.ops[argument] = _SWAPPED_COMPARISONS[type(node.ops[argument])]()
    elif operator == "boolean":
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    elif operator == "not":
        replace(node.operand)
    elif operator == "constant":
        node.value = not node.value
    elif operator == "number":
        node.value = node.value + argument
    elif operator == "string":
        node.value = "XX" if not node.value else ""
    elif operator == "return":
        node.value = ast.Constant(None)
    elif operator == "statement":
        replace(ast.Pass())
    elif operator == "entry":
        if isinstance(node, ast.Dict):
            del node.keys[argument]
            del node.values[argument]
        else:
            del node.elts[argument]
    elif operator == "slice":
        bound, how = argument
        value = getattr(node, bound)
        setattr(node, bound, None if how == "remove" else ast.BinOp(value, ast.Add(), ast.Constant(1)))


def mutants(module: str) -> tuple[str, list[Mutant]]:
    """The module unparsed (the reference every mutant differs from by one change) and its mutants."""
    text = (REPO / module).read_text(encoding="utf-8")
    lines = text.splitlines()
    tree = ast.parse(text)
    reference = ast.unparse(tree)
    out: list[Mutant] = []
    seen = {reference}
    occurrences: Counter = Counter()
    for node, parent, field, index, scope, in_function in list(_walk(tree, lines)):
        for operator, description, argument in list(_sites(node, parent, field, index, in_function)):
            # a mutation changes fields of the node or of its parent only: saved, changed, unparsed, restored
            saved = [(obj, _fields(obj)) for obj in (node, parent) if obj is not None]
            _apply(node, parent, field, index, operator, argument)
            source = ast.unparse(ast.fix_missing_locations(tree))
            for obj, fields in saved:
                for name, value in fields.items():
                    setattr(obj, name, value)
            if source in seen:  # the same program as the module or as another mutant
                continue
            seen.add(source)
            line = getattr(node, "lineno", 0)
            occurrences[scope, operator, description] += 1
            if occurrences[scope, operator, description] > 1:  # the same change elsewhere in the scope
                description += f" [{occurrences[scope, operator, description]}]"
            out.append(Mutant(module, len(out) + 1, line, operator, scope, description, source))
    if ast.unparse(tree) != reference:  # pragma: no cover - a mutation that was not undone
        raise RuntimeError(f"{module}: the tree was not restored after mutating it")
    return reference, out


def _fields(node: ast.AST) -> dict:
    return {name: list(value) if isinstance(value, list) else value for name, value in ast.iter_fields(node)}


# --------------------------------------------------------------------------------- running mutants


def _module_name(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".")


def _child_env(workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # SQLite; the tests use no database
    # One hash seed for every run: string sets are iterated in an order that depends on it, which moves
    # float sums by an ulp and decides ties, so a few mutants are caught under some seeds only.
    env.update(PYTHONDONTWRITEBYTECODE="1", PYTHONHASHSEED="0", KHIZANA_DATA_DIR=str(workdir / "var"))
    return env


def _write_mutant(module: str, source: str, workdir: Path) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="mutant-", dir=workdir))
    path = folder / Path(module).name
    path.write_text(source, encoding="utf-8")
    return path


class _Spawner:
    """Runs each mutant in a new ``python -c _BOOTSTRAP`` process (``--no-fork``)."""

    def __init__(self, workdir: Path):
        self.workdir = workdir

    def run(self, module: str, path: Path, tests: list[str], timeout: float) -> tuple[str, float]:
        env = _child_env(self.workdir)
        env.update(KHIZANA_MUTANT_MODULE=_module_name(module), KHIZANA_MUTANT_FILE=str(path))
        command = [sys.executable, "-c", _BOOTSTRAP, *PYTEST_ARGS, *tests]
        started = time.monotonic()
        quiet = subprocess.DEVNULL
        process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=quiet, stderr=quiet, start_new_session=True
        )
        try:
            status = "survived" if process.wait(timeout=timeout) == 0 else "killed"
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            status = "timeout"
        return status, time.monotonic() - started

    def close(self) -> None:
        pass


class _ForkServer:
    """A process that has imported pytest, Django and the third-party libraries, and nothing of Khizana
    but its settings, and forks one child per mutant: the child installs the import hook and runs
    pytest, so the mutated module is still imported fresh, in a process of its own, but without the
    half second of imports every new interpreter pays (see :func:`_serve`)."""

    def __init__(self, workdir: Path):
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--serve"],
            cwd=REPO,
            env=_child_env(workdir),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        ready = self.process.stdout.readline().strip()
        if ready != "ready":
            raise SystemExit(f"the fork server did not start: {ready!r}")

    def run(self, module: str, path: Path, tests: list[str], timeout: float) -> tuple[str, float]:
        request = {"module": _module_name(module), "file": str(path), "args": [*PYTEST_ARGS, *tests]}
        request["timeout"] = timeout
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        answer = json.loads(self.process.stdout.readline())
        return answer["status"], answer["seconds"]

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


def _serve() -> None:
    """The fork server: preload, then for each request line fork a child that runs one mutant."""
    listing = subprocess.run(
        [sys.executable, "-c", _LIST_MODULES], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in listing:
            if name not in sys.modules:
                with contextlib.suppress(Exception):
                    importlib.import_module(name)
    ours = sorted(m for m in sys.modules if m.startswith("khizana.") and not m.endswith("settings"))
    if ours:  # they would not be mutated in the children
        raise SystemExit(f"the fork server imported Khizana modules: {', '.join(ours)}")
    sys.dont_write_bytecode = True
    print("ready", flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:
            _child(request)
        _, wait_status = os.waitpid(pid, 0)
        if os.WIFSIGNALED(wait_status) and os.WTERMSIG(wait_status) == signal.SIGALRM:
            status = "timeout"
        else:
            status = "survived" if os.waitstatus_to_exitcode(wait_status) == 0 else "killed"
        print(json.dumps({"status": status, "seconds": time.monotonic() - started}), flush=True)


def _child(request: dict) -> None:
    code = 99
    try:
        os.setsid()
        quiet = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(quiet, fd)
        signal.alarm(math.ceil(request["timeout"]))  # the default action of SIGALRM ends the process
        name, file = request["module"], request["file"]

        class _MutantFinder(importlib.abc.MetaPathFinder):
            def find_spec(self, fullname, path=None, target=None):
                return importlib.util.spec_from_file_location(name, file) if fullname == name else None

        sys.meta_path.insert(0, _MutantFinder())
        import pytest

        code = int(pytest.main(request["args"]))
    finally:
        os._exit(code)


# What Django's set-up imports, printed by a throw-away process: the fork server imports the modules
# that can be imported before set-up (third-party ones), never Khizana's.
_LIST_MODULES = """
import os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "khizana.test_settings"
import pytest, pytest_django.plugin, django
django.setup()
print("\\n".join(m for m in sys.modules if not m.startswith("khizana") and m != "__main__"))
"""


def run_module(module: str, args, workdir: Path, runners: queue.Queue) -> dict:
    tests = [t for t in TARGETS[module] if (REPO / t).exists()]
    if args.exclude_tests:
        tests = [t for t in tests if not any(part in t for part in args.exclude_tests)]
    reference, found = mutants(module)
    started = time.monotonic()

    def run(source: str, timeout: float) -> tuple[str, float]:
        path = _write_mutant(module, source, workdir)
        runner = runners.get()
        try:
            return runner.run(module, path, tests, timeout)
        finally:
            runners.put(runner)
            shutil.rmtree(path.parent, ignore_errors=True)

    status, seconds = run(reference, 300)
    if status != "survived":
        raise SystemExit(f"{module}: the tests {tests} fail on the unmutated module: fix that first")
    timeout = max(10.0, 5 * seconds)
    outcomes: list[Outcome] = []
    todo = []
    for mutant in found:
        if mutant.equivalence_key in EQUIVALENT:
            outcomes.append(Outcome(mutant, "equivalent", 0.0))
        else:
            todo.append(mutant)

    def one(mutant: Mutant) -> Outcome:
        return Outcome(mutant, *run(mutant.source, timeout))

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for done, outcome in enumerate(pool.map(one, todo), start=1):
            outcomes.append(outcome)
            if args.progress and done % 50 == 0:
                print(f"  {module}: {done}/{len(todo)}", file=sys.stderr, flush=True)
    counts = Counter(o.status for o in outcomes)
    total = len(outcomes) - counts["equivalent"]
    killed = counts["killed"] + counts["timeout"]
    return {
        "module": module,
        "tests": tests,
        "total": total,
        "killed": killed,
        "timeout": counts["timeout"],
        "equivalent": counts["equivalent"],
        "survivors": sorted((o.mutant for o in outcomes if o.status == "survived"), key=lambda m: m.number),
        "seconds": time.monotonic() - started,
        "score": killed / total if total else 1.0,
    }


def _report(result: dict) -> dict:
    for m in result["survivors"]:
        print(f"SURVIVED {m.module}:{m.line} {m.operator} ({m.scope}): {m.description}")
    print(
        f"{result['module']}: {result['killed']}/{result['total']} killed ({100 * result['score']:.1f} %), "
        f"{result['timeout']} by timeout, {result['equivalent']} equivalent excluded, "
        f"{result['seconds']:.0f} s",
        flush=True,
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--module", action="append", help="a module path or part of it (textnorm, search/query); default all"
    )
    parser.add_argument("--jobs", type=int, default=2, help="pytest processes at a time (default 2)")
    parser.add_argument("--list", action="store_true", help="list the mutants, do not run them")
    parser.add_argument(
        "--exclude-tests", action="append", default=[], metavar="TEXT",
        help="leave out the test files whose path holds TEXT (--exclude-tests _exact: the score before them)",
    )  # fmt: skip
    parser.add_argument("--minimum", type=float, default=0.0, help="fail when a module scores below this")
    parser.add_argument("--no-progress", dest="progress", action="store_false")
    parser.add_argument(
        "--no-fork", dest="fork", action="store_false",
        help="start a new interpreter for each mutant instead of forking a preloaded one (slower)",
    )  # fmt: skip
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)  # the fork server
    args = parser.parse_args(argv)
    if args.serve:
        _serve()
        return 0
    modules = [m for m in TARGETS if not args.module or any(part in m for part in args.module)]
    if not modules:
        parser.error(f"no module matches {args.module}; modules: {', '.join(TARGETS)}")

    if args.list:
        for module in modules:
            _, found = mutants(module)
            for m in found:
                mark = "  [equivalent]" if m.equivalence_key in EQUIVALENT else ""
                print(f"{m.module}:{m.line} #{m.number} {m.operator} ({m.scope}): {m.description}{mark}")
            print(f"{module}: {len(found)} mutants")
            keys = {m.equivalence_key for m in found}
            for key in EQUIVALENT:
                if key[0] == module and key not in keys:
                    print(f"warning: listed as equivalent but no longer a mutant: {key}", file=sys.stderr)
        return 0

    results = []
    with tempfile.TemporaryDirectory(prefix="khizana-mutation-") as workdir:
        runner_class = _ForkServer if args.fork else _Spawner
        runners: queue.Queue = queue.Queue()
        for _ in range(args.jobs):
            runners.put(runner_class(Path(workdir)))
        try:
            results = [_report(run_module(module, args, Path(workdir), runners)) for module in modules]
        finally:
            while not runners.empty():
                runners.get().close()
    print("\n| module | killed / mutants | score | equivalent excluded | run time |")
    print("|---|---|---|---|---|")
    for r in results:
        score, seconds = f"{100 * r['score']:.1f} %", f"{r['seconds']:.0f} s"
        print(f"| `{r['module']}` | {r['killed']} / {r['total']} | {score} | {r['equivalent']} | {seconds} |")
    listed = {key for key in EQUIVALENT if key[0] in modules}
    stale = listed - {m.equivalence_key for module in modules for m in mutants(module)[1]}
    for key in sorted(stale):
        print(f"warning: listed as equivalent but no longer a mutant: {key}", file=sys.stderr)
    low = [r["module"] for r in results if r["score"] < args.minimum]
    if low:
        print(f"below {100 * args.minimum:.0f} %: {', '.join(low)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
