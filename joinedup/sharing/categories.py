"""The information categories JoinedUp ships with (editable by information governance once
installed). Code constants are used where data is tagged; names live in the database."""

from __future__ import annotations

from typing import NamedTuple

IDENTITY = "identity_contact"
WORK_SKILLS = "work_skills"
MONEY_DEBT = "money_debt"
HOUSING = "housing"
PHYSICAL_HEALTH = "physical_health"
MENTAL_HEALTH = "mental_health"
DRUGS_ALCOHOL = "drugs_alcohol"
OFFENDING = "offending"
FAMILY = "family_relationships"
SAFEGUARDING = "safeguarding"
EQUALITY = "equality"


class DefaultCategory(NamedTuple):
    code: str
    name: str
    description: str
    special_category: bool


DEFAULT_CATEGORIES: tuple[DefaultCategory, ...] = (
    DefaultCategory(
        IDENTITY,
        "Identity and contact",
        "Names, date of birth, address, contact details, identifiers, language and communication needs.",
        False,
    ),
    DefaultCategory(
        WORK_SKILLS,
        "Work and skills",
        "Employment history, benefits relating to work, qualifications, training, job search.",
        False,
    ),
    DefaultCategory(
        MONEY_DEBT,
        "Money and debt",
        "Income, benefits, debts, arrears, budgeting and financial support.",
        False,
    ),
    DefaultCategory(
        HOUSING,
        "Housing",
        "Tenancy, housing situation, homelessness, rent arrears and housing support.",
        False,
    ),
    DefaultCategory(
        PHYSICAL_HEALTH,
        "Physical health",
        "Physical health conditions, disability and treatment.",
        True,
    ),
    DefaultCategory(
        MENTAL_HEALTH,
        "Mental health and wellbeing",
        "Mental health, wellbeing, therapy and support.",
        True,
    ),
    DefaultCategory(
        DRUGS_ALCOHOL, "Drugs and alcohol", "Drug and alcohol use, treatment and recovery.", True
    ),
    DefaultCategory(
        OFFENDING,
        "Offending",
        "Offences, convictions, orders, licence and probation supervision.",
        True,
    ),
    DefaultCategory(
        FAMILY,
        "Family and relationships",
        "Household, family members, relationships and caring responsibilities.",
        False,
    ),
    DefaultCategory(
        SAFEGUARDING,
        "Safeguarding",
        "Safeguarding concerns about the person or people around them, and risks to staff.",
        True,
    ),
    DefaultCategory(
        EQUALITY,
        "Equality monitoring",
        "Ethnicity, disability, religion and sexual orientation, given voluntarily for monitoring.",
        True,
    ),
)
