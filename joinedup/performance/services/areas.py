"""Writing areas: loading an ONS-style lookup (LSOA → ward → local authority district, with
postcodes), and custom target areas made of chosen LSOAs.

A lookup file loads whole or not at all: every bad row is reported with its line and reason and
nothing is written. Loading the same lookup again changes nothing; a newer lookup renames areas,
moves LSOAs between wards and repoints postcodes.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from joinedup.accounts.roles import Role
from joinedup.core.actor import Actor
from joinedup.people.identifiers import normalise_postcode

from ..models import Area, PostcodeArea

MAX_PROBLEMS_SHOWN = 200
ONS_CODE = re.compile(r"[A-Z]\d{8}")
CUSTOM_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{1,19}")

# Column -> the header spellings accepted (compared lower-case, spaces and underscores removed).
# ONS lookups name columns by the year of the boundaries: LSOA11CD / LSOA21CD, WD22CD / WD24CD,
# LAD22CD / LAD24CD; postcode files use PCDS (with a space), PCD7 or PCD8.
_PATTERNS: dict[str, re.Pattern[str]] = {
    "lsoa_code": re.compile(r"lsoa\d{0,2}cd|lsoacode"),
    "lsoa_name": re.compile(r"lsoa\d{0,2}nm|lsoaname"),
    "ward_code": re.compile(r"wd\d{0,2}cd|wardcode"),
    "ward_name": re.compile(r"wd\d{0,2}nm|wardname"),
    "district_code": re.compile(r"lad\d{0,2}cd|districtcode|ladcode|localauthoritycode"),
    "district_name": re.compile(r"lad\d{0,2}nm|districtname|ladname|localauthorityname"),
    "postcode": re.compile(r"pcds|pcd|pcd7|pcd8|postcode"),
}
REQUIRED_COLUMNS = [
    "lsoa_code",
    "lsoa_name",
    "ward_code",
    "ward_name",
    "district_code",
    "district_name",
]


@dataclass(frozen=True)
class ImportProblem:
    """One bad row (line 0 for a problem with the whole file)."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"Line {self.line}: {self.reason}" if self.line else self.reason


#: The longest area name ``Area.name`` holds.
AREA_NAME_MAX = 200


def unreadable_csv(error: Exception) -> ImportProblem:
    """The problem to report when the file cannot be read as CSV at all."""
    return ImportProblem(
        0,
        f"The file cannot be read as CSV ({error}). Check for a quotation mark that is "
        "never closed, then save it again as CSV.",
    )


class ImportRejectedError(ValidationError):
    """The file was not loaded: ``problems`` lists every bad row with its line and reason."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        self.problems = problems
        shown = [str(p) for p in problems[:MAX_PROBLEMS_SHOWN]]
        if len(problems) > MAX_PROBLEMS_SHOWN:
            shown.append(f"…and {len(problems) - MAX_PROBLEMS_SHOWN} more problems.")
        super().__init__(shown)


@dataclass(frozen=True)
class AreaImportResult:
    districts: int
    wards: int
    lsoas: int
    postcodes: int
    created: int
    changed: int

    @property
    def summary(self) -> str:
        if not self.created and not self.changed:
            return (
                f"Nothing changed: the lookup's {self.districts} districts, {self.wards} wards, "
                f"{self.lsoas} LSOAs and {self.postcodes} postcodes were already loaded."
            )
        return (
            f"Loaded {self.districts} districts, {self.wards} wards, {self.lsoas} LSOAs and "
            f"{self.postcodes} postcodes: {self.created} new, {self.changed} changed."
        )


def require_analyst(actor: Actor) -> None:
    """Areas, indicators, targets and imports are managed by performance analysts (or the
    system, for commands and the demo)."""
    if actor.is_system:
        return
    user: Any = actor.user
    if not (user is not None and user.has_role(Role.PERFORMANCE_ANALYST)):
        raise PermissionDenied("Only a performance analyst can do this.")


def decode_csv(content: bytes) -> str:
    """Text of an uploaded CSV: UTF-8 (with or without a byte order mark), else Windows-1252,
    as Excel saves it."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _header_key(text: str) -> str:
    return re.sub(r"[\s_\-]", "", text.strip().lower())


