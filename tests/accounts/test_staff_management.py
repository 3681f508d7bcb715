"""Organisation admins manage their own organisation's staff only; system admins manage
organisations (F1)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from joinedup.accounts import services
from joinedup.accounts.models import Membership, Organisation, User
from joinedup.accounts.roles import Role
from joinedup.core.actor import Actor

from ..factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def actor(user: User) -> Actor:
    return Actor.for_user(user, process="test")


class TestInvitations:
    def test_org_admin_invites_a_member_who_sets_a_password_then_two_factor(
        self,
        org_admin_client: Client,
        organisation: Organisation,
        django_capture_on_commit_callbacks,
    ) -> None:  # type: ignore[no-untyped-def]
        team = TeamFactory(organisation=organisation, name="Employment and Skills Hub")
        with django_capture_on_commit_callbacks(execute=True):
            response = org_admin_client.post(
                reverse("accounts:staff_invite", args=[organisation.pk]),
                {
                    "full_name": "Nadia Hussain",
                    "email": "Nadia.Hussain@Council.example",
                    "job_title": "Key worker",
                    "roles": [Role.KEY_WORKER, Role.TEAM_MANAGER],
                    "team": str(team.pk),
                },
            )
        assert response.status_code == 302
        member = User.objects.get(email="nadia.hussain@council.example")
        assert member.organisation == organisation
        assert not member.has_usable_password()
        assert sorted(m.role for m in member.memberships.all()) == [
            Role.KEY_WORKER,
            Role.TEAM_MANAGER,
        ]
        assert {m.team for m in member.memberships.all()} == {team}

        assert len(mail.outbox) == 1
        link = re.search(r"https?://[^/]+(/invitation/\S+/)", mail.outbox[0].body)
        assert link
        newcomer = Client()
        set_url = newcomer.get(link.group(1), follow=True).redirect_chain[-1][0]
        password = "sunrise over the quiet valley"
        response = newcomer.post(set_url, {"new_password1": password, "new_password2": password})
        assert response["Location"] == reverse("accounts:invitation_accepted")
        response = newcomer.post(
            reverse("accounts:sign_in"), {"email": member.email, "password": password}
        )
        assert response["Location"] == reverse("accounts:two_factor_setup")
        # The invitation link is single-use.
        again = Client().get(link.group(1), follow=True)
        assert "This invitation does not work" in again.content.decode()

    def test_invite_form_reports_every_problem(
        self, org_admin_client: Client, organisation: Organisation, key_worker: User
    ) -> None:
        response = org_admin_client.post(
            reverse("accounts:staff_invite", args=[organisation.pk]),
            {"full_name": "", "email": "not-an-email", "roles": []},
        )
        html = response.content.decode()
        assert response.status_code == 200
        for message in (
            "Enter their full name",
            "Enter an email address in the correct format",
            "Select at least one role",
        ):
            assert message in html
        response = org_admin_client.post(
            reverse("accounts:staff_invite", args=[organisation.pk]),
            {"full_name": "Dup", "email": key_worker.email.upper(), "roles": [Role.KEY_WORKER]},
        )
        assert "already exists" in response.content.decode()
        assert User.objects.filter(full_name="Dup").count() == 0

    def test_org_admin_cannot_grant_system_admin(
        self, org_admin: User, organisation: Organisation
    ) -> None:
        with pytest.raises(PermissionDenied):
            services.invite_staff(
                actor=actor(org_admin),
                organisation=organisation,
                email="x@council.example",
                full_name="X",
                roles=[services.RoleChoice(role=Role.SYSTEM_ADMIN)],
                base_url="http://testserver/",
            )
        assert not User.objects.filter(email="x@council.example").exists()


class TestOwnOrganisationOnly:
    def test_other_organisations_staff_are_a_404_on_every_verb(
        self, org_admin_client: Client, other_organisation: Organisation
    ) -> None:
        """SEC-13: another organisation's member of staff is a 404, not a 403."""
        stranger = UserFactory(organisation=other_organisation)
        for name in ("staff_detail", "staff_roles", "staff_deactivate", "staff_reset_two_factor"):
            url = reverse(f"accounts:{name}", args=[stranger.pk])
            assert org_admin_client.get(url).status_code == 404, name
            assert (
                org_admin_client.post(url, {"reason": "x", "roles": ["key_worker"]}).status_code
                == 404
            ), name
        for name in ("staff_reactivate", "staff_resend_invitation"):
            assert (
                org_admin_client.post(reverse(f"accounts:{name}", args=[stranger.pk])).status_code
                == 404
            )
        for name in ("staff_list", "staff_invite", "organisation_detail", "team_create"):
            url = reverse(f"accounts:{name}", args=[other_organisation.pk])
            assert org_admin_client.get(url).status_code == 404, name
        stranger.refresh_from_db()
        assert stranger.is_active
        assert TOTPDevice.objects.filter(user=stranger).exists()

    def test_services_refuse_directly_too(
        self, org_admin: User, other_organisation: Organisation
    ) -> None:
        """SEC-18: the rule holds in the service, not only in the view."""
        stranger = UserFactory(organisation=other_organisation)
        with pytest.raises(Http404):
            services.deactivate_staff(actor=actor(org_admin), member=stranger, reason="x")
        with pytest.raises(Http404):
            services.reset_two_factor(actor=actor(org_admin), member=stranger)
        with pytest.raises(Http404):
            services.create_team(
                actor=actor(org_admin), organisation=other_organisation, name="Sneaky"
            )
        stranger.refresh_from_db()
        assert stranger.is_active

    def test_key_workers_cannot_manage_staff(
        self, key_worker_client: Client, organisation: Organisation
    ) -> None:
        response = key_worker_client.get(reverse("accounts:staff_list", args=[organisation.pk]))
        assert response.status_code == 403
        assert "You do not have access to this page" in response.content.decode()

    def test_staff_list_shows_own_staff_with_search_and_pagination(
        self, org_admin_client: Client, organisation: Organisation, other_organisation: Organisation
    ) -> None:
        for n in range(30):
            UserFactory(organisation=organisation, full_name=f"Colleague {n:02d}")
        UserFactory(organisation=other_organisation, full_name="Outsider Person")
        response = org_admin_client.get(reverse("accounts:staff_list", args=[organisation.pk]))
        html = response.content.decode()
        assert "Outsider Person" not in html
        assert "Showing 1 to 25 of 31" in html
        response = org_admin_client.get(
            reverse("accounts:staff_list", args=[organisation.pk]), {"q": "Colleague 07"}
        )
        html = response.content.decode()
        assert "Colleague 07" in html and "Colleague 08" not in html
        response = org_admin_client.get(
            reverse("accounts:staff_list", args=[organisation.pk]), {"q": "Nobody at all"}
        )
        assert "No staff match" in response.content.decode()


