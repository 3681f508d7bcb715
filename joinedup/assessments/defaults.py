"""What JoinedUp ships with: the default "Holistic assessment" scale, the default complexity
rules and the motivator vocabulary. Used by the data migration that installs them and by the
tests; a partnership changes the installed copies (Django admin), never this module.

The scale's wording is our own, written for JoinedUp in plain English. It is deliberately not
taken from any licensed assessment tool. Every area is scored from 1 (most help needed) to 10
(no help needed) in five stages of two scores each.
"""

from __future__ import annotations

from typing import NamedTuple

from django.db import models

from joinedup.directory.needs import NeedArea
from joinedup.sharing import categories as cat

from .rag import AMBER, RuleValues


class DefaultStage(NamedTuple):
    lowest_score: int
    highest_score: int
    label: str
    guidance: str


class DefaultArea(NamedTuple):
    code: str
    name: str
    need_area: str
    #: The information category that decides who may see the area's score (rule 4).
    category: str
    #: The question the assessor keeps in mind.
    description: str
    stages: tuple[DefaultStage, ...]


class DefaultScale(NamedTuple):
    name: str
    description: str
    version: int
    areas: tuple[DefaultArea, ...]


class DefaultRuleSet(NamedTuple):
    name: str
    rules: RuleValues


class MotivatorTag(models.TextChoices):
    """What the person says would make change worth it: a short fixed list, so motivators can
    be counted, with free text beside it for their own words."""

    FAMILY = "family", "Family or children"
    MONEY = "money", "More money"
    HOME = "home", "A home of their own"
    INDEPENDENCE = "independence", "Being independent"
    ROUTINE = "routine", "Structure and routine"
    PEOPLE = "people", "Meeting people"
    HEALTH = "health", "Feeling healthier"
    LEARNING = "learning", "Learning something new"
    SELF_WORTH = "self_worth", "Feeling good about themselves"
    HELPING_OTHERS = "helping_others", "Helping others"
    CAREER = "career", "A particular job or career"


#: The five bands every default area uses.
BANDS: tuple[tuple[int, int], ...] = ((1, 2), (3, 4), (5, 6), (7, 8), (9, 10))


def _stages(*pairs: tuple[str, str]) -> tuple[DefaultStage, ...]:
    return tuple(
        DefaultStage(low, high, label, guidance)
        for (low, high), (label, guidance) in zip(BANDS, pairs, strict=True)
    )


