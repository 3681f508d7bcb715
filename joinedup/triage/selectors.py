"""Reads for triage. The referral comes through ``referrals.selectors.referral_detail`` (which
audits the look), the candidates through the person record's duplicate check (audited as a
search), the assessment through ``assessments.selectors`` (filtered by category and audited),
and the triage's own outcome is audited here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.http import Http404

from joinedup.assessments.selectors import AssessmentView, Prefill, assessment_detail
from joinedup.assessments.selectors import prefill_from_latest as assessment_prefill
from joinedup.audit.services import AuditEntry, record_event, record_events
from joinedup.directory.models import Service
from joinedup.directory.needs import NEED_AREA_HELP, NeedArea
from joinedup.directory.selectors import services_for_needs
from joinedup.people.duplicates import SearchTerms
from joinedup.people.models import Person
from joinedup.people.selectors import PersonSummary, possible_duplicates
from joinedup.referrals.models import Referral
from joinedup.referrals.selectors import referral_detail
from joinedup.sharing.categories import IDENTITY
from joinedup.sharing.policy import access_to_people, access_to_person, works_with_people

from .models import Triage

if TYPE_CHECKING:
    from joinedup.core.actor import Actor

#: Services suggested for each identified need.
SUGGESTIONS_PER_NEED = 3
PAGE_SIZE = 25


@dataclass(frozen=True)
class NeedSuggestion:
    code: str
    label: str
    help_text: str
    asked_for: bool
    services: list[Service]


@dataclass
class TriageSummary:
    referral: Referral
    triage: Triage
    assessment: AssessmentView
    needs: list[NeedSuggestion] = field(default_factory=list)

    @property
    def suggested_services(self) -> list[Service]:
        """Each suggested service once, in the order first suggested."""
        seen: dict[Any, Service] = {}
        for need in self.needs:
            for service in need.services:
                seen.setdefault(service.pk, service)
        return list(seen.values())


def referral_for_triage(*, actor: Actor, referral_id: Any) -> Referral:
    """A referral made to the actor's organisation (audited as a look at the referral); a
    referral made by it, or to anyone else, is a 404 here."""
    referral = referral_detail(actor=actor, referral_id=referral_id)
    if referral.to_organisation_id != actor.organisation_id:
        raise Http404("No such referral.")
    return referral


def match_candidates(*, actor: Actor, referral: Referral) -> list[PersonSummary]:
    """Existing records that may be the person a referral without a record is about, with why
    they match: the person record's duplicate check on the name, date of birth and postcode
    the referral gives. Restricted summaries for records the actor has no basis for."""
    terms = SearchTerms(
        given_name=referral.given_name,
        family_name=referral.family_name,
        date_of_birth=referral.date_of_birth,
        postcode=referral.postcode,
    )
    if terms.is_empty:
        return []
    return possible_duplicates(actor=actor, terms=terms)


def _triage_of_referral(referral: Referral) -> Triage | None:
    return (
        Triage.objects.select_related("assessment", "key_worker", "signposted_service", "person")
        .filter(referral=referral)
        .first()
    )


def prefill_for_triage(*, actor: Actor, referral: Referral) -> tuple[Person, Prefill]:
    """The person and what the assessment form can be pre-filled with: the latest scores,
    motivators and barriers the actor may see (audited by the assessment selector)."""
    if referral.person is None:
        raise Http404("No such person.")
    person = referral.person
    if not access_to_person(actor=actor, person=person).allows(IDENTITY):
        raise Http404("No such person.")
    return person, assessment_prefill(actor=actor, person=person)


def need_suggestions(*, needs: list[str], asked_for: set[str]) -> list[NeedSuggestion]:
    """For each identified need, up to ``SUGGESTIONS_PER_NEED`` running services that help with
    it (two queries, whatever the number of needs)."""
    found = services_for_needs(needs=needs, limit=SUGGESTIONS_PER_NEED)
    labels = dict(NeedArea.choices)
    return [
        NeedSuggestion(
            code=need,
            label=labels[need],
            help_text=NEED_AREA_HELP.get(need, ""),
            asked_for=need in asked_for,
            services=found[need],
        )
        for need in needs
    ]


def triage_summary(*, actor: Actor, referral: Referral) -> TriageSummary:
    """The triage of a referral made to the actor's organisation: its assessment with the
    complexity rating and its explanation, the needs it identified and the services suggested
    for each, and the outcome once recorded. Audited."""
    triage = _triage_of_referral(referral)
    if triage is None or triage.organisation_id != actor.organisation_id:
        raise Http404("No triage yet.")
    assessment = assessment_detail(actor=actor, assessment_id=triage.assessment_id)
    asked = set(referral.needs.values_list("need", flat=True))
    summary = TriageSummary(
        referral=referral,
        triage=triage,
        assessment=assessment,
        needs=need_suggestions(needs=list(triage.identified_needs), asked_for=asked),
    )
    basis = access_to_person(actor=actor, person=triage.person).audit_basis([IDENTITY])[0]
    with transaction.atomic():
        record_event(
            actor=actor,
            action="view",
            person_id=triage.person_id,
            categories=[IDENTITY],
            basis=basis,
            detail={"page": "triage", "triage": str(triage.pk), "referral": referral.reference},
        )
    return summary


def handoffs_waiting(*, actor: Actor, mine_only: bool, page: Any = 1) -> Page[Triage]:
    """Triages in the actor's organisation that handed the person to a key worker for a case
    that has not been opened yet, oldest first: the actor's own, or (``mine_only`` False) the
    whole organisation's. Each one shown is audited."""
    if not works_with_people(actor):
        raise Http404
    waiting = Triage.objects.filter(
        organisation_id=actor.org,
        outcome=Triage.Outcome.OPEN_CASE,
        case_opened_on__isnull=True,
    )
    if mine_only:
        waiting = waiting.filter(key_worker_id=actor.user_id)
    listing = waiting.select_related("person", "referral", "key_worker", "assessment").order_by(
        "completed_on"
    )
    result = Paginator(listing, PAGE_SIZE).get_page(page)
    shown = list(result.object_list)
    access = access_to_people(actor=actor, people=[t.person for t in shown])
    with transaction.atomic():
        record_events(
            actor=actor,
            action="view",
            entries=[
                AuditEntry(
                    person_id=t.person_id,
                    categories=[IDENTITY],
                    basis=access[t.person_id].audit_basis([IDENTITY])[0],
                    detail={"page": "handoffs waiting", "triage": str(t.pk)},
                )
                for t in shown
            ],
        )
    return result