class TestAccountActions:
    def test_deactivate_needs_a_reason_and_can_be_undone(
        self, org_admin_client: Client, key_worker: User
    ) -> None:
        url = reverse("accounts:staff_deactivate", args=[key_worker.pk])
        response = org_admin_client.post(url, {"reason": ""})
        assert "Enter why this account is being deactivated" in response.content.decode()
        key_worker.refresh_from_db()
        assert key_worker.is_active
        response = org_admin_client.post(url, {"reason": "Left the council"})
        assert response.status_code == 302
        key_worker.refresh_from_db()
        assert not key_worker.is_active
        assert key_worker.deactivation_reason == "Left the council"
        org_admin_client.post(reverse("accounts:staff_reactivate", args=[key_worker.pk]))
        key_worker.refresh_from_db()
        assert key_worker.is_active

    def test_admins_cannot_deactivate_themselves(self, org_admin: User) -> None:
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError):
            services.deactivate_staff(actor=actor(org_admin), member=org_admin, reason="oops")

    def test_reset_two_factor_removes_authenticator_and_backup_codes(
        self, org_admin_client: Client, key_worker: User
    ) -> None:
        services.issue_backup_codes(user=key_worker)
        response = org_admin_client.post(
            reverse("accounts:staff_reset_two_factor", args=[key_worker.pk])
        )
        assert response.status_code == 302
        assert not TOTPDevice.objects.filter(user=key_worker).exists()
        assert not StaticDevice.objects.filter(user=key_worker).exists()

    def test_change_roles(self, org_admin_client: Client, key_worker: User) -> None:
        url = reverse("accounts:staff_roles", args=[key_worker.pk])
        assert 'value="key_worker" checked' in org_admin_client.get(url).content.decode()
        response = org_admin_client.post(
            url, {"roles": [Role.DATA_OFFICER, Role.PERFORMANCE_ANALYST]}
        )
        assert response.status_code == 302
        assert set(Membership.objects.filter(user=key_worker).values_list("role", flat=True)) == {
            Role.DATA_OFFICER,
            Role.PERFORMANCE_ANALYST,
        }

    def test_admins_cannot_remove_their_own_admin_role(
        self, org_admin_client: Client, org_admin: User
    ) -> None:
        response = org_admin_client.post(
            reverse("accounts:staff_roles", args=[org_admin.pk]), {"roles": [Role.KEY_WORKER]}
        )
        assert "You cannot remove your own admin role" in response.content.decode()
        assert org_admin.memberships.filter(role=Role.ORGANISATION_ADMIN).exists()