DEFAULT_AREAS: tuple[DefaultArea, ...] = (
    DefaultArea(
        "work_skills",
        "Work and skills",
        NeedArea.WORK_SKILLS,
        cat.WORK_SKILLS,
        "How close is the person to finding and keeping work they want?",
        _stages(
            (
                "Far from work",
                "Has not worked for a long time, or never has, and does not see work as possible "
                "now.",
            ),
            (
                "Thinking about work",
                "Talks about working one day but has no clear idea of what or how, and few recent "
                "skills or references to build on.",
            ),
            (
                "Getting ready",
                "Knows the kind of work they want and is taking first steps: a CV, a course, "
                "volunteering or job search with help.",
            ),
            (
                "Looking actively",
                "Applies for suitable jobs, gets some interviews and needs only light help with "
                "applications or interviews.",
            ),
            (
                "In work or ready to start",
                "Has a job, a firm offer, or everything in place to start, and needs little or no "
                "help to stay in work.",
            ),
        ),
    ),
    DefaultArea(
        "money_debt",
        "Money and debt",
        NeedArea.MONEY_DEBT,
        cat.MONEY_DEBT,
        "How well can the person manage their money, benefits and debts?",
        _stages(
            (
                "In crisis",
                "Has no money for food, fuel or rent, faces enforcement action, or has had "
                "benefits stopped. Needs help today.",
            ),
            (
                "Struggling",
                "Is behind on priority bills, has debts they cannot keep up with, or may be "
                "missing benefits they are entitled to.",
            ),
            (
                "Getting on top of it",
                "Has told someone about their debts and started a plan, or has a benefit claim "
                "under way, but still needs help to keep to it.",
            ),
            (
                "Mostly managing",
                "Pays priority bills, keeps to a repayment plan and gets the income they are "
                "entitled to, with help now and then.",
            ),
            (
                "Managing well",
                "Budgets with confidence, has no problem debt and knows where to go if things "
                "change.",
            ),
        ),
    ),
    DefaultArea(
        "housing",
        "Housing",
        NeedArea.HOUSING,
        cat.HOUSING,
        "How safe and settled is the person's home?",
        _stages(
            (
                "No safe home",
                "Is sleeping rough, sofa-surfing, in emergency accommodation or somewhere unsafe.",
            ),
            (
                "At risk of losing their home",
                "Has a notice to leave, serious rent arrears, or a home that is unsuitable, "
                "overcrowded or in poor repair.",
            ),
            (
                "Housed but unsettled",
                "Has somewhere to live, but it is temporary or insecure, or they need support to "
                "keep the tenancy going.",
            ),
            (
                "Settled with some help",
                "Has a secure home and keeps up the tenancy, with some help from time to time.",
            ),
            (
                "Settled and secure",
                "Has a secure, suitable home and manages it without help.",
            ),
        ),
    ),
    DefaultArea(
        "physical_health",
        "Physical health",
        NeedArea.PHYSICAL_HEALTH,
        cat.PHYSICAL_HEALTH,
        "How much does the person's physical health affect their daily life and plans?",
        _stages(
            (
                "Health stops most things",
                "Health problems or a disability stop them doing most everyday things, and they "
                "do not have the care or adjustments they need.",
            ),
            (
                "Health gets in the way",
                "Health often gets in the way of appointments, activity or work, and treatment or "
                "support is patchy or missing.",
            ),
            (
                "Getting support",
                "Is registered with a GP, is getting treatment or support, and is starting to "
                "manage their condition.",
            ),
            (
                "Managing their health",
                "Manages their condition most of the time, with adjustments that let them take "
                "part in work or training.",
            ),
            (
                "Health is not a barrier",
                "Health does not hold them back, or they manage it fully themselves.",
            ),
        ),
    ),
    DefaultArea(
        "mental_wellbeing",
        "Mental wellbeing",
        NeedArea.MENTAL_WELLBEING,
        cat.MENTAL_HEALTH,
        "How are the person's mental health and emotional wellbeing?",
        _stages(
            (
                "In crisis",
                "Feels unable to cope, may be at risk of harming themselves, or is very unwell "
                "with no support. Follow your organisation's crisis and safeguarding procedures.",
            ),
            (
                "Struggling most days",
                "Low mood, anxiety or stress affect most days and stop them doing things they "
                "need to do. Little or no support is in place.",
            ),
            (
                "Getting support",
                "Has talked to someone, is waiting for or having treatment, and has some good "
                "days.",
            ),
            (
                "Coping most of the time",
                "Knows what helps them, uses it, and copes with setbacks with occasional support.",
            ),
            (
                "Feeling well",
                "Feels mentally well and able to cope with everyday pressures.",
            ),
        ),
    ),
    DefaultArea(
        "drugs_alcohol",
        "Drugs and alcohol",
        NeedArea.DRUGS_ALCOHOL,
        cat.DRUGS_ALCOHOL,
        "How much does drug or alcohol use affect the person's life?",
        _stages(
            (
                "Use is causing harm",
                "Drug or alcohol use is seriously harming their health, money, home or "
                "relationships, and they are not in treatment.",
            ),
            (
                "Use gets in the way",
                "Use often gets in the way of appointments or plans. They may be thinking about "
                "cutting down but have not started.",
            ),
            (
                "Starting to change",
                "Is in treatment or has started to cut down, with some lapses.",
            ),
            (
                "In recovery",
                "Use is under control or has stopped, and they keep to a recovery plan with "
                "support.",
            ),
            (
                "Not a problem",
                "Drug or alcohol use does not affect their life, or they are in stable, long-term "
                "recovery.",
            ),
        ),
    ),
    DefaultArea(
        "offending",
        "Offending",
        NeedArea.OFFENDING,
        cat.OFFENDING,
        "How far does offending, or the risk of it, affect the person's life?",
        _stages(
            (
                "Offending now",
                "Is offending, has been arrested recently, or is at high risk of going back to "
                "prison.",
            ),
            (
                "At risk",
                "Has recent convictions or is under supervision, and finds it hard to keep to "
                "the conditions of their licence or order.",
            ),
            (
                "Keeping to conditions",
                "Keeps to the conditions of their order or licence and works with probation or "
                "other services to stay away from offending.",
            ),
            (
                "Moving on",
                "Has not offended for some time and is building a life away from it. May need "
                "help telling employers about convictions.",
            ),
            (
                "Not an issue",
                "Has no offending history, or it no longer affects their life or their chances "
                "of work.",
            ),
        ),
    ),
    DefaultArea(
        "family_relationships",
        "Family and relationships",
        NeedArea.FAMILY_RELATIONSHIPS,
        cat.FAMILY,
        "Do family life, caring and relationships help the person or hold them back?",
        _stages(
            (
                "Unsafe or breaking down",
                "Relationships at home are unsafe or have broken down, or there is domestic "
                "abuse. Follow your organisation's safeguarding procedures.",
            ),
            (
                "Under strain",
                "Family conflict, caring or loneliness take most of their energy and leave little "
                "room for anything else.",
            ),
            (
                "Some support",
                "Has some people to rely on and is getting help with family or caring pressures.",
            ),
            (
                "Mostly positive",
                "Relationships are mostly positive and they can balance family life with their "
                "other plans.",
            ),
            (
                "Strong and supportive",
                "Has supportive relationships, and family life helps them move forward.",
            ),
        ),
    ),
    DefaultArea(
        "confidence_motivation",
        "Confidence and motivation",
        NeedArea.CONFIDENCE_MOTIVATION,
        cat.MENTAL_HEALTH,
        "How confident is the person, and how much do they want to make changes?",
        _stages(
            (
                "Sees no way forward",
                "Has very low confidence, does not believe things can change and does not want "
                "to try.",
            ),
            (
                "Unsure",
                "Would like things to be different but doubts they can do it, and needs "
                "encouragement to take any step.",
            ),
            (
                "Willing to try",
                "Will try small steps with support and is starting to see what they are good at.",
            ),
            (
                "Growing in confidence",
                "Sets their own goals, follows through most of the time and recovers from "
                "setbacks.",
            ),
            (
                "Confident and driven",
                "Believes in themselves, knows what they want and takes steps without prompting.",
            ),
        ),
    ),
    DefaultArea(
        "basic_digital_skills",
        "English, maths and digital skills",
        NeedArea.BASIC_DIGITAL_SKILLS,
        cat.WORK_SKILLS,
        "Can the person read, write, count and get online well enough for everyday life and work?",
        _stages(
            (
                "Major gaps",
                "Finds reading, writing, spoken English, numbers or using a phone or computer "
                "very hard, and this stops them doing everyday tasks.",
            ),
            (
                "Needs help with everyday tasks",
                "Needs someone to help with forms, letters, online accounts or job applications.",
            ),
            (
                "Building skills",
                "Is on a course or learning with support, and can do simple tasks on their own.",
            ),
            (
                "Mostly able",
                "Can do most everyday and work tasks on their own, such as searching for jobs "
                "online or keeping a simple budget.",
            ),
            (
                "Confident",
                "Reads, writes, counts and uses online services with confidence.",
            ),
        ),
    ),
    DefaultArea(
        "practical_barriers",
        "Practical barriers",
        NeedArea.PRACTICAL_BARRIERS,
        cat.FAMILY,
        "Do practical things such as travel, childcare, ID or equipment stop the person taking "
        "up work or support?",
        _stages(
            (
                "Barriers stop everything",
                "Has no way to travel, no childcare, no ID or bank account, or no phone, and "
                "cannot take up work or support because of it.",
            ),
            (
                "Serious barriers",
                "Several practical problems make it hard to get to appointments, training or work.",
            ),
            (
                "Working on them",
                "Knows what the barriers are and is getting help to sort them out.",
            ),
            (
                "Mostly sorted",
                "Most practical barriers are sorted, with a plan for the rest.",
            ),
            (
                "No barriers",
                "Nothing practical stops them taking up work or support.",
            ),
        ),
    ),
)

DEFAULT_SCALE = DefaultScale(
    name="Holistic assessment",
    description=(
        "JoinedUp's own scale for triage and review: eleven areas of a person's life, each "
        "scored from 1 (most help needed) to 10 (no help needed), so progress can be seen "
        "from one assessment to the next. Agree each score with the person."
    ),
    version=1,
    areas=DEFAULT_AREAS,
)

DEFAULT_RULE_SET = DefaultRuleSet(
    name="Default complexity rules",
    rules=RuleValues(
        complex_score_max=3, red_min_issues=4, amber_min_issues=2, safeguarding_at_least=AMBER
    ),
)

#: The category each default area's need area is tagged with (the brief's mapping).
AREA_CATEGORIES: dict[str, str] = {area.code: area.category for area in DEFAULT_AREAS}
