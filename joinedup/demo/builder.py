"""Builds the whole demo partnership, step by step, in one transaction: all or nothing."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from joinedup.accounts.models import Organisation, User

from .assessments import build_assessments
from .cases import build_cases
from .context import DemoContext
from .dashboard import build_dashboard
from .directory import build_directory
from .matching import MatchingSummary, build_matching
from .outcomes import build_outcomes
from .partnership import build_data_partners, build_partnership
from .people import build_people
from .performance import build_performance
from .referrals import build_referrals
from .sharing import build_sharing
from .triage import build_triages


class DemoAlreadyBuiltError(Exception):
    """The database already holds a partnership; the demo builds only into an empty one."""


@dataclass(frozen=True)
class DemoSummary:
    organisations: int
    staff: int
    people: int
    households: int
    #: The data matching: the council tax extract loaded and matched, the files to load.
    matching: MatchingSummary | None = None


def build_demo(*, seed: int, people: int) -> DemoSummary:
    if Organisation.objects.exists():
        raise DemoAlreadyBuiltError("This database already has organisations in it.")
    ctx = DemoContext(seed=seed)
    with transaction.atomic():
        organisations = build_partnership(ctx)
        households = build_people(ctx, count=people, organisations=organisations)
        build_sharing(ctx, organisations=organisations)
        build_directory(ctx, organisations=organisations)
        build_referrals(ctx, organisations=organisations)
        build_assessments(ctx, organisations=organisations)
        build_triages(ctx, organisations=organisations)
        build_cases(ctx, organisations=organisations)
        build_outcomes(ctx, organisations=organisations)
        build_performance(ctx, organisations=organisations)
        build_dashboard(ctx)
        # The agencies that only send extracts come last, so the partnership is unchanged.
        organisations.update(build_data_partners(ctx))
        matching = build_matching(ctx, organisations=organisations)
    return DemoSummary(
        organisations=len(organisations),
        staff=User.objects.count(),
        people=people,
        households=households,
        matching=matching,
    )
