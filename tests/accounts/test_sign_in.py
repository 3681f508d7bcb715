"""Signing in: password, two-factor, lockout, password reset (SEC-01 to SEC-05, SEC-07)."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from joinedup.accounts.models import User
from joinedup.accounts.roles import Role

from ..factories import PASSWORD, UserFactory
from ..helpers import current_code, sign_in_fully, sign_in_with_password, totp_device

pytestmark = pytest.mark.django_db


class TestPasswordRules:
    @pytest.mark.parametrize(
        "password",
        [
            "short pass",  # under 12 characters
            "password1234",  # common
            "aaaaaaaaaaaaaaaa",  # one character repeated
            "abababababababab",  # two characters repeated
            "123456789012",  # number run
            "qwertyuiop12",  # keyboard run with digits
            "abcdefghijklmnop",
            "x" * 257,  # over the maximum
        ],
    )
    def test_weak_or_absurd_passwords_are_refused(self, password: str) -> None:
        """SEC-01: at least 12 characters; common and breached-looking passwords refused."""
        with pytest.raises(ValidationError):
            validate_password(password)

    @pytest.mark.parametrize(
        "password",
        [
            "harbour lantern orbit",  # plain words, no composition rules
            "correct horse battery staple",
            "the quick brown fox jumps over the lazy dog near the old mill by the river Vale",  # 64+
        ],
    )
    def test_long_passphrases_without_composition_rules_are_accepted(self, password: str) -> None:
        """SEC-01: long passphrases allowed (64+), no composition rules."""
        validate_password(password)

    def test_the_user_details_are_not_a_password(self) -> None:
        """SEC-01: a password like the user's own e-mail is refused."""
        user = UserFactory.build(email="kirsty.walker.northvale@partner.example")
        with pytest.raises(ValidationError):
            validate_password("kirsty.walker.northvale", user)

    def test_no_forced_expiry_setting_exists(self, settings) -> None:  # type: ignore[no-untyped-def]
        """SEC-01: no forced expiry: nothing in the settings ages passwords out."""
        assert not [name for name in dir(settings) if "PASSWORD_EXPIR" in name.upper()]


