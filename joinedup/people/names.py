"""Comparing people's names (F2 and multi-agency record matching).

Pure functions, no database and no network:

* ``normalise_name`` puts a name in the one form that all the comparisons here use;
* ``nickname_variants`` and ``names_match`` know that "Bob" and "Robert" can be the same
  given name, using the project's own list in ``data/nicknames.csv``;
* ``name_similarity`` scores spelling closeness (Jaro-Winkler) for typos and transliterations;
* ``soundex`` gives the American Soundex code, useful for blocking family names by sound.

These say how alike two names are; they do not decide that two records are the same person.
"""

from __future__ import annotations

import csv
import functools
import unicodedata
from collections.abc import Mapping
from pathlib import Path

__all__ = [
    "NICKNAMES_PATH",
    "TITLES",
    "name_similarity",
    "names_match",
    "nickname_variants",
    "normalise_name",
    "soundex",
]

NICKNAMES_PATH = Path(__file__).parent / "data" / "nicknames.csv"

TITLES = frozenset({"mr", "mrs", "ms", "miss", "dr", "mx"})
"""Titles removed by ``normalise_name`` when they lead a name of more than one word."""

_APOSTROPHES = frozenset("'’‘ʼ`´")  # removed: "O'Brien" → "obrien"
_FULL_STOPS = frozenset(".")  # removed: "Dr." → "dr", "J." → "j"

# Letters that Unicode does not decompose into a base letter and an accent, spelt out in ASCII
# so that "Søren" matches "Soren". ("ß" needs no entry: casefold already gives "ss".)
_SPELT_OUT = str.maketrans(
    {
        "æ": "ae",
        "œ": "oe",
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "ı": "i",
    }
)

# Input and output are cut to this many characters: no real name is longer, and it bounds the
# cost of the quadratic Jaro-Winkler comparison.
_MAX_NAME_LENGTH = 200


def normalise_name(value: str) -> str:
    """Return ``value`` in the form used for comparing names.

    In order: the text is case-folded; accents are removed (Unicode NFKD, then combining marks
    dropped, so "Zoë" → "zoe" and "Seán" → "sean"), and a few letters that have no
    decomposition are spelt out ("ø" → "o", "æ" → "ae"); apostrophes and full stops are
    removed ("O'Brien" → "obrien", "J." → "j"); every other character that is not a letter —
    hyphens, digits, other punctuation, whitespace — becomes a word break ("Smith-Jones" →
    "smith jones"); runs of breaks collapse to one space, with none at either end. Finally
    leading titles (``TITLES``: mr, mrs, ms, miss, dr, mx) are removed while another word
    follows them ("Dr. Jane Smith" → "jane smith", "Mrs" alone stays "mrs").

    The result contains only lower-case letters and single spaces (letters outside the Latin
    alphabet are kept as they are) and may be empty. Normalising a result again returns it
    unchanged. At most 200 characters are used and returned: longer input is cut to its first
    200 before normalising, and so is the result.
    """
    text = value[:_MAX_NAME_LENGTH].casefold()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.translate(_SPELT_OUT).casefold()
    kept: list[str] = []
    for ch in text:
        if ch in _APOSTROPHES or ch in _FULL_STOPS:
            continue
        kept.append(ch if ch.isalpha() else " ")
    words = "".join(kept).split()
    while len(words) > 1 and words[0] in TITLES:
        words.pop(0)
    return " ".join(words)[:_MAX_NAME_LENGTH].rstrip()


@functools.cache
def _nickname_index() -> Mapping[str, frozenset[str]]:
    """Map each name in ``data/nicknames.csv`` to every name it shares a group with.

    Read once per process. Each line after the header is one group, ``canonical,variant,...``;
    a name may be in several groups (for example "alex" is in both "alexander" and
    "alexandra"), and its entry is then the union of those groups. Every name is normalised
    with ``normalise_name`` as it is read.
    """
    index: dict[str, set[str]] = {}
    with NICKNAMES_PATH.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle)
        next(rows, None)  # the header: canonical,variants
        for row in rows:
            group = {name for name in (normalise_name(cell) for cell in row) if name}
            for name in group:
                index.setdefault(name, set()).update(group)
    return {name: frozenset(group) for name, group in index.items()}


def nickname_variants(given_name: str) -> frozenset[str]:
    """Return the normalised ``given_name`` and every name it is a known variant of.

    "Bob" gives {"bob", "robert", "rob", "robbie", "bobby", "bert"}: the union of the nickname
    groups in ``data/nicknames.csv`` that contain the name. Only direct group membership
    counts: "Alex" gives both "alexander" and "alexandra", but "Alexander" does not give
    "alexandra". A name not in the list gives just itself, and a name that normalises to
    nothing gives an empty set. The whole normalised name is looked up, so "Mary Ann" is
    not split into words.
    """
    name = normalise_name(given_name)
    if not name:
        return frozenset()
    return _nickname_index().get(name, frozenset()) | {name}


