"""The one record of a person and their household (F2).

Personal data: read only through ``people.selectors`` and written only through
``people.services`` (architecture rule 1). Every field is tagged with an information
category (``Person.FIELD_CATEGORIES``), so the access policy can decide who sees it.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from joinedup.core.models import ArchivableModel, BaseModel
from joinedup.sharing.categories import EQUALITY, FAMILY, IDENTITY, SAFEGUARDING

__all__ = ["EQUALITY", "FAMILY", "IDENTITY", "SAFEGUARDING"]


class Household(ArchivableModel):
    address_line_1 = models.CharField(max_length=200)
    address_line_2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100)
    postcode = models.CharField(max_length=8, db_index=True)

    class Meta:
        ordering = ["postcode", "address_line_1"]

    def __str__(self) -> str:
        return f"{self.address_line_1}, {self.postcode}"


class Person(ArchivableModel):
    class Sex(models.TextChoices):
        FEMALE = "F", "Female"
        MALE = "M", "Male"

    class ContactMethod(models.TextChoices):
        PHONE = "phone", "Phone call"
        TEXT = "text", "Text message"
        EMAIL = "email", "Email"
        LETTER = "letter", "Letter"
        IN_PERSON = "in_person", "In person"

    # Identity
    given_name = models.CharField(max_length=100)
    middle_names = models.CharField(max_length=200, blank=True)
    family_name = models.CharField(max_length=100, db_index=True)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True, db_index=True)
    sex = models.CharField(max_length=1, choices=Sex.choices, blank=True)
    gender_identity = models.CharField(
        max_length=100, blank=True, help_text="In the person's own words, if they want to say."
    )
    # Contact
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    preferred_contact = models.CharField(max_length=10, choices=ContactMethod.choices, blank=True)
    address_line_1 = models.CharField(max_length=200, blank=True)
    address_line_2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=8, blank=True, db_index=True)
    uprn = models.CharField("UPRN", max_length=12, blank=True)
    lsoa_code = models.CharField("LSOA code", max_length=9, blank=True, db_index=True)
    # Identifiers
    ni_number = models.CharField("National Insurance number", max_length=9, blank=True)
    nhs_number = models.CharField("NHS number", max_length=10, blank=True)
    # Language and communication
    preferred_language = models.CharField(max_length=60, blank=True)
    interpreter_needed = models.BooleanField(default=False)
    communication_needs = models.TextField(blank=True, max_length=1000)
    # Equality monitoring: optional, never required.
    ethnicity = models.CharField(max_length=100, blank=True)
    disability = models.CharField(max_length=100, blank=True)
    religion = models.CharField(max_length=100, blank=True)
    sexual_orientation = models.CharField(max_length=100, blank=True)

    registered_by = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The organisation that first recorded this person; it holds the record.",
    )
    # Search keys, kept by people.services from the names above (normalised, and Soundex).
    given_name_key = models.CharField(max_length=100, blank=True, editable=False)
    family_name_key = models.CharField(max_length=100, blank=True, editable=False, db_index=True)
    family_name_soundex = models.CharField(max_length=4, blank=True, editable=False, db_index=True)

    #: The information category of every field a person sees on the record.
    FIELD_CATEGORIES: ClassVar[dict[str, str]] = {
        "given_name": IDENTITY,
        "middle_names": IDENTITY,
        "family_name": IDENTITY,
        "preferred_name": IDENTITY,
        "date_of_birth": IDENTITY,
        "sex": IDENTITY,
        "gender_identity": IDENTITY,
        "email": IDENTITY,
        "phone": IDENTITY,
        "preferred_contact": IDENTITY,
        "address_line_1": IDENTITY,
        "address_line_2": IDENTITY,
        "town": IDENTITY,
        "postcode": IDENTITY,
        "uprn": IDENTITY,
        "lsoa_code": IDENTITY,
        "ni_number": IDENTITY,
        "nhs_number": IDENTITY,
        "preferred_language": IDENTITY,
        "interpreter_needed": IDENTITY,
        "communication_needs": IDENTITY,
        "ethnicity": EQUALITY,
        "disability": EQUALITY,
        "religion": EQUALITY,
        "sexual_orientation": EQUALITY,
    }
    #: Shown in the restricted view to anyone who finds the person (SEC-16).
    RESTRICTED_FIELDS: ClassVar[tuple[str, ...]] = ("given_name", "family_name")
    #: Personal data, for the scrubbing command and exports.
    PERSONAL_FIELDS: ClassVar[tuple[str, ...]] = tuple(FIELD_CATEGORIES)

    class Meta:
        ordering = ["family_name", "given_name"]
        verbose_name_plural = "people"
        indexes = [
            models.Index(fields=["family_name", "given_name"]),
            # Where people live (their LSOA, or their postcode where it is blank), readable
            # without the rest of the record: areas are counted from this index alone.
            models.Index(fields=["lsoa_code", "postcode", "id"], name="person_placement"),
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.given_name, self.middle_names, self.family_name) if p)


class PersonName(BaseModel):
    """A previous name or an alias, so people are found by any name they have used."""

    class Kind(models.TextChoices):
        PREVIOUS = "previous", "Previous name"
        ALIAS = "alias", "Also known as"
        BIRTH = "birth", "Name at birth"

    CATEGORY: ClassVar[str] = IDENTITY

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="other_names")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    given_name = models.CharField(max_length=100, blank=True)
    family_name = models.CharField(max_length=100)
    used_until = models.DateField(null=True, blank=True)
    family_name_key = models.CharField(max_length=100, blank=True, editable=False, db_index=True)

    class Meta:
        ordering = ["kind", "family_name"]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name} ({self.get_kind_display()})"


class Involvement(BaseModel):
    """An organisation that knows the person: shown to everyone who finds the person, even in
    the restricted view ("which agencies are involved", SEC-16)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="involvements")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "organisation"],
                condition=models.Q(ended_on__isnull=True),
                name="one_open_involvement_per_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} since {self.started_on:%d %b %Y}"


class WarningMarker(BaseModel):
    """A staff-safety warning, shown prominently to anyone who may visit the person, whatever
    else they may see."""

    class Kind(models.TextChoices):
        VIOLENCE = "violence", "Violence or aggression towards staff"
        LONE_VISIT = "lone_visit", "Do not visit alone"
        WEAPONS = "weapons", "Weapons at the address"
        ANIMALS = "animals", "Dangerous animal at the address"
        OTHER = "other", "Other risk to staff"

    CATEGORY: ClassVar[str] = SAFEGUARDING

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="warning_markers")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    details = models.TextField(
        max_length=1000, help_text="What visiting staff must know. No more than they need."
    )
    raised_by_organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    review_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    ended_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_on"]

    def __str__(self) -> str:
        return self.get_kind_display()


class HouseholdMember(BaseModel):
    class Relationship(models.TextChoices):
        HEAD = "head", "Main tenant or householder"
        PARTNER = "partner", "Partner"
        CHILD = "child", "Child"
        PARENT = "parent", "Parent"
        SIBLING = "sibling", "Brother or sister"
        OTHER_RELATIVE = "other_relative", "Other relative"
        LODGER = "lodger", "Lodger or unrelated"

    CATEGORY: ClassVar[str] = FAMILY

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="households")
    relationship = models.CharField(max_length=20, choices=Relationship.choices)
    moved_in = models.DateField(null=True, blank=True)
    moved_out = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["household", "relationship"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "person"],
                condition=models.Q(moved_out__isnull=True),
                name="one_current_membership_per_household",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_relationship_display()})"
