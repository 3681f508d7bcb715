"""The rules no weight of evidence overrides (``linkage.needs_review``)."""

from __future__ import annotations

import numpy as np

from joinedup.matching.linkage import blocking_rules, needs_review


def _rule(**overrides: bool) -> bool:
    flags = {
        "different": False,
        "loose": False,
        "same_birth": False,
        "no_birth": False,
        "own_identifier": False,
        "phone": False,
        **overrides,
    }
    arrays = {name: np.array([value]) for name, value in flags.items()}
    return bool(needs_review(**arrays)[0])


def test_different_first_names_go_to_review_unless_an_own_identifier_agrees() -> None:
    assert _rule(different=True, same_birth=True) is True  # twins
    assert _rule(different=True, same_birth=True, phone=True) is True  # a household's phone
    assert _rule(different=True, own_identifier=True) is False


def test_a_loose_first_name_with_disagreeing_birthdays_goes_to_review() -> None:
    assert _rule(loose=True) is True
    assert _rule(loose=True, same_birth=True) is False
    assert _rule(loose=True, phone=True) is False
    assert _rule(loose=True, own_identifier=True) is False


def test_a_loose_first_name_without_a_birthday_is_left_to_its_weight() -> None:
    assert _rule(loose=True, no_birth=True) is False


def test_agreeing_first_names_never_go_to_review_by_rule() -> None:
    assert _rule() is False
    assert _rule(no_birth=True) is False


def test_an_initial_with_the_same_birthday_is_blocked_together() -> None:
    """ "t owdn" and "terence owen" born the same day share no surname, Soundex or nickname
    group: only the initial-and-birthday rule puts them in one block."""
    sql = [
        rule.get_blocking_rule("duckdb").blocking_rule_sql
        for rule in blocking_rules()
        if not isinstance(rule, str)
    ]
    wanted = (
        "(SUBSTRING(l.first_name, 1, 1) = SUBSTRING(r.first_name, 1, 1)) AND "
        '(l."date_of_birth" = r."date_of_birth")'
    )
    assert wanted in sql
