"""Areas: the ONS lookup import (every bad row, idempotence, a newer lookup), custom target
areas, placing postcodes, and listing the LSOAs under any area."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from joinedup.accounts.roles import Role
from joinedup.core.actor import Actor
from joinedup.performance.models import Area, PostcodeArea
from joinedup.performance.selectors.areas import area_for_postcode, lsoa_codes_in
from joinedup.performance.services.areas import (
    ImportRejectedError,
    areas_import,
    custom_area_create,
    custom_area_update,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ONS_LOOKUP = (
    "PCDS,LSOA21CD,LSOA21NM,WD24CD,WD24NM,LAD24CD,LAD24NM\n"
    "NV1 1AA,E01000001,Northvale 001A,E05000001,Central,E08000099,Northvale\n"
    "NV1 1AB,E01000001,Northvale 001A,E05000001,Central,E08000099,Northvale\n"
    "NV1 2AA,E01000002,Northvale 001B,E05000001,Central,E08000099,Northvale\n"
    "NV2 1AA,E01000003,Northvale 002A,E05000002,Riverside,E08000099,Northvale\n"
    "nv21ab,E01000004,Northvale 002B,E05000002,Riverside,E08000099,Northvale\n"
)
PLAIN_LOOKUP = (
    "lsoa_code,lsoa_name,ward_code,ward_name,district_code,district_name\n"
    "E01000001,Northvale 001A,E05000001,Central,E08000099,Northvale\n"
    "E01000002,Northvale 001B,E05000001,Central,E08000099,Northvale\n"
)


@pytest.fixture
def system() -> Actor:
    return Actor.system(process="test")


@pytest.fixture
def analyst_actor(organisation) -> Actor:  # type: ignore[no-untyped-def]
    user = UserFactory(organisation=organisation, roles=[Role.PERFORMANCE_ANALYST])
    return Actor.for_user(user, process="test")


def test_an_ons_lookup_builds_the_hierarchy_and_postcodes(analyst_actor: Actor) -> None:
    result = areas_import(actor=analyst_actor, file_name="lookup.csv", content=ONS_LOOKUP.encode())
    assert (result.districts, result.wards, result.lsoas, result.postcodes) == (1, 2, 4, 5)
    assert result.created == 1 + 2 + 4 + 5
    lsoa = Area.objects.get(code="E01000004")
    assert lsoa.level == Area.Level.LSOA
    assert lsoa.parent.code == "E05000002" and lsoa.parent.level == Area.Level.WARD
    assert lsoa.parent.parent.code == "E08000099" and lsoa.parent.parent.name == "Northvale"
    assert lsoa.created_by_id == analyst_actor.user_id
    assert PostcodeArea.objects.get(postcode="NV2 1AB").lsoa == lsoa


def test_the_plain_header_spelling_is_accepted(system: Actor) -> None:
    result = areas_import(
        actor=system, file_name="plain.csv", content=PLAIN_LOOKUP.encode("utf-8-sig")
    )
    assert (result.districts, result.wards, result.lsoas, result.postcodes) == (1, 1, 2, 0)


def test_loading_the_same_lookup_again_changes_nothing(system: Actor) -> None:
    areas_import(actor=system, file_name="lookup.csv", content=ONS_LOOKUP.encode())
    again = areas_import(actor=system, file_name="lookup.csv", content=ONS_LOOKUP.encode())
    assert (again.created, again.changed) == (0, 0)
    assert again.summary.startswith("Nothing changed")
    assert Area.objects.count() == 7
    assert PostcodeArea.objects.count() == 5


def test_a_newer_lookup_renames_and_moves(system: Actor) -> None:
    areas_import(actor=system, file_name="lookup.csv", content=ONS_LOOKUP.encode())
    newer = (
        "PCDS,LSOA21CD,LSOA21NM,WD24CD,WD24NM,LAD24CD,LAD24NM\n"
        "NV1 1AA,E01000001,Northvale 001A,E05000001,Central,E08000099,Northvale\n"
        "NV1 1AB,E01000001,Northvale 001A,E05000001,Central,E08000099,Northvale\n"
        "NV1 2AA,E01000003,Northvale 002A,E05000001,Central,E08000099,Northvale\n"
        "NV2 1AA,E01000003,Northvale 002A,E05000001,Central,E08000099,Northvale\n"
        "NV2 1AB,E01000004,Northvale 002B,E05000002,Riverside and Docks,E08000099,Northvale\n"
    )
    result = areas_import(actor=system, file_name="newer.csv", content=newer.encode())
    assert Area.objects.get(code="E05000002").name == "Riverside and Docks"
    assert Area.objects.get(code="E01000003").parent.code == "E05000001"
    assert PostcodeArea.objects.get(postcode="NV1 2AA").lsoa.code == "E01000003"
    assert result.created == 0 and result.changed == 3


def test_every_bad_row_is_reported_and_nothing_is_written(system: Actor) -> None:
    bad = (
        "LSOA21CD,LSOA21NM,WD24CD,WD24NM,LAD24CD,LAD24NM,PCDS\n"
        "E01000001,Northvale 001A,E05000001,Central,E08000099,Northvale,NV1 1AA\n"
        "E0100002,Northvale 001B,E05000001,Central,E08000099,Northvale,NV1 2AA\n"
        "E01000003,,E05000002,Riverside,E08000099,Northvale,NV2 1AA\n"
        "E01000004,Northvale 002B,E05000002,Riverside,E08000099,Northvale,NOT A POSTCODE\n"
        "E01000001,Northvale 001A,E05000002,Riverside,E08000099,Northvale,NV1 1AB\n"
        "E01000005,Northvale 003A,E05000003,Hill,E08000099,Northvale,NV1 1AA\n"
    )
    with pytest.raises(ImportRejectedError) as caught:
        areas_import(actor=system, file_name="bad.csv", content=bad.encode())
    lines = {p.line: p.reason for p in caught.value.problems}
    assert sorted(lines) == [3, 4, 5, 6, 7]
    assert "'E0100002' is not an ONS code" in lines[3]
    assert "LSOA name is missing" in lines[4]
    assert "'NOT A POSTCODE' is not a UK postcode" in lines[5]
    assert "E01000001 is in E05000002 here but in E05000001 on line 2" in lines[6]
    assert "postcode NV1 1AA is in E01000005 here but in E01000001 on line 2" in lines[7]
    assert Area.objects.count() == 0 and PostcodeArea.objects.count() == 0


def test_a_file_without_the_columns_is_refused(system: Actor) -> None:
    with pytest.raises(ImportRejectedError) as caught:
        areas_import(actor=system, file_name="x.csv", content=b"code,name\nE01000001,A\n")
    assert "missing lsoa_code" in str(caught.value.problems[0])


def test_a_code_already_used_at_another_level_is_refused(system: Actor) -> None:
    areas_import(actor=system, file_name="lookup.csv", content=PLAIN_LOOKUP.encode())
    clash = PLAIN_LOOKUP.splitlines()[0] + "\nE05000001,Odd,E05000009,Ward,E08000099,Northvale\n"
    with pytest.raises(ImportRejectedError, match="already loaded as a ward"):
        areas_import(actor=system, file_name="clash.csv", content=clash.encode())


def test_only_performance_analysts_import(key_worker) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        areas_import(
            actor=Actor.for_user(key_worker, process="test"),
            file_name="lookup.csv",
            content=ONS_LOOKUP.encode(),
        )
    assert Area.objects.count() == 0


def test_custom_areas_and_the_lsoas_under_every_level(analyst_actor: Actor) -> None:
    areas_import(actor=analyst_actor, file_name="lookup.csv", content=ONS_LOOKUP.encode())
    worst = custom_area_create(
        actor=analyst_actor,
        code="nv-worst",
        name="Worst performing neighbourhoods",
        lsoa_codes=["E01000004", "E01000001", " e01000004 "],
    )
    assert worst.code == "NV-WORST" and worst.level == Area.Level.CUSTOM
    assert lsoa_codes_in(area=worst) == ["E01000001", "E01000004"]
    assert lsoa_codes_in(area=Area.objects.get(code="E08000099")) == [
        "E01000001",
        "E01000002",
        "E01000003",
        "E01000004",
    ]
    assert lsoa_codes_in(area=Area.objects.get(code="E05000002")) == ["E01000003", "E01000004"]
    assert lsoa_codes_in(area=Area.objects.get(code="E01000002")) == ["E01000002"]
    custom_area_update(actor=analyst_actor, area=worst, name="Worst 2", lsoa_codes=["E01000003"])
    worst.refresh_from_db()
    assert worst.name == "Worst 2" and lsoa_codes_in(area=worst) == ["E01000003"]


def test_custom_area_mistakes_are_explained(analyst_actor: Actor) -> None:
    areas_import(actor=analyst_actor, file_name="lookup.csv", content=ONS_LOOKUP.encode())
    with pytest.raises(ValidationError) as caught:
        custom_area_create(actor=analyst_actor, code="E05000001", name="", lsoa_codes=["E01000001"])
    assert "ONS code" in str(caught.value.message_dict["code"])
    assert "name" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        custom_area_create(
            actor=analyst_actor,
            code="NV-X",
            name="X",
            lsoa_codes=["E01000001", "E05000001", "E01999999"],
        )
    assert caught.value.message_dict["lsoa_codes"] == [
        "These are not loaded LSOAs: E01999999, E05000001."
    ]
    assert not Area.objects.filter(code="NV-X").exists()


def test_postcodes_place_people_in_their_lsoa(system: Actor) -> None:
    areas_import(actor=system, file_name="lookup.csv", content=ONS_LOOKUP.encode())
    assert area_for_postcode(postcode="nv1 1ab").code == "E01000001"
    assert area_for_postcode(postcode=" NV11AA ").code == "E01000001"
    assert area_for_postcode(postcode="ZZ9 9ZZ") is None
    assert area_for_postcode(postcode="not one") is None
    assert area_for_postcode(postcode="") is None


def test_the_command_reports_every_bad_row_and_exits_non_zero(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "lookup.csv"
    good.write_text(ONS_LOOKUP)
    call_command("import_areas", str(good))
    assert "Loaded 1 districts, 2 wards, 4 LSOAs and 5 postcodes" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text(
        PLAIN_LOOKUP
        + "X1,A,E05000001,Central,E08000099,Northvale\nE01000009,B,E05000001,Central,E0800009,Northvale\n"
    )
    with pytest.raises(CommandError, match="2 problem"):
        call_command("import_areas", str(bad))
    err = capsys.readouterr().err
    assert "Line 4:" in err and "Line 5:" in err
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_areas", str(tmp_path / "missing.csv"))


def test_a_lookup_that_is_not_csv_is_refused_with_a_reason(system: Actor) -> None:
    broken = ONS_LOOKUP + '"E01000009,' + "x" * 200_000 + "\n"
    with pytest.raises(ImportRejectedError, match="cannot be read as CSV"):
        areas_import(actor=system, file_name="broken.csv", content=broken.encode())
    assert not Area.objects.exists()


def test_an_area_name_too_long_to_keep_is_a_bad_row(system: Actor) -> None:
    broken = PLAIN_LOOKUP.replace("Northvale 001B", "N" * 201)
    with pytest.raises(ImportRejectedError) as caught:
        areas_import(actor=system, file_name="long.csv", content=broken.encode())
    assert [p.line for p in caught.value.problems] == [3]
    assert "longer than 200 characters" in caught.value.problems[0].reason
    assert not Area.objects.exists()
