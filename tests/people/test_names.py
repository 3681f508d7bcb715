"""Normalising and comparing people's names, and the nickname list (F2, record matching)."""

from __future__ import annotations

import csv
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.people.names import (
    NICKNAMES_PATH,
    TITLES,
    name_similarity,
    names_match,
    nickname_variants,
    normalise_name,
    soundex,
)

# --- normalise_name --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Robert", "robert"),
        ("  ROBERT  ", "robert"),
        ("O'Brien", "obrien"),  # apostrophes removed
        ("O’Brien", "obrien"),  # typographic apostrophe too
        ("D'Arcy-Smith", "darcy smith"),
        ("Smith-Jones", "smith jones"),  # hyphens become spaces
        ("Smith - Jones", "smith jones"),
        ("Mary  Ann", "mary ann"),  # whitespace collapses
        ("Mary\tAnn\n", "mary ann"),
        ("Zoë", "zoe"),  # accents removed
        ("Seán", "sean"),
        ("José", "jose"),
        ("Siân", "sian"),
        ("Renée", "renee"),
        ("Łukasz", "lukasz"),  # letters with no decomposition are spelt out
        ("Søren", "soren"),
        ("Ægir", "aegir"),
        ("Straße", "strasse"),  # case folding
        ("Mr John Smith", "john smith"),  # titles removed when leading and separate
        ("mrs Jane Smith", "jane smith"),
        ("Ms Jane", "jane"),
        ("Miss Jane", "jane"),
        ("Dr. Jane Smith", "jane smith"),
        ("Mx Sam Taylor", "sam taylor"),
        ("Mr Dr John", "john"),  # more than one title
        ("Mrs", "mrs"),  # a title alone is kept: there is nothing else
        ("Drew", "drew"),  # only whole words are titles
        ("Missy", "missy"),
        ("John Mr", "john mr"),  # only leading titles
        ("J.", "j"),
        ("J. R. R.", "j r r"),
        ("Anne-Marie", "anne marie"),
        ("<b>Bob</b>", "b bob b"),  # markup is just non-letters
        ("Bob123", "bob"),
        ("", ""),
        ("   ", ""),
        ("'-.", ""),
    ],
)
def test_normalise_name(raw: str, expected: str) -> None:
    assert normalise_name(raw) == expected


def test_normalise_name_bounds_long_input() -> None:
    assert normalise_name("a" * 5000) == "a" * 200
    assert normalise_name(("ab " * 2000).strip()) == ("ab " * 67).strip()[:200].rstrip()


@given(st.text(max_size=300))
def test_normalise_name_is_idempotent_and_clean(value: str) -> None:
    result = normalise_name(value)
    assert normalise_name(result) == result
    assert result == result.strip()
    assert "  " not in result
    assert len(result) <= 200
    assert all(ch == " " or ch.isalpha() for ch in result)


def test_titles() -> None:
    assert frozenset({"mr", "mrs", "ms", "miss", "dr", "mx"}) == TITLES


# --- the nickname list -----------------------------------------------------------------------


def _groups() -> list[list[str]]:
    with NICKNAMES_PATH.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["canonical", "variants"]
    return rows[1:]


def test_nickname_file_is_clean() -> None:
    groups = _groups()
    canonicals = [group[0] for group in groups]
    assert len(canonicals) == len(set(canonicals)), "a canonical name has two lines"
    assert 150 <= len(canonicals) <= 250
    for group in groups:
        assert len(group) >= 2, f"{group[0]} has no variants"
        assert len(set(group)) == len(group), f"{group[0]} repeats a name"
        for name in group:
            assert re.fullmatch(r"[a-z]+", name), f"{name!r} is not a normalised name"


def test_nickname_file_has_a_readme() -> None:
    readme = (NICKNAMES_PATH.parent / "README.md").read_text(encoding="utf-8")
    assert "nicknames.csv" in readme
    assert "MIT" in readme


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Bob", {"bob", "robert", "rob", "robbie", "bobby", "bert"}),
        ("Dave", {"dave", "david", "davey", "davy", "dai", "dafydd"}),
        ("Sue", {"sue", "susan", "susie", "suzy", "suzanne", "susanne", "suzie"}),
        ("Zebedee", {"zebedee"}),  # not in the list: just itself
        ("", set()),
        ("  '-  ", set()),
    ],
)
def test_nickname_variants_exact(name: str, expected: set[str]) -> None:
    assert nickname_variants(name) == frozenset(expected)


@pytest.mark.parametrize(
    "group",
    [
        ["bob", "robert", "rob", "bobby"],
        ["bill", "will", "william", "liam"],
        ["peggy", "margaret", "maggie", "meg"],
        ["jack", "john", "johnny"],
        ["kate", "katie", "catherine", "kathryn", "cathy"],
        ["liz", "beth", "elizabeth", "betty", "lizzie"],
        ["dave", "david"],
        ["mick", "mike", "michael"],
        ["sue", "susan"],
        ["tony", "anthony"],
        ["jim", "jimmy", "james"],
        ["alex", "alexander", "sandy"],
        ["alex", "alexandra", "sandy"],
    ],
)
def test_nickname_groups_link_every_pair(group: list[str]) -> None:
    for name in group:
        assert set(group) <= nickname_variants(name.title())


