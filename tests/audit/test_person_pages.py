"""Who has looked at a record, and the subject access export (F4, SEC-20, SEC-23)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from joinedup.audit.models import AuditEvent

from ..conftest import client_for

pytestmark = pytest.mark.django_db


def test_who_looked_lists_every_look_with_organisation_and_basis(
    person, council_worker, jcp_coach
) -> None:
    client_for(jcp_coach).get(reverse("people:detail", args=[person.pk]))
    client = client_for(council_worker)
    client.get(reverse("people:detail", args=[person.pk]))
    html = client.get(reverse("audit:person_access_log", args=[person.pk])).content.decode()
    assert "Daniel Evans" in html and "Jobcentre Plus Northvale" in html
    assert "Restricted view" in html and "Own organisation&#x27;s record" in html
    # The look at the history is itself recorded.
    assert AuditEvent.objects.latest("sequence").detail["page"] == "access history"


def test_the_residents_version_names_organisations_not_staff(
    person, council_worker, jcp_coach
) -> None:
    client_for(jcp_coach).get(reverse("people:detail", args=[person.pk]))
    response = client_for(council_worker).get(
        reverse("audit:person_access_log", args=[person.pk]) + "?for=resident"
    )
    html = response.content.decode()
    assert "Who has looked at your record, Jordan" in html
    assert "Jobcentre Plus Northvale" in html
    assert "Daniel Evans" not in html
    assert AuditEvent.objects.latest("sequence").action == "print"


def test_subject_access_pack_as_json_and_pdf(person, council_worker, council_ig, jcp_coach) -> None:
    """F4: all data and the access history of one person, as JSON and a readable PDF."""
    client_for(jcp_coach).get(reverse("people:detail", args=[person.pk]))
    client = client_for(council_ig)
    url = reverse("audit:subject_access", args=[person.pk])
    assert "Download readable PDF" in client.get(url).content.decode()
    response = client.get(url + "?format=json")
    assert response["Content-Disposition"].startswith("attachment;")
    pack = json.loads(response.content)
    details = pack["data"]["Your details"][0]
    assert details["ni_number"] == "QQ123456C" and details["ethnicity"] == "Secret Ethnicity Value"
    assert any(e["organisation"] == "Jobcentre Plus Northvale" for e in pack["access_history"])
    assert AuditEvent.objects.latest("sequence").action == "export"
    pdf = client.get(url + "?format=pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_subject_access_is_for_the_holding_organisations_information_governance(
    person, council_worker, cab, cab_adviser
) -> None:
    url = reverse("audit:subject_access", args=[person.pk])
    assert client_for(council_worker).get(url + "?format=json").status_code == 403
    from joinedup.accounts.roles import Role

    from ..factories import UserFactory

    other_ig = UserFactory(organisation=cab, roles=[Role.INFORMATION_GOVERNANCE])
    assert client_for(other_ig).get(url + "?format=json").status_code == 404
    assert not AuditEvent.objects.filter(action="export").exists()


def test_verify_audit_after_real_use(person, council_worker, jcp_coach) -> None:
    """SEC-23: the chain written by ordinary use verifies."""
    for user in (council_worker, jcp_coach):
        client_for(user).get(reverse("people:detail", args=[person.pk]))
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert f"Audit chain intact: {AuditEvent.objects.count()} events checked." in out.getvalue()
