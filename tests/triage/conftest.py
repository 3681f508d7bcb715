"""Fixtures for the triage tests: a self-referral to the council (the hub), and the shipped
assessment scale."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import RequestFactory

from joinedup.core.actor import Actor
from joinedup.referrals import services as referral_services
from joinedup.referrals.models import Referral

from ..assessments.conftest import scale  # noqa: F401  (the shipped scale fixture)


@pytest.fixture(autouse=True)
def _council_takes_self_referrals(settings, council) -> None:  # type: ignore[no-untyped-def]
    settings.JOINEDUP_SELF_REFERRAL_ORGANISATION = council.name


def self_referral(**changes: Any) -> Referral:
    """Alex O'Neill asks for help on the public form (as the form's service receives it)."""
    values: dict[str, Any] = {
        "given_name": "Alex",
        "family_name": "O'Neill",
        "date_of_birth": date(1990, 11, 4),
        "postcode": "nv2 3ab",
        "phone": "07700 900982",
        "email": "",
        "contact_preference": "text",
        "needs": ("work_skills", "money_debt"),
        "reason": "I lost my job and I am behind on the rent.",
        "consent_to_share": True,
    }
    values.update(changes)
    values["needs"] = tuple(values["needs"])
    return referral_services.receive_self_referral(
        actor=Actor.anonymous(RequestFactory().get("/"), process="self-referral"),
        answers=referral_services.SelfReferralAnswers(**values),
    )