def test_nickname_variants_are_not_transitive() -> None:
    assert {"alexander", "alexandra"} <= nickname_variants("Alex")
    assert "alexandra" not in nickname_variants("Alexander")
    assert "samantha" not in nickname_variants("Samuel")


def test_nickname_variants_normalise_input() -> None:
    assert nickname_variants("  BOB ") == nickname_variants("bob")
    assert "robert" in nickname_variants("Mr Bob")


def test_nickname_variants_are_symmetric() -> None:
    for group in _groups():
        for name in group:
            for other in nickname_variants(name):
                assert name in nickname_variants(other), (name, other)


# --- names_match -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("John", "john"),
        ("Seán", "Sean"),
        ("Mr John", "JOHN"),
        ("Bob", "Robert"),
        ("Robert", "Bobby"),
        ("Rob", "Bob"),  # two nicknames of the same name
        ("Bill", "Liam"),
        ("Peggy", "Maggie"),
        ("Kate", "Kathryn"),
        ("Beth", "Lizzie"),
        ("Alex", "Alexandra"),
        ("Alex", "Alexander"),
        ("J", "John"),  # an initial
        ("John", "j."),
        ("J", "J"),
        ("Anne-Marie", "Anne Marie"),
    ],
)
def test_names_match(a: str, b: str) -> None:
    assert names_match(a, b) is True
    assert names_match(b, a) is True


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("John", "James"),
        ("Alexander", "Alexandra"),  # they only share a nickname
        ("Samuel", "Samantha"),
        ("Christopher", "Christine"),
        ("J", "Bob"),
        ("J", "K"),
        ("Jo", "John"),  # only single letters are initials
        ("Bob", ""),
        ("", ""),
        ("'", "'"),
        ("<script>", "Bob"),
        ("x" * 5000, "John"),
    ],
)
def test_names_do_not_match(a: str, b: str) -> None:
    assert names_match(a, b) is False
    assert names_match(b, a) is False


# --- name_similarity -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("Martha", "Marhta", 0.961),  # the textbook Jaro-Winkler examples
        ("Dwayne", "Duane", 0.840),
        ("Dixon", "Dicksonx", 0.813),
        ("Jones", "Johnson", 0.832),
        ("Robert", "Robert", 1.0),
        ("Zoë", "ZOE", 1.0),  # compared after normalising
        ("abc", "xyz", 0.0),
        ("Smith", "", 0.0),
        ("", "", 0.0),
        ("ab", "ba", 0.0),  # beyond the matching window
        ("Crate", "Trace", 0.733),  # Jaro 0.733, no common prefix
        ("Shackleford", "Shackelford", 0.982),
    ],
)
def test_name_similarity_values(a: str, b: str, expected: float) -> None:
    assert name_similarity(a, b) == pytest.approx(expected, abs=0.0005)


def test_winkler_boost_needs_jaro_above_threshold() -> None:
    # "abcxyz"/"abcdef" has Jaro 0.667: under the 0.7 threshold, the shared "abc" adds nothing.
    assert name_similarity("abcxyz", "abcdef") == pytest.approx(2 / 3)


@given(st.text(max_size=30), st.text(max_size=30))
def test_name_similarity_properties(a: str, b: str) -> None:
    score = name_similarity(a, b)
    assert 0.0 <= score <= 1.0
    assert score == name_similarity(b, a)
    if normalise_name(a) and normalise_name(a) == normalise_name(b):
        assert score == 1.0


@given(st.text(alphabet="abcdefghij", min_size=1, max_size=12))
def test_name_similarity_of_a_name_with_itself(name: str) -> None:
    assert name_similarity(name, name.upper()) == 1.0


# --- soundex ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Robert", "R163"),
        ("Rupert", "R163"),
        ("Rubin", "R150"),
        ("Ashcraft", "A261"),  # h does not separate s and c
        ("Ashcroft", "A261"),
        ("Tymczak", "T522"),  # a vowel separates z and k
        ("Pfister", "P236"),  # f has the first letter's code
        ("Honeyman", "H555"),
        ("Lee", "L000"),  # padded
        ("Washington", "W252"),
        ("Gutierrez", "G362"),
        ("Jackson", "J250"),
        ("O'Brien", "O165"),
        ("Smith-Jones", "S532"),
        ("smith", "S530"),
        ("Schmidt", "S530"),
        ("Müller", "M460"),
        ("A", "A000"),
        ("", ""),
        ("123", ""),
        ("Σωκράτης", ""),  # no letters a-z
    ],
)
def test_soundex(raw: str, expected: str) -> None:
    assert soundex(raw) == expected


@given(st.text(max_size=50))
def test_soundex_shape(value: str) -> None:
    code = soundex(value)
    assert code == "" or re.fullmatch(r"[A-Z][0-6]{3}", code)
