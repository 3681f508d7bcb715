"""Finding records that may be the same person, before a new one is created (F2), and for
people search. Candidates come from the database by indexed keys (family name, its Soundex
code, other names, date of birth with day and month swapped, postcode); each is then scored and
the reasons it matched are given in words."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import BooleanField, Case, IntegerField, Q, QuerySet, Value, When

from .identifiers import PostcodeParts, date_swaps, normalise_postcode, postcode_parts
from .models import Person, PersonName
from .names import name_similarity, names_match, normalise_name, soundex

#: At most this many records, ranked roughly in the database, are fetched and scored.
CANDIDATE_LIMIT = 100
#: The fields scoring and the result list need; nothing else is loaded.
SCORING_FIELDS = (
    "id",
    "given_name",
    "family_name",
    "family_name_key",
    "family_name_soundex",
    "date_of_birth",
    "postcode",
    "registered_by_id",
    "archived_on",
)


@dataclass(frozen=True)
class SearchTerms:
    given_name: str = ""
    family_name: str = ""
    date_of_birth: date | None = None
    postcode: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.given_name or self.family_name or self.date_of_birth or self.postcode)


@dataclass
class ScoredCandidate:
    person: Person
    score: int
    reasons: list[str] = field(default_factory=list)


def candidate_people(terms: SearchTerms) -> QuerySet[Person]:
    """People who share at least one indexed key with the search: the family name (as typed,
    by sound, or as a previous name or alias), the date of birth (or it with day and month
    swapped), or the postcode.

    Candidates are ranked roughly in the database first (the same weights as ``score``, without
    the name comparisons that need Python) so that the ``CANDIDATE_LIMIT`` kept are the best,
    not the alphabetically first, and the database can use its indexes for a top-N sort."""
    query = Q()
    rough: list[When] = []
    family_key = normalise_name(terms.family_name)
    alias_ids: list[object] = []
    if family_key:
        # People who used this family name before: a short list from the index, so the main
        # query needs no correlated subquery.
        alias_ids = list(
            PersonName.objects.filter(family_name_key=family_key)
            .values_list("person_id", flat=True)
            .distinct()[:CANDIDATE_LIMIT]
        )
        query |= Q(family_name_key=family_key) | Q(pk__in=alias_ids)
        rough.append(When(family_name_key=family_key, then=Value(40)))
        code = soundex(family_key)
        if code:
            query |= Q(family_name_soundex=code)
    if terms.date_of_birth:
        query |= Q(date_of_birth__in=[terms.date_of_birth, *date_swaps(terms.date_of_birth)])
    postcode = normalise_postcode(terms.postcode) if terms.postcode else None
    if postcode:
        query |= Q(postcode=postcode)
    if not query:
        return Person.objects.none()
    rank = Value(0)
    parts = []
    if family_key:
        parts.append(Case(*rough, default=Value(0), output_field=IntegerField()))
        if alias_ids:
            parts.append(
                Case(
                    When(pk__in=alias_ids, then=Value(35)),
                    default=Value(0),
                    output_field=IntegerField(),
                )
            )
        if soundex(family_key):
            parts.append(
                Case(
                    When(family_name_soundex=soundex(family_key), then=Value(15)),
                    default=Value(0),
                    output_field=IntegerField(),
                )
            )
    if terms.date_of_birth:
        parts.append(
            Case(
                When(date_of_birth=terms.date_of_birth, then=Value(30)),
                When(date_of_birth__in=date_swaps(terms.date_of_birth), then=Value(20)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
    if postcode:
        parts.append(
            Case(
                When(postcode=postcode, then=Value(20)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
    for part in parts:
        rank = rank + part  # type: ignore[assignment]
    return (
        Person.objects.active()
        .filter(query)
        .annotate(
            rough_rank=rank,
            alias_match=Case(
                When(pk__in=alias_ids, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
            if alias_ids
            else Value(False),
        )
        .only(*SCORING_FIELDS)
        .order_by("-rough_rank", "family_name_key", "given_name")[:CANDIDATE_LIMIT]
    )


@dataclass(frozen=True)
class _Prepared:
    """The search terms in the forms scoring compares, worked out once per search."""

    family_key: str
    family_soundex: str
    given_key: str
    swaps: tuple[date, ...]
    postcode: PostcodeParts | None

    @classmethod
    def of(cls, terms: SearchTerms) -> _Prepared:
        family_key = normalise_name(terms.family_name)
        return cls(
            family_key=family_key,
            family_soundex=soundex(family_key) if family_key else "",
            given_key=normalise_name(terms.given_name),
            swaps=tuple(date_swaps(terms.date_of_birth)) if terms.date_of_birth else (),
            postcode=postcode_parts(terms.postcode) if terms.postcode else None,
        )


def score(person: Person, terms: SearchTerms, prepared: _Prepared | None = None) -> ScoredCandidate:
    """Score one candidate: names, date of birth and postcode, each with the reason."""
    prepared = prepared or _Prepared.of(terms)
    result = ScoredCandidate(person=person, score=0)
    family_key = prepared.family_key
    if family_key:
        if person.family_name_key == family_key:
            result.score += 40
            result.reasons.append("Same last name")
        elif getattr(person, "alias_match", False):
            result.score += 35
            result.reasons.append("Last name matches a previous name or alias")
        elif name_similarity(person.family_name_key, family_key) >= 0.88:
            result.score += 25
            result.reasons.append("Last name sounds or is spelt alike")
        elif person.family_name_soundex and person.family_name_soundex == prepared.family_soundex:
            result.score += 15
            result.reasons.append("Last name sounds alike")
    if terms.given_name:
        if normalise_name(person.given_name) == prepared.given_key:
            result.score += 25
            result.reasons.append("Same first name")
        elif names_match(person.given_name, terms.given_name):
            result.score += 20
            result.reasons.append("First name is a known short form or initial")
        elif name_similarity(person.given_name, terms.given_name) >= 0.88:
            result.score += 12
            result.reasons.append("First name spelt alike")
    if terms.date_of_birth and person.date_of_birth:
        if person.date_of_birth == terms.date_of_birth:
            result.score += 30
            result.reasons.append("Same date of birth")
        elif person.date_of_birth in prepared.swaps:
            result.score += 20
            result.reasons.append("Date of birth with day and month swapped")
        elif person.date_of_birth.year == terms.date_of_birth.year:
            result.score += 5
            result.reasons.append("Same year of birth")
    wanted = prepared.postcode
    have = postcode_parts(person.postcode) if person.postcode else None
    if wanted and have:
        if wanted.unit == have.unit:
            result.score += 20
            result.reasons.append("Same postcode")
        elif wanted.sector == have.sector:
            result.score += 8
            result.reasons.append("Postcode in the same sector")
    return result


def ranked_matches(terms: SearchTerms, *, minimum: int, limit: int) -> list[ScoredCandidate]:
    """The best-scoring candidates at or above ``minimum``, best first."""
    prepared = _Prepared.of(terms)
    scored = [score(person, terms, prepared) for person in candidate_people(terms)]
    kept = [c for c in scored if c.score >= minimum]
    kept.sort(key=lambda c: (-c.score, c.person.family_name, c.person.given_name))
    return kept[:limit]
