"""The demo partnership's dashboard: the figures match a count done by hand over the demo's
recorded data, and the public view publishes nothing under the threshold."""

from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from joinedup.accounts.models import User
from joinedup.accounts.roles import Role
from joinedup.cases.models import Case
from joinedup.demo.builder import build_demo
from joinedup.outcomes.models import Outcome
from joinedup.performance import disclosure
from joinedup.performance.models import DashboardItem

from ..conftest import client_for

pytestmark = [pytest.mark.django_db]


def _cells(html: str, testid: str) -> list[str]:
    row = re.search(rf'<tr[^>]*data-testid="{testid}"[^>]*>(.*?)</tr>', html, re.S)
    assert row is not None, f"no row {testid}"
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    ]


HIDDEN = "Fewer than 5 people: hidden to protect privacy"


def _as_seen(count: int, outside: int, *, own: bool = False) -> str:
    """A count as a member of staff sees it (the measures page's rule, by hand): exact for
    their own organisation, hidden when the people outside its work number 1 to 4."""
    return f"{count:,}" if own or not 0 < outside < 5 else HIDDEN


def test_the_demo_dashboard_matches_a_count_by_hand() -> None:
    build_demo(seed=7, people=80)
    assert DashboardItem.objects.filter(measure__code="people-into-work").exists()
    today = timezone.localdate()
    start = today - timedelta(days=365)
    # By hand: every case and job start, walked in plain Python.
    engaged: dict[str, set[object]] = {}
    for row in Case.objects.values("organisation__name", "person_id", "opened_on", "closed_on"):
        if row["opened_on"] <= today and (row["closed_on"] is None or row["closed_on"] >= start):
            engaged.setdefault(row["organisation__name"], set()).add(row["person_id"])
    into_work: dict[str, set[object]] = {}
    for row in Outcome.objects.filter(kind="job_start").values(
        "case__organisation__name", "person_id", "achieved_on"
    ):
        if start <= row["achieved_on"] <= today:
            into_work.setdefault(row["case__organisation__name"], set()).add(row["person_id"])
    all_engaged = {p for people in engaged.values() for p in people}
    all_into_work = {p for people in into_work.values() for p in people}
    assert all_into_work, "the demo should have job starts in the last year"

    viewer = next(u for u in User.objects.all() if u.has_role(Role.PERFORMANCE_ANALYST))
    html = client_for(viewer).get(reverse("performance:dashboard")).content.decode()
    table = re.search(r'data-testid="dashboard-measures".*?</thead>', html, re.S)
    assert table is not None
    headers = [
        html_lib.unescape(h)
        for h in re.findall(r"<th scope=\"col\"[^>]*>([^<]*)</th>", table.group(0))
    ]
    organisations = headers[2:-1]  # after "Measure" and "Partnership", before "Definition"
    assert organisations == sorted(organisations)
    assert set(engaged) | set(into_work) <= set(organisations)
    # The analyst's own organisation's figures are exact; a small group outside it is hidden.
    own = viewer.organisation.name
    for testid, people, everyone in (
        ("measure-people-engaged", engaged, all_engaged),
        ("measure-people-into-work", into_work, all_into_work),
    ):
        row = _cells(html, testid)
        outside = everyone - people.get(own, set())
        assert row[0] == _as_seen(len(everyone), len(outside))
        assert row[1 : 1 + len(organisations)] == [
            _as_seen(len(people.get(o, ())), len(people.get(o, ())), own=o == own)
            for o in organisations
        ]

    public = Client().get(reverse("performance:public_dashboard")).content.decode()
    counts = [len(engaged.get(o, ())) for o in organisations]
    published = disclosure.publish_measure(
        numerators=counts, numerator_total=len(all_engaged), threshold=5, rounding_base=5
    )
    row = _cells(public, "public-people-engaged-count")
    # All partners counts each person once (not the partners' sum).
    assert row[1:] == [disclosure.shown(v) for v in published.numerators] + [
        disclosure.shown(published.numerator_total)
    ]
    # Money measures are staff-only in the demo, and no one is named.
    assert "debt-reduced" not in public
    for person_name in Case.objects.values_list("person__family_name", flat=True)[:20]:
        assert f">{person_name}<" not in public
