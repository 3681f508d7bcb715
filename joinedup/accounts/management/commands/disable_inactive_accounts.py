"""SEC-06: disable staff accounts not used for ACCOUNT_INACTIVITY_DAYS (default 90).

Run it daily from the scheduler (see docs/operations.md), e.g. cron:
    15 2 * * *  cd /srv/joinedup && .venv/bin/python manage.py disable_inactive_accounts
"""

from typing import Any

from django.core.management.base import BaseCommand

from joinedup.accounts.services import disable_inactive_accounts
from joinedup.core.actor import Actor


class Command(BaseCommand):
    help = "Disable staff accounts that have not been used for ACCOUNT_INACTIVITY_DAYS days."

    def handle(self, *args: Any, **options: Any) -> None:
        disabled = disable_inactive_accounts(
            actor=Actor.system(process="disable_inactive_accounts")
        )
        for user in disabled:
            self.stdout.write(f"Disabled {user.email}")
        self.stdout.write(self.style.SUCCESS(f"{len(disabled)} inactive account(s) disabled."))
