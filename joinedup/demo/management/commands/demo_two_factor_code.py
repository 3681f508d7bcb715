"""Show the current two-factor code of a demo account (only where DEMO_MODE is on)."""

from __future__ import annotations

import time
from base64 import b32encode
from binascii import unhexlify
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = (
        "Print the current 6-digit code for a demo account's authenticator, and its key for "
        "adding to a real authenticator app. Refuses unless DEMO_MODE is on."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The demo account's e-mail address.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.JOINEDUP_DEMO_MODE:
            raise CommandError("This only works on the demo (DEMO_MODE is off).")
        device = (
            TOTPDevice.objects.filter(user__email=options["email"].strip().lower(), confirmed=True)
            .order_by("id")
            .first()
        )
        if device is None:
            raise CommandError(
                f"No demo account with two-factor has the address {options['email']}."
            )
        key = unhexlify(device.key)
        code = totp(key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
        remaining = device.step - int(time.time() - device.t0) % device.step
        self.stdout.write(f"{code:0{device.digits}d}")
        self.stderr.write(
            f"(valid for {remaining}s; authenticator app key: {b32encode(key).decode().rstrip('=')})"
        )
