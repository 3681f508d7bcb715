"""The complexity RAG rules (F6): explainable, monotone, and safeguarding never gives Green."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.assessments.rag import (
    AMBER,
    DEFAULT_RULES,
    GREEN,
    RATING_ORDER,
    RED,
    RuleValues,
    explain,
    is_complex,
    rate,
)


def _scores(
    *values: int | None, flagged: tuple[int, ...] = ()
) -> list[tuple[str, int | None, bool]]:
    return [(f"Area {i}", v, i in flagged) for i, v in enumerate(values)]


class TestTheDefaultRules:
    def test_four_or_more_complex_issues_is_red(self) -> None:
        result = rate(scores=_scores(1, 2, 3, 3, 8, 9), safeguarding=False)
        assert result.rating == RED
        assert result.issue_areas == ("Area 0", "Area 1", "Area 2", "Area 3")

    def test_two_or_three_is_amber_and_fewer_is_green(self) -> None:
        assert rate(scores=_scores(3, 3, 4, 10), safeguarding=False).rating == AMBER
        assert rate(scores=_scores(1, 2, 3, 10), safeguarding=False).rating == AMBER
        assert rate(scores=_scores(3, 4, 4, 10), safeguarding=False).rating == GREEN
        assert rate(scores=[], safeguarding=False).rating == GREEN

    def test_a_score_of_four_is_not_complex_unless_flagged(self) -> None:
        assert not is_complex(4, False, DEFAULT_RULES)
        assert is_complex(3, False, DEFAULT_RULES)
        assert is_complex(9, True, DEFAULT_RULES)
        result = rate(scores=_scores(4, 9, 10, 7, flagged=(1, 2, 3)), safeguarding=False)
        assert result.rating == AMBER and len(result.issue_areas) == 3

    def test_not_assessed_areas_count_only_when_flagged(self) -> None:
        assert rate(scores=_scores(None, None, None, None), safeguarding=False).rating == GREEN
        flagged = rate(scores=_scores(None, None, 2, flagged=(0, 1)), safeguarding=False)
        assert flagged.rating == AMBER and flagged.issue_areas == ("Area 0", "Area 1", "Area 2")

    def test_safeguarding_makes_it_at_least_amber_and_says_so(self) -> None:
        result = rate(scores=_scores(8, 9), safeguarding=True)
        assert result.rating == AMBER and result.raised_by_safeguarding
        assert result.explanation == (
            "Amber: no complex issues. A safeguarding concern makes the rating at least Amber."
        )
        red = rate(scores=_scores(1, 1, 1, 1), safeguarding=True)
        assert red.rating == RED and not red.raised_by_safeguarding
        assert "safeguarding" not in red.explanation

    def test_the_explanation_names_the_areas(self) -> None:
        scores = [
            ("Housing", 2, False),
            ("Money and debt", 1, False),
            ("Mental wellbeing", 3, False),
            ("Offending", 9, True),
            ("Practical barriers", 2, False),
            ("Work and skills", 7, False),
        ]
        result = rate(scores=scores, safeguarding=False)
        assert result.explanation == (
            "Red: 5 complex issues: housing, money and debt, mental wellbeing, offending, "
            "practical barriers."
        )
        assert rate(scores=[("Housing", 2, False)], safeguarding=False).explanation == (
            "Green: 1 complex issue: housing."
        )


class TestRulesAsData:
    def test_thresholds_come_from_the_rule_values(self) -> None:
        strict = RuleValues(complex_score_max=5, red_min_issues=2, amber_min_issues=1)
        assert rate(scores=_scores(5, 5, 9), safeguarding=False, rules=strict).rating == RED
        assert rate(scores=_scores(5, 9), safeguarding=False, rules=strict).rating == AMBER
        assert rate(scores=_scores(5, 5, 9), safeguarding=False).rating == GREEN

    def test_safeguarding_can_be_set_to_red(self) -> None:
        rules = RuleValues(safeguarding_at_least=RED)
        result = rate(scores=_scores(9), safeguarding=True, rules=rules)
        assert result.rating == RED and "at least Red" in result.explanation

    @pytest.mark.parametrize(
        "values",
        [
            {"complex_score_max": 0},
            {"complex_score_max": 10},
            {"amber_min_issues": 5, "red_min_issues": 4},
            {"amber_min_issues": 0},
            {"safeguarding_at_least": "X"},
        ],
    )
    def test_nonsense_rules_are_refused(self, values: dict[str, object]) -> None:
        with pytest.raises(ValueError):  # noqa: PT011
            RuleValues(**values)  # type: ignore[arg-type]

    def test_the_rules_read_as_plain_english(self) -> None:
        assert DEFAULT_RULES.summary() == (
            "An area counts as a complex issue when it scores 3 or less, or the assessor marks "
            "it as complex. 4 or more complex issues is Red; 2 or more is Amber; fewer is Green. "
            "A safeguarding concern makes the rating at least Amber."
        )


class TestExplanationsForViewersWhoSeeLess:
    def test_hidden_areas_are_counted_not_named(self) -> None:
        text = explain(
            rating=RED,
            shown_areas=["Money and debt"],
            hidden_count=3,
            raised_by_safeguarding=False,
            safeguarding_visible=False,
        )
        assert text == "Red: 4 complex issues: money and debt, and 3 other areas."

    def test_when_no_issue_area_is_visible(self) -> None:
        text = explain(
            rating=AMBER,
            shown_areas=[],
            hidden_count=2,
            raised_by_safeguarding=False,
            safeguarding_visible=False,
        )
        assert text == "Amber: 2 complex issues, in areas not shown to you."

    def test_safeguarding_is_not_named_to_viewers_who_may_not_see_it(self) -> None:
        text = explain(
            rating=AMBER,
            shown_areas=[],
            hidden_count=0,
            raised_by_safeguarding=True,
            safeguarding_visible=False,
        )
        assert "safeguarding" not in text.lower()
        assert text.endswith("The rating also takes account of information you cannot see.")


# ----------------------------------------------------------------------------- properties

areas = st.lists(
    st.tuples(
        st.text(min_size=1, max_size=12),
        st.one_of(st.none(), st.integers(min_value=1, max_value=10)),
        st.booleans(),
    ),
    max_size=15,
)
rules = st.builds(
    lambda score_max, amber, extra, sg: RuleValues(
        complex_score_max=score_max,
        amber_min_issues=amber,
        red_min_issues=amber + extra,
        safeguarding_at_least=sg,
    ),
    st.integers(min_value=1, max_value=9),
    st.integers(min_value=1, max_value=6),
    st.integers(min_value=0, max_value=6),
    st.sampled_from([AMBER, RED]),
)


@given(scores=areas, safeguarding=st.booleans(), rule_values=rules)
def test_adding_a_complex_issue_never_lowers_the_rating(
    scores: list[tuple[str, int | None, bool]], safeguarding: bool, rule_values: RuleValues
) -> None:
    before = rate(scores=scores, safeguarding=safeguarding, rules=rule_values)
    after = rate(
        scores=[*scores, ("Another", 1, True)], safeguarding=safeguarding, rules=rule_values
    )
    assert RATING_ORDER[after.rating] >= RATING_ORDER[before.rating]
    assert len(after.issue_areas) == len(before.issue_areas) + 1


@given(scores=areas, safeguarding=st.booleans(), rule_values=rules, index=st.integers(0, 14))
def test_lowering_a_score_never_lowers_the_rating(
    scores: list[tuple[str, int | None, bool]],
    safeguarding: bool,
    rule_values: RuleValues,
    index: int,
) -> None:
    if not scores:
        return
    name, _score, flag = scores[index % len(scores)]
    worse = list(scores)
    worse[index % len(scores)] = (name, 1, flag)
    assert (
        RATING_ORDER[rate(scores=worse, safeguarding=safeguarding, rules=rule_values).rating]
        >= RATING_ORDER[rate(scores=scores, safeguarding=safeguarding, rules=rule_values).rating]
    )


@given(scores=areas, rule_values=rules)
def test_safeguarding_never_gives_green_and_never_lowers(
    scores: list[tuple[str, int | None, bool]], rule_values: RuleValues
) -> None:
    with_concern = rate(scores=scores, safeguarding=True, rules=rule_values)
    without = rate(scores=scores, safeguarding=False, rules=rule_values)
    assert with_concern.rating != GREEN
    assert RATING_ORDER[with_concern.rating] >= RATING_ORDER[without.rating]
    assert RATING_ORDER[with_concern.rating] >= RATING_ORDER[rule_values.safeguarding_at_least]


@given(scores=areas, safeguarding=st.booleans(), rule_values=rules)
def test_the_rating_follows_the_count(
    scores: list[tuple[str, int | None, bool]], safeguarding: bool, rule_values: RuleValues
) -> None:
    result = rate(scores=scores, safeguarding=safeguarding, rules=rule_values)
    count = sum(
        1 for _n, s, f in scores if f or (s is not None and s <= rule_values.complex_score_max)
    )
    assert len(result.issue_areas) == count
    if count >= rule_values.red_min_issues:
        assert result.rating == RED
    elif not safeguarding:
        assert result.rating == (AMBER if count >= rule_values.amber_min_issues else GREEN)
    assert result.explanation.startswith(result.label + ":")