def names_match(a: str, b: str) -> bool:
    """Return whether two given names could be the same person's given name.

    True when, after ``normalise_name``, the names are equal; or one is in the other's
    ``nickname_variants`` ("Bob" and "Robert", "Bill" and "Liam"); or one is a single letter
    that is the first letter of the other ("J" and "John"). Names that only share a nickname
    with each other do not match: "Alexander" and "Alexandra" both have "Alex" but are
    different names. Empty names never match anything.
    """
    first, second = normalise_name(a), normalise_name(b)
    if not first or not second:
        return False
    if first == second:
        return True
    if len(first) == 1 or len(second) == 1:
        return first[0] == second[0]
    return second in nickname_variants(first)


def _jaro(s1: str, s2: str) -> float:
    """Return the Jaro similarity of two non-empty strings, in [0, 1]."""
    if s1 == s2:
        return 1.0
    window = max(0, max(len(s1), len(s2)) // 2 - 1)
    matched1 = [False] * len(s1)
    matched2 = [False] * len(s2)
    matches = 0
    for i, ch in enumerate(s1):
        for j in range(max(0, i - window), min(len(s2), i + window + 1)):
            if not matched2[j] and s2[j] == ch:
                matched1[i] = matched2[j] = True
                matches += 1
                break
    if matches == 0:
        return 0.0
    in_order1 = [ch for ch, hit in zip(s1, matched1, strict=True) if hit]
    in_order2 = [ch for ch, hit in zip(s2, matched2, strict=True) if hit]
    transpositions = sum(x != y for x, y in zip(in_order1, in_order2, strict=True)) // 2
    return (matches / len(s1) + matches / len(s2) + (matches - transpositions) / matches) / 3


def name_similarity(a: str, b: str) -> float:
    """Return the Jaro-Winkler similarity of two names after ``normalise_name``, in [0, 1].

    1.0 means identical once normalised ("Zoë" and "ZOE"); 0.0 means nothing in common, and is
    also returned when either name is empty after normalising (an absent name is no evidence).

    The Jaro similarity counts characters that agree within a window of half the longer
    name's length less one, and transpositions among them; ``(m/|a| + m/|b| + (m - t)/m) / 3``.
    The Winkler adjustment then rewards a shared beginning, where typing errors are rarer:
    ``jaro + l * 0.1 * (1 - jaro)`` for a common prefix of ``l`` characters, at most 4, applied
    only when the Jaro similarity is above 0.7 (Winkler's boost threshold). For example
    "Martha"/"Marhta" scores 0.961 and "Dwayne"/"Duane" 0.840. The pair is put in a fixed
    order first, so ``name_similarity(a, b) == name_similarity(b, a)`` always.
    """
    s1, s2 = sorted((normalise_name(a), normalise_name(b)))
    if not s1 or not s2:
        return 0.0
    jaro = _jaro(s1, s2)
    if jaro <= 0.7:
        return jaro
    prefix = 0
    for x, y in zip(s1[:4], s2[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return min(1.0, jaro + prefix * 0.1 * (1 - jaro))


_SOUNDEX_CODES = {
    **dict.fromkeys("bfpv", "1"),
    **dict.fromkeys("cgjkqsxz", "2"),
    **dict.fromkeys("dt", "3"),
    "l": "4",
    **dict.fromkeys("mn", "5"),
    "r": "6",
}


def soundex(value: str) -> str:
    """Return the American Soundex code of a name, such as "R163" for "Robert", or "".

    The name is normalised (``normalise_name``) and everything but the letters a to z is
    ignored, so "O'Brien" is coded as "obrien" and "Smith-Jones" as "smithjones". The code is
    the first letter in upper case and three digits: b f p v → 1; c g j k q s x z → 2;
    d t → 3; l → 4; m n → 5; r → 6. Vowels (and y) are not coded but separate letters with
    the same code, so both are coded; h and w are not coded and do not separate, so letters
    with the same code either side of them are coded once. A letter with the same code as
    the first letter right after it is not coded again ("Pfister" → "P236"). The code is
    padded with zeros or cut to four characters. Returns "" when there are no letters a to z.
    """
    letters = [ch for ch in normalise_name(value) if "a" <= ch <= "z"]
    if not letters:
        return ""
    digits: list[str] = []
    previous = _SOUNDEX_CODES.get(letters[0], "")
    for ch in letters[1:]:
        code = _SOUNDEX_CODES.get(ch, "")
        if code and code != previous:
            digits.append(code)
        if ch not in "hw":
            previous = code
    return (letters[0].upper() + "".join(digits) + "000")[:4]