def map_lookup_columns(header: list[str]) -> tuple[dict[str, int], list[ImportProblem]]:
    """Which column holds what, from the header row's spellings."""
    found: dict[str, int] = {}
    for index, name in enumerate(header):
        key = _header_key(name)
        for column, pattern in _PATTERNS.items():
            if column not in found and pattern.fullmatch(key):
                found[column] = index
                break
    missing = [c for c in REQUIRED_COLUMNS if c not in found]
    problems = []
    if missing:
        problems.append(
            ImportProblem(
                1,
                "The header row is missing "
                + ", ".join(missing)
                + " (accepted spellings include LSOA21CD, LSOA21NM, WD24CD, WD24NM, LAD24CD, "
                "LAD24NM, PCDS, or lsoa_code, lsoa_name, ward_code, ward_name, district_code, "
                "district_name, postcode).",
            )
        )
    return found, problems


@dataclass
class _Place:
    code: str
    name: str
    level: str
    parent: str | None
    line: int


def areas_import(*, actor: Actor, file_name: str, content: bytes) -> AreaImportResult:
    """Load an ONS-style lookup: one row per LSOA (or per postcode, when the file has a postcode
    column), naming its ward and district. Raises ``ImportRejectedError`` listing every bad row, and
    then writes nothing."""
    require_analyst(actor)
    reader = csv.reader(io.StringIO(decode_csv(content)))
    try:
        rows = list(reader)
    except csv.Error as exc:  # e.g. a quote never closed, running past the field limit
        raise ImportRejectedError([unreadable_csv(exc)]) from exc
    if not rows:
        raise ImportRejectedError([ImportProblem(0, f"{file_name or 'The file'} is empty.")])
    columns, problems = map_lookup_columns(rows[0])
    if problems:
        raise ImportRejectedError(problems)

    places: dict[str, _Place] = {}
    postcodes: dict[str, tuple[str, int]] = {}
    levels = (
        ("district", Area.Level.DISTRICT, None),
        ("ward", Area.Level.WARD, "district"),
        ("lsoa", Area.Level.LSOA, "ward"),
    )
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(rows[0]):
            row = row + [""] * (len(rows[0]) - len(row))
        values = {name: row[index].strip() for name, index in columns.items()}
        row_problems: list[str] = []
        for prefix, _level, _parent in levels:
            code, name = values[f"{prefix}_code"], values[f"{prefix}_name"]
            if not ONS_CODE.fullmatch(code):
                row_problems.append(
                    f"{prefix.upper() if prefix == 'lsoa' else prefix} code {code!r} is not an "
                    "ONS code (a letter and eight digits, e.g. E01012345)"
                    if code
                    else f"the {prefix.upper() if prefix == 'lsoa' else prefix} code is missing"
                )
            if not name:
                row_problems.append(
                    f"the {prefix.upper() if prefix == 'lsoa' else prefix} name is missing"
                )
            elif len(name) > AREA_NAME_MAX:
                row_problems.append(
                    f"the {prefix.upper() if prefix == 'lsoa' else prefix} name is longer than "
                    f"{AREA_NAME_MAX} characters"
                )
        postcode = ""
        if "postcode" in columns and values["postcode"]:
            normalised = normalise_postcode(values["postcode"])
            if normalised is None:
                row_problems.append(f"{values['postcode']!r} is not a UK postcode")
            else:
                postcode = normalised
        if row_problems:
            problems.append(ImportProblem(line, "; ".join(row_problems)))
            continue
        for prefix, level, parent in levels:
            code, name = values[f"{prefix}_code"], values[f"{prefix}_name"]
            parent_code = values[f"{parent}_code"] if parent else None
            seen = places.get(code)
            if seen is None:
                places[code] = _Place(code, name, level, parent_code, line)
            elif seen.level != level:
                problems.append(
                    ImportProblem(line, f"{code} is used as a {level} and as a {seen.level}")
                )
            elif seen.name != name:
                problems.append(
                    ImportProblem(
                        line, f"{code} is named {name!r} here but {seen.name!r} on line {seen.line}"
                    )
                )
            elif seen.parent != parent_code:
                problems.append(
                    ImportProblem(
                        line,
                        f"{code} is in {parent_code} here but in {seen.parent} on line {seen.line}",
                    )
                )
        if postcode:
            lsoa_code = values["lsoa_code"]
            earlier = postcodes.get(postcode)
            if earlier is not None and earlier[0] != lsoa_code:
                problems.append(
                    ImportProblem(
                        line,
                        f"postcode {postcode} is in {lsoa_code} here but in {earlier[0]} on "
                        f"line {earlier[1]}",
                    )
                )
            else:
                postcodes[postcode] = (lsoa_code, line)
    if not places and not problems:
        problems.append(ImportProblem(0, "The file has a header row but no areas."))

    existing = {a.code: a for a in Area.objects.filter(code__in=places.keys())}
    for code, place in places.items():
        have = existing.get(code)
        if have is not None and have.level != place.level:
            problems.append(
                ImportProblem(
                    place.line,
                    f"{code} is already loaded as a {have.get_level_display().lower()}",
                )
            )
    if problems:
        problems.sort(key=lambda p: p.line)
        raise ImportRejectedError(problems)

    created = changed = 0
    with transaction.atomic():
        saved: dict[str, Area] = {}
        for level in (Area.Level.DISTRICT, Area.Level.WARD, Area.Level.LSOA):
            for place in (p for p in places.values() if p.level == level):
                parent_area = saved[place.parent] if place.parent else None
                parent_id = parent_area.pk if parent_area else None
                area = existing.get(place.code)
                if area is None:
                    area = Area(code=place.code, name=place.name, level=level, parent=parent_area)
                    area.stamp(actor).save()
                    created += 1
                elif area.name != place.name or area.parent_id != parent_id:
                    area.name = place.name
                    area.parent = parent_area
                    area.stamp(actor).save()
                    changed += 1
                saved[place.code] = area
        held = {p.postcode: p for p in PostcodeArea.objects.filter(postcode__in=postcodes.keys())}
        new_rows = []
        moved = []
        for postcode, (lsoa_code, _line) in postcodes.items():
            lsoa = saved[lsoa_code]
            have_postcode = held.get(postcode)
            if have_postcode is None:
                new_rows.append(PostcodeArea(postcode=postcode, lsoa=lsoa))
            elif have_postcode.lsoa_id != lsoa.pk:
                have_postcode.lsoa = lsoa
                moved.append(have_postcode)
        PostcodeArea.objects.bulk_create(new_rows, batch_size=2000)
        PostcodeArea.objects.bulk_update(moved, ["lsoa"], batch_size=2000)
        created += len(new_rows)
        changed += len(moved)
    counts = dict.fromkeys(Area.Level.values, 0)
    for place in places.values():
        counts[place.level] += 1
    return AreaImportResult(
        districts=counts[Area.Level.DISTRICT],
        wards=counts[Area.Level.WARD],
        lsoas=counts[Area.Level.LSOA],
        postcodes=len(postcodes),
        created=created,
        changed=changed,
    )


