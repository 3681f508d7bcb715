"""Build the Northvale demo partnership into an empty database."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from joinedup.demo.builder import DemoAlreadyBuiltError, build_demo
from joinedup.demo.partnership import DEMO_PASSWORD, DOMAIN, NAMED_ACCOUNTS, account_email


class Command(BaseCommand):
    help = (
        "Build the fictional Northvale partnership (partners, teams, ~40 staff in every role, "
        "people in households) into an empty database. Deterministic for a given --seed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--people", type=int, default=2000, help="How many residents (default 2,000)."
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument(
            "--quiet-accounts", action="store_true", help="Do not list the demo sign-ins."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.JOINEDUP_DEMO_MODE:
            raise CommandError(
                "seed_demo only runs where DEMO_MODE is on: it creates accounts with a published "
                "password. (make demo sets it.)"
            )
        if options["people"] < 0:
            raise CommandError("--people must be 0 or more.")
        started = time.monotonic()
        try:
            summary = build_demo(seed=options["seed"], people=options["people"])
        except DemoAlreadyBuiltError as exc:
            raise CommandError(
                f"{exc} Use an empty database (make demo builds a fresh one)."
            ) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Built Northvale in {time.monotonic() - started:.1f}s: {summary.organisations} "
                f"organisations, {summary.staff} staff, {summary.people} people in "
                f"{summary.households} households."
            )
        )
        if summary.matching is not None:
            self.stdout.write(summary.matching.describe())
        if not options["quiet_accounts"]:
            self.stdout.write(
                f"\nDemo sign-ins (password for all: '{DEMO_PASSWORD}'; domain {DOMAIN}):"
            )
            for account in NAMED_ACCOUNTS:
                roles = ", ".join(r.replace("_", " ") for r in account.roles)
                self.stdout.write(
                    f"  {account_email(account.email_local, account.partner):45} {roles}"
                )
