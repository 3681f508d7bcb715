"""The one record of a person and their household (F2).

Personal data: read only through ``people.selectors`` and written only through
``people.services`` (architecture rule 1). The person-record issue adds the identifiers,
sharing categories, timeline and the access policy on top of these tables.
"""

from __future__ import annotations

from django.db import models

from joinedup.core.models import ArchivableModel, BaseModel


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

    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100, db_index=True)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    address_line_1 = models.CharField(max_length=200, blank=True)
    address_line_2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=8, blank=True, db_index=True)
    registered_by = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The organisation that first recorded this person.",
    )

    class Meta:
        ordering = ["family_name", "given_name"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"


class HouseholdMember(BaseModel):
    class Relationship(models.TextChoices):
        HEAD = "head", "Main tenant or householder"
        PARTNER = "partner", "Partner"
        CHILD = "child", "Child"
        PARENT = "parent", "Parent"
        SIBLING = "sibling", "Brother or sister"
        OTHER_RELATIVE = "other_relative", "Other relative"
        LODGER = "lodger", "Lodger or unrelated"

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
