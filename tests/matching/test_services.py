"""Loading extracts and linkage runs through the services, on a real database."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from joinedup.accounts.roles import Role
from joinedup.audit.models import AuditEvent
from joinedup.matching import services
from joinedup.matching.cleaning import clean_frame
from joinedup.matching.extracts import ExtractFormatError
from joinedup.matching.models import (
    CandidatePair,
    ClusterChange,
    Extract,
    ExtractRecord,
    LinkageRun,
    LinkedPerson,
    PairDecision,
)

from ..conftest import actor_for
from ..factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

PEOPLE = [
    # given, family, date of birth, postcode, address
    ("William", "Okafor", "1984-03-12", "NV1 2AB", "12 Mill Lane"),
    ("Sarah", "Bennett", "1990-07-01", "NV2 3DD", "4 Station Road"),
    ("Mohammed", "Iqbal", "1977-11-23", "NV3 1EF", "88 Canal Street"),
    ("Chloe", "Hughes", "2001-05-30", "NV1 4GH", "Flat 2, 9 High Street"),
    ("Daniel", "Price", "1969-09-09", "NV2 7JL", "31 Church Walk"),
    ("Aisha", "Rahman", "1995-02-14", "NV4 2LN", "7 Park View"),
    ("Thomas", "Evans", "1988-12-03", "NV3 5NP", "15 Green Lane"),
    ("Grace", "Lewis", "1979-04-18", "NV1 9QR", "2 Orchard Close"),
    ("Jamal", "Campbell", "1993-08-27", "NV4 6ST", "40 Victoria Street"),
    ("Emily", "Walker", "1985-01-11", "NV2 8UW", "19 Queens Road"),
    ("Paul", "Morgan", "1972-06-06", "NV3 3WX", "5 Bridge Street"),
    ("Hannah", "Khan", "1999-10-10", "NV1 6YZ", "23 Elm Grove"),
]


@pytest.fixture
def officer(council):  # type: ignore[no-untyped-def]
    return UserFactory(organisation=council, roles=[Role.DATA_OFFICER])


@pytest.fixture
def police():  # type: ignore[no-untyped-def]
    return OrganisationFactory(name="Northvale Police")


def police_csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=["Ref", "Forename", "Surname", "DOB", "Post Code", "Incidents"]
    )
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def council_csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(
        out,
        fieldnames=[
            "ACCOUNT",
            "FIRST_NAME",
            "LAST_NAME",
            "DATE_OF_BIRTH",
            "ADDRESS",
            "POSTCODE",
            "ARREARS",
        ],
    )
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def police_rows(people: list[tuple[str, str, str, str, str]]) -> list[dict[str, str]]:
    def dmy(iso: str) -> str:
        y, m, d = iso.split("-")
        return f"{d}/{m}/{y}"

    return [
        {
            "Ref": f"P{n}",
            "Forename": g,
            "Surname": f,
            "DOB": dmy(b),
            "Post Code": p.replace(" ", ""),
            "Incidents": str(n % 5),
        }
        for n, (g, f, b, p, _) in enumerate(people)
    ]


def council_rows(people: list[tuple[str, str, str, str, str]]) -> list[dict[str, str]]:
    return [
        {
            "ACCOUNT": f"CT{n}",
            "FIRST_NAME": g.upper(),
            "LAST_NAME": f.upper(),
            "DATE_OF_BIRTH": b,
            "ADDRESS": a,
            "POSTCODE": p,
            "ARREARS": f"{n * 100}",
        }
        for n, (g, f, b, p, a) in enumerate(people)
    ]


def police_mapping(officer, police):  # type: ignore[no-untyped-def]
    return services.save_mapping(
        actor=actor_for(officer),
        organisation=police,
        source_kind="police",
        name="Police contacts",
        id_column="Ref",
        fields={
            "first_name": "Forename",
            "surname": "Surname",
            "date_of_birth": "DOB",
            "postcode": "Post Code",
        },
        signals={"incidents_12m": "Incidents"},
    )


def council_mapping(officer, council):  # type: ignore[no-untyped-def]
    return services.save_mapping(
        actor=actor_for(officer),
        organisation=council,
        source_kind="council_tax",
        name="Council tax",
        id_column="ACCOUNT",
        fields={
            "first_name": "FIRST_NAME",
            "surname": "LAST_NAME",
            "date_of_birth": "DATE_OF_BIRTH",
            "address": "ADDRESS",
            "postcode": "POSTCODE",
        },
        signals={"arrears_amount": "ARREARS"},
    )


def matching_agreement(*organisations):  # type: ignore[no-untyped-def]
    from joinedup.sharing.models import SharingAgreement

    agreement = SharingAgreement.objects.create(
        name="Northvale data matching agreement",
        purpose="Finding people known to several services early",
        starts_on=date(2026, 1, 1),
    )
    agreement.parties.set(organisations)
    return agreement


def load(officer, organisation, mapping, data: bytes, name: str = "extract.csv", **extra):  # type: ignore[no-untyped-def]
    if organisation != officer.organisation and "agreement" not in extra:
        extra["agreement"] = matching_agreement(organisation, officer.organisation)
    return services.load_extract(
        actor=actor_for(officer),
        organisation=organisation,
        data=data,
        name=name,
        mapping=mapping,
        extract_date=date(2026, 11, 1),
        lawful_basis="UK GDPR 6(1)(e) public task; partnership agreement",
        **extra,
    )


class TestLoadExtract:
    def test_a_good_file_loads_whole_with_signals_and_is_audited(self, officer, police) -> None:
        mapping = police_mapping(officer, police)
        result = load(officer, police, mapping, police_csv(police_rows(PEOPLE)))
        assert result.extract is not None and not result.already_loaded
        assert result.extract.row_count == len(PEOPLE) == ExtractRecord.objects.count()
        third = ExtractRecord.objects.get(source_record_id="P2")
        assert third.surname == "Iqbal" and third.signals == {"incidents_12m": 2.0}
        assert third.row_number == 4
        event = AuditEvent.objects.order_by("-sequence").first()
        assert event is not None and event.detail["extract"] == result.extract.reference

    def test_the_same_file_again_changes_nothing(self, officer, police) -> None:
        mapping = police_mapping(officer, police)
        data = police_csv(police_rows(PEOPLE))
        first = load(officer, police, mapping, data)
        again = load(officer, police, mapping, data)
        assert again.already_loaded and again.extract == first.extract
        assert Extract.objects.count() == 1 and ExtractRecord.objects.count() == len(PEOPLE)

    def test_every_bad_row_is_reported_and_nothing_loaded(self, officer, police) -> None:
        mapping = police_mapping(officer, police)
        rows = police_rows(PEOPLE[:4])
        rows[1]["Ref"] = ""
        rows[2]["DOB"] = "31/02/1980"
        rows[3]["Incidents"] = "lots"
        rows.append(dict(rows[0]))  # the same record id twice
        rows.append(
            {
                "Ref": "P99",
                "Forename": "",
                "Surname": "",
                "DOB": "",
                "Post Code": "",
                "Incidents": "",
            }
        )
        with pytest.raises(ValidationError) as caught:
            load(officer, police, mapping, police_csv(rows))
        messages = caught.value.messages
        assert messages == [
            "Line 3: no record id in 'Ref'",
            "Line 4: date of birth '31/02/1980' is not a date (day, month and year)",
            "Line 5: Police incidents in 12 months 'lots' is not a number",
            "Line 6: record id 'P0' is also on line 2",
            "Line 7: no first name or surname",
        ]
        assert not Extract.objects.exists() and not ExtractRecord.objects.exists()

    def test_the_same_rows_saved_again_are_the_same_extract(self, officer, police) -> None:
        """REL-02: the same rows with other line endings are recognised, not loaded twice."""
        mapping = police_mapping(officer, police)
        data = police_csv(police_rows(PEOPLE))
        load(officer, police, mapping, data)
        again = load(officer, police, mapping, data.replace(b"\r\n", b"\n"))
        assert again.already_loaded and ExtractRecord.objects.count() == len(PEOPLE)

    def test_another_organisation_s_extract_needs_an_agreement_naming_both(
        self, officer, police, cab
    ) -> None:
        mapping = police_mapping(officer, police)
        data = police_csv(police_rows(PEOPLE))
        for agreement in (None, matching_agreement(police, cab)):
            with pytest.raises(ValidationError) as caught:
                load(officer, police, mapping, data, agreement=agreement)
            assert "agreement" in caught.value.message_dict
        assert not Extract.objects.exists()
        assert load(officer, police, mapping, data).extract is not None

    def test_placeholders_and_short_years_are_kept_impossible_dates_refused(
        self, officer, police
    ) -> None:
        mapping = police_mapping(officer, police)
        rows = police_rows(PEOPLE[:3])
        rows[0]["DOB"] = "UNKNOWN"
        rows[1]["DOB"] = "05/03/90"
        rows[2]["Incidents"] = "NaN"
        with pytest.raises(ValidationError) as caught:
            load(officer, police, mapping, police_csv(rows))
        assert caught.value.messages == [
            "Line 4: Police incidents in 12 months 'NaN' is not a number"
        ]
        rows[2]["Incidents"] = "1"
        load(officer, police, mapping, police_csv(rows))
        kept = dict(ExtractRecord.objects.values_list("source_record_id", "date_of_birth"))
        assert kept["P0"] == "" and kept["P1"] == "05/03/90"

    def test_line_numbers_count_line_breaks_inside_cells(self, officer, council) -> None:
        mapping = council_mapping(officer, council)
        rows = council_rows(PEOPLE[:3])
        rows[0]["ADDRESS"] = "Flat 1\n12 Mill Lane"
        rows[2]["ACCOUNT"] = ""
        with pytest.raises(ValidationError) as caught:
            load(officer, council, mapping, council_csv(rows))
        assert caught.value.messages == ["Line 5: no record id in 'ACCOUNT'"]

    def test_a_csv_whose_header_starts_pk_is_still_a_csv(self, officer, council) -> None:
        mapping = council_mapping(officer, council)
        data = council_csv(council_rows(PEOPLE[:2]))
        renamed = services.save_mapping(
            actor=actor_for(officer),
            organisation=council,
            source_kind="council_tax",
            name="PK accounts",
            id_column="PKACCOUNT",
            fields=mapping.fields,
            signals=mapping.signals,
        )
        load(officer, council, renamed, b"PK" + data)
        assert ExtractRecord.objects.count() == 2

    def test_a_missing_column_is_a_file_problem(self, officer, police) -> None:
        mapping = police_mapping(officer, police)
        with pytest.raises(ExtractFormatError, match="no column 'Post Code'"):
            load(
                officer,
                police,
                mapping,
                b"Ref,Forename,Surname,DOB,Incidents\nP1,A,B,01/01/1990,1\n",
            )

    def test_an_invalid_postcode_is_kept_not_refused(self, officer, police) -> None:
        mapping = police_mapping(officer, police)
        rows = police_rows(PEOPLE[:1])
        rows[0]["Post Code"] = "NOT KNOWN"
        load(officer, police, mapping, police_csv(rows))
        assert ExtractRecord.objects.get().postcode == "NOT KNOWN"

    def test_only_data_officers_load(self, council_worker, officer, police) -> None:
        mapping = police_mapping(officer, police)
        with pytest.raises(PermissionDenied):
            load(council_worker, police, mapping, police_csv(police_rows(PEOPLE)))

    def test_an_xlsx_workbook_loads(self, officer, police) -> None:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.append(["Ref", "Forename", "Surname", "DOB", "Post Code", "Incidents"])
        sheet.append(["P1", "Grace", "Lewis", date(1979, 4, 18), "NV1 9QR", 2])
        buffer = io.BytesIO()
        book.save(buffer)
        mapping = police_mapping(officer, police)
        load(officer, police, mapping, buffer.getvalue(), name="police.xlsx")
        record = ExtractRecord.objects.get()
        assert (record.date_of_birth, record.signals) == ("1979-04-18", {"incidents_12m": 2.0})


def run(officer, kind: str = "full") -> LinkageRun:  # type: ignore[no-untyped-def]
    made = LinkageRun.objects.create(kind=kind, requested_by=officer)
    return services.execute_run(made.pk)


@pytest.fixture
def two_agencies(officer, police, council):  # type: ignore[no-untyped-def]
    load(officer, police, police_mapping(officer, police), police_csv(police_rows(PEOPLE)))
    load(officer, council, council_mapping(officer, council), council_csv(council_rows(PEOPLE)))


class TestRuns:
    def test_a_full_run_links_each_person_s_records_across_agencies(
        self, officer, two_agencies
    ) -> None:
        done = run(officer)
        assert done.status == "succeeded", done.error
        assert done.records_loaded == 2 * len(PEOPLE)
        assert done.people_created == len(PEOPLE) and done.clusters == len(PEOPLE)
        for record in ExtractRecord.objects.filter(extract__source_kind="police"):
            twin = ExtractRecord.objects.get(
                extract__source_kind="council_tax",
                source_record_id=f"CT{record.source_record_id[1:]}",
            )
            assert record.linked_person_id == twin.linked_person_id is not None
        assert done.model is not None and set(done.tf_tables) == {"first_name", "surname"}

    def test_a_run_reads_each_record_with_its_extract_and_the_day_it_was_taken(
        self, officer, two_agencies
    ) -> None:
        """The clustering needs both: an agency's file holds one record per person, and
        the ages an agency holds are counted from the day its file was taken."""
        frame = services.records_frame()
        for extract in Extract.objects.all():
            mine = frame.loc[frame["extract"] == f"x{extract.pk}"]
            assert len(mine) == extract.records.count() > 0
            assert set(mine["source"]) == {extract.source_kind}
            assert set(mine["extract_date"]) == {extract.extract_date}
        cleaned = clean_frame(frame)
        assert cleaned["extract_date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()

    def test_ids_stay_the_same_on_a_second_run(self, officer, two_agencies) -> None:
        run(officer)
        before = dict(ExtractRecord.objects.values_list("pk", "linked_person_id"))
        again = run(officer)
        assert again.status == "succeeded" and again.people_created == 0
        assert dict(ExtractRecord.objects.values_list("pk", "linked_person_id")) == before

    def test_an_incremental_run_adds_new_records_to_existing_people(
        self, officer, police, two_agencies
    ) -> None:
        run(officer)
        people = LinkedPerson.objects.count()
        mapping = police_mapping(officer, police)
        newer = police_rows(PEOPLE[:3]) + police_rows(
            [("Zara", "Quinn", "2003-03-03", "NV9 9ZZ", "1 New Road")]
        )
        newer[-1]["Ref"] = "P-new"
        for row in newer[:3]:
            row["Ref"] = row["Ref"] + "-b"
        load(officer, police, mapping, police_csv(newer), name="later.csv")
        done = run(officer, kind="incremental")
        assert done.status == "succeeded", done.error
        assert done.records_loaded == 4 and done.people_created == 1
        assert LinkedPerson.objects.count() == people + 1
        okafor = ExtractRecord.objects.filter(surname__iexact="Okafor")
        assert okafor.count() == 3 and len({r.linked_person_id for r in okafor}) == 1

    def test_a_failed_run_writes_nothing_and_can_run_again(
        self, officer, two_agencies, monkeypatch
    ) -> None:
        from joinedup.matching import linkage

        def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
            raise RuntimeError("worker killed")

        monkeypatch.setattr(linkage, "clusters", broken)
        failed = run(officer)
        assert failed.status == "failed" and "RuntimeError" in failed.error
        assert "worker killed" not in failed.error  # details go to the log, not the page
        assert not LinkedPerson.objects.exists()
        assert not ExtractRecord.objects.filter(linked_person__isnull=False).exists()
        monkeypatch.undo()
        again = services.execute_run(failed.pk)
        assert again.status == "succeeded" and LinkedPerson.objects.count() == len(PEOPLE)

    def test_a_run_links_extracts_to_people_on_the_shared_record(
        self, officer, person, two_agencies
    ) -> None:
        from joinedup.matching.models import person_key

        # The shared record's Jordan Ellis appears in the police extract too.
        ExtractRecord.objects.create(
            extract=Extract.objects.get(source_kind="police"),
            row_number=99,
            source_record_id="P-je",
            first_name="Jordan",
            surname="Ellis",
            date_of_birth=person.date_of_birth.strftime("%d/%m/%Y"),
            postcode=person.postcode,
        )
        done = run(officer)
        assert done.status == "succeeded", done.error
        linked = ExtractRecord.objects.get(source_record_id="P-je").linked_person
        assert linked is not None and linked.person_id == person.pk
        assert person_key(person.pk).startswith("p")

    def test_only_one_run_at_a_time(self, officer, two_agencies) -> None:
        LinkageRun.objects.create(status="running", requested_by=officer)
        with pytest.raises(ValidationError, match="already queued or running"):
            services.request_run(actor=actor_for(officer))

    def test_an_incremental_run_needs_a_trained_model(self, officer, two_agencies) -> None:
        with pytest.raises(ValidationError, match="no trained model"):
            services.request_run(actor=actor_for(officer), kind="incremental")


class TestReviewAndUndo:
    def test_a_rejected_pair_splits_the_person_on_the_next_run_and_the_undo_joins_it(
        self, officer, two_agencies
    ) -> None:
        run(officer)
        police = ExtractRecord.objects.get(source_record_id="P0")
        council = ExtractRecord.objects.get(source_record_id="CT0")
        candidate = CandidatePair.objects.create(
            run=LinkageRun.objects.get(),
            left_key=police.key,
            right_key=council.key,
            match_weight=5.0,
            match_probability=0.97,
        )
        services.decide_pair(actor=actor_for(officer), candidate=candidate, decision="non_match")
        assert PairDecision.objects.get().decision == "non_match"
        done = run(officer)
        assert done.splits == 1 and done.people_created == 1
        police.refresh_from_db()
        council.refresh_from_db()
        assert police.linked_person_id != council.linked_person_id
        split = ClusterChange.objects.get(kind="split")
        services.undo_change(actor=actor_for(officer), change=split)
        police.refresh_from_db()
        council.refresh_from_db()
        assert police.linked_person_id == council.linked_person_id
        # Undoing a split records that the records belong together, so the next run agrees.
        assert PairDecision.objects.get().decision == "match"
        run(officer)
        police.refresh_from_db()
        council.refresh_from_db()
        assert police.linked_person_id == council.linked_person_id
        with pytest.raises(ValidationError, match="already been undone"):
            services.undo_change(actor=actor_for(officer), change=split)

    def test_undoing_a_merge_gives_the_records_back_and_keeps_them_apart(
        self, officer, two_agencies
    ) -> None:
        run(officer)
        police = ExtractRecord.objects.get(source_record_id="P1")
        council = ExtractRecord.objects.get(source_record_id="CT1")
        # Pretend they had been two people, merged by a run.
        absorbed = LinkedPerson.objects.create(reference="PTEST0001")
        survivor = council.linked_person
        ExtractRecord.objects.filter(pk=police.pk).update(linked_person=survivor)
        change = ClusterChange.objects.create(
            kind="merge", person=survivor, other=absorbed, records=[police.key]
        )
        LinkedPerson.objects.filter(pk=absorbed.pk).update(status="merged", merged_into=survivor)
        services.undo_change(actor=actor_for(officer), change=change)
        police.refresh_from_db()
        absorbed.refresh_from_db()
        assert police.linked_person_id == absorbed.pk and absorbed.status == "active"
        assert PairDecision.objects.filter(decision="non_match").exists()
        run(officer)
        police.refresh_from_db()
        council.refresh_from_db()
        assert police.linked_person_id != council.linked_person_id


class TestInterruptedRuns:
    def test_a_silent_run_and_an_unclaimed_one_no_longer_block_new_runs(
        self, officer, two_agencies
    ) -> None:
        """REL-03: a job killed mid-way (silent for half an hour) or never picked up (queued
        for an hour) is marked failed, and a new run can start."""
        from datetime import timedelta

        from django.utils import timezone

        now = timezone.now()
        dead = LinkageRun.objects.create(
            status="running",
            started_on=now - timedelta(hours=1),
            heartbeat_on=now - timedelta(minutes=31),
        )
        lost = LinkageRun.objects.create(status="queued")
        LinkageRun.objects.filter(pk=lost.pk).update(requested_on=now - timedelta(hours=2))
        alive = LinkageRun.objects.create(status="running", started_on=now, heartbeat_on=now)
        assert services.expire_dead_runs() == 2
        dead.refresh_from_db()
        lost.refresh_from_db()
        alive.refresh_from_db()
        assert dead.status == lost.status == "failed" and alive.status == "running"
        assert "db_worker" in lost.error and "nothing it found was kept" in dead.error

    def test_a_run_declared_dead_while_it_worked_writes_nothing(
        self, officer, two_agencies, monkeypatch
    ) -> None:
        from joinedup.matching import linkage

        real = linkage.clusters

        def slow(*args, **kwargs):  # type: ignore[no-untyped-def]
            LinkageRun.objects.update(status="failed")  # a new run's request expired it
            return real(*args, **kwargs)

        monkeypatch.setattr(linkage, "clusters", slow)
        done = run(officer)
        assert done.status == "failed" and not LinkedPerson.objects.exists()

    def test_decisions_wait_for_a_run_in_progress(self, officer, two_agencies) -> None:
        from django.utils import timezone

        first = run(officer)
        candidate = CandidatePair.objects.create(
            run=first, left_key="r1", right_key="r2", match_weight=-1.0, match_probability=0.3
        )
        LinkageRun.objects.create(
            status="running", started_on=timezone.now(), heartbeat_on=timezone.now()
        )
        with pytest.raises(ValidationError, match="Wait until the matching run"):
            services.decide_pair(actor=actor_for(officer), candidate=candidate, decision="match")
        assert not PairDecision.objects.exists()

    def test_undoing_a_merge_gives_the_shared_record_person_back(
        self, officer, person, two_agencies
    ) -> None:
        from joinedup.matching.models import person_key

        run(officer)
        record = ExtractRecord.objects.get(source_record_id="P4")
        survivor = record.linked_person
        absorbed = LinkedPerson.objects.create(reference="PTEST0002")
        LinkedPerson.objects.filter(pk=survivor.pk).update(person=person)
        LinkedPerson.objects.filter(pk=absorbed.pk).update(status="merged", merged_into=survivor)
        change = ClusterChange.objects.create(
            kind="merge", person=survivor, other=absorbed, records=[person_key(person.pk)]
        )
        services.undo_change(actor=actor_for(officer), change=change)
        survivor.refresh_from_db()
        absorbed.refresh_from_db()
        assert absorbed.person_id == person.pk and survivor.person_id is None
        assert all(d.left_key != d.right_key for d in PairDecision.objects.all())


def test_an_incremental_run_with_nothing_new_finishes_with_nothing_to_do(
    officer, two_agencies
) -> None:
    """Found in the demo: with no new records the saved model had an empty table to score
    and the run failed."""
    run(officer)
    before = dict(ExtractRecord.objects.values_list("pk", "linked_person_id"))
    done = run(officer, kind="incremental")
    assert done.status == "succeeded", done.error
    assert done.records_loaded == 0 and done.people_created == 0 and done.merges == 0
    assert dict(ExtractRecord.objects.values_list("pk", "linked_person_id")) == before


def test_a_review_decision_is_audited_against_the_shared_record_person(
    officer, person, two_agencies
) -> None:
    """SEC-20: deciding about a record linked to someone on the shared record shows on
    their "who looked" (the event names them)."""
    from joinedup.matching.models import person_key

    first = run(officer)
    record = ExtractRecord.objects.get(source_record_id="P5")
    candidate = CandidatePair.objects.create(
        run=first,
        left_key=record.key,
        right_key=person_key(person.pk),
        match_weight=-1.0,
        match_probability=0.33,
    )
    before = AuditEvent.objects.order_by("-sequence").first()
    services.decide_pair(actor=actor_for(officer), candidate=candidate, decision="non_match")
    assert before is not None
    (event,) = AuditEvent.objects.filter(sequence__gt=before.sequence)
    assert event.action == "review" and event.person_id == person.pk
    assert event.detail["decision"] == "non_match"
