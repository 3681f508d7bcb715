"""The roles a member of staff can hold. A role is held within the user's own organisation,
optionally for one team."""

from django.db import models


class Role(models.TextChoices):
    KEY_WORKER = "key_worker", "Key worker"
    PARTNER_PRACTITIONER = "partner_practitioner", "Partner practitioner"
    TEAM_MANAGER = "team_manager", "Team manager"
    PERFORMANCE_ANALYST = "performance_analyst", "Performance analyst"
    DATA_OFFICER = "data_officer", "Data and insight officer"
    INFORMATION_GOVERNANCE = "information_governance", "Information governance officer"
    ORGANISATION_ADMIN = "organisation_admin", "Organisation admin"
    SYSTEM_ADMIN = "system_admin", "System admin"


ROLE_HELP = {
    Role.KEY_WORKER: "Holds a caseload: triage, plans, notes and outcomes for the people they support.",
    Role.PARTNER_PRACTITIONER: "Answers referrals and records their organisation's part in a plan.",
    Role.TEAM_MANAGER: "Oversees a team's caseloads, allocation and overdue work.",
    Role.PERFORMANCE_ANALYST: "Works with indicators, performance measures and the dashboard.",
    Role.DATA_OFFICER: "Imports agency extracts and reviews record matching.",
    Role.INFORMATION_GOVERNANCE: "Sharing agreements, lawful bases, audit and break-glass review.",
    Role.ORGANISATION_ADMIN: "Manages their own organisation's staff and teams.",
    Role.SYSTEM_ADMIN: "Manages the partnership's organisations and the system itself.",
}
