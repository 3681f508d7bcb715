"""The demo's data matching (issue 6): the council tax extract loaded and matched at build time,
the other agencies' files written for the data officer, and, once the police, health and
Jobcentre files are loaded and matched, a handful of residents known to four agencies.

A small demo (the partnership, 300 residents and the matching) is built for each test; each
takes a few seconds, most of it the linkage runs."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from joinedup.accounts.models import Organisation, User
from joinedup.core.actor import Actor
from joinedup.demo import matching as demo_matching
from joinedup.demo.context import DemoContext
from joinedup.demo.matching import (
    AGENCIES,
    AGREEMENT_NAME,
    DATA_OFFICER,
    HOT_MIN,
    PRELOADED,
    WALKTHROUGH,
    DemoExtractsError,
    MatchingSummary,
    build_matching,
    make_extracts,
    write_extract_files,
)
from joinedup.demo.partnership import build_data_partners, build_partnership
from joinedup.demo.people import build_people
from joinedup.matching import insight, services
from joinedup.matching.models import (
    CandidatePair,
    ColumnMapping,
    Extract,
    ExtractRecord,
    LinkageRun,
    LinkedPerson,
)
from joinedup.matching.synthetic import AGENCY_COLUMNS, AGENCY_ID_COLUMNS
from joinedup.people.models import Person
from joinedup.sharing.models import SharingAgreement

pytestmark = pytest.mark.django_db

PEOPLE = 300


def _build(seed: int = 5) -> tuple[dict[str, Organisation], MatchingSummary]:
    ctx = DemoContext(seed=seed)
    organisations = build_partnership(ctx)
    build_people(ctx, count=PEOPLE, organisations=organisations)
    organisations.update(build_data_partners(ctx))
    summary = build_matching(ctx, organisations=organisations)
    assert summary is not None
    return organisations, summary


def _officer() -> Actor:
    return Actor.for_user(User.objects.get(email=DATA_OFFICER), process="test")


def _load_walkthrough(folder: Path, organisations: dict[str, Organisation]) -> LinkageRun:
    """Load the police, health and Jobcentre files with their saved mappings, as the data
    officer does through the pages, and run the matching again."""
    actor = _officer()
    for agency in WALKTHROUGH:
        organisation = organisations[agency.partner]
        result = services.load_extract(
            actor=actor,
            organisation=organisation,
            data=(folder / agency.file_name).read_bytes(),
            name=agency.file_name,
            mapping=ColumnMapping.objects.get(organisation=organisation, source_kind=agency.kind),
            extract_date=timezone.localdate() - timedelta(days=1),
            lawful_basis=agency.lawful_basis,
            agreement=SharingAgreement.objects.get(name=AGREEMENT_NAME),
        )
        assert result.extract is not None and not result.already_loaded
    run = LinkageRun.objects.create(kind=LinkageRun.Kind.FULL, requested_by=actor.user)
    return services.execute_run(run.pk)


def test_the_build_loads_the_council_tax_extract_and_matches_it() -> None:
    organisations, summary = _build()

    # The police and the hospital send extracts, but nobody works in JoinedUp for them.
    for key in ("police", "health"):
        assert not User.objects.filter(organisation=organisations[key]).exists()
    # Every agency's mapping is saved under the name the mapping page suggests.
    assert {(m.organisation_id, m.source_kind) for m in ColumnMapping.objects.all()} == {
        (organisations[a.partner].pk, a.kind) for a in AGENCIES
    }
    extract = Extract.objects.get()
    assert (extract.organisation, extract.source_kind) == (organisations["council"], "council_tax")
    assert extract.original_name == PRELOADED.file_name
    assert extract.lawful_basis == PRELOADED.lawful_basis
    assert extract.row_count == summary.extract_rows == ExtractRecord.objects.count() > 100

    run = LinkageRun.objects.get()
    assert run.status == LinkageRun.Status.SUCCEEDED, run.error
    assert run.records_loaded == summary.records_matched == PEOPLE + extract.row_count
    # Council tax records are linked to residents on the shared record...
    linked = LinkedPerson.objects.filter(person__isnull=False, records__isnull=False).distinct()
    assert linked.count() > 100
    # ...and some pairs wait for review: loosely written names without a date of birth.
    assert summary.review_pairs == CandidatePair.objects.count() > 0
    assert not ExtractRecord.objects.filter(linked_person__isnull=True).exists()


def test_the_files_once_loaded_give_a_handful_known_to_four_agencies(tmp_path: Path) -> None:
    organisations, summary = _build()
    written = write_extract_files(tmp_path)
    assert written.written
    for agency in AGENCIES:
        rows = list(csv.reader(io.StringIO((tmp_path / agency.file_name).read_text())))
        assert rows[0] == [AGENCY_ID_COLUMNS[agency.kind], *AGENCY_COLUMNS[agency.kind].values()]
        if agency is not PRELOADED:
            assert len(rows) - 1 == summary.files[agency.kind] > 0
    guide = (tmp_path / "README.txt").read_text()
    assert DATA_OFFICER in guide and "Northvale Police" in guide
    assert all(agency.lawful_basis in guide for agency in AGENCIES)
    assert f"Agreement:    {AGREEMENT_NAME}" in guide

    # The agreement the files are loaded under: current, between every organisation of the
    # demo (the police and the hospital trust too), and the pre-loaded extract's.
    agreement = SharingAgreement.objects.get(name=AGREEMENT_NAME)
    today = timezone.localdate()
    assert agreement.starts_on <= today and (
        agreement.ends_on is None or agreement.ends_on >= today
    )
    assert agreement.archived_on is None
    assert set(agreement.parties.all()) == set(organisations.values())
    assert {"Northvale Police", "Northvale Hospitals NHS Trust"} <= {
        o.name for o in agreement.parties.all()
    }
    assert "identity_contact" in {c.code for c in agreement.categories.all()}
    assert Extract.objects.get(source_kind="council_tax").agreement == agreement

    run = _load_walkthrough(tmp_path, organisations)
    assert run.status == LinkageRun.Status.SUCCEEDED, run.error

    hot = make_extracts(as_of=Extract.objects.get(source_kind="council_tax").extract_date).hot
    assert len(hot) >= 2  # and one more who is on no partner's books
    listing = insight.known_to_several(actor=_officer(), minimum=4)
    assert listing.page.paginator.count >= HOT_MIN
    # The handful on the shared record are among them: the council, the police, the hospital
    # and the Jobcentre know them, each with signals over the priority's thresholds.
    wanted = {organisations[key].name for key in ("council", "police", "health", "jcp")}
    for person_id in hot:
        linked = LinkedPerson.objects.get(person_id=person_id, status="active")
        row = insight.person_insight(actor=_officer(), reference=linked.reference).person
        assert wanted <= set(row.agency_names)
        reasons = " ".join(reason.text for reason in row.reasons)
        for signal in ("Council tax arrears", "police incidents", "A&E", "out-of-work benefits"):
            assert signal in reasons
        # The council holds them, so its data officer sees their name.
        assert row.name == str(Person.objects.get(pk=person_id))


def test_the_files_are_made_again_only_for_the_same_residents(tmp_path: Path) -> None:
    _build(seed=6)
    first = write_extract_files(tmp_path)
    data = {path.name: path.read_bytes() for path in first.files}
    # Already there: not written again.
    assert not write_extract_files(tmp_path).written
    # Made again elsewhere, byte for byte, whoever registers after the build.
    Person.objects.create(
        given_name="Late", family_name="Arrival", registered_by=Organisation.objects.first()
    )
    again = write_extract_files(tmp_path / "again")
    assert again.written
    assert {path.name: path.read_bytes() for path in again.files} == data
    # Not when a resident the extracts were made from has changed.
    linked = LinkedPerson.objects.filter(person__isnull=False, records__isnull=False).first()
    assert linked is not None and linked.person is not None
    person = linked.person
    Person.objects.filter(pk=person.pk).update(family_name=person.family_name + "x")
    with pytest.raises(DemoExtractsError, match="have changed"):
        write_extract_files(tmp_path / "changed")
    assert not (tmp_path / "changed").exists()


def test_no_extract_no_files(tmp_path: Path) -> None:
    with pytest.raises(DemoExtractsError, match="no demo extract"):
        write_extract_files(tmp_path)
    assert demo_matching.extracts_folder().parts[-2:] == ("var", "demo-extracts")
