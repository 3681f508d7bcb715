"""The command-line tools: link_records on a file it has never seen, import_extract and
run_linkage."""

from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from joinedup.matching.models import Extract, ExtractRecord, LinkageRun, LinkedPerson

ROWS = [
    # id, forename, surname, born, postcode, address
    ("A1", "William", "Okafor", "12/03/1984", "NV1 2AB", "12 Mill Lane"),
    ("A2", "Bill", "OKAFOR", "1984-03-12", "nv12ab", "12 Mill Ln"),
    ("A3", "Sarah", "Bennett", "01/07/1990", "NV2 3DD", "4 Station Road"),
    ("A4", "Sarah", "Bennet", "01/07/1990", "NV2 3DD", "4 Station Rd"),
    ("A5", "Mohammed", "Iqbal", "23/11/1977", "NV3 1EF", "88 Canal Street"),
    ("A6", "Chloe", "Hughes", "30/05/2001", "NV1 4GH", "9 High Street"),
    ("A7", "Daniel", "Price", "09/09/1969", "NV2 7JL", "31 Church Walk"),
    ("A8", "Danny", "Price", "09/09/1969", "NV2 7JL", "31 Church Walk"),
    ("A9", "Aisha", "Rahman", "14/02/1995", "NV4 2LN", "7 Park View"),
    ("A10", "Grace", "Lewis", "18/04/1979", "NV1 9QR", "2 Orchard Close"),
    # Twins: the same surname, birthday and home, different people.
    ("A11", "Jack", "Turner", "05/06/2012", "NV3 3WX", "5 Bridge Street"),
    ("A12", "Oliver", "Turner", "05/06/2012", "NV3 3WX", "5 Bridge Street"),
]
SAME = [{"A1", "A2"}, {"A3", "A4"}, {"A7", "A8"}]


def write(path: Path, rows: list[tuple[str, ...]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Client Ref", "Given", "Family", "Born", "Post Code", "Addr"])
        writer.writerows(rows)
    return path


def link(tmp_path: Path, *extra: str, rows: list[tuple[str, ...]] = ROWS) -> tuple[str, Path]:
    source = write(tmp_path / "people.csv", rows)
    output = tmp_path / "linked.csv"
    out = StringIO()
    call_command(
        "link_records",
        "--input", str(source),
        "--id-column", "Client Ref",
        "--map", "first_name=Given",
        "--map", "surname=Family",
        "--map", "date_of_birth=Born",
        "--map", "postcode=Post Code",
        "--map", "address=Addr",
        "--output", str(output),
        *extra,
        stdout=out,
        stderr=StringIO(),
    )  # fmt: skip
    return out.getvalue(), output


class TestLinkRecords:
    def test_a_new_file_is_deduplicated_row_for_row(self, tmp_path: Path) -> None:
        printed, output = link(tmp_path, "--json")
        with output.open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert [r["id"] for r in rows] == [r[0] for r in ROWS]  # one row each, in order
        person = {r["id"]: r["person_id"] for r in rows}
        for group in SAME:
            assert len({person[i] for i in group}) == 1, group
        assert person["A11"] != person["A12"]  # twins stay apart
        assert len(set(person.values())) == len(ROWS) - len(SAME)
        figures = json.loads(printed.strip().splitlines()[-1])
        assert figures["records"] == len(ROWS)
        assert figures["clusters"] == len(ROWS) - len(SAME)
        assert figures["pairs_scored"] >= len(SAME) and figures["seconds"] > 0

    def test_bad_input_stops_with_a_clear_message_and_no_output(self, tmp_path: Path) -> None:
        source = write(tmp_path / "people.csv", ROWS)
        output = tmp_path / "linked.csv"
        base = ["--input", str(source), "--output", str(output), "--map", "surname=Family"]
        with pytest.raises(CommandError, match="no column 'Nope'"):
            call_command("link_records", *base, "--id-column", "Nope", stderr=StringIO())
        with pytest.raises(CommandError, match="Unknown field 'shoe_size'"):
            call_command(
                "link_records", *base, "--id-column", "Client Ref", "--map", "shoe_size=Addr"
            )
        write(tmp_path / "people.csv", [*ROWS, ROWS[0]])
        with pytest.raises(CommandError, match="Ids must be unique; repeated: A1"):
            call_command("link_records", *base, "--id-column", "Client Ref", stderr=StringIO())
        assert not output.exists()


@pytest.mark.django_db
class TestImportAndRun:
    def test_import_then_run_from_the_command_line(self, tmp_path: Path, council) -> None:
        source = write(tmp_path / "council.csv", ROWS)
        args = [
            str(source),
            "--organisation", council.name,
            "--kind", "council_tax",
            "--extract-date", "2026-11-01",
            "--lawful-basis", "UK GDPR 6(1)(e)",
            "--id-column", "Client Ref",
            "--map", "first_name=Given",
            "--map", "surname=Family",
            "--map", "date_of_birth=Born",
            "--map", "postcode=Post Code",
            "--save-mapping", "Council tax",
        ]  # fmt: skip
        out = StringIO()
        call_command("import_extract", *args, stdout=out)
        assert "Loaded 12 rows" in out.getvalue()
        again = StringIO()
        call_command("import_extract", *args, stdout=again)
        assert "Already loaded" in again.getvalue() and Extract.objects.count() == 1
        run_out = StringIO()
        call_command("run_linkage", stdout=run_out, stderr=StringIO())
        run = LinkageRun.objects.get()
        assert run.status == "succeeded" and "12 records" in run_out.getvalue()
        assert LinkedPerson.objects.count() == run.clusters
        assert not ExtractRecord.objects.filter(linked_person__isnull=True).exists()

    def test_a_file_with_bad_rows_is_refused_whole(self, tmp_path: Path, council) -> None:
        rows = [
            *ROWS[:3],
            ("", "No", "Id", "01/01/1990", "NV1 2AB", "x"),
            ("B9", "", "", "", "", ""),
        ]
        source = write(tmp_path / "bad.csv", rows)
        err = StringIO()
        with pytest.raises(CommandError, match="2 problem"):
            call_command(
                "import_extract",
                str(source),
                "--organisation", council.name,
                "--kind", "housing",
                "--extract-date", "2026-11-01",
                "--lawful-basis", "UK GDPR 6(1)(e)",
                "--id-column", "Client Ref",
                "--map", "first_name=Given",
                "--map", "surname=Family",
                stderr=err,
            )  # fmt: skip
        assert "Line 5: no record id in 'Client Ref'" in err.getvalue()
        assert "Line 6: no first name or surname" in err.getvalue()
        assert not Extract.objects.exists()
