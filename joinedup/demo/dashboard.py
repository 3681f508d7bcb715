"""The shared partnership dashboard in the demo: the classic worklessness indicators and the
measures every partner is jointly accountable for, in the order a partnership board would read
them (the population first, then what we did, how well, and who is better off). Money measures
are staff-only; everything else is on the public dashboard, suppressed and rounded. Nothing here
is a figure: the dashboard counts everything from the demo's recorded data."""

from __future__ import annotations

from joinedup.core.actor import Actor
from joinedup.performance.models import Indicator, MeasureDefinition
from joinedup.performance.services.dashboard import add_dashboard_item

from .context import DemoContext

INDICATORS = (
    "out-of-work-benefits",
    "out-of-work-benefits-worst-neighbourhoods",
    "claimant-count",
    "neet-16-18",
)
MEASURES = (
    ("people-engaged", True),
    ("referrals-received", True),
    ("referrals-answered-on-time", True),
    ("plan-within-10-working-days", True),
    ("people-into-work", True),
    ("people-into-work-percent", True),
    ("jobs-sustained-13-weeks", True),
    ("debt-reduced", False),
)


def build_dashboard(ctx: DemoContext) -> int:
    """Put the demo's items on the dashboard (those whose definitions are installed). Returns
    how many were added."""
    actor = Actor.system(process="demo")
    added = 0
    for code in INDICATORS:
        if Indicator.objects.filter(code=code, active=True).exists():
            add_dashboard_item(actor=actor, choice=f"indicator:{code}", public=True)
            added += 1
    for code, public in MEASURES:
        if MeasureDefinition.objects.filter(code=code, active=True).exists():
            add_dashboard_item(actor=actor, choice=f"measure:{code}", public=public)
            added += 1
    return added
