"""Reading areas: the hierarchy (LSOA → ward → district, and custom target areas made of LSOAs),
placing a postcode in its LSOA, and listing the LSOAs under any area.

Areas are geography, not personal data. Other apps place people and referrals in areas by
asking ``area_for_postcode`` or comparing their LSOA code with ``lsoa_codes_in``.
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from joinedup.core.actor import Actor
from joinedup.people.identifiers import normalise_postcode

from ..models import Area, PostcodeArea

PAGE_SIZE = 50


def area_for_postcode(*, postcode: str) -> Area | None:
    """The LSOA a postcode is in, from the loaded ONS postcode lookup; None when the postcode
    is not a postcode or is not in the lookup."""
    normalised = normalise_postcode(postcode or "")
    if normalised is None:
        return None
    row = PostcodeArea.objects.select_related("lsoa").filter(postcode=normalised).first()
    return row.lsoa if row is not None else None


def lsoa_codes_in(*, area: Area) -> list[str]:
    """Every LSOA code in ``area``, sorted: itself for an LSOA; the LSOAs of a ward; the LSOAs
    of every ward of a district; the chosen LSOAs of a custom target area."""
    if area.level == Area.Level.LSOA:
        return [area.code]
    if area.level == Area.Level.WARD:
        rows = Area.objects.filter(level=Area.Level.LSOA, parent=area)
    elif area.level == Area.Level.DISTRICT:
        rows = Area.objects.filter(level=Area.Level.LSOA, parent__parent=area)
    else:
        rows = area.lsoas.filter(level=Area.Level.LSOA)
    return sorted(rows.values_list("code", flat=True))


def area_list(*, actor: Actor, level: str = "", search: str = "") -> QuerySet[Area]:
    """Areas by level and name, with the parent and how many children or LSOAs each has."""
    rows = Area.objects.select_related("parent", "parent__parent").annotate(
        child_count=Count("children", distinct=True),
        lsoa_count=Count("lsoas", distinct=True),
    )
    if level:
        rows = rows.filter(level=level)
    if search.strip():
        term = search.strip()
        rows = rows.filter(Q(name__icontains=term) | Q(code__iexact=term))
    return rows.order_by("level", "name")


def area_page(
    *, actor: Actor, level: str = "", search: str = "", page: str | int | None = None
) -> Page[Area]:
    return Paginator(area_list(actor=actor, level=level, search=search), PAGE_SIZE).get_page(page)


def area_for_code(*, actor: Actor, code: str) -> Area:
    """The area with this code; 404 when there is none."""
    try:
        return Area.objects.select_related("parent", "parent__parent").get(code=code)
    except Area.DoesNotExist as exc:
        raise Http404("No such area.") from exc


def area_counts(*, actor: Actor) -> dict[str, int]:
    """How many areas of each level are loaded, and how many postcodes."""
    counts = dict.fromkeys(Area.Level.values, 0)
    for row in Area.objects.values("level").annotate(n=Count("id")):
        counts[row["level"]] = row["n"]
    counts["postcodes"] = PostcodeArea.objects.count()
    return counts


def lsoa_choices(*, actor: Actor) -> list[tuple[str, str]]:
    """Every loaded LSOA as (code, "name (code), ward") for choosing the LSOAs of a custom area."""
    rows = (
        Area.objects.filter(level=Area.Level.LSOA)
        .select_related("parent")
        .order_by("parent__name", "name")
    )
    return [
        (a.code, f"{a.name} ({a.code}){', ' + a.parent.name if a.parent else ''}") for a in rows
    ]


def reporting_areas(*, actor: Actor) -> QuerySet[Area]:
    """Areas an indicator is usually reported for: districts, custom target areas and wards."""
    return Area.objects.filter(
        level__in=[Area.Level.DISTRICT, Area.Level.CUSTOM, Area.Level.WARD]
    ).order_by("level", "name")