def _clean_lsoas(lsoa_codes: Iterable[str]) -> list[Area]:
    codes = sorted({c.strip().upper() for c in lsoa_codes if c.strip()})
    if not codes:
        raise ValidationError({"lsoa_codes": "Choose at least one LSOA."})
    found = list(Area.objects.filter(code__in=codes, level=Area.Level.LSOA))
    unknown = sorted(set(codes) - {a.code for a in found})
    if unknown:
        raise ValidationError(
            {"lsoa_codes": "These are not loaded LSOAs: " + ", ".join(unknown) + "."}
        )
    return found


def custom_area_create(
    *, actor: Actor, code: str, name: str, description: str = "", lsoa_codes: Iterable[str]
) -> Area:
    """A custom target area (e.g. "worst performing neighbourhoods") made of chosen LSOAs."""
    require_analyst(actor)
    code = code.strip().upper()
    errors: dict[str, str] = {}
    if not CUSTOM_CODE.fullmatch(code):
        errors["code"] = (
            "Enter a code of 2 to 20 letters, digits and hyphens, starting with a letter or digit"
        )
    elif ONS_CODE.fullmatch(code):
        errors["code"] = "That looks like an ONS code: choose a code of your own, e.g. NV-WORST20"
    elif Area.objects.filter(code=code).exists():
        errors["code"] = "An area with this code already exists"
    if not name.strip():
        errors["name"] = "Enter a name for the area"
    if errors:
        raise ValidationError(errors)
    lsoas = _clean_lsoas(lsoa_codes)
    with transaction.atomic():
        area = Area(
            code=code,
            name=name.strip(),
            level=Area.Level.CUSTOM,
            description=description.strip(),
        )
        area.stamp(actor).save()
        area.lsoas.set(lsoas)
    return area


def custom_area_update(
    *, actor: Actor, area: Area, name: str, description: str = "", lsoa_codes: Iterable[str]
) -> Area:
    """Rename a custom target area or change its LSOAs."""
    require_analyst(actor)
    if area.level != Area.Level.CUSTOM:
        raise ValidationError("Only custom target areas can be changed here.")
    if not name.strip():
        raise ValidationError({"name": "Enter a name for the area"})
    lsoas = _clean_lsoas(lsoa_codes)
    with transaction.atomic():
        area.name = name.strip()
        area.description = description.strip()
        area.stamp(actor).save()
        area.lsoas.set(lsoas)
    return area