class TestOrganisations:
    def test_system_admin_adds_and_edits_organisations(self, system_admin_client: Client) -> None:
        response = system_admin_client.post(
            reverse("accounts:organisation_create"),
            {
                "name": "Northvale Credit Union",
                "organisation_type": "social_enterprise",
                "co_located": "on",
            },
        )
        assert response.status_code == 302
        organisation = Organisation.objects.get(name="Northvale Credit Union")
        assert organisation.co_located
        response = system_admin_client.post(
            reverse("accounts:organisation_create"),
            {"name": "northvale credit union", "organisation_type": "voluntary"},
        )
        assert "already exists" in response.content.decode()
        response = system_admin_client.post(
            reverse("accounts:organisation_edit", args=[organisation.pk]),
            {"name": "Northvale Credit Union Ltd", "organisation_type": "social_enterprise"},
        )
        organisation.refresh_from_db()
        assert organisation.name == "Northvale Credit Union Ltd"
        assert not organisation.co_located
        listing = system_admin_client.get(reverse("accounts:organisation_list")).content.decode()
        assert "Northvale Credit Union Ltd" in listing

    def test_organisation_form_errors(self, system_admin_client: Client) -> None:
        response = system_admin_client.post(reverse("accounts:organisation_create"), {"name": ""})
        html = response.content.decode()
        assert "Enter the organisation&#x27;s name" in html
        assert "Select the type of organisation" in html

    def test_org_admins_cannot_add_organisations(
        self, org_admin_client: Client, org_admin: User
    ) -> None:
        assert org_admin_client.get(reverse("accounts:organisation_create")).status_code == 403
        with pytest.raises(PermissionDenied):
            services.create_organisation(
                actor=actor(org_admin), name="Rogue", organisation_type="private", co_located=False
            )
        assert not Organisation.objects.filter(name="Rogue").exists()

    def test_org_admin_adds_a_team_to_their_own_organisation(
        self, org_admin_client: Client, organisation: Organisation
    ) -> None:
        url = reverse("accounts:team_create", args=[organisation.pk])
        assert org_admin_client.post(url, {"name": "Family Support"}).status_code == 302
        response = org_admin_client.post(url, {"name": "family support"})
        assert "already has a team with this name" in response.content.decode()
        assert organisation.teams.count() == 1


class TestDjangoAdmin:
    def test_django_admin_is_for_system_admins_only(
        self, system_admin_client: Client, org_admin_client: Client
    ) -> None:
        assert system_admin_client.get("/admin/").status_code == 200
        assert system_admin_client.get("/admin/accounts/user/").status_code == 200
        assert org_admin_client.get("/admin/").status_code == 403
        assert org_admin_client.get("/admin/accounts/user/").status_code == 403

    def test_admin_login_page_is_not_a_way_round_two_factor(self, client: Client) -> None:
        response = client.get("/admin/login/")
        assert response.status_code == 302
        assert response["Location"].startswith("/sign-in/")


