"""Northvale's demo directory: realistic, complete enough for triage to suggest a service for
every need, fictional contact details, and the same for the same seed."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
from django.db import transaction

from joinedup.core.actor import Actor
from joinedup.demo.context import DemoContext
from joinedup.demo.directory import build_directory
from joinedup.demo.partnership import build_partnership
from joinedup.directory import selectors, services
from joinedup.directory.models import Service, ServiceContact, ServiceLocation, ServiceNeed
from joinedup.directory.needs import NeedArea
from joinedup.people.identifiers import normalise_postcode

pytestmark = pytest.mark.django_db


def _build(seed: int) -> None:
    ctx = DemoContext(seed=seed)
    build_directory(ctx, organisations=build_partnership(ctx))


def test_the_directory_covers_every_need_with_real_looking_fictional_details() -> None:
    _build(seed=3)
    assert 28 <= Service.objects.count() <= 35
    running = Counter(
        ServiceNeed.objects.filter(service__status=Service.Status.ACTIVE).values_list(
            "need", flat=True
        )
    )
    assert all(running[need] >= 2 for need in NeedArea.values), running
    assert {s.organisation.name for s in Service.objects.select_related("organisation")} >= {
        "Northvale Borough Council",
        "Citizens Advice Northvale",
        "Northvale Recovery Service",
        "Probation Service – Northvale",
    }
    phones = list(ServiceContact.objects.values_list("phone", flat=True))
    assert phones and all(re.fullmatch(r"01632 960\d{3}", phone) for phone in phones)
    assert len(set(phones)) == len(phones)
    postcodes = ServiceLocation.objects.values_list("postcode", flat=True)
    assert all(p.startswith("NV") and normalise_postcode(p) == p for p in postcodes)
    assert all(s.locations.exists() and s.contacts.exists() for s in Service.objects.all())
    # Every suggestion list has something in it.
    suggestions = selectors.services_for_needs(needs=NeedArea.values)
    assert all(suggestions[need] for need in NeedArea.values)


def test_the_demo_services_pass_the_directorys_own_checks() -> None:
    _build(seed=3)
    report = services.import_oruk(
        actor=Actor.system(process="test"),
        data=services.export_oruk_json(Service.objects.all()),
        organisation_resolver=selectors.organisation_resolver(),
        dry_run=True,
    )
    assert report.ok, [str(p) for p in report.problems]
    assert report.updated == Service.objects.count()


class _DiscardBuildError(Exception):
    pass


def _snapshot(seed: int) -> list[Any]:
    rows: list[Any] = []
    try:
        with transaction.atomic():
            _build(seed)
            rows = sorted(
                Service.objects.values_list(
                    "id", "name", "waiting_time_days", "accepting_referrals", "last_reviewed"
                )
            )
            rows += sorted(ServiceContact.objects.values_list("id", "name", "phone"))
            rows += sorted(ServiceNeed.objects.values_list("id", "need"))
            raise _DiscardBuildError
    except _DiscardBuildError:
        pass
    return rows


def test_the_same_seed_builds_the_same_directory() -> None:
    first, again, other = _snapshot(5), _snapshot(5), _snapshot(6)
    assert first and first == again
    assert other != first
