"""Finding records that may be the same person, before a new one is created (F2), and for
people search. Candidates come from the database by indexed keys (family name, its Soundex
code, other names, date of birth with day and month swapped, postcode); each is then scored and
the reasons it matched are given in words."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, QuerySet

from .identifiers import date_swaps, normalise_postcode, postcode_parts
from .models import Person, PersonName
from .names import name_similarity, names_match, normalise_name, soundex

#: At most this many records are fetched and scored for one search.
CANDIDATE_LIMIT = 300


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
    swapped), or the postcode."""
    query = Q()
    family_key = normalise_name(terms.family_name)
    if family_key:
        other_names = PersonName.objects.filter(family_name_key=family_key).values("person_id")
        query |= Q(family_name_key=family_key) | Q(pk__in=other_names)
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
    return (
        Person.objects.active()
        .filter(query)
        .select_related("registered_by")
        .prefetch_related("other_names")
        .order_by("family_name_key", "given_name")[:CANDIDATE_LIMIT]
    )


def score(person: Person, terms: SearchTerms) -> ScoredCandidate:
    """Score one candidate: names, date of birth and postcode, each with the reason."""
    result = ScoredCandidate(person=person, score=0)
    family_key = normalise_name(terms.family_name)
    if family_key:
        if person.family_name_key == family_key:
            result.score += 40
            result.reasons.append("Same last name")
        elif any(o.family_name_key == family_key for o in person.other_names.all()):
            result.score += 35
            result.reasons.append("Last name matches a previous name or alias")
        elif name_similarity(person.family_name_key, family_key) >= 0.88:
            result.score += 25
            result.reasons.append("Last name sounds or is spelt alike")
        elif person.family_name_soundex and person.family_name_soundex == soundex(family_key):
            result.score += 15
            result.reasons.append("Last name sounds alike")
    if terms.given_name:
        if normalise_name(person.given_name) == normalise_name(terms.given_name):
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
        elif person.date_of_birth in date_swaps(terms.date_of_birth):
            result.score += 20
            result.reasons.append("Date of birth with day and month swapped")
        elif person.date_of_birth.year == terms.date_of_birth.year:
            result.score += 5
            result.reasons.append("Same year of birth")
    wanted = postcode_parts(terms.postcode) if terms.postcode else None
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
    scored = [score(person, terms) for person in candidate_people(terms)]
    kept = [c for c in scored if c.score >= minimum]
    kept.sort(key=lambda c: (-c.score, c.person.family_name, c.person.given_name))
    return kept[:limit]
