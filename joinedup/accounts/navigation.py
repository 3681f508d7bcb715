"""The service navigation, by role. Each entry names a URL and the roles that see it (an empty
set means every signed-in member of staff). Later apps add their entries here."""

from __future__ import annotations

from dataclasses import dataclass

from .roles import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str] = frozenset()
    #: URL name prefixes that mark this item as the current section.
    section: tuple[str, ...] = ()


NAVIGATION: tuple[NavItem, ...] = (
    NavItem("Home", "core:home", section=("core:home",)),
    NavItem(
        "People",
        "people:search",
        frozenset(
            {
                Role.KEY_WORKER,
                Role.PARTNER_PRACTITIONER,
                Role.TEAM_MANAGER,
                Role.INFORMATION_GOVERNANCE,
                Role.DATA_OFFICER,
            }
        ),
        section=(
            "people:",
            "assessments:",
            "sharing:record_consent",
            "sharing:request",
            "sharing:break_glass",
        ),
    ),
    NavItem(
        "My work",
        "cases:my_work",
        frozenset({Role.KEY_WORKER, Role.PARTNER_PRACTITIONER, Role.TEAM_MANAGER}),
        section=("cases:my_work", "cases:action"),
    ),
    NavItem(
        "Cases",
        "cases:caseload",
        frozenset({Role.KEY_WORKER, Role.PARTNER_PRACTITIONER, Role.TEAM_MANAGER}),
        section=(
            "cases:caseload",
            "cases:detail",
            "cases:status",
            "cases:transfer",
            "cases:add",
            "cases:team",
            "cases:open",
        ),
    ),
    NavItem(
        "Referrals",
        "referrals:inbox",
        frozenset({Role.KEY_WORKER, Role.PARTNER_PRACTITIONER, Role.TEAM_MANAGER}),
        section=("referrals:",),
    ),
    NavItem("Service directory", "directory:search", section=("directory:",)),
    NavItem(
        "Data matching",
        "matching:home",
        frozenset({Role.DATA_OFFICER, Role.PERFORMANCE_ANALYST}),
        section=("matching:",),
    ),
    NavItem(
        "Performance",
        "performance:dashboard",
        section=("performance:",),
    ),
    NavItem(
        "Information governance",
        "sharing:review_queue",
        frozenset({Role.INFORMATION_GOVERNANCE}),
        section=("sharing:review", "sharing:decide", "sharing:agreement", "sharing:category"),
    ),
    NavItem(
        "Staff",
        "accounts:my_staff",
        frozenset({Role.ORGANISATION_ADMIN, Role.SYSTEM_ADMIN}),
        section=("accounts:staff", "accounts:my_staff", "accounts:team"),
    ),
    NavItem(
        "Organisations",
        "accounts:organisation_list",
        frozenset({Role.SYSTEM_ADMIN}),
        section=("accounts:organisation",),
    ),
)
