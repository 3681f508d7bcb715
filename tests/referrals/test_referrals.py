"""Referrals in: staff referrals, the public self-referral form, inboxes, answering with one
winner, and the closed loop (F5, REL-01)."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from joinedup.audit.models import AuditEvent
from joinedup.referrals import services
from joinedup.referrals.models import Referral, ReferralNeed, ResponseTarget

from ..conftest import actor_for, client_for

pytestmark = pytest.mark.django_db


def refer(person, referrer, to, **extra):  # type: ignore[no-untyped-def]
    return services.refer_person(
        actor=actor_for(referrer),
        person=person,
        destination=services.ReferralDestination(organisation=to),
        reason=extra.pop("reason", "Needs a benefit check and help with rent arrears."),
        needs=extra.pop("needs", ["money_debt", "housing"]),
        urgency=extra.pop("urgency", "routine"),
        consent_to_share=extra.pop("consent_to_share", True),
    )


class TestStaffReferrals:
    def test_refer_answer_by_and_closed_loop(
        self, person, council_worker, cab, cab_adviser
    ) -> None:
        with time_machine.travel("2026-12-23 10:00", tick=False):
            referral = refer(person, council_worker, cab)
        # 5 working days from Wed 23 Dec 2026, skipping Christmas, Boxing Day (substitute
        # Monday 28th) and the weekend: 24, 29, 30, 31 Dec, 4 Jan? (1 Jan is a holiday).
        assert referral.respond_by == date(2027, 1, 4)
        assert referral.reference.startswith("R") and len(referral.reference) == 8
        assert set(referral.needs.values_list("need", flat=True)) == {"money_debt", "housing"}
        services.decline_referral(
            actor=actor_for(cab_adviser),
            referral=referral,
            reason="We are full; try the credit union.",
        )
        sent = client_for(council_worker).get(reverse("referrals:sent")).content.decode()
        assert referral.reference in sent and "We are full; try the credit union." in sent

    def test_response_targets_are_data(self, person, council_worker, cab) -> None:
        ResponseTarget.objects.create(organisation=cab, working_days=2)
        with time_machine.travel("2026-11-02 10:00", tick=False):  # a Monday
            assert refer(person, council_worker, cab).respond_by == date(2026, 11, 4)
            assert refer(person, council_worker, cab, urgency="urgent").respond_by == date(
                2026, 11, 2
            )

    def test_referring_needs_consent_and_a_basis(
        self, person, council_worker, cab, jcp_coach
    ) -> None:
        with pytest.raises(ValidationError) as error:
            refer(person, council_worker, cab, consent_to_share=False, reason="")
        assert set(error.value.message_dict) == {"reason", "consent_to_share"}
        with pytest.raises(PermissionDenied):
            refer(person, jcp_coach, cab)
        assert not Referral.objects.exists()

    def test_accept_has_exactly_one_winner(self, person, council_worker, cab, cab_adviser) -> None:
        """REL-01: a second answer to the same referral is refused with a clear message."""
        referral = refer(person, council_worker, cab)
        services.accept_referral(actor=actor_for(cab_adviser), referral=referral)
        with pytest.raises(services.ReferralAlreadyAnsweredError, match="already been accepted"):
            services.decline_referral(
                actor=actor_for(cab_adviser), referral=referral, reason="late"
            )
        referral.refresh_from_db()
        assert referral.status == "accepted" and referral.decline_reason == ""

    def test_only_the_receiving_organisation_answers(
        self, person, council_worker, cab, jcp_coach
    ) -> None:
        referral = refer(person, council_worker, cab)
        with pytest.raises(PermissionDenied):
            services.accept_referral(actor=actor_for(jcp_coach), referral=referral)
        assert (
            client_for(jcp_coach).get(reverse("referrals:detail", args=[referral.pk])).status_code
            == 404
        )
        assert (
            client_for(jcp_coach).post(reverse("referrals:accept", args=[referral.pk])).status_code
            == 404
        )
        referral.refresh_from_db()
        assert referral.status == "new"


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs real row locks across connections; runs in make test-postgres",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_accept_and_decline_have_one_winner(
    shipped_defaults, person, council_worker, cab, cab_adviser
) -> None:  # type: ignore[no-untyped-def]
    """REL-01: two people answering at once: one wins, the other is told, nothing is lost."""
    referral = refer(person, council_worker, cab)
    outcomes: list[str] = []

    def answer(kind: str) -> None:
        try:
            if kind == "accept":
                services.accept_referral(actor=actor_for(cab_adviser), referral=referral)
            else:
                services.decline_referral(
                    actor=actor_for(cab_adviser), referral=referral, reason="Full"
                )
            outcomes.append(kind)
        except services.ReferralAlreadyAnsweredError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=answer, args=(k,)) for k in ("accept", "decline")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    referral.refresh_from_db()
    assert sorted(outcomes).count("refused") == 1
    winner = {"accept": "accepted", "decline": "declined"}[
        next(o for o in outcomes if o != "refused")
    ]
    assert referral.status == winner


class TestInbox:
    def test_inbox_tabs_counts_overdue_and_audit(
        self, person, council_worker, cab, cab_adviser
    ) -> None:
        with time_machine.travel("2026-11-02 10:00", tick=False):
            old = refer(person, council_worker, cab)
        fresh = refer(person, council_worker, cab)
        client = client_for(cab_adviser)
        html = client.get(reverse("referrals:inbox")).content.decode()
        assert old.reference in html and fresh.reference in html
        assert "Overdue (1)" in html and "New (2)" in html
        assert html.count("Overdue</strong>") == 1
        html = client.get(reverse("referrals:inbox") + "?tab=overdue").content.decode()
        assert old.reference in html and fresh.reference not in html
        assert AuditEvent.objects.filter(action="view", detail__page="referral inbox").count() >= 2

    def test_inbox_query_count_does_not_grow(
        self, person, council_worker, cab, cab_adviser, django_assert_max_num_queries
    ) -> None:  # type: ignore[no-untyped-def]
        for _ in range(3):
            refer(person, council_worker, cab)
        client = client_for(cab_adviser)
        client.get(reverse("referrals:inbox"))
        with django_assert_max_num_queries(20) as small:
            client.get(reverse("referrals:inbox"))
        for _ in range(20):
            refer(person, council_worker, cab)
        with django_assert_max_num_queries(len(small.captured_queries)):
            client.get(reverse("referrals:inbox"))


class TestSelfReferral:
    ANSWERS = [
        ("name", {"given_name": "Alex", "family_name": "O'Neill"}),
        (
            "date-of-birth",
            {"date_of_birth_0": "4", "date_of_birth_1": "11", "date_of_birth_2": "1990"},
        ),
        ("postcode", {"postcode": "nv2 3ab"}),
        ("contact", {"contact_preference": "text", "phone": "07700 900982"}),
        ("help-with", {"needs": ["work_skills", "money_debt"]}),
        ("about", {"reason": "I lost my job and I am behind on the rent."}),
        ("consent", {"consent_to_share": "on"}),
    ]

    def _fill(self, client: Client) -> None:
        client.post(reverse("referrals:self_referral_start"))
        session = client.session
        session["joinedup_self_referral"]["started"] = time.time() - 60
        session.save()
        for step, data in self.ANSWERS:
            response = client.post(reverse("referrals:self_referral_step", args=[step]), data)
            assert response.status_code == 302, (step, response.content.decode()[:2000])

    def test_a_resident_refers_themselves_and_gets_a_reference(self, council) -> None:
        client = Client()
        self._fill(client)
        check = client.get(reverse("referrals:self_referral_check"))
        html = check.content.decode()
        assert "Alex O&#x27;Neill" in html and "NV2 3AB" in html and "4 November 1990" in html
        response = client.post(reverse("referrals:self_referral_check"))
        assert response["Location"] == reverse("referrals:self_referral_done")
        assert "Alex" not in response["Location"]
        done = client.get(response["Location"]).content.decode()
        referral = Referral.objects.get()
        assert referral.reference in done
        assert referral.source == "self" and referral.person is None
        assert referral.to_organisation == council and referral.postcode == "NV2 3AB"
        assert sorted(ReferralNeed.objects.values_list("need", flat=True)) == [
            "money_debt",
            "work_skills",
        ]
        assert AuditEvent.objects.filter(action="create", detail__source="self-referral").exists()

    @pytest.mark.parametrize(
        ("step", "data", "message"),
        [
            ("name", {"given_name": "", "family_name": ""}, "Enter your first name"),
            (
                "name",
                {"given_name": "<script>alert(1)</script>", "family_name": "X"},
                "must only include letters",
            ),
            ("name", {"given_name": "A" * 5000, "family_name": "B"}, "100 characters or fewer"),
            (
                "date-of-birth",
                {"date_of_birth_0": "31", "date_of_birth_1": "2", "date_of_birth_2": "1990"},
                "must be a real date",
            ),
            (
                "date-of-birth",
                {"date_of_birth_0": "1", "date_of_birth_1": "1", "date_of_birth_2": "2099"},
                "must be in the past",
            ),
            (
                "date-of-birth",
                {"date_of_birth_0": "1", "date_of_birth_1": "", "date_of_birth_2": "1990"},
                "must include a day, month and year",
            ),
            ("postcode", {"postcode": "12345"}, "Enter a real postcode"),
            ("contact", {"contact_preference": "email", "email": "not an email"}, "correct format"),
            ("contact", {"contact_preference": "phone"}, "Enter a phone number"),
            ("help-with", {}, "Select what you would like help with"),
            (
                "about",
                {"reason": "<script>alert('x')</script>"},
                "Remove the &lt; and &gt; characters",
            ),
            ("about", {"reason": "x" * 5000}, "2,000 characters or fewer"),
            ("consent", {}, "Confirm you agree"),
        ],
    )
    def test_bad_answers_get_govuk_errors_never_a_500(
        self, council, step: str, data: dict, message: str
    ) -> None:  # type: ignore[type-arg]
        client = Client()
        client.post(reverse("referrals:self_referral_start"))
        response = client.post(reverse("referrals:self_referral_step", args=[step]), data)
        html = response.content.decode()
        assert response.status_code == 200
        assert "govuk-error-summary" in html and message in html
        assert "<script>alert" not in html

    def test_spam_and_floods_are_not_stored(self, council, settings) -> None:  # type: ignore[no-untyped-def]
        client = Client()
        self._fill(client)
        client.post(reverse("referrals:self_referral_check"), {"website": "http://spam.example"})
        assert not Referral.objects.exists()
        settings.JOINEDUP_SELF_REFERRAL_RATE = 3  # the spam post above counted too
        for _ in range(2):
            self._fill(client)
            client.post(reverse("referrals:self_referral_check"))
        self._fill(client)
        response = client.post(reverse("referrals:self_referral_check"))
        assert response.status_code == 429
        assert Referral.objects.count() == 2

    def test_the_check_page_needs_every_answer(self, council) -> None:
        client = Client()
        client.post(reverse("referrals:self_referral_start"))
        response = client.get(reverse("referrals:self_referral_check"))
        assert response["Location"] == reverse("referrals:self_referral_start")
        assert client.get("/self-referral/not-a-step/").status_code == 404


def test_date_questions_have_day_month_and_year_boxes_that_keep_what_was_typed(council) -> None:
    """GOV.UK date input: three boxes, each labelled, named as the form reads them, and what
    the resident typed is still there when an error is shown."""
    client = Client()
    client.post(reverse("referrals:self_referral_start"))
    url = reverse("referrals:self_referral_step", args=["date-of-birth"])
    html = client.get(url).content.decode()
    for part, label in (("0", "Day"), ("1", "Month"), ("2", "Year")):
        assert (
            f'<label class="govuk-label govuk-date-input__label" for="id_date_of_birth_{part}">{label}</label>'
            in html
        )
        assert f'name="date_of_birth_{part}"' in html
    html = client.post(
        url, {"date_of_birth_0": "31", "date_of_birth_1": "2", "date_of_birth_2": "1990"}
    ).content.decode()
    assert "must be a real date" in html
    assert 'name="date_of_birth_0" type="text" inputmode="numeric" value="31"' in html