class TestTwoFactorSignIn:
    def test_password_then_code_reaches_home_with_a_new_session_key_each_step(
        self, key_worker: User
    ) -> None:
        """SEC-02, SEC-07: two-factor is required, and the session key changes at sign-in and
        again at two-factor verification."""
        client = Client()
        client.get(reverse("accounts:sign_in"))
        anonymous_key = client.session.session_key
        response = sign_in_with_password(client, key_worker)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:two_factor"))
        password_key = client.session.session_key
        assert password_key != anonymous_key

        # Not yet verified: the home page sends the user back to two-factor.
        response = client.get(reverse("core:home"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:two_factor"))

        response = client.post(
            reverse("accounts:two_factor"), {"code": current_code(totp_device(key_worker))}
        )
        assert response.status_code == 302
        assert client.session.session_key != password_key
        response = client.get(reverse("core:home"))
        assert response.status_code == 200
        assert "Welcome, Kirsty" in response.content.decode()

    def test_a_code_works_only_once(self, key_worker: User) -> None:
        """SEC-03: a TOTP code is single-use."""
        device = totp_device(key_worker)
        with time_machine.travel("2026-11-02 10:00:05", tick=False):
            code = current_code(device)
            first = Client()
            sign_in_with_password(first, key_worker)
            assert first.post(reverse("accounts:two_factor"), {"code": code}).status_code == 302

            second = Client()
            sign_in_with_password(second, key_worker)
            response = second.post(reverse("accounts:two_factor"), {"code": code})
        assert response.status_code == 200
        assert "has been used already" in response.content.decode()
        assert second.get(reverse("core:home")).status_code == 302

    def test_wrong_codes_are_throttled(self, key_worker: User) -> None:
        """SEC-03: after a wrong code the next try must wait, even if it is right."""
        device = totp_device(key_worker)
        client = Client()
        with time_machine.travel("2026-11-02 10:00:05", tick=False) as traveller:
            sign_in_with_password(client, key_worker)
            client.post(reverse("accounts:two_factor"), {"code": "000000"})
            response = client.post(reverse("accounts:two_factor"), {"code": current_code(device)})
            assert "too many wrong codes" in response.content.decode()
            assert client.get(reverse("core:home")).status_code == 302
            traveller.shift(3)
            response = client.post(reverse("accounts:two_factor"), {"code": current_code(device)})
            assert response.status_code == 302
            assert client.get(reverse("core:home")).status_code == 200

    def test_a_backup_code_signs_in_once(self, key_worker: User) -> None:
        """SEC-02: single-use backup codes."""
        from joinedup.accounts.services import issue_backup_codes

        codes = issue_backup_codes(user=key_worker)
        client = Client()
        sign_in_with_password(client, key_worker)
        response = client.post(reverse("accounts:two_factor"), {"code": codes[0]})
        assert response.status_code == 302
        assert StaticToken.objects.filter(device__user=key_worker).count() == len(codes) - 1

        again = Client()
        sign_in_with_password(again, key_worker)
        response = again.post(reverse("accounts:two_factor"), {"code": codes[0]})
        assert response.status_code == 200

    def test_first_sign_in_sets_up_the_authenticator_and_shows_backup_codes(
        self, organisation
    ) -> None:  # type: ignore[no-untyped-def]
        """SEC-02: set-up flow with a QR code rendered on the server, then backup codes."""
        user = UserFactory(organisation=organisation, two_factor=False)
        client = Client()
        response = sign_in_with_password(client, user)
        assert response["Location"] == reverse("accounts:two_factor_setup")
        page = client.get(reverse("accounts:two_factor_setup"))
        html = page.content.decode()
        assert "<svg" in html  # the QR code is drawn by the server, no script or remote image
        assert client.get(reverse("core:home")).status_code == 302

        device = TOTPDevice.objects.get(user=user, confirmed=False)
        response = client.post(reverse("accounts:two_factor_setup"), {"code": "123"})
        assert "Enter the 6-digit code" in response.content.decode()
        response = client.post(reverse("accounts:two_factor_setup"), {"code": current_code(device)})
        assert response.status_code == 200
        codes = re.findall(r"<li>([a-z0-9]{10})</li>", response.content.decode())
        assert len(codes) == 10
        assert client.get(reverse("core:home")).status_code == 200
        device.refresh_from_db()
        assert device.confirmed


class TestLockout:
    def test_ten_failures_lock_the_account_even_with_the_right_password(
        self, key_worker: User
    ) -> None:
        """SEC-04: at most 10 failed sign-ins per 5 minutes, then lockout."""
        client = Client()
        for _ in range(10):
            response = sign_in_with_password(client, key_worker, "not the password at all")
        response = sign_in_with_password(client, key_worker)
        assert response.status_code == 429
        assert "Too many attempts" in response.content.decode()

    def test_lockout_ends_after_the_cool_off(self, key_worker: User) -> None:
        """SEC-04: the lockout lasts the cool-off period (5 minutes)."""
        with time_machine.travel("2026-11-02 10:00:00", tick=False) as traveller:
            client = Client()
            for _ in range(10):
                sign_in_with_password(client, key_worker, "not the password at all")
            assert sign_in_with_password(client, key_worker).status_code == 429
            traveller.shift(6 * 60)
            assert sign_in_with_password(client, key_worker).status_code == 302

    def test_unknown_address_gets_the_same_answer_as_a_known_one(self, key_worker: User) -> None:
        """SEC-04: the answer for an unknown username looks the same as for a known one."""
        known = Client().post(
            reverse("accounts:sign_in"),
            {"email": key_worker.email, "password": "wrong wrong wrong"},
        )
        unknown = Client().post(
            reverse("accounts:sign_in"),
            {"email": "nobody-here@partner.example", "password": "wrong wrong wrong"},
        )
        assert known.status_code == unknown.status_code == 200

        def body(response):  # type: ignore[no-untyped-def]
            html = response.content.decode()
            html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
            return html.replace(key_worker.email, "EMAIL").replace(
                "nobody-here@partner.example", "EMAIL"
            )

        assert body(known) == body(unknown)

    def test_unknown_addresses_are_locked_out_too(self) -> None:
        """SEC-04: guessing at addresses that do not exist is counted the same way."""
        client = Client()
        for _ in range(10):
            sign_in_with_password(
                client, UserFactory.build(email="ghost@partner.example"), "x" * 12
            )
        response = client.post(
            reverse("accounts:sign_in"), {"email": "ghost@partner.example", "password": "y" * 12}
        )
        assert response.status_code == 429

    def test_a_forged_forwarded_for_header_does_not_reset_the_count(self, key_worker: User) -> None:
        """SEC-04: a forged X-Forwarded-For does not reset the counter."""
        for attempt in range(10):
            Client(HTTP_X_FORWARDED_FOR=f"10.0.0.{attempt}").post(
                reverse("accounts:sign_in"),
                {"email": key_worker.email, "password": "not the password at all"},
            )
        response = Client(HTTP_X_FORWARDED_FOR="10.9.9.9").post(
            reverse("accounts:sign_in"), {"email": "another@partner.example", "password": PASSWORD}
        )
        # Same address (REMOTE_ADDR): locked out whatever the header says.
        assert response.status_code == 429


class TestPasswordReset:
    def _reset_link(self) -> str:
        body = mail.outbox[-1].body
        match = re.search(r"https?://[^/]+(/password-reset/[^/\s]+/[^/\s]+/)", body)
        assert match, body
        return match.group(1)

    def test_reset_does_not_skip_two_factor_and_the_link_is_single_use(
        self, key_worker: User
    ) -> None:
        """SEC-05: password reset does not skip two-factor; links are single-use."""
        client = Client()
        client.post(reverse("accounts:password_reset"), {"email": key_worker.email})
        assert len(mail.outbox) == 1
        link = self._reset_link()
        response = client.get(link, follow=True)
        set_url = response.redirect_chain[-1][0]
        new_password = "lantern harbour quietly"
        response = client.post(
            set_url, {"new_password1": new_password, "new_password2": new_password}
        )
        assert response.status_code == 302
        # Not signed in by the reset: the home page asks for sign-in.
        response = client.get(reverse("core:home"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:sign_in"))
        # Signing in with the new password still needs the code.
        response = sign_in_with_password(client, key_worker, new_password)
        assert response["Location"].startswith(reverse("accounts:two_factor"))
        assert client.get(reverse("core:home")).status_code == 302
        # The link does not work twice.
        response = Client().get(link, follow=True)
        assert "This link does not work" in response.content.decode()

    def test_reset_links_expire(self, key_worker: User) -> None:
        """SEC-05: reset links expire (one hour by default)."""
        with time_machine.travel("2026-11-02 09:00:00", tick=False) as traveller:
            Client().post(reverse("accounts:password_reset"), {"email": key_worker.email})
            link = self._reset_link()
            traveller.shift(61 * 60)
            response = Client().get(link, follow=True)
        assert "This link does not work" in response.content.decode()

    def test_unknown_address_gets_the_same_page_and_no_email(self) -> None:
        """SEC-05/SEC-04: asking for a reset does not reveal whether an account exists."""
        response = Client().post(
            reverse("accounts:password_reset"), {"email": "nobody@partner.example"}
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:password_reset_done")
        assert mail.outbox == []


def test_sign_in_form_errors_use_the_govuk_error_summary(db) -> None:  # type: ignore[no-untyped-def]
    response = Client().post(reverse("accounts:sign_in"), {"email": "", "password": ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html
    assert 'href="#id_email">Enter your email address' in html
    assert "<title>Error: Sign in" in html


def test_deactivated_staff_cannot_sign_in(key_worker: User) -> None:
    key_worker.is_active = False
    key_worker.save()
    response = sign_in_with_password(Client(), key_worker)
    assert response.status_code == 200
    assert "Enter a correct email address and password" in response.content.decode()


def test_full_sign_in_through_the_pages(org_admin: User) -> None:
    client = Client()
    sign_in_fully(client, org_admin)
    assert client.get(reverse("accounts:my_staff")).status_code == 302
    assert Role.ORGANISATION_ADMIN in org_admin.role_names


class TestLockoutIsPerUsernameAndPerAddress:
    def test_failures_from_many_addresses_still_lock_the_username(
        self, key_worker: User, settings
    ) -> None:  # type: ignore[no-untyped-def]
        """SEC-04: counted per username, so spreading guesses over addresses does not help."""
        settings.JOINEDUP_TRUSTED_PROXY_COUNT = 1  # behind our proxy, addresses really differ
        for attempt in range(10):
            Client(HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}").post(
                reverse("accounts:sign_in"),
                {"email": key_worker.email, "password": "not the password at all"},
            )
        response = Client(HTTP_X_FORWARDED_FOR="198.51.100.200").post(
            reverse("accounts:sign_in"), {"email": key_worker.email, "password": PASSWORD}
        )
        assert response.status_code == 429

    def test_changing_the_case_of_the_address_does_not_reset_the_count(
        self, key_worker: User, settings
    ) -> None:  # type: ignore[no-untyped-def]
        """SEC-04: 'Victim@…' and 'vICTIM@…' are the same username to the lockout."""
        settings.JOINEDUP_TRUSTED_PROXY_COUNT = 1
        local, domain = key_worker.email.split("@")
        for attempt in range(10):
            variant = "".join(ch.upper() if (i + attempt) % 2 else ch for i, ch in enumerate(local))
            Client(HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}").post(
                reverse("accounts:sign_in"),
                {"email": f"{variant}@{domain}", "password": "not the password at all"},
            )
        response = Client(HTTP_X_FORWARDED_FOR="198.51.100.201").post(
            reverse("accounts:sign_in"), {"email": key_worker.email, "password": PASSWORD}
        )
        assert response.status_code == 429

    def test_another_users_success_does_not_wipe_the_failures(
        self, key_worker: User, organisation
    ) -> None:  # type: ignore[no-untyped-def]
        """SEC-04: an attacker signing in to their own account between guesses gains nothing."""
        attacker = UserFactory(organisation=organisation)
        client = Client()
        for _ in range(3):
            for _ in range(3):
                sign_in_with_password(client, key_worker, "not the password at all")
            assert sign_in_with_password(Client(), attacker).status_code == 302
        sign_in_with_password(client, key_worker, "not the password at all")
        # 10 failures against the victim in all: locked, whatever happened in between.
        assert sign_in_with_password(Client(), key_worker).status_code == 429
