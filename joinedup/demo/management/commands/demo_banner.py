"""Print how to use the running demo: the address, the sign-ins and how to pass two-factor; and
write the agencies' extracts for the data matching walkthrough into var/demo-extracts/."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from joinedup.accounts.models import User
from joinedup.demo.matching import DATA_OFFICER, DemoExtractsError, write_extract_files
from joinedup.demo.partnership import DEMO_PASSWORD, NAMED_ACCOUNTS, account_email
from joinedup.people.models import Person


class Command(BaseCommand):
    help = "Print the demo's address, sign-ins and how to pass two-factor."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args: Any, **options: Any) -> None:
        rule = "=" * 78
        out = self.stdout.write
        out(rule)
        out(
            f"JoinedUp demo: the Northvale partnership ({User.objects.count()} staff, "
            f"{Person.objects.count()} residents)"
        )
        out(f"Open {options['url']}")
        out("")
        out(f"Sign in with any of these; the password for all is: {DEMO_PASSWORD}")
        for account in NAMED_ACCOUNTS:
            roles = ", ".join(r.replace("_", " ") for r in account.roles)
            out(
                f"  {account_email(account.email_local, account.partner):42} {account.full_name} ({roles})"
            )
        out("")
        out("To see one person through different partners' eyes, find Jordan Ellis (People):")
        out("  the council holds the record and sees it all; Citizens Advice (debtadviser@) has")
        out("  consent for identity, money and family (it sees the household); the recovery")
        out("  service (recovery@) for identity and drugs and alcohol (no household); Jobcentre")
        out("  Plus (workcoach@) has no basis, so sees the restricted view and can ask for access.")
        out("")
        try:
            written = write_extract_files()
        except DemoExtractsError as exc:
            out(f"Data matching: {exc}")
        else:
            out(f"Data matching: sign in as {DATA_OFFICER} and load the police, health and")
            out(f"  jobcentre extracts from {written.folder} (README.txt there says how).")
        out("")
        out("Two-factor: every demo account already has an authenticator. To get the current")
        out("6-digit code (and the key to add the account to a real authenticator app), run")
        out("in another terminal:")
        out("  make demo-code EMAIL=keyworker@council.northvale.example")
        out(rule)
