"""The need areas JoinedUp works with: the shared vocabulary for what someone needs help with.

The directory tags each partner service with the need areas it helps with; triage
(assessments) records the areas a person needs help in, and referrals say which need a
referral is for. All of them import ``NeedArea`` from here, so the codes are stored the same
way everywhere. Codes are stable identifiers (stored in the database and in ORUK exports);
labels are plain English and may be reworded.
"""

from __future__ import annotations

from django.db import models


class NeedArea(models.TextChoices):
    WORK_SKILLS = "work_skills", "Work, skills and training"
    MONEY_DEBT = "money_debt", "Money, benefits and debt"
    HOUSING = "housing", "Housing"
    PHYSICAL_HEALTH = "physical_health", "Physical health and disability"
    MENTAL_WELLBEING = "mental_wellbeing", "Mental health and wellbeing"
    DRUGS_ALCOHOL = "drugs_alcohol", "Drugs and alcohol"
    OFFENDING = "offending", "Offending"
    FAMILY_RELATIONSHIPS = "family_relationships", "Family and relationships"
    CONFIDENCE_MOTIVATION = "confidence_motivation", "Confidence and motivation"
    BASIC_DIGITAL_SKILLS = "basic_digital_skills", "English, maths and digital skills"
    PRACTICAL_BARRIERS = "practical_barriers", "Practical barriers (transport, childcare, ID)"


#: One line on what each need area covers, shown as hint text where need areas are chosen.
NEED_AREA_HELP: dict[str, str] = {
    NeedArea.WORK_SKILLS: "Job search, CVs, work experience, vocational training, staying in work.",
    NeedArea.MONEY_DEBT: "Benefit checks, budgeting, debt advice, affordable credit, income.",
    NeedArea.HOUSING: "Homelessness, tenancy support, rent arrears, finding somewhere to live.",
    NeedArea.PHYSICAL_HEALTH: "Health conditions, disability, fitness for work, treatment.",
    NeedArea.MENTAL_WELLBEING: "Anxiety, depression, stress, talking therapies, wellbeing.",
    NeedArea.DRUGS_ALCOHOL: "Drug and alcohol use, treatment and recovery.",
    NeedArea.OFFENDING: "Probation, licence conditions, convictions and disclosure.",
    NeedArea.FAMILY_RELATIONSHIPS: "Parenting, caring, relationships, domestic abuse support.",
    NeedArea.CONFIDENCE_MOTIVATION: "Self-esteem, first steps, volunteering, peer support.",
    NeedArea.BASIC_DIGITAL_SKILLS: "Reading, writing, English language, maths, getting online.",
    NeedArea.PRACTICAL_BARRIERS: "Travel to work, childcare, ID documents, clothing, equipment.",
}


def is_need_area(code: str) -> bool:
    """Whether ``code`` is one of the need area codes."""
    return code in NeedArea.values
