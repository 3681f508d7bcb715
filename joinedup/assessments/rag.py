"""The complexity RAG rating: explainable rules, no database.

A person's assessment gives each area a score from 1 to 10 (or leaves it not assessed) and
may flag an area as a complex issue whatever its score. The rules (``RuleValues``, kept as data
in ``RagRuleSet`` so a partnership can change them, architecture rule 6) count the complex
issues:

- an area is a complex issue when its score is at most ``complex_score_max`` (by default a
  score of 1, 2 or 3) or the assessor flagged it;
- ``red_min_issues`` or more complex issues (by default 4) is Red; ``amber_min_issues`` or more
  (by default 2) is Amber; fewer is Green;
- a safeguarding concern makes the rating at least ``safeguarding_at_least`` (by default
  Amber): it never gives Green.

``rate`` returns the rating with the issue areas and a sentence that says why, for example
"Red: 5 complex issues: housing, money and debt, mental wellbeing, offending, practical
barriers." ``explain`` writes that sentence for a viewer who may see only some of the areas.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

RED = "R"
AMBER = "A"
GREEN = "G"
RATING_LABELS = {RED: "Red", AMBER: "Amber", GREEN: "Green"}
#: Higher is more complex.
RATING_ORDER = {GREEN: 0, AMBER: 1, RED: 2}


@dataclass(frozen=True)
class RuleValues:
    """The numbers the rules use. The defaults are the shipped rule set."""

    complex_score_max: int = 3
    red_min_issues: int = 4
    amber_min_issues: int = 2
    safeguarding_at_least: str = AMBER

    def __post_init__(self) -> None:
        if not 1 <= self.complex_score_max <= 9:
            raise ValueError("complex_score_max must be from 1 to 9.")
        if not 1 <= self.amber_min_issues <= self.red_min_issues:
            raise ValueError("amber_min_issues must be at least 1 and at most red_min_issues.")
        if self.safeguarding_at_least not in RATING_ORDER:
            raise ValueError("safeguarding_at_least must be R, A or G.")

    def summary(self) -> str:
        """The rules in one plain-English paragraph, for the pages that show a rating."""
        sg = RATING_LABELS[self.safeguarding_at_least]
        return (
            f"An area counts as a complex issue when it scores {self.complex_score_max} or less, "
            f"or the assessor marks it as complex. {self.red_min_issues} or more complex issues "
            f"is Red; {self.amber_min_issues} or more is Amber; fewer is Green. A safeguarding "
            f"concern makes the rating at least {sg}."
        )


DEFAULT_RULES = RuleValues()


@dataclass(frozen=True)
class RatingResult:
    rating: str
    #: The names of the areas that count as complex issues, in the order they were given.
    issue_areas: tuple[str, ...]
    explanation: str
    #: True when the safeguarding rule raised the rating above what the count gives.
    raised_by_safeguarding: bool = False

    @property
    def label(self) -> str:
        return RATING_LABELS[self.rating]


def is_complex(score: int | None, complex_flag: bool, rules: RuleValues) -> bool:
    """Whether one area counts as a complex issue. A not-assessed area (``score`` None) counts
    only when it is flagged."""
    return complex_flag or (score is not None and score <= rules.complex_score_max)


def higher(first: str, second: str) -> str:
    """The more complex of two ratings."""
    return first if RATING_ORDER[first] >= RATING_ORDER[second] else second


def rate(
    *,
    scores: Iterable[tuple[str, int | None, bool]],
    safeguarding: bool,
    rules: RuleValues = DEFAULT_RULES,
) -> RatingResult:
    """Rate complexity from ``(area name, score, complex flag)`` triples. A score of None means
    the area was not assessed."""
    issues = tuple(name for name, score, flag in scores if is_complex(score, flag, rules))
    count = len(issues)
    if count >= rules.red_min_issues:
        by_count = RED
    elif count >= rules.amber_min_issues:
        by_count = AMBER
    else:
        by_count = GREEN
    rating = higher(by_count, rules.safeguarding_at_least) if safeguarding else by_count
    raised = rating != by_count
    return RatingResult(
        rating=rating,
        issue_areas=issues,
        explanation=explain(
            rating=rating,
            shown_areas=issues,
            hidden_count=0,
            raised_by_safeguarding=raised,
            safeguarding_visible=True,
        ),
        raised_by_safeguarding=raised,
    )


def explain(
    *,
    rating: str,
    shown_areas: Sequence[str],
    hidden_count: int,
    raised_by_safeguarding: bool,
    safeguarding_visible: bool,
) -> str:
    """Why a rating is what it is, naming only the areas the reader may see.

    ``hidden_count`` issue areas the reader may not see are counted, not named (", and 2 other
    areas"). When the safeguarding rule raised the rating, a reader who may see safeguarding
    information is told so; anyone else is told only that information they cannot see was
    taken into account."""
    total = len(shown_areas) + hidden_count
    text = f"{RATING_LABELS[rating]}: "
    if total == 0:
        text += "no complex issues"
    else:
        text += f"{total} complex issue{'' if total == 1 else 's'}"
        if not shown_areas:
            text += ", in areas not shown to you"
        else:
            text += ": " + ", ".join(lower_first(n) for n in shown_areas)
            if hidden_count:
                text += f", and {hidden_count} other area{'' if hidden_count == 1 else 's'}"
    text += "."
    if raised_by_safeguarding:
        if safeguarding_visible:
            text += f" A safeguarding concern makes the rating at least {RATING_LABELS[rating]}."
        else:
            text += " The rating also takes account of information you cannot see."
    return text


def lower_first(name: str) -> str:
    """An area name as it reads mid-sentence: 'Money and debt' -> 'money and debt'; leaves words in capitals ('ID') alone."""
    if len(name) > 1 and name[1].isupper():
        return name
    return name[:1].lower() + name[1:]