class TestSystemAdminsAreProtected:
    def test_org_admin_cannot_act_on_a_system_admin_in_their_organisation(
        self, org_admin: User, org_admin_client: Client, system_admin: User
    ) -> None:
        for name in ("staff_roles", "staff_deactivate", "staff_reset_two_factor"):
            url = reverse(f"accounts:{name}", args=[system_admin.pk])
            assert org_admin_client.get(url).status_code == 404, name
            assert (
                org_admin_client.post(url, {"reason": "x", "roles": ["key_worker"]}).status_code
                == 404
            )
        assert (
            org_admin_client.post(
                reverse("accounts:staff_reactivate", args=[system_admin.pk])
            ).status_code
            == 404
        )
        with pytest.raises(Http404):
            services.reset_two_factor(actor=actor(org_admin), member=system_admin)
        with pytest.raises(Http404):
            services.set_staff_roles(
                actor=actor(org_admin),
                member=system_admin,
                roles=[services.RoleChoice(role=Role.KEY_WORKER)],
            )
        system_admin.refresh_from_db()
        assert system_admin.is_active
        assert system_admin.is_system_admin
        assert TOTPDevice.objects.filter(user=system_admin).exists()
        # They can still see the colleague, without the actions.
        page = org_admin_client.get(reverse("accounts:staff_detail", args=[system_admin.pk]))
        assert page.status_code == 200
        assert "Reset two-factor" not in page.content.decode()

    def test_org_admin_cannot_make_someone_a_system_admin(
        self, org_admin: User, key_worker: User
    ) -> None:
        with pytest.raises(PermissionDenied):
            services.set_staff_roles(
                actor=actor(org_admin),
                member=key_worker,
                roles=[services.RoleChoice(role=Role.SYSTEM_ADMIN)],
            )
        assert not key_worker.memberships.filter(role=Role.SYSTEM_ADMIN).exists()

    def test_a_team_from_another_organisation_is_refused(
        self, org_admin: User, key_worker: User, other_organisation: Organisation
    ) -> None:
        from django.core.exceptions import ValidationError

        foreign_team = TeamFactory(organisation=other_organisation)
        with pytest.raises(ValidationError):
            services.set_staff_roles(
                actor=actor(org_admin),
                member=key_worker,
                roles=[services.RoleChoice(role=Role.KEY_WORKER, team=foreign_team)],
            )
        membership = Membership(user=key_worker, role=Role.TEAM_MANAGER, team=foreign_team)
        with pytest.raises(ValidationError):
            membership.full_clean()
        assert not Membership.objects.filter(team=foreign_team).exists()

    def test_roles_granted_at_invitation_record_who_granted_them(
        self, org_admin: User, organisation: Organisation
    ) -> None:
        member = services.invite_staff(
            actor=actor(org_admin),
            organisation=organisation,
            email="new.starter@council.example",
            full_name="New Starter",
            roles=[services.RoleChoice(role=Role.KEY_WORKER)],
            base_url="http://testserver/",
        )
        assert member.memberships.get().created_by == org_admin


class TestInvitationLinks:
    def _link(self) -> str:
        match = re.search(r"https?://[^/]+(/invitation/\S+/)", mail.outbox[-1].body)
        assert match
        return match.group(1)

    def test_resending_revokes_the_earlier_link(
        self, org_admin: User, organisation: Organisation
    ) -> None:
        member = services.invite_staff(
            actor=actor(org_admin),
            organisation=organisation,
            email="resend@council.example",
            full_name="Re Send",
            roles=[services.RoleChoice(role=Role.KEY_WORKER)],
            base_url="http://testserver/",
        )
        services._send_invitation(user=member, inviter=org_admin, base_url="http://testserver/")
        first = self._link()
        services.resend_invitation(
            actor=actor(org_admin), member=member, base_url="http://testserver/"
        )
        second = self._link()
        assert first != second
        assert "This invitation does not work" in Client().get(first, follow=True).content.decode()
        assert "Create your password" in Client().get(second, follow=True).content.decode()

    def test_a_deactivated_invitee_cannot_accept(
        self, org_admin: User, organisation: Organisation
    ) -> None:
        member = services.invite_staff(
            actor=actor(org_admin),
            organisation=organisation,
            email="gone@council.example",
            full_name="Gone Before",
            roles=[services.RoleChoice(role=Role.KEY_WORKER)],
            base_url="http://testserver/",
        )
        services._send_invitation(user=member, inviter=org_admin, base_url="http://testserver/")
        services.deactivate_staff(actor=actor(org_admin), member=member, reason="Offer withdrawn")
        response = Client().get(self._link(), follow=True)
        assert "This invitation does not work" in response.content.decode()


class TestAdminSiteGoesThroughOurPages:
    def test_admin_logout_and_password_change_redirect(self, system_admin_client: Client) -> None:
        response = system_admin_client.get("/admin/password_change/")
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:change_password")
        response = system_admin_client.post("/admin/logout/")
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:sign_out")

    def test_admin_cannot_switch_accounts_on_or_off(
        self, system_admin_client: Client, key_worker: User
    ) -> None:
        page = system_admin_client.get(
            f"/admin/accounts/user/{key_worker.pk}/change/"
        ).content.decode()
        assert 'name="is_active"' not in page
