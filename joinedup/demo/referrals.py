"""Referrals over three years, from every source and in every state: staff referrals between
partners, residents' own referrals (some not yet matched), from data matching and from other
systems. Most are answered on time; some are overdue."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone

from joinedup.accounts.models import Organisation, User
from joinedup.core.working_days import add_working_days
from joinedup.directory.needs import NeedArea
from joinedup.people.models import Person
from joinedup.referrals.models import Referral, ReferralNeed
from joinedup.referrals.services import REFERENCE_ALPHABET

from .context import DemoContext

REASONS = (
    "Wants help finding work after a long time out; confidence is low.",
    "Behind on rent and council tax; needs a benefit check and debt advice.",
    "Recently out of treatment and keen to start volunteering.",
    "Caring for a parent and wants part-time work that fits around it.",
    "Needs help with English and getting online to apply for jobs.",
    "Leaving custody next month and will need housing and ID.",
)
SOURCE_WEIGHTS = (
    (Referral.Source.STAFF, 70),
    (Referral.Source.SELF, 18),
    (Referral.Source.DATA_MATCHING, 7),
    (Referral.Source.OTHER_SYSTEM, 5),
)


def build_referrals(
    ctx: DemoContext, *, organisations: dict[str, Organisation], share: float = 0.4
) -> None:
    """Give about ``share`` of the people a referral (a few two), answered or not."""
    keys = sorted(organisations)
    staff = {
        key: list(
            User.objects.filter(organisation=o).order_by("email").values_list("id", flat=True)
        )
        for key, o in organisations.items()
    }
    today = ctx.today
    referrals: list[Referral] = []
    needs: list[ReferralNeed] = []
    used: set[str] = set()
    people = list(
        Person.objects.order_by("id").values_list(
            "id", "given_name", "family_name", "date_of_birth", "postcode"
        )
    )
    for person_id, given, family, dob, postcode in people:
        if ctx.rng.random() >= share:
            continue
        for _ in range(ctx.rng.choice((1, 1, 1, 2))):
            source = ctx.rng.choices(
                [s for s, _ in SOURCE_WEIGHTS], weights=[w for _, w in SOURCE_WEIGHTS]
            )[0]
            to_key = ctx.rng.choice(keys)
            received_day = today - timedelta(days=ctx.rng.randint(0, 3 * 365))
            received = timezone.make_aware(
                datetime.combine(received_day, time(ctx.rng.randint(8, 17), ctx.rng.randint(0, 59)))
            )
            due = add_working_days(received_day, 5)
            age = (today - received_day).days
            status = _status(ctx, age)
            reference = _reference(ctx)
            while reference in used:
                reference = _reference(ctx)
            used.add(reference)
            from_key = ctx.rng.choice([k for k in keys if k != to_key])
            referral = Referral(
                id=ctx.uuid(),
                reference=reference,
                person_id=None
                if source == Referral.Source.SELF and status == Referral.Status.NEW
                else person_id,
                source=source,
                referred_by_organisation=organisations[from_key]
                if source == Referral.Source.STAFF
                else None,
                referred_by_id=_pick(ctx, staff[from_key])
                if source == Referral.Source.STAFF
                else None,
                to_organisation=organisations[to_key],
                reason=ctx.rng.choice(REASONS),
                urgency=ctx.rng.choices(Referral.Urgency.values, weights=(85, 12, 3))[0],
                consent_to_share=True,
                status=status,
                received_on=received,
                respond_by=due,
                created_on=received,
            )
            if status in (
                Referral.Status.ACCEPTED,
                Referral.Status.DECLINED,
                Referral.Status.CLOSED,
            ):
                answered = min(
                    add_working_days(received_day, ctx.rng.choice((0, 1, 2, 3, 4, 5, 7))), today
                )
                referral.responded_on = timezone.make_aware(datetime.combine(answered, time(11, 0)))
                referral.responded_by_id = _pick(ctx, staff[to_key])
            if status == Referral.Status.DECLINED:
                referral.decline_reason = (
                    "Not the right service; suggested the credit union instead."
                )
            if status == Referral.Status.CLOSED:
                referral.outcome = (
                    "Worked with them for six weeks; now supported by their key worker."
                )
            if source == Referral.Source.SELF:
                referral.given_name, referral.family_name = given, family
                referral.date_of_birth, referral.postcode = dob, postcode
                referral.contact_preference = "phone"
                referral.phone = "07700 900" + f"{ctx.rng.randint(0, 999):03d}"
            referrals.append(referral)
            for need in ctx.rng.sample(NeedArea.values, ctx.rng.randint(1, 4)):
                needs.append(ReferralNeed(referral=referral, need=need))
    Referral.objects.bulk_create(referrals, batch_size=2000)
    ReferralNeed.objects.bulk_create(needs, batch_size=5000)


def _status(ctx: DemoContext, age_days: int) -> str:
    if age_days < 10:
        return ctx.rng.choices(Referral.Status.values, weights=(45, 30, 15, 10, 0))[0]
    return ctx.rng.choices(Referral.Status.values, weights=(2, 3, 45, 15, 35))[0]


def _reference(ctx: DemoContext) -> str:
    return "R" + "".join(ctx.rng.choice(REFERENCE_ALPHABET) for _ in range(7))


def _pick(ctx: DemoContext, ids: list[Any]) -> Any:
    return ctx.rng.choice(ids) if ids else None
